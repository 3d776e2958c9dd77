"""Day-ahead forecasts for a whole portfolio: every metering point, every group, reconciled.

Inputs are plain frames (the Dagster asset reads them from the warehouse):
- consumption: metering_point_id, period_start_utc (UTC), energy_kwh — hourly history;
- temperature: market_code, period_start_utc, temperature_c — observed where it was observed
  by the cutoff, the day-ahead weather forecast for the delivery day;
- metering_points: metering_point_id, company_id, market_code, market_timezone, country_code,
  balancing_group_id, customer_class.

Series are the metering points and three kinds of group: company, balancing group, and
customer class within a company (`<company_id>/<class>`). Each series is forecast with the
model chosen for it by backtest (`select_models`), falling back as `forecasting.day_ahead`
describes; group medians are reconciled bottom-up (`forecasting.reconciliation`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from forecasting import models
from forecasting.backtest import backtest
from forecasting.day_ahead import forecast_day
from forecasting.reconciliation import bottom_up
from forecasting.series import SeriesFrame, SeriesSpec, build_series_frame

METERING_POINT = "metering_point"
GROUP_LEVELS = ("customer_class", "balancing_group", "company")
DEFAULT_MODEL = models.RidgeARX.name
FREQ_MINUTES = 60


@dataclass(frozen=True)
class SeriesKey:
    level: str
    series_id: str
    company_id: str
    market_code: str


@dataclass(frozen=True)
class PortfolioInputs:
    consumption: pd.DataFrame
    temperature: pd.DataFrame
    metering_points: pd.DataFrame
    cutoff_hour: int = 12

    @cached_property
    def consumption_by_hour(self) -> pd.DataFrame:
        """Hours × metering points, built once: a group's history is a sum of columns."""
        return self.consumption.pivot_table(index="period_start_utc", columns="metering_point_id", values="energy_kwh", aggfunc="sum")

    def spec(self, key: SeriesKey) -> SeriesSpec:
        point = self.metering_points[self.metering_points["market_code"] == key.market_code].iloc[0]
        return SeriesSpec(FREQ_MINUTES, point["market_timezone"], point["country_code"], self.cutoff_hour)

    def members(self, key: SeriesKey) -> list[str]:
        points = self.metering_points
        if key.level == METERING_POINT:
            return [key.series_id]
        if key.level == "company":
            chosen = points["company_id"] == key.company_id
        elif key.level == "balancing_group":
            chosen = points["balancing_group_id"] == key.series_id
        else:
            chosen = (points["company_id"] == key.company_id) & (points["customer_class"] == key.series_id.split("/", 1)[1])
        return sorted(points.loc[chosen, "metering_point_id"])

    def series_keys(self) -> list[SeriesKey]:
        points = self.metering_points
        keys = [SeriesKey(METERING_POINT, row.metering_point_id, row.company_id, row.market_code) for row in points.itertuples()]
        groups = {
            "customer_class": points.assign(series_id=points["company_id"] + "/" + points["customer_class"]),
            "balancing_group": points.assign(series_id=points["balancing_group_id"]),
            "company": points.assign(series_id=points["company_id"]),
        }
        for level, frame in groups.items():
            for row in frame[["series_id", "company_id", "market_code"]].drop_duplicates().itertuples():
                keys.append(SeriesKey(level, row.series_id, row.company_id, row.market_code))
        return keys

    def series_frame(self, key: SeriesKey, extend_to: dt.date) -> SeriesFrame:
        """History of the series (members summed per hour) with its market's temperature."""
        wide = self.consumption_by_hour
        members = [member for member in self.members(key) if member in wide.columns]
        summed = wide[members].sum(axis=1, min_count=1).dropna()
        weather = self.temperature[self.temperature["market_code"] == key.market_code].set_index("period_start_utc")["temperature_c"]
        frame = pd.DataFrame({"timestamp": summed.index, "value": summed.to_numpy()})
        spec = self.spec(key)
        if frame.empty:  # a metering point without history still gets its day of (empty) rows
            start, _ = spec.day_bounds_utc(extend_to)
            frame = pd.DataFrame({"timestamp": [start], "value": [np.nan]})
        series = build_series_frame(frame, spec, extend_to=extend_to)
        temperature = weather.reindex(series.index).to_numpy(dtype=float)
        if not np.isnan(temperature).all():
            series.temperature = temperature
            series.quality.missing_temperature = int(np.isnan(temperature).sum())
        return series


