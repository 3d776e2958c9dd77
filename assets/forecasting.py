"""Forecasting assets: model choice by backtest, day-ahead forecasts, the purchase plan.

Thin: the modelling is `forecasting/`, the SQL is `assets/forecasting_warehouse.py`. Each asset
writes the warehouse (in the single-writer pool) and a report file a trader can open, and puts
the figures that matter in its metadata.
"""

import datetime as dt
import os
from pathlib import Path

import pandas as pd
from dagster import (
    AssetExecutionContext,
    AssetKey,
    BackfillPolicy,
    Config,
    MaterializeResult,
    MetadataValue,
    asset,
)

from assets import forecasting_warehouse as store
from forecasting import charts, portfolio, reports
from forecasting.purchase_plan import plan_rows
from orchestration.partitions import delivery_days
from orchestration.resources import WAREHOUSE_WRITER_POOL, WarehouseResource
from voltbill.paths import outputs_dir

GROUP = "forecasting"
INPUTS = [
    AssetKey(["marts", name])
    for name in ("fct_hourly_consumption", "fct_hourly_weather", "dim_metering_points", "dim_customers", "dim_companies")
]
SERIES_FORECASTS = AssetKey(["forecasting", "series_forecasts"])
MODEL_SELECTION = AssetKey(["forecasting", "model_selection"])
CHART_LEVELS = ("company", "balancing_group")
PLAN_CSV_COLUMNS = (
    "delivery_date", "balancing_group_id", "company_id", "market_code", "period_start_local", "period_start_utc",
    "period_minutes", "planned_mwh", "forecast_p10_mwh", "forecast_p50_mwh", "forecast_p90_mwh",
    "metering_points_count", "metering_points_without_forecast",
)


class DayAheadConfig(Config):
    cutoff_hour: int = 12  # data known up to this local hour of D-1 (the day-ahead protocol)


class ModelSelectionConfig(Config):
    # Rolling-origin backtest window: eight weeks unless VOLTBILL_BACKTEST_DAYS says otherwise.
    test_days: int = int(os.environ.get("VOLTBILL_BACKTEST_DAYS", "56"))
    cutoff_hour: int = 12


def _report_dir() -> Path:
    path = outputs_dir() / "forecasting"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _write_plan_csvs(plans: pd.DataFrame, folder: Path) -> list[Path]:
    """One CSV per delivery day and balancing group: what the trading desk nominates."""
    written = []
    for (day, group), plan in plans.groupby(["delivery_date", "balancing_group_id"], sort=True):
        path = folder / str(day) / f"purchase_plan_{group}_{day}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        plan[list(PLAN_CSV_COLUMNS)].to_csv(path, index=False)
        written.append(path)
    return written


def _markdown(frame: pd.DataFrame) -> MetadataValue:
    return MetadataValue.md(frame.to_markdown(index=False, floatfmt=".2f") if not frame.empty else "(none)")


@asset(
    key=MODEL_SELECTION,
    deps=INPUTS,
    group_name=GROUP,
    pool=WAREHOUSE_WRITER_POOL,
    description=(
        "Backtests every metering point and group over the last eight weeks (day-ahead protocol) and "
        "chooses each series' model by lowest MAE. Writes forecasting.model_selection and "
        "forecasting.backtest_metrics, and an HTML report of forecast vs actual and error by hour."
    ),
)
def model_selection(context: AssetExecutionContext, config: ModelSelectionConfig, warehouse: WarehouseResource) -> MaterializeResult:
    with warehouse.connect() as connection:
        history = store.read_history(connection)
    inputs = portfolio.PortfolioInputs(
        consumption=history["consumption"],
        temperature=history["weather"].rename(columns={"actual_temperature_c": "temperature_c"})[["market_code", "period_start_utc", "temperature_c"]].dropna(),
        metering_points=history["metering_points"],
        cutoff_hour=config.cutoff_hour,
    )
    selected_at = pd.Timestamp.now(tz="UTC")
    results = portfolio.select_models(inputs, test_days=config.test_days)
    selection, metrics, predictions = portfolio.selection_tables(results)
    selection = selection.assign(selected_at=selected_at, dagster_run_id=context.run_id)
    metrics = metrics.assign(selected_at=selected_at, dagster_run_id=context.run_id)
    with warehouse.connect() as connection:
        store.replace_model_selection(connection, selection, metrics)
    report = _report_dir() / "backtest_report.html"
    report.write_text(reports.backtest_report(predictions, metrics, CHART_LEVELS), encoding="utf-8")
    groups = metrics[(metrics["series_level"] != portfolio.METERING_POINT) & metrics["is_chosen"]]
    return MaterializeResult(
        metadata={
            "series": len(selection),
            "chosen_models": _markdown(selection.groupby(["series_level", "chosen_model"], dropna=False).size().reset_index(name="series")),
            "groups_backtest": _markdown(groups[["series_level", "series_id", "model_name", "mape_pct", "wape_pct", "skill_vs_seasonal_naive", "coverage_p10_p90_pct"]]),
            "test_window": f"{selection['first_test_day'].min()} … {selection['last_test_day'].max()}",
            "report": MetadataValue.path(str(report)),
        }
    )


