-- A local day has as many hours as there are between its midnight and the next one in the market's time
-- zone: 23 on the spring daylight-saving day, 25 in autumn, 24 otherwise. Every day of the hourly mart
-- must have all of them, and the intervals of a day must be 24 x 60 / interval minutes adjusted likewise.
with days as (

    select
        hourly.metering_point_id,
        hourly.local_date,
        hourly.market_timezone,
        points.interval_minutes,
        count(*) as hours_count,
        sum(hourly.intervals_count) as intervals_count
    from {{ ref('fct_hourly_consumption') }} as hourly
    inner join {{ ref('dim_metering_points') }} as points
        on points.metering_point_id = hourly.metering_point_id
    group by hourly.metering_point_id, hourly.local_date, hourly.market_timezone, points.interval_minutes

),

expected as (

    select
        days.*,
        {{ dbt.datediff(
            from_local_timestamp('days.local_date', 'days.market_timezone'),
            from_local_timestamp(dbt.dateadd('day', 1, 'days.local_date'), 'days.market_timezone'),
            'minute'
        ) }} as day_minutes
    from days

)

select *
from expected
where hours_count * 60 <> day_minutes
    or intervals_count * interval_minutes <> day_minutes
