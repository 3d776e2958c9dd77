-- Settled volume per balancing group and settlement period, last delivered version (re-settlement wins).
with latest as (
    {{ latest_row_per_key(source('market_operator', 'settlement_volumes'), ['market_code', 'balancing_group_eic', 'period_start']) }}
)

select
    market_code,
    balancing_group_eic,
    period_start as period_start_utc,
    period_minutes,
    settled_mwh,
    _source_file as source_file,
    _source_line as source_line,
    _ingestion_seq as ingestion_seq,
    _versions_count as versions_count
from latest
