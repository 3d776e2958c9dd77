-- One row per allocation of the latest payment matching: part of a bank statement line applied to an issued
-- document, or credited to the customer as an overpayment (invoice_number null, method overpayment).
-- days_late: value date − due date of the document paid, 0 when paid on or before the due date; null for
-- overpayments.
with allocations as (

    select * from {{ ref('stg_billing__payment_allocations') }}

),

invoices as (

    select * from {{ ref('fct_invoices') }}

)

select
    allocations.statement_id,
    allocations.line_number,
    allocations.allocation_number,
    allocations.company_id,
    allocations.customer_id,
    allocations.invoice_number,
    invoices.invoice_type,
    invoices.due_date,
    allocations.booking_date,
    allocations.value_date,
    allocations.currency,
    allocations.amount,
    allocations.method,
    allocations.invoice_number is null as is_overpayment,
    cast(case
        when invoices.due_date is null then null
        when allocations.value_date > invoices.due_date then {{ dbt.datediff('invoices.due_date', 'allocations.value_date', 'day') }}
        else 0
    end as integer) as days_late,
    allocations.matched_at
from allocations
left join invoices
    on invoices.company_id = allocations.company_id
    and invoices.invoice_number = allocations.invoice_number
