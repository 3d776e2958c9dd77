-- Objects of the site tree (complex, building, tenant ...) with their billing parameters, last delivered version of each.
with latest as (
    {{ latest_row_per_key(source('allocation', 'site_objects'), ['object_id']) }}
)

select
    object_id,
    nullif(parent_id, '') as parent_id,
    type_id,
    name,
    floor_area_m2,
    upper(currency) as currency,
    monthly_service_charge_advance,
    email,
    _source_file as source_file,
    _source_line as source_line
from latest
