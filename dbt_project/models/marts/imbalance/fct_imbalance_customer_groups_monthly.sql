-- Allocated imbalance per local month, balancing group and customer group (the customer class), plus the
-- group's settlement difference as its own customer group, so that the rows of a group and month add up to
-- the group's imbalance. Costs are summed unrounded and rounded half-up to 2 decimals once per row.
select
    cast({{ dbt.date_trunc('month', 'allocated.delivery_date') }} as date) as delivery_month,
    allocated.market_code,
    allocated.company_id,
    allocated.balancing_group_id,
    case when allocated.is_settlement_difference then 'settlement_difference' else customers.customer_class end as customer_group,
    count(distinct allocated.customer_id) as customers_count,
    sum(allocated.metered_mwh) as metered_mwh,
    sum(allocated.forecast_mwh) as forecast_mwh,
    sum(allocated.nominated_share_mwh) as nominated_share_mwh,
    sum(allocated.imbalance_mwh) as imbalance_mwh,
    round(sum(allocated.imbalance_cost_unrounded), 2) as imbalance_cost,
    min(allocated.currency) as currency,
    case
        when sum(allocated.metered_with_forecast_mwh) <> 0
            then {{ divide_round_half_up('sum(allocated.forecast_absolute_deviation_mwh) * 100', 'sum(allocated.metered_with_forecast_mwh)', 4) }}
    end as forecast_deviation_pct
from {{ ref('int_imbalance_customer_days_allocated') }} as allocated
left join {{ ref('dim_customers') }} as customers using (customer_id)
group by all
