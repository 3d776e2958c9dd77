-- Consumption per meter and period, last delivered version of each (meter, period).
with latest as (
    {{ latest_row_per_key(source('allocation', 'meter_consumption'), ['meter_id', 'period_start', 'period_end']) }}
)

select
    meter_id,
    period_start,
    period_end,
    quantity,
    complete = 'true' as is_complete,
    _source_file as source_file,
    _source_line as source_line
from latest
