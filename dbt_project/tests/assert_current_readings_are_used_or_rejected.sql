-- No reading is silently dropped: the current version of every delivered reading either fills its
-- interval in int_meter_intervals_filled with its own values or is listed in int_meter_readings_rejected.
with current_readings as (

    select * from {{ ref('int_meter_readings_versioned') }}
    where is_current

),

used as (

    select metering_point_id, interval_start_utc, energy_kwh, inductive_kvarh, capacitive_kvarh
    from {{ ref('int_meter_intervals_filled') }}
    where consumption_type <> 'estimated'

),

rejected as (

    select metering_point_id, interval_start_utc
    from {{ ref('int_meter_readings_rejected') }}
    where is_current

)

select current_readings.*
from current_readings
left join used
    on used.metering_point_id = current_readings.metering_point_id
    and used.interval_start_utc = current_readings.interval_start_utc
    and used.energy_kwh = current_readings.energy_kwh
    and used.inductive_kvarh = current_readings.inductive_kvarh
    and used.capacitive_kvarh = current_readings.capacitive_kvarh
left join rejected
    on rejected.metering_point_id = current_readings.metering_point_id
    and rejected.interval_start_utc = current_readings.interval_start_utc
where used.metering_point_id is null
    and rejected.metering_point_id is null
