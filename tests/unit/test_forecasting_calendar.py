"""forecasting.calendar.day_types: weekdays keep 0..4, Saturdays are 5, Sundays, public holidays
and weekdays the series marks as not working are 6. Bridge days (a working weekday squeezed
between a holiday and a weekend or another holiday) keep their weekday and are flagged in
`is_bridge` (calendar.py documents that it no longer turns them into Saturdays).

The holidays and bridge days below are checked against the real calendars by weekday:
2026-01-01 is a Thursday, 2026-01-06 a Tuesday, 2025-05-01 a Thursday, 2026-03-03 a Tuesday.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from forecasting.calendar import SATURDAY, SUNDAY_OR_HOLIDAY, day_types, is_non_working


def dates(*days: str) -> np.ndarray:
    return np.array(days, dtype="datetime64[D]")


def type_of(day: str, country: str | None, flags: np.ndarray | None = None, around: int = 10) -> int:
    """Day type of `day`, computed inside a window of days around it (as a series would)."""
    centre = np.datetime64(day, "D")
    window = centre + np.arange(-around, around + 1)
    day_type, _, _ = day_types(window, country, flags)
    return int(day_type[around])


def test_weekday_numbers_follow_the_calendar() -> None:
    # 2026-06-15 is a Monday (no RO holiday that week: Pentecost was 2026-05-31/06-01).
    week = dates("2026-06-15", "2026-06-16", "2026-06-17", "2026-06-18", "2026-06-19", "2026-06-20", "2026-06-21")
    day_type, is_holiday, is_bridge = day_types(week, "RO")
    assert day_type.tolist() == [0, 1, 2, 3, 4, 5, 6]
    assert not is_holiday.any()
    assert not is_bridge.any()
    # Same week from Python's own calendar, independently.
    assert [dt.date.fromisoformat(str(day)).weekday() for day in week] == [0, 1, 2, 3, 4, 5, 6]


@pytest.mark.parametrize(
    "day, weekday",
    [
        ("2026-01-01", 3),  # New Year, Thursday
        ("2026-01-02", 4),  # New Year (2nd day), Friday
        ("2026-01-07", 2),  # Saint John, Wednesday
        ("2026-12-01", 1),  # National Day, Tuesday
        ("2026-12-25", 4),  # Christmas, Friday
        ("2025-12-26", 4),  # Christmas (2nd day), Friday
        ("2026-04-13", 0),  # Orthodox Easter Monday
    ],
)
def test_romanian_public_holidays_are_sunday_like(day: str, weekday: int) -> None:
    assert dt.date.fromisoformat(day).weekday() == weekday  # a weekday, so only the holiday makes it 6
    day_type, is_holiday, is_bridge = day_types(dates(day), "RO")
    assert day_type.tolist() == [SUNDAY_OR_HOLIDAY]
    assert is_holiday.tolist() == [True]
    assert is_bridge.tolist() == [False]


def test_a_holiday_on_a_saturday_is_sunday_like() -> None:
    # 2026-12-26 (Christmas, 2nd day) is a Saturday.
    assert dt.date(2026, 12, 26).weekday() == 5
    assert type_of("2026-12-26", "RO") == SUNDAY_OR_HOLIDAY


@pytest.mark.parametrize(
    "day, country, why",
    [
        # Monday 2026-01-05: Sunday before, Tuesday 2026-01-06 (Epiphany) after.
        ("2026-01-05", "RO", "Monday before a Tuesday holiday"),
        # Friday 2025-05-02: Thursday 2025-05-01 (Labour Day) before, Saturday after.
        ("2025-05-02", "RO", "Friday after a Thursday holiday"),
        # Friday 2025-01-03: Thursday 2025-01-02 (New Year, 2nd day) before, Saturday after.
        ("2025-01-03", "RO", "Friday after a Thursday holiday"),
        # Monday 2026-03-02: Sunday before, Tuesday 2026-03-03 (Liberation Day) after.
        ("2026-03-02", "BG", "Monday before a Tuesday holiday"),
        # Monday 2026-09-21: Sunday before, Tuesday 2026-09-22 (Independence Day) after.
        ("2026-09-21", "BG", "Monday before a Tuesday holiday"),
    ],
)
def test_bridge_days_are_flagged_and_keep_their_weekday(day: str, country: str, why: str) -> None:
    weekday = dt.date.fromisoformat(day).weekday()
    assert weekday in (0, 4), why
    centre = np.datetime64(day, "D")
    window = centre + np.arange(-3, 4)
    day_type, is_holiday, is_bridge = day_types(window, country)
    assert is_bridge.tolist() == [False, False, False, True, False, False, False], why
    assert day_type[3] == weekday, why
    assert not is_holiday[3]


def test_bridge_day_is_found_even_when_the_holiday_is_outside_the_dates_given() -> None:
    # Only Monday 2026-01-05 is passed; the Tuesday holiday comes from the country calendar.
    day_type, _, is_bridge = day_types(dates("2026-01-05"), "RO")
    assert day_type.tolist() == [0]
    assert is_bridge.tolist() == [True]


def test_non_working_days_are_saturdays_sundays_and_holidays() -> None:
    assert is_non_working(np.array([0, 1, 2, 3, 4, SATURDAY, SUNDAY_OR_HOLIDAY])).tolist() == [False] * 5 + [True, True]


@pytest.mark.parametrize(
    "day, expected",
    [
        # Thursday 2026-01-08 follows Wednesday 2026-01-07 (holiday) but Friday 01-09 is a working day.
        ("2026-01-08", 3),
        # Monday 2026-01-12: an ordinary Monday.
        ("2026-01-12", 0),
        # Tuesday 2026-05-26: an ordinary Tuesday.
        ("2026-05-26", 1),
    ],
)
def test_days_next_to_a_holiday_without_a_gap_to_bridge_keep_their_weekday(day: str, expected: int) -> None:
    assert dt.date.fromisoformat(day).weekday() == expected
    assert type_of(day, "RO") == expected


def test_without_a_country_there_are_no_holidays() -> None:
    # 2026-01-01 is a Thursday and 2026-01-02 a Friday.
    day_type, is_holiday, is_bridge = day_types(dates("2026-01-01", "2026-01-02", "2026-01-03"), None)
    assert day_type.tolist() == [3, 4, 5]
    assert not is_holiday.any() and not is_bridge.any()


def test_a_weekday_the_series_marks_as_not_working_is_sunday_like() -> None:
    # Monday 2026-06-15 .. Sunday 2026-06-21; the series says Wednesday was not a working day.
    week = dates("2026-06-15", "2026-06-16", "2026-06-17", "2026-06-18", "2026-06-19", "2026-06-20", "2026-06-21")
    flags = np.array([1, 1, 0, 1, 1, 0, 0], dtype=float)
    day_type, is_holiday, is_bridge = day_types(week, "RO", flags)
    # Wednesday → 6. Tuesday and Thursday sit between it and a working day: no bridge.
    assert day_type.tolist() == [0, 1, 6, 3, 4, 5, 6]
    assert is_holiday.tolist() == [False, False, True, False, False, False, False]
    assert not is_bridge.any()


def test_a_series_holiday_on_a_thursday_makes_the_friday_a_bridge_day() -> None:
    # Thursday 2026-06-18 marked as not working → Friday 2026-06-19 is squeezed against the weekend.
    week = dates("2026-06-15", "2026-06-16", "2026-06-17", "2026-06-18", "2026-06-19", "2026-06-20", "2026-06-21")
    flags = np.array([1, 1, 1, 0, 1, np.nan, np.nan])
    day_type, _, is_bridge = day_types(week, None, flags)
    assert day_type.tolist() == [0, 1, 2, 6, 4, 5, 6]
    assert is_bridge.tolist() == [False, False, False, False, True, False, False]


def test_unknown_working_day_flags_change_nothing() -> None:
    week = dates("2026-06-15", "2026-06-16", "2026-06-17")
    day_type, is_holiday, _ = day_types(week, "RO", np.full(3, np.nan))
    assert day_type.tolist() == [0, 1, 2]
    assert not is_holiday.any()
