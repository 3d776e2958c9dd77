"""One time series ready for day-ahead forecasting: regular UTC grid, local days, quality flags.

A `SeriesFrame` holds a series on a regular UTC grid (interval-start convention) and the same
data laid out as a local-day × period-of-day matrix, so models can look up "the same period
one week earlier" across daylight-saving changes. Period of day (slot) is the local wall-clock
time: on a 23-hour day one hour of slots is empty; on a 25-hour day the repeated hour's two
intervals share a slot (the matrix holds their mean; the long form keeps both).

Cleaning never drops a row: gaps stay NaN; outliers, and negative values in a series that is
almost never negative, are set to NaN in the
`value` used for training (the raw value is kept) and counted in `quality`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from forecasting.calendar import day_types

SUPPORTED_FREQUENCIES = {"15min": 15, "30min": 30, "60min": 60, "1h": 60, "h": 60}
OUTLIER_MAD_MULTIPLE = 10.0
OUTLIER_WINDOW_DAYS = 28
OUTLIER_MEDIAN_SHARE = 0.1
TEMPERATURE_GAP_LIMIT = 6  # periods of missing temperature interpolated over (inside the series only)
NEGATIVE_ERROR_SHARE = 0.01


@dataclass(frozen=True)
class SeriesSpec:
    """How to read a series: its resolution, market time zone, holiday country and cutoff."""

    freq_minutes: int
    timezone: str
    country: str | None = None
    cutoff_hour: int = 12

    def __post_init__(self) -> None:
        if self.freq_minutes not in (15, 30, 60):
            raise ValueError(f"resolution must be 15, 30 or 60 minutes, not {self.freq_minutes}")
        if not 0 <= self.cutoff_hour <= 23:
            raise ValueError(f"cutoff hour must be 0-23, not {self.cutoff_hour}")

    @property
    def slots_per_day(self) -> int:
        return 24 * 60 // self.freq_minutes

    @property
    def freq(self) -> pd.Timedelta:
        return pd.Timedelta(minutes=self.freq_minutes)

    def cutoff_utc(self, delivery_date: dt.date) -> pd.Timestamp:
        """The last instant whose data a forecast for `delivery_date` may use (exclusive)."""
        local = pd.Timestamp(delivery_date - dt.timedelta(days=1)) + pd.Timedelta(hours=self.cutoff_hour)
        return local.tz_localize(self.timezone, nonexistent="shift_forward", ambiguous=False).tz_convert("UTC")

    def day_bounds_utc(self, delivery_date: dt.date) -> tuple[pd.Timestamp, pd.Timestamp]:
        """UTC start (inclusive) and end (exclusive) of a local delivery day: 23, 24 or 25 hours."""
        start = pd.Timestamp(delivery_date).tz_localize(self.timezone).tz_convert("UTC")
        end = pd.Timestamp(delivery_date + dt.timedelta(days=1)).tz_localize(self.timezone).tz_convert("UTC")
        return start, end

    def delivery_index(self, delivery_date: dt.date) -> pd.DatetimeIndex:
        start, end = self.day_bounds_utc(delivery_date)
        return pd.date_range(start, end, freq=self.freq, inclusive="left", name="timestamp")


def parse_frequency(text: str) -> int:
    try:
        return SUPPORTED_FREQUENCIES[text.strip().lower()]
    except KeyError:
        raise ValueError(f"frequency must be one of 15min, 30min, 60min, not {text!r}") from None


@dataclass
class SeriesQuality:
    """What cleaning found; carried into forecast flags and asset metadata."""

    missing_values: int = 0
    negative_values: int = 0
    outliers: int = 0
    missing_temperature: int = 0

    def flags(self) -> list[str]:
        found = []
        if self.missing_values:
            found.append(f"gaps:{self.missing_values}")
        if self.negative_values:
            found.append(f"negative_values_ignored:{self.negative_values}")
        if self.outliers:
            found.append(f"outliers_ignored:{self.outliers}")
        return found


@dataclass
class SeriesFrame:
    """A series on a regular grid, in long (per interval) and matrix (day × slot) form."""

    spec: SeriesSpec
    index: pd.DatetimeIndex  # UTC, regular, interval start
    raw_value: np.ndarray
    value: np.ndarray  # cleaned: NaN where missing, negative or an outlier
    temperature: np.ndarray | None
    working_day: np.ndarray | None  # per interval, 1/0/NaN, as delivered
    quality: SeriesQuality = field(default_factory=SeriesQuality)

    def __post_init__(self) -> None:
        tz = self.spec.timezone
        local = self.index.tz_convert(tz)
        self.local_time = local.tz_localize(None)
        self.local_date = self.local_time.values.astype("datetime64[D]")
        self.slot = ((local.hour * 60 + local.minute) // self.spec.freq_minutes).to_numpy()
        self.first_date = self.local_date[0]
        self.day_number = (self.local_date - self.first_date).astype(np.int64)
        self.days = int(self.day_number[-1]) + 1
        self.dates = self.first_date + np.arange(self.days)
        working = None
        if self.working_day is not None:
            working = self._day_matrix(self.working_day)[0]
            working = np.nanmax(np.where(np.isnan(working), -np.inf, working), axis=1)
            working[np.isinf(working)] = np.nan
        self.day_type, self.is_holiday, self.is_bridge = day_types(self.dates, self.spec.country, working)
        self.values_by_day, _ = self._day_matrix(self.value)
        self.temperature_by_day = None if self.temperature is None else self._day_matrix(self.temperature)[0]
        # UTC start (ns) of each day × slot cell; the later occurrence wins on a 25-hour day, so a
        # cell counts as known only when all of its intervals are.
        cell_start = np.full((self.days, self.spec.slots_per_day), np.iinfo(np.int64).max, dtype=np.int64)
        cell_start[self.day_number, self.slot] = self.index.asi8
        self.cell_start_ns = cell_start

    def _day_matrix(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Mean of the values per local day and slot (NaN where none is known)."""
        shape = (self.days, self.spec.slots_per_day)
        sums = np.zeros(shape)
        counts = np.zeros(shape)
        known = ~np.isnan(values)
        np.add.at(sums, (self.day_number[known], self.slot[known]), values[known])
        np.add.at(counts, (self.day_number[known], self.slot[known]), 1)
        with np.errstate(invalid="ignore"):
            return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan), counts

    def day_position(self, delivery_date: dt.date) -> int:
        return int((np.datetime64(delivery_date, "D") - self.first_date).astype(np.int64))

    def rows_of_day(self, delivery_date: dt.date) -> np.ndarray:
        return np.flatnonzero(self.local_date == np.datetime64(delivery_date, "D"))

    def known_before(self, cutoff: pd.Timestamp) -> np.ndarray:
        """Boolean day × slot matrix: the cell's interval(s) ended at or before the cutoff."""
        end_ns = self.cell_start_ns + self.spec.freq.value
        return (self.cell_start_ns != np.iinfo(np.int64).max) & (end_ns <= cutoff.value)

    def history_days_before(self, cutoff: pd.Timestamp) -> int:
        known = self.known_before(cutoff) & ~np.isnan(self.values_by_day)
        return int(known.any(axis=1).sum())

    @property
    def has_temperature(self) -> bool:
        return self.temperature is not None

    @cached_property
    def temperature_filled(self) -> np.ndarray | None:
        """Temperature with gaps of up to `TEMPERATURE_GAP_LIMIT` periods inside the series
        interpolated: what the features use, computed once per series."""
        if self.temperature is None:
            return None
        return pd.Series(self.temperature).interpolate(limit=TEMPERATURE_GAP_LIMIT, limit_direction="both", limit_area="inside").to_numpy()


