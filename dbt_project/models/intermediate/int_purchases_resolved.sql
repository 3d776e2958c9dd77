-- What each balancing group bought per day-ahead market time unit (MTU, the `markets` seed's
-- day_ahead_resolution_minutes), from the procurement results where the trading desk recorded them and
-- from the purchase plan where it did not.
--
-- * Procurement results are exchange trades (day-ahead and intraday; a sell counts negative) and bilateral
--   purchase schedules. A record longer than the MTU is spread over the MTUs it covers, one shorter than
--   the MTU adds to the MTU it falls in: volume × overlap / record minutes, rounded half-up to 6 decimals;
--   its cost is volume × price × overlap / record minutes at 6 decimals. The MTU's cost is the sum of its
--   records' costs rounded half-up to 2 decimals once.
-- * A (balancing group, local delivery day) with any procurement record is `procurement`: the records are
--   what was bought, and an MTU without a record bought nothing. A day without any record is
--   `purchase_plan`: the hourly plan spread over the MTUs (planned × overlap / 60) bought at the
--   day-ahead clearing price of each MTU, cost rounded half-up to 2 decimals; an MTU without a published
--   price has no cost (never zero) and is flagged.
with markets as (
    select market_code, timezone, cast(day_ahead_resolution_minutes as integer) as mtu_minutes
    from {{ ref('markets') }}
),

balancing_groups as (
    select balancing_group_id, company_id, market_code, eic_code from {{ ref('balancing_groups') }}
),

records as (
    select
        balancing_groups.balancing_group_id,
        trades.market_code,
        case trades.market_segment when 'intraday' then 'intraday' else 'day_ahead' end as purchase_kind,
        trades.delivery_start_utc as record_start_utc,
        trades.delivery_minutes as record_minutes,
        trades.signed_volume_mwh as volume_mwh,
        trades.price_per_mwh,
        trades.currency
    from {{ ref('stg_trading__exchange_trades') }} as trades
    join balancing_groups on balancing_groups.eic_code = trades.balancing_group_eic

    union all

    select
        balancing_groups.balancing_group_id,
        bilateral.market_code,
        'bilateral' as purchase_kind,
        bilateral.delivery_start_utc,
        bilateral.delivery_minutes,
        bilateral.volume_mwh,
        bilateral.price_per_mwh,
        bilateral.currency
    from {{ ref('stg_trading__bilateral_purchases') }} as bilateral
    join balancing_groups on balancing_groups.eic_code = bilateral.balancing_group_eic
),

record_spans as (
    select
        records.*,
        markets.mtu_minutes,
        records.record_start_utc + to_minutes(records.record_minutes) as record_end_utc,
        -- The MTU the record starts in (MTUs are whole quarter-hours or hours of UTC, and of local time).
        records.record_start_utc
            - to_minutes(cast(extract(minute from records.record_start_utc) as integer) % markets.mtu_minutes)
            as first_mtu_start_utc
    from records
    join markets using (market_code)
),

record_mtus as (
    {{ interval_series('record_spans', 'first_mtu_start_utc', 'record_end_utc', 'mtu_minutes', 'mtu_start_utc') }}
),

procured as (
    select
        balancing_group_id,
        market_code,
        mtu_start_utc,
        {%- for kind in ['day_ahead', 'intraday', 'bilateral'] %}
        sum({{ spread_by_overlap('volume_mwh', 'record_start_utc', 'record_end_utc', 'record_minutes', 'mtu_start_utc', 'mtu_end_utc') }})
            filter (where purchase_kind = '{{ kind }}') as {{ kind }}_mwh,
        {%- endfor %}
        sum({{ spread_by_overlap('volume_mwh * price_per_mwh', 'record_start_utc', 'record_end_utc', 'record_minutes', 'mtu_start_utc', 'mtu_end_utc') }})
            as cost_unrounded,
        min(currency) as currency,
        count(distinct currency) as currencies_count
    from (select *, mtu_start_utc + to_minutes(mtu_minutes) as mtu_end_utc from record_mtus) as record_mtus
    group by all
),

plan_spans as (
    select
        plans.balancing_group_id,
        plans.market_code,
        plans.period_start_utc,
        plans.period_start_utc + to_minutes(plans.period_minutes) as period_end_utc,
        plans.period_minutes,
        plans.planned_mwh,
        markets.mtu_minutes
    from {{ ref('stg_forecasting__purchase_plans') }} as plans
    join markets using (market_code)
),

