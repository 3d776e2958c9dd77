-- OCPI 2.2.1 tariffs, last delivered version of each tariff id, with the object as delivered.
with latest as (
    {{ latest_row_per_key(source('emobility', 'ocpi_tariffs'), ['tariff_id']) }}
)

select
    tariff_id,
    country_code,
    party_id,
    upper(currency) as currency,
    last_updated,
    tariff_json,
    _source_file as source_file,
    _source_line as source_line
from latest
