-- Bilateral purchase schedules, last delivered version of each contract period.
with latest as (
    {{ latest_row_per_key(source('trading', 'bilateral_purchases'), ['contract_id', 'delivery_start']) }}
)

select
    contract_id,
    counterparty,
    market_code,
    balancing_group_eic,
    delivery_start as delivery_start_utc,
    delivery_minutes,
    volume_mwh,
    price_per_mwh,
    currency,
    _source_file as source_file,
    _source_line as source_line,
    _versions_count as versions_count
from latest
