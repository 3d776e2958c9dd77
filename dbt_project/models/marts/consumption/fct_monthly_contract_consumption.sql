-- Active energy per contract and local month against the ordered (contracted) quantity of the contract
-- version in force that month (the version valid on the month's first day, or the first version starting
-- within the month). Months are those in which the contract is assigned consumption in fct_monthly_consumption.
with monthly as (

    select * from {{ ref('fct_monthly_consumption') }}
    where energy_type = 'active'
        and contract_id is not null

),

contract_months as (

    select
        contract_id,
        consumption_month,
        sum(case when consumption_type = 'achieved' then quantity else 0 end) as achieved_kwh,
        sum(case when consumption_type = 'estimated' then quantity else 0 end) as estimated_kwh,
        sum(case when consumption_type = 'recalculated' then quantity else 0 end) as recalculated_kwh,
        sum(quantity) as total_kwh,
        count(distinct metering_point_id) as metering_points_count
    from monthly
    group by contract_id, consumption_month

),

month_versions as (

    select
        contract_months.*,
        versions.addendum_number,
        versions.company_id,
        versions.customer_id,
        versions.ordered_monthly_kwh,
        versions.tolerance_pct,
        row_number() over (
            partition by contract_months.contract_id, contract_months.consumption_month
            order by versions.valid_from, versions.addendum_number
        ) as version_rank
    from contract_months
    inner join {{ ref('int_contract_versions_sequenced') }} as versions
        on versions.contract_id = contract_months.contract_id
        and versions.valid_from <= {{ dbt.last_day('contract_months.consumption_month', 'month') }}
        and (versions.valid_to is null or versions.valid_to >= contract_months.consumption_month)

),

measured as (

    select
        month_versions.*,
        total_kwh - ordered_monthly_kwh as deviation_kwh
    from month_versions
    where version_rank = 1

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
        when ordered_monthly_kwh > 0 then round(deviation_kwh * 100 / ordered_monthly_kwh, 2)
    end as decimal(18, 2)) as deviation_pct,
    cast(tolerance_pct as decimal(18, 2)) as tolerance_pct,
    abs(deviation_kwh) * 100 <= tolerance_pct * ordered_monthly_kwh as is_within_tolerance,
    cast(metering_points_count as integer) as metering_points_count
from measured
