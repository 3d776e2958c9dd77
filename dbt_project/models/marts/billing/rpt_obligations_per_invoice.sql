-- Seed 001 report "obligations per invoice": every document with an open amount as of var
-- `receivables_as_of` (default: the day of the build), its due date, days overdue and ageing bucket
-- (fct_receivables), and the penalty interest invoiced on it so far: the net amount of the penalty_interest
-- lines naming it (charged_invoice_number) on documents issued on or before the as-of date, credit notes of
-- penalties negative. Penalty interest is VAT-exempt; amounts in `currency`.
{%- set as_of = var('receivables_as_of', none) %}
with as_of as (

    select {% if as_of is none %}current_date{% else %}cast('{{ as_of }}' as date){% endif %} as as_of_date

),

penalties as (

    select
        lines.company_id,
        lines.charged_invoice_number as invoice_number,
        sum(lines.net_amount) as penalty_interest_invoiced_amount,
        count(distinct lines.invoice_number) as penalty_documents_count
    from {{ ref('fct_invoice_lines') }} as lines
    cross join as_of
    where lines.charge_type = 'penalty_interest'
        and lines.charged_invoice_number is not null
        and lines.issue_date <= as_of.as_of_date
    group by lines.company_id, lines.charged_invoice_number

)

select
    receivables.as_of_date,
    receivables.company_id,
    receivables.invoice_number,
    receivables.invoice_type,
    receivables.customer_id,
    receivables.customer_name,
    receivables.customer_class,
    receivables.contract_id,
    receivables.billing_period,
    receivables.issue_date,
    receivables.due_date,
    receivables.currency,
    receivables.amount_due,
    receivables.paid_amount,
    receivables.open_amount,
    receivables.days_overdue,
    receivables.ageing_bucket,
    receivables.grace_days,
    receivables.is_interest_running,
    cast(coalesce(penalties.penalty_interest_invoiced_amount, 0) as decimal(18, 2)) as penalty_interest_invoiced_amount,
    cast(coalesce(penalties.penalty_documents_count, 0) as integer) as penalty_documents_count
from {{ ref('fct_receivables') }} as receivables
left join penalties
    on penalties.company_id = receivables.company_id
    and penalties.invoice_number = receivables.invoice_number
order by receivables.company_id, receivables.customer_id, receivables.due_date, receivables.invoice_number
