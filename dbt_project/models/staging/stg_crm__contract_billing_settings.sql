-- Billing settings of each contract, last delivered version per (contract_id, effective_from); yes/no as booleans.
-- A row is in force from effective_from until the day before the contract's next row.
with latest as (
    {{ latest_row_per_key(source('crm', 'contract_billing_settings'), ['contract_id', 'effective_from']) }}
)

select
    contract_id,
    effective_from,
    regulated_tariff = 'yes' as is_regulated_tariff,
    day_price_per_kwh,
    night_price_per_kwh,
    peak_price_per_kwh,
    advance_invoices = 'yes' as has_advance_invoices,
    advance_basis,
    deviation_invoices = 'yes' as has_deviation_invoices,
    deviation_price_per_kwh,
    green_certificate_invoices = 'yes' as has_green_certificate_invoices,
    due_date_rule,
    grace_days_advance,
    grace_days_regularisation,
    grace_days_penalty,
    penalty_reference_rate,
    penalty_margin_pct,
    penalty_day_count,
    reactive_threshold_tan_phi,
    excise_exempt_share_pct,
    intermediary_id,
    intermediary_commission_pct,
    _source_file as source_file,
    _source_line as source_line,
    _ingestion_id as ingestion_id,
    _ingestion_seq as ingestion_seq,
    _ingested_at as ingested_at,
    _versions_count as versions_count
from latest
