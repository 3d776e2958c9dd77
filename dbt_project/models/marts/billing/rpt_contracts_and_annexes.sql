-- Seed 001 report "contracts and annexes": every contract (addendum_number 0) and addendum (1, 2, ...) of
-- dim_contracts with its validity, product, price, currency and ordered quantity, and the billing settings
-- (stg_crm__contract_billing_settings) in force for it: the settings row in force on the version's first day
-- (latest effective_from on or before valid_from); when the contract's settings only start later, the first
-- row that starts within the version's validity. Null settings: none delivered for the version's period.
with versions as (

    select * from {{ ref('dim_contracts') }}

),

settings as (

    select * from {{ ref('stg_crm__contract_billing_settings') }}

),

candidates as (

    select
        versions.contract_id,
        versions.addendum_number,
        settings.effective_from,
        row_number() over (
            partition by versions.contract_id, versions.addendum_number
            order by
                case when settings.effective_from <= versions.valid_from then 0 else 1 end,
                case when settings.effective_from <= versions.valid_from then settings.effective_from end desc,
                settings.effective_from
        ) as settings_rank
    from versions
    inner join settings
        on settings.contract_id = versions.contract_id
        and (versions.valid_to is null or settings.effective_from <= versions.valid_to)

),

in_force as (

    select contract_id, addendum_number, effective_from
    from candidates
    where settings_rank = 1

)

select
    versions.company_id,
    versions.contract_id,
    versions.addendum_number,
    case when versions.addendum_number = 0 then 'contract' else 'addendum' end as document_kind,
    versions.customer_id,
    customers.customer_name,
    versions.signed_date,
    versions.valid_from,
    versions.valid_to,
    versions.is_current,
    versions.product_code,
    versions.energy_price_per_kwh,
    versions.currency,
    versions.ordered_monthly_kwh,
    versions.tolerance_pct,
    versions.payment_terms_days,
    versions.invoice_language,
    in_force.effective_from as settings_effective_from,
    settings.is_regulated_tariff,
    settings.has_advance_invoices,
    settings.advance_basis,
    settings.has_deviation_invoices,
    cast(settings.deviation_price_per_kwh as decimal(18, 6)) as deviation_price_per_kwh,
    settings.has_green_certificate_invoices,
    settings.due_date_rule,
    cast(settings.grace_days_advance as integer) as grace_days_advance,
    cast(settings.grace_days_regularisation as integer) as grace_days_regularisation,
    cast(settings.grace_days_penalty as integer) as grace_days_penalty,
    cast(settings.excise_exempt_share_pct as decimal(18, 2)) as excise_exempt_share_pct,
    settings.intermediary_id,
    cast(settings.intermediary_commission_pct as decimal(18, 2)) as intermediary_commission_pct
from versions
left join in_force
    on in_force.contract_id = versions.contract_id
    and in_force.addendum_number = versions.addendum_number
left join settings
    on settings.contract_id = in_force.contract_id
    and settings.effective_from = in_force.effective_from
left join {{ ref('dim_customers') }} as customers
    on customers.customer_id = versions.customer_id
order by versions.company_id, versions.contract_id, versions.addendum_number
