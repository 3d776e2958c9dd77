-- Seed 001 report "energy in invoices": active energy invoiced (energy lines, kWh) per company, billing month,
-- customer, invoice type and consumption type, with the energy lines' net amount in `currency`.
-- Advances and their regularisation must not be counted twice: the regularisation invoices the month's whole
-- actual consumption and deducts the advances as prepaid amounts, so the advances' energy is provisional.
-- advance_energy_kwh holds the energy of advance invoices (and of the credit notes correcting them),
-- final_energy_kwh that of every other document (regularisations, and credit notes of final documents,
-- which are negative): sum final_energy_kwh for the energy invoiced, never the two together.
with lines as (

    select * from {{ ref('fct_invoice_lines') }}
    where charge_type = 'energy'

),

customers as (

    select * from {{ ref('dim_customers') }}

)

select
    lines.company_id,
    lines.billing_month,
    lines.customer_id,
    customers.customer_name,
    customers.customer_class,
    lines.invoice_type,
    lines.billing_stage,
    lines.consumption_type,
    lines.currency,
    cast(count(distinct lines.invoice_number) as integer) as documents_count,
    cast(sum(case when lines.billing_stage = 'advance' then lines.energy_kwh else 0 end) as decimal(18, 6)) as advance_energy_kwh,
    cast(sum(case when lines.billing_stage = 'final' then lines.energy_kwh else 0 end) as decimal(18, 6)) as final_energy_kwh,
    cast(sum(lines.net_amount) as decimal(18, 2)) as energy_net_amount
from lines
left join customers
    on customers.customer_id = lines.customer_id
group by
    lines.company_id,
    lines.billing_month,
    lines.customer_id,
    customers.customer_name,
    customers.customer_class,
    lines.invoice_type,
    lines.billing_stage,
    lines.consumption_type,
    lines.currency
