-- The invoice register (billing.issued_invoices): one row per issued number, never updated.
select
    company_id,
    invoice_number,
    series,
    cast(sequence_number as bigint) as sequence_number,
    invoice_key,
    invoice_type,
    customer_id,
    billing_period,
    issue_date,
    currency,
    cast(total_with_vat as decimal(18, 2)) as total_with_vat,
    content_hash,
    issued_at,
    corrects_invoice_number
from {{ source('billing', 'issued_invoices') }}
