-- Every market has exactly one open-ended currency period (valid_to empty) in the market_currencies seed:
-- dim_companies.current_currency is that period's currency. Returns the markets with none or several.
select
    markets.market_code,
    count(currencies.currency) as open_periods_count
from {{ ref('markets') }} as markets
left join {{ ref('market_currencies') }} as currencies
    on currencies.market_code = markets.market_code
    and currencies.valid_to is null
group by markets.market_code
having count(currencies.currency) <> 1
