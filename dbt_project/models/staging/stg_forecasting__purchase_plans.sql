-- Hourly purchase plans per balancing group as the forecasting assets wrote them.
select
    delivery_date,
    market_code,
    company_id,
    balancing_group_id,
    period_start_utc,
    period_start_local,
    period_minutes,
    planned_mwh,
    forecast_p10_mwh,
    forecast_p50_mwh,
    forecast_p90_mwh,
    metering_points_count,
    metering_points_without_forecast as metering_points_without_forecast_count,
    forecast_cutoff_utc,
    created_at,
    dagster_run_id
from {{ source('forecasting', 'purchase_plans') }}
