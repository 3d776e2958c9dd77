-- Reading versions that parsed fine but are wrong in context (see int_meter_readings_validated), with the
-- file and line they came from. Where the rejected version is the current one, the interval is estimated.
select
    'meter_readings' as source,
    source_file,
    source_line as line_number,
    reason_code,
    reason,
    -- the loaded row in the file's column order, instant in UTC
    metering_point_id
        || ',' || interval_start_text
        || ',' || cast(interval_minutes as {{ dbt.type_string() }})
        || ',' || cast(energy_kwh as {{ dbt.type_string() }})
        || ',' || cast(inductive_kvarh as {{ dbt.type_string() }})
        || ',' || cast(capacitive_kvarh as {{ dbt.type_string() }}) as record,
    ingestion_id,
    ingestion_seq,
    ingested_at,
    metering_point_id,
    interval_start_utc,
    revision_number,
    is_current
from {{ ref('int_meter_readings_validated') }}
where reason_code is not null
