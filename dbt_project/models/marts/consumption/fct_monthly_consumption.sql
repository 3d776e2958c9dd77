-- Monthly consumption: one row per local month, metering point and consumption type (achieved, estimated,
-- recalculated), with active energy (kWh) and inductive / capacitive reactive energy (kvarh) in their own
-- columns. The contract version is the one int_metering_point_months_contracted assigns to the point and
-- month (in force on the month's first day of supply); null when no contract is in force.
with intervals as (

    select * from {{ ref('int_meter_intervals_filled') }}

),

totals as (

    select
        metering_point_id,
        local_month,
        market_timezone,
        company_id,
        customer_id,
        consumption_type,
        sum(energy_kwh) as energy_kwh,
        sum(inductive_kvarh) as inductive_kvarh,
        sum(capacitive_kvarh) as capacitive_kvarh,
        count(*) as intervals_count
    from intervals
    group by metering_point_id, local_month, market_timezone, company_id, customer_id, consumption_type

),

contracted as (

    select * from {{ ref('int_metering_point_months_contracted') }}

)

select
    totals.local_month as consumption_month,
    totals.metering_point_id,
    totals.consumption_type,
    totals.market_timezone,
    totals.company_id,
    totals.customer_id,
    contracted.contract_id,
    contracted.addendum_number,
    cast(totals.energy_kwh as decimal(18, 3)) as energy_kwh,
    cast(totals.inductive_kvarh as decimal(18, 3)) as inductive_kvarh,
    cast(totals.capacitive_kvarh as decimal(18, 3)) as capacitive_kvarh,
    cast(totals.intervals_count as integer) as intervals_count
from totals
left join contracted
    on contracted.metering_point_id = totals.metering_point_id
    and contracted.local_month = totals.local_month
