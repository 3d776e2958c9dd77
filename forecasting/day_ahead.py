"""Forecast one delivery day of one series with one model, falling back when it cannot.

The chosen model runs first. If it cannot forecast this origin (no weather forecast, too little
history, a lag it needs is missing, or its fit fails numerically), the next model of the
fallback chain runs: the calendar-only model, then seasonal naive, then the latest known day's
profile. Every forecast says which model produced it and, when it is not the chosen one, why.
Nothing here raises for bad data: a series with no history at all gets NaN and says so.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from forecasting import models
from forecasting.models.base import FittedModel, ForecastOrigin, ModelNotApplicable
from forecasting.quantiles import quantile_band
from forecasting.series import SeriesFrame

LAST_RESORT = "latest_known_day"
NO_FORECAST = "none"


@dataclass
class DayForecast:
    """P10/P50/P90 for every interval of the delivery day, and where they came from."""

    delivery_date: dt.date
    timestamps: pd.DatetimeIndex  # UTC interval starts
    local_times: pd.DatetimeIndex  # naive local wall-clock
    p10: np.ndarray
    p50: np.ndarray
    p90: np.ndarray
    model_name: str
    fallback_reason: str | None = None
    flags: list[str] = field(default_factory=list)
    fit_seconds: float = 0.0
    predict_seconds: float = 0.0
    fitted: FittedModel | None = field(default=None, repr=False)

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "delivery_date": self.delivery_date,
                "period_start_utc": self.timestamps,
                "period_start_local": self.local_times,
                "p10": self.p10,
                "p50": self.p50,
                "p90": self.p90,
                "model_name": self.model_name,
                "fallback_reason": self.fallback_reason,
                "flags": ";".join(self.flags) or None,
            }
        )


def run_model(model: models.Forecaster, origin: ForecastOrigin, fitted: FittedModel | None = None) -> DayForecast:
    """Fit and predict with one model; raises ModelNotApplicable when it cannot.

    With `fitted` (a model fitted at an earlier origin), only the prediction runs: backtests
    refit slow models weekly this way. It uses less information than a refit, never more.
    """
    model.check(origin)
    started = time.perf_counter()
    try:
        if fitted is None:
            fitted = model.fit(origin)
            fit_done = time.perf_counter()
            point = fitted.predict()
        else:
            fit_done = time.perf_counter()
            point = fitted.predict_for(origin)
        residuals, residual_hours = fitted.residuals()
    except (ArithmeticError, ValueError, np.linalg.LinAlgError, RuntimeError) as error:
        raise ModelNotApplicable(f"{type(error).__name__}: {error}") from error
    predict_done = time.perf_counter()
    if np.isnan(point).any():
        raise ModelNotApplicable(f"{int(np.isnan(point).sum())} periods without the lagged values the model needs")
    series = origin.series
    rows = origin.target_rows
    hours = series.local_time[rows].hour.to_numpy()
    non_negative = bool(np.nanmin(series.raw_value[: rows[0]], initial=0.0) >= 0)
    p10, point, p90 = quantile_band(point, hours, residuals, residual_hours, non_negative)
    forecast = DayForecast(
        delivery_date=origin.delivery_date,
        timestamps=series.index[rows],
        local_times=series.local_time[rows],
        p10=p10,
        p50=point,
        p90=p90,
        model_name=model.name,
        fit_seconds=fit_done - started,
        predict_seconds=predict_done - fit_done,
    )
    forecast.fitted = fitted
    return forecast


def forecast_day(
    series: SeriesFrame,
    delivery_date: dt.date,
    model_name: str,
    fallback_chain: Sequence[str] = models.FALLBACK_CHAIN,
) -> DayForecast:
    """The chosen model's forecast, or the first fallback that can forecast, with the reason."""
    origin = ForecastOrigin.at(series, delivery_date)
    reasons: list[str] = []
    for name in [model_name, *[name for name in fallback_chain if name != model_name]]:
        try:
            forecast = run_model(models.build(name), origin)
        except ModelNotApplicable as not_applicable:
            reasons.append(f"{name}: {not_applicable.reason}")
            continue
        forecast.fallback_reason = "; ".join(reasons) or None
        forecast.flags = series.quality.flags()
        return forecast
    forecast = _latest_known_day(origin)
    reasons.append(f"{forecast.model_name} used" if forecast.model_name == LAST_RESORT else "no history at all")
    forecast.fallback_reason = "; ".join(reasons)
    forecast.flags = series.quality.flags()
    return forecast


def _latest_known_day(origin: ForecastOrigin) -> DayForecast:
    """Each slot's latest value known at the cutoff; NaN where the series never had one."""
    series = origin.series
    values = origin.known_values[: origin.day]
    latest = np.full(values.shape[1], np.nan)
    for slot in range(values.shape[1]):
        known = np.flatnonzero(~np.isnan(values[:, slot]))
        if len(known):
            latest[slot] = values[known[-1], slot]
    point = latest[origin.target_slots]
    name = LAST_RESORT if not np.isnan(point).all() else NO_FORECAST
    rows = origin.target_rows
    return DayForecast(origin.delivery_date, series.index[rows], series.local_time[rows], point, point, point, name)
