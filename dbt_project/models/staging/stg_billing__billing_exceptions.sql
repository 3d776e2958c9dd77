-- Contract-months a billing partition could not bill, and why (billing.billing_exceptions).
select
    company_id,
    billing_period,
    contract_id,
    customer_id,
    document_kind,
    reason,
    billing_run_id,
    recorded_at
from {{ source('billing', 'billing_exceptions') }}
