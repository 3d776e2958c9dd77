-- The customers' own monthly consumption estimates, last delivered version per (contract_id, estimate_month):
-- a later file with the same key is the customer's correction and replaces the earlier estimate.
-- Used by advance invoices of contracts with advance_basis = 'estimate'; a month without a row falls back to
-- the ordered quantity (stg_crm__contracts.ordered_monthly_kwh).
with latest as (
    {{ latest_row_per_key(source('crm', 'customer_estimates'), ['contract_id', 'estimate_month']) }}
)

select
    contract_id,
    estimate_month,
    estimated_kwh,
    submitted_on,
    channel,
    _source_file as source_file,
    _source_line as source_line,
    _ingestion_id as ingestion_id,
    _ingestion_seq as ingestion_seq,
    _ingested_at as ingested_at,
    _versions_count as versions_count
from latest
