-- Hourly day-ahead forecasts per series (metering points and groups) as the forecasting assets wrote them.
select
    delivery_date,
    market_code,
    company_id,
    series_level,
    series_id,
    period_start_utc,
    period_start_local,
    period_minutes,
    p10_kwh,
    p50_kwh,
    p90_kwh,
    direct_p50_kwh,
    model_name,
    reconciliation,
    fallback_reason,
    flags,
    forecast_cutoff_utc,
    created_at,
    dagster_run_id
from {{ source('forecasting', 'series_forecasts') }}
