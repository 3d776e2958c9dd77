-- Active energy per contract and local month against the ordered (contracted) quantity of the contract
-- version in force that month. The version comes from the same rule as fct_monthly_consumption
-- (int_metering_point_months_contracted: the version in force on the month's first day of supply); when the
-- contract's points start supply on different days of the month, the earliest first day of supply decides.
-- Months are those in which the contract is assigned consumption in fct_monthly_consumption.
-- deviation_pct = deviation_kwh x 100 / ordered_kwh, exact decimal division rounded half up to 2 decimals.
with monthly as (

    select * from {{ ref('fct_monthly_consumption') }}
    where contract_id is not null

),

contract_months as (

    select
        contract_id,
        consumption_month,
        sum(case when consumption_type = 'achieved' then energy_kwh else 0 end) as achieved_kwh,
        sum(case when consumption_type = 'estimated' then energy_kwh else 0 end) as estimated_kwh,
        sum(case when consumption_type = 'recalculated' then energy_kwh else 0 end) as recalculated_kwh,
        sum(energy_kwh) as total_kwh,
        count(distinct metering_point_id) as metering_points_count
    from monthly
    group by contract_id, consumption_month

),

month_versions as (

    -- the version assigned to the contract's earliest first day of supply in the month
    select *
    from (
        select
            contract_id,
            local_month as consumption_month,
            addendum_number,
            row_number() over (
                partition by contract_id, local_month
                order by first_supply_date, addendum_number
            ) as version_rank
        from {{ ref('int_metering_point_months_contracted') }}
        where contract_id is not null
    ) as ranked_versions
    where version_rank = 1

),

measured as (

    select
        contract_months.*,
        versions.addendum_number,
        versions.company_id,
        versions.customer_id,
        versions.ordered_monthly_kwh,
        versions.tolerance_pct,
        contract_months.total_kwh - versions.ordered_monthly_kwh as deviation_kwh
    from contract_months
    inner join month_versions
        on month_versions.contract_id = contract_months.contract_id
        and month_versions.consumption_month = contract_months.consumption_month
    inner join {{ ref('int_contract_versions_sequenced') }} as versions
        on versions.contract_id = month_versions.contract_id
        and versions.addendum_number = month_versions.addendum_number

)

select
    contract_id,
    consumption_month,
    addendum_number,
    company_id,
    customer_id,
    cast(ordered_monthly_kwh as decimal(18, 3)) as ordered_kwh,
    cast(achieved_kwh as decimal(18, 3)) as achieved_kwh,
    cast(estimated_kwh as decimal(18, 3)) as estimated_kwh,
    cast(recalculated_kwh as decimal(18, 3)) as recalculated_kwh,
    cast(total_kwh as decimal(18, 3)) as total_kwh,
    cast(deviation_kwh as decimal(18, 3)) as deviation_kwh,
    cast(case
        when ordered_monthly_kwh > 0 then {{ divide_round_half_up('deviation_kwh * 100', 'ordered_monthly_kwh', 2) }}
    end as decimal(18, 2)) as deviation_pct,
    cast(tolerance_pct as decimal(18, 2)) as tolerance_pct,
    abs(deviation_kwh) * 100 <= tolerance_pct * ordered_monthly_kwh as is_within_tolerance,
    cast(metering_points_count as integer) as metering_points_count
from measured
