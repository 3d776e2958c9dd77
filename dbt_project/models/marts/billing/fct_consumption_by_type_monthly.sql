-- Dashboard (seed 000): active energy per company, local month and consumption type (achieved, estimated,
-- recalculated: fct_monthly_consumption, every metering point; ordered: the contracted monthly quantity of the
-- contracts that consumed in the month, fct_monthly_contract_consumption), beside the same month of the previous year
-- and of the year before (self-joins), and the change in percent: (kWh − earlier kWh) × 100 / earlier kWh,
-- exact decimal division rounded half up to 2 decimals (divide_round_half_up); null when the earlier month
-- has no row or 0 kWh.
with monthly as (

    select
        company_id,
        consumption_month,
        consumption_type,
        sum(energy_kwh) as energy_kwh,
        count(distinct metering_point_id) as metering_points_count
    from {{ ref('fct_monthly_consumption') }}
    group by company_id, consumption_month, consumption_type

    union all

    -- the quantity ordered: one contract version per contract-month, so its points are counted once each
    select
        company_id,
        consumption_month,
        'ordered' as consumption_type,
        sum(ordered_kwh) as energy_kwh,
        sum(metering_points_count) as metering_points_count
    from {{ ref('fct_monthly_contract_consumption') }}
    group by company_id, consumption_month

)

select
    monthly.company_id,
    monthly.consumption_month,
    monthly.consumption_type,
    cast(monthly.metering_points_count as integer) as metering_points_count,
    cast(monthly.energy_kwh as decimal(18, 3)) as energy_kwh,
    cast(previous_year.energy_kwh as decimal(18, 3)) as previous_year_energy_kwh,
    cast(two_years_before.energy_kwh as decimal(18, 3)) as two_years_before_energy_kwh,
    cast(case
        when previous_year.energy_kwh <> 0
            then {{ divide_round_half_up('(monthly.energy_kwh - previous_year.energy_kwh) * 100', 'previous_year.energy_kwh', 2) }}
    end as decimal(18, 2)) as change_vs_previous_year_pct,
    cast(case
        when two_years_before.energy_kwh <> 0
            then {{ divide_round_half_up('(monthly.energy_kwh - two_years_before.energy_kwh) * 100', 'two_years_before.energy_kwh', 2) }}
    end as decimal(18, 2)) as change_vs_two_years_before_pct
from monthly
left join monthly as previous_year
    on previous_year.company_id = monthly.company_id
    and previous_year.consumption_type = monthly.consumption_type
    and previous_year.consumption_month = cast({{ dbt.dateadd('year', -1, 'monthly.consumption_month') }} as date)
left join monthly as two_years_before
    on two_years_before.company_id = monthly.company_id
    and two_years_before.consumption_type = monthly.consumption_type
    and two_years_before.consumption_month = cast({{ dbt.dateadd('year', -2, 'monthly.consumption_month') }} as date)
