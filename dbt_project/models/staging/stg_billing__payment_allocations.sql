-- Statement-line amounts applied to documents, or credited as overpayments (billing.payment_allocations).
select
    statement_id,
    cast(line_number as integer) as line_number,
    cast(allocation_number as integer) as allocation_number,
    company_id,
    customer_id,
    invoice_number,
    booking_date,
    value_date,
    currency,
    cast(amount as decimal(18, 2)) as amount,
    method,
    matched_at
from {{ source('billing', 'payment_allocations') }}
