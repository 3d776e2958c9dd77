"""Fast per-period ridge regression on lagged load, calendar and temperature (ARX).

One small linear model per period of day (96 for 15-minute data), all solved at once with
batched normal equations in numpy: a few milliseconds per series, so it scales to thousands
of metering points. Per period, the load of day d is regressed on
- the latest load known at the cutoff (same period on d-1 or d-2) and one week earlier, and
  whether those days were working days;
- the day type (weekday, Saturday or bridge day, Sunday or holiday);
- with `use_temperature`: temperature, its square and cube, 6 h and 24 h smoothed
  temperature, the day's mean and maximum, and the lag day's temperature and its square
  (so the model learns how load moves with the change in weather since the lag).

Training uses up to `window_days` before the cutoff, recent days weighted more (half-life
`half_life_days`); columns are standardised and all but the intercept lightly penalised.
Without temperature it is the calendar-only model used when weather is missing.
"""

from __future__ import annotations

import numpy as np

from forecasting.features import day_type_dummies, lagged, temperature_matrices
from forecasting.models.base import FittedModel, Forecaster, ForecastOrigin, residuals_by_day_slot
from forecasting.models.seasonal_naive import SEASON_DAYS


class _FittedRidge(FittedModel):
    def __init__(self, origin: ForecastOrigin, coefficients: np.ndarray, design) -> None:
        self.origin = origin
        self.coefficients = coefficients  # slots × features
        self.design = design

    def _predict_days(self, days: np.ndarray) -> np.ndarray:
        features, _ = self.design(days, impute=True)
        return np.einsum("sdk,sk->ds", features, self.coefficients)

    def predict(self) -> np.ndarray:
        by_slot = self._predict_days(np.array([self.origin.day]))[0]
        return by_slot[self.origin.target_slots]

    def residuals(self) -> tuple[np.ndarray, np.ndarray]:
        days = self.origin.calibration_days()
        return residuals_by_day_slot(self.origin, self._predict_days(days), days)


class RidgeARX(Forecaster):
    name = "ridge_arx"
    requires_temperature = True
    min_history_days = 28

    def __init__(self, use_temperature: bool = True, window_days: int = 730, half_life_days: float = 180.0, penalty: float = 1.0):
        self.use_temperature = use_temperature
        self.window_days = window_days
        self.half_life_days = half_life_days
        self.penalty = penalty

    def fit(self, origin: ForecastOrigin) -> FittedModel:
        values = origin.known_values
        offsets = origin.lag_offsets
        series = origin.series
        temperature = temperature_matrices(series) if self.use_temperature else None

        def design(days: np.ndarray, impute: bool = False) -> tuple[np.ndarray, np.ndarray]:
            """slots × days × features, and which (slot, day) rows are complete."""
            lag_recent = lagged(values, days, offsets)
            lag_week = lagged(values, days, np.full_like(offsets, SEASON_DAYS))
            if impute:
                lag_recent = np.where(np.isnan(lag_recent), lag_week, lag_recent)
                lag_week = np.where(np.isnan(lag_week), lag_recent, lag_week)
            recent_day_type = series.day_type[np.clip(days[:, None] - offsets[None, :], 0, None)]
            week_day_type = series.day_type[np.clip(days - SEASON_DAYS, 0, None)]
            slots = values.shape[1]
            columns = [
                np.ones((len(days), slots)),
                lag_recent,
                lag_week,
                (recent_day_type >= 5).astype(float),
                np.repeat((week_day_type >= 5).astype(float)[:, None], slots, axis=1),
            ]
            columns += list(np.repeat(day_type_dummies(series.day_type[days])[:, :, None], slots, axis=2).transpose(1, 0, 2))
            if temperature is not None:
                now = temperature.temperature[days]
                then = lagged(temperature.temperature, days, offsets)
                columns += [now, now**2, now**3]
                columns += [smoothed[days] for smoothed in temperature.smoothed]
                columns += [temperature.day_mean[days], temperature.day_max[days], then, then**2]
            stacked = np.stack(columns, axis=-1).transpose(1, 0, 2)  # slots × days × features
            complete = ~np.isnan(stacked).any(axis=-1)
            return np.nan_to_num(stacked), complete

        first = max(SEASON_DAYS + 2, origin.day - self.window_days)
        days = np.arange(first, origin.day)
        features, complete = design(days)
        target = values[days].T  # slots × days
        usable = complete & ~np.isnan(target)
        weights = usable * 0.5 ** ((origin.day - days) / self.half_life_days)[None, :]
        coefficients = _weighted_ridge(features, np.nan_to_num(target), weights, self.penalty)
        return _FittedRidge(origin, coefficients, design)


class CalendarARX(RidgeARX):
    """The same model without weather: the fallback when temperature is missing."""

    name = "calendar_arx"
    requires_temperature = False

    def __init__(self, window_days: int = 730, half_life_days: float = 180.0, penalty: float = 1.0):
        super().__init__(use_temperature=False, window_days=window_days, half_life_days=half_life_days, penalty=penalty)


def _weighted_ridge(features: np.ndarray, target: np.ndarray, weights: np.ndarray, penalty: float) -> np.ndarray:
    """Per slot: argmin Σ w (y − Xb)² + penalty·‖b[1:]‖² on standardised columns. Returns b in
    the original units (slots × features). Column 0 is the intercept and is not penalised."""
    total = weights.sum(axis=1, keepdims=True)
    total = np.where(total > 0, total, 1.0)
    mean = np.einsum("sd,sdk->sk", weights, features) / total
    centred = features - mean[:, None, :]
    scale = np.sqrt(np.einsum("sd,sdk->sk", weights, centred**2) / total)
    scale = np.where(scale > 1e-9, scale, 1.0)
    scale[:, 0] = 1.0
    standardised = centred / scale[:, None, :]
    standardised[:, :, 0] = 1.0
    gram = np.einsum("sdk,sd,sdl->skl", standardised, weights, standardised)
    moment = np.einsum("sdk,sd,sd->sk", standardised, weights, target)
    regulariser = np.eye(features.shape[2]) * penalty
    regulariser[0, 0] = 1e-9
    solved = np.linalg.solve(gram + regulariser[None], moment[:, :, None])[:, :, 0]
    coefficients = solved / scale
    coefficients[:, 0] = solved[:, 0] - (coefficients[:, 1:] * mean[:, 1:]).sum(axis=1)
    return coefficients
