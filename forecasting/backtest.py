"""Day-ahead backtest with a rolling origin, and model choice by its result.

For every delivery day D in the test window each model is refitted on what was known at the
cutoff (12:00 local on D-1 by default) and forecasts every period of D: 23, 24 or 25 hours.
Metrics (`forecasting.metrics`) are computed over all test periods per model, with the
skill measured against seasonal naive on the same periods. A model that cannot forecast
some day (no weather, too little history) is reported with the reason; only models that
forecast every test day can be chosen, and the one with the lowest MAE is.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from forecasting import models
from forecasting.day_ahead import run_model
from forecasting.metrics import accuracy
from forecasting.models.base import ForecastOrigin, ModelNotApplicable
from forecasting.series import SeriesFrame

DEFAULT_TEST_DAYS = 56  # eight weeks


@dataclass
class ModelResult:
    name: str
    forecasts: list[pd.DataFrame] = field(default_factory=list)
    not_applicable: dict[dt.date, str] = field(default_factory=dict)
    fit_seconds: float = 0.0
    predict_seconds: float = 0.0


@dataclass
class BacktestReport:
    test_days: list[dt.date]
    results: dict[str, ModelResult]
    predictions: pd.DataFrame  # model, delivery_date, period_start_utc, local hour, actual, p10, p50, p90
    metrics: dict[str, dict]
    skipped: dict[str, str]
    chosen_model: str | None

    def as_dict(self) -> dict:
        return {
            "test_window": {"first_day": self.test_days[0].isoformat(), "last_day": self.test_days[-1].isoformat(), "days": len(self.test_days)},
            "models": self.metrics,
            "skipped": self.skipped,
            "chosen_model": self.chosen_model,
            "chosen_by": "lowest MAE among models that forecast every test day",
        }


def last_days(series: SeriesFrame, count: int) -> list[dt.date]:
    """The `count` local days ending with the last complete one (every period known), or with
    the last day that has any value when no day is complete: a file that stops an hour short
    does not put a day without its evening into the test window."""
    known = ~np.isnan(series.raw_value)
    known_per_day = np.bincount(series.day_number[known], minlength=series.days)
    periods_per_day = np.bincount(series.day_number, minlength=series.days)
    complete = np.flatnonzero((known_per_day == periods_per_day) & (periods_per_day > 0))
    days_with_data = complete if len(complete) else np.flatnonzero(known_per_day > 0)
    if len(days_with_data) == 0:
        raise ValueError("the series has no values")
    last = series.dates[days_with_data[-1]].astype(dt.date)
    return [last - dt.timedelta(days=offset) for offset in range(count - 1, -1, -1)]


def backtest(
    series: SeriesFrame,
    model_names: Sequence[str],
    test_days: Sequence[dt.date],
    refit_every_days: Mapping[str, int] | None = None,
) -> BacktestReport:
    """Rolling-origin day-ahead backtest of the named models (seasonal naive always included).

    Every model is refitted at every origin, except those named in `refit_every_days`: a
    slow model without lagged load (Prophet, vanilla) may reuse its fit for the next k-1
    days, which uses less information than the protocol allows, never more.
    """
    refit_every_days = refit_every_days or {}
    last_fit: dict[str, tuple[dt.date, object]] = {}
    if not test_days:
        raise ValueError("no test days")
    names = list(dict.fromkeys([models.BASELINE, *model_names]))  # each model once, baseline first
    results = {name: ModelResult(name) for name in names}
    for delivery_date in test_days:
        origin = ForecastOrigin.at(series, delivery_date)
        actual = series.raw_value[origin.target_rows]
        for name in names:
            result = results[name]
            reuse = None
            if name in last_fit and (delivery_date - last_fit[name][0]).days < refit_every_days.get(name, 1):
                reuse = last_fit[name][1]
            try:
                forecast = run_model(models.build(name), origin, fitted=reuse)
            except ModelNotApplicable as not_applicable:
                result.not_applicable[delivery_date] = not_applicable.reason
                continue
            if reuse is None and forecast.fitted is not None and forecast.fitted.reusable:
                last_fit[name] = (delivery_date, forecast.fitted)
            result.fit_seconds += forecast.fit_seconds
            result.predict_seconds += forecast.predict_seconds
            frame = forecast.to_frame().drop(columns=["model_name", "fallback_reason", "flags"])
            frame.insert(0, "model", name)
            frame["local_hour"] = forecast.local_times.hour
            frame["actual"] = actual
            result.forecasts.append(frame)
    frames = [frame for result in results.values() for frame in result.forecasts]
    if not frames:
        reasons = "; ".join(f"{name}: {_reason_summary(result.not_applicable)}" for name, result in results.items())
        raise ValueError(f"no model could forecast any test day ({reasons})")
    predictions = pd.concat(frames, ignore_index=True)
    metrics, skipped = _summarise(results, predictions, len(test_days))
    return BacktestReport(list(test_days), results, predictions, metrics, skipped, choose_model(metrics))


def _summarise(results: dict[str, ModelResult], predictions: pd.DataFrame, day_count: int) -> tuple[dict, dict]:
    baseline = predictions[predictions["model"] == models.BASELINE].set_index("period_start_utc")["p50"]
    metrics: dict[str, dict] = {}
    skipped: dict[str, str] = {}
    for name, result in results.items():
        if not result.forecasts:
            skipped[name] = _reason_summary(result.not_applicable)
            continue
        rows = predictions[predictions["model"] == name]
        baseline_p50 = baseline.reindex(rows["period_start_utc"]).to_numpy()
        values = accuracy(
            rows["actual"].to_numpy(float),
            rows["p10"].to_numpy(float),
            rows["p50"].to_numpy(float),
            rows["p90"].to_numpy(float),
            baseline_p50,
        )
        days = day_count - len(result.not_applicable)
        values.update(
            days_forecast=days,
            complete=days == day_count,
            fit_seconds=round(result.fit_seconds, 3),
            predict_seconds=round(result.predict_seconds, 3),
        )
        if result.not_applicable:
            values["days_not_forecast"] = _reason_summary(result.not_applicable)
        metrics[name] = values
    return metrics, skipped


def _reason_summary(not_applicable: dict[dt.date, str]) -> str:
    reasons = pd.Series(list(not_applicable.values())).value_counts()
    return "; ".join(f"{reason} ({count} days)" for reason, count in reasons.items())


def choose_model(metrics: dict[str, dict]) -> str | None:
    """The complete model with the lowest MAE; ties go to the simpler (earlier registered) model."""
    order = list(models.MODEL_CLASSES)
    eligible = [(values["mae"], order.index(name), name) for name, values in metrics.items() if values.get("complete") and values.get("mae") is not None]
    return min(eligible)[2] if eligible else None
