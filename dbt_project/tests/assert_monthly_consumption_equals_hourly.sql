-- The monthly mart and the hourly mart are two sums of the same intervals: per metering point, local
-- month and energy type they must agree to the Wh/varh. Returns the disagreeing combinations.
with monthly as (

    select
        metering_point_id,
        consumption_month,
        sum(case when energy_type = 'active' then quantity else 0 end) as energy_kwh,
        sum(case when energy_type = 'inductive_reactive' then quantity else 0 end) as inductive_kvarh,
        sum(case when energy_type = 'capacitive_reactive' then quantity else 0 end) as capacitive_kvarh,
        sum(case when energy_type = 'active' then intervals_count else 0 end) as intervals_count
    from {{ ref('fct_monthly_consumption') }}
    group by metering_point_id, consumption_month

),

hourly as (

    select
        metering_point_id,
        cast({{ dbt.date_trunc('month', 'local_date') }} as date) as consumption_month,
        sum(energy_kwh) as energy_kwh,
        sum(inductive_kvarh) as inductive_kvarh,
        sum(capacitive_kvarh) as capacitive_kvarh,
        sum(intervals_count) as intervals_count
    from {{ ref('fct_hourly_consumption') }}
    group by 1, 2

)

select
    coalesce(monthly.metering_point_id, hourly.metering_point_id) as metering_point_id,
    coalesce(monthly.consumption_month, hourly.consumption_month) as consumption_month,
    monthly.energy_kwh as monthly_energy_kwh,
    hourly.energy_kwh as hourly_energy_kwh,
    monthly.intervals_count as monthly_intervals_count,
    hourly.intervals_count as hourly_intervals_count
from monthly
full outer join hourly
    on hourly.metering_point_id = monthly.metering_point_id
    and hourly.consumption_month = monthly.consumption_month
where monthly.metering_point_id is null
    or hourly.metering_point_id is null
    or monthly.energy_kwh <> hourly.energy_kwh
    or monthly.inductive_kvarh <> hourly.inductive_kvarh
    or monthly.capacitive_kvarh <> hourly.capacitive_kvarh
    or monthly.intervals_count <> hourly.intervals_count
