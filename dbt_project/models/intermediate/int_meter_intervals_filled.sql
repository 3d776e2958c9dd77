-- Every spine interval with a value: the valid current reading where there is one (achieved or
-- recalculated), otherwise an estimate (consumption_type estimated). Estimation method, first that applies:
--   1. same_local_time_7_days_earlier  the valid reading of the same point at the same local wall-clock time
--                                      7 days earlier
--   2. same_local_time_7_days_later    the same, 7 days later
--   3. local_hour_mean_of_month        the mean of the point's valid readings in the same local hour of day
--                                      and the same local month (rounded half up to 0.001)
--   4. zero                            0
-- Active, inductive and capacitive energy are taken from the same source. Sources are valid readings
-- only, never other estimates. Where a local wall-clock time occurs twice (the 25-hour day), its first
-- occurrence is the source.
with spine as (

    select * from {{ ref('int_meter_intervals_spined') }}

),

valid_readings as (

    select
        metering_point_id,
        interval_start_utc,
        consumption_type,
        revision_number,
        energy_kwh,
        inductive_kvarh,
        capacitive_kvarh,
        source_file,
        source_line,
        ingestion_id
    from {{ ref('int_meter_readings_validated') }}
    where is_current and is_valid

),

-- Every spine interval with its valid reading, if any. Estimates are looked up for the gaps
-- only (a small share of the spine), never joined against every interval.
readings_on_spine as (

    select
        spine.*,
        valid_readings.interval_start_utc is not null as has_valid_reading,
        valid_readings.consumption_type as reading_consumption_type,
        valid_readings.revision_number,
        valid_readings.energy_kwh as reading_energy_kwh,
        valid_readings.inductive_kvarh as reading_inductive_kvarh,
        valid_readings.capacitive_kvarh as reading_capacitive_kvarh,
        valid_readings.source_file,
        valid_readings.source_line,
        valid_readings.ingestion_id
    from spine
    left join valid_readings
        on valid_readings.metering_point_id = spine.metering_point_id
        and valid_readings.interval_start_utc = spine.interval_start_utc

),

valid_on_spine as (

    select
        metering_point_id,
        interval_start_utc,
        interval_start_local,
        local_month,
        local_hour,
        reading_energy_kwh as energy_kwh,
        reading_inductive_kvarh as inductive_kvarh,
        reading_capacitive_kvarh as capacitive_kvarh
    from readings_on_spine
    where has_valid_reading

),

gaps as (

    select metering_point_id, interval_start_utc, interval_start_local, local_month, local_hour
    from readings_on_spine
    where not has_valid_reading

),

