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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from forecasting import models
from forecasting.backtest import backtest
from forecasting.day_ahead import forecast_day
from forecasting.parallel import map_series
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
        wide = self.consumption.pivot_table(index="period_start_utc", columns="metering_point_id", values="energy_kwh", aggfunc="sum")
        wide.index = pd.DatetimeIndex(wide.index).as_unit("ns")
        return wide

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

    def actual(self, key: SeriesKey, periods: pd.DatetimeIndex) -> np.ndarray:
        """Metered kWh of the series in the given periods (NaN where nothing is metered)."""
        wide = self.consumption_by_hour
        members = [member for member in self.members(key) if member in wide.columns]
        return wide[members].sum(axis=1, min_count=1).reindex(periods).to_numpy(dtype=float)

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


def known_at_cutoff(
    consumption: pd.DataFrame,
    weather: pd.DataFrame,
    metering_points: pd.DataFrame,
    delivery_date: dt.date,
    cutoff_hour: int = 12,
) -> PortfolioInputs:
    """What a forecast for `delivery_date` may use, per market: consumption hours that ended by
    the cutoff; the observed temperature of hours that ended by the cutoff and, after it, the
    day-ahead weather forecast if it was issued by the cutoff. Metering points whose supply
    starts after the delivery day are left out.

    `weather` has market_code, period_start_utc, actual_temperature_c, forecast_temperature_c,
    forecast_issued_at_utc; `metering_points` also carries supply_start_date.
    """
    hour = pd.Timedelta(hours=1)
    cutoffs = {
        row.market_code: SeriesSpec(FREQ_MINUTES, row.market_timezone, row.country_code, cutoff_hour).cutoff_utc(delivery_date)
        for row in metering_points[["market_code", "market_timezone", "country_code"]].drop_duplicates("market_code").itertuples()
    }
    points = metering_points[pd.to_datetime(metering_points["supply_start_date"]).dt.date <= delivery_date]
    market_of_point = points.set_index("metering_point_id")["market_code"]
    point_cutoff = market_of_point.map(cutoffs)
    history = consumption[consumption["metering_point_id"].isin(points["metering_point_id"])]
    history = history[history["period_start_utc"] + hour <= history["metering_point_id"].map(point_cutoff).to_numpy()]
    weather = weather[weather["market_code"].isin(cutoffs)]
    cutoff = weather["market_code"].map(cutoffs)
    observed = (weather["period_start_utc"] + hour <= cutoff) & weather["actual_temperature_c"].notna()
    forecast_known = weather["forecast_issued_at_utc"] <= cutoff
    temperature = weather["actual_temperature_c"].where(observed, weather["forecast_temperature_c"].where(forecast_known))
    return PortfolioInputs(
        consumption=history[["metering_point_id", "period_start_utc", "energy_kwh"]],
        temperature=weather.assign(temperature_c=temperature.astype(float))[["market_code", "period_start_utc", "temperature_c"]].dropna(),
        metering_points=points.reset_index(drop=True),
        cutoff_hour=cutoff_hour,
    )


def _forecast_series(shared: tuple[PortfolioInputs, dt.date, Mapping[tuple[str, str], str]], key: SeriesKey) -> pd.DataFrame:
    """One series' own forecast for the day (a group's is its direct forecast)."""
    inputs, delivery_date, chosen_models = shared
    series = inputs.series_frame(key, delivery_date)
    model_name = chosen_models.get((key.level, key.series_id), DEFAULT_MODEL)
    forecast = forecast_day(series, delivery_date, model_name)
    if (key.level, key.series_id) not in chosen_models:
        forecast.flags = ["model_not_selected_by_backtest_yet", *forecast.flags]
    frame = forecast.to_frame()
    frame["forecast_cutoff_utc"] = series.spec.cutoff_utc(delivery_date)
    return frame.assign(series_level=key.level, series_id=key.series_id, company_id=key.company_id, market_code=key.market_code)


def forecast_portfolio(
    inputs: PortfolioInputs,
    delivery_date: dt.date,
    chosen_models: Mapping[tuple[str, str], str],
    workers: int | None = None,
) -> pd.DataFrame:
    """One row per series and period of D: series_level, series_id, company_id, market_code,
    period_start_utc/_local, p10, p50, p90 (kWh), direct_p50, model_name, reconciliation,
    fallback_reason, flags, members_count, members_without_forecast, forecast_cutoff_utc.

    Every series is forecast on its own (in parallel); then each group's median is replaced
    by the sum of its members' (bottom-up) and its own forecast kept as direct_p50."""
    keys = inputs.series_keys()
    inputs.consumption_by_hour  # built once here, inherited by the worker processes
    frames = map_series(_forecast_series, (inputs, delivery_date, chosen_models), keys, workers)
    point_forecasts = {key.series_id: frame for key, frame in zip(keys, frames) if key.level == METERING_POINT}
    rows = []
    for key, frame in zip(keys, frames):
        if key.level == METERING_POINT:
            frame = frame.assign(direct_p50=np.nan, reconciliation="none", members_count=1, members_without_forecast=frame["p50"].isna().astype(int))
        else:
            members = pd.concat([point_forecasts[member] for member in inputs.members(key)], ignore_index=True)
            reconciled = bottom_up(members, frame)
            frame = frame.drop(columns=["p10", "p50", "p90"]).merge(reconciled, on="period_start_utc", how="left")
            frame["reconciliation"] = "bottom_up"
        rows.append(frame)
    return pd.concat(rows, ignore_index=True)


