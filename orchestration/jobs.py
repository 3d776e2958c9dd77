"""Jobs: the pipeline from landing zone to serving copy, the day-ahead forecast, the model choice."""

from dagster import AssetKey, AssetSelection, define_asset_job

from orchestration.partitions import delivery_days

DAY_AHEAD_ASSETS = AssetSelection.assets(AssetKey(["forecasting", "series_forecasts"]), AssetKey(["forecasting", "purchase_plans"]))

pipeline_job = define_asset_job(
    "pipeline",
    selection=AssetSelection.all() - DAY_AHEAD_ASSETS,
    description=(
        "Ingest new partner files, build every dbt model and test, re-choose forecasting models by backtest, "
        "publish the serving copy. The day-ahead forecast runs on its own schedule (day_ahead job)."
    ),
)

day_ahead_job = define_asset_job(
    "day_ahead",
    selection=DAY_AHEAD_ASSETS,
    partitions_def=delivery_days,
    description="Forecast delivery day D from data known at the cutoff and write the purchase plan (one partition per D).",
)
