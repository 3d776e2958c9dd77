-- The tax configuration as the CPO sees it: every EMP with an offer in a subsidiary's country, per price component
-- its offers charge, with the VAT rate in force today (or `not_configured`). A new subscriber appears here with no
-- tax until one is configured. `voltbill export-tax-configuration --country XX` writes one country's rows as CSV.
with offers as (
    select * from {{ ref('stg_emobility__emp_offers') }}
),

subsidiaries as (
    select company_id, country_code from {{ ref('cpo_subsidiaries') }}
),

components as (
    select distinct emp_id, country_code, 'energy' as price_component from offers where reference_unit = 'kWh' and price_per_unit is not null
    union
    select distinct emp_id, country_code, 'time' from offers where reference_unit in ('minute', 'hour') and price_per_unit is not null
    union
    select distinct emp_id, country_code, 'session_fee' from offers
    where (reference_unit = 'session' and price_per_unit is not null)
       or (pricing_methodology = 'product_pricing' and price_per_session is not null)
    union
    select distinct emp_id, country_code, component
    from offers
    cross join (values ('session_fee'), ('energy'), ('time'), ('parking')) as all_components(component)
    where pricing_methodology = 'ocpi_tariff'
),

rates as (
    select emp_id, country_code, price_component, vat_rate_pct, valid_from,
        row_number() over (partition by emp_id, country_code, price_component order by valid_from desc) as recency
    from {{ ref('stg_emobility__emp_tax_rates') }}
    where valid_from <= current_date
)

select
    c.country_code,
    s.company_id,
    c.emp_id,
    p.legal_name as emp_name,
    c.price_component,
    r.vat_rate_pct,
    r.valid_from as rate_valid_from,
    case
        when s.company_id is null then 'no_subsidiary'
        when r.vat_rate_pct is null then 'not_configured'
        else 'configured'
    end as configuration_status
from components as c
left join subsidiaries as s on s.country_code = c.country_code
left join rates as r
    on r.emp_id = c.emp_id and r.country_code = c.country_code and r.price_component = c.price_component and r.recency = 1
left join {{ ref('stg_emobility__e_mobility_providers') }} as p on p.emp_id = c.emp_id
