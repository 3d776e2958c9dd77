-- Charge detail records, every delivery. A CDR is rated once: the first delivery of a `cdr_id` (earliest file, then
-- line) is the one rated; later deliveries of the same id are repeats, kept so the control center can show them.
select
    cdr_id,
    start_date_time,
    end_date_time,
    evse_id,
    emp_id,
    nullif(product_id, '') as product_id,
    upper(currency) as currency,
    total_energy_kwh,
    total_time_hours,
    coalesce(total_parking_time_hours, 0) as total_parking_time_hours,
    credit = 'true' as is_credit,
    credit_reference_id,
    tariff_id,
    charging_periods_json,
    row_number() over (partition by cdr_id order by _ingestion_seq, _source_line) = 1 as is_first_delivery,
    _source_file as source_file,
    _source_line as source_line,
    _ingestion_id as ingestion_id,
    _ingestion_seq as ingestion_seq,
    _ingested_at as ingested_at
from {{ source('emobility', 'charge_detail_records') }}
