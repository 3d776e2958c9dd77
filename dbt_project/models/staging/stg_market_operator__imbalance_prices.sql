-- Imbalance price per market, settlement period and category (single / long / short), last delivered version.
with latest as (
    {{ latest_row_per_key(source('market_operator', 'imbalance_prices'), ['market_code', 'period_start', 'price_category']) }}
)

select
    market_code,
    period_start as period_start_utc,
    period_minutes,
    price_category,
    price_per_mwh,
    currency,
    _source_file as source_file,
    _source_line as source_line,
    _versions_count as versions_count
from latest
