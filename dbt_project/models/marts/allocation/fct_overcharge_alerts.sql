-- Invoices received whose amount is above their "alert when overcharged" amount, with how much above.
select
    a.invoice_id,
    a.meter_id,
    a.object_id,
    o.name as object_name,
    i.category,
    i.period_start,
    i.period_end,
    a.amount,
    a.threshold as alert_threshold_amount,
    cast(a.amount - a.threshold as decimal(18,2)) as excess_amount,
    a.currency,
    a.message
from {{ source('allocation_ledger', 'overcharge_alerts') }} as a
left join {{ ref('stg_allocation__received_invoices') }} as i on i.invoice_id = a.invoice_id
left join {{ ref('stg_allocation__site_objects') }} as o on o.object_id = a.object_id
