"""Fast per-period ridge regression on lagged load, calendar and temperature (ARX).

One small linear model per period of day (96 for 15-minute data), all solved at once with
batched normal equations in numpy: a few milliseconds per series, so it scales to thousands
of metering points. Per period, the load of day d is regressed on
- the latest load known at the cutoff (same period on d-1 or d-2), two days and one week
  earlier, whether those days were working days, and the mean load of the part of d-1 known
  at the cutoff (the most recent level);
- the day type (weekday, Saturday, Sunday or holiday) and whether it is a bridge day;
- with `use_temperature`: temperature, its square and cube (and the first two again on
  working days only), 6 h and 24 h smoothed temperature and their squares, the day's mean
  and maximum and their squares, and the lag day's temperature and its square (so the model
  learns how load moves with the change in weather since the lag).

Training uses up to `window_days` before the cutoff, recent days weighted more (half-life
`half_life_days`); columns are standardised and all but the intercept lightly penalised.
Without temperature it is the calendar-only model used when weather is missing.
"""

from __future__ import annotations

import warnings

import numpy as np

from forecasting.calendar import is_non_working
from forecasting.features import day_type_dummies, lagged, temperature_matrices
from forecasting.models.base import FittedModel, Forecaster, ForecastOrigin, residuals_by_day_slot
from forecasting.models.seasonal_naive import SEASON_DAYS


class _FittedRidge(FittedModel):
    """Coefficients for D, and a second set fitted without the calibration days, so the
    residuals that set P10/P90 are out-of-sample errors rather than optimistic in-sample ones."""

    def __init__(self, origin: ForecastOrigin, fit_until, design) -> None:
        self.origin = origin
        self.design = design
        self.fit_until = fit_until
        self.coefficients = fit_until(origin.day)  # slots × features

    def _predict_days(self, days: np.ndarray, coefficients: np.ndarray) -> np.ndarray:
        features, _ = self.design(days, impute=True)
        return np.einsum("sdk,sk->ds", features, coefficients)

    def predict(self) -> np.ndarray:
        by_slot = self._predict_days(np.array([self.origin.day]), self.coefficients)[0]
        return by_slot[self.origin.target_slots]

    def residuals(self) -> tuple[np.ndarray, np.ndarray]:
        days = self.origin.calibration_days()
        if len(days) == 0:
            return np.array([]), np.array([], dtype=int)
        earlier = self.fit_until(int(days[0]))
        return residuals_by_day_slot(self.origin, self._predict_days(days, earlier), days)


