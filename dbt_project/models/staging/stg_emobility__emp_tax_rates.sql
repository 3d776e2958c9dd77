-- The CPO's tax configuration: VAT rate per EMP, subsidiary country and price component from a day on,
-- last delivered version of each.
with latest as (
    {{ latest_row_per_key(source('emobility', 'emp_tax_rates'), ['emp_id', 'country_code', 'price_component', 'valid_from']) }}
)

select
    emp_id,
    upper(country_code) as country_code,
    price_component,
    vat_rate_pct,
    valid_from,
    _source_file as source_file,
    _source_line as source_line
from latest
