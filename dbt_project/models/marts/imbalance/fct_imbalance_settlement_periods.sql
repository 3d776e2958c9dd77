-- Imbalance per balancing group and imbalance settlement period: settled − nominated, its direction, its
-- cost under the market's single or dual pricing, and the forecast's deviation from settlement.
with periods as (
    select * from {{ ref('int_settlement_periods_nominated') }}
),

markets as (
    select market_code, timezone, imbalance_pricing from {{ ref('markets') }}
),

prices as (
    select market_code, period_start_utc, price_category, price_per_mwh, currency
    from {{ ref('stg_market_operator__imbalance_prices') }}
),

classified as (
    select
        periods.*,
        markets.timezone as market_timezone,
        markets.imbalance_pricing,
        coalesce(periods.nominated_mwh, 0) as nominated_or_zero_mwh,
        periods.settled_mwh - coalesce(periods.nominated_mwh, 0) as imbalance_mwh
    from periods
    join markets using (market_code)
),

priced as (
    select
        classified.*,
        case
            when imbalance_mwh > 0 then 'short'
            when imbalance_mwh < 0 then 'long'
            else 'balanced'
        end as imbalance_direction,
        -- Single pricing: the one price. Dual: the short price for a deficit, the long price for a surplus
        -- (a balanced period is priced at neither and costs nothing).
        case
            when imbalance_pricing = 'single' then 'single'
            when imbalance_mwh > 0 then 'short'
            when imbalance_mwh < 0 then 'long'
        end as applied_price_category
    from classified
)

select
    priced.market_code,
    priced.company_id,
    priced.balancing_group_id,
    priced.balancing_group_eic,
    cast({{ to_local_timestamp('priced.period_start_utc', 'priced.market_timezone') }} as date) as delivery_date,
    priced.period_start_utc,
    {{ to_local_timestamp('priced.period_start_utc', 'priced.market_timezone') }} as period_start_local,
    priced.period_minutes,
    priced.nominated_mwh,
    priced.nomination_source,
    priced.nominated_minutes,
    priced.forecast_mwh,
    priced.settled_mwh,
    priced.imbalance_mwh,
    priced.imbalance_direction,
    priced.imbalance_pricing,
    priced.applied_price_category,
    prices.price_per_mwh as applied_price_per_mwh,
    prices.currency,
    case
        when priced.imbalance_direction = 'balanced' then 0.00
        else round(priced.imbalance_mwh * prices.price_per_mwh, 2)
    end as imbalance_cost,
    priced.imbalance_direction <> 'balanced' and prices.price_per_mwh is null as is_price_missing,
    priced.forecast_mwh - priced.settled_mwh as forecast_deviation_mwh,
    abs(priced.forecast_mwh - priced.settled_mwh) as forecast_absolute_deviation_mwh,
    case
        when priced.settled_mwh <> 0
            then {{ divide_round_half_up('(priced.forecast_mwh - priced.settled_mwh) * 100', 'priced.settled_mwh', 4) }}
    end as forecast_deviation_pct
from priced
left join prices
    on prices.market_code = priced.market_code
    and prices.period_start_utc = priced.period_start_utc
    and prices.price_category = priced.applied_price_category
