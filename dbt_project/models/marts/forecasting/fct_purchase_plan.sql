-- The hourly purchase plan per delivery day, balancing group and period, as the trading desk nominates it:
-- the plan of the forecasting assets with the group's EIC code and name (balancing_groups seed), the company
-- and its market, the local hour and the day-ahead gate closure the plan is due by (markets seed: local
-- wall-clock time on the day before delivery, as a UTC instant).
with plans as (

    select * from {{ ref('stg_forecasting__purchase_plans') }}

),

balancing_groups as (

    select * from {{ ref('balancing_groups') }}

),

companies as (

    select * from {{ ref('dim_companies') }}

),

markets as (

    select
        market_code,
        timezone,
        -- minutes after local midnight of the `HH:MM` gate closure
        cast(substring(gate_closure_local_time, 1, 2) as integer) * 60
            + cast(substring(gate_closure_local_time, 4, 2) as integer) as gate_closure_minute_of_day
    from {{ ref('markets') }}

),

gate_closures as (

    select
        plan_days.delivery_date,
        plan_days.market_code,
        {{ from_local_timestamp(
            dbt.dateadd(
                'minute',
                'markets.gate_closure_minute_of_day',
                'cast(' ~ dbt.dateadd('day', -1, 'plan_days.delivery_date') ~ ' as date)'
            ),
            'markets.timezone'
        ) }} as gate_closure_utc
    from (select distinct delivery_date, market_code from plans) as plan_days
    inner join markets
        on markets.market_code = plan_days.market_code

)

select
    plans.delivery_date,
    plans.market_code,
    markets.timezone as market_timezone,
    plans.company_id,
    companies.legal_name as company_legal_name,
    plans.balancing_group_id,
    balancing_groups.eic_code as balancing_group_eic_code,
    balancing_groups.name as balancing_group_name,
    plans.period_start_utc,
    {{ dbt.dateadd('minute', 'plans.period_minutes', 'plans.period_start_utc') }} as period_end_utc,
    plans.period_start_local,
    cast(extract(hour from plans.period_start_local) as integer) as local_hour,
    plans.period_minutes,
    cast(plans.planned_mwh as decimal(12, 1)) as planned_mwh,
    cast(plans.forecast_p10_mwh as decimal(14, 3)) as forecast_p10_mwh,
    cast(plans.forecast_p50_mwh as decimal(14, 3)) as forecast_p50_mwh,
    cast(plans.forecast_p90_mwh as decimal(14, 3)) as forecast_p90_mwh,
    plans.metering_points_count,
    plans.metering_points_without_forecast_count,
    gate_closures.gate_closure_utc,
    plans.created_at <= gate_closures.gate_closure_utc as is_created_before_gate_closure,
    plans.forecast_cutoff_utc,
    plans.created_at,
    plans.dagster_run_id
from plans
left join balancing_groups
    on balancing_groups.balancing_group_id = plans.balancing_group_id
left join companies
    on companies.company_id = plans.company_id
left join markets
    on markets.market_code = plans.market_code
left join gate_closures
    on gate_closures.delivery_date = plans.delivery_date
    and gate_closures.market_code = plans.market_code
