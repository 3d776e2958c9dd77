-- Seed 001 report "intermediaries": per intermediary, company, billing month, currency and commission rate,
-- the customers and documents whose energy the intermediary earns on, the invoiced net energy amount and the
-- commission = round half up (net energy amount × intermediary_commission_pct / 100, 2), exact decimal
-- division (macro divide_round_half_up, no binary float). The net energy amount is the sum of the energy
-- lines' net amounts of final documents (regularisations and the credit notes of final documents): advances
-- are provisional and their energy is invoiced again by the regularisation, so counting them would pay the
-- commission twice. The intermediary and the rate are the document's (billing.invoice_documents).
with lines as (

    select
        lines.company_id,
        lines.invoice_number,
        lines.customer_id,
        lines.billing_month,
        lines.currency,
        lines.net_amount,
        invoices.intermediary_id,
        invoices.intermediary_commission_pct
    from {{ ref('fct_invoice_lines') }} as lines
    inner join {{ ref('fct_invoices') }} as invoices
        on invoices.company_id = lines.company_id
        and invoices.invoice_number = lines.invoice_number
    where lines.charge_type = 'energy'
        and lines.billing_stage = 'final'
        and invoices.intermediary_id is not null

),

totals as (

    select
        intermediary_id,
        company_id,
        billing_month,
        currency,
        intermediary_commission_pct,
        count(distinct customer_id) as customers_count,
        count(distinct invoice_number) as documents_count,
        sum(net_amount) as energy_net_amount
    from lines
    group by intermediary_id, company_id, billing_month, currency, intermediary_commission_pct

)

select
    intermediary_id,
    company_id,
    billing_month,
    currency,
    cast(intermediary_commission_pct as decimal(9, 4)) as commission_pct,
    cast(customers_count as integer) as customers_count,
    cast(documents_count as integer) as documents_count,
    cast(energy_net_amount as decimal(18, 2)) as energy_net_amount,
    cast(coalesce(
        {{ divide_round_half_up('energy_net_amount * intermediary_commission_pct', '100', 2) }}, 0
    ) as decimal(18, 2)) as commission_amount
from totals
