-- Hourly temperatures per market (observations and forecasts), last delivered version per (market, hour, kind, issue time).
with latest as (
    {{ latest_row_per_key(source('weather', 'temperatures'), ['market_code', 'valid_at', 'kind', 'issued_at']) }}
)

select
    market_code,
    valid_at as valid_at_utc,
    kind,
    issued_at as issued_at_utc,
    temperature_c,
    _source_file as source_file,
    _source_line as source_line,
    _ingestion_id as ingestion_id,
    _ingestion_seq as ingestion_seq,
    _ingested_at as ingested_at,
    _versions_count as versions_count
from latest
