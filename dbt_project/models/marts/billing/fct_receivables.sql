-- One row per issued document with an open amount > 0 as of a date: var `receivables_as_of` (a date,
-- `--vars '{receivables_as_of: 2026-04-30}'`), the day the model is built when it is not set.
-- As of that day: documents issued on or before it, paid by allocations whose value date (the day the money
-- arrived) is on or before it. Only documents that ask for money (amount_due > 0) can be open; credits are
-- in fct_customer_receivables. Amounts in the document's `currency`.
-- Rules of billing.payment_matching: days_overdue = as_of − due_date in calendar days, 0 when not yet due
-- (due today is not overdue); ageing bucket on days overdue: 0 not_due, 1-30, 31-60, 61-90, 91-180, 181 and
-- more over_180. Penalty interest runs once days_overdue > grace_days (billing.late_payment).
{%- set as_of = var('receivables_as_of', none) %}
with as_of as (

    select {% if as_of is none %}current_date{% else %}cast('{{ as_of }}' as date){% endif %} as as_of_date

),

invoices as (

    select invoices.*, as_of.as_of_date
    from {{ ref('fct_invoices') }} as invoices
    cross join as_of
    where invoices.amount_due > 0
        and invoices.issue_date <= as_of.as_of_date

),

paid as (

    select
        allocations.company_id,
        allocations.invoice_number,
        sum(allocations.amount) as paid_amount,
        max(allocations.value_date) as last_payment_value_date
    from {{ ref('stg_billing__payment_allocations') }} as allocations
    cross join as_of
    where allocations.invoice_number is not null
        and allocations.value_date <= as_of.as_of_date
    group by allocations.company_id, allocations.invoice_number

),

open_documents as (

    select
        invoices.*,
        coalesce(paid.paid_amount, 0) as paid_as_of_amount,
        paid.last_payment_value_date as last_payment_as_of_date,
        invoices.amount_due - coalesce(paid.paid_amount, 0) as open_as_of_amount,
        cast(case
            when invoices.as_of_date > invoices.due_date then {{ dbt.datediff('invoices.due_date', 'invoices.as_of_date', 'day') }}
            else 0
        end as integer) as overdue_days
    from invoices
    left join paid
        on paid.company_id = invoices.company_id
        and paid.invoice_number = invoices.invoice_number

)

select
    as_of_date,
    company_id,
    invoice_number,
    invoice_type,
    contract_id,
    customer_id,
    customer_name,
    customer_class,
    billing_period,
    issue_date,
    due_date,
    currency,
    amount_due,
    cast(paid_as_of_amount as decimal(18, 2)) as paid_amount,
    cast(open_as_of_amount as decimal(18, 2)) as open_amount,
    last_payment_as_of_date as last_payment_value_date,
    overdue_days as days_overdue,
    case
        when overdue_days = 0 then 'not_due'
        when overdue_days <= 30 then '1-30'
        when overdue_days <= 60 then '31-60'
        when overdue_days <= 90 then '61-90'
        when overdue_days <= 180 then '91-180'
        else 'over_180'
    end as ageing_bucket,
    grace_days,
    overdue_days > grace_days as is_interest_running
from open_documents
where open_as_of_amount > 0
