-- The interval spine: every interval each metering point must have a value for, from its supply start
-- (local midnight, as UTC) to the end of the last local month in which its DSO delivered a valid current
-- reading (int_meter_readings_validated), at the point's interval length, with the local calendar and the
-- tariff zone of each interval. Only valid readings count, so one bad timestamp (a reading rejected as
-- future_interval, say) cannot stretch every point's spine of that DSO.
with points as (

    select * from {{ ref('int_metering_points_confirmed') }}
    where market_timezone is not null

),

delivered_months as (

    -- local month of every valid current reading (a valid reading's point is confirmed)
    select
        readings.dso_id,
        cast({{ dbt.date_trunc('month', to_local_timestamp('readings.interval_start_utc', 'readings.market_timezone')) }} as date) as local_month
    from {{ ref('int_meter_readings_validated') }} as readings
    where readings.is_current
        and readings.is_valid
        and readings.market_timezone is not null

),

dso_last_months as (

    select
        dso_id,
        max(local_month) as last_delivered_local_month
    from delivered_months
    group by dso_id

),

bounds as (

    select
        points.metering_point_id,
        points.dso_id,
        points.company_id,
        points.customer_id,
        points.location_id,
        points.market_code,
        points.market_timezone,
        points.interval_minutes,
        points.supply_start_date,
        dso_last_months.last_delivered_local_month,
        points.supply_start_utc as spine_start_utc,
        {{ from_local_timestamp(dbt.dateadd('month', 1, 'dso_last_months.last_delivered_local_month'), 'points.market_timezone') }} as spine_end_utc
    from points
    inner join dso_last_months
        on dso_last_months.dso_id = points.dso_id

),

series as (

    {{ interval_series('bounds', 'spine_start_utc', 'spine_end_utc', 'interval_minutes', 'interval_start_utc') }}

),

localized as (

    select
        series.*,
        {{ dbt.dateadd('minute', 'series.interval_minutes', 'series.interval_start_utc') }} as interval_end_utc,
        {{ to_local_timestamp('series.interval_start_utc', 'series.market_timezone') }} as interval_start_local,
        {{ from_local_timestamp(dbt.date_trunc('hour', to_local_timestamp('series.interval_start_utc', "'UTC'")), "'UTC'") }} as hour_start_utc
    from series

),

calendared as (

    select
        localized.*,
        {{ dbt.date_trunc('hour', 'localized.interval_start_local') }} as hour_start_local,
        cast(localized.interval_start_local as date) as local_date,
        cast({{ dbt.date_trunc('month', 'localized.interval_start_local') }} as date) as local_month,
        cast(extract(hour from localized.interval_start_local) as integer) as local_hour
    from localized

)

select
    calendared.metering_point_id,
    calendared.interval_start_utc,
    calendared.interval_end_utc,
    calendared.interval_minutes,
    calendared.hour_start_utc,
    calendared.interval_start_local,
    calendared.hour_start_local,
    calendared.local_date,
    calendared.local_month,
    calendared.local_hour,
    tariff_zones.tariff_zone,
    calendared.market_code,
    calendared.market_timezone,
    calendared.dso_id,
    calendared.company_id,
    calendared.customer_id,
    calendared.location_id,
    calendared.supply_start_date,
    calendared.last_delivered_local_month
from calendared
left join {{ ref('tariff_zones') }} as tariff_zones
    on tariff_zones.market_code = calendared.market_code
    and calendared.local_hour >= tariff_zones.from_local_hour
    and calendared.local_hour < tariff_zones.to_local_hour
