-- Each customer's share of its balancing group's imbalance per local day, allocated from the customer's
-- meter data and forecast (rules in int_imbalance_customer_days_allocated). The group's settlement
-- difference is not a customer: it is in fct_imbalance_customer_groups_monthly and fct_imbalance_daily.
select
    allocated.delivery_date,
    allocated.market_code,
    allocated.company_id,
    allocated.balancing_group_id,
    allocated.customer_id,
    customers.customer_name,
    customers.customer_class,
    allocated.settlement_periods_count,
    allocated.forecast_share_periods_count,
    allocated.periods_without_price_count,
    allocated.metered_mwh,
    allocated.forecast_mwh,
    allocated.nominated_share_mwh,
    allocated.imbalance_mwh,
    round(allocated.imbalance_cost_unrounded, 2) as imbalance_cost,
    allocated.currency,
    case
        when allocated.metered_with_forecast_mwh <> 0
            then {{ divide_round_half_up('allocated.forecast_absolute_deviation_mwh * 100', 'allocated.metered_with_forecast_mwh', 4) }}
    end as forecast_deviation_pct
from {{ ref('int_imbalance_customer_days_allocated') }} as allocated
left join {{ ref('dim_customers') }} as customers using (customer_id)
where not allocated.is_settlement_difference