class RidgeARX(Forecaster):
    name = "ridge_arx"
    requires_temperature = True
    min_history_days = 28

    def __init__(self, use_temperature: bool = True, window_days: int = 730, half_life_days: float = 120.0, penalty: float = 0.1):
        self.use_temperature = use_temperature
        self.window_days = window_days
        self.half_life_days = half_life_days
        self.penalty = penalty

    def fit(self, origin: ForecastOrigin) -> FittedModel:
        values = origin.known_values
        offsets = origin.lag_offsets
        series = origin.series
        temperature = temperature_matrices(series) if self.use_temperature else None
        morning = offsets == 1

        def design(days: np.ndarray, impute: bool = False) -> tuple[np.ndarray, np.ndarray]:
            """slots × days × features, and which (slot, day) rows are complete."""
            lag_recent = lagged(values, days, offsets)
            lag_two_days = lagged(values, days, np.full_like(offsets, 2))
            lag_week = lagged(values, days, np.full_like(offsets, SEASON_DAYS))
            if impute:
                lag_recent = np.where(np.isnan(lag_recent), lag_week, lag_recent)
                lag_two_days = np.where(np.isnan(lag_two_days), lag_week, lag_two_days)
                lag_week = np.where(np.isnan(lag_week), lag_recent, lag_week)
            slots = values.shape[1]

            def per_day(column: np.ndarray) -> np.ndarray:
                return np.repeat(column.astype(float)[:, None], slots, axis=1)

            recent_day_type = series.day_type[np.clip(days[:, None] - offsets[None, :], 0, None)]
            week_day_type = series.day_type[np.clip(days - SEASON_DAYS, 0, None)]
            columns = [
                np.ones((len(days), slots)),
                lag_recent,
                lag_two_days,
                lag_week,
                is_non_working(recent_day_type).astype(float),
                per_day(is_non_working(week_day_type)),
                per_day(series.is_bridge[days]),
                *np.repeat(day_type_dummies(series.day_type[days])[:, :, None], slots, axis=2).transpose(1, 0, 2),
            ]
            if morning.any():  # the part of D-1 known at the cutoff: the latest level of load
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", RuntimeWarning)
                    columns.append(per_day(np.nanmean(lagged(values, days, offsets)[:, morning], axis=1)))
            if temperature is not None:
                now = temperature.temperature[days]
                then = lagged(temperature.temperature, days, offsets)
                working = per_day(~is_non_working(series.day_type[days]))
                day_mean, day_max = temperature.day_mean[days], temperature.day_max[days]
                columns += [now, now**2, now**3, now * working, now**2 * working]
                for smoothed in temperature.smoothed:
                    columns += [smoothed[days], smoothed[days] ** 2]
                columns += [day_mean, day_mean**2, day_max, day_max**2, then, then**2]
            stacked = np.stack(columns, axis=-1).transpose(1, 0, 2)  # slots × days × features
            complete = ~np.isnan(stacked).any(axis=-1)
            return np.nan_to_num(stacked), complete

        def fit_until(day: int) -> np.ndarray:
            """Coefficients from the training days before `day`."""
            first = max(SEASON_DAYS + 2, day - self.window_days)
            days = np.arange(first, day)
            features, complete = design(days)
            target = values[days].T  # slots × days
            usable = complete & ~np.isnan(target)
            weights = usable * 0.5 ** ((day - days) / self.half_life_days)[None, :]
            return _weighted_ridge(features, np.nan_to_num(target), weights, self.penalty)

        return _FittedRidge(origin, fit_until, design)


class CalendarARX(RidgeARX):
    """The same model without weather: the fallback when temperature is missing."""

    name = "calendar_arx"
    requires_temperature = False

    def __init__(self, window_days: int = 730, half_life_days: float = 120.0, penalty: float = 0.1):
        super().__init__(use_temperature=False, window_days=window_days, half_life_days=half_life_days, penalty=penalty)


def _weighted_ridge(features: np.ndarray, target: np.ndarray, weights: np.ndarray, penalty: float) -> np.ndarray:
    """Per slot: argmin Σ w (y − Xb)² + penalty·‖b[1:]‖² on standardised columns. Returns b in
    the original units (slots × features). Column 0 is the intercept and is not penalised."""
    total = weights.sum(axis=1, keepdims=True)
    total = np.where(total > 0, total, 1.0)
    mean = (weights[:, None, :] @ features)[:, 0, :] / total
    centred = features - mean[:, None, :]
    scale = np.sqrt((weights[:, None, :] @ centred**2)[:, 0, :] / total)
    scale = np.where(scale > 1e-9, scale, 1.0)
    scale[:, 0] = 1.0
    standardised = centred / scale[:, None, :]
    standardised[:, :, 0] = 1.0
    weighted = standardised * weights[:, :, None]
    gram = weighted.transpose(0, 2, 1) @ standardised  # batched BLAS, one matrix per slot
    moment = (weighted.transpose(0, 2, 1) @ target[:, :, None])[:, :, 0]
    regulariser = np.eye(features.shape[2]) * penalty
    regulariser[0, 0] = 1e-9
    solved = np.linalg.solve(gram + regulariser[None], moment[:, :, None])[:, :, 0]
    coefficients = solved / scale
    coefficients[:, 0] = solved[:, 0] - (coefficients[:, 1:] * mean[:, 1:]).sum(axis=1)
    return coefficients
