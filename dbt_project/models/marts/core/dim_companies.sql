-- Supplier companies with their market's time zone and the market's current currency: the currency of the
-- open-ended period in the market_currencies seed (valid_to null). Deterministic: it does not depend on the
-- day the model is built; the dated history (e.g. BG: BGN until 2025-12-31, EUR from 2026-01-01) stays in
-- the seed, where amounts of a given day look their currency up.
with companies as (

    select * from {{ ref('stg_masterdata__companies') }}

),

markets as (

    select * from {{ ref('markets') }}

),

current_currencies as (

    select
        market_code,
        currency as current_currency
    from {{ ref('market_currencies') }}
    where valid_to is null

)

select
    companies.company_id,
    companies.legal_name,
    companies.country_code,
    markets.timezone as market_timezone,
    companies.vat_number,
    current_currencies.current_currency
from companies
left join markets
    on markets.market_code = companies.country_code
left join current_currencies
    on current_currencies.market_code = companies.country_code
