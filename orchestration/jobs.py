"""Jobs: the pipeline from landing zone to serving copy, the model choice, the day-ahead forecast."""

from dagster import AssetKey, AssetSelection, define_asset_job

from orchestration.partitions import delivery_days

DAY_AHEAD_ASSETS = AssetSelection.assets(AssetKey(["forecasting", "series_forecasts"]), AssetKey(["forecasting", "purchase_plans"]))
MODEL_SELECTION_ASSET = AssetSelection.assets(AssetKey(["forecasting", "model_selection"]))

pipeline_job = define_asset_job(
    "pipeline",
    selection=AssetSelection.all() - DAY_AHEAD_ASSETS - MODEL_SELECTION_ASSET,
    description=(
        "Ingest new partner files, build every dbt model and test, publish the serving copy. Forecasting "
        "runs on its own schedules (model_selection weekly, day_ahead daily)."
    ),
)

model_selection_job = define_asset_job(
    "model_selection",
    selection=MODEL_SELECTION_ASSET,
    description="Backtest every series over the last eight weeks and choose its forecasting model (minutes, not seconds).",
)

day_ahead_job = define_asset_job(
    "day_ahead",
    selection=DAY_AHEAD_ASSETS,
    partitions_def=delivery_days,
    description="Forecast delivery day D from data known at the cutoff and write the purchase plan (one partition per D).",
)
