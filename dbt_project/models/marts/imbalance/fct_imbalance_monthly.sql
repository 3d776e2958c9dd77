-- Imbalance per local month and balancing group (company and market alongside), summed from
-- fct_imbalance_daily: volumes, cost (the sum of the periods' rounded costs) and the forecast's volume-weighted
-- deviation from settlement, Σ|forecast − settled| / Σ settled over the settlement periods that have a forecast.
-- Sum the volume columns and forecast_absolute_deviation_mwh to go up to a company or market, and divide again;
-- never average the percentages.
select
    cast({{ dbt.date_trunc('month', 'delivery_date') }} as date) as delivery_month,
    market_code,
    company_id,
    balancing_group_id,
    count(*) as delivery_days_count,
    cast(sum(settlement_periods_count) as bigint) as settlement_periods_count,
    sum(settled_mwh) as settled_mwh,
    sum(nominated_mwh) as nominated_mwh,
    sum(forecast_mwh) as forecast_mwh,
    sum(net_imbalance_mwh) as net_imbalance_mwh,
    coalesce(sum(short_mwh), 0) as short_mwh,
    coalesce(sum(long_mwh), 0) as long_mwh,
    sum(imbalance_cost) as imbalance_cost,
    min(currency) as currency,
    count(distinct currency) > 1 as has_mixed_currencies,
    cast(sum(periods_without_price_count) as bigint) as periods_without_price_count,
    sum(settled_with_forecast_mwh) as settled_with_forecast_mwh,
    sum(forecast_absolute_deviation_mwh) as forecast_absolute_deviation_mwh,
    case
        when sum(settled_with_forecast_mwh) <> 0
            then {{ divide_round_half_up('sum(forecast_absolute_deviation_mwh) * 100', 'sum(settled_with_forecast_mwh)', 4) }}
    end as forecast_deviation_pct
from {{ ref('fct_imbalance_daily') }}
group by all
