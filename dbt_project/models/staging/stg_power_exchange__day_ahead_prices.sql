-- Day-ahead clearing price per market and market time unit, last delivered version.
with latest as (
    {{ latest_row_per_key(source('power_exchange', 'day_ahead_prices'), ['market_code', 'period_start']) }}
)

select
    market_code,
    period_start as period_start_utc,
    period_minutes,
    price_per_mwh,
    currency,
    _source_file as source_file,
    _source_line as source_line,
    _versions_count as versions_count
from latest
