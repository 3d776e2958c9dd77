-- Forecast against actual per delivery day, series and hour, for the hours whose actual is known. The actual
-- of a metering point is its hourly consumption (fct_hourly_consumption, estimates included and flagged); the
-- actual of a group is the sum over its members, taken from the current dimensions: company (company_id),
-- balancing group (dim_metering_points.balancing_group_id) and customer class (dim_customers.customer_class,
-- series_id `<company_id>/<customer_class>`). A member that had a metering-point forecast for the hour but has
-- no actual yet (its DSO has not delivered) is counted in metering_points_without_actual_count.
-- Forecast quantities are rounded to 0.001 kWh (DECIMAL(18,3)); errors are exact decimals from there.
with forecasts as (

    select * from {{ ref('stg_forecasting__series_forecasts') }}

),

points as (

    select
        points.metering_point_id,
        points.company_id,
        points.balancing_group_id,
        customers.customer_class
    from {{ ref('dim_metering_points') }} as points
    left join {{ ref('dim_customers') }} as customers
        on customers.customer_id = points.customer_id

),

members as (

    select 'metering_point' as series_level, metering_point_id as series_id, metering_point_id from points
    union all
    select 'company', company_id, metering_point_id from points
    union all
    select 'balancing_group', balancing_group_id, metering_point_id from points
    union all
    select 'customer_class', {{ dbt.concat(['company_id', "'/'", 'customer_class']) }}, metering_point_id from points
    where customer_class is not null

),

hourly as (

    select
        metering_point_id,
        hour_start_utc,
        energy_kwh,
        estimated_energy_kwh,
        estimated_intervals_count
    from {{ ref('fct_hourly_consumption') }}

),

meter_forecasts as (

    select delivery_date, series_id as metering_point_id, period_start_utc
    from forecasts
    where series_level = 'metering_point'

),

actuals as (

    select
        forecasts.delivery_date,
        forecasts.series_level,
        forecasts.series_id,
        forecasts.period_start_utc,
        sum(hourly.energy_kwh) as actual_kwh,
        sum(hourly.estimated_energy_kwh) as estimated_actual_kwh,
        sum(hourly.estimated_intervals_count) as estimated_intervals_count,
        count(hourly.metering_point_id) as metering_points_count,
        sum(
            case when hourly.metering_point_id is null and meter_forecasts.metering_point_id is not null then 1 else 0 end
        ) as metering_points_without_actual_count
    from forecasts
    inner join members
        on members.series_level = forecasts.series_level
        and members.series_id = forecasts.series_id
    left join hourly
        on hourly.metering_point_id = members.metering_point_id
        and hourly.hour_start_utc = forecasts.period_start_utc
    left join meter_forecasts
        on meter_forecasts.delivery_date = forecasts.delivery_date
        and meter_forecasts.metering_point_id = members.metering_point_id
        and meter_forecasts.period_start_utc = forecasts.period_start_utc
    group by
        forecasts.delivery_date,
        forecasts.series_level,
        forecasts.series_id,
        forecasts.period_start_utc
    having count(hourly.metering_point_id) > 0

),

compared as (

    select
        forecasts.*,
        cast(actuals.actual_kwh as decimal(18, 3)) as actual_kwh,
        cast(actuals.estimated_actual_kwh as decimal(18, 3)) as estimated_actual_kwh,
        actuals.estimated_intervals_count,
        actuals.metering_points_count,
        actuals.metering_points_without_actual_count,
        cast(forecasts.p10_kwh as decimal(18, 3)) as p10_rounded_kwh,
        cast(forecasts.p50_kwh as decimal(18, 3)) as p50_rounded_kwh,
        cast(forecasts.p90_kwh as decimal(18, 3)) as p90_rounded_kwh,
        cast(forecasts.direct_p50_kwh as decimal(18, 3)) as direct_p50_rounded_kwh
    from forecasts
    inner join actuals
        on actuals.delivery_date = forecasts.delivery_date
        and actuals.series_level = forecasts.series_level
        and actuals.series_id = forecasts.series_id
        and actuals.period_start_utc = forecasts.period_start_utc

),

markets as (

    select * from {{ ref('markets') }}

)

select
    compared.delivery_date,
    compared.market_code,
    markets.timezone as market_timezone,
    compared.company_id,
    compared.series_level,
    compared.series_id,
    compared.period_start_utc,
    compared.period_start_local,
    cast(extract(hour from compared.period_start_local) as integer) as local_hour,
    compared.period_minutes,
    compared.actual_kwh,
    compared.estimated_actual_kwh,
    compared.estimated_intervals_count > 0 as has_estimated_actual,
    cast(compared.metering_points_count as integer) as metering_points_count,
    cast(compared.metering_points_without_actual_count as integer) as metering_points_without_actual_count,
    compared.metering_points_without_actual_count = 0 as is_actual_complete,
    compared.p10_rounded_kwh as p10_kwh,
    compared.p50_rounded_kwh as p50_kwh,
    compared.p90_rounded_kwh as p90_kwh,
    cast(compared.actual_kwh - compared.p50_rounded_kwh as decimal(18, 3)) as error_kwh,
    cast(abs(compared.actual_kwh - compared.p50_rounded_kwh) as decimal(18, 3)) as absolute_error_kwh,
    cast(
        {{ divide_round_half_up('abs(compared.actual_kwh - compared.p50_rounded_kwh) * 100', 'compared.actual_kwh', 4) }}
        as decimal(18, 4)
    ) as absolute_percentage_error_pct,
    case
        when compared.p50_rounded_kwh is null or compared.p10_rounded_kwh is null or compared.p90_rounded_kwh is null then null
        else compared.actual_kwh >= compared.p10_rounded_kwh and compared.actual_kwh <= compared.p90_rounded_kwh
    end as is_within_p10_p90,
    compared.direct_p50_rounded_kwh as direct_p50_kwh,
    cast(compared.actual_kwh - compared.direct_p50_rounded_kwh as decimal(18, 3)) as direct_error_kwh,
    compared.model_name,
    compared.reconciliation,
    compared.fallback_reason,
    compared.flags,
    compared.forecast_cutoff_utc,
    compared.created_at,
    compared.dagster_run_id
from compared
left join markets
    on markets.market_code = compared.market_code
