-- The service-charge reconciliations to run, one row per cost to reconcile, last delivered version of each.
with latest as (
    {{ latest_row_per_key(source('allocation', 'service_charge_reconciliations'), ['spec_id']) }}
)

select
    spec_id,
    source_object_id,
    period_start,
    period_end,
    kind,
    name,
    cost,
    upper(currency) as currency,
    consumption_share_pct,
    template,
    _source_file as source_file,
    _source_line as source_line
from latest
