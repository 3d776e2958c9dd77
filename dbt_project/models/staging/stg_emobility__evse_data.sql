-- The EVSE registry, last delivered record of each EVSE.
with latest as (
    {{ latest_row_per_key(source('emobility', 'evse_data'), ['evse_id']) }}
)

select
    evse_id,
    operator_id,
    upper(country_code) as country_code,
    location_id,
    location_name,
    street,
    city,
    postal_code,
    time_zone,
    power_type,
    max_power_kw,
    last_updated,
    _source_file as source_file,
    _source_line as source_line
from latest
