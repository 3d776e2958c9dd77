-- Metering points with the attributes of their latest DSO confirmation and their market's time zone.
select
    metering_point_id,
    customer_id,
    company_id,
    location_id,
    dso_id,
    interval_minutes,
    cast(connection_capacity_kw as decimal(18, 3)) as connection_capacity_kw,
    voltage_level,
    supply_start_date,
    supply_start_utc,
    market_code,
    market_timezone,
    first_confirmation_month,
    last_confirmation_month
from {{ ref('int_metering_points_confirmed') }}