-- Valid readings at the same local wall-clock time 7 days before / after a gap. Where that local
-- time occurs twice (the 25-hour day) the first occurrence (earliest UTC) is the source.
week_matches as (

    {% for direction, days in [('before', -7), ('after', 7)] %}
    select
        gaps.metering_point_id,
        gaps.interval_start_utc,
        '{{ direction }}' as direction,
        source.interval_start_utc as source_interval_start_utc,
        source.energy_kwh,
        source.inductive_kvarh,
        source.capacitive_kvarh
    from gaps
    inner join valid_on_spine as source
        on source.metering_point_id = gaps.metering_point_id
        and source.interval_start_local = {{ dbt.dateadd('day', days, 'gaps.interval_start_local') }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

week_sources as (

    select
        week_matches.*,
        row_number() over (
            partition by metering_point_id, interval_start_utc, direction
            order by source_interval_start_utc
        ) as occurrence
    from week_matches

),

gap_months as (

    select distinct metering_point_id, local_month from gaps

),

local_hour_means as (

    select
        valid_on_spine.metering_point_id,
        valid_on_spine.local_month,
        valid_on_spine.local_hour,
        {{ decimal_mean('sum(valid_on_spine.energy_kwh)', 'count(*)') }} as energy_kwh,
        {{ decimal_mean('sum(valid_on_spine.inductive_kvarh)', 'count(*)') }} as inductive_kvarh,
        {{ decimal_mean('sum(valid_on_spine.capacitive_kvarh)', 'count(*)') }} as capacitive_kvarh
    from valid_on_spine
    inner join gap_months
        on gap_months.metering_point_id = valid_on_spine.metering_point_id
        and gap_months.local_month = valid_on_spine.local_month
    group by valid_on_spine.metering_point_id, valid_on_spine.local_month, valid_on_spine.local_hour

),

gap_estimates as (

    select
        gaps.metering_point_id,
        gaps.interval_start_utc,
        week_before.source_interval_start_utc as week_before_interval_start_utc,
        week_before.energy_kwh as week_before_energy_kwh,
        week_before.inductive_kvarh as week_before_inductive_kvarh,
        week_before.capacitive_kvarh as week_before_capacitive_kvarh,
        week_after.source_interval_start_utc as week_after_interval_start_utc,
        week_after.energy_kwh as week_after_energy_kwh,
        week_after.inductive_kvarh as week_after_inductive_kvarh,
        week_after.capacitive_kvarh as week_after_capacitive_kvarh,
        local_hour_means.energy_kwh as hour_mean_energy_kwh,
        local_hour_means.inductive_kvarh as hour_mean_inductive_kvarh,
        local_hour_means.capacitive_kvarh as hour_mean_capacitive_kvarh
    from gaps
    left join week_sources as week_before
        on week_before.metering_point_id = gaps.metering_point_id
        and week_before.interval_start_utc = gaps.interval_start_utc
        and week_before.direction = 'before'
        and week_before.occurrence = 1
    left join week_sources as week_after
        on week_after.metering_point_id = gaps.metering_point_id
        and week_after.interval_start_utc = gaps.interval_start_utc
        and week_after.direction = 'after'
        and week_after.occurrence = 1
    left join local_hour_means
        on local_hour_means.metering_point_id = gaps.metering_point_id
        and local_hour_means.local_month = gaps.local_month
        and local_hour_means.local_hour = gaps.local_hour

),

candidates as (

    select
        readings_on_spine.*,
        gap_estimates.week_before_interval_start_utc,
        gap_estimates.week_before_energy_kwh,
        gap_estimates.week_before_inductive_kvarh,
        gap_estimates.week_before_capacitive_kvarh,
        gap_estimates.week_after_interval_start_utc,
        gap_estimates.week_after_energy_kwh,
        gap_estimates.week_after_inductive_kvarh,
        gap_estimates.week_after_capacitive_kvarh,
        gap_estimates.hour_mean_energy_kwh,
        gap_estimates.hour_mean_inductive_kvarh,
        gap_estimates.hour_mean_capacitive_kvarh
    from readings_on_spine
    left join gap_estimates
        on gap_estimates.metering_point_id = readings_on_spine.metering_point_id
        and gap_estimates.interval_start_utc = readings_on_spine.interval_start_utc

),

methods as (

    select
        candidates.*,
        case
            when has_valid_reading then null
            when week_before_interval_start_utc is not null then 'same_local_time_7_days_earlier'
            when week_after_interval_start_utc is not null then 'same_local_time_7_days_later'
            when hour_mean_energy_kwh is not null then 'local_hour_mean_of_month'
            else 'zero'
        end as estimation_method
    from candidates

)

select
    metering_point_id,
    interval_start_utc,
    interval_end_utc,
    interval_minutes,
    hour_start_utc,
    interval_start_local,
    hour_start_local,
    local_date,
    local_month,
    local_hour,
    tariff_zone,
    market_code,
    market_timezone,
    dso_id,
    company_id,
    customer_id,
    location_id,
    case when has_valid_reading then reading_consumption_type else 'estimated' end as consumption_type,
    estimation_method,
    case estimation_method
        when 'same_local_time_7_days_earlier' then week_before_interval_start_utc
        when 'same_local_time_7_days_later' then week_after_interval_start_utc
    end as estimation_source_interval_start_utc,
    {%- for measure in ['energy_kwh', 'inductive_kvarh', 'capacitive_kvarh'] %}
    cast(case
        when has_valid_reading then reading_{{ measure }}
        when estimation_method = 'same_local_time_7_days_earlier' then week_before_{{ measure }}
        when estimation_method = 'same_local_time_7_days_later' then week_after_{{ measure }}
        when estimation_method = 'local_hour_mean_of_month' then hour_mean_{{ measure }}
        else 0
    end as decimal(18, 3)) as {{ measure }},
    {%- endfor %}
    revision_number,
    source_file,
    source_line,
    ingestion_id
from methods
