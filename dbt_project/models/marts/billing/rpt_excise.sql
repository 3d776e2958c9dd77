-- Seed 001 report "excise": per company, billing month, customer class, customer and currency, the energy
-- billed and its excise, from final documents (regularisations and the credit notes of final documents; not
-- advances, whose energy the regularisation bills again). billed_mwh = energy lines' kWh × 0.001 (exact);
-- taxable_mwh = quantity of the excise lines (MWh: taxable MWh = MWh × (100 − exempt share) / 100, see
-- billing.charges.excise_line; a fully exempt customer has no excise line); exempt_mwh = billed_mwh −
-- taxable_mwh; excise_amount = the excise lines' net amount in `currency`. Credit notes count negative.
with lines as (

    select * from {{ ref('fct_invoice_lines') }}
    where billing_stage = 'final'
        and charge_type in ('energy', 'excise')

),

totals as (

    select
        company_id,
        billing_month,
        customer_class,
        customer_id,
        currency,
        sum(case when charge_type = 'energy' then energy_mwh else 0 end) as billed_mwh,
        sum(case
            when charge_type = 'excise' and unit = 'MWh' then quantity
            when charge_type = 'excise' and unit = 'kWh' then quantity * cast(0.001 as decimal(4, 3))
            else 0
        end) as taxable_mwh,
        sum(case when charge_type = 'excise' then net_amount else 0 end) as excise_amount,
        count(distinct case when charge_type = 'excise' then invoice_number end) as documents_with_excise_count,
        count(distinct invoice_number) as documents_count
    from lines
    group by company_id, billing_month, customer_class, customer_id, currency

)

select
    totals.company_id,
    totals.billing_month,
    totals.customer_class,
    totals.customer_id,
    customers.customer_name,
    totals.currency,
    cast(totals.documents_count as integer) as documents_count,
    cast(totals.documents_with_excise_count as integer) as documents_with_excise_count,
    cast(totals.billed_mwh as decimal(18, 6)) as billed_mwh,
    cast(totals.taxable_mwh as decimal(18, 6)) as taxable_mwh,
    cast(totals.billed_mwh - totals.taxable_mwh as decimal(18, 6)) as exempt_mwh,
    cast(totals.excise_amount as decimal(18, 2)) as excise_amount
from totals
left join {{ ref('dim_customers') }} as customers
    on customers.customer_id = totals.customer_id
