-- Consumption per metering point and UTC hour (a local day has 23, 24 or 25 of them), summed from the
-- filled interval series: readings plus estimates for the gaps.
with intervals as (

    select * from {{ ref('int_meter_intervals_filled') }}

)

select
    metering_point_id,
    hour_start_utc,
    hour_start_local,
    local_date,
    local_hour,
    market_code,
    market_timezone,
    company_id,
    customer_id,
    tariff_zone,
    cast(sum(energy_kwh) as decimal(18, 3)) as energy_kwh,
    cast(sum(inductive_kvarh) as decimal(18, 3)) as inductive_kvarh,
    cast(sum(capacitive_kvarh) as decimal(18, 3)) as capacitive_kvarh,
    cast(sum(case when consumption_type = 'estimated' then energy_kwh else 0 end) as decimal(18, 3)) as estimated_energy_kwh,
    cast(count(*) as integer) as intervals_count,
    cast(sum(case when consumption_type = 'estimated' then 1 else 0 end) as integer) as estimated_intervals_count,
    cast(sum(case when consumption_type = 'recalculated' then 1 else 0 end) as integer) as recalculated_intervals_count
from intervals
group by
    metering_point_id,
    hour_start_utc,
    hour_start_local,
    local_date,
    local_hour,
    market_code,
    market_timezone,
    company_id,
    customer_id,
    tariff_zone
