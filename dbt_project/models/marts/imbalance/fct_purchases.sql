-- What was bought per balancing group and day-ahead market time unit, what it cost and how far it is
-- from the purchase plan: procurement results where recorded, the plan at the day-ahead price where not
-- (the rules are in int_purchases_resolved).
select
    delivery_date,
    market_code,
    company_id,
    balancing_group_id,
    period_start_utc,
    period_start_local,
    period_minutes,
    purchase_source,
    planned_mwh,
    day_ahead_mwh,
    intraday_mwh,
    bilateral_mwh,
    purchased_mwh,
    purchased_mwh - planned_mwh as difference_from_plan_mwh,
    case
        when purchased_mwh <> 0 and purchase_cost is not null then {{ divide_round_half_up('purchase_cost', 'purchased_mwh', 2) }}
    end as price_per_mwh,
    day_ahead_price_per_mwh,
    purchase_cost,
    currency,
    is_price_missing,
    has_mixed_currencies
from {{ ref('int_purchases_resolved') }}
