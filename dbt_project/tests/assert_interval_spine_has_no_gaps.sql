-- The interval spine of every metering point, checked against independent inputs:
--   1. it starts at the point's supply start (int_metering_points_confirmed) and runs without a gap or an
--      overlap: each interval starts where the previous one ended;
--   2. it ends at the local midnight after the last local month in which the point's DSO delivered a valid
--      current reading (int_meter_readings_validated);
--   3. every local day has as many intervals as the local calendar has minutes between its midnight and
--      the next (23, 24 or 25 hours) divided by the point's interval length.
-- Returns the offending intervals, points or days.
with spine as (

    select * from {{ ref('int_meter_intervals_spined') }}

),

points as (

    select * from {{ ref('int_metering_points_confirmed') }}

),

sequenced as (

    select
        spine.metering_point_id,
        spine.interval_start_utc,
        lag(spine.interval_end_utc) over (
            partition by spine.metering_point_id order by spine.interval_start_utc
        ) as previous_end_utc,
        points.supply_start_utc
    from spine
    inner join points
        on points.metering_point_id = spine.metering_point_id

),

gaps as (

    select
        metering_point_id,
        'gap or overlap' as check_name,
        cast(interval_start_utc as {{ dbt.type_string() }}) as found,
        cast(coalesce(previous_end_utc, supply_start_utc) as {{ dbt.type_string() }}) as expected
    from sequenced
    where (previous_end_utc is null and interval_start_utc <> supply_start_utc)
        or (previous_end_utc is not null and interval_start_utc <> previous_end_utc)

),

dso_last_months as (

    select
        dso_id,
        max(cast({{ dbt.date_trunc('month', to_local_timestamp('interval_start_utc', 'market_timezone')) }} as date)) as last_month
    from {{ ref('int_meter_readings_validated') }}
    where is_current and is_valid
    group by dso_id

),

ends as (

    select
        spine_ends.metering_point_id,
        'spine end' as check_name,
        cast(spine_ends.end_utc as {{ dbt.type_string() }}) as found,
        cast({{ from_local_timestamp(dbt.dateadd('month', 1, 'dso_last_months.last_month'), 'points.market_timezone') }}
            as {{ dbt.type_string() }}) as expected
    from (
        select metering_point_id, max(interval_end_utc) as end_utc from spine group by metering_point_id
    ) as spine_ends
    inner join points
        on points.metering_point_id = spine_ends.metering_point_id
    left join dso_last_months
        on dso_last_months.dso_id = points.dso_id
    where dso_last_months.last_month is null
        or spine_ends.end_utc <> {{ from_local_timestamp(dbt.dateadd('month', 1, 'dso_last_months.last_month'), 'points.market_timezone') }}

),

days as (

    select
        metering_point_id,
        local_date,
        market_timezone,
        interval_minutes,
        count(*) as intervals_count
    from spine
    group by metering_point_id, local_date, market_timezone, interval_minutes

),

short_days as (

    select
        metering_point_id,
        'intervals of local day ' || cast(local_date as {{ dbt.type_string() }}) as check_name,
        cast(intervals_count as {{ dbt.type_string() }}) as found,
        cast({{ dbt.datediff(
            from_local_timestamp('local_date', 'market_timezone'),
            from_local_timestamp(dbt.dateadd('day', 1, 'local_date'), 'market_timezone'),
            'minute'
        ) }} / interval_minutes as {{ dbt.type_string() }}) as expected
    from days
    where intervals_count * interval_minutes <> {{ dbt.datediff(
            from_local_timestamp('local_date', 'market_timezone'),
            from_local_timestamp(dbt.dateadd('day', 1, 'local_date'), 'market_timezone'),
            'minute'
        ) }}

)

select * from gaps
union all
select * from ends
union all
select * from short_days
