"""Day types for load forecasting: weekdays, public holidays and bridge days of a country.

Holidays come from the `holidays` package. A bridge day is a working weekday squeezed
between a holiday and a weekend or another holiday (the Friday after a Thursday holiday,
the Monday before a Tuesday holiday). Some businesses close on them, some do not, so bridge
days keep their weekday and are flagged separately: models learn the effect from the history
instead of being told a bridge day is a Saturday (on the Victorian benchmark that assumption
cost 0.1 point of MAPE).

Day types, used by every model that needs a calendar:

    0 Monday · 1 Tuesday · 2 Wednesday · 3 Thursday · 4 Friday · 5 Saturday ·
    6 Sunday or public holiday (or any weekday the series itself marks as not a working day)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import holidays
import numpy as np

SATURDAY = 5
SUNDAY_OR_HOLIDAY = 6
DAY_TYPE_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday_or_holiday")


def is_non_working(day_type: np.ndarray) -> np.ndarray:
    """Saturdays, Sundays and holidays."""
    return np.asarray(day_type) >= SATURDAY


def public_holidays(country: str | None, years: Iterable[int]) -> set[dt.date]:
    """Public holidays of `country` (ISO 3166 code, optionally 'AU-VIC' style with a subdivision)."""
    if not country:
        return set()
    code, _, subdivision = country.partition("-")
    calendar = holidays.country_holidays(code.upper(), subdiv=subdivision or None, years=sorted(set(years)))
    return set(calendar.keys())


def day_types(
    dates: np.ndarray,
    country: str | None,
    working_day_flags: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Day type, public-holiday flag and bridge-day flag for each date (numpy datetime64[D]).

    When `working_day_flags` is given (1 working, 0 not, NaN unknown), a weekday marked as not
    working counts as a holiday: the series' own calendar wins over the country's.
    """
    dates = np.asarray(dates, dtype="datetime64[D]")
    weekday = (dates.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday
    python_dates = dates.astype(dt.date)
    years = {day.year for day in python_dates} | {day.year + 1 for day in python_dates} | {day.year - 1 for day in python_dates}
    holiday_set = public_holidays(country, years) if len(dates) else set()
    is_holiday = np.array([day in holiday_set for day in python_dates], dtype=bool)
    if working_day_flags is not None:
        flags = np.asarray(working_day_flags, dtype=float)
        is_holiday |= (flags == 0) & (weekday < SATURDAY)
        is_holiday &= ~(flags == 1)
    is_bridge = _bridge_days(dates, weekday, is_holiday, holiday_set)
    day_type = weekday.copy()
    day_type[is_holiday] = SUNDAY_OR_HOLIDAY
    return day_type, is_holiday, is_bridge


def _bridge_days(dates: np.ndarray, weekday: np.ndarray, is_holiday: np.ndarray, holiday_set: set[dt.date]) -> np.ndarray:
    """A working weekday with a non-working day on one side and a holiday on the other."""
    holiday_days = {np.datetime64(day, "D") for day in holiday_set} | set(dates[is_holiday])

    def non_working(day: np.datetime64) -> bool:
        return day in holiday_days or (int(day.astype(np.int64)) + 3) % 7 >= SATURDAY

    bridge = np.zeros(len(dates), dtype=bool)
    for position, day in enumerate(dates):
        if weekday[position] >= SATURDAY or is_holiday[position]:
            continue
        before, after = day - 1, day + 1
        if (before in holiday_days and non_working(after)) or (after in holiday_days and non_working(before)):
            bridge[position] = True
    return bridge
