"""billing.monthly_run: planning one contract's billing month from hand-made inputs (no database).

Every expected amount is worked out by hand: the arithmetic is in the comments, and the expected
values are written either as literals checked against that arithmetic or as Decimal expressions of
the inputs rounded with an explicit ROUND_HALF_UP quantize (`r2`, `r3`, `r6` below) — never copied
from the code's output.

The running example: contract CT-1 (RO, household, RON), FIX 0.85 RON/kWh, month 2026-01 issued on
billing day 5 (2026-02-05, VAT 21 %), actual 1234.567 kWh, two network-fee rows, excise 4.89 RON/MWh
and green certificates at the provisional 2026 quota 0.4998 cert/MWh × 148.73 RON.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal

import pytest

from billing.charges import NetworkFee
from billing.invoice_math import InvoiceLine, VatCategory
from billing.invoice_types import InvoiceKind
from billing.monthly_run import (
    BillingSettings,
    ContractMonth,
    GreenCertificateQuota,
    IssuedDocument,
    MonthPlan,
    PricingError,
    ReferenceData,
    green_certificate_years_due,
    issue_date_for,
    next_month,
    plan_contract_month,
    plan_green_certificates,
    previous_month,
)
from billing.register import content_hash

D = Decimal
S = VatCategory.STANDARD


def r2(value: Decimal) -> Decimal:
    return value.quantize(D("0.01"), rounding=ROUND_HALF_UP)


def r3(value: Decimal) -> Decimal:
    return value.quantize(D("0.001"), rounding=ROUND_HALF_UP)


def r6(value: Decimal) -> Decimal:
    return value.quantize(D("0.000001"), rounding=ROUND_HALF_UP)


# --- inputs -------------------------------------------------------------------------------------

ACTUAL = D("1234.567")
PRICE = D("0.85")
EXCISE_RATE = D("4.89")  # RON per MWh, RO household
GC_QUOTA = D("0.4998")  # provisional 2026 quota, certificates per MWh
GC_PRICE = D("148.73")  # RON per certificate
DIST_PRICE = D("0.153")
TRANS_PRICE = D("0.026366")
ISSUE = date(2026, 2, 5)  # billing day 5 of the month after 2026-01
RULE = "eom+15"
GRACE = {"advance": 3, "regularisation": 7, "penalty": 2}

# DSO rows: amount = quantity × unit price rounded half up.
# DIST: 1234.567 × 0.153 = 188.888751 → 188.89; TRANS: 1234.567 × 0.026366 = 32.550593522 → 32.55
FEES = (
    NetworkFee("DIST", ACTUAL, "kWh", DIST_PRICE, D("188.89"), "RON", "2026-01", "DSO-MUN", "MP-1"),
    NetworkFee("TRANS", ACTUAL, "kWh", TRANS_PRICE, D("32.55"), "RON", "2026-01", "TEL", "MP-1"),
)

REFERENCE = ReferenceData(
    excise={
        ("RO", "household", "RON"): (EXCISE_RATE, D(0)),
        ("RO", "commercial", "RON"): (D("2.44"), D(0)),
        ("BG", "household", "BGN"): (D("2.00"), D("100")),
    },
    reactive_price={("RO", "RON"): D("0.0563")},
    green_certificates={("RO", 2026, "RON"): GreenCertificateQuota(2026, GC_QUOTA, GC_PRICE, "RON")},
)
# The same without green certificates (keeps the TOU / INDEX / recalculation arithmetic short).
REFERENCE_NO_GC = ReferenceData(excise=REFERENCE.excise, reactive_price=REFERENCE.reactive_price)


def settings(**changes: object) -> BillingSettings:
    base: dict[str, object] = {"due_date_rule": RULE, "grace_days": GRACE}
    base.update(changes)
    return BillingSettings(**base)  # type: ignore[arg-type]


def contract_month(**changes: object) -> ContractMonth:
    base: dict[str, object] = dict(
        contract_id="CT-1",
        addendum_number=1,
        company_id="CO-RO",
        customer_id="C-1",
        customer_class="household",
        country_code="RO",
        market_timezone="Europe/Bucharest",
        month="2026-01",
        product_code="FIX",
        energy_price_per_kwh=PRICE,
        currency="RON",
        ordered_kwh=D("1100"),
        tolerance_pct=D("10"),
        payment_terms_days=14,
        invoice_language="ro",
        total_kwh=ACTUAL,
        estimated_kwh=D(0),
        recalculated_kwh=D(0),
        network_fees=FEES,
        settings=settings(),
    )
    base.update(changes)
    return ContractMonth(**base)  # type: ignore[arg-type]


def plan(
    contract: ContractMonth,
    reference: ReferenceData = REFERENCE,
    issue_date: date = ISSUE,
    issued: dict[str, IssuedDocument] | None = None,
    hashes: dict[str, str] | None = None,
) -> MonthPlan:
    return plan_contract_month(contract, reference, issue_date, issued or {}, hashes or {})


def by_key(month_plan: MonthPlan) -> dict:
    return {document.draft.invoice_key: document for document in month_plan.documents}


def nets(document) -> list[Decimal]:
    return [line.net_amount for line in document.draft.lines]


# --- 1. dates -----------------------------------------------------------------------------------


def test_issue_date_is_the_billing_day_of_the_following_month() -> None:
    assert issue_date_for("2026-01", 5) == date(2026, 2, 5)
    assert issue_date_for("2025-12", 5) == date(2026, 1, 5)  # across the year end


def test_issue_date_is_clamped_to_the_last_day_of_a_short_month() -> None:
    assert issue_date_for("2026-01", 31) == date(2026, 2, 28)  # February 2026 has 28 days
    assert issue_date_for("2027-12", 31) == date(2028, 1, 31)
    assert issue_date_for("2028-01", 30) == date(2028, 2, 29)  # leap year
    assert issue_date_for("2026-03", 31) == date(2026, 4, 30)


@pytest.mark.parametrize("day", [0, 32, -1])
def test_issue_date_refuses_a_bad_billing_day(day: int) -> None:
    with pytest.raises(ValueError, match="billing day"):
        issue_date_for("2026-01", day)


def test_next_and_previous_month() -> None:
    assert next_month("2026-01") == "2026-02"
    assert next_month("2026-11") == "2026-12"
    assert next_month("2026-12") == "2027-01"
    assert previous_month("2026-01") == "2025-12"
    assert previous_month("2026-12") == "2026-11"


# --- 2. FIX regularisation ----------------------------------------------------------------------


def test_fix_regularisation_lines_totals_and_dates() -> None:
    result = plan(contract_month())
    assert result.exceptions == [] and result.recalculations == []
    assert len(result.documents) == 1  # no advances, no deviation invoices in the settings
    document = result.documents[0]
    draft = document.draft
    assert draft.invoice_key == "regularisation/2026-01/CT-1"
    assert draft.invoice_type is InvoiceKind.REGULARISATION
    assert draft.month == "2026-01" and draft.currency == "RON"

    assert document.charge_types == ("energy", "network_fee", "network_fee", "excise", "green_certificates")
    assert document.metering_points == (None, "MP-1", "MP-1", None, None)
    assert [line.description for line in draft.lines] == [
        "Active energy, fixed price",
        "Network fee: DIST (DSO-MUN)",
        "Network fee: TRANS (TEL)",
        "Excise duty (RO, household)",
        "Green certificates, quota 0.4998 cert/MWh",
    ]
    assert [line.unit for line in draft.lines] == ["kWh", "kWh", "kWh", "MWh", "certificate"]

    mwh = ACTUAL / 1000  # 1.234567 (exact)
    certificates = r6(mwh * GC_QUOTA)  # 1.234567 × 0.4998 = 0.6170365866 → 0.617037
    assert certificates == D("0.617037")
    assert [line.quantity for line in draft.lines] == [ACTUAL, ACTUAL, ACTUAL, D("1.234567"), certificates]
    assert [line.unit_price for line in draft.lines] == [PRICE, DIST_PRICE, TRANS_PRICE, EXCISE_RATE, GC_PRICE]
    # VAT: RO standard rate on the issue date 2026-02-05 (after 2025-08-01) = 21 %
    assert all(line.vat_category is S and line.vat_rate_pct == D("21") for line in draft.lines)

    energy = r2(ACTUAL * PRICE)  # 1049.38195 → 1049.38
    dist = r2(ACTUAL * DIST_PRICE)  # 188.888751 → 188.89
    trans = r2(ACTUAL * TRANS_PRICE)  # 32.550593522 → 32.55
    excise = r2(mwh * EXCISE_RATE)  # 1.234567 × 4.89 = 6.03703263 → 6.04
    green = r2(certificates * GC_PRICE)  # 0.617037 × 148.73 = 91.77191301 → 91.77
    assert [energy, dist, trans, excise, green] == [D("1049.38"), D("188.89"), D("32.55"), D("6.04"), D("91.77")]
    assert nets(document) == [energy, dist, trans, excise, green]

    # line total = Σ rounded nets = 1368.63; VAT once on the group: 1368.63 × 0.21 = 287.4123 → 287.41
    # (rounding VAT per line would give 220.37 + 39.67 + 6.84 + 1.27 + 19.27 = 287.42)
    line_total = energy + dist + trans + excise + green
    vat = r2(line_total * D("0.21"))
    assert (line_total, vat) == (D("1368.63"), D("287.41"))
    totals = draft.totals
    assert totals.line_total == line_total
    assert totals.vat_total == vat
    assert totals.total_with_vat == D("1656.04")
    assert totals.prepaid_amount == D("0.00")
    assert totals.amount_due == D("1656.04")
    assert [(g.vat_category, g.vat_rate_pct, g.taxable_amount, g.vat_amount) for g in totals.breakdown] == [
        (S, D("21"), D("1368.63"), D("287.41"))
    ]
    assert draft.prepaid_groups == () and draft.prepaid_invoice_refs == ()

    # issued 2026-02-05; eom+15 = 2026-02-28 + 15 days = Sunday 2026-03-15 → rolls to Monday 2026-03-16
    assert document.issue_date == ISSUE
    assert document.due_date == date(2026, 3, 16)
    assert document.due_date_rule == "eom+15"
    assert document.grace_days == 7  # the regularisation's grace days
    assert document.company_id == "CO-RO" and document.country_code == "RO"
    assert document.consumption_type == "achieved"
    assert document.energy_kwh == ACTUAL
    assert document.invoice_language == "ro"


def test_vat_follows_the_issue_date_not_the_consumption_month() -> None:
    # July 2025 consumption issued on 2025-08-05: 21 %; June 2025 issued on 2025-07-05: 19 %
    july = plan(contract_month(month="2025-07", network_fees=()), REFERENCE_NO_GC, date(2025, 8, 5)).documents[0]
    june = plan(contract_month(month="2025-06", network_fees=()), REFERENCE_NO_GC, date(2025, 7, 5)).documents[0]
    assert {line.vat_rate_pct for line in july.draft.lines} == {D("21")}
    assert {line.vat_rate_pct for line in june.draft.lines} == {D("19")}
    # June: energy 1049.38 + excise 6.04 = 1055.42; VAT 1055.42 × 0.19 = 200.5298 → 200.53
    assert june.draft.totals.line_total == D("1055.42")
    assert june.draft.totals.vat_total == r2(D("1055.42") * D("0.19")) == D("200.53")


def test_due_date_rolls_over_a_public_holiday_and_the_weekend() -> None:
    # month 2026-03 issued 2026-04-05; eom+1 = 2026-04-30 + 1 = Friday 1 May 2026 (Labour Day in RO)
    # → Saturday 2, Sunday 3 → Monday 2026-05-04
    document = plan(contract_month(month="2026-03", settings=settings(due_date_rule="eom+1")), issue_date=date(2026, 4, 5)).documents[0]
    assert document.due_date == date(2026, 5, 4)


def test_without_a_due_date_rule_the_payment_terms_apply() -> None:
    # payment terms 14 days: 2026-02-05 + 14 = Thursday 2026-02-19 (a working day)
    document = plan(contract_month(settings=settings(due_date_rule=None))).documents[0]
    assert document.due_date_rule == "14d"
    assert document.due_date == date(2026, 2, 19)


# --- 3. advances --------------------------------------------------------------------------------

ORDERED = D("1100")
# Advance for 2026-02 on the ordered 1100 kWh: energy, excise, certificates (no network fee):
#   energy 1100 × 0.85 = 935.00; excise 1.1 MWh × 4.89 = 5.379 → 5.38;
#   certificates 1.1 × 0.4998 = 0.54978 → × 148.73 = 81.7687794 → 81.77
#   line total 1022.15; VAT 1022.15 × 0.21 = 214.6515 → 214.65; total 1236.80
ADVANCE_ENERGY = r2(ORDERED * PRICE)
ADVANCE_EXCISE = r2(ORDERED / 1000 * EXCISE_RATE)
ADVANCE_GC = r2(r6(ORDERED / 1000 * GC_QUOTA) * GC_PRICE)
ADVANCE_NET = ADVANCE_ENERGY + ADVANCE_EXCISE + ADVANCE_GC
ADVANCE_VAT = r2(ADVANCE_NET * D("0.21"))
ADVANCE_TOTAL = ADVANCE_NET + ADVANCE_VAT


def test_hand_figures_of_the_advance() -> None:
    assert (ADVANCE_ENERGY, ADVANCE_EXCISE, ADVANCE_GC) == (D("935.00"), D("5.38"), D("81.77"))
    assert (ADVANCE_NET, ADVANCE_VAT, ADVANCE_TOTAL) == (D("1022.15"), D("214.65"), D("1236.80"))


def test_the_next_months_advance_is_priced_on_the_ordered_quantity() -> None:
    result = plan(contract_month(settings=settings(has_advance_invoices=True)))
    documents = by_key(result)
    assert sorted(documents) == ["advance/2026-02/CT-1", "regularisation/2026-01/CT-1"]
    advance = documents["advance/2026-02/CT-1"]
    draft = advance.draft
    assert draft.invoice_type is InvoiceKind.ADVANCE and draft.month == "2026-02"
    assert advance.charge_types == ("energy", "excise", "green_certificates")
    assert "network_fee" not in advance.charge_types
    assert [line.quantity for line in draft.lines] == [ORDERED, D("1.1"), r6(ORDERED / 1000 * GC_QUOTA)]
    assert nets(advance) == [ADVANCE_ENERGY, ADVANCE_EXCISE, ADVANCE_GC]
    assert draft.totals.line_total == ADVANCE_NET
    assert draft.totals.vat_total == ADVANCE_VAT
    assert draft.totals.amount_due == ADVANCE_TOTAL
    assert advance.consumption_type == "ordered"
    assert advance.energy_kwh == ORDERED
    assert advance.grace_days == 3  # the advance's grace days
    assert advance.due_date == date(2026, 3, 16)  # same issue date and rule as the regularisation


def test_the_issued_advance_is_deducted_by_the_next_regularisation() -> None:
    first = by_key(plan(contract_month(settings=settings(has_advance_invoices=True))))
    advance = first["advance/2026-02/CT-1"]
    issued = {"advance/2026-02/CT-1": IssuedDocument("VB-ADV-1", advance.draft, advance.charge_types, ISSUE)}
    fees_february = tuple(
        NetworkFee(fee.fee_code, fee.quantity, fee.unit, fee.unit_price, fee.amount, fee.currency, "2026-02", fee.dso_id, fee.metering_point_id)
        for fee in FEES
    )
    february = contract_month(month="2026-02", network_fees=fees_february, settings=settings(has_advance_invoices=True))
    result = by_key(plan(february, issue_date=date(2026, 3, 5), issued=issued))
    assert sorted(result) == ["advance/2026-03/CT-1", "regularisation/2026-02/CT-1"]
    regularisation = result["regularisation/2026-02/CT-1"].draft
    # full price of the actual 1234.567 kWh, as in the January example: 1368.63 + 287.41 = 1656.04
    assert regularisation.totals.total_with_vat == D("1656.04")
    # prepaid = the advance's figures: group S 21 % (1022.15, 214.65), 1236.80 in total
    assert [(g.vat_category, g.vat_rate_pct, g.taxable_amount, g.vat_amount) for g in regularisation.prepaid_groups] == [
        (S, D("21"), ADVANCE_NET, ADVANCE_VAT)
    ]
    assert regularisation.totals.prepaid_amount == ADVANCE_TOTAL
    # amount due = 1656.04 − 1236.80 = 419.24
    assert regularisation.totals.amount_due == D("1656.04") - ADVANCE_TOTAL == D("419.24")
    assert regularisation.prepaid_invoice_refs == ("VB-ADV-1",)
    # issued 2026-03-05; eom+15 = 2026-03-31 + 15 = Wednesday 2026-04-15
    assert result["regularisation/2026-02/CT-1"].due_date == date(2026, 4, 15)


def test_no_advance_for_a_month_already_regularised() -> None:
    done = plan(contract_month(settings=settings(has_advance_invoices=True))).documents[0]
    issued = {"regularisation/2026-02/CT-1": IssuedDocument("VB-REG-2", done.draft, done.charge_types, ISSUE)}
    result = by_key(plan(contract_month(settings=settings(has_advance_invoices=True)), issued=issued))
    assert sorted(result) == ["regularisation/2026-01/CT-1"]


def test_no_advance_without_advance_invoices() -> None:
    assert sorted(by_key(plan(contract_month()))) == ["regularisation/2026-01/CT-1"]


# --- 4. TOU -------------------------------------------------------------------------------------

ZONE_PRICES = {"day": D("0.92"), "night": D("0.61")}
DAY_KWH, NIGHT_KWH = D("700.123"), D("300.456")
TOU_TOTAL = DAY_KWH + NIGHT_KWH  # 1000.579


def tou_month(**changes: object) -> ContractMonth:
    base: dict[str, object] = dict(
        product_code="TOU",
        energy_price_per_kwh=D(0),
        total_kwh=TOU_TOTAL,
        zone_kwh={"day": DAY_KWH, "night": NIGHT_KWH},
        network_fees=(),
        ordered_kwh=D("1000"),
        settings=settings(zone_prices=ZONE_PRICES, has_advance_invoices=True),
    )
    base.update(changes)
    return contract_month(**base)


def test_tou_regularisation_has_one_line_per_zone() -> None:
    result = by_key(plan(tou_month(), REFERENCE_NO_GC))
    document = result["regularisation/2026-01/CT-1"]
    assert document.charge_types == ("energy", "energy", "excise")
    assert [line.description for line in document.draft.lines[:2]] == ["Active energy, day zone", "Active energy, night zone"]
    assert [line.quantity for line in document.draft.lines] == [DAY_KWH, NIGHT_KWH, D("1.000579")]
    # day 700.123 × 0.92 = 644.11316 → 644.11; night 300.456 × 0.61 = 183.27816 → 183.28;
    # excise 1.000579 × 4.89 = 4.89283131 → 4.89; total 832.28; VAT 174.7788 → 174.78
    expected = [r2(DAY_KWH * D("0.92")), r2(NIGHT_KWH * D("0.61")), r2(TOU_TOTAL / 1000 * EXCISE_RATE)]
    assert expected == [D("644.11"), D("183.28"), D("4.89")]
    assert nets(document) == expected
    assert document.draft.totals.line_total == D("832.28")
    assert document.draft.totals.vat_total == r2(D("832.28") * D("0.21")) == D("174.78")


def test_tou_advance_splits_the_ordered_quantity_by_the_actual_zone_shares() -> None:
    advance = by_key(plan(tou_month(), REFERENCE_NO_GC))["advance/2026-02/CT-1"]
    ordered = D("1000")
    # day = round3(1000 × 700.123 / 1000.579) = round3(699.71786...) = 699.718; night gets the rest
    day = r3(ordered * DAY_KWH / TOU_TOTAL)
    night = ordered - day
    assert (day, night) == (D("699.718"), D("300.282"))
    assert advance.charge_types == ("energy", "energy", "excise")
    assert [line.quantity for line in advance.draft.lines[:2]] == [day, night]
    assert advance.draft.lines[0].quantity + advance.draft.lines[1].quantity == ordered
    # day 699.718 × 0.92 = 643.74056 → 643.74; night 300.282 × 0.61 = 183.17202 → 183.17; excise 1 × 4.89
    assert nets(advance) == [r2(day * D("0.92")), r2(night * D("0.61")), r2(D("1") * EXCISE_RATE)] == [D("643.74"), D("183.17"), D("4.89")]


def test_tou_advance_split_rounds_half_up_and_gives_the_rest_to_the_last_zone() -> None:
    # equal shares of 1000.001 kWh: 1000.001 × 250 / 500 = 500.0005 → half up 500.001 for "day",
    # "night" (last in sorted order) gets 1000.001 − 500.001 = 500.000 (half-even would give 500.000 / 500.001)
    contract = tou_month(total_kwh=D("500"), zone_kwh={"night": D("250"), "day": D("250")}, ordered_kwh=D("1000.001"))
    advance = by_key(plan(contract, REFERENCE_NO_GC))["advance/2026-02/CT-1"]
    assert [line.quantity for line in advance.draft.lines[:2]] == [D("500.001"), D("500.000")]
    assert sum(line.quantity for line in advance.draft.lines[:2]) == D("1000.001")


def test_tou_zone_without_price_cannot_be_priced() -> None:
    with pytest.raises(PricingError, match="night"):
        plan(tou_month(settings=settings(zone_prices={"day": D("0.92")})), REFERENCE_NO_GC)


# --- 5. INDEX -----------------------------------------------------------------------------------

H0, H1, H2 = (datetime(2026, 1, 1, hour, tzinfo=UTC) for hour in (0, 1, 2))
HOURLY = {H0: D("150.500"), H1: D("225.250"), H2: D("75.125")}
INDEX_TOTAL = D("450.875")  # 150.5 + 225.25 + 75.125
MARGIN = D("0.035")
DAY_AHEAD = {H0: (D("420.50"), "RON"), H1: (D("515.25"), "RON"), H2: (D("-12.00"), "RON")}


def index_month(**changes: object) -> ContractMonth:
    base: dict[str, object] = dict(
        product_code="INDEX",
        energy_price_per_kwh=MARGIN,
        total_kwh=INDEX_TOTAL,
        hourly_kwh=HOURLY,
        network_fees=(),
        ordered_kwh=D("400"),
        settings=settings(has_advance_invoices=True),
    )
    base.update(changes)
    return contract_month(**base)


def index_reference(prices: dict) -> ReferenceData:
    return ReferenceData(excise=REFERENCE.excise, day_ahead_hourly={"RO": prices})


def test_index_energy_is_priced_hour_by_hour() -> None:
    assert sum(HOURLY.values()) == INDEX_TOTAL
    result = by_key(plan(index_month(), index_reference(DAY_AHEAD)))
    document = result["regularisation/2026-01/CT-1"]
    assert document.charge_types == ("energy", "excise")
    energy = document.draft.lines[0]
    # C = 150.5 × (0.4205 + 0.035) + 225.25 × (0.51525 + 0.035) + 75.125 × (−0.012 + 0.035)
    #   = 68.55275 + 123.9438125 + 1.727875 = 194.2244375
    cost = sum(kwh * (DAY_AHEAD[hour][0] / 1000 + MARGIN) for hour, kwh in HOURLY.items())
    assert cost == D("194.2244375")
    # p = round6(194.2244375 / 450.875) = round6(0.43077224...) = 0.430772
    average = r6(cost / INDEX_TOTAL)
    assert average == D("0.430772")
    assert energy.quantity == INDEX_TOTAL
    assert energy.unit_price == average
    # net = 450.875 × 0.430772 = 194.2243255 → 194.22
    assert energy.net_amount == r2(INDEX_TOTAL * average) == D("194.22")
    # excise 0.450875 × 4.89 = 2.20477875 → 2.20; line total 196.42; VAT 41.2482 → 41.25
    assert document.draft.lines[1].net_amount == r2(INDEX_TOTAL / 1000 * EXCISE_RATE) == D("2.20")
    assert document.draft.totals.line_total == D("196.42")
    assert document.draft.totals.vat_total == r2(D("196.42") * D("0.21")) == D("41.25")


def test_index_advance_uses_the_months_average_price() -> None:
    advance = by_key(plan(index_month(), index_reference(DAY_AHEAD)))["advance/2026-02/CT-1"]
    energy = advance.draft.lines[0]
    # 400 kWh × 0.430772 = 172.3088 → 172.31; excise 0.4 × 4.89 = 1.956 → 1.96
    assert (energy.quantity, energy.unit_price) == (D("400"), D("0.430772"))
    assert nets(advance) == [r2(D("400") * D("0.430772")), r2(D("0.4") * EXCISE_RATE)] == [D("172.31"), D("1.96")]
    assert advance.charge_types == ("energy", "excise")


def test_index_month_with_an_hour_without_price_is_refused() -> None:
    one_missing = {H0: DAY_AHEAD[H0], H2: DAY_AHEAD[H2]}
    with pytest.raises(PricingError, match=r"no day-ahead price for 1 hour\(s\)"):
        plan(index_month(), index_reference(one_missing))
    with pytest.raises(PricingError, match=r"no day-ahead price for 2 hour\(s\)"):
        plan(index_month(), index_reference({H1: DAY_AHEAD[H1]}))
    with pytest.raises(PricingError, match=r"3 hour\(s\)"):
        plan(index_month(), ReferenceData(excise=REFERENCE.excise))  # no prices for RO at all


def test_index_price_in_another_currency_is_refused() -> None:
    prices = dict(DAY_AHEAD)
    prices[H1] = (D("103.50"), "EUR")
    with pytest.raises(PricingError, match="EUR"):
        plan(index_month(), index_reference(prices))


# --- 6. deviation -------------------------------------------------------------------------------

DEVIATION_PRICE = D("0.25")


def deviation_month(actual: str) -> ContractMonth:
    return contract_month(
        total_kwh=D(actual),
        network_fees=(),
        ordered_kwh=D("1234.5"),
        tolerance_pct=D("7.5"),
        settings=settings(has_deviation_invoices=True, deviation_price_per_kwh=DEVIATION_PRICE),
    )


def test_tolerance_band_bounds_by_hand() -> None:
    # lower 1234.5 × 92.5 % = 1141.9125 → 1141.913; upper 1234.5 × 107.5 % = 1327.0875 → 1327.088
    assert r3(D("1234.5") * D("92.5") / 100) == D("1141.913")
    assert r3(D("1234.5") * D("107.5") / 100) == D("1327.088")


def test_deviation_above_the_band() -> None:
    result = by_key(plan(deviation_month("1400.000"), REFERENCE_NO_GC))
    assert sorted(result) == ["deviation/2026-01/CT-1", "regularisation/2026-01/CT-1"]
    deviation = result["deviation/2026-01/CT-1"]
    line = deviation.draft.lines[0]
    assert len(deviation.draft.lines) == 1
    assert deviation.draft.invoice_type is InvoiceKind.DEVIATION
    assert deviation.charge_types == ("deviation",)
    # 1400 − 1327.088 = 72.912 kWh × 0.25 = 18.228 → 18.23; VAT 3.8283 → 3.83; total 22.06
    assert line.quantity == D("1400.000") - D("1327.088") == D("72.912")
    assert line.unit_price == DEVIATION_PRICE and (line.vat_category, line.vat_rate_pct) == (S, D("21"))
    assert line.net_amount == D("18.23")
    assert deviation.draft.totals.vat_total == r2(D("18.23") * D("0.21")) == D("3.83")
    assert deviation.draft.totals.amount_due == D("22.06")
    assert deviation.grace_days == 7  # follows the regularisation's
    assert deviation.due_date == date(2026, 3, 16)


def test_deviation_below_the_band() -> None:
    deviation = by_key(plan(deviation_month("1100.000"), REFERENCE_NO_GC))["deviation/2026-01/CT-1"]
    # 1141.913 − 1100 = 41.913 kWh × 0.25 = 10.47825 → 10.48
    assert deviation.draft.lines[0].quantity == D("41.913")
    assert deviation.draft.lines[0].net_amount == r2(D("41.913") * DEVIATION_PRICE) == D("10.48")


@pytest.mark.parametrize("actual", ["1327.088", "1141.913", "1234.500", "1200.000"])
def test_no_deviation_inside_the_band(actual: str) -> None:
    # 1327.088 is above the unrounded bound 1327.0875 but on the rounded bound: inside
    assert sorted(by_key(plan(deviation_month(actual), REFERENCE_NO_GC))) == ["regularisation/2026-01/CT-1"]


def test_just_outside_the_rounded_bound() -> None:
    deviation = by_key(plan(deviation_month("1327.089"), REFERENCE_NO_GC))["deviation/2026-01/CT-1"]
    assert deviation.draft.lines[0].quantity == D("0.001")


# --- 7. reactive energy -------------------------------------------------------------------------

TAN_PHI = D("0.484322")  # cos φ 0.9


def test_inductive_reactive_energy_above_tan_phi() -> None:
    contract = contract_month(network_fees=(), inductive_kvarh=D("800.000"), settings=settings(reactive_threshold_tan_phi=TAN_PHI))
    document = plan(contract, REFERENCE_NO_GC).documents[0]
    assert document.charge_types == ("energy", "reactive_energy", "excise")
    line = document.draft.lines[1]
    # allowed 0.484322 × 1234.567 = 597.927958574; billable 800 − 597.927958574 = 202.072041426 → 202.072
    billable = r3(D("800") - TAN_PHI * ACTUAL)
    assert billable == D("202.072")
    assert (line.quantity, line.unit, line.unit_price) == (billable, "kvarh", D("0.0563"))
    # 202.072 × 0.0563 = 11.3766536 → 11.38
    assert line.net_amount == r2(billable * D("0.0563")) == D("11.38")


def test_no_reactive_line_below_the_threshold_or_without_one() -> None:
    below = contract_month(network_fees=(), inductive_kvarh=D("500"), settings=settings(reactive_threshold_tan_phi=TAN_PHI))
    assert plan(below, REFERENCE_NO_GC).documents[0].charge_types == ("energy", "excise")  # 500 < 597.928
    no_threshold = contract_month(network_fees=(), inductive_kvarh=D("800"))
    assert plan(no_threshold, REFERENCE_NO_GC).documents[0].charge_types == ("energy", "excise")


def test_reactive_energy_without_a_price_is_refused() -> None:
    contract = contract_month(network_fees=(), inductive_kvarh=D("800"), settings=settings(reactive_threshold_tan_phi=TAN_PHI))
    with pytest.raises(PricingError, match="reactive"):
        plan(contract, ReferenceData(excise=REFERENCE.excise))


# --- 8. excise exemption ------------------------------------------------------------------------


def test_bulgarian_household_is_exempt_from_excise() -> None:
    contract = contract_month(
        country_code="BG", currency="BGN", market_timezone="Europe/Sofia", network_fees=(),
        energy_price_per_kwh=D("0.25"), settings=settings(due_date_rule="day 3"),
    )
    document = plan(contract).documents[0]
    assert document.charge_types == ("energy",)  # no excise (exempt share 100), no certificates in BG
    # 1234.567 × 0.25 = 308.64175 → 308.64; BG VAT 20 %: 61.728 → 61.73
    assert document.draft.lines[0].vat_rate_pct == D("20")
    assert document.draft.totals.line_total == r2(ACTUAL * D("0.25")) == D("308.64")
    assert document.draft.totals.vat_total == r2(D("308.64") * D("0.20")) == D("61.73")
    # day 3 of the next month: Tuesday 2026-03-03 is Liberation Day in BG → Wednesday 2026-03-04
    assert document.due_date == date(2026, 3, 4)


def test_customer_certificate_exempts_part_of_the_excise() -> None:
    contract = contract_month(
        customer_class="commercial", total_kwh=D("1234.568"), network_fees=(),
        settings=settings(excise_exempt_share_pct=D("40")),
    )
    document = plan(contract, REFERENCE_NO_GC).documents[0]
    assert document.charge_types == ("energy", "excise")
    excise = document.draft.lines[1]
    # 1.234568 MWh × 60 % = 0.7407408 → 0.740741 (6 decimals half up); × 2.44 = 1.80740804 → 1.81
    taxable = r6(D("1.234568") * D("0.6"))
    assert taxable == D("0.740741")
    assert excise.quantity == taxable
    assert excise.unit_price == D("2.44")
    assert excise.description == "Excise duty (RO, commercial), 40 % exempt"
    assert excise.net_amount == r2(taxable * D("2.44")) == D("1.81")


def test_missing_excise_rate_cannot_be_priced() -> None:
    with pytest.raises(PricingError, match="excise"):
        plan(contract_month(customer_class="industrial"))


# --- 9. recalculation ---------------------------------------------------------------------------
#
# Issued regularisation of 2026-01 on 1200 kWh (no fees, no certificates):
#   energy 1200 × 0.85 = 1020.00; excise 1.2 × 4.89 = 5.868 → 5.87; taxable 1025.87;
#   VAT 1025.87 × 0.21 = 215.4327 → 215.43; total 1241.30
# Recalculated 1234.567 kWh: energy 1049.38; excise 6.04; taxable 1055.42;
#   VAT 1055.42 × 0.21 = 221.6382 → 221.64; total 1277.06
# difference 1277.06 − 1241.30 = 35.76

OLD_KWH = D("1200")
OLD_NET = r2(OLD_KWH * PRICE) + r2(OLD_KWH / 1000 * EXCISE_RATE)
OLD_TOTAL = OLD_NET + r2(OLD_NET * D("0.21"))
NEW_NET = r2(ACTUAL * PRICE) + r2(ACTUAL / 1000 * EXCISE_RATE)
NEW_TOTAL = NEW_NET + r2(NEW_NET * D("0.21"))


def recalculated_lines() -> list[InvoiceLine]:
    """The lines of the recalculated month, written by hand."""
    return [
        InvoiceLine("Active energy, fixed price", ACTUAL, "kWh", PRICE, S, D("21")),
        InvoiceLine("Excise duty (RO, household)", D("1.234567"), "MWh", EXCISE_RATE, S, D("21")),
    ]


def issued_old_regularisation() -> IssuedDocument:
    old = plan(contract_month(total_kwh=OLD_KWH, network_fees=()), REFERENCE_NO_GC).documents[0]
    return IssuedDocument("VB-REG-7", old.draft, old.charge_types, ISSUE)


def test_hand_figures_of_the_recalculation() -> None:
    assert (OLD_NET, OLD_TOTAL) == (D("1025.87"), D("1241.30"))
    assert (NEW_NET, NEW_TOTAL) == (D("1055.42"), D("1277.06"))


def test_changed_regularisation_becomes_a_recalculation() -> None:
    old = issued_old_regularisation()
    assert old.draft.totals.amount_due == OLD_TOTAL
    key = "regularisation/2026-01/CT-1"
    contract = contract_month(network_fees=(), recalculated_kwh=D("34.567"))
    result = plan(contract, REFERENCE_NO_GC, issued={key: old}, hashes={key: content_hash(old.draft.lines)})
    assert key not in by_key(result)  # no new regularisation
    assert len(result.recalculations) == 1
    values = result.recalculations[0]
    assert (values.contract_id, values.customer_id, values.month) == ("CT-1", "C-1", "2026-01")
    assert values.recalculated_kwh == ACTUAL
    assert values.billed_amount == OLD_TOTAL == D("1241.30")
    assert values.recalculated_amount == NEW_TOTAL == D("1277.06")
    assert values.difference == NEW_TOTAL - OLD_TOTAL == D("35.76")
    # the revision is a hash of the recalculated lines (computed here from the lines written by hand)
    revision = content_hash(recalculated_lines())[:12]
    assert values.revision == revision

    assert len(result.documents) == 1
    correction = result.documents[0]
    assert correction.draft.invoice_key == f"recalculation/2026-01/CT-1/{revision}"
    assert correction.draft.invoice_type is InvoiceKind.REGULARISATION
    assert correction.draft.corrects_invoice_number == "VB-REG-7"
    assert correction.draft.prepaid_invoice_refs == ("VB-REG-7",)
    assert correction.draft.totals.total_with_vat == NEW_TOTAL
    assert correction.draft.totals.prepaid_amount == OLD_TOTAL
    assert correction.draft.totals.amount_due == D("35.76")
    assert correction.charge_types == ("energy", "excise")
    assert correction.consumption_type == "recalculated"
    assert correction.grace_days == 7


def test_recalculation_with_the_correction_already_issued_plans_nothing_new() -> None:
    old = issued_old_regularisation()
    key = "regularisation/2026-01/CT-1"
    contract = contract_month(network_fees=(), recalculated_kwh=D("34.567"))
    first = plan(contract, REFERENCE_NO_GC, issued={key: old}, hashes={key: content_hash(old.draft.lines)})
    correction = first.documents[0]
    issued = {key: old, correction.draft.invoice_key: IssuedDocument("VB-REG-8", correction.draft, correction.charge_types, ISSUE)}
    again = plan(contract, REFERENCE_NO_GC, issued=issued, hashes={key: content_hash(old.draft.lines)})
    assert again.documents == []
    # billed now 1241.30 + 35.76 = 1277.06: nothing differs
    assert [(v.billed_amount, v.recalculated_amount, v.difference, v.correction) for v in again.recalculations] == [
        (D("1277.06"), D("1277.06"), D("0.00"), None)
    ]


def test_unchanged_regularisation_is_planned_again() -> None:
    key = "regularisation/2026-01/CT-1"
    result = plan(contract_month(network_fees=()), REFERENCE_NO_GC, hashes={key: content_hash(recalculated_lines())})
    assert result.recalculations == []
    assert [document.draft.invoice_key for document in result.documents] == [key]
    assert result.documents[0].draft.totals.amount_due == NEW_TOTAL


# --- 10. green certificates ---------------------------------------------------------------------


def test_green_certificate_years_due_are_those_published_since_the_previous_billing_day() -> None:
    previous, today = date(2026, 1, 5), date(2026, 2, 5)

    def quota(year: int, published: date | None, final: Decimal | None = D("0.5")) -> GreenCertificateQuota:
        return GreenCertificateQuota(year, D("0.4998"), GC_PRICE, "RON", final, published)

    on_previous = quota(2020, date(2026, 1, 5))  # == previous billing day: already handled then
    day_after = quota(2021, date(2026, 1, 6))
    on_today = quota(2022, date(2026, 2, 5))
    tomorrow = quota(2023, date(2026, 2, 6))
    no_final = quota(2024, None, None)
    no_date = quota(2025, None)
    assert green_certificate_years_due([on_previous, day_after, on_today, tomorrow, no_final, no_date], previous, today) == [day_after, on_today]


FINAL_2025 = GreenCertificateQuota(2025, D("0.4998"), GC_PRICE, "RON", D("0.5123"), date(2026, 2, 1))
# Billed in 2025 at the provisional quota: 3 certificates at 19 % (before August) and 4.404537 at 21 %
BILLED_2025 = [
    InvoiceLine("Green certificates, quota 0.4998 cert/MWh", D("3.000000"), "certificate", GC_PRICE, S, D("19")),
    InvoiceLine("Green certificates, quota 0.4998 cert/MWh", D("4.404537"), "certificate", GC_PRICE, S, D("21")),
]
BILLED_19 = r2(D("3") * GC_PRICE)  # 446.19
BILLED_21 = r2(D("4.404537") * GC_PRICE)  # 655.08678801 → 655.09


def test_green_certificate_regularisation_at_the_final_quota() -> None:
    document = plan_green_certificates(contract_month(), FINAL_2025, D("14.815"), BILLED_2025, ISSUE)
    assert document is not None
    draft = document.draft
    assert draft.invoice_key == "green-certificates/2025/CT-1"
    assert draft.invoice_type is InvoiceKind.GREEN_CERTIFICATE_REGULARISATION
    assert document.charge_types == ("green_certificates",) * 3
    # final: 14.815 MWh × 0.5123 = 7.5897245 certificates × 148.73 = 1128.819724885 → 1128.82 (21 %, issue date)
    final = r2(D("14.815") * D("0.5123") * GC_PRICE)
    assert (final, BILLED_19, BILLED_21) == (D("1128.82"), D("446.19"), D("655.09"))
    assert draft.lines[0].quantity == D("7.5897245")
    assert nets(document) == [final, -BILLED_19, -BILLED_21]
    assert [(line.vat_rate_pct, line.quantity) for line in draft.lines[1:]] == [(D("19"), D(-1)), (D("21"), D(-1))]
    # group S19: −446.19, VAT −84.7761 → −84.78; group S21: 1128.82 − 655.09 = 473.73, VAT 99.4833 → 99.48
    groups = [(g.vat_rate_pct, g.taxable_amount, g.vat_amount) for g in draft.totals.breakdown]
    assert groups == [(D("19"), D("-446.19"), r2(D("-446.19") * D("0.19"))), (D("21"), D("473.73"), r2(D("473.73") * D("0.21")))]
    assert groups == [(D("19"), D("-446.19"), D("-84.78")), (D("21"), D("473.73"), D("99.48"))]
    # line total 1128.82 − 446.19 − 655.09 = 27.54; VAT −84.78 + 99.48 = 14.70; due 42.24
    assert draft.totals.line_total == D("27.54")
    assert draft.totals.vat_total == D("14.70")
    assert draft.totals.amount_due == D("42.24")
    assert document.grace_days == 7
    assert document.due_date == date(2026, 3, 16)


def test_green_certificate_regularisation_of_a_year_mwh_with_six_decimals() -> None:
    """BUG: a year's MWh from kWh with 3 decimals has 6 decimals (the planner itself rounds to 6), but
    green_certificate_regularisation only takes MWh with at most 3 decimals, so this raises ValueError
    ("actual_mwh may have at most 3 decimals") instead of planning the document.
    """
    # 14.814567 MWh × 0.5123 = 7.5895026741 certificates × 148.73 = 1128.786732718893 → 1128.79;
    # line total 1128.79 − 446.19 − 655.09 = 27.51; S21 473.70 → VAT 99.477 → 99.48; S19 VAT −84.78; due 42.21
    document = plan_green_certificates(contract_month(), FINAL_2025, D("14.814567"), BILLED_2025, ISSUE)
    assert document is not None
    assert document.draft.lines[0].net_amount == r2(D("14.814567") * D("0.5123") * GC_PRICE) == D("1128.79")
    assert document.draft.totals.line_total == D("27.51")
    assert document.draft.totals.amount_due == D("42.21")


def test_no_green_certificate_regularisation_when_nothing_changes() -> None:
    same = GreenCertificateQuota(2025, D("0.4998"), GC_PRICE, "RON", D("0.4998"), date(2026, 2, 1))
    # 10 MWh × 0.4998 = 4.998 certificates × 148.73 = 743.35254 → 743.35, billed the same at 21 %
    billed = [InvoiceLine("Green certificates, quota 0.4998 cert/MWh", D("4.998"), "certificate", GC_PRICE, S, D("21"))]
    assert billed[0].net_amount == r2(D("4.998") * GC_PRICE) == D("743.35")
    assert plan_green_certificates(contract_month(), same, D("10.000"), billed, ISSUE) is None
    # billed in two lines of the same group adding up to the same net: still nothing to do
    split = [
        InvoiceLine("Green certificates, quota 0.4998 cert/MWh", D("2"), "certificate", GC_PRICE, S, D("21")),  # 297.46
        InvoiceLine("Green certificates, quota 0.4998 cert/MWh", D("2.998"), "certificate", GC_PRICE, S, D("21")),  # 445.89254 → 445.89
    ]
    assert plan_green_certificates(contract_month(), same, D("10.000"), split, ISSUE) is None


def test_no_green_certificate_regularisation_without_a_final_quota() -> None:
    provisional = GreenCertificateQuota(2025, D("0.4998"), GC_PRICE, "RON")
    assert plan_green_certificates(contract_month(), provisional, D("14.815"), BILLED_2025, ISSUE) is None


def test_an_advance_for_a_new_year_is_priced_at_the_new_years_excise_rate() -> None:
    # December's run issues January's advance: December's rate 4.89, January's 5.082 RON/MWh (the yearly RO rate).
    december = contract_month(month="2025-12", settings=settings(has_advance_invoices=True))
    january_rates = ReferenceData(excise={("RO", "household", "RON"): (D("5.082"), D(0))})
    plan = plan_contract_month(december, REFERENCE_NO_GC, date(2026, 1, 5), {}, {}, None, january_rates)
    advance = next(d for d in plan.documents if d.draft.invoice_type is InvoiceKind.ADVANCE)
    excise = [line for line, kind in zip(advance.draft.lines, advance.charge_types) if kind == "excise"]
    # ordered 1100 kWh = 1.1 MWh × 5.082 = 5.5902 → 5.59
    assert [(line.quantity, line.unit_price, line.net_amount) for line in excise] == [(D("1.100000"), D("5.082"), D("5.59"))]
    regularisation = next(d for d in plan.documents if d.draft.invoice_type is InvoiceKind.REGULARISATION)
    december_excise = [line for line, kind in zip(regularisation.draft.lines, regularisation.charge_types) if kind == "excise"]
    assert [line.unit_price for line in december_excise] == [EXCISE_RATE]  # December itself keeps December's rate


def test_an_advance_on_the_estimate_basis_uses_the_customers_estimate_else_the_ordered_quantity() -> None:
    estimate_settings = settings(has_advance_invoices=True, advance_basis="estimate")
    with_estimate = contract_month(settings=estimate_settings, next_month_estimate_kwh=D("950.500"))
    plan = plan_contract_month(with_estimate, REFERENCE_NO_GC, ISSUE, {}, {})
    advance = next(d for d in plan.documents if d.draft.invoice_type is InvoiceKind.ADVANCE)
    energy = [line for line, kind in zip(advance.draft.lines, advance.charge_types) if kind == "energy"]
    # 950.5 kWh × 0.85 = 807.925 → 807.93
    assert [(line.quantity, line.net_amount) for line in energy] == [(D("950.500"), D("807.93"))]
    assert (advance.consumption_type, advance.energy_kwh) == ("estimated", D("950.500"))
    # no estimate given: the ordered 1100 kWh (1100 × 0.85 = 935.00)
    plan = plan_contract_month(contract_month(settings=estimate_settings), REFERENCE_NO_GC, ISSUE, {}, {})
    advance = next(d for d in plan.documents if d.draft.invoice_type is InvoiceKind.ADVANCE)
    assert (advance.consumption_type, advance.energy_kwh, advance.draft.lines[0].net_amount) == ("ordered", D("1100"), D("935.00"))
    # the ordered basis ignores an estimate
    ordered = contract_month(settings=settings(has_advance_invoices=True, advance_basis="ordered"), next_month_estimate_kwh=D("950.500"))
    advance = next(d for d in plan_contract_month(ordered, REFERENCE_NO_GC, ISSUE, {}, {}).documents if d.draft.invoice_type is InvoiceKind.ADVANCE)
    assert advance.consumption_type == "ordered"
