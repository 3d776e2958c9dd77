"""Jobs: the pipeline from landing zone to serving copy, the model choice, the day-ahead forecast, billing."""

from dagster import AssetKey, AssetSelection, define_asset_job

from assets.billing import invoices, penalty_invoices
from assets.invoicing import INVOICING_ASSETS
from assets.reports import DASHBOARD_KEY
from orchestration.partitions import billing_partitions, delivery_days

DAY_AHEAD_ASSETS = AssetSelection.assets(AssetKey(["forecasting", "series_forecasts"]), AssetKey(["forecasting", "purchase_plans"]))
MODEL_SELECTION_ASSET = AssetSelection.assets(AssetKey(["forecasting", "model_selection"]))

# The partitioned billing assets: every ledger table of the invoices multi-asset, and the penalties.
BILLING_PARTITION_ASSETS = AssetSelection.assets(invoices, penalty_invoices)
# Documents, exports, e-mail: after billing, on their own job (rendering a month takes minutes).
INVOICING_SELECTION = AssetSelection.assets(*INVOICING_ASSETS)

pipeline_job = define_asset_job(
    "pipeline",
    selection=AssetSelection.all() - DAY_AHEAD_ASSETS - MODEL_SELECTION_ASSET - BILLING_PARTITION_ASSETS - INVOICING_SELECTION,
    description=(
        "Ingest new partner files, build every dbt model and test, match the bank statements to the issued "
        "documents, publish the serving copy. Forecasting and billing run on their own schedules (model_selection "
        "weekly, day_ahead daily, billing monthly)."
    ),
)

billing_job = define_asset_job(
    "billing",
    selection=BILLING_PARTITION_ASSETS,
    partitions_def=billing_partitions,
    description=(
        "Bill one company's month: issue its invoices (regularisations, deviations, next advances, green certificates), "
        "then the late-payment interest known on the billing day."
    ),
)

invoicing_job = define_asset_job(
    "invoicing",
    selection=INVOICING_SELECTION,
    description=(
        "Render every issued document not rendered yet (Factur-X PDF, UBL and CII e-invoices, zip), write the period "
        "exports, e-mail each document once and send due-date and overdue notices. Started after each billing run."
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

dashboard_job = define_asset_job(
    "dashboard",
    selection=AssetSelection.assets(DASHBOARD_KEY),
    description="Rebuild the dashboard page (outputs/dashboard/dashboard.html) from the marts as they are now.",
)
