-- Imbalance per local month and balancing group (company and market alongside): volumes, cost and the
-- forecast's volume-weighted deviation from settlement, Σ|forecast − settled| / Σ settled over the settlement
-- periods that have a forecast. Sum the volume columns and forecast_absolute_deviation_mwh to go up to a
-- company or market, and divide again; never average the percentages.
select
    cast({{ dbt.date_trunc('month', 'delivery_date') }} as date) as delivery_month,
    market_code,
    company_id,
    balancing_group_id,
    count(distinct delivery_date) as delivery_days_count,
    count(*) as settlement_periods_count,
    sum(settled_mwh) as settled_mwh,
    sum(nominated_mwh) as nominated_mwh,
    sum(forecast_mwh) as forecast_mwh,
    sum(imbalance_mwh) as net_imbalance_mwh,
    coalesce(sum(imbalance_mwh) filter (where imbalance_direction = 'short'), 0) as short_mwh,
    coalesce(-sum(imbalance_mwh) filter (where imbalance_direction = 'long'), 0) as long_mwh,
    sum(imbalance_cost) as imbalance_cost,
    min(currency) as currency,
    count(distinct currency) > 1 as has_mixed_currencies,
    count(*) filter (where is_price_missing) as periods_without_price_count,
    sum(settled_mwh) filter (where forecast_mwh is not null) as settled_with_forecast_mwh,
    sum(forecast_absolute_deviation_mwh) as forecast_absolute_deviation_mwh,
    case
        when sum(settled_mwh) filter (where forecast_mwh is not null) <> 0
            then {{ divide_round_half_up('sum(forecast_absolute_deviation_mwh) * 100', 'sum(settled_mwh) filter (where forecast_mwh is not null)', 4) }}
    end as forecast_deviation_pct
from {{ ref('fct_imbalance_settlement_periods') }}
group by all
