-- Metering points with the attributes of their latest DSO confirmation, their market's time zone and the
-- balancing group they are nominated in (int_metering_points_balancing_group_assigned).
with points as (

    select * from {{ ref('int_metering_points_confirmed') }}

),

balancing_groups as (

    select * from {{ ref('int_metering_points_balancing_group_assigned') }}

)

select
    points.metering_point_id,
    points.customer_id,
    points.company_id,
    points.location_id,
    points.dso_id,
    points.interval_minutes,
    cast(points.connection_capacity_kw as decimal(18, 3)) as connection_capacity_kw,
    points.voltage_level,
    points.supply_start_date,
    points.supply_start_utc,
    points.market_code,
    points.market_timezone,
    points.first_confirmation_month,
    points.last_confirmation_month,
    balancing_groups.balancing_group_id
from points
left join balancing_groups
    on balancing_groups.metering_point_id = points.metering_point_id
