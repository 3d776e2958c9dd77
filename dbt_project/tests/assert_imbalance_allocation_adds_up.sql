-- The customers' allocated imbalance plus the group's settlement difference add up, per group and day, to the
-- group's net imbalance exactly, and their unrounded costs to the group's cost to within half a cent per priced
-- period (the group rounds each period's cost). Returns the days that do not.
with allocated as (
    select
        delivery_date,
        balancing_group_id,
        sum(imbalance_mwh) as imbalance_mwh,
        sum(imbalance_cost_unrounded) as imbalance_cost_unrounded
    from {{ ref('int_imbalance_customer_days_allocated') }}
    group by all
)

select daily.delivery_date, daily.balancing_group_id, daily.net_imbalance_mwh, allocated.imbalance_mwh,
       daily.imbalance_cost, allocated.imbalance_cost_unrounded
from {{ ref('fct_imbalance_daily') }} as daily
join allocated using (delivery_date, balancing_group_id)
where daily.net_imbalance_mwh <> allocated.imbalance_mwh
   or abs(coalesce(daily.imbalance_cost, 0) - coalesce(allocated.imbalance_cost_unrounded, 0))
      > 0.005 * (daily.settlement_periods_count - daily.periods_without_price_count)