@asset(
    key=SERIES_FORECASTS,
    deps=[*INPUTS, MODEL_SELECTION],
    group_name=GROUP,
    partitions_def=delivery_days,
    backfill_policy=BackfillPolicy.single_run(),
    pool=WAREHOUSE_WRITER_POOL,
    description=(
        "Day-ahead P10/P50/P90 per hour of the delivery day for every metering point and group "
        "(customer class, balancing group, company), from data known at 12:00 local on D-1; groups "
        "reconciled bottom-up. Each row names its model and, when it fell back, why."
    ),
)
def series_forecasts(context: AssetExecutionContext, config: DayAheadConfig, warehouse: WarehouseResource) -> MaterializeResult:
    days = [dt.date.fromisoformat(key) for key in context.partition_keys]
    with warehouse.connect() as connection:
        history = store.read_history(connection)
        chosen = store.model_choices(connection)
    created_at = pd.Timestamp.now(tz="UTC")
    # Everything metered so far (built once), for the charts' actuals of days already delivered.
    metered = portfolio.PortfolioInputs(history["consumption"], history["weather"], history["metering_points"], config.cutoff_hour)
    frames, sections = [], []
    for day in days:
        inputs = portfolio.known_at_cutoff(history["consumption"], history["weather"], history["metering_points"], day, config.cutoff_hour)
        forecast = portfolio.forecast_portfolio(inputs, day, chosen)
        frames.append(portfolio.as_warehouse_rows(forecast).assign(created_at=created_at, dagster_run_id=context.run_id))
        sections += reports.day_sections(forecast, metered, CHART_LEVELS)
    rows = pd.concat(frames, ignore_index=True)
    with warehouse.connect() as connection:
        store.replace_days(connection, "series_forecasts", rows, days)
    report = _report_dir() / f"day_ahead_{days[0]}_{days[-1]}.html"
    report.write_text(charts.html_report(f"Day-ahead forecasts {days[0]} – {days[-1]}", sections), encoding="utf-8")
    return MaterializeResult(
        metadata={
            "delivery_days": ", ".join(map(str, days)),
            "rows": len(rows),
            "models_used": _markdown(rows.groupby(["series_level", "model_name"]).size().reset_index(name="periods")),
            "fallbacks": _markdown(reports.fallback_summary(rows)),
            "company_p50_mwh": _markdown(reports.daily_totals(rows, "company")),
            "report": MetadataValue.path(str(report)),
        }
    )


@asset(
    key=AssetKey(["forecasting", "purchase_plans"]),
    deps=[SERIES_FORECASTS],
    group_name=GROUP,
    partitions_def=delivery_days,
    backfill_policy=BackfillPolicy.single_run(),
    pool=WAREHOUSE_WRITER_POOL,
    description=(
        "MWh to buy per hour of the delivery day per balancing group: the reconciled P50, rounded half-up "
        "to 0.1 MWh. Written to forecasting.purchase_plans and as one CSV per balancing group for the desk."
    ),
)
def purchase_plans(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult:
    days = [dt.date.fromisoformat(key) for key in context.partition_keys]
    created_at = pd.Timestamp.now(tz="UTC")
    with warehouse.connect() as connection:
        forecasts = pd.concat([store.group_forecasts(connection, day, "balancing_group") for day in days], ignore_index=True)
    plans = plan_rows(forecasts).assign(created_at=created_at, dagster_run_id=context.run_id)
    with warehouse.connect() as connection:
        store.replace_days(connection, "purchase_plans", plans, days)
    files = _write_plan_csvs(plans, outputs_dir() / "purchase_plans")
    totals = plans.groupby(["delivery_date", "balancing_group_id"])["planned_mwh"].sum().reset_index(name="planned_mwh")
    return MaterializeResult(
        metadata={
            "delivery_days": ", ".join(map(str, days)),
            "periods": len(plans),
            "planned_mwh_per_day": _markdown(totals.astype({"planned_mwh": float})),
            "periods_without_forecast": int(plans["planned_mwh"].isna().sum()),
            "csv_files": MetadataValue.md("\n".join(f"- `{path}`" for path in files)),
        }
    )


FORECASTING_ASSETS = [model_selection, series_forecasts, purchase_plans]
