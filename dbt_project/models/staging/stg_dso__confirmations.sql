-- DSO confirmations of metering points, last delivered version per (metering point, confirmation month); every month is kept.
with latest as (
    {{ latest_row_per_key(source('dso', 'confirmations'), ['metering_point_id', 'confirmation_month']) }}
)

select
    confirmation_month,
    dso_id,
    company_id,
    customer_id,
    customer_name,
    customer_class,
    customer_vat_number,
    metering_point_id,
    location_id,
    supply_start_date,
    interval_minutes,
    connection_capacity_kw,
    voltage_level,
    _source_file as source_file,
    _source_line as source_line,
    _ingestion_id as ingestion_id,
    _ingestion_seq as ingestion_seq,
    _ingested_at as ingested_at,
    _versions_count as versions_count
from latest
