-- The forecasting tables state each period twice, as a UTC instant and as local wall-clock time: both must
-- agree with the market's time zone (markets seed), and the period must start on its local delivery day, so
-- a 25-hour day holds its repeated hour and a 23-hour day none of the next day's. Returns the offending rows.
with periods as (

    select 'series_forecasts' as table_name, delivery_date, market_code, series_id as key_id, period_start_utc, period_start_local
    from {{ ref('stg_forecasting__series_forecasts') }}
    union all
    select 'purchase_plans', delivery_date, market_code, balancing_group_id, period_start_utc, period_start_local
    from {{ ref('stg_forecasting__purchase_plans') }}

),

localized as (

    select
        periods.*,
        markets.timezone,
        {{ to_local_timestamp('periods.period_start_utc', 'markets.timezone') }} as expected_period_start_local
    from periods
    left join {{ ref('markets') }} as markets
        on markets.market_code = periods.market_code

)

select *
from localized
where timezone is null
    or period_start_local is null
    or period_start_local <> expected_period_start_local
    or cast(expected_period_start_local as date) <> delivery_date
