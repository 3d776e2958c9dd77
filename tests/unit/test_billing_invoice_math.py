"""billing.money and billing.invoice_math: EN 16931 invoice arithmetic.

Hand-computed invoices (the arithmetic is written out in comments; expected values were
worked out by hand): a Romanian electricity invoice at 21 % with a line whose net is an
exact half cent, a Bulgarian one at 20 %, a mixed S 19 % + exempt invoice, advances deducted
(BT-113), a credit note, and an invoice whose VAT changes by a cent when split in two.
Property-based tests (hypothesis) check the invariants on random invoices, including a
proven bound between the per-category VAT and the unrounded per-line VAT.
Invalid input is refused with an error naming the field.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, localcontext

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from billing.invoice_math import (
    DEFAULT_EXEMPTION_REASONS,
    InvoiceLine,
    InvoiceTotals,
    VatBreakdown,
    VatCategory,
    compute_totals,
    credit_note_lines,
    vat_breakdown,
)
from billing.money import (
    minor_units,
    round_amount,
    round_quantity,
    round_unit_price,
    to_decimal,
)

D = Decimal


def line(description: str, quantity: str, unit: str, price: str, category: str = "S", rate: str = "21") -> InvoiceLine:
    return InvoiceLine(description, D(quantity), unit, D(price), VatCategory(category), D(rate))


# --- money.py -------------------------------------------------------------------------------


def test_round_amount_is_half_up_away_from_zero() -> None:
    assert round_amount(D("2.345")) == D("2.35")  # half-even would give 2.34
    assert round_amount(D("-2.345")) == D("-2.35")
    assert round_amount(D("2.3449999")) == D("2.34")
    assert round_amount(D("2.355")) == D("2.36")
    assert round_amount(7) == D("7.00") and round_amount(7).as_tuple().exponent == -2


def test_round_amount_never_returns_negative_zero() -> None:
    assert str(round_amount(D("-0.004"))) == "0.00"


def test_round_unit_price_and_quantity() -> None:
    assert round_unit_price(D("0.6543215")) == D("0.654322")
    assert round_unit_price("0.65432149") == D("0.654321")
    assert round_quantity(D("1234.5675")) == D("1234.568")
    assert round_quantity(D("1234.5675"), places=1) == D("1234.6")
    assert round_quantity(D("12.5"), places=0) == D("13")


def test_rounding_ignores_the_callers_decimal_context() -> None:
    with localcontext() as context:
        context.prec = 3
        context.rounding = ROUND_DOWN
        assert round_amount(D("807.803114007")) == D("807.80")
        assert round_amount(D("12.525")) == D("12.53")


def test_to_decimal_accepts_int_str_decimal() -> None:
    assert to_decimal(3) == D(3)
    assert to_decimal(" 0.654321 ") == D("0.654321")
    assert to_decimal(D("1.5")) == D("1.5")


def test_to_decimal_refuses_float_bool_and_garbage() -> None:
    with pytest.raises(TypeError, match="price must be a Decimal, int or str, not float"):
        to_decimal(0.1, "price")
    with pytest.raises(TypeError, match="not bool"):
        to_decimal(True)
    with pytest.raises(ValueError, match="not a decimal number"):
        to_decimal("1,5")
    with pytest.raises(ValueError, match="finite"):
        to_decimal("NaN")
    with pytest.raises(ValueError, match="finite"):
        to_decimal(D("Infinity"))


def test_minor_units() -> None:
    assert [minor_units(c) for c in ("RON", "BGN", "EUR")] == [2, 2, 2]
    with pytest.raises(ValueError, match="currency 'XYZ' is not supported"):
        minor_units("XYZ")


# --- hand-computed invoices -------------------------------------------------------------------

# Romania, VAT 21 % standard rate (since 2025-08-01); all lines in category S.
RO_LINES = [
    # 1,234.567 kWh × 0.654321 RON/kWh
    #   = 1,234.567 × 0.65 + 1,234.567 × 0.004321 = 802.46855 + 5.334564007 = 807.803114007 → 807.80
    line("Active energy", "1234.567", "kWh", "0.654321"),
    # network fee (transport + distribution): 1,234.567 kWh × 0.198765 RON/kWh
    #   = 1,234.567 × 0.2 − 1,234.567 × 0.001235 = 246.9134 − 1.524690245 = 245.388709755 → 245.39
    line("Network fee", "1234.567", "kWh", "0.198765"),
    # reactive energy: 250.5 kvarh × 0.05 RON/kvarh = 12.525 exactly: a tie, half up → 12.53
    #   (banker's rounding, half-even, would give 12.52)
    line("Reactive energy", "250.5", "kvarh", "0.050000"),
    # excise on 1.234567 MWh × 4.985 RON/MWh = 1.234567 × 5 − 1.234567 × 0.015
    #   = 6.172835 − 0.018518505 = 6.154316495 → 6.15
    line("Excise", "1.234567", "MWh", "4.985000"),
]
# BT-106: 807.80 + 245.39 + 12.53 + 6.15 = 1,071.87
# BT-110: 1,071.87 × 21 / 100 = 214.374 + 10.7187 = 225.0927 → 225.09
# BT-112: 1,071.87 + 225.09 = 1,296.96


def test_romanian_line_nets() -> None:
    assert [item.net_amount for item in RO_LINES] == [D("807.80"), D("245.39"), D("12.53"), D("6.15")]


def test_romanian_invoice_totals() -> None:
    totals = compute_totals(RO_LINES)
    assert totals.line_total == D("1071.87")
    assert totals.vat_total == D("225.09")
    assert totals.total_with_vat == D("1296.96")
    assert totals.total_without_vat == D("1071.87")
    assert totals.prepaid_amount == D("0.00")
    assert totals.rounding_amount == D("0.00")
    assert totals.amount_due == D("1296.96")
    assert totals.breakdown == (VatBreakdown(VatCategory.STANDARD, D("21"), D("1071.87"), D("225.09")),)


def test_totals_ignore_the_callers_decimal_context() -> None:
    with localcontext() as context:
        context.prec = 4
        context.rounding = ROUND_DOWN
        totals = compute_totals(RO_LINES, D("500.00"))
    assert (totals.line_total, totals.vat_total, totals.amount_due) == (D("1071.87"), D("225.09"), D("796.96"))


def test_advance_deducted_gives_amount_due() -> None:
    # BT-115 = BT-112 − BT-113 = 1,296.96 − 500.00 = 796.96
    totals = compute_totals(RO_LINES, prepaid=D("500.00"))
    assert totals.prepaid_amount == D("500.00")
    assert totals.amount_due == D("796.96")
    # advances larger than the invoice: 1,296.96 − 1,300.00 = −3.04 to refund
    assert compute_totals(RO_LINES, prepaid=D("1300")).amount_due == D("-3.04")
    # with a payable rounding (BT-114) to the whole leu: 796.96 + 0.04 = 797.00
    rounded = compute_totals(RO_LINES, prepaid=D("500.00"), rounding_amount=D("0.04"))
    assert rounded.amount_due == D("797.00")


def test_advance_invoiced_earlier_deducted_as_a_negative_line() -> None:
    # An advance invoice of 800.00 RON net is reversed on the final invoice by a line with
    # quantity −1: nets 1,071.87 − 800.00 = 271.87; VAT 271.87 × 0.21 = 57.0927 → 57.09;
    # total 271.87 + 57.09 = 328.96 (= 1,296.96 − (800.00 + 168.00 VAT of the advance)).
    lines = [*RO_LINES, line("Advance invoiced 2025-09", "-1", "item", "800")]
    totals = compute_totals(lines)
    assert totals.line_total == D("271.87")
    assert totals.vat_total == D("57.09")
    assert totals.total_with_vat == D("328.96")


# Bulgaria, VAT 20 %, BGN.
BG_LINES = [
    # day tariff 812.345 kWh × 0.213456 BGN/kWh = 162.469 + 812.345 × 0.013456
    #   = 162.469 + 10.93091432 = 173.39991432 → 173.40
    line("Active energy, day", "812.345", "kWh", "0.213456", rate="20"),
    # night tariff 401.5 kWh × 0.13125 = 52.195 + 0.501875 = 52.696875 → 52.70
    line("Active energy, night", "401.5", "kWh", "0.131250", rate="20"),
    # obligations to society on 812.345 + 401.5 = 1,213.845 kWh × 0.02283
    #   = 24.2769 + 3.43518135 = 27.71208135 → 27.71
    line("Obligations to society", "1213.845", "kWh", "0.022830", rate="20"),
    # excise 1.213845 MWh × 2 BGN/MWh = 2.42769 → 2.43
    line("Excise", "1.213845", "MWh", "2", rate="20"),
]
# BT-106: 173.40 + 52.70 + 27.71 + 2.43 = 256.24; BT-110: 256.24 × 0.20 = 51.248 → 51.25
# BT-112: 256.24 + 51.25 = 307.49


def test_bulgarian_invoice_totals() -> None:
    assert [item.net_amount for item in BG_LINES] == [D("173.40"), D("52.70"), D("27.71"), D("2.43")]
    totals = compute_totals(BG_LINES)
    assert (totals.line_total, totals.vat_total, totals.total_with_vat) == (D("256.24"), D("51.25"), D("307.49"))


# Standard rate 19 % (Romania before 2025-08-01) and an exempt line.
MIXED_LINES = [
    # 500 kWh × 0.712345 = 356.1725 → 356.17 (the third decimal is 2)
    line("Active energy", "500", "kWh", "0.712345", rate="19"),
    line("Monthly fee", "1", "month", "9.99", rate="19"),  # 9.99
    line("Bill-protection insurance", "1", "month", "15", category="E", rate="0"),  # 15.00, exempt
]
# S 19 %: taxable 356.17 + 9.99 = 366.16; VAT 366.16 × 0.19 = 69.5704 → 69.57
# E: taxable 15.00, VAT 0.00
# BT-106 381.16; BT-110 69.57; BT-112 450.73


def test_mixed_standard_and_exempt_invoice() -> None:
    totals = compute_totals(MIXED_LINES)
    assert totals.breakdown == (
        VatBreakdown(VatCategory.STANDARD, D("19"), D("366.16"), D("69.57")),
        VatBreakdown(VatCategory.EXEMPT, D("0"), D("15.00"), D("0.00"), "Exempt from VAT"),
    )
    assert (totals.line_total, totals.vat_total, totals.total_with_vat) == (D("381.16"), D("69.57"), D("450.73"))


def test_exemption_reason_can_be_overridden() -> None:
    reason = "Scutit cf. art. 292 alin. (2) lit. b) Cod fiscal"
    groups = vat_breakdown(MIXED_LINES, exemption_reasons={"E": reason})
    assert [group.exemption_reason for group in groups] == [None, reason]
    with pytest.raises(ValueError, match="VAT category S takes no exemption reason"):
        vat_breakdown(MIXED_LINES, exemption_reasons={"S": "no"})


def test_breakdown_is_sorted_by_category_then_rate() -> None:
    lines = [
        line("Export", "1", "item", "1", category="G", rate="0"),
        line("Reverse charge", "1", "item", "1", category="AE", rate="0"),
        line("Heating", "1", "item", "1", rate="21"),
        line("Zero rated", "1", "item", "1", category="Z", rate="0"),
        line("Reduced", "1", "item", "1", rate="9"),
        line("Outside scope", "1", "item", "1", category="O", rate="0"),
        line("Intra-community", "1", "item", "1", category="K", rate="0"),
        line("Exempt", "1", "item", "1", category="E", rate="0"),
    ]
    groups = vat_breakdown(lines)
    assert [(g.vat_category.value, g.vat_rate_pct) for g in groups] == [
        ("S", D(9)), ("S", D(21)), ("Z", D(0)), ("E", D(0)), ("AE", D(0)), ("K", D(0)), ("G", D(0)), ("O", D(0)),
    ]
    assert {g.vat_category: g.exemption_reason for g in groups if g.exemption_reason} == DEFAULT_EXEMPTION_REASONS
    assert groups[[g.vat_category for g in groups].index(VatCategory.REVERSE_CHARGE)].exemption_reason == "Reverse charge"


def test_credit_note_reverses_the_romanian_invoice() -> None:
    credit = credit_note_lines(RO_LINES)
    assert [item.quantity for item in credit] == [D("-1234.567"), D("-1234.567"), D("-250.5"), D("-1.234567")]
    assert [item.unit_price for item in credit] == [item.unit_price for item in RO_LINES]
    # the tie −12.525 rounds away from zero to −12.53, mirroring +12.53
    assert [item.net_amount for item in credit] == [D("-807.80"), D("-245.39"), D("-12.53"), D("-6.15")]
    totals = compute_totals(credit)
    assert (totals.line_total, totals.vat_total, totals.total_with_vat, totals.amount_due) == (
        D("-1071.87"), D("-225.09"), D("-1296.96"), D("-1296.96"),
    )


def test_splitting_an_invoice_can_change_vat_by_a_cent() -> None:
    # Two metering points, 12 kWh × 0.835 = 10.02 each, S 21 %.
    a = line("Metering point A", "12", "kWh", "0.835")
    b = line("Metering point B", "12", "kWh", "0.835")
    # One invoice: taxable 20.04; VAT 20.04 × 0.21 = 4.2084 → 4.21.
    together = compute_totals([a, b])
    # Two invoices: VAT 10.02 × 0.21 = 2.1042 → 2.10 each, 4.20 in all.
    apart = [compute_totals([a]), compute_totals([b])]
    assert together.line_total == apart[0].line_total + apart[1].line_total == D("20.04")
    assert together.vat_total == D("4.21")
    assert apart[0].vat_total + apart[1].vat_total == D("4.20")


# --- invalid input ----------------------------------------------------------------------------


def test_float_quantity_is_refused() -> None:
    with pytest.raises(TypeError, match="quantity must be a Decimal, int or str, not float"):
        InvoiceLine("Active energy", 1234.567, "kWh", D("0.654321"), VatCategory.STANDARD, D("21"))  # type: ignore[arg-type]


def test_float_price_and_rate_are_refused() -> None:
    with pytest.raises(TypeError, match="unit_price .* not float"):
        InvoiceLine("Energy", D("1"), "kWh", 0.65, VatCategory.STANDARD, D("21"))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="vat_rate_pct .* not float"):
        InvoiceLine("Energy", D("1"), "kWh", D("0.65"), VatCategory.STANDARD, 21.0)  # type: ignore[arg-type]


def test_unit_price_with_seven_decimals_is_refused() -> None:
    with pytest.raises(ValueError, match="unit_price may have at most 6 decimals, not 0.6543215"):
        line("Active energy", "1", "kWh", "0.6543215")
    # trailing zeros are not decimals of the value
    assert line("Active energy", "1", "kWh", "0.6543210").net_amount == D("0.65")


def test_negative_unit_price_is_refused() -> None:
    with pytest.raises(ValueError, match="unit_price must not be negative"):
        line("Discount", "1", "item", "-5")


def test_standard_category_needs_a_positive_rate() -> None:
    with pytest.raises(ValueError, match="vat_rate_pct must be > 0 for VAT category S"):
        line("Active energy", "1", "kWh", "0.5", category="S", rate="0")


@pytest.mark.parametrize("category", ["Z", "E", "AE", "K", "G", "O"])
def test_other_categories_need_a_zero_rate(category: str) -> None:
    with pytest.raises(ValueError, match=f"vat_rate_pct must be 0 for VAT category {category}"):
        line("Exempt service", "1", "item", "5", category=category, rate="19")


def test_unknown_category_empty_description_and_bad_amounts_are_refused() -> None:
    with pytest.raises(ValueError, match="vat_category must be one of S, Z, E, AE, K, G, O"):
        InvoiceLine("Energy", D("1"), "kWh", D("1"), "X", D("0"))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="description must be a non-empty string"):
        line(" ", "1", "kWh", "1")
    with pytest.raises(ValueError, match="prepaid is an amount and may have at most 2 decimals"):
        compute_totals(RO_LINES, prepaid=D("10.005"))
    with pytest.raises(TypeError, match="prepaid .* not float"):
        compute_totals(RO_LINES, prepaid=10.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="at least one line"):
        compute_totals([])


def test_inconsistent_breakdown_and_totals_are_refused() -> None:
    with pytest.raises(ValueError, match="vat_amount 4.20 is not round_amount"):
        VatBreakdown(VatCategory.STANDARD, D("21"), D("20.04"), D("4.20"))
    with pytest.raises(ValueError, match="exemption_reason is required for VAT category AE"):
        VatBreakdown(VatCategory.REVERSE_CHARGE, D("0"), D("100.00"), D("0.00"))
    with pytest.raises(ValueError, match="total_with_vat"):
        InvoiceTotals(D("10.00"), D("2.10"), D("12.11"), D("0.00"), D("0.00"), D("12.11"))


# --- properties -------------------------------------------------------------------------------

STANDARD_RATES = [D(5), D(9), D(19), D(20), D(21)]
CATEGORY_RATES = [("S", rate) for rate in STANDARD_RATES] + [(c, D(0)) for c in ("Z", "E", "AE", "K", "G", "O")]

quantities = st.integers(min_value=-10**7, max_value=10**7).map(lambda n: D(n).scaleb(-3))  # ±10,000.000
prices = st.integers(min_value=0, max_value=10**7).map(lambda n: D(n).scaleb(-6))  # 0 … 10.000000
invoice_lines = st.builds(
    lambda q, p, cr: InvoiceLine("line", q, "kWh", p, VatCategory(cr[0]), cr[1]),
    quantities,
    prices,
    st.sampled_from(CATEGORY_RATES),
)
invoices = st.lists(invoice_lines, min_size=1, max_size=30)


def half_up(value: Decimal) -> Decimal:
    """Reference rounding for the oracle, independent of billing.money."""
    with localcontext() as context:
        context.prec = 60
        return value.quantize(D("0.01"), rounding=ROUND_HALF_UP)


def exact(expression):  # type: ignore[no-untyped-def]
    with localcontext() as context:
        context.prec = 60
        return expression()


def groups_of(lines: list[InvoiceLine]) -> dict[tuple[str, Decimal], list[InvoiceLine]]:
    groups: dict[tuple[str, Decimal], list[InvoiceLine]] = {}
    for item in lines:
        groups.setdefault((item.vat_category.value, item.vat_rate_pct), []).append(item)
    return groups


@settings(deadline=None, max_examples=300)
@given(invoices)
def test_totals_match_the_en16931_formulas(lines: list[InvoiceLine]) -> None:
    totals = compute_totals(lines)
    nets = [exact(lambda item=item: half_up(item.quantity * item.unit_price)) for item in lines]
    assert totals.line_total == exact(lambda: sum(nets, D(0)))
    expected_vat = exact(
        lambda: sum(
            (
                half_up(sum((half_up(i.quantity * i.unit_price) for i in group), D(0)) * rate / 100)
                for (_, rate), group in groups_of(lines).items()
            ),
            D(0),
        )
    )
    assert totals.vat_total == expected_vat
    assert totals.total_with_vat == exact(lambda: totals.line_total + totals.vat_total)
    assert totals.amount_due == totals.total_with_vat
    amounts = [totals.line_total, totals.vat_total, totals.total_with_vat, totals.prepaid_amount,
               totals.rounding_amount, totals.amount_due]
    amounts += [item.net_amount for item in lines]
    amounts += [g.taxable_amount for g in totals.breakdown] + [g.vat_amount for g in totals.breakdown]
    assert all(amount.as_tuple().exponent == -2 for amount in amounts)


@settings(deadline=None, max_examples=300)
@given(invoices)
def test_vat_total_is_close_to_the_unrounded_per_line_vat(lines: list[InvoiceLine]) -> None:
    # Write n_i = q_i·p_i (exact), N_i = round(n_i) (the line net), T_g = Σ_{i∈g} N_i for each
    # (category, rate) group g with rate r_g, and V = Σ_g round(T_g·r_g/100) (the VAT total).
    # The unrounded per-line VAT is U = Σ_i n_i·r_i/100. Then
    #   V − U = Σ_g [round(T_g·r_g/100) − T_g·r_g/100]   (VAT rounding, one per group)
    #         + Σ_i (r_i/100)·(N_i − n_i)                 (line-net rounding, one per line)
    # since Σ_g T_g·r_g/100 = Σ_i N_i·r_i/100. Half-up rounding to cents moves a value by at
    # most 0.005, and a group with rate 0 has no VAT rounding at all (T_g·0 = 0 exactly), so
    #   |V − U| ≤ 0.005·(groups with r_g > 0) + 0.005·Σ_i r_i/100
    # which is at most 0.005·(number of groups) + 0.005·(number of lines)·max rate/100.
    # "Groups" are (category, rate) pairs, not categories: S 9 % and S 21 % round separately.
    totals = compute_totals(lines)
    unrounded = exact(lambda: sum((i.quantity * i.unit_price * i.vat_rate_pct / 100 for i in lines), D(0)))
    groups = groups_of(lines)
    taxed_groups = sum(1 for (_, rate) in groups if rate > 0)
    bound = exact(lambda: D("0.005") * taxed_groups + D("0.005") * sum((i.vat_rate_pct for i in lines), D(0)) / 100)
    difference = abs(exact(lambda: totals.vat_total - unrounded))
    assert difference <= bound
    max_rate = max(i.vat_rate_pct for i in lines)
    assert bound <= exact(lambda: D("0.005") * len(groups) + D("0.005") * len(lines) * max_rate / 100)


@settings(deadline=None, max_examples=300)
@given(invoices, st.integers(min_value=0, max_value=10**4).map(lambda n: D(n).scaleb(-2)))
def test_credit_note_totals_are_the_exact_negatives(lines: list[InvoiceLine], prepaid: Decimal) -> None:
    invoice = compute_totals(lines, prepaid=prepaid)
    credit = compute_totals(credit_note_lines(lines), prepaid=-prepaid)
    for name in ("line_total", "vat_total", "total_with_vat", "prepaid_amount", "amount_due"):
        assert getattr(credit, name) == -getattr(invoice, name), name
    assert [g.vat_amount for g in credit.breakdown] == [-g.vat_amount for g in invoice.breakdown]
    assert credit_note_lines(credit_note_lines(lines)) == lines


@settings(deadline=None, max_examples=300)
@given(invoices, st.data())
def test_splitting_an_invoice_keeps_the_line_total(lines: list[InvoiceLine], data: st.DataObject) -> None:
    in_first = data.draw(st.lists(st.booleans(), min_size=len(lines), max_size=len(lines)))
    first = [item for item, keep in zip(lines, in_first) if keep]
    second = [item for item, keep in zip(lines, in_first) if not keep]
    whole = compute_totals(lines)
    parts = [compute_totals(part) for part in (first, second) if part]
    assert exact(lambda: sum((p.line_total for p in parts), D(0))) == whole.line_total
    # VAT may differ: per group, three roundings of at most 0.005 each, and the difference is
    # a whole number of cents, so it is at most one cent per group with a positive rate.
    vat_difference = abs(exact(lambda: sum((p.vat_total for p in parts), D(0)) - whole.vat_total))
    assert vat_difference <= D("0.01") * sum(1 for (_, rate) in groups_of(lines) if rate > 0)
