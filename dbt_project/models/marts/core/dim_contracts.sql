-- One row per contract version (the original contract and each addendum) with its validity period.
select
    contract_id,
    addendum_number,
    company_id,
    customer_id,
    product_code,
    cast(energy_price_per_kwh as decimal(18, 6)) as energy_price_per_kwh,
    currency,
    cast(ordered_monthly_kwh as decimal(18, 3)) as ordered_monthly_kwh,
    cast(tolerance_pct as decimal(18, 2)) as tolerance_pct,
    valid_from,
    valid_to,
    is_current,
    effective_to,
    signed_date,
    invoice_language,
    invoice_email,
    payment_terms_days
from {{ ref('int_contract_versions_sequenced') }}
