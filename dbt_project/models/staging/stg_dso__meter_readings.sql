-- Interval meter readings exactly as delivered: every version of every (metering point, interval start)
-- is kept here; int_meter_readings_versioned numbers the versions and marks the current one.
select
    metering_point_id,
    interval_start as interval_start_utc,
    interval_minutes,
    energy_kwh,
    inductive_kvarh,
    capacitive_kvarh,
    _source_file as source_file,
    _source_line as source_line,
    _ingestion_id as ingestion_id,
    _ingestion_seq as ingestion_seq,
    _ingested_at as ingested_at
from {{ source('dso', 'meter_readings') }}
