"""The one `Definitions` object of the project: assets, checks, resources, jobs and sensors."""

from __future__ import annotations

from dagster import Definitions, in_process_executor

from assets.billing import BILLING_ASSETS
from assets.forecasting import FORECASTING_ASSETS
from assets.allocation import ALLOCATION_ASSETS
from assets.emobility import EMOBILITY_ASSETS
from assets.invoicing import INVOICING_ASSETS
from assets.ingest import INGEST_ASSETS, ingested_files, rejected_rows
from assets.quality import MART_CHECKS
from assets.reports import dashboard, imbalance_report, warehouse_copy
from orchestration.dbt import dbt_resource, warehouse_models
from orchestration.jobs import billing_job, dashboard_job, day_ahead_job, invoicing_job, model_selection_job, pipeline_job
from orchestration.resources import LandingZoneResource, ServingResource, WarehouseResource
from orchestration.schedules import billing_schedule, day_ahead_schedule, model_selection_schedule
from orchestration.sensors import dashboard_after_run_sensor, invoicing_after_billing_sensor, landing_zone_sensor
from voltbill.paths import inbox_dir, serving_dir, warehouse_path

defs = Definitions(
    assets=[*INGEST_ASSETS, rejected_rows, ingested_files, warehouse_models, *FORECASTING_ASSETS, *BILLING_ASSETS, *INVOICING_ASSETS, *EMOBILITY_ASSETS, *ALLOCATION_ASSETS, warehouse_copy, imbalance_report, dashboard],
    asset_checks=MART_CHECKS,
    jobs=[pipeline_job, model_selection_job, day_ahead_job, billing_job, invoicing_job, dashboard_job],
    schedules=[day_ahead_schedule, model_selection_schedule, billing_schedule],
    sensors=[landing_zone_sensor, invoicing_after_billing_sensor, dashboard_after_run_sensor],
    resources={
        "warehouse": WarehouseResource(path=str(warehouse_path())),
        "landing_zone": LandingZoneResource(inbox_dir=str(inbox_dir())),
        "serving": ServingResource(serving_dir=str(serving_dir())),
        "dbt": dbt_resource(),
    },
    # Steps share one DuckDB file with a single writer: running them in one process, in
    # dependency order, is both the fastest and the safest default. The `duckdb_writer`
    # pool keeps that guarantee if a deployment switches to a multi-process executor.
    executor=in_process_executor,
)
