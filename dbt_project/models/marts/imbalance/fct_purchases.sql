-- What was bought per balancing group and plan period, and what it cost: until procurement results
-- (exchange trades, bilateral contracts) are recorded, the purchase plan at the day-ahead clearing price.
-- A plan hour over 15-minute market time units costs Σ planned × overlap / plan minutes × price of each unit;
-- the price shown is that cost per MWh. A plan period with any unit unpriced has no cost (never zero).
with plans as (
    select
        delivery_date,
        market_code,
        company_id,
        balancing_group_id,
        period_start_utc,
        period_start_local,
        period_minutes,
        period_start_utc + to_minutes(period_minutes) as period_end_utc,
        planned_mwh
    from {{ ref('stg_forecasting__purchase_plans') }}
),

prices as (
    select
        market_code,
        period_start_utc,
        period_start_utc + to_minutes(period_minutes) as period_end_utc,
        price_per_mwh,
        currency
    from {{ ref('stg_power_exchange__day_ahead_prices') }}
),

unit_overlaps as (
    select
        plans.delivery_date,
        plans.balancing_group_id,
        plans.period_start_utc,
        plans.planned_mwh,
        prices.price_per_mwh,
        prices.currency,
        {{ overlap_minutes('plans.period_start_utc', 'plans.period_end_utc', 'prices.period_start_utc', 'prices.period_end_utc') }}
            as overlap_minutes
    from plans
    join prices
        on prices.market_code = plans.market_code
        and prices.period_start_utc < plans.period_end_utc
        and prices.period_end_utc > plans.period_start_utc
),

priced_units as (
    select
        delivery_date,
        balancing_group_id,
        period_start_utc,
        sum(overlap_minutes) as priced_minutes,
        sum(planned_mwh * price_per_mwh * overlap_minutes) as cost_times_plan_minutes,
        any_value(currency) as currency
    from unit_overlaps
    group by all
),

costed as (
    select
        plans.*,
        priced_units.currency,
        coalesce(priced_units.priced_minutes, 0) < plans.period_minutes as is_price_missing,
        case
            when coalesce(priced_units.priced_minutes, 0) >= plans.period_minutes
                then {{ divide_round_half_up('priced_units.cost_times_plan_minutes', 'plans.period_minutes', 2) }}
        end as purchase_cost
    from plans
    left join priced_units
        on priced_units.delivery_date = plans.delivery_date
        and priced_units.balancing_group_id = plans.balancing_group_id
        and priced_units.period_start_utc = plans.period_start_utc
)

select
    delivery_date,
    market_code,
    company_id,
    balancing_group_id,
    period_start_utc,
    period_start_local,
    cast(period_minutes as integer) as period_minutes,
    'purchase_plan' as purchase_source,
    planned_mwh as purchased_mwh,
    case when planned_mwh <> 0 and purchase_cost is not null then {{ divide_round_half_up('purchase_cost', 'planned_mwh', 2) }} end
        as price_per_mwh,
    purchase_cost,
    currency,
    is_price_missing
from costed
