-- Imbalance per delivery day (local) and balancing group: volumes, cost and the forecast's volume-weighted
-- deviation from settlement (Σ|forecast − settled| / Σ settled over the periods that have a forecast), never
-- a mean of per-period percentages.
select
    delivery_date,
    market_code,
    company_id,
    balancing_group_id,
    count(*) as settlement_periods_count,
    sum(settled_mwh) as settled_mwh,
    sum(nominated_mwh) as nominated_mwh,
    sum(forecast_mwh) as forecast_mwh,
    sum(imbalance_mwh) as net_imbalance_mwh,
    sum(imbalance_mwh) filter (where imbalance_direction = 'short') as short_mwh,
    -sum(imbalance_mwh) filter (where imbalance_direction = 'long') as long_mwh,
    sum(imbalance_cost) as imbalance_cost,
    any_value(currency) as currency,
    count(*) filter (where is_price_missing) as periods_without_price_count,
    sum(settled_mwh) filter (where forecast_mwh is not null) as settled_with_forecast_mwh,
    sum(forecast_absolute_deviation_mwh) as forecast_absolute_deviation_mwh,
    case
        when sum(settled_mwh) filter (where forecast_mwh is not null) <> 0
            then {{ divide_round_half_up('sum(forecast_absolute_deviation_mwh) * 100', 'sum(settled_mwh) filter (where forecast_mwh is not null)', 4) }}
    end as forecast_deviation_pct
from {{ ref('fct_imbalance_settlement_periods') }}
group by all
