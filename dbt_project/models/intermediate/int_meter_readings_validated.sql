-- Every version of every reading, checked in context (rules the loader cannot know):
--   future_interval         the interval starts after its file was loaded (_ingested_at): a reading cannot
--                           describe the future (a wrong year or month in the timestamp)
--   unknown_metering_point  the point is in no DSO confirmation (reported for the current version only)
--   before_supply_start     the interval starts before the point's supply start (local midnight)
--   interval_mismatch       the interval length differs from the confirmed one, or is off the point's grid
--   exceeds_capacity        energy_kwh > connection_capacity_kw x interval hours (a spike)
-- The first failing rule (in this order) is the reason. A version is valid when it breaks no rule and
-- its point is known; the marts use the current version only if it is valid (otherwise the interval is
-- estimated, never filled from an older version the DSO has corrected).
with readings as (

    select * from {{ ref('int_meter_readings_versioned') }}

),

points as (

    select * from {{ ref('int_metering_points_confirmed') }}

),

joined as (

    select
        readings.*,
        points.metering_point_id is not null as is_known_metering_point,
        points.dso_id,
        points.company_id,
        points.customer_id,
        points.market_code,
        points.market_timezone,
        points.interval_minutes as confirmed_interval_minutes,
        points.connection_capacity_kw,
        points.supply_start_date,
        points.supply_start_utc,
        cast(points.connection_capacity_kw * readings.interval_minutes / 60 as decimal(18, 3)) as capacity_limit_kwh
    from readings
    left join points
        on points.metering_point_id = readings.metering_point_id

),

checked as (

    select
        joined.*,
        case
            when interval_start_utc > ingested_at
                then 'future_interval'
            when not is_known_metering_point and is_current
                then 'unknown_metering_point'
            when not is_known_metering_point
                then null
            when interval_start_utc < supply_start_utc
                then 'before_supply_start'
            when interval_minutes <> confirmed_interval_minutes
                or mod({{ dbt.datediff('supply_start_utc', 'interval_start_utc', 'minute') }}, confirmed_interval_minutes) <> 0
                or extract(second from {{ to_local_timestamp('interval_start_utc', "'UTC'") }}) <> 0
                then 'interval_mismatch'
            when energy_kwh * 60 > connection_capacity_kw * interval_minutes
                then 'exceeds_capacity'
        end as reason_code
    from joined

),

described as (

    select
        checked.*,
        reason_code is null and is_known_metering_point as is_valid,
        case when reason_code is not null then {{ format_timestamp_iso('interval_start_utc') }} end as interval_start_text
    from checked

)

select
    described.*,
    case reason_code
        when 'future_interval' then
            'Reading for ' || metering_point_id || ' at ' || interval_start_text
            || ' starts after its file was loaded (' || {{ format_timestamp_iso('ingested_at') }}
            || '): a reading cannot describe the future, so the timestamp is wrong.'
        when 'unknown_metering_point' then
            'Metering point ' || metering_point_id || ' is in no DSO confirmation, so its reading for '
            || interval_start_text || ' cannot be attributed to a customer.'
        when 'before_supply_start' then
            'Reading for ' || metering_point_id || ' at ' || interval_start_text
            || ' is before the supply start ' || cast(supply_start_date as {{ dbt.type_string() }})
            || ' (' || {{ format_timestamp_iso('supply_start_utc') }} || ') confirmed by the DSO.'
        when 'interval_mismatch' then
            'Reading for ' || metering_point_id || ' at ' || interval_start_text || ' covers '
            || cast(interval_minutes as {{ dbt.type_string() }}) || ' minutes, but the point is confirmed with '
            || cast(confirmed_interval_minutes as {{ dbt.type_string() }})
            || '-minute intervals starting at local midnight.'
        when 'exceeds_capacity' then
            'Reading of ' || cast(energy_kwh as {{ dbt.type_string() }}) || ' kWh for ' || metering_point_id
            || ' at ' || interval_start_text || ' exceeds the connection capacity: '
            || cast(connection_capacity_kw as {{ dbt.type_string() }}) || ' kW x '
            || cast(interval_minutes as {{ dbt.type_string() }}) || ' min allows at most '
            || cast(capacity_limit_kwh as {{ dbt.type_string() }}) || ' kWh.'
    end as reason
from described
