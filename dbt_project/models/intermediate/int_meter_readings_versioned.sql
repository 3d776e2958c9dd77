-- Every delivered version of every (metering point, interval start), numbered in delivery order.
-- History is never lost: superseded versions stay with is_current = false.
with readings as (

    select * from {{ ref('stg_dso__meter_readings') }}

),

-- Most keys were delivered once; only keys delivered again need the window functions below.
version_counts as (

    select metering_point_id, interval_start_utc, count(*) as versions_count
    from readings
    group by metering_point_id, interval_start_utc

),

counted as (

    select readings.*, version_counts.versions_count
    from readings
    inner join version_counts
        on version_counts.metering_point_id = readings.metering_point_id
        and version_counts.interval_start_utc = readings.interval_start_utc

),

single_versions as (

    select
        counted.*,
        1 as revision_number,
        false as is_value_changed,
        cast(null as varchar) as superseded_by_source_file,
        cast(null as timestamp with time zone) as superseded_at,
        0 as changed_so_far
    from counted
    where versions_count = 1

),

numbered as (

    select
        counted.*,
        row_number() over (
            partition by metering_point_id, interval_start_utc
            order by ingestion_seq, source_line
        ) as revision_number
    from counted
    where versions_count > 1

),
compared as (

    select
        numbered.*,
        case
            when revision_number = 1 then false
            when energy_kwh <> lag(energy_kwh) over (
                    partition by metering_point_id, interval_start_utc order by revision_number)
                or inductive_kvarh <> lag(inductive_kvarh) over (
                    partition by metering_point_id, interval_start_utc order by revision_number)
                or capacitive_kvarh <> lag(capacitive_kvarh) over (
                    partition by metering_point_id, interval_start_utc order by revision_number)
                or interval_minutes <> lag(interval_minutes) over (
                    partition by metering_point_id, interval_start_utc order by revision_number)
                then true
            else false
        end as is_value_changed,
        lead(source_file) over (
            partition by metering_point_id, interval_start_utc order by revision_number
        ) as superseded_by_source_file,
        lead(ingested_at) over (
            partition by metering_point_id, interval_start_utc order by revision_number
        ) as superseded_at

    from numbered

),

typed as (

    select
        compared.*,
        max(case when is_value_changed then 1 else 0 end) over (
            partition by metering_point_id, interval_start_utc
            order by revision_number
            rows between unbounded preceding and current row
        ) as changed_so_far
    from compared

)

{% for versions in ['typed', 'single_versions'] %}
select
    metering_point_id,
    interval_start_utc,
    revision_number,
    versions_count,
    revision_number = versions_count as is_current,
    is_value_changed,
    case when changed_so_far = 1 then 'recalculated' else 'achieved' end as consumption_type,
    interval_minutes,
    energy_kwh,
    inductive_kvarh,
    capacitive_kvarh,
    source_file,
    source_line,
    ingestion_id,
    ingestion_seq,
    ingested_at,
    superseded_by_source_file,
    superseded_at
from {{ versions }}
{% if not loop.last %}union all{% endif %}
{% endfor %}
