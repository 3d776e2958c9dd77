{{ config(severity='warn') }}
-- The time zone a company file declares agrees with its market's (the markets seed, which the models use).
select
    companies.company_id,
    companies.country_code,
    companies.market_timezone as declared_timezone,
    markets.timezone as market_timezone
from {{ ref('stg_masterdata__companies') }} as companies
left join {{ ref('markets') }} as markets
    on markets.market_code = companies.country_code
where markets.timezone is null
    or markets.timezone <> companies.market_timezone