# Slow models without lagged load reuse their fit in the portfolio's selection backtest: vanilla
# for a week, Prophet for two (the accuracy benchmark refits both daily).
SLOW_MODEL_REFIT_DAYS = {models.ProphetModel.name: 14, models.VanillaLinear.name: 7}


def _backtest_series(shared: tuple[PortfolioInputs, int], key: SeriesKey) -> dict:
    inputs, test_days = shared
    candidates = models.METERING_POINT_CANDIDATES if key.level == METERING_POINT else models.GROUP_CANDIDATES
    last_day = inputs.consumption["period_start_utc"].max().tz_convert(inputs.spec(key).timezone).date()
    series = inputs.series_frame(key, last_day)
    days = [last_day - dt.timedelta(days=offset) for offset in range(test_days - 1, -1, -1)]
    base = {"series_level": key.level, "series_id": key.series_id, "company_id": key.company_id, "first_test_day": days[0], "last_test_day": days[-1]}
    try:
        report = backtest(series, candidates, days, SLOW_MODEL_REFIT_DAYS)
    except ValueError as error:  # a series with no values in the window
        return {**base, "chosen_model": None, "reason": str(error), "metrics": {}, "skipped": {}}
    return {
        **base,
        "chosen_model": report.chosen_model,
        "reason": None if report.chosen_model else "no model forecast every test day",
        "metrics": report.metrics,
        "skipped": report.skipped,
        "predictions": report.predictions.assign(series_level=key.level, series_id=key.series_id),
    }


def select_models(
    inputs: PortfolioInputs,
    test_days: int = 56,
    levels: Sequence[str] = (METERING_POINT, *GROUP_LEVELS),
    workers: int | None = None,
) -> list[dict]:
    """Backtest every series over the last `test_days` days and choose its model.

    Metering points try the fast candidates, groups all models (Prophet refitted every two
    weeks, vanilla weekly). The observed temperature stands in for the weather forecast, as in the accuracy
    benchmark.
    """
    keys = [key for key in inputs.series_keys() if key.level in levels]
    inputs.consumption_by_hour  # built once here, inherited by the worker processes
    # Slowest first, so the pool is not left waiting on one Prophet group at the end.
    keys.sort(key=lambda key: key.level == METERING_POINT)
    return map_series(_backtest_series, (inputs, test_days), keys, workers)


WAREHOUSE_COLUMNS = {
    "p10": "p10_kwh",
    "p50": "p50_kwh",
    "p90": "p90_kwh",
    "direct_p50": "direct_p50_kwh",
}


def as_warehouse_rows(forecast: pd.DataFrame) -> pd.DataFrame:
    """`forecast_portfolio` output in the layout of `forecasting.series_forecasts`."""
    rows = forecast.rename(columns=WAREHOUSE_COLUMNS)
    rows["period_minutes"] = FREQ_MINUTES
    return rows


def selection_tables(results: Sequence[dict]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """`select_models` output as three frames: the choice per series, the metrics of every
    candidate per series, and the backtest predictions of the chosen models."""
    selection, metrics, predictions = [], [], []
    for result in results:
        base = {"series_level": result["series_level"], "series_id": result["series_id"]}
        window = {"first_test_day": result.get("first_test_day"), "last_test_day": result.get("last_test_day")}
        selection.append({**base, "company_id": result.get("company_id"), "chosen_model": result["chosen_model"], "reason": result["reason"], **window})
        for model_name, values in result["metrics"].items():
            metrics.append(
                {
                    **base,
                    "model_name": model_name,
                    "is_chosen": model_name == result["chosen_model"],
                    "days_forecast": values.get("days_forecast"),
                    "is_complete": values.get("complete"),
                    "periods": values.get("periods"),
                    "mape_pct": values.get("mape_pct"),
                    "wape_pct": values.get("wape_pct"),
                    "mae_kwh": values.get("mae"),
                    "rmse_kwh": values.get("rmse"),
                    "bias_kwh": values.get("bias"),
                    "skill_vs_seasonal_naive": values.get("skill_vs_seasonal_naive"),
                    "pinball_kwh": values.get("pinball"),
                    "coverage_p10_p90_pct": values.get("coverage_p10_p90_pct"),
                    "fit_seconds": values.get("fit_seconds"),
                    "predict_seconds": values.get("predict_seconds"),
                    "not_forecast_reason": values.get("days_not_forecast"),
                    **window,
                }
            )
        for model_name, reason in result["skipped"].items():
            metrics.append({**base, "model_name": model_name, "is_chosen": False, "days_forecast": 0, "is_complete": False, "not_forecast_reason": reason, **window})
        if result["chosen_model"] is not None and "predictions" in result:
            chosen = result["predictions"]
            predictions.append(chosen[chosen["model"] == result["chosen_model"]])
    prediction_frame = pd.concat(predictions, ignore_index=True) if predictions else pd.DataFrame()
    return pd.DataFrame(selection), pd.DataFrame(metrics), prediction_frame
