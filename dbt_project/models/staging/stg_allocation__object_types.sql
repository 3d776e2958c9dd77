-- Object types of the site tree with their reconciliation functions, last delivered version of each.
with latest as (
    {{ latest_row_per_key(source('allocation', 'object_types'), ['type_id']) }}
)

select
    type_id,
    name,
    is_reconciliation_source = 'true' as is_reconciliation_source,
    is_reconciliation_target = 'true' as is_reconciliation_target,
    _source_file as source_file,
    _source_line as source_line
from latest