def build_series_frame(
    frame: pd.DataFrame,
    spec: SeriesSpec,
    extend_to: dt.date | None = None,
) -> SeriesFrame:
    """Put a frame with `timestamp` (tz-aware) and `value` (plus optional `temperature`,
    `is_working_day`) on a regular grid covering whole local days, through `extend_to`.

    A timestamp given twice keeps its last value. A timestamp off the grid raises ValueError
    naming it.
    """
    if frame.empty:
        raise ValueError("the series is empty")
    timestamps = pd.DatetimeIndex(frame["timestamp"])
    if timestamps.tz is None:
        raise ValueError("timestamps must carry a UTC offset or time zone")
    timestamps = timestamps.tz_convert("UTC").as_unit("ns")
    first_day = timestamps.min().tz_convert(spec.timezone).date()
    last_day = timestamps.max().tz_convert(spec.timezone).date()
    if extend_to is not None and extend_to > last_day:
        last_day = extend_to
    start, _ = spec.day_bounds_utc(first_day)
    _, end = spec.day_bounds_utc(last_day)
    # The grid starts at local midnight, which is not a whole hour of UTC in every time zone.
    off_grid = ((timestamps.asi8 - start.as_unit("ns").value) % spec.freq.value) != 0
    if off_grid.any():
        first = timestamps[off_grid.argmax()]
        raise ValueError(f"timestamp {first.isoformat()} is not on the {spec.freq_minutes}-minute grid")
    data = frame.assign(timestamp=timestamps).drop_duplicates("timestamp", keep="last").set_index("timestamp").sort_index()
    grid = pd.date_range(start, end, freq=spec.freq, inclusive="left", name="timestamp").as_unit("ns")
    data = data.reindex(grid)
    raw_value = pd.to_numeric(data["value"], errors="coerce").to_numpy(dtype=float)
    temperature = None
    if "temperature" in data.columns:
        temperature = pd.to_numeric(data["temperature"], errors="coerce").to_numpy(dtype=float)
        if np.isnan(temperature).all():
            temperature = None
    working = None
    if "is_working_day" in data.columns:
        working = pd.to_numeric(data["is_working_day"], errors="coerce").to_numpy(dtype=float)
    local = grid.tz_convert(spec.timezone)
    local_day = (local.tz_localize(None).values.astype("datetime64[D]") - np.datetime64(first_day, "D")).astype(np.int64)
    value, quality = clean_values(raw_value, local_day, ((local.hour * 60 + local.minute) // spec.freq_minutes).to_numpy(), spec)
    if temperature is not None:
        quality.missing_temperature = int(np.isnan(temperature).sum())
    return SeriesFrame(spec, grid, raw_value, value, temperature, working, quality)


def clean_values(raw: np.ndarray, local_day: np.ndarray, slot: np.ndarray, spec: SeriesSpec) -> tuple[np.ndarray, SeriesQuality]:
    """NaN for negative values and for outliers far from the same slot's recent median.

    The median and the median absolute deviation are taken per period of day over the
    previous `OUTLIER_WINDOW_DAYS` days up to and including the value's own day (trailing,
    never centred), so whether a value counts as an outlier never depends on later data.
    Gaps are counted up to the last known value (the days being forecast are not gaps).
    """
    value = raw.copy()
    known = np.flatnonzero(~np.isnan(raw))
    quality = SeriesQuality(missing_values=int(np.isnan(raw[: known[-1] + 1]).sum()) if len(known) else 0)
    negative = value < 0
    # A few negative readings in a consumption series are errors; a series that is often
    # negative is a net (prosumer) series, where negative is real and kept.
    if negative.sum() <= NEGATIVE_ERROR_SHARE * max(len(known), 1):
        quality.negative_values = int(negative.sum())
        value[negative] = np.nan
    days = int(local_day.max()) + 1
    by_day = np.full((days, spec.slots_per_day), np.nan)
    by_day[local_day, slot] = value  # on a 25-hour day the repeated hour's later value stands in
    trailing = pd.DataFrame(by_day).rolling(OUTLIER_WINDOW_DAYS, min_periods=7)
    median = trailing.median().to_numpy()
    mad = pd.DataFrame(np.abs(by_day - median)).rolling(OUTLIER_WINDOW_DAYS, min_periods=7).median().to_numpy()
    median_long, mad_long = median[local_day, slot], mad[local_day, slot]
    # A floor of 10 % of the median: weekend mornings sit far from a weekday-dominated median
    # without being wrong, so only a value more than double (or less than zero of) its usual
    # level is taken out.
    scale = np.maximum(mad_long, 1e-9 + OUTLIER_MEDIAN_SHARE * np.abs(median_long))
    with np.errstate(invalid="ignore"):
        outlier = (np.abs(value - median_long) > OUTLIER_MAD_MULTIPLE * scale) & ~np.isnan(median_long)
    quality.outliers = int(outlier.sum())
    value[outlier] = np.nan
    return value, quality
