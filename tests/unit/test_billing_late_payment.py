"""billing.late_payment: penalty interest per day after the due date, on worked examples
computed by hand in the comments, plus property tests against a day-by-day oracle.

Conventions under test (see the module docstring): interest runs from the day after the
due date up to and including the payment date (or the calculation date); each day accrues
on the amount unpaid at its start, at the rate in force that day; the sum is kept exact and
rounded once, half up, to 2 decimals. 2026 is not a leap year, 2028 is.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from billing.late_payment import (
    Payment,
    PenaltyResult,
    PenaltyTerms,
    RatePeriod,
    penalties_to_invoice,
    penalty_for_invoice,
)

D = Decimal
DUE = date(2026, 3, 10)
GROSS = D("1000.00")
TEN_365 = PenaltyTerms.fixed_rate(D("10"), "ACT/365")
TEN_360 = PenaltyTerms.fixed_rate(D("10"), "ACT/360")


def paid_in_full(paid_on: date, terms: PenaltyTerms = TEN_365, as_of: date = date(2026, 12, 31)) -> PenaltyResult:
    return penalty_for_invoice(DUE, GROSS, [Payment(paid_on, GROSS)], terms, as_of)


# --------------------------------------------------------------------------- worked examples


def test_paid_in_full_thirty_days_late_act_365() -> None:
    # Days 11..31 March = 21, 1..9 April = 9 → 30 days.
    # 1000 × 10 / 100 × 30 / 365 = 300000 / 36500 = 8.219178… → 8.22
    result = paid_in_full(date(2026, 4, 9))
    assert result.total_penalty == D("8.22")
    assert result.settled_penalty == D("8.22")
    assert result.running_penalty == D("0.00")
    assert result.unpaid == D("0.00")
    (segment,) = result.segments
    assert (segment.date_from, segment.date_to, segment.days) == (date(2026, 3, 11), date(2026, 4, 9), 30)
    assert segment.principal == D("1000.00")
    assert segment.annual_rate_pct == D("10")
    assert segment.day_count == "ACT/365"
    assert segment.interest.quantize(D("1E-12")) == D("8.219178082192")
    assert result.overdue_days == 30


def test_paid_in_full_thirty_days_late_act_360() -> None:
    # 1000 × 10 / 100 × 30 / 360 = 300000 / 36000 = 8.3333… → 8.33
    result = paid_in_full(date(2026, 4, 9), TEN_360)
    assert result.total_penalty == D("8.33")
    assert result.segments[0].interest.quantize(D("1E-12")) == D("8.333333333333")


def test_partial_payment_then_the_rest() -> None:
    # 600 paid 2026-03-20, 400 paid 2026-04-30, 10 % ACT/365.
    # Segment 1: 11..20 March = 10 days on 1000: 1000 × 10 × 10 / 36500 = 100000/36500 = 2.739726…
    # Segment 2: 21..31 March = 11 + 1..30 April = 30 → 41 days on 400:
    #            400 × 10 × 41 / 36500 = 164000/36500 = 4.493150…
    # Total 264000/36500 = 7.232876… → 7.23
    payments = [Payment(date(2026, 3, 20), D("600.00")), Payment(date(2026, 4, 30), D("400.00"))]
    result = penalty_for_invoice(DUE, GROSS, payments, TEN_365, date(2026, 5, 31))
    first, second = result.segments
    assert (first.date_from, first.date_to, first.days, first.principal) == (
        date(2026, 3, 11), date(2026, 3, 20), 10, D("1000.00"))
    assert (second.date_from, second.date_to, second.days, second.principal) == (
        date(2026, 3, 21), date(2026, 4, 30), 41, D("400.00"))
    assert first.interest.quantize(D("1E-9")) == D("2.739726027")
    assert second.interest.quantize(D("1E-9")) == D("4.493150685")
    assert result.total_penalty == D("7.23")
    assert result.settled_penalty == D("7.23")
    assert result.running_interest == 0


def test_partial_payment_splits_settled_and_running_interest() -> None:
    # Same invoice, calculated on 2026-04-15, before the 400 arrives: 400 is still unpaid.
    # Segment 1 (11..20 March, 10 days on 1000): paid part 600, unpaid part 400.
    #   settled = 600 × 10 × 10 / 36500 = 60000/36500 = 1.643835…
    #   running = 400 × 10 × 10 / 36500 = 40000/36500
    # Segment 2 (21 March..15 April = 11 + 15 = 26 days on 400), all running:
    #   running = 400 × 10 × 26 / 36500 = 104000/36500
    # running = 144000/36500 = 3.945205…; total = 204000/36500 = 5.589041… → 5.59
    # settled_penalty = 1.64, running_penalty = 5.59 − 1.64 = 3.95
    payments = [Payment(date(2026, 3, 20), D("600.00"))]
    result = penalty_for_invoice(DUE, GROSS, payments, TEN_365, date(2026, 4, 15))
    assert [s.days for s in result.segments] == [10, 26]
    assert result.unpaid == D("400.00")
    assert result.settled_interest.quantize(D("1E-9")) == D("1.643835616")
    assert result.running_interest.quantize(D("1E-9")) == D("3.945205479")
    assert result.total_penalty == D("5.59")
    assert result.settled_penalty == D("1.64")
    assert result.running_penalty == D("3.95")


def test_rate_change_mid_period_uses_the_rate_in_force_each_day() -> None:
    # Reference 6 % until 31 March, 7 % from 1 April, margin 4 % → 10 % then 11 %.
    # 11..31 March = 21 days at 10 %: 1000 × 10 × 21 / 36500 = 210000/36500 = 5.753424…
    # 1..9 April  =  9 days at 11 %: 1000 × 11 ×  9 / 36500 =  99000/36500 = 2.712328…
    # Total 309000/36500 = 8.465753… → 8.47
    terms = PenaltyTerms(
        reference_rates=[RatePeriod(date(2026, 4, 1), D("7")), RatePeriod(date(2026, 1, 1), D("6"))],
        margin_pct=D("4"),
        day_count="ACT/365",
    )
    result = paid_in_full(date(2026, 4, 9), terms)
    march, april = result.segments
    assert (march.date_to, march.days, march.reference_rate_pct, march.annual_rate_pct) == (
        date(2026, 3, 31), 21, D("6"), D("10"))
    assert (april.date_from, april.days, april.reference_rate_pct, april.annual_rate_pct) == (
        date(2026, 4, 1), 9, D("7"), D("11"))
    assert march.margin_pct == april.margin_pct == D("4")
    assert result.total_penalty == D("8.47")


def test_leap_year_february_act_365_counts_calendar_days_over_365() -> None:
    # 2028: due 10 Feb, paid 1 March. 11..29 Feb = 19 days + 1 March = 20 days.
    # 1000 × 10 × 20 / 36500 = 200000/36500 = 5.479452… → 5.48
    leap = penalty_for_invoice(date(2028, 2, 10), GROSS, [Payment(date(2028, 3, 1), GROSS)],
                               TEN_365, date(2028, 3, 31))
    assert leap.overdue_days == 20
    assert leap.total_penalty == D("5.48")
    # 2027: 11..28 Feb = 18 + 1 = 19 days: 190000/36500 = 5.205479… → 5.21
    common = penalty_for_invoice(date(2027, 2, 10), GROSS, [Payment(date(2027, 3, 1), GROSS)],
                                 TEN_365, date(2027, 3, 31))
    assert common.overdue_days == 19
    assert common.total_penalty == D("5.21")


def test_paid_before_or_on_the_due_date_bears_no_interest() -> None:
    for paid_on in (date(2026, 3, 1), DUE):
        result = paid_in_full(paid_on)
        assert result.total_penalty == D("0.00")
        assert result.segments == ()
        assert result.overdue_days == 0


def test_paid_the_day_after_the_due_date_bears_one_day() -> None:
    # 1000 × 10 × 1 / 36500 = 0.273972… → 0.27
    result = paid_in_full(date(2026, 3, 11))
    assert result.overdue_days == 1
    assert result.total_penalty == D("0.27")


def test_payment_day_without_interest_convention() -> None:
    # interest_on_payment_day=False: paid 9 April bears interest 11 March..8 April = 29 days.
    # 1000 × 10 × 29 / 36500 = 290000/36500 = 7.945205… → 7.95
    terms = PenaltyTerms.fixed_rate(D("10"), "ACT/365", interest_on_payment_day=False)
    assert paid_in_full(date(2026, 4, 9), terms).total_penalty == D("7.95")
    # Paid the day after the due date: no day bears interest.
    assert paid_in_full(date(2026, 3, 11), terms).overdue_days == 0


def test_payment_before_due_date_reduces_the_principal_from_the_start() -> None:
    # 700 paid before the due date, 300 on 9 April: 30 days on 300.
    # 300 × 10 × 30 / 36500 = 90000/36500 = 2.465753… → 2.47
    payments = [Payment(date(2026, 4, 9), D("300.00")), Payment(date(2026, 3, 1), D("700.00"))]
    result = penalty_for_invoice(DUE, GROSS, payments, TEN_365, date(2026, 4, 30))
    (segment,) = result.segments
    assert segment.principal == D("300.00")
    assert result.total_penalty == D("2.47")


def test_overpayment_leaves_nothing_unpaid() -> None:
    # 1200 paid on 9 April: same 30 days on 1000 as the first example → 8.22; nothing unpaid after.
    result = penalty_for_invoice(DUE, GROSS, [Payment(date(2026, 4, 9), D("1200.00"))], TEN_365, date(2026, 6, 1))
    assert result.total_penalty == D("8.22")
    assert result.unpaid == D("0.00")
    assert result.overdue_days == 30


def test_rounding_is_once_per_invoice_not_per_day() -> None:
    # 100.00 at 10 % ACT/365 for 30 days: 100 × 10 × 30 / 36500 = 30000/36500 = 0.8219… → 0.82.
    # Rounding each day (100 × 0.10 / 365 = 0.0274 → 0.03) would give 30 × 0.03 = 0.90.
    result = penalty_for_invoice(DUE, D("100.00"), [Payment(date(2026, 4, 9), D("100.00"))], TEN_365, date(2026, 5, 1))
    assert result.total_penalty == D("0.82")


def test_half_cent_rounds_up_even_across_segments() -> None:
    # 1 % ACT/360, three one-day segments on 147, 21 and 12 (payments of 126, 9 and 12):
    # (147 + 21 + 12) × 1 / 100 / 360 = 180/36000 = 0.005 exactly → 0.01 (half up; half even gives 0.00).
    # Each segment alone is a repeating decimal (147/36000 = 0.0040833…), so the sum must be exact.
    terms = PenaltyTerms.fixed_rate(D("1"), "ACT/360")
    payments = [Payment(date(2026, 3, 11), D("126.00")), Payment(date(2026, 3, 12), D("9.00")),
                Payment(date(2026, 3, 13), D("12.00"))]
    result = penalty_for_invoice(DUE, D("147.00"), payments, terms, date(2026, 3, 31))
    assert [s.principal for s in result.segments] == [D("147.00"), D("21.00"), D("12.00")]
    assert result.total_penalty == D("0.01")


def test_negative_reference_rate_is_applied_as_zero() -> None:
    # −1 % + 0.5 % = −0.5 % → 0 %: the days still count as overdue, the interest is 0.
    terms = PenaltyTerms([RatePeriod(date(2020, 1, 1), D("-1"))], D("0.5"), "ACT/360")
    result = paid_in_full(date(2026, 4, 9), terms)
    assert result.overdue_days == 30
    assert result.segments[0].annual_rate_pct == 0
    assert result.total_penalty == D("0.00")


# --------------------------------------------------------------------------- current vs retroactive


def test_current_then_retroactive_penalty_charges_only_the_difference() -> None:
    # as_of 15 April, nothing paid: 11..31 March = 21 + 1..15 April = 15 → 36 days, running.
    # 1000 × 10 × 36 / 36500 = 360000/36500 = 9.863013… → 9.86
    current = penalty_for_invoice(DUE, GROSS, [], TEN_365, date(2026, 4, 15))
    assert current.running_penalty == D("9.86")
    assert current.settled_penalty == D("0.00")
    assert current.total_penalty == D("9.86")
    assert current.unpaid == GROSS
    # Paid on 20 April: 21 + 20 = 41 days, settled. 410000/36500 = 11.232876… → 11.23
    final = penalty_for_invoice(DUE, GROSS, [Payment(date(2026, 4, 20), GROSS)], TEN_365, date(2026, 4, 30))
    assert final.settled_penalty == D("11.23")
    assert final.running_penalty == D("0.00")
    # First penalty invoice: 9.86; the next one charges 11.23 − 9.86 = 1.37.
    assert penalties_to_invoice(D("0"), current) == D("9.86")
    assert penalties_to_invoice(D("9.86"), final) == D("1.37")
    # Recalculating again charges nothing more.
    assert penalties_to_invoice(D("11.23"), final) == D("0.00")


def test_payment_after_as_of_is_not_known_yet() -> None:
    # The 20 April payment is ignored on 15 April: same 36 running days as above → 9.86.
    result = penalty_for_invoice(DUE, GROSS, [Payment(date(2026, 4, 20), GROSS)], TEN_365, date(2026, 4, 15))
    assert result.running_penalty == D("9.86")
    assert result.unpaid == GROSS


def test_penalties_to_invoice_never_negative_minimum_and_settled_only() -> None:
    current = penalty_for_invoice(DUE, GROSS, [], TEN_365, date(2026, 4, 15))  # 9.86 running (above)
    assert penalties_to_invoice(D("20.00"), current) == D("0.00")  # over-invoiced: a credit note's job
    assert penalties_to_invoice(D("0"), current, include_running=False) == D("0.00")  # nothing settled
    with_minimum = PenaltyTerms.fixed_rate(D("10"), "ACT/365", minimum_amount=D("5.00"))
    final = penalty_for_invoice(DUE, GROSS, [Payment(date(2026, 4, 20), GROSS)], with_minimum, date(2026, 4, 30))
    assert penalties_to_invoice(D("9.86"), final) == D("0.00")  # 1.37 < 5.00: not invoiced now
    assert penalties_to_invoice(D("0"), final) == D("11.23")  # 11.23 ≥ 5.00


# --------------------------------------------------------------------------- validation


def test_as_of_before_or_on_the_due_date_gives_zero() -> None:
    for as_of in (date(2026, 3, 1), DUE):
        result = penalty_for_invoice(DUE, GROSS, [], TEN_365, as_of)
        assert result.total_penalty == D("0.00")
        assert result.segments == ()


def test_unsorted_payments_are_sorted() -> None:
    a = [Payment(date(2026, 3, 20), D("600.00")), Payment(date(2026, 4, 30), D("400.00"))]
    assert penalty_for_invoice(DUE, GROSS, a[::-1], TEN_365, date(2026, 5, 31)) == \
        penalty_for_invoice(DUE, GROSS, a, TEN_365, date(2026, 5, 31))


@pytest.mark.parametrize(
    "make",
    [
        lambda: penalty_for_invoice(DUE, 1000.0, [], TEN_365, date(2026, 4, 1)),  # type: ignore[arg-type]
        lambda: Payment(date(2026, 4, 1), 10.5),  # type: ignore[arg-type]
        lambda: PenaltyTerms.fixed_rate(10.0, "ACT/365"),  # type: ignore[arg-type]
        lambda: PenaltyTerms([RatePeriod(DUE, D("5"))], 1.5, "ACT/365"),  # type: ignore[arg-type]
        lambda: penalties_to_invoice(1.0, penalty_for_invoice(DUE, GROSS, [], TEN_365, DUE)),  # type: ignore[arg-type]
        lambda: Payment(datetime(2026, 4, 1, 12), D("1")),  # type: ignore[arg-type]
        lambda: penalty_for_invoice(DUE, "1000", [], TEN_365, date(2026, 4, 1)),  # type: ignore[arg-type]
    ],
)
def test_floats_and_wrong_types_are_refused(make) -> None:
    with pytest.raises(TypeError):
        make()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: penalty_for_invoice(DUE, D("-1.00"), [], TEN_365, DUE), "negative"),
        (lambda: Payment(DUE, D("-5.00")), "negative"),
        (lambda: Payment(DUE, D("5.001")), "2 decimals"),
        (lambda: Payment(DUE, D("NaN")), "finite"),
        (lambda: PenaltyTerms.fixed_rate(D("10"), "30/360"), "day_count"),  # type: ignore[arg-type]
        (lambda: PenaltyTerms([], D("1"), "ACT/360"), "empty"),
        (lambda: PenaltyTerms([RatePeriod(DUE, D("1")), RatePeriod(DUE, D("2"))], D("1"), "ACT/360"), "two"),
        (lambda: penalty_for_invoice(DUE, GROSS, [], PenaltyTerms([RatePeriod(date(2026, 4, 1), D("5"))],
                                                                   D("1"), "ACT/360"), date(2026, 4, 5)),
         "no reference rate is in force on 2026-03-11"),
    ],
)
def test_bad_values_are_refused_with_a_clear_error(make, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make()


# --------------------------------------------------------------------------- properties

START = date(2026, 1, 1)
cents = st.integers(min_value=0, max_value=500_000).map(lambda c: Decimal(c).scaleb(-2).quantize(Decimal("0.01")))
offsets = st.integers(min_value=-20, max_value=200)
payment_lists = st.lists(st.tuples(offsets, cents), max_size=5)
rate_changes = st.lists(st.tuples(st.integers(min_value=1, max_value=200),
                                  st.integers(min_value=-200, max_value=2_000)),  # hundredths of a %
                        max_size=3, unique_by=lambda t: t[0])


@st.composite
def terms_strategy(draw) -> PenaltyTerms:
    periods = [RatePeriod(START - timedelta(days=30), Decimal(draw(st.integers(0, 2_000))).scaleb(-2))]
    periods += [RatePeriod(START + timedelta(days=offset), Decimal(r).scaleb(-2)) for offset, r in draw(rate_changes)]
    return PenaltyTerms(periods, Decimal(draw(st.integers(0, 800))).scaleb(-2),
                        draw(st.sampled_from(["ACT/360", "ACT/365"])),
                        interest_on_payment_day=draw(st.booleans()))


def to_payments(raw: list[tuple[int, Decimal]]) -> list[Payment]:
    return [Payment(START + timedelta(days=offset), amount) for offset, amount in raw]


def oracle(gross: Decimal, payments: list[Payment], terms: PenaltyTerms, as_of: date) -> tuple[int, Fraction]:
    """Day by day, independently: (days with something unpaid, exact interest)."""
    denominator = 360 if terms.day_count == "ACT/360" else 365
    days, interest = 0, Fraction(0)
    day = START + timedelta(days=1)  # the due date is START
    while day <= as_of:
        if terms.interest_on_payment_day:
            paid = sum((p.amount for p in payments if p.paid_on < day), Decimal(0))
        else:
            paid = sum((p.amount for p in payments if p.paid_on <= day), Decimal(0))
        unpaid = max(gross - paid, Decimal(0))
        if unpaid > 0:
            days += 1
            reference = max((r for r in terms.reference_rates if r.valid_from <= day), key=lambda r: r.valid_from)
            rate = max(reference.annual_rate_pct + terms.margin_pct, Decimal(0))
            interest += Fraction(unpaid) * Fraction(rate) / 100 / denominator
        day += timedelta(days=1)
    return days, interest


def half_up(exact: Fraction) -> Decimal:
    cents_ = int(exact * 100 + Fraction(1, 2))  # exact ≥ 0 here
    return Decimal(cents_).scaleb(-2).quantize(Decimal("0.01"))


@settings(max_examples=150, deadline=None)
@given(gross=cents, raw=payment_lists, terms=terms_strategy(), as_of_offset=st.integers(-10, 220))
def test_matches_a_day_by_day_oracle(gross, raw, terms, as_of_offset) -> None:
    payments = to_payments(raw)
    as_of = START + timedelta(days=as_of_offset)
    result = penalty_for_invoice(START, gross, payments, terms, as_of)
    days, interest = oracle(gross, payments, terms, as_of)
    assert result.overdue_days == days  # sum of segment days = overdue days
    assert result.total_penalty == half_up(interest)
    assert result.settled_penalty + result.running_penalty == result.total_penalty
    assert min(result.settled_interest, result.running_interest, result.settled_penalty, result.running_penalty) >= 0
    assert all(s.interest >= 0 and s.days >= 1 and s.principal > 0 for s in result.segments)


@settings(max_examples=100, deadline=None)
@given(gross=cents, raw=payment_lists, terms=terms_strategy(),
       a=st.integers(-10, 220), b=st.integers(-10, 220))
def test_penalty_never_decreases_as_time_passes(gross, raw, terms, a, b) -> None:
    payments = to_payments(raw)
    early, late = sorted((a, b))
    first = penalty_for_invoice(START, gross, payments, terms, START + timedelta(days=early))
    second = penalty_for_invoice(START, gross, payments, terms, START + timedelta(days=late))
    assert first.total_interest <= second.total_interest
    assert first.total_penalty <= second.total_penalty
    # Invoicing the difference each time adds up to the later penalty: no day is charged twice.
    charged = penalties_to_invoice(D("0"), first)
    charged += penalties_to_invoice(charged, second)
    assert charged == second.total_penalty


@settings(max_examples=100, deadline=None)
@given(gross=cents, raw=payment_lists, terms=terms_strategy(), as_of_offset=st.integers(-10, 220),
       which=st.integers(0, 4), share=st.integers(0, 100))
def test_splitting_a_payment_on_the_same_day_changes_nothing(gross, raw, terms, as_of_offset, which, share) -> None:
    payments = to_payments(raw)
    as_of = START + timedelta(days=as_of_offset)
    if not payments:
        payments = [Payment(START + timedelta(days=30), gross)]
    one = payments[which % len(payments)]
    part = (one.amount * share / 100).quantize(Decimal("0.01"))
    split = [p for p in payments if p is not one] + [Payment(one.paid_on, part), Payment(one.paid_on, one.amount - part)]
    whole = penalty_for_invoice(START, gross, payments, terms, as_of)
    halves = penalty_for_invoice(START, gross, split, terms, as_of)
    assert halves.segments == whole.segments
    assert (halves.settled_penalty, halves.running_penalty, halves.total_penalty) == (
        whole.settled_penalty, whole.running_penalty, whole.total_penalty)
