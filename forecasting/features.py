"""Features shared by the regression models: calendar, temperature with thermal inertia, lags.

Temperature enters as the value in the period, its exponential moving averages (a building
warms and cools slowly: half-lives of 6 and 24 hours), the day's mean and maximum, and the
temperature of the day whose load is used as a lag. Lagged load is only what is known at the
cutoff: for delivery day D, the same slot on D-1 if that slot ended by the cutoff hour, else
D-2 (`ForecastOrigin.lag_offsets`), and the same slot a week earlier.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecasting.series import SeriesFrame

THERMAL_HALF_LIVES_HOURS = (6, 24)
DAY_TYPES = 7


@dataclass(frozen=True)
class TemperatureMatrices:
    """Day × slot temperature features of one series."""

    temperature: np.ndarray
    smoothed: tuple[np.ndarray, ...]  # one per half-life
    day_mean: np.ndarray  # per day, broadcast over slots
    day_max: np.ndarray


def temperature_matrices(series: SeriesFrame) -> TemperatureMatrices:
    """Computed once per series and kept on it."""
    cached = getattr(series, "_temperature_matrices", None)
    if cached is not None:
        return cached
    if series.temperature is None:
        raise ValueError("the series has no temperature")
    long = pd.Series(series.temperature_filled)
    periods_per_hour = 60 / series.spec.freq_minutes
    smoothed = tuple(
        series._day_matrix(long.ewm(halflife=hours * periods_per_hour, ignore_na=True).mean().to_numpy())[0]
        for hours in THERMAL_HALF_LIVES_HOURS
    )
    by_day = series._day_matrix(long.to_numpy())[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN days stay NaN
        day_mean = np.nanmean(by_day, axis=1)
        day_max = np.nanmax(by_day, axis=1)
    slots = series.spec.slots_per_day
    result = TemperatureMatrices(
        temperature=by_day,
        smoothed=smoothed,
        day_mean=np.repeat(day_mean[:, None], slots, axis=1),
        day_max=np.repeat(day_max[:, None], slots, axis=1),
    )
    series._temperature_matrices = result
    return result


def day_type_dummies(day_type: np.ndarray) -> np.ndarray:
    """One column per day type except Monday (the reference): rows × 6."""
    return (day_type[:, None] == np.arange(1, DAY_TYPES)[None, :]).astype(float)


def lagged(matrix: np.ndarray, days: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """matrix[days - offset[slot], slot] for each day in `days` (NaN before the start)."""
    source = days[:, None] - offsets[None, :]
    slots = np.broadcast_to(np.arange(matrix.shape[1]), source.shape)
    valid = source >= 0
    result = np.full(source.shape, np.nan)
    result[valid] = matrix[source[valid], slots[valid]]
    return result
