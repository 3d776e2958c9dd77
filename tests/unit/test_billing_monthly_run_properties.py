"""Property tests of the monthly planner: over random contract-months, an advance issued by one month's run and
the regularisation of the next month add up to the full price of the actual consumption, to the cent and per
VAT group, and every planned document's total is Σ rounded line nets + VAT rounded once per group."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from billing.charges import NetworkFee
from billing.invoice_math import compute_totals
from billing.invoice_types import InvoiceKind, breakdown_groups, sum_groups
from billing.monthly_run import (
    BillingSettings,
    ContractMonth,
    GreenCertificateQuota,
    IssuedDocument,
    ReferenceData,
    plan_contract_month,
)

CENT = Decimal("0.01")

kwh = st.decimals(min_value=Decimal("0"), max_value=Decimal("250000"), places=3, allow_nan=False, allow_infinity=False)
price = st.decimals(min_value=Decimal("0.05"), max_value=Decimal("2"), places=6, allow_nan=False, allow_infinity=False)


def contract(month: str, total: Decimal, fix_price: Decimal, ordered: Decimal, product: str, day_share: Decimal, fees: tuple) -> ContractMonth:
    day = (total * day_share).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)
    return ContractMonth(
        contract_id="CT-1", addendum_number=0, company_id="VB-RO", customer_id="CU-1", customer_class="commercial",
        country_code="RO", market_timezone="Europe/Bucharest", month=month, product_code=product,
        energy_price_per_kwh=fix_price, currency="RON", ordered_kwh=ordered, tolerance_pct=Decimal("10"),
        payment_terms_days=15, invoice_language="ro", total_kwh=total, estimated_kwh=Decimal(0), recalculated_kwh=Decimal(0),
        zone_kwh={"day": day, "night": total - day} if product == "TOU" else None,
        network_fees=fees,
        settings=BillingSettings(
            zone_prices={"day": fix_price, "night": (fix_price * Decimal("0.6")).quantize(Decimal("0.000001"))},
            has_advance_invoices=True, grace_days={"advance": 0, "regularisation": 5, "penalty": 0},
        ),
    )


REFERENCE = ReferenceData(
    excise={("RO", "commercial", "RON"): (Decimal("2.5413"), Decimal(0))},
    green_certificates={("RO", 2026, "RON"): GreenCertificateQuota(2026, Decimal("0.4994"), Decimal("149.35"), "RON")},
)


@settings(max_examples=150, deadline=None)
@given(
    actual=kwh,
    earlier=kwh,
    ordered=kwh,
    fix_price=price,
    product=st.sampled_from(["FIX", "TOU"]),
    day_share=st.decimals(min_value=Decimal("0"), max_value=Decimal("1"), places=2),
    fee_quantity=st.decimals(min_value=Decimal("0"), max_value=Decimal("50000"), places=3),
    rate_change=st.booleans(),
)
def test_advance_plus_regularisation_is_the_full_price(actual, earlier, ordered, fix_price, product, day_share, fee_quantity, rate_change) -> None:
    fee_price = Decimal("0.153000")
    fees = (
        NetworkFee("DIST", fee_quantity, "kWh", fee_price, (fee_quantity * fee_price).quantize(CENT, rounding=ROUND_HALF_UP), "RON", "2026-03", "DSO", "MP-1"),
    )
    # the February run issues the March advance (VAT 21 %, or 19 % before the change of 2025-08-01)
    advance_issue = date(2025, 7, 5) if rate_change else date(2026, 3, 5)
    february = plan_contract_month(contract("2026-02", earlier, fix_price, ordered, product, day_share, ()), REFERENCE, advance_issue, {}, {})
    advance = next(d for d in february.documents if d.draft.invoice_type is InvoiceKind.ADVANCE)
    assert advance.draft.month == "2026-03"
    issued = {advance.draft.invoice_key: IssuedDocument("VBR00000001", advance.draft, advance.charge_types, advance_issue)}

    march = plan_contract_month(contract("2026-03", actual, fix_price, ordered, product, day_share, fees), REFERENCE, date(2026, 4, 5), issued, {})
    regularisation = next(d for d in march.documents if d.draft.invoice_type is InvoiceKind.REGULARISATION)
    full = compute_totals(regularisation.draft.lines)  # the full price of March's actual consumption

    assert advance.draft.amount_due + regularisation.draft.amount_due == full.total_with_vat
    assert sum_groups(advance.draft.net_groups, regularisation.draft.net_groups) == breakdown_groups(full)
    for document in (*february.documents, *march.documents):
        totals = document.draft.totals
        assert totals.line_total == sum((line.net_amount for line in document.draft.lines), Decimal("0.00"))
        for group in totals.breakdown:
            taxable = sum(
                (line.net_amount for line in document.draft.lines if (line.vat_category, line.vat_rate_pct) == (group.vat_category, group.vat_rate_pct)),
                Decimal("0.00"),
            )
            assert group.taxable_amount == taxable
            assert group.vat_amount == (taxable * group.vat_rate_pct / 100).quantize(CENT, rounding=ROUND_HALF_UP)
        assert totals.total_with_vat == totals.line_total + sum((g.vat_amount for g in totals.breakdown), Decimal("0.00"))
