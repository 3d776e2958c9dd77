-- Imbalance per local month and supplier company, summed over its balancing groups from fct_imbalance_monthly;
-- the % deviation is formed again from the summed numerator and denominator (volume-weighted), never averaged.
select
    delivery_month,
    market_code,
    company_id,
    count(*) as balancing_groups_count,
    sum(settlement_periods_count) as settlement_periods_count,
    sum(settled_mwh) as settled_mwh,
    sum(nominated_mwh) as nominated_mwh,
    sum(forecast_mwh) as forecast_mwh,
    sum(net_imbalance_mwh) as net_imbalance_mwh,
    sum(short_mwh) as short_mwh,
    sum(long_mwh) as long_mwh,
    sum(imbalance_cost) as imbalance_cost,
    min(currency) as currency,
    bool_or(has_mixed_currencies) or count(distinct currency) > 1 as has_mixed_currencies,
    sum(periods_without_price_count) as periods_without_price_count,
    sum(settled_with_forecast_mwh) as settled_with_forecast_mwh,
    sum(forecast_absolute_deviation_mwh) as forecast_absolute_deviation_mwh,
    case
        when sum(settled_with_forecast_mwh) <> 0
            then {{ divide_round_half_up('sum(forecast_absolute_deviation_mwh) * 100', 'sum(settled_with_forecast_mwh)', 4) }}
    end as forecast_deviation_pct
from {{ ref('fct_imbalance_monthly') }}
group by all
