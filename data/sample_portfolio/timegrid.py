"""Calendar arithmetic: local months, UTC interval grids and their local-time attributes (DST-safe).

All instants are integer seconds since the Unix epoch in UTC. A month grid holds every
quarter-hour of one local calendar month of one market: on the spring daylight-saving day
it has 92 quarter-hours, on the autumn day 100. Hourly grids are every fourth slot, because
local months start at a whole UTC hour in the supported time zones.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
import numpy as np

SLOT_SECONDS = 900
DAY_WORKING, DAY_SATURDAY, DAY_SUNDAY_OR_HOLIDAY = 0, 1, 2


@dataclass(frozen=True, order=True)
class Month:
    """A calendar month, `YYYY-MM`."""

    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        """Parse `YYYY-MM`; raises ValueError on anything else."""
        parts = text.split("-")
        if len(parts) != 2 or len(parts[0]) != 4 or len(parts[1]) != 2 or not all(p.isdigit() for p in parts):
            raise ValueError(f"month must be YYYY-MM, got {text!r}")
        year, month = int(parts[0]), int(parts[1])
        if not 1 <= month <= 12:
            raise ValueError(f"month must be YYYY-MM, got {text!r}")
        return cls(year, month)

    @property
    def label(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def ordinal(self) -> int:
        """Months since year 0; a stable key for random streams."""
        return self.year * 12 + self.month - 1

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last_day(self) -> date:
        return self.plus(1).first_day - timedelta(days=1)

    @property
    def days(self) -> int:
        return self.last_day.day

    def plus(self, months: int) -> Month:
        index = self.ordinal + months
        return Month(index // 12, index % 12 + 1)

    def contains(self, day: date) -> bool:
        return (day.year, day.month) == (self.year, self.month)


def month_of(day: date) -> Month:
    """The month a date falls in."""
    return Month(day.year, day.month)


def local_midnight_utc(day: date, timezone: str) -> int:
    """UTC epoch seconds of local midnight starting `day` (midnight is never ambiguous in EU zones)."""
    return int(datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(timezone)).timestamp())


def local_time_utc(day: date, hour: int, timezone: str) -> int:
    """UTC epoch seconds of `day` at `hour`:00 local time."""
    return int(datetime(day.year, day.month, day.day, hour, tzinfo=ZoneInfo(timezone)).timestamp())


def utc_offsets(utc_seconds: np.ndarray, timezone: str) -> np.ndarray:
    """UTC offset in seconds of each instant in `timezone` (offsets only change on whole hours)."""
    zone = ZoneInfo(timezone)
    hours, inverse = np.unique(np.asarray(utc_seconds, dtype=np.int64) // 3600, return_inverse=True)
    per_hour = np.array(
        [int(datetime.fromtimestamp(int(h) * 3600, zone).utcoffset().total_seconds()) for h in hours],
        dtype=np.int64,
    )
    return per_hour[inverse.reshape(-1)]


def offset_text(offset_seconds: np.ndarray) -> np.ndarray:
    """`+03:00`-style suffixes for offsets in seconds."""
    offsets = np.asarray(offset_seconds, dtype=np.int64)
    cache: dict[int, str] = {}
    for value in np.unique(offsets):
        sign = "+" if value >= 0 else "-"
        minutes = abs(int(value)) // 60
        cache[int(value)] = f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"
    return np.array([cache[int(v)] for v in offsets], dtype=object)


def iso_local(utc_seconds: np.ndarray, timezone: str) -> np.ndarray:
    """ISO 8601 local timestamps with offset, e.g. `2026-03-29T04:00:00+03:00`, as an object array."""
    utc = np.asarray(utc_seconds, dtype=np.int64)
    offsets = utc_offsets(utc, timezone)
    local = np.datetime_as_string((utc + offsets).astype("datetime64[s]"), unit="s").astype(object)
    return local + offset_text(offsets)


@lru_cache(maxsize=None)
def holiday_dates(country_code: str, first_year: int, last_year: int) -> np.ndarray:
    """Public holidays of a country (the `holidays` package), as sorted `datetime64[D]`."""
    days = holidays.country_holidays(country_code, years=range(first_year, last_year + 1))
    return np.array(sorted(days.keys()), dtype="datetime64[D]")


@dataclass(frozen=True)
class MonthGrid:
    """Every quarter-hour of one local month of one market, with its local attributes."""

    market_code: str
    timezone: str
    month: Month
    utc: np.ndarray  # int64 epoch seconds of each slot start
    offset: np.ndarray  # int64 UTC offset in seconds
    local_day: np.ndarray  # datetime64[D] local date
    local_hour: np.ndarray  # int64 0..23
    local_minute: np.ndarray  # int64 0, 15, 30, 45
    day_type: np.ndarray  # int8: DAY_WORKING, DAY_SATURDAY or DAY_SUNDAY_OR_HOLIDAY
    iso: np.ndarray  # object array of ISO local timestamps with offset

    @property
    def slots(self) -> int:
        return len(self.utc)

    def interval_slots(self, interval_minutes: int) -> np.ndarray:
        """Grid slot indices that start an interval of the given length (15 or 60)."""
        return np.arange(0, self.slots, interval_minutes // 15, dtype=np.int64)

    def first_slot_at(self, utc_seconds: int) -> int:
        """Index of the first slot at or after an instant."""
        return int(np.searchsorted(self.utc, utc_seconds, side="left"))

    def day_slots(self, day: date) -> np.ndarray:
        """Slot indices of one local date."""
        return np.flatnonzero(self.local_day == np.datetime64(day, "D"))


def build_month_grid(market_code: str, timezone: str, holiday_country: str, month: Month) -> MonthGrid:
    """The quarter-hour grid of a local month; weekends and the country's public holidays are typed."""
    start = local_midnight_utc(month.first_day, timezone)
    end = local_midnight_utc(month.plus(1).first_day, timezone)
    utc = np.arange(start, end, SLOT_SECONDS, dtype=np.int64)
    offset = utc_offsets(utc, timezone)
    local_seconds = utc + offset
    local_day = local_seconds.astype("datetime64[s]").astype("datetime64[D]")
    seconds_of_day = local_seconds % 86400
    weekday = (local_day.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0
    holiday = np.isin(local_day, holiday_dates(holiday_country, month.year - 1, month.year + 1))
    day_type = np.full(len(utc), DAY_WORKING, dtype=np.int8)
    day_type[weekday == 5] = DAY_SATURDAY
    day_type[(weekday == 6) | holiday] = DAY_SUNDAY_OR_HOLIDAY
    iso = np.datetime_as_string(local_seconds.astype("datetime64[s]"), unit="s").astype(object) + offset_text(offset)
    return MonthGrid(
        market_code=market_code,
        timezone=timezone,
        month=month,
        utc=utc,
        offset=offset,
        local_day=local_day,
        local_hour=seconds_of_day // 3600,
        local_minute=(seconds_of_day % 3600) // 60,
        day_type=day_type,
        iso=iso,
    )
