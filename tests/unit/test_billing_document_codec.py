"""billing.document_codec: a draft as JSON and back, exactly.

Drafts of every kind the monthly planner makes (regularisation deducting an advance, advance,
deviation, recalculation correction, green-certificate regularisation) plus a credit note and a
penalty invoice round-trip to an equal draft, with every number written as a decimal string.
A hypothesis property checks the same for random lines (quantities ≤ 3 decimals, unit prices ≤ 6
decimals, VAT S 19/20/21 or E) and random prepaid groups, down to the exact decimal text.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from billing.charges import NetworkFee
from billing.document_codec import FORMAT_VERSION, draft_from_json, draft_to_json
from billing.invoice_math import InvoiceLine, VatCategory
from billing.invoice_types import (
    DraftInvoice,
    InvoiceKind,
    SupplyContract,
    VatGroupAmounts,
    credit_note,
    penalty_invoice,
    sum_groups,
)
from billing.monthly_run import (
    BillingSettings,
    ContractMonth,
    GreenCertificateQuota,
    IssuedDocument,
    ReferenceData,
    plan_contract_month,
    plan_green_certificates,
)
from billing.register import content_hash

D = Decimal
S, E = VatCategory.STANDARD, VatCategory.EXEMPT
ISSUE = date(2026, 2, 5)

REFERENCE = ReferenceData(
    excise={("RO", "household", "RON"): (D("4.89"), D(0))},
    green_certificates={("RO", 2026, "RON"): GreenCertificateQuota(2026, D("0.4998"), D("148.73"), "RON")},
)
FEES = (
    NetworkFee("DIST", D("1234.567"), "kWh", D("0.153"), D("188.89"), "RON", "", "DSO-MUN", "MP-1"),
    NetworkFee("TRANS", D("1234.567"), "kWh", D("0.026366"), D("32.55"), "RON", "", "TEL", "MP-1"),
)
SETTINGS = BillingSettings(
    has_advance_invoices=True, has_deviation_invoices=True, deviation_price_per_kwh=D("0.25"), due_date_rule="eom+15"
)


def contract_month(month: str, total: str, **changes: object) -> ContractMonth:
    base: dict[str, object] = dict(
        contract_id="CT-1", addendum_number=1, company_id="CO-RO", customer_id="C-1", customer_class="household",
        country_code="RO", market_timezone="Europe/Bucharest", month=month, product_code="FIX",
        energy_price_per_kwh=D("0.85"), currency="RON", ordered_kwh=D("1100"), tolerance_pct=D("10"),
        payment_terms_days=14, invoice_language="ro", total_kwh=D(total), estimated_kwh=D(0),
        recalculated_kwh=D(0), network_fees=FEES, settings=SETTINGS,
    )
    base.update(changes)
    return ContractMonth(**base)  # type: ignore[arg-type]


def planner_drafts() -> dict[str, DraftInvoice]:
    """Drafts as the planner makes them, keyed by a short name."""
    drafts: dict[str, DraftInvoice] = {}
    january = {d.draft.invoice_key: d for d in plan_contract_month(contract_month("2026-01", "1234.567"), REFERENCE, ISSUE, {}, {}).documents}
    advance = january["advance/2026-02/CT-1"]
    drafts["advance"] = advance.draft
    drafts["deviation"] = january["deviation/2026-01/CT-1"].draft  # 1234.567 > 1100 × 1.10 = 1210.000
    # February with January's advance issued: the regularisation deducts it (prepaid groups)
    issued = {"advance/2026-02/CT-1": IssuedDocument("VB-ADV-1", advance.draft, advance.charge_types, ISSUE)}
    february = {d.draft.invoice_key: d for d in plan_contract_month(contract_month("2026-02", "1234.567"), REFERENCE, date(2026, 3, 5), issued, {}).documents}
    regularisation = february["regularisation/2026-02/CT-1"].draft
    drafts["regularisation"] = regularisation
    # a recalculation correcting that regularisation (issued with another content)
    key = "regularisation/2026-02/CT-1"
    issued_reg = dict(issued, **{key: IssuedDocument("VB-REG-2", regularisation, february[key].charge_types, date(2026, 3, 5))})
    recalculated = contract_month("2026-02", "1300.000", recalculated_kwh=D("65.433"))
    correction = plan_contract_month(recalculated, REFERENCE, date(2026, 4, 5), issued_reg, {key: content_hash(regularisation.lines)})
    drafts["recalculation"] = next(d.draft for d in correction.documents if d.draft.invoice_key.startswith("recalculation/"))
    quota = GreenCertificateQuota(2025, D("0.4998"), D("148.73"), "RON", D("0.5123"), date(2026, 2, 1))
    billed = [
        InvoiceLine("Green certificates, quota 0.4998 cert/MWh", D("3"), "certificate", D("148.73"), S, D("19")),
        InvoiceLine("Green certificates, quota 0.4998 cert/MWh", D("4.404537"), "certificate", D("148.73"), S, D("21")),
    ]
    green = plan_green_certificates(contract_month("2026-01", "1234.567"), quota, D("14.815"), billed, ISSUE)
    assert green is not None
    drafts["green_certificates"] = green.draft
    drafts["credit_note"] = credit_note(regularisation.issued("VB-REG-2"), "Meter reading corrected by the distributor")
    penalty = penalty_invoice(
        SupplyContract("CT-1", "C-1", "RON", D("1100")),
        "2026-04",
        [("VB-REG-2", D("12.34"), "2026-04-16 – 2026-05-05"), ("VB-ADV-1", D("0.07"), "2026-03-17 – 2026-03-20")],
    )
    assert penalty is not None
    drafts["penalty"] = penalty
    return drafts


DRAFTS = planner_drafts()


def test_every_kind_is_covered() -> None:
    kinds = {draft.invoice_type for draft in DRAFTS.values()}
    assert kinds == {
        InvoiceKind.ADVANCE, InvoiceKind.REGULARISATION, InvoiceKind.DEVIATION,
        InvoiceKind.GREEN_CERTIFICATE_REGULARISATION, InvoiceKind.CREDIT_NOTE, InvoiceKind.PENALTY,
    }
    assert DRAFTS["regularisation"].prepaid_groups  # the advance is deducted
    assert DRAFTS["credit_note"].prepaid_groups  # and negated on the credit note
    assert DRAFTS["recalculation"].corrects_invoice_number == "VB-REG-2"


@pytest.mark.parametrize("name", sorted(DRAFTS))
def test_planner_drafts_round_trip(name: str) -> None:
    draft = DRAFTS[name]
    text = draft_to_json(draft)
    back = draft_from_json(text)
    assert back == draft
    assert back.totals == draft.totals
    assert back.prepaid_groups == draft.prepaid_groups
    assert back.prepaid_invoice_refs == draft.prepaid_invoice_refs
    assert back.note == draft.note and back.corrects_invoice_number == draft.corrects_invoice_number
    # exact text of every number, not just equal values
    assert [(str(a.quantity), str(a.unit_price), str(a.vat_rate_pct)) for a in back.lines] == [
        (str(b.quantity), str(b.unit_price), str(b.vat_rate_pct)) for b in draft.lines
    ]
    assert draft_to_json(back) == text  # canonical


def _numbers(value: object, path: str = "") -> list[str]:
    """Paths of every JSON number (int or float) in a parsed document."""
    if isinstance(value, bool):
        return []
    if isinstance(value, (int, float)):
        return [path]
    if isinstance(value, dict):
        return [found for key, item in value.items() for found in _numbers(item, f"{path}.{key}")]
    if isinstance(value, list):
        return [found for index, item in enumerate(value) for found in _numbers(item, f"{path}[{index}]")]
    return []


@pytest.mark.parametrize("name", sorted(DRAFTS))
def test_amounts_are_strings_never_json_numbers(name: str) -> None:
    draft = DRAFTS[name]
    document = json.loads(draft_to_json(draft))
    assert _numbers(document) == [".format_version"]
    assert document["format_version"] == FORMAT_VERSION == 1
    for item, line in zip(document["lines"], draft.lines, strict=True):
        assert item["quantity"] == str(line.quantity)
        assert item["unit_price"] == str(line.unit_price)
        assert item["vat_rate_pct"] == str(line.vat_rate_pct)
        assert item["vat_category"] == line.vat_category.value
    for item, group in zip(document["prepaid_groups"], draft.prepaid_groups, strict=True):
        assert item["taxable_amount"] == str(group.taxable_amount)
        assert item["vat_amount"] == str(group.vat_amount)


def test_regularisation_prepaid_groups_in_the_json() -> None:
    # The advance of 1100 kWh: taxable 935.00 + 5.38 + 81.77 = 1022.15, VAT 1022.15 × 0.21 = 214.6515 → 214.65
    document = json.loads(draft_to_json(DRAFTS["regularisation"]))
    assert document["prepaid_groups"] == [{"vat_category": "S", "vat_rate_pct": "21", "taxable_amount": "1022.15", "vat_amount": "214.65"}]
    assert document["prepaid_invoice_refs"] == ["VB-ADV-1"]
    back = draft_from_json(json.dumps(document))
    assert back.totals.prepaid_amount == D("1236.80")  # 1022.15 + 214.65


@pytest.mark.parametrize("version", [2, 0, "1", None, 1.5])
def test_wrong_format_version_is_refused(version: object) -> None:
    document = json.loads(draft_to_json(DRAFTS["advance"]))
    document["format_version"] = version
    with pytest.raises(ValueError, match="format_version"):
        draft_from_json(json.dumps(document))


def test_missing_format_version_is_refused() -> None:
    document = json.loads(draft_to_json(DRAFTS["advance"]))
    del document["format_version"]
    with pytest.raises(ValueError, match="format_version"):
        draft_from_json(json.dumps(document))


def test_boolean_format_version_is_refused() -> None:
    """BUG (minor): `"format_version": true` is accepted, because json gives Python True and True == 1."""
    document = json.loads(draft_to_json(DRAFTS["advance"]))
    document["format_version"] = True
    with pytest.raises(ValueError, match="format_version"):
        draft_from_json(json.dumps(document))


# --- property: random lines round-trip exactly ---------------------------------------------------

VAT_CHOICES = [(S, D("19")), (S, D("20")), (S, D("21")), (E, D("0"))]


def _scaled(max_places: int, low: int, high: int) -> st.SearchStrategy[Decimal]:
    """Decimals n × 10^-k with k ≤ max_places (also positive exponents: 12E+2) and varied trailing zeros."""
    return st.builds(lambda n, k: Decimal(n).scaleb(-k), st.integers(low, high), st.integers(-2, max_places))


quantities = _scaled(3, -10**9, 10**9)
unit_prices = _scaled(6, 0, 10**9)
descriptions = st.text(min_size=1, max_size=30).filter(lambda text: text.strip() != "")


@st.composite
def random_lines(draw: st.DrawFn) -> list[InvoiceLine]:
    count = draw(st.integers(1, 6))
    lines = []
    for _ in range(count):
        category, rate = draw(st.sampled_from(VAT_CHOICES))
        unit = draw(st.sampled_from(["kWh", "MWh", "kvarh", "certificate", "item", "month"]))
        lines.append(InvoiceLine(draw(descriptions), draw(quantities), unit, draw(unit_prices), category, rate))
    return lines


cents = st.integers(-10**9, 10**9).map(lambda n: Decimal(n).scaleb(-2))


@st.composite
def random_groups(draw: st.DrawFn) -> tuple[VatGroupAmounts, ...]:
    groups = []
    for _ in range(draw(st.integers(0, 4))):
        category, rate = draw(st.sampled_from(VAT_CHOICES))
        groups.append(VatGroupAmounts(category, rate, draw(cents), draw(cents)))
    return sum_groups(groups)


CONTRACT = SupplyContract("CT-1", "C-1", "RON", D("1100"))


@settings(max_examples=200, deadline=None)
@given(random_lines(), random_groups(), st.text(max_size=40), st.sampled_from([None, "VB-000017"]))
def test_random_drafts_round_trip_exactly(lines, groups, note, corrects) -> None:
    kind = InvoiceKind.REGULARISATION if groups else InvoiceKind.ADVANCE
    draft = DraftInvoice.for_contract(
        kind, f"{kind.value}/2026-01/CT-1", CONTRACT, "2026-01", lines,
        prepaid_groups=groups, note=note, corrects_invoice_number=corrects,
        prepaid_invoice_refs=("VB-ADV-1", "advance/2025-12/CT-1") if groups else (),
    )
    text = draft_to_json(draft)
    back = draft_from_json(text)
    assert back == draft
    assert [(str(l.quantity), str(l.unit_price), str(l.vat_rate_pct), l.vat_category, l.description, l.unit) for l in back.lines] == [
        (str(l.quantity), str(l.unit_price), str(l.vat_rate_pct), l.vat_category, l.description, l.unit) for l in draft.lines
    ]
    assert [(str(g.taxable_amount), str(g.vat_amount)) for g in back.prepaid_groups] == [
        (str(g.taxable_amount), str(g.vat_amount)) for g in draft.prepaid_groups
    ]
    assert draft_to_json(back) == text
    assert _numbers(json.loads(text)) == [".format_version"]
