-- Dashboard (seed 000): how far the consumption to invoice has been invoiced, per company, month and consumption
-- type (estimated, achieved, recalculated). A contract-month "with consumption" of a type is a row of
-- fct_monthly_contract_consumption whose kWh of that type is not 0; it is invoiced when a regularisation of the
-- contract with billing_period = that month was issued (one regularisation bills all of the month's types).
-- share_invoiced_pct = invoiced × 100 / with consumption, half up to 2 decimals (divide_round_half_up).
-- consumption_kwh: the mart's kWh of the type; invoiced_kwh: those of them in invoiced contract-months, so the two
-- compare type by type (a regularisation bills estimated and achieved kWh together on one energy line).
-- Advances are not counted: the regularisation invoices the month again in full.
with consumption as (

    select company_id, consumption_month, contract_id, 'achieved' as consumption_type, achieved_kwh as energy_kwh
    from {{ ref('fct_monthly_contract_consumption') }}
    where achieved_kwh <> 0

    union all

    select company_id, consumption_month, contract_id, 'estimated' as consumption_type, estimated_kwh as energy_kwh
    from {{ ref('fct_monthly_contract_consumption') }}
    where estimated_kwh <> 0

    union all

    select company_id, consumption_month, contract_id, 'recalculated' as consumption_type, recalculated_kwh as energy_kwh
    from {{ ref('fct_monthly_contract_consumption') }}
    where recalculated_kwh <> 0

),

regularised as (

    select distinct company_id, contract_id, billing_month
    from {{ ref('fct_invoices') }}
    where invoice_type = 'regularisation'
        and contract_id is not null
        and billing_month is not null

),

consumption_totals as (

    select
        consumption.company_id,
        consumption.consumption_month,
        consumption.consumption_type,
        count(*) as contract_months_with_consumption,
        sum(case when regularised.contract_id is not null then 1 else 0 end) as contract_months_invoiced,
        sum(consumption.energy_kwh) as consumption_kwh,
        sum(case when regularised.contract_id is not null then consumption.energy_kwh else 0 end) as invoiced_kwh
    from consumption
    left join regularised
        on regularised.company_id = consumption.company_id
        and regularised.contract_id = consumption.contract_id
        and regularised.billing_month = consumption.consumption_month
    group by consumption.company_id, consumption.consumption_month, consumption.consumption_type

)

select
    company_id,
    consumption_month,
    consumption_type,
    cast(contract_months_with_consumption as integer) as contract_months_with_consumption,
    cast(contract_months_invoiced as integer) as contract_months_invoiced,
    cast(case
        when contract_months_with_consumption > 0
            then {{ divide_round_half_up('contract_months_invoiced * 100', 'contract_months_with_consumption', 2) }}
    end as decimal(18, 2)) as share_invoiced_pct,
    cast(consumption_kwh as decimal(18, 3)) as consumption_kwh,
    cast(invoiced_kwh as decimal(18, 3)) as invoiced_kwh
from consumption_totals
