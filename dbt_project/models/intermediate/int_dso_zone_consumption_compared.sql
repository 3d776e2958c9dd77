-- Metered energy (readings incl. estimates) against the DSO's billed energy per metering point,
-- local month and tariff zone. Either side may be missing (full outer join).
with intervals as (

    select * from {{ ref('int_meter_intervals_filled') }}

),

metered as (

    select
        metering_point_id,
        local_month,
        tariff_zone,
        sum(energy_kwh) as metered_energy_kwh,
        sum(case when consumption_type = 'estimated' then energy_kwh else 0 end) as estimated_energy_kwh,
        count(*) as intervals_count,
        sum(case when consumption_type = 'estimated' then 1 else 0 end) as estimated_intervals_count
    from intervals
    group by metering_point_id, local_month, tariff_zone

),

dso as (

    select
        metering_point_id,
        billing_month as local_month,
        tariff_zone,
        dso_id,
        energy_kwh as dso_energy_kwh,
        source_file as dso_source_file
    from {{ ref('stg_dso__consumption') }}

),

joined as (

    select
        coalesce(metered.metering_point_id, dso.metering_point_id) as metering_point_id,
        coalesce(metered.local_month, dso.local_month) as local_month,
        coalesce(metered.tariff_zone, dso.tariff_zone) as tariff_zone,
        dso.dso_id,
        dso.dso_source_file,
        dso.metering_point_id is not null as has_dso_data,
        metered.metering_point_id is not null as has_meter_data,
        cast(dso.dso_energy_kwh as decimal(18, 3)) as dso_energy_kwh,
        cast(coalesce(metered.metered_energy_kwh, 0) as decimal(18, 3)) as metered_energy_kwh,
        cast(coalesce(metered.estimated_energy_kwh, 0) as decimal(18, 3)) as estimated_energy_kwh,
        cast(coalesce(metered.intervals_count, 0) as integer) as intervals_count,
        cast(coalesce(metered.estimated_intervals_count, 0) as integer) as estimated_intervals_count
    from metered
    full outer join dso
        on dso.metering_point_id = metered.metering_point_id
        and dso.local_month = metered.local_month
        and dso.tariff_zone = metered.tariff_zone

)

select
    joined.*,
    cast(metered_energy_kwh - coalesce(dso_energy_kwh, 0) as decimal(18, 3)) as difference_kwh,
    {{ reconciliation_tolerance_kwh('dso_energy_kwh') }} as tolerance_kwh,
    abs(metered_energy_kwh - coalesce(dso_energy_kwh, 0)) <= {{ reconciliation_tolerance_kwh('dso_energy_kwh') }}
        as is_within_tolerance
from joined
