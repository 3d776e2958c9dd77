"""Jobs: the whole pipeline, from landing zone to serving copy."""

from dagster import AssetSelection, define_asset_job

pipeline_job = define_asset_job(
    "pipeline",
    selection=AssetSelection.all(),
    description="Ingest new partner files, build every dbt model and test, publish the serving copy.",
)
