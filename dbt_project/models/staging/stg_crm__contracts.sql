-- Contracts and addenda, last delivered version per (contract_id, addendum_number).
with latest as (
    {{ latest_row_per_key(source('crm', 'contracts'), ['contract_id', 'addendum_number']) }}
)

select
    contract_id,
    addendum_number,
    company_id,
    customer_id,
    product_code,
    energy_price_per_kwh,
    currency,
    ordered_monthly_kwh,
    tolerance_pct,
    effective_from,
    effective_to,
    signed_date,
    invoice_language,
    invoice_email,
    payment_terms_days,
    _source_file as source_file,
    _source_line as source_line,
    _ingestion_id as ingestion_id,
    _ingestion_seq as ingestion_seq,
    _ingested_at as ingested_at,
    _versions_count as versions_count
from latest
