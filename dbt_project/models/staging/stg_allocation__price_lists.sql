-- Unit prices per energy type for an object and everything below it, last delivered version of each entry.
with latest as (
    {{ latest_row_per_key(source('allocation', 'price_lists'), ['price_list_id']) }}
)

select
    price_list_id,
    energy_type,
    object_id,
    valid_from,
    valid_to,
    unit_price,
    unit,
    upper(currency) as currency,
    _source_file as source_file,
    _source_line as source_line
from latest
