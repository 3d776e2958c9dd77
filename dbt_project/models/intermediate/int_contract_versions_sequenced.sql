-- One row per contract version (addendum 0 = the original contract), in addendum order, with the
-- period each version is in force: valid_from = effective_from; valid_to = the day before the next
-- addendum's effective_from (or the version's own effective_to if that is earlier), else effective_to,
-- else open (null).
with contracts as (

    select * from {{ ref('stg_crm__contracts') }}

),

sequenced as (

    select
        contracts.*,
        lead(effective_from) over (partition by contract_id order by addendum_number) as next_effective_from,
        max(addendum_number) over (partition by contract_id) as latest_addendum_number
    from contracts

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
    effective_from as valid_from,
    case
        when next_effective_from is null then effective_to
        when effective_to is not null
            and effective_to < cast({{ dbt.dateadd('day', -1, 'next_effective_from') }} as date)
            then effective_to
        else cast({{ dbt.dateadd('day', -1, 'next_effective_from') }} as date)
    end as valid_to,
    addendum_number = latest_addendum_number as is_current,
    invoice_language,
    invoice_email,
    payment_terms_days,
    source_file,
    source_line
from sequenced
