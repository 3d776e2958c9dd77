-- Recalculated months and the differences they make (billing.recalculation_values).
select
    company_id,
    customer_id,
    contract_id,
    billing_period,
    revision,
    currency,
    cast(recalculated_kwh as decimal(18, 3)) as recalculated_kwh,
    cast(billed_amount as decimal(18, 2)) as billed_amount,
    cast(recalculated_amount as decimal(18, 2)) as recalculated_amount,
    cast(difference as decimal(18, 2)) as difference_amount,
    correction_invoice_number,
    computed_at
from {{ source('billing', 'recalculation_values') }}
