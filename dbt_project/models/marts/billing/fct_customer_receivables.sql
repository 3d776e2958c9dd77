-- Per customer, company and currency, as of var `receivables_as_of` (default: the day of the build): what the
-- customer owes (open amounts of fct_receivables, overdue and per ageing bucket), the credits not applied yet
-- and the net balance. Unapplied credits = overpayment allocations received on or before the as-of date
-- (statement lines whose excess the matching credited to the customer) + what is left of documents with
-- amount_due < 0 issued on or before it (credit notes, regularisations in the customer's favour) after the
-- refunds allocated to them by then. net_balance = open_amount − unapplied_credit_amount (negative: the
-- supplier owes the customer). Amounts in `currency`.
{%- set as_of = var('receivables_as_of', none) %}
with as_of as (

    select {% if as_of is none %}current_date{% else %}cast('{{ as_of }}' as date){% endif %} as as_of_date

),

receivables as (

    select * from {{ ref('fct_receivables') }}

),

allocations as (

    select allocations.*
    from {{ ref('stg_billing__payment_allocations') }} as allocations
    cross join as_of
    where allocations.value_date <= as_of.as_of_date

),

credit_documents as (

    select
        invoices.company_id,
        invoices.customer_id,
        invoices.currency,
        -(invoices.amount_due - coalesce(sum(allocations.amount), 0)) as credit_amount
    from {{ ref('fct_invoices') }} as invoices
    cross join as_of
    left join allocations
        on allocations.company_id = invoices.company_id
        and allocations.invoice_number = invoices.invoice_number
    where invoices.amount_due < 0
        and invoices.issue_date <= as_of.as_of_date
    group by invoices.company_id, invoices.invoice_number, invoices.customer_id, invoices.currency, invoices.amount_due

),

amounts as (

    select
        company_id,
        customer_id,
        currency,
        open_amount,
        case when days_overdue > 0 then open_amount else 0 end as overdue_amount,
        case when ageing_bucket = 'not_due' then open_amount else 0 end as not_due_amount,
        case when ageing_bucket = '1-30' then open_amount else 0 end as overdue_1_30_amount,
        case when ageing_bucket = '31-60' then open_amount else 0 end as overdue_31_60_amount,
        case when ageing_bucket = '61-90' then open_amount else 0 end as overdue_61_90_amount,
        case when ageing_bucket = '91-180' then open_amount else 0 end as overdue_91_180_amount,
        case when ageing_bucket = 'over_180' then open_amount else 0 end as overdue_over_180_amount,
        case when is_interest_running then open_amount else 0 end as interest_running_amount,
        0 as overpayment_credit_amount,
        0 as credit_document_amount,
        1 as is_open_document,
        days_overdue
    from receivables

    union all

    select
        company_id, customer_id, currency,
        0, 0, 0, 0, 0, 0, 0, 0, 0,
        amount as overpayment_credit_amount,
        0,
        0,
        0
    from allocations
    where invoice_number is null

    union all

    select
        company_id, customer_id, currency,
        0, 0, 0, 0, 0, 0, 0, 0, 0,
        0,
        credit_amount as credit_document_amount,
        0,
        0
    from credit_documents
    where credit_amount <> 0

),

totals as (

    select
        company_id,
        customer_id,
        currency,
        sum(open_amount) as open_amount,
        sum(overdue_amount) as overdue_amount,
        sum(not_due_amount) as not_due_amount,
        sum(overdue_1_30_amount) as overdue_1_30_amount,
        sum(overdue_31_60_amount) as overdue_31_60_amount,
        sum(overdue_61_90_amount) as overdue_61_90_amount,
        sum(overdue_91_180_amount) as overdue_91_180_amount,
        sum(overdue_over_180_amount) as overdue_over_180_amount,
        sum(interest_running_amount) as interest_running_amount,
        sum(overpayment_credit_amount) as overpayment_credit_amount,
        sum(credit_document_amount) as credit_document_amount,
        sum(is_open_document) as open_documents_count,
        max(days_overdue) as max_days_overdue
    from amounts
    group by company_id, customer_id, currency

)

select
    as_of.as_of_date,
    totals.company_id,
    totals.customer_id,
    customers.customer_name,
    customers.customer_class,
    totals.currency,
    cast(totals.open_documents_count as integer) as open_documents_count,
    cast(totals.open_amount as decimal(18, 2)) as open_amount,
    cast(totals.overdue_amount as decimal(18, 2)) as overdue_amount,
    cast(totals.not_due_amount as decimal(18, 2)) as not_due_amount,
    cast(totals.overdue_1_30_amount as decimal(18, 2)) as overdue_1_30_amount,
    cast(totals.overdue_31_60_amount as decimal(18, 2)) as overdue_31_60_amount,
    cast(totals.overdue_61_90_amount as decimal(18, 2)) as overdue_61_90_amount,
    cast(totals.overdue_91_180_amount as decimal(18, 2)) as overdue_91_180_amount,
    cast(totals.overdue_over_180_amount as decimal(18, 2)) as overdue_over_180_amount,
    cast(totals.interest_running_amount as decimal(18, 2)) as interest_running_amount,
    cast(totals.max_days_overdue as integer) as max_days_overdue,
    cast(totals.overpayment_credit_amount as decimal(18, 2)) as overpayment_credit_amount,
    cast(totals.credit_document_amount as decimal(18, 2)) as credit_document_amount,
    cast(totals.overpayment_credit_amount + totals.credit_document_amount as decimal(18, 2)) as unapplied_credit_amount,
    cast(totals.open_amount - totals.overpayment_credit_amount - totals.credit_document_amount as decimal(18, 2)) as net_balance_amount
from totals
cross join as_of
left join {{ ref('dim_customers') }} as customers
    on customers.customer_id = totals.customer_id
