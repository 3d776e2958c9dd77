-- Statement lines the matching left for finance, with the reason (billing.payment_queue).
select
    statement_id,
    cast(line_number as integer) as line_number,
    company_id,
    booking_date,
    value_date,
    cast(amount as decimal(18, 2)) as amount,
    currency,
    payer_name,
    payer_iban,
    remittance_info,
    reason_code,
    reason,
    queued_at
from {{ source('billing', 'payment_queue') }}
