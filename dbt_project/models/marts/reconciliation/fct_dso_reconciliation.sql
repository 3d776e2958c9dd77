-- Metered active energy (readings incl. estimates) against the DSO's billed energy per metering point and
-- local month. Tolerance: greatest(1 kWh, 0.5 % of the DSO figure). Status, first that applies:
--   missing_dso_data    no DSO consumption row for the point and month
--   missing_meter_data  no interval of the month carries a valid reading (no spine, or estimates only)
--   matched             |metered - DSO| <= tolerance
--   outside_tolerance   otherwise
-- difference_pct = difference_kwh x 100 / dso_energy_kwh, exact decimal division rounded half up to 2 decimals.
with zones as (

    select * from {{ ref('int_dso_zone_consumption_compared') }}

),

described as (

    select
        zones.*,
        case
            when is_within_tolerance then null
            when has_dso_data and has_meter_data then
                tariff_zone || ': metered ' || cast(metered_energy_kwh as {{ dbt.type_string() }})
                || ' kWh vs DSO ' || cast(dso_energy_kwh as {{ dbt.type_string() }}) || ' kWh ('
                || case when difference_kwh > 0 then '+' else '' end
                || cast(difference_kwh as {{ dbt.type_string() }}) || ' kWh)'
            when has_dso_data then
                tariff_zone || ': no metered intervals vs DSO ' || cast(dso_energy_kwh as {{ dbt.type_string() }}) || ' kWh'
            else
                tariff_zone || ': metered ' || cast(metered_energy_kwh as {{ dbt.type_string() }}) || ' kWh, no DSO figure'
        end as zone_difference
    from zones

),

months as (

    select
        metering_point_id,
        local_month,
        max(dso_id) as dso_id,
        sum(case when has_dso_data then 1 else 0 end) as dso_zones_count,
        sum(dso_energy_kwh) as dso_energy_kwh,
        sum(metered_energy_kwh) as metered_energy_kwh,
        sum(estimated_energy_kwh) as estimated_energy_kwh,
        sum(intervals_count) as intervals_count,
        sum(estimated_intervals_count) as estimated_intervals_count,
        sum(case when zone_difference is not null then 1 else 0 end) as differing_zones_count,
        {{ dbt.listagg('zone_difference', "'; '", 'order by tariff_zone') }} as zone_differences
    from described
    group by metering_point_id, local_month

),

points as (

    select * from {{ ref('int_metering_points_confirmed') }}

),

measured as (

    select
        months.*,
        points.company_id,
        points.customer_id,
        coalesce(points.dso_id, months.dso_id) as point_dso_id,
        cast(months.metered_energy_kwh - coalesce(months.dso_energy_kwh, 0) as decimal(18, 3)) as difference_kwh,
        {{ reconciliation_tolerance_kwh('months.dso_energy_kwh') }} as tolerance_kwh
    from months
    left join points
        on points.metering_point_id = months.metering_point_id

)

select
    metering_point_id,
    local_month as consumption_month,
    company_id,
    customer_id,
    point_dso_id as dso_id,
    cast(dso_energy_kwh as decimal(18, 3)) as dso_energy_kwh,
    cast(metered_energy_kwh as decimal(18, 3)) as metered_energy_kwh,
    cast(estimated_energy_kwh as decimal(18, 3)) as estimated_energy_kwh,
    difference_kwh,
    cast(case
        when dso_energy_kwh > 0 then {{ divide_round_half_up('difference_kwh * 100', 'dso_energy_kwh', 2) }}
    end as decimal(18, 2)) as difference_pct,
    tolerance_kwh,
    case
        when dso_zones_count = 0 then 'missing_dso_data'
        when intervals_count = estimated_intervals_count then 'missing_meter_data'
        when abs(difference_kwh) <= tolerance_kwh then 'matched'
        else 'outside_tolerance'
    end as status,
    estimated_intervals_count > 0 as has_estimates,
    cast(intervals_count as integer) as intervals_count,
    cast(estimated_intervals_count as integer) as estimated_intervals_count,
    cast(differing_zones_count as integer) as differing_zones_count,
    zone_differences
from measured