def forecast_portfolio(
    inputs: PortfolioInputs,
    delivery_date: dt.date,
    chosen_models: Mapping[tuple[str, str], str],
) -> pd.DataFrame:
    """One row per series and period of D: level, series_id, company_id, market_code,
    period_start_utc/_local, p10, p50, p90 (kWh), direct_p50, model_name, reconciliation,
    fallback_reason, flags, members_count, members_without_forecast, forecast_cutoff_utc."""
    keys = inputs.series_keys()
    point_forecasts: dict[str, pd.DataFrame] = {}
    rows: list[pd.DataFrame] = []
    for key in keys:
        series = inputs.series_frame(key, delivery_date)
        model_name = chosen_models.get((key.level, key.series_id), DEFAULT_MODEL)
        forecast = forecast_day(series, delivery_date, model_name)
        if model_name == DEFAULT_MODEL and (key.level, key.series_id) not in chosen_models:
            forecast.flags = ["model_not_selected_by_backtest_yet", *forecast.flags]
        frame = forecast.to_frame()
        frame["forecast_cutoff_utc"] = series.spec.cutoff_utc(delivery_date)
        if key.level == METERING_POINT:
            point_forecasts[key.series_id] = frame
            frame = frame.assign(direct_p50=np.nan, reconciliation="none", members_count=1, members_without_forecast=int(frame["p50"].isna().any()))
        else:
            members = pd.concat([point_forecasts[member] for member in inputs.members(key)], ignore_index=True)
            reconciled = bottom_up(members, frame)
            frame = frame.drop(columns=["p10", "p50", "p90"]).merge(reconciled, on="period_start_utc", how="left")
            frame["reconciliation"] = "bottom_up"
        rows.append(frame.assign(series_level=key.level, series_id=key.series_id, company_id=key.company_id, market_code=key.market_code))
    return pd.concat(rows, ignore_index=True)


def _backtest_rows(inputs: PortfolioInputs, keys: Sequence[SeriesKey], test_days: int) -> Iterator[dict]:
    for key in keys:
        candidates = models.METERING_POINT_CANDIDATES if key.level == METERING_POINT else models.GROUP_CANDIDATES
        last_day = inputs.consumption["period_start_utc"].max().tz_convert(inputs.spec(key).timezone).date()
        series = inputs.series_frame(key, last_day)
        days = [last_day - dt.timedelta(days=offset) for offset in range(test_days - 1, -1, -1)]
        try:
            report = backtest(series, candidates, days)
        except ValueError as error:  # a series with no values in the window
            yield {"series_level": key.level, "series_id": key.series_id, "chosen_model": None, "reason": str(error), "metrics": {}, "skipped": {}}
            continue
        yield {
            "series_level": key.level,
            "series_id": key.series_id,
            "company_id": key.company_id,
            "chosen_model": report.chosen_model,
            "reason": None if report.chosen_model else "no model forecast every test day",
            "metrics": report.metrics,
            "skipped": report.skipped,
            "predictions": report.predictions.assign(series_level=key.level, series_id=key.series_id),
            "first_test_day": days[0],
            "last_test_day": days[-1],
        }


def select_models(inputs: PortfolioInputs, test_days: int = 56, levels: Sequence[str] = (METERING_POINT, *GROUP_LEVELS)) -> list[dict]:
    """Backtest every series over the last `test_days` days and choose its model.

    Metering points try the fast candidates, groups all models (Prophet included). The
    observed temperature stands in for the weather forecast, as in the accuracy benchmark.
    """
    keys = [key for key in inputs.series_keys() if key.level in levels]
    return list(_backtest_rows(inputs, keys, test_days))
