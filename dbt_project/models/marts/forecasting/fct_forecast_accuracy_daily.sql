-- Forecast accuracy per delivery day and series, aggregated from fct_forecast_accuracy over the hours with an
-- actual. The metrics use the evaluated hours (actual and P50 both known), like forecasting/metrics.py:
--   MAE  = sum |error| / hours,                       rounded half up to 0.001 kWh;
--   WAPE = sum |error| x 100 / sum |actual|,          rounded half up to 0.01 %; null when the actual is 0;
--   MAPE = mean of absolute_percentage_error_pct over hours whose actual is not 0, rounded to 0.01 %;
--   coverage = hours with P10 <= actual <= P90 x 100 / hours (a missing band counts as outside).
-- Exact decimal arithmetic (divide_round_half_up); no binary float is involved.
with accuracy as (

    select * from {{ ref('fct_forecast_accuracy') }}

),

markets as (

    select * from {{ ref('markets') }}

),

daily as (

    select
        delivery_date,
        market_code,
        market_timezone,
        company_id,
        series_level,
        series_id,
        count(*) as periods_with_actual_count,
        sum(case when p50_kwh is not null then 1 else 0 end) as periods_count,
        sum(case when p50_kwh is null then 1 else 0 end) as periods_without_forecast_count,
        sum(case when p50_kwh is not null and actual_kwh = 0 then 1 else 0 end) as zero_actual_periods_count,
        sum(case when p50_kwh is not null then actual_kwh end) as actual_kwh,
        sum(case when p50_kwh is null then actual_kwh else 0 end) as actual_without_forecast_kwh,
        sum(p50_kwh) as forecast_p50_kwh,
        sum(case when p50_kwh is not null then p10_kwh end) as forecast_p10_kwh,
        sum(case when p50_kwh is not null then p90_kwh end) as forecast_p90_kwh,
        sum(error_kwh) as error_kwh,
        sum(absolute_error_kwh) as absolute_error_kwh,
        sum(case when p50_kwh is not null then abs(actual_kwh) end) as absolute_actual_kwh,
        sum(absolute_percentage_error_pct) as absolute_percentage_error_sum_pct,
        count(absolute_percentage_error_pct) as percentage_error_periods_count,
        sum(case when p50_kwh is not null and is_within_p10_p90 then 1 else 0 end) as within_p10_p90_periods_count,
        max(case when has_estimated_actual then 1 else 0 end) as has_estimated_actual_flag,
        sum(metering_points_without_actual_count) as metering_points_without_actual_count,
        min(model_name) as model_name,
        count(distinct model_name) as models_count,
        min(reconciliation) as reconciliation,
        min(fallback_reason) as fallback_reason,
        count(fallback_reason) as fallback_periods_count,
        max(created_at) as created_at
    from accuracy
    group by
        delivery_date,
        market_code,
        market_timezone,
        company_id,
        series_level,
        series_id

)

select
    daily.delivery_date,
    daily.market_code,
    daily.market_timezone,
    daily.company_id,
    daily.series_level,
    daily.series_id,
    cast({{ dbt.datediff(
        from_local_timestamp('daily.delivery_date', 'markets.timezone'),
        from_local_timestamp(dbt.dateadd('day', 1, 'daily.delivery_date'), 'markets.timezone'),
        'hour'
    ) }} as integer) as delivery_day_hours,
    cast(daily.periods_with_actual_count as integer) as periods_with_actual_count,
    cast(daily.periods_count as integer) as periods_count,
    cast(daily.periods_without_forecast_count as integer) as periods_without_forecast_count,
    cast(daily.zero_actual_periods_count as integer) as zero_actual_periods_count,
    cast(daily.actual_kwh as decimal(18, 3)) as actual_kwh,
    cast(daily.actual_without_forecast_kwh as decimal(18, 3)) as actual_without_forecast_kwh,
    cast(daily.forecast_p10_kwh as decimal(18, 3)) as forecast_p10_kwh,
    cast(daily.forecast_p50_kwh as decimal(18, 3)) as forecast_p50_kwh,
    cast(daily.forecast_p90_kwh as decimal(18, 3)) as forecast_p90_kwh,
    cast(daily.error_kwh as decimal(18, 3)) as error_kwh,
    cast(daily.absolute_error_kwh as decimal(18, 3)) as absolute_error_kwh,
    {{ decimal_mean('daily.absolute_error_kwh', 'daily.periods_count', 3) }} as mae_kwh,
    cast({{ divide_round_half_up('daily.absolute_error_kwh * 100', 'daily.absolute_actual_kwh', 2) }} as decimal(18, 2)) as wape_pct,
    cast({{ divide_round_half_up('daily.absolute_percentage_error_sum_pct', 'daily.percentage_error_periods_count', 2) }} as decimal(18, 2)) as mape_pct,
    cast({{ divide_round_half_up('daily.within_p10_p90_periods_count * 100', 'daily.periods_count', 2) }} as decimal(18, 2)) as coverage_p10_p90_pct,
    daily.has_estimated_actual_flag = 1 as has_estimated_actual,
    daily.metering_points_without_actual_count = 0 as is_actual_complete,
    daily.model_name,
    cast(daily.models_count as integer) as models_count,
    daily.reconciliation,
    daily.fallback_reason,
    cast(daily.fallback_periods_count as integer) as fallback_periods_count,
    daily.created_at
from daily
left join markets
    on markets.market_code = daily.market_code
