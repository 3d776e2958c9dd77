-- DSO network fees per metering point, local month and fee, last delivered version per key.
with latest as (
    {{ latest_row_per_key(source('dso', 'network_fees'), ['billing_month', 'metering_point_id', 'fee_code']) }}
)

select
    billing_month,
    dso_id,
    metering_point_id,
    fee_code,
    quantity,
    unit,
    unit_price,
    amount,
    currency,
    _source_file as source_file,
    _source_line as source_line,
    _ingestion_id as ingestion_id,
    _ingestion_seq as ingestion_seq,
    _ingested_at as ingested_at,
    _versions_count as versions_count
from latest
