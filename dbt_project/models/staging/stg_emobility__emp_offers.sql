-- The CPO's offers per EMP subscription, last delivered version of each offer.
with latest as (
    {{ latest_row_per_key(source('emobility', 'emp_offers'), ['offer_id']) }}
)

select
    offer_id,
    emp_id,
    upper(country_code) as country_code,
    pricing_methodology,
    nullif(product_id, '') as product_id,
    reference_unit,
    price_per_unit,
    price_per_session,
    upper(currency) as currency,
    ocpi_tariff_id,
    min_session_minutes,
    min_session_energy_kwh,
    valid_from,
    valid_to,
    _source_file as source_file,
    _source_line as source_line
from latest
