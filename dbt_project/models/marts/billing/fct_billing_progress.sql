-- Dashboard (seed 000): how far billing has got, per company, month and consumption type (estimated,
-- achieved, recalculated). A contract-month "with consumption" of a type is a row of
-- fct_monthly_contract_consumption whose kWh of that type is not 0; it is invoiced when a regularisation of
-- the contract with billing_period = that month was issued (whatever its consumption type: one
-- regularisation bills all of the month's types). share_invoiced_pct = invoiced × 100 / with consumption,
-- half up to 2 decimals (divide_round_half_up), null without consumption. consumption_kwh: the consumption
-- mart's kWh of the type; invoiced_kwh: energy-line kWh of the regularisations of the month whose consumption
-- type is this one, with the credit notes correcting them (negative; typed like the regularisation they
-- correct). Advances are not counted: the regularisation invoices the month again in full.
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

invoices as (

    select * from {{ ref('fct_invoices') }}

),

regularised as (

    select distinct company_id, contract_id, billing_month
    from invoices
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
        sum(consumption.energy_kwh) as consumption_kwh
    from consumption
    left join regularised
        on regularised.company_id = consumption.company_id
        and regularised.contract_id = consumption.contract_id
        and regularised.billing_month = consumption.consumption_month
    group by consumption.company_id, consumption.consumption_month, consumption.consumption_type

),

invoiced_documents as (

    select
        invoices.company_id,
        invoices.invoice_number,
        invoices.billing_month,
        coalesce(invoices.consumption_type, corrected.consumption_type) as consumption_type
    from invoices
    left join invoices as corrected
        on corrected.company_id = invoices.company_id
        and corrected.invoice_number = invoices.corrects_invoice_number
    where invoices.billing_month is not null
        and (
            invoices.invoice_type = 'regularisation'
            or (invoices.invoice_type = 'credit_note' and invoices.corrected_invoice_type = 'regularisation')
        )

),

invoiced_totals as (

    select
        documents.company_id,
        documents.billing_month as consumption_month,
        documents.consumption_type,
        sum(lines.energy_kwh) as invoiced_kwh
    from invoiced_documents as documents
    inner join {{ ref('fct_invoice_lines') }} as lines
        on lines.company_id = documents.company_id
        and lines.invoice_number = documents.invoice_number
        and lines.charge_type = 'energy'
    where documents.consumption_type in ('achieved', 'estimated', 'recalculated')
    group by documents.company_id, documents.billing_month, documents.consumption_type

),

combined as (

    select
        coalesce(consumption_totals.company_id, invoiced_totals.company_id) as company_id,
        coalesce(consumption_totals.consumption_month, invoiced_totals.consumption_month) as consumption_month,
        coalesce(consumption_totals.consumption_type, invoiced_totals.consumption_type) as consumption_type,
        coalesce(consumption_totals.contract_months_with_consumption, 0) as contract_months_with_consumption,
        coalesce(consumption_totals.contract_months_invoiced, 0) as contract_months_invoiced,
        coalesce(consumption_totals.consumption_kwh, 0) as consumption_kwh,
        coalesce(invoiced_totals.invoiced_kwh, 0) as invoiced_kwh
    from consumption_totals
    full outer join invoiced_totals
        on invoiced_totals.company_id = consumption_totals.company_id
        and invoiced_totals.consumption_month = consumption_totals.consumption_month
        and invoiced_totals.consumption_type = consumption_totals.consumption_type

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
    cast(invoiced_kwh as decimal(18, 6)) as invoiced_kwh
from combined
