"""billing.due_dates: due-date rules, working days and days of grace, on dates worked out by hand.

The calendar used by hand below (each weekday is derived in a comment and asserted in
test_calendar_facts_used_by_hand):

- 2025-01-01 is a Wednesday; 2025 has 365 days, so 2026-01-01 is a Thursday.
- 1 Dec 2025 is day 335 of 2025: 334 days after 1 Jan, 334 = 47 × 7 + 5, Wednesday + 5 =
  Monday. So in December 2025: Mondays 1, 8, 15, 22, 29; 19 Dec is a Friday, 24 a Wednesday,
  25 a Thursday, 26 a Friday, 27/28 the weekend, 31 a Wednesday; 1 Jan 2026 Thursday,
  2 Jan Friday, 3/4 Jan weekend, 5 Jan Monday, 10/11 Jan weekend, 12 Jan Monday.
- 1 Feb 2026 = 1 Jan + 31 days = Thursday + 3 = Sunday; February 2026 has 28 days, so
  1 Mar 2026 is a Sunday too, 3 Mar a Tuesday, 15 Mar a Sunday, 16 Mar a Monday;
  15 Feb a Sunday, 28 Feb a Saturday.
- 1 Apr 2026 = 1 Mar + 31 = Sunday + 3 = Wednesday, so 30 Apr is a Thursday.
- 2027-01-01 is a Friday (2026 has 365 days), 2028-01-01 a Saturday (2027 has 365 days);
  1 Feb 2028 = Saturday + 3 = Tuesday and 29 Feb 2028 (2028 is a leap year) = 1 Feb + 28 =
  Tuesday.

Public holidays (from the pinned holidays package, asserted below as well):
RO 30 Nov, 1 Dec (national day), 25, 26 Dec, 1, 2 Jan, 6, 7 Jan (Epiphany, St John);
BG 24, 25, 26 Dec, 1 Jan, 3 March (national day), and the government-declared non-working
days 31 Dec 2025 and 2 Jan 2026.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from billing.due_dates import (
    INVOICE_TYPES,
    DueDateRule,
    GraceDays,
    RuleKind,
    add_business_days,
    due_date_for,
    effective_due_date,
    is_working_day,
    next_working_day,
    penalty_start,
)
from billing.invoice_types import InvoiceKind
from billing.late_payment import Payment, PenaltyTerms, penalty_for_invoice

D = Decimal
MON, TUE, WED, THU, FRI, SAT, SUN = range(7)


# --------------------------------------------------------------------------- the calendar


def test_calendar_facts_used_by_hand() -> None:
    weekdays = {
        date(2025, 1, 1): WED,
        date(2026, 1, 1): THU,
        date(2025, 12, 1): MON,
        date(2025, 11, 24): MON,
        date(2025, 12, 19): FRI,
        date(2025, 12, 24): WED,
        date(2025, 12, 25): THU,
        date(2025, 12, 29): MON,
        date(2026, 1, 5): MON,
        date(2026, 1, 10): SAT,
        date(2026, 1, 12): MON,
        date(2026, 2, 1): SUN,
        date(2026, 2, 15): SUN,
        date(2026, 2, 24): TUE,
        date(2026, 2, 28): SAT,
        date(2026, 3, 1): SUN,
        date(2026, 3, 3): TUE,
        date(2026, 3, 15): SUN,
        date(2026, 4, 30): THU,
        date(2027, 1, 1): FRI,
        date(2028, 1, 1): SAT,
        date(2028, 2, 29): TUE,
    }
    assert {day: day.weekday() for day in weekdays} == weekdays


@pytest.mark.parametrize(
    ("day", "ro_holiday", "bg_holiday"),
    [
        (date(2025, 11, 30), True, False),  # RO St Andrew (a Sunday anyway)
        (date(2025, 12, 1), True, False),  # RO national day
        (date(2025, 12, 24), False, True),  # BG Christmas Eve
        (date(2025, 12, 25), True, True),
        (date(2025, 12, 26), True, True),
        (date(2025, 12, 31), False, True),  # BG declared non-working day
        (date(2026, 1, 1), True, True),
        (date(2026, 1, 2), True, True),  # RO 2 January; BG declared non-working day
        (date(2026, 1, 6), True, False),  # RO Epiphany
        (date(2026, 1, 7), True, False),  # RO St John
        (date(2026, 3, 3), False, True),  # BG national day (Liberation Day)
        (date(2026, 3, 16), False, False),
    ],
)
def test_holiday_data_used_by_hand(day: date, ro_holiday: bool, bg_holiday: bool) -> None:
    # None of these days is a weekend day except 30 Nov 2025 (a Sunday: never a working day).
    weekend = day.weekday() >= SAT
    assert is_working_day(day, "RO") is not (ro_holiday or weekend)
    assert is_working_day(day, "BG") is not (bg_holiday or weekend)


def test_weekends_are_not_working_days() -> None:
    assert not is_working_day(date(2026, 2, 28), "RO")  # Saturday
    assert not is_working_day(date(2026, 3, 1), "BG")  # Sunday
    assert is_working_day(date(2026, 3, 2), "BG")  # Monday


def test_next_working_day_chains_over_weekend_and_holidays() -> None:
    # RO: Thu 25 Dec and Fri 26 Dec holidays, Sat 27, Sun 28 weekend -> Mon 29 Dec 2025.
    assert next_working_day(date(2025, 12, 25), "RO") == date(2025, 12, 29)
    # BG: Wed 31 Dec (non-working day), Thu 1 Jan, Fri 2 Jan, weekend 3/4 -> Mon 5 Jan 2026.
    assert next_working_day(date(2025, 12, 31), "BG") == date(2026, 1, 5)
    # A working day stays where it is.
    assert next_working_day(date(2026, 3, 16), "RO") == date(2026, 3, 16)


# --------------------------------------------------------------------------- days after issue


def test_30_days_across_a_month_end() -> None:
    # 2026-01-20 + 30: 11 days to 31 Jan, 19 more -> 19 Feb 2026, a Thursday (no roll).
    assert due_date_for(date(2026, 1, 20), DueDateRule.days_after_issue(30), "RO") == date(2026, 2, 19)
    # 2026-02-10 + 30: 18 days to 28 Feb, 12 more -> 12 Mar 2026, a Thursday.
    assert due_date_for(date(2026, 2, 10), "30d", "RO") == date(2026, 3, 12)


def test_days_after_issue_rolls_over_christmas() -> None:
    # 2025-11-25 + 30: 5 days to 30 Nov, 25 more -> Thu 25 Dec 2025.
    rule = DueDateRule.days_after_issue(30)
    # RO: 25, 26 Dec holidays, 27/28 weekend -> Mon 29 Dec.
    assert due_date_for(date(2025, 11, 25), rule, "RO") == date(2025, 12, 29)
    # Without rolling: the calendar date itself, a holiday.
    assert due_date_for(date(2025, 11, 25), DueDateRule.days_after_issue(30, roll_to_business_day=False), "RO") == date(2025, 12, 25)


def test_zero_days_is_the_issue_date() -> None:
    assert due_date_for(date(2026, 3, 16), "0d", "RO") == date(2026, 3, 16)
    # Issued on Saturday 28 Feb 2026: due on the issue date, rolled to Monday 2 March.
    assert due_date_for(date(2026, 2, 28), "0d", "RO") == date(2026, 3, 2)


# --------------------------------------------------------------------------- end of month


@pytest.mark.parametrize(
    ("issue", "unrolled", "rolled"),
    [
        # Issued 31 Jan 2026: end of the issue month = 31 Jan, + 15 -> Sun 15 Feb -> Mon 16 Feb.
        (date(2026, 1, 31), date(2026, 2, 15), date(2026, 2, 16)),
        # Issued in February 2026: end of month = 28 Feb, + 15 -> Sun 15 Mar -> Mon 16 Mar.
        (date(2026, 2, 1), date(2026, 3, 15), date(2026, 3, 16)),
        (date(2026, 2, 10), date(2026, 3, 15), date(2026, 3, 16)),
        (date(2026, 2, 28), date(2026, 3, 15), date(2026, 3, 16)),
    ],
)
def test_end_of_month_plus_15(issue: date, unrolled: date, rolled: date) -> None:
    assert unrolled.weekday() == SUN
    assert due_date_for(issue, DueDateRule.days_after_end_of_month(15), "RO") == rolled
    assert due_date_for(issue, "eom+15", "BG") == rolled  # neither 16 Feb nor 16 Mar is a BG holiday
    assert due_date_for(issue, "eom+15 noroll", "RO") == unrolled


def test_end_of_month_plus_0_is_the_last_day() -> None:
    # Issued 3 Dec 2025 -> 31 Dec 2025, a Wednesday: working in RO, a non-working day in BG.
    assert due_date_for(date(2025, 12, 3), "eom+0", "RO") == date(2025, 12, 31)
    # BG: 31 Dec, 1 Jan, 2 Jan non-working, 3/4 Jan weekend -> Mon 5 Jan 2026.
    assert due_date_for(date(2025, 12, 3), "eom+0", "BG") == date(2026, 1, 5)


# --------------------------------------------------------------------------- fixed day


def test_day_31_in_a_30_day_month() -> None:
    # Issued in March 2026: April has 30 days -> 30 Apr 2026, a Thursday (1 May is RO Labour Day,
    # but no roll is needed).
    assert due_date_for(date(2026, 3, 5), DueDateRule.fixed_day_of_next_month(31), "RO") == date(2026, 4, 30)
    assert due_date_for(date(2026, 3, 31), "day 31", "RO") == date(2026, 4, 30)


def test_day_31_in_february_of_a_leap_year() -> None:
    # Issued in January 2028: February 2028 has 29 days -> Tue 29 Feb 2028.
    assert due_date_for(date(2028, 1, 15), "day 31", "RO") == date(2028, 2, 29)
    assert due_date_for(date(2028, 1, 31), "day 30", "BG") == date(2028, 2, 29)


def test_day_31_in_february_of_a_common_year_rolls_over_the_weekend() -> None:
    # Issued in January 2026: February 2026 has 28 days -> Sat 28 Feb 2026 -> Mon 2 Mar.
    assert due_date_for(date(2026, 1, 15), "day 31", "RO") == date(2026, 3, 2)
    assert due_date_for(date(2026, 1, 15), "day 31", "BG") == date(2026, 3, 2)  # 3 March comes after
    assert due_date_for(date(2026, 1, 15), "day 31 noroll", "RO") == date(2026, 2, 28)


def test_fixed_day_issued_in_december_is_in_january() -> None:
    # Issued 15 Dec 2025 -> day 10 of January 2026 = Sat 10 Jan -> Mon 12 Jan (not a holiday).
    assert due_date_for(date(2025, 12, 15), "day 10", "RO") == date(2026, 1, 12)
    # Day 1 of January 2026 is a holiday in both countries: Thu 1 Jan, Fri 2 Jan -> Mon 5 Jan.
    assert due_date_for(date(2025, 12, 31), "day 1", "RO") == date(2026, 1, 5)


def test_bulgarian_due_date_rolled_over_3_march() -> None:
    # 2026-02-01 + 30 days: 27 days to 28 Feb, 3 more -> Tue 3 Mar 2026.
    assert due_date_for(date(2026, 2, 1), "30d", "BG") == date(2026, 3, 4)  # national day -> Wed 4 Mar
    assert due_date_for(date(2026, 2, 1), "30d", "RO") == date(2026, 3, 3)  # an ordinary Tuesday in RO
    # day 3 of the month after a February issue: the same.
    assert due_date_for(date(2026, 2, 20), "day 3", "BG") == date(2026, 3, 4)
    assert due_date_for(date(2026, 2, 20), "day 3 noroll", "BG") == date(2026, 3, 3)


def test_bulgarian_christmas_eve_rolls_to_the_next_working_day() -> None:
    # 2025-11-24 + 30: 6 days to 30 Nov, 24 more -> Wed 24 Dec 2025.
    # BG: 24, 25, 26 Dec holidays, 27/28 weekend -> Mon 29 Dec. RO: 24 Dec is a working day.
    assert due_date_for(date(2025, 11, 24), "30d", "BG") == date(2025, 12, 29)
    assert due_date_for(date(2025, 11, 24), "30d", "RO") == date(2025, 12, 24)


# --------------------------------------------------------------------------- business days


def test_10_business_days_over_romanian_national_day() -> None:
    # Issued Mon 24 Nov 2025. Counting from the day after:
    # Tue 25 (1), Wed 26 (2), Thu 27 (3), Fri 28 (4), Sat 29 / Sun 30 weekend,
    # Mon 1 Dec RO national day, Tue 2 (5), Wed 3 (6), Thu 4 (7), Fri 5 (8), weekend,
    # Mon 8 (9), Tue 9 (10) -> 9 Dec 2025.
    assert due_date_for(date(2025, 11, 24), DueDateRule.business_days_after_issue(10), "RO") == date(2025, 12, 9)
    # In BG 1 Dec is a working day (it counts as 5th): one day earlier, Mon 8 Dec.
    assert due_date_for(date(2025, 11, 24), "10bd", "BG") == date(2025, 12, 8)


def test_10_business_days_over_christmas_and_new_year() -> None:
    # Issued Fri 19 Dec 2025.
    # RO: Mon 22 (1), Tue 23 (2), Wed 24 (3), Thu 25 / Fri 26 holidays, weekend, Mon 29 (4),
    #     Tue 30 (5), Wed 31 (6), Thu 1 / Fri 2 Jan holidays, weekend, Mon 5 (7),
    #     Tue 6 / Wed 7 holidays (Epiphany, St John), Thu 8 (8), Fri 9 (9), weekend,
    #     Mon 12 (10) -> 12 Jan 2026.
    # BG: Mon 22 (1), Tue 23 (2), Wed 24 / Thu 25 / Fri 26 holidays, weekend, Mon 29 (3),
    #     Tue 30 (4), Wed 31 / Thu 1 / Fri 2 non-working, weekend, Mon 5 (5), Tue 6 (6),
    #     Wed 7 (7), Thu 8 (8), Fri 9 (9), weekend, Mon 12 (10) -> 12 Jan 2026 as well.
    assert due_date_for(date(2025, 12, 19), "10bd", "RO") == date(2026, 1, 12)
    assert due_date_for(date(2025, 12, 19), "10bd", "BG") == date(2026, 1, 12)
    # The counts differ on the way: the 4th working day is Mon 29 Dec in RO, Tue 30 Dec in BG;
    # the 5th is Tue 30 Dec in RO, Mon 5 Jan in BG.
    assert due_date_for(date(2025, 12, 19), "4bd", "RO") == date(2025, 12, 29)
    assert due_date_for(date(2025, 12, 19), "4bd", "BG") == date(2025, 12, 30)
    assert due_date_for(date(2025, 12, 19), "5bd", "RO") == date(2025, 12, 30)
    assert due_date_for(date(2025, 12, 19), "5bd", "BG") == date(2026, 1, 5)


def test_business_days_over_bulgarian_3_march() -> None:
    # Issued Tue 24 Feb 2026: Wed 25 (1), Thu 26 (2), Fri 27 (3), weekend, Mon 2 Mar (4),
    # Tue 3 Mar (5 in RO; BG national day, skipped), Wed 4 (6 RO / 5 BG), Thu 5 (7/6),
    # Fri 6 (8/7), weekend, Mon 9 (9/8), Tue 10 (10/9), Wed 11 (-/10).
    assert due_date_for(date(2026, 2, 24), "10bd", "RO") == date(2026, 3, 10)
    assert due_date_for(date(2026, 2, 24), "10bd", "BG") == date(2026, 3, 11)


def test_business_days_from_a_non_working_issue_date() -> None:
    # Issued Sat 28 Feb 2026: the 1st working day after it is Mon 2 Mar; in BG the 2nd is
    # Wed 4 Mar (3 Mar skipped).
    assert add_business_days(date(2026, 2, 28), 1, "BG") == date(2026, 3, 2)
    assert add_business_days(date(2026, 2, 28), 2, "BG") == date(2026, 3, 4)


def test_roll_flag_does_not_change_a_business_day_rule() -> None:
    rule = DueDateRule.business_days_after_issue(10, roll_to_business_day=False)
    assert due_date_for(date(2025, 11, 24), rule, "RO") == date(2025, 12, 9)


# --------------------------------------------------------------------------- parsing


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("30d", DueDateRule.days_after_issue(30)),
        ("0d", DueDateRule.days_after_issue(0)),
        ("eom+15", DueDateRule.days_after_end_of_month(15)),
        ("day 25", DueDateRule.fixed_day_of_next_month(25)),
        ("day 31", DueDateRule.fixed_day_of_next_month(31)),
        ("10bd", DueDateRule.business_days_after_issue(10)),
        ("30d noroll", DueDateRule.days_after_issue(30, roll_to_business_day=False)),
        ("eom+0 noroll", DueDateRule.days_after_end_of_month(0, roll_to_business_day=False)),
        ("day 1 noroll", DueDateRule.fixed_day_of_next_month(1, roll_to_business_day=False)),
        ("366bd noroll", DueDateRule.business_days_after_issue(366, roll_to_business_day=False)),
    ],
)
def test_parse_round_trip(text: str, rule: DueDateRule) -> None:
    assert DueDateRule.parse(text) == rule
    assert str(rule) == text
    assert DueDateRule.parse(str(rule)) == rule


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("  30D ", "30d"),
        ("30 d", "30d"),
        ("EOM + 15", "eom+15"),
        ("Day25", "day 25"),
        ("day   7", "day 7"),
        ("10 BD", "10bd"),
        ("10bd  NoRoll", "10bd noroll"),
    ],
)
def test_parse_is_lenient_about_case_and_spaces(text: str, canonical: str) -> None:
    assert str(DueDateRule.parse(text)) == canonical


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "not understood"),
        ("30", "not understood"),
        ("d30", "not understood"),
        ("30 days", "not understood"),
        ("-5d", "not understood"),
        ("+5d", "not understood"),
        ("eom-5", "not understood"),
        ("eom+", "not understood"),
        ("eom", "not understood"),
        ("day", "not understood"),
        ("1.5d", "not understood"),
        ("30d roll", "not understood"),
        ("30dnoroll", "not understood"),
        ("noroll", "not understood"),
        ("\u0663\u0660d", "not understood"),  # Arabic-Indic digits "30"
        ("day 0", "between 1 and 31, got 0"),
        ("day 32", "between 1 and 31, got 32"),
        ("0bd", "between 1 and 366, got 0"),
        ("367d", "between 0 and 366, got 367"),
        ("eom+400", "between 0 and 366, got 400"),
        ("99999999999d", "between 0 and 366"),
    ],
)
def test_parse_errors(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message) as error:
        DueDateRule.parse(text)
    assert repr(text) in str(error.value)  # the message quotes the spec as written
    if message == "not understood":
        assert '"30d"' in str(error.value) and '"eom+15"' in str(error.value)  # and lists the forms


def test_parse_refuses_non_text() -> None:
    with pytest.raises(TypeError, match="must be a str"):
        DueDateRule.parse(30)  # type: ignore[arg-type]


def test_rule_validation() -> None:
    with pytest.raises(ValueError, match="between 0 and 366, got -1"):
        DueDateRule.days_after_issue(-1)
    with pytest.raises(TypeError, match="must be an int"):
        DueDateRule.days_after_issue(True)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="must be an int"):
        DueDateRule.days_after_issue(30.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="must be a bool"):
        DueDateRule.days_after_issue(30, roll_to_business_day="yes")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="kind must be one of"):
        DueDateRule("weekly", 1)  # type: ignore[arg-type]
    assert DueDateRule("days_after_issue", 30).kind is RuleKind.DAYS_AFTER_ISSUE  # type: ignore[arg-type]
    rule = DueDateRule.days_after_issue(30)
    with pytest.raises(AttributeError):
        rule.n = 31  # type: ignore[misc]
    assert hash(rule) == hash(DueDateRule.parse("30d"))


def test_due_date_input_checks() -> None:
    with pytest.raises(TypeError, match="datetime.date"):
        due_date_for(datetime(2026, 1, 20, 12, 0), "30d", "RO")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="not known to the holidays package"):
        due_date_for(date(2026, 1, 20), "30d", "XX")
    with pytest.raises(ValueError, match="ISO 3166-1"):
        due_date_for(date(2026, 1, 20), "30d", "")
    with pytest.raises(ValueError, match="not understood"):
        due_date_for(date(2026, 1, 20), "thirty days", "RO")
    # Country codes are case-insensitive.
    assert due_date_for(date(2026, 2, 1), "30d", "bg") == date(2026, 3, 4)


# --------------------------------------------------------------------------- rolling, properties

_RULES = st.one_of(
    st.integers(0, 60).map(DueDateRule.days_after_issue),
    st.integers(0, 60).map(DueDateRule.days_after_end_of_month),
    st.integers(1, 31).map(DueDateRule.fixed_day_of_next_month),
    st.integers(1, 30).map(DueDateRule.business_days_after_issue),
)


@settings(max_examples=300, deadline=None)
@given(issue=st.dates(date(2025, 1, 1), date(2028, 12, 31)), rule=_RULES, country=st.sampled_from(["RO", "BG"]))
def test_rolled_due_date_is_the_first_working_day_on_or_after_the_unrolled_one(issue: date, rule: DueDateRule, country: str) -> None:
    unrolled = rule.unrolled_due_date(issue, country)
    due = due_date_for(issue, rule, country)
    assert due >= unrolled >= issue
    assert is_working_day(due, country)
    day = unrolled
    while day < due:
        assert not is_working_day(day, country)
        day += timedelta(days=1)
    flat = DueDateRule(rule.kind, rule.n, roll_to_business_day=False)
    assert due_date_for(issue, flat, country) == unrolled


@settings(max_examples=200, deadline=None)
@given(issue=st.dates(date(2025, 1, 1), date(2028, 12, 31)), n=st.integers(1, 30), country=st.sampled_from(["RO", "BG"]))
def test_business_days_count_exactly_n_working_days(issue: date, n: int, country: str) -> None:
    due = add_business_days(issue, n, country)
    days = [issue + timedelta(days=k) for k in range(1, (due - issue).days + 1)]
    assert sum(is_working_day(day, country) for day in days) == n
    assert is_working_day(due, country)


# --------------------------------------------------------------------------- days of grace

GRACE = GraceDays({"advance": 0, "regularisation": 5, "penalty": 0}, default=3)


def test_grace_days_per_type_and_default() -> None:
    assert GRACE.for_type("advance") == 0
    assert GRACE.for_type(InvoiceKind.REGULARISATION) == 5
    assert GRACE.for_type("penalty") == 0
    assert GRACE.for_type(InvoiceKind.DEVIATION) == 3  # not listed: the default
    assert GRACE.for_type("credit_note") == 3
    assert GraceDays().for_type("advance") == 0
    assert GRACE.types() == ("advance", "penalty", "regularisation")


def test_grace_days_keys_are_invoice_kinds_or_penalty() -> None:
    assert INVOICE_TYPES == {kind.value for kind in InvoiceKind} | {"penalty"}
    assert GraceDays({InvoiceKind.REGULARISATION: 5}) == GraceDays({"regularisation": 5})
    assert hash(GraceDays({InvoiceKind.REGULARISATION: 5})) == hash(GraceDays({"regularisation": 5}))
    with pytest.raises(ValueError, match="unknown invoice type 'interest'"):
        GraceDays({"interest": 5})
    with pytest.raises(ValueError, match="unknown invoice type"):
        GRACE.for_type("Advance")


def test_grace_days_validation_and_immutability() -> None:
    with pytest.raises(ValueError, match="between 0 and 366, got -1"):
        GraceDays({"advance": -1})
    with pytest.raises(TypeError, match="must be an int"):
        GraceDays({"advance": True})
    with pytest.raises(ValueError, match="GraceDays.default must be between 0 and 366"):
        GraceDays(default=400)
    with pytest.raises(TypeError, match="must be a mapping"):
        GraceDays([("advance", 1)])  # type: ignore[arg-type]
    source = {"regularisation": 5}
    grace = GraceDays(source)
    source["regularisation"] = 50  # the caller's dict is copied
    assert grace.for_type("regularisation") == 5
    with pytest.raises(TypeError):
        grace.per_type["regularisation"] = 6  # type: ignore[index]
    with pytest.raises(AttributeError):
        grace.default = 1  # type: ignore[misc]


def test_effective_due_date_and_penalty_start() -> None:
    due = date(2026, 3, 10)
    # regularisation: 5 days of grace -> effective due date 10 + 5 = 15 March; interest from 16 March.
    assert effective_due_date(due, "regularisation", GRACE) == date(2026, 3, 15)
    assert penalty_start(due, "regularisation", GRACE) == date(2026, 3, 16)
    # advance: no grace -> the due date itself; interest from the day after, 11 March.
    assert effective_due_date(due, InvoiceKind.ADVANCE, GRACE) == due
    assert penalty_start(due, InvoiceKind.ADVANCE, GRACE) == date(2026, 3, 11)
    # grace runs over a month end in calendar days and is not rolled: 28 Feb 2026 + 3 (default)
    # = 3 Mar, even though 3 Mar is a Bulgarian holiday.
    assert effective_due_date(date(2026, 2, 28), "deviation", GRACE) == date(2026, 3, 3)
    with pytest.raises(TypeError, match="datetime.date"):
        effective_due_date(datetime(2026, 3, 10), "advance", GRACE)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="GraceDays"):
        effective_due_date(due, "advance", {"advance": 0})  # type: ignore[arg-type]


# --------------------------------------------------------------------------- consistency with late_payment

TERMS = PenaltyTerms.fixed_rate(D("10"), "ACT/365")


def test_five_grace_days_paid_on_the_sixth_day_bear_one_day_of_interest() -> None:
    # Due 2026-03-10, 5 days of grace -> effective due date 15 March. Paid 16 March: late_payment
    # counts the days d with 15 Mar < d <= 16 Mar (interest up to and including the payment day):
    # exactly 1 day, 16 March = penalty_start. 100.00 × 10 % / 365 = 0.0274 -> 0.03.
    due = date(2026, 3, 10)
    effective = effective_due_date(due, "regularisation", GRACE)
    result = penalty_for_invoice(effective, D("100.00"), [Payment(date(2026, 3, 16), D("100.00"))], TERMS, as_of=date(2026, 3, 31))
    assert result.overdue_days == 1
    (segment,) = result.segments
    assert segment.date_from == segment.date_to == penalty_start(due, "regularisation", GRACE) == date(2026, 3, 16)
    assert result.total_penalty == D("0.03")
    # Paid on the last day of grace (15 March): no interest at all.
    on_time = penalty_for_invoice(effective, D("100.00"), [Payment(date(2026, 3, 15), D("100.00"))], TERMS, as_of=date(2026, 3, 31))
    assert on_time.overdue_days == 0 and on_time.total_penalty == D("0.00")
    # Without the grace days the same payment would bear 11..16 March = 6 days.
    no_grace = penalty_for_invoice(due, D("100.00"), [Payment(date(2026, 3, 16), D("100.00"))], TERMS, as_of=date(2026, 3, 31))
    assert no_grace.overdue_days == 6


@settings(max_examples=200, deadline=None)
@given(
    due=st.dates(date(2025, 1, 1), date(2027, 12, 31)),
    grace_days=st.integers(0, 60),
    late_by=st.integers(-10, 90),
)
def test_first_interest_day_is_penalty_start(due: date, grace_days: int, late_by: int) -> None:
    grace = GraceDays({"regularisation": grace_days})
    effective = effective_due_date(due, "regularisation", grace)
    start = penalty_start(due, "regularisation", grace)
    paid = due + timedelta(days=late_by)
    result = penalty_for_invoice(effective, D("100.00"), [Payment(paid, D("100.00"))], TERMS, as_of=paid)
    # Interest days are start .. paid (both included), none when paid before start.
    assert result.overdue_days == max(0, (paid - start).days + 1)
    if result.segments:
        assert result.segments[0].date_from == start
