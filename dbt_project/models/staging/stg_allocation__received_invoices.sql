-- Invoices received (energy per billing meter, other expenses per object), last delivered version of each.
with latest as (
    {{ latest_row_per_key(source('allocation', 'received_invoices'), ['invoice_id']) }}
)

select
    invoice_id,
    category,
    category in ('electricity', 'gas', 'water', 'heat') as is_energy,
    nullif(meter_id, '') as meter_id,
    object_id,
    period_start,
    period_end,
    amount,
    consumption,
    unit,
    upper(currency) as currency,
    note,
    alert_threshold_amount,
    _source_file as source_file,
    _source_line as source_line
from latest
