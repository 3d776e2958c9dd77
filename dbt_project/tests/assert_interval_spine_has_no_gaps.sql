-- Every metering point's filled interval series starts at its supply start and runs without a gap or an
-- overlap: each interval starts where the previous one ended. Returns the offending intervals.
with intervals as (

    select
        intervals.metering_point_id,
        intervals.interval_start_utc,
        intervals.interval_end_utc,
        lag(intervals.interval_end_utc) over (
            partition by intervals.metering_point_id order by intervals.interval_start_utc
        ) as previous_end_utc,
        points.supply_start_utc
    from {{ ref('int_meter_intervals_filled') }} as intervals
    inner join {{ ref('int_metering_points_confirmed') }} as points
        on points.metering_point_id = intervals.metering_point_id

)

select *
from intervals
where (previous_end_utc is null and interval_start_utc <> supply_start_utc)
    or (previous_end_utc is not null and interval_start_utc <> previous_end_utc)
