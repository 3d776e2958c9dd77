"""Tao Hong's vanilla benchmark: multiple linear regression on calendar and temperature.

    load = β·trend + month + day type × period + (T + T² + T³) × month + (T + T² + T³) × period

(Hong, Gui, Baran, Willis 2010; the GEFCom2012 benchmark), with the period of day in place of
the hour when the series is finer than hourly and holidays as Sundays. No lagged load: it forecasts from calendar and weather alone. Fitted by ordinary
least squares in statsmodels (pseudo-inverse); terms for months or day types absent from the
history drop out.
"""

from __future__ import annotations

import numpy as np
import statsmodels.api as sm

from forecasting.features import DAY_TYPES
from forecasting.models.base import CALIBRATION_DAYS, Forecaster, ForecastOrigin, RowwiseFit


MIN_DAYS_PER_MONTH = 21


def _one_hot(codes: np.ndarray, size: int) -> np.ndarray:
    return (codes[:, None] == np.arange(size)[None, :]).astype(float)


class _FittedVanilla(RowwiseFit):
    def __init__(self, origin: ForecastOrigin, result, design, calibration_rows: np.ndarray) -> None:
        super().__init__(origin, calibration_rows)
        self.result = result
        self.design = design

    def predict_rows(self, rows: np.ndarray) -> np.ndarray:
        return self.result.predict(self.design(rows))


def _months_with_enough_history(month: np.ndarray, day_number: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Each row's month, or the nearest month (cyclically) with `MIN_DAYS_PER_MONTH` days of
    history: with one year of data, a month seen for two days would otherwise get its own
    cubic temperature curve fitted to two days."""
    days_per_month = np.array([len(np.unique(day_number[rows][month[rows] == m])) for m in range(12)])
    usable = np.flatnonzero(days_per_month >= MIN_DAYS_PER_MONTH)
    if len(usable) == 0:
        return np.zeros_like(month)
    distance = np.abs(np.arange(12)[:, None] - usable[None, :])
    nearest = usable[np.minimum(distance, 12 - distance).argmin(axis=1)]
    return nearest[month]


class VanillaLinear(Forecaster):
    name = "vanilla_linear"
    requires_temperature = True
    min_history_days = 56

    def __init__(self, window_days: int = 3 * 365):
        self.window_days = window_days

    def fit(self, origin: ForecastOrigin) -> FittedModel:
        series = origin.series
        slots = series.spec.slots_per_day
        day_type = series.day_type[series.day_number]
        calendar_month = series.local_time.month.to_numpy() - 1
        temperature = series.temperature
        mean_temperature = np.nanmean(temperature[: origin.target_rows[0]])

        def full_design(rows: np.ndarray) -> np.ndarray:
            t = temperature[rows] - mean_temperature
            polynomial = np.stack([t, t**2, t**3], axis=1)
            months = _one_hot(month[rows], 12)
            periods = _one_hot(series.slot[rows], slots)
            day_period = _one_hot(day_type[rows] * slots + series.slot[rows], DAY_TYPES * slots)
            # Full day type × period dummies stand in for the intercept, so the month and the
            # temperature × period terms each drop their first level to stay identifiable.
            parts = [
                series.day_number[rows, None] / 365.0,
                months[:, 1:],
                day_period,
                (polynomial[:, :, None] * months[:, None, :]).reshape(len(rows), -1),
                (polynomial[:, :, None] * periods[:, None, 1:]).reshape(len(rows), -1),
            ]
            return np.concatenate(parts, axis=1)

        first_day = max(0, origin.day - self.window_days)
        rows = np.flatnonzero(
            (series.day_number >= first_day)
            & (series.index < origin.cutoff)
            & ~np.isnan(series.value)
            & ~np.isnan(temperature)
        )
        month = _months_with_enough_history(calendar_month, series.day_number, rows)
        training = full_design(rows)
        present = training.any(axis=0)  # months, day types and periods absent from the history drop out

        def design(rows: np.ndarray) -> np.ndarray:
            return full_design(rows)[:, present]

        result = sm.OLS(series.value[rows], training[:, present]).fit()
        calibration_start = origin.day - CALIBRATION_DAYS
        calibration_rows = rows[series.day_number[rows] >= calibration_start]
        return _FittedVanilla(origin, result, design, calibration_rows)
