"""billing.invoice_types: the invoice types of a supply contract-month.

Hand-computed examples (arithmetic in the comments, expected values worked out by hand) for
advances, a regularisation after three advances (actual above and below the advances), deviations
(above, below, on the bound), green-certificate regularisations, a credit note and a recalculation.
Property-based tests (hypothesis) check "advances + regularisation = full price of actual
consumption" to the cent, in total and per VAT group, and the deviation band rule.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from billing.invoice_math import InvoiceLine, VatCategory, compute_totals, credit_note_lines
from billing.invoice_types import (
    DraftInvoice,
    InvoiceKind,
    MonthConsumption,
    Pricer,
    SupplyContract,
    VatGroupAmounts,
    VatRate,
    advance_invoice,
    breakdown_groups,
    credit_note,
    deviation_invoice,
    green_certificate_regularisation,
    recalculation_values,
    regularisation_invoice,
    tolerance_band,
)
from billing.money import round_amount, round_quantity

D = Decimal
S, E = VatCategory.STANDARD, VatCategory.EXEMPT
S21 = VatRate(S, D("21"))

CONTRACT = SupplyContract("CT-9", "C-123", "RON", D("250"))


def make_pricer(price_per_kwh: str, fee: str, fee_months: int = 1, vat_rate: str = "21", fee_category: VatCategory = E) -> Pricer:
    """kWh × price at S vat_rate %, plus a monthly fee × fee_months (exempt by default)."""

    def pricer(consumption: MonthConsumption) -> list[InvoiceLine]:
        fee_rate = D(vat_rate) if fee_category is S else D(0)
        return [
            InvoiceLine("Active energy", consumption.kwh, "kWh", D(price_per_kwh), S, D(vat_rate)),
            InvoiceLine("Supply fee", D(fee_months), "month", D(fee), fee_category, fee_rate),
        ]

    return pricer


# Monthly advances: 0.185 /kWh at 21 % + 2.50 exempt fee; the quarter's actual has the fee × 3.
MONTHLY = make_pricer("0.185", "2.50")
QUARTER = make_pricer("0.185", "2.50", fee_months=3)


def actual(kwh: str, month: str = "2026-03", kind: str = "achieved") -> MonthConsumption:
    return MonthConsumption("CT-9", "C-123", month, D(kwh), None, kind)  # type: ignore[arg-type]


def groups(document: DraftInvoice) -> dict[tuple[str, Decimal], tuple[Decimal, Decimal]]:
    return {(g.vat_category.value, g.vat_rate_pct): (g.taxable_amount, g.vat_amount) for g in document.net_groups}


# --- advances ------------------------------------------------------------------------------


def test_advance_from_the_customers_estimate() -> None:
    invoice = advance_invoice(CONTRACT, "2026-01", D("300"), make_pricer("0.5", "4", fee_category=S))
    # energy 300 × 0.5 = 150.00; fee 4.00; taxable (S 21) 154.00; VAT 154 × 0.21 = 32.34; total 186.34
    assert invoice.invoice_type is InvoiceKind.ADVANCE
    assert invoice.invoice_key == "advance/2026-01/CT-9"
    assert invoice.lines[0].quantity == D("300")
    assert invoice.totals.line_total == D("154.00")
    assert invoice.totals.vat_total == D("32.34")
    assert invoice.totals.total_with_vat == D("186.34") == invoice.amount_due
    assert "estimate" in invoice.note


def test_advance_from_the_contracts_ordered_quantity() -> None:
    seen: list[MonthConsumption] = []

    def pricer(consumption: MonthConsumption) -> list[InvoiceLine]:
        seen.append(consumption)
        return make_pricer("0.5", "4", fee_category=S)(consumption)

    invoice = advance_invoice(CONTRACT, "2026-02", None, pricer)
    # ordered 250 kWh: 250 × 0.5 = 125.00 + 4.00 = 129.00; VAT 129 × 0.21 = 27.09; total 156.09
    assert seen[0].consumption_type == "ordered" and seen[0].kwh == D("250")
    assert invoice.totals.total_with_vat == D("156.09")
    assert invoice.invoice_key == "advance/2026-02/CT-9"


def test_advance_with_an_estimate_of_zero_uses_the_estimate() -> None:
    invoice = advance_invoice(CONTRACT, "2026-02", "0", MONTHLY)
    # energy 0.00, exempt fee 2.50
    assert invoice.totals.total_with_vat == D("2.50")


# --- regularisation after three advances ----------------------------------------------------
#
# Advances (0.185 /kWh S 21 %, fee 2.50 exempt):
#   Jan 100 kWh: energy 18.50, VAT 18.50 × 0.21 = 3.885  → 3.89; total 18.50 + 2.50 + 3.89 = 24.89
#   Feb 120 kWh: energy 22.20, VAT 22.20 × 0.21 = 4.662  → 4.66; total 22.20 + 2.50 + 4.66 = 29.36
#   Mar  90 kWh: energy 16.65, VAT 16.65 × 0.21 = 3.4965 → 3.50; total 16.65 + 2.50 + 3.50 = 22.65
#   Σ: S taxable 57.35, S VAT 12.05, E 7.50, total 76.90


def three_advances() -> list[DraftInvoice]:
    return [
        advance_invoice(CONTRACT, "2026-01", D("100"), MONTHLY),
        advance_invoice(CONTRACT, "2026-02", D("120"), MONTHLY),
        advance_invoice(CONTRACT, "2026-03", D("90"), MONTHLY),
    ]


def test_the_advances_of_the_examples() -> None:
    assert [a.totals.total_with_vat for a in three_advances()] == [D("24.89"), D("29.36"), D("22.65")]


def test_regularisation_when_actual_exceeds_the_advances() -> None:
    advances = three_advances()
    issued = [advance.issued(f"VBR0000000{n}") for n, advance in enumerate(advances, start=1)]
    reg = regularisation_invoice(CONTRACT, "2026-03", actual("350"), issued, QUARTER)
    # actual 350 kWh: energy 350 × 0.185 = 64.75, VAT 64.75 × 0.21 = 13.5975 → 13.60; fee 3 × 2.50 = 7.50
    # full price 64.75 + 7.50 + 13.60 = 85.85; prepaid 76.90; due 85.85 − 76.90 = 8.95
    assert reg.invoice_type is InvoiceKind.REGULARISATION
    assert reg.invoice_key == "regularisation/2026-03/CT-9"
    assert reg.totals.total_with_vat == D("85.85")
    assert reg.totals.prepaid_amount == D("76.90")
    assert reg.amount_due == D("8.95")
    # its own net per VAT group: S 64.75 − 57.35 = 7.40 taxable, 13.60 − 12.05 = 1.55 VAT; E 7.50 − 7.50 = 0
    assert groups(reg) == {("S", D("21")): (D("7.40"), D("1.55"))}
    assert reg.prepaid_invoice_refs == ("VBR00000001", "VBR00000002", "VBR00000003")


def test_regularisation_when_actual_is_below_the_advances_is_a_credit() -> None:
    reg = regularisation_invoice(CONTRACT, "2026-03", actual("250"), three_advances(), QUARTER)
    # actual 250 kWh: energy 250 × 0.185 = 46.25, VAT 46.25 × 0.21 = 9.7125 → 9.71; fee 7.50
    # full price 46.25 + 7.50 + 9.71 = 63.46; due 63.46 − 76.90 = −13.44 (owed to the customer)
    assert reg.totals.total_with_vat == D("63.46")
    assert reg.amount_due == D("-13.44")
    # S: taxable 46.25 − 57.35 = −11.10, VAT 9.71 − 12.05 = −2.34 (−11.10 − 2.34 = −13.44)
    assert groups(reg) == {("S", D("21")): (D("-11.10"), D("-2.34"))}


def test_deduction_lines_would_be_off_by_a_cent_here() -> None:
    """Why the regularisation deducts prepaid amounts: negated advance lines re-round the VAT."""
    advances = three_advances()
    lines = QUARTER(actual("250")) + [line for a in advances for line in credit_note_lines(a.lines)]
    by_lines = compute_totals(lines)
    # S taxable −11.10 → VAT round(−11.10 × 0.21 = −2.331) = −2.33, but the advances' VAT was
    # 12.05 and the actual's 9.71: the customer would pay 9.71 − 12.05 = −2.34 ... plus a cent.
    assert by_lines.vat_total == D("-2.33")
    assert by_lines.total_with_vat == D("-13.43")  # ≠ 63.46 − 76.90 = −13.44


def test_regularisation_without_any_difference_is_still_issued() -> None:
    # actual 310 kWh = 100 + 120 + 90: energy 57.35, VAT 57.35 × 0.21 = 12.0435 → 12.04, fee 7.50
    # total 76.89; due 76.89 − 76.90 = −0.01 (the advances' VAT was rounded three times: 12.05)
    reg = regularisation_invoice(CONTRACT, "2026-03", actual("310"), three_advances(), QUARTER)
    assert reg.amount_due == D("-0.01")
    assert groups(reg) == {("S", D("21")): (D("0.00"), D("-0.01"))}
    # with no advances at all the regularisation is the whole price: 0 kWh → fee 7.50 only
    whole = regularisation_invoice(CONTRACT, "2026-03", actual("0"), [], QUARTER)
    assert whole.amount_due == D("7.50") and whole.totals.prepaid_amount == D("0.00")


def test_regularisation_refuses_wrong_inputs() -> None:
    advances = three_advances()
    with pytest.raises(ValueError, match="deducted twice"):
        regularisation_invoice(CONTRACT, "2026-03", actual("300"), [advances[0], advances[0]], QUARTER)
    with pytest.raises(ValueError, match="achieved or recalculated"):
        regularisation_invoice(CONTRACT, "2026-03", actual("300", kind="estimated"), advances, QUARTER)
    with pytest.raises(ValueError, match="after the month"):
        regularisation_invoice(CONTRACT, "2026-02", actual("300", month="2026-02"), advances, QUARTER)
    other = SupplyContract("CT-10", "C-123", "RON", D("1"))
    with pytest.raises(ValueError, match="belongs to contract"):
        regularisation_invoice(other, "2026-03", MonthConsumption("CT-10", "C-123", "2026-03", D(1), None, "achieved"), advances, QUARTER)
    deviation = deviation_invoice(CONTRACT, "2026-01", "500", "250", "10", "0.1", S21)
    assert deviation is not None
    with pytest.raises(ValueError, match="expected advance"):
        regularisation_invoice(CONTRACT, "2026-03", actual("300"), [deviation], QUARTER)


# --- deviation -----------------------------------------------------------------------------


def test_deviation_above_the_band() -> None:
    invoice = deviation_invoice(CONTRACT, "2026-03", "1150.5", "1000", "10", "0.045", S21)
    # band 1000 × 0.9 = 900.000 to 1000 × 1.1 = 1100.000; excess 1150.5 − 1100 = 50.5 kWh
    # 50.5 × 0.045 = 2.2725 → 2.27; VAT 2.27 × 0.21 = 0.4767 → 0.48; total 2.75
    assert invoice is not None and invoice.invoice_type is InvoiceKind.DEVIATION
    assert invoice.invoice_key == "deviation/2026-03/CT-9"
    assert invoice.lines[0].quantity == D("50.5")
    assert "above" in invoice.lines[0].description
    assert invoice.totals.total_with_vat == D("2.75")


def test_deviation_below_the_band() -> None:
    invoice = deviation_invoice(CONTRACT, "2026-03", "850.25", "1000", "10", "0.045", S21)
    # shortfall 900 − 850.25 = 49.75 kWh; 49.75 × 0.045 = 2.23875 → 2.24; VAT 0.4704 → 0.47; total 2.71
    assert invoice is not None
    assert invoice.lines[0].quantity == D("49.75")
    assert "below" in invoice.lines[0].description
    assert invoice.totals.total_with_vat == D("2.71")


def test_deviation_on_the_bounds_is_none() -> None:
    assert deviation_invoice(CONTRACT, "2026-03", "1100", "1000", "10", "0.045", S21) is None
    assert deviation_invoice(CONTRACT, "2026-03", "900.000", "1000", "10", "0.045", S21) is None
    assert deviation_invoice(CONTRACT, "2026-03", "1000", "1000", "10", "0.045", S21) is None


def test_deviation_band_bounds_are_rounded_to_the_wh_half_up() -> None:
    # 333.333 × 0.95 = 316.66635 → 316.666; 333.333 × 1.05 = 349.99965 → 350.000
    assert tolerance_band("333.333", "5") == (D("316.666"), D("350.000"))
    assert deviation_invoice(CONTRACT, "2026-03", "350", "333.333", "5", "1", S21) is None
    assert deviation_invoice(CONTRACT, "2026-03", "316.666", "333.333", "5", "1", S21) is None
    above = deviation_invoice(CONTRACT, "2026-03", "350.001", "333.333", "5", "1", S21)
    below = deviation_invoice(CONTRACT, "2026-03", "316.665", "333.333", "5", "1", S21)
    assert above is not None and above.lines[0].quantity == D("0.001")
    assert below is not None and below.lines[0].quantity == D("0.001")


# --- green certificates --------------------------------------------------------------------

# Billed during 2025 at the provisional quota 0.4 GC/MWh × 145 /GC = 58 per MWh:
# H1 60 MWh × 58 = 3480.00, H2 60 MWh × 58 = 3480.00; billed 6960.00 (S 21 %)
BILLED_GC = [
    InvoiceLine("Green certificates H1", D("60"), "MWh", D("58"), S, D("21")),
    InvoiceLine("Green certificates H2", D("60"), "MWh", D("58"), S, D("21")),
]


def test_green_certificate_regularisation_charges_a_higher_final_quota() -> None:
    invoice = green_certificate_regularisation(CONTRACT, "2025", BILLED_GC, "0.4213", "144.87", "120", vat=S21)
    # certificates 120 × 0.4213 = 50.556; cost 50.556 × 144.87 = 7243.50 + 0.556 × 144.87 (80.54772)
    #   = 7324.04772 → 7324.05; minus billed 6960.00 = 364.05; VAT 364.05 × 0.21 = 76.4505 → 76.45
    # total 364.05 + 76.45 = 440.50
    assert invoice is not None and invoice.invoice_type is InvoiceKind.GREEN_CERTIFICATE_REGULARISATION
    assert invoice.invoice_key == "green-certificates/2025/CT-9"
    assert invoice.lines[0].quantity == D("50.556")
    assert invoice.totals.line_total == D("364.05")
    assert invoice.totals.vat_total == D("76.45")
    assert invoice.totals.total_with_vat == D("440.50")


def test_green_certificate_regularisation_credits_a_lower_final_quota() -> None:
    invoice = green_certificate_regularisation(CONTRACT, "2025", BILLED_GC, "0.3871", "144.87", "120", vat=S21)
    # certificates 120 × 0.3871 = 46.452; 46 × 144.87 = 6664.02, 0.452 × 144.87 = 65.48124
    #   → 6729.50124 → 6729.50; minus 6960.00 = −230.50; VAT −230.50 × 0.21 = −48.405 → −48.41
    # total −230.50 − 48.41 = −278.91
    assert invoice is not None
    assert invoice.totals.line_total == D("-230.50")
    assert invoice.totals.vat_total == D("-48.41")
    assert invoice.totals.total_with_vat == D("-278.91")


def test_green_certificate_regularisation_at_the_provisional_quota_is_none() -> None:
    # 120 × 0.4 = 48 certificates × 145 = 6960.00 = billed
    assert green_certificate_regularisation(CONTRACT, "2025", BILLED_GC, "0.4", "145", "120", vat=S21) is None


def test_green_certificate_billed_at_an_older_rate_is_reversed_in_its_own_group() -> None:
    billed = [InvoiceLine("GC Jan–Jul", D("70"), "MWh", D("58"), S, D("19")), BILLED_GC[1]]
    # billed S19: 70 × 58 = 4060.00; S21: 3480.00. Final 48 × 145 = 6960.00 at S21.
    # S19: −4060.00, VAT −771.40; S21: 6960.00 − 3480.00 = 3480.00, VAT 730.80
    invoice = green_certificate_regularisation(CONTRACT, "2025", billed, "0.4", "145", "120", vat=S21)
    assert invoice is not None
    by_group = {(g.vat_rate_pct): (g.taxable_amount, g.vat_amount) for g in invoice.totals.breakdown}
    assert by_group == {D("19"): (D("-4060.00"), D("-771.40")), D("21"): (D("3480.00"), D("730.80"))}


# --- credit note ---------------------------------------------------------------------------


def test_credit_note_is_exactly_the_negative_of_the_original() -> None:
    original = three_advances()[0].issued("VBR00000007")
    note = credit_note(original, "Advance issued on the wrong contract")
    # advance Jan: line total 18.50 + 2.50 = 21.00, VAT 3.89, total 24.89 → all negated
    assert note.invoice_type is InvoiceKind.CREDIT_NOTE
    assert note.invoice_key == "credit/VBR00000007"
    assert note.corrects_invoice_number == "VBR00000007"
    assert note.note == "Advance issued on the wrong contract"
    assert (note.totals.line_total, note.totals.vat_total, note.totals.total_with_vat, note.amount_due) == (
        D("-21.00"),
        D("-3.89"),
        D("-24.89"),
        D("-24.89"),
    )


def test_credit_note_of_a_regularisation_negates_its_deductions_too() -> None:
    reg = regularisation_invoice(CONTRACT, "2026-03", actual("350"), three_advances(), QUARTER).issued("VBR00000004")
    note = credit_note(reg, "Meter reading was wrong")
    # regularisation: total 85.85, prepaid 76.90, due 8.95 → −85.85, −76.90, −8.95
    assert (note.totals.total_with_vat, note.totals.prepaid_amount, note.amount_due) == (D("-85.85"), D("-76.90"), D("-8.95"))
    assert groups(note) == {("S", D("21")): (D("-7.40"), D("-1.55"))}
    with pytest.raises(ValueError, match="credit note"):
        credit_note(note.issued("VBR00000005"), "again")
    with pytest.raises(TypeError):
        credit_note(reg.invoice, "no number")  # type: ignore[arg-type]


# --- recalculation -------------------------------------------------------------------------


def test_recalculation_difference_and_its_correction() -> None:
    advances = [a.issued(f"VBR0000000{n}") for n, a in enumerate(three_advances(), start=1)]
    reg = regularisation_invoice(CONTRACT, "2026-03", actual("350"), advances, QUARTER).issued("VBR00000004")
    billed = [*advances, reg]
    values = recalculation_values(CONTRACT, "2026-03", billed, actual("340", kind="recalculated"), QUARTER, "R1")
    # billed 76.90 + 8.95 = 85.85; recalculated 340 kWh: 340 × 0.185 = 62.90, VAT 13.209 → 13.21,
    # fee 7.50 → 83.61; difference 83.61 − 85.85 = −2.24 (a credit)
    assert (values.customer_id, values.month, values.revision) == ("C-123", "2026-03", "R1")
    assert (values.billed_amount, values.recalculated_amount, values.difference) == (D("85.85"), D("83.61"), D("-2.24"))
    correction = values.correction
    assert correction is not None
    assert correction.invoice_key == "recalculation/2026-03/CT-9/R1"
    assert correction.invoice_type is InvoiceKind.REGULARISATION
    assert correction.corrects_invoice_number == "VBR00000004"
    assert correction.amount_due == D("-2.24")
    # S: 62.90 − 64.75 = −1.85, VAT 13.21 − 13.60 = −0.39
    assert groups(correction) == {("S", D("21")): (D("-1.85"), D("-0.39"))}


def test_recalculation_without_change_has_no_correction() -> None:
    advances = three_advances()
    reg = regularisation_invoice(CONTRACT, "2026-03", actual("350"), advances, QUARTER)
    values = recalculation_values(CONTRACT, "2026-03", [*advances, reg], actual("350", kind="recalculated"), QUARTER, "R1")
    assert values.difference == D("0.00") and values.correction is None


# --- properties ----------------------------------------------------------------------------

prices = st.decimals(min_value=D("0.000001"), max_value=D("2"), places=6)
kwhs = st.decimals(min_value=D("0"), max_value=D("100000"), places=3)
fees = st.decimals(min_value=D("0"), max_value=D("50"), places=2)
rates = st.sampled_from(["19", "21"])


def add_groups(*documents: DraftInvoice) -> dict[tuple[VatCategory, Decimal], tuple[Decimal, Decimal]]:
    sums: dict[tuple[VatCategory, Decimal], tuple[Decimal, Decimal]] = {}
    for document in documents:
        for g in document.net_groups:
            taxable, vat = sums.get(g.key, (D(0), D(0)))
            sums[g.key] = (taxable + g.taxable_amount, vat + g.vat_amount)
    return {key: value for key, value in sums.items() if value != (0, 0)}


def as_dict(items: tuple[VatGroupAmounts, ...]) -> dict[tuple[VatCategory, Decimal], tuple[Decimal, Decimal]]:
    return {g.key: (g.taxable_amount, g.vat_amount) for g in items}


@settings(deadline=None, max_examples=300)
@given(
    advance_kwh=st.lists(kwhs, min_size=1, max_size=12),
    actual_kwh=kwhs,
    advance_price=prices,
    actual_price=prices,
    advance_rate=rates,
    actual_rate=rates,
    fee=fees,
    fee_taxed=st.booleans(),
)
def test_advances_plus_regularisation_equal_the_full_price_of_actual(
    advance_kwh: list[Decimal],
    actual_kwh: Decimal,
    advance_price: Decimal,
    actual_price: Decimal,
    advance_rate: str,
    actual_rate: str,
    fee: Decimal,
    fee_taxed: bool,
) -> None:
    category = S if fee_taxed else E
    advance_pricer = make_pricer(str(advance_price), str(fee), vat_rate=advance_rate, fee_category=category)
    actual_pricer = make_pricer(str(actual_price), str(fee), fee_months=len(advance_kwh), vat_rate=actual_rate, fee_category=category)
    months = [f"2025-{n:02d}" for n in range(1, 13)]
    advances = [advance_invoice(CONTRACT, months[i], kwh, advance_pricer) for i, kwh in enumerate(advance_kwh)]
    month = months[len(advances) - 1]
    consumption = MonthConsumption("CT-9", "C-123", month, actual_kwh, None, "achieved")
    full = compute_totals(actual_pricer(consumption))
    reg = regularisation_invoice(CONTRACT, month, consumption, advances, actual_pricer)

    # the named invariant, to the cent, with no tolerance
    assert sum((a.totals.total_with_vat for a in advances), D(0)) + reg.amount_due == full.total_with_vat
    # and per VAT group, taxable and VAT separately
    assert add_groups(*advances, reg) == as_dict(breakdown_groups(full))
    # the regularisation itself is the full price of the actual consumption, advances deducted
    assert reg.totals.total_with_vat == full.total_with_vat
    assert reg.totals.breakdown == full.breakdown
    assert reg.totals.prepaid_amount == sum((a.totals.total_with_vat for a in advances), D(0))
    # a credit note reverses it exactly
    note = credit_note(reg.issued("X1"), "test")
    assert note.amount_due == -reg.amount_due and add_groups(reg, note) == {}


@settings(deadline=None, max_examples=300)
@given(
    ordered=kwhs,
    actual_kwh=kwhs,
    tolerance=st.decimals(min_value=D("0"), max_value=D("50"), places=2),
    price=prices,
    near_bound=st.booleans(),
    offset=st.decimals(min_value=D("-0.005"), max_value=D("0.005"), places=3),
)
def test_deviation_charges_the_distance_to_the_nearer_bound(
    ordered: Decimal, actual_kwh: Decimal, tolerance: Decimal, price: Decimal, near_bound: bool, offset: Decimal
) -> None:
    lower = round_quantity(ordered * (100 - tolerance) / 100)
    upper = round_quantity(ordered * (100 + tolerance) / 100)
    assert tolerance_band(ordered, tolerance) == (lower, upper)
    if near_bound:  # exercise the bounds themselves, where inclusiveness matters
        actual_kwh = max(D(0), (upper if actual_kwh > ordered else lower) + offset)
    invoice = deviation_invoice(CONTRACT, "2026-03", actual_kwh, ordered, tolerance, price, S21)
    if lower <= actual_kwh <= upper:
        assert invoice is None
    else:
        assert invoice is not None and len(invoice.lines) == 1
        charged = invoice.lines[0].quantity
        assert charged > 0
        assert charged == min(abs(actual_kwh - lower), abs(actual_kwh - upper))
        assert invoice.totals.line_total == round_amount(charged * price)


def test_invalid_inputs_are_refused() -> None:
    with pytest.raises(TypeError, match="float"):
        advance_invoice(CONTRACT, "2026-01", 300.0, MONTHLY)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="YYYY-MM"):
        advance_invoice(CONTRACT, "2026-13", D("300"), MONTHLY)
    with pytest.raises(ValueError, match="at most 3 decimals"):
        advance_invoice(CONTRACT, "2026-01", D("1.0005"), MONTHLY)
    with pytest.raises(ValueError, match="adds up to"):
        MonthConsumption("CT-9", "C-123", "2026-01", D("10"), {"day": D("6"), "night": D("3")}, "achieved")
    zoned = MonthConsumption("CT-9", "C-123", "2026-01", D("10"), {"day": D("6"), "night": D("4")}, "achieved")
    assert zoned.kwh_by_zone is not None and zoned.kwh_by_zone["day"] == D("6")
    with pytest.raises(ValueError, match="consumption_type"):
        MonthConsumption("CT-9", "C-123", "2026-01", D("10"), None, "guessed")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="no lines"):
        advance_invoice(CONTRACT, "2026-01", D("1"), lambda consumption: [])
    with pytest.raises(ValueError, match="tolerance_pct"):
        tolerance_band("100", "101")
    with pytest.raises(ValueError):
        VatRate(S, D("0"))
