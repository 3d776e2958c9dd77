"""The day-ahead schedule forecasts tomorrow at the cutoff; the jobs split the graph as documented."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from dagster import AssetKey, build_schedule_context, validate_run_config

from orchestration.definitions import defs
from orchestration.schedules import day_ahead_schedule

BUCHAREST = ZoneInfo("Europe/Bucharest")


def test_the_noon_run_on_d_minus_1_forecasts_delivery_day_d_with_a_valid_config() -> None:
    # Noon on the Saturday before the clocks go back: the partition is the 25-hour Sunday.
    context = build_schedule_context(scheduled_execution_time=dt.datetime(2026, 10, 24, 12, 0, tzinfo=BUCHAREST))
    request = day_ahead_schedule(context)
    assert request.partition_key == "2026-10-25"
    assert request.run_key == "2026-10-25"
    job = defs.resolve_job_def("day_ahead")
    assert validate_run_config(job, request.run_config)["ops"]["forecasting__series_forecasts"]["config"]["cutoff_hour"] == 12


def test_the_pipeline_job_leaves_forecasting_to_its_own_jobs() -> None:
    pipeline = set(defs.resolve_job_def("pipeline").asset_layer.selected_asset_keys)
    day_ahead = set(defs.resolve_job_def("day_ahead").asset_layer.selected_asset_keys)
    selection = set(defs.resolve_job_def("model_selection").asset_layer.selected_asset_keys)
    assert day_ahead == {AssetKey(["forecasting", "series_forecasts"]), AssetKey(["forecasting", "purchase_plans"])}
    assert selection == {AssetKey(["forecasting", "model_selection"])}
    assert not pipeline & (day_ahead | selection)
    # The marts that read the forecasts are dbt models and stay in the pipeline.
    assert AssetKey(["marts", "fct_purchase_plan"]) in pipeline
