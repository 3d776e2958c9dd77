-- Supplier companies with their market's time zone and the currency in force today (market-local date).
with companies as (

    select * from {{ ref('stg_masterdata__companies') }}

),

markets as (

    select * from {{ ref('markets') }}

),

currencies as (

    select * from {{ ref('market_currencies') }}

),

dated as (

    select
        companies.*,
        markets.timezone as seed_market_timezone,
        cast({{ to_local_timestamp(dbt.current_timestamp(), 'markets.timezone') }} as date) as market_today
    from companies
    left join markets
        on markets.market_code = companies.country_code

)

select
    dated.company_id,
    dated.legal_name,
    dated.country_code,
    dated.seed_market_timezone as market_timezone,
    dated.vat_number,
    currencies.currency
from dated
left join currencies
    on currencies.market_code = dated.country_code
    and currencies.valid_from <= dated.market_today
    and (currencies.valid_to is null or currencies.valid_to >= dated.market_today)