planned as (
    select
        balancing_group_id,
        market_code,
        mtu_start_utc,
        sum({{ spread_by_overlap('planned_mwh', 'period_start_utc', 'period_end_utc', 'period_minutes', 'mtu_start_utc', 'mtu_start_utc + to_minutes(mtu_minutes)') }})
            as planned_mwh
    from ({{ interval_series('plan_spans', 'period_start_utc', 'period_end_utc', 'mtu_minutes', 'mtu_start_utc') }}) as plan_mtus
    group by all
),

spine as (
    select
        keys.balancing_group_id,
        keys.market_code,
        keys.mtu_start_utc,
        markets.mtu_minutes,
        markets.timezone,
        cast({{ to_local_timestamp('keys.mtu_start_utc', 'markets.timezone') }} as date) as delivery_date
    from (
        select balancing_group_id, market_code, mtu_start_utc from procured
        union
        select balancing_group_id, market_code, mtu_start_utc from planned
    ) as keys
    join markets using (market_code)
),

procured_days as (
    select distinct spine.balancing_group_id, spine.delivery_date
    from spine
    join procured using (balancing_group_id, mtu_start_utc)
),

day_ahead_prices as (
    select
        market_code,
        period_start_utc,
        period_start_utc + to_minutes(period_minutes) as period_end_utc,
        price_per_mwh,
        currency
    from {{ ref('stg_power_exchange__day_ahead_prices') }}
),

combined as (
    select
        spine.*,
        procured_days.balancing_group_id is not null as is_procured_day,
        planned.planned_mwh,
        procured.day_ahead_mwh,
        procured.intraday_mwh,
        procured.bilateral_mwh,
        procured.cost_unrounded,
        procured.currency as procurement_currency,
        procured.currencies_count,
        day_ahead_prices.price_per_mwh as day_ahead_price_per_mwh,
        day_ahead_prices.currency as day_ahead_currency
    from spine
    left join procured_days using (balancing_group_id, delivery_date)
    left join planned using (balancing_group_id, mtu_start_utc)
    left join procured using (balancing_group_id, mtu_start_utc)
    left join day_ahead_prices
        on day_ahead_prices.market_code = spine.market_code
        and day_ahead_prices.period_start_utc <= spine.mtu_start_utc
        and day_ahead_prices.period_end_utc > spine.mtu_start_utc
)

select
    combined.delivery_date,
    combined.market_code,
    balancing_groups.company_id,
    combined.balancing_group_id,
    combined.mtu_start_utc as period_start_utc,
    {{ to_local_timestamp('combined.mtu_start_utc', 'combined.timezone') }} as period_start_local,
    combined.mtu_minutes as period_minutes,
    case when combined.is_procured_day then 'procurement' else 'purchase_plan' end as purchase_source,
    combined.planned_mwh,
    case when combined.is_procured_day then coalesce(combined.day_ahead_mwh, 0) end as day_ahead_mwh,
    case when combined.is_procured_day then coalesce(combined.intraday_mwh, 0) end as intraday_mwh,
    case when combined.is_procured_day then coalesce(combined.bilateral_mwh, 0) end as bilateral_mwh,
    case
        when combined.is_procured_day
            then coalesce(combined.day_ahead_mwh, 0) + coalesce(combined.intraday_mwh, 0) + coalesce(combined.bilateral_mwh, 0)
        else combined.planned_mwh
    end as purchased_mwh,
    combined.day_ahead_price_per_mwh,
    case
        when combined.is_procured_day then round(coalesce(combined.cost_unrounded, 0), 2)
        when combined.day_ahead_price_per_mwh is not null then round(combined.planned_mwh * combined.day_ahead_price_per_mwh, 2)
    end as purchase_cost,
    case
        when combined.is_procured_day then coalesce(combined.procurement_currency, combined.day_ahead_currency)
        else combined.day_ahead_currency
    end as currency,
    not combined.is_procured_day and combined.day_ahead_price_per_mwh is null as is_price_missing,
    coalesce(combined.currencies_count, 0) > 1 as has_mixed_currencies
from combined
join balancing_groups using (balancing_group_id)
