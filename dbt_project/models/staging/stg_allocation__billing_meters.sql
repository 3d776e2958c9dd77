-- Meters of the site objects per energy type, last delivered version of each; `is_invoiced` marks billing meters.
with latest as (
    {{ latest_row_per_key(source('allocation', 'billing_meters'), ['meter_id']) }}
)

select
    meter_id,
    object_id,
    energy_type,
    unit,
    is_invoiced = 'true' as is_invoiced,
    _source_file as source_file,
    _source_line as source_line
from latest
