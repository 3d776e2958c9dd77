-- Every rejected row in one place: rows the loader quarantined for breaking a file contract
-- (detected_by = ingestion) and readings that parsed fine but are wrong in context (detected_by = dbt).
with ingestion_rejects as (

    select
        source,
        source_file,
        line_number,
        reason_code,
        reason,
        record,
        'ingestion' as detected_by,
        ingestion_id,
        ingestion_seq
    from {{ ref('stg_ingestion__rejected_rows') }}

),

dbt_rejects as (

    select
        source,
        source_file,
        line_number,
        reason_code,
        reason,
        record,
        'dbt' as detected_by,
        ingestion_id,
        ingestion_seq
    from {{ ref('int_meter_readings_rejected') }}

),

unioned as (

    select * from ingestion_rejects
    union all
    select * from dbt_rejects

)

select
    source,
    source_file,
    cast(line_number as bigint) as line_number,
    reason_code,
    reason,
    record,
    detected_by,
    ingestion_id,
    cast(ingestion_seq as bigint) as ingestion_seq
from unioned
