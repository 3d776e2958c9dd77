-- Energy cost per object and period, ready for charts: each object's allocated share of the invoices received (it
-- includes everything below it), the unmetered consumption / loss under it, its non-energy expenses, and price-list
-- estimates for periods whose invoice has not elapsed yet. Sum `amount` over kind in ('allocated') of the children
-- plus the parent's `loss` to get back the parent's amount.
with costs as (
    select * from {{ source('allocation_ledger', 'energy_costs') }}
),

objects as (
    select object_id, parent_id, type_id, name from {{ ref('stg_allocation__site_objects') }}
)

select
    c.object_id,
    o.name as object_name,
    o.type_id as object_type,
    o.parent_id,
    c.category,
    c.kind,
    c.basis,
    c.period_start,
    c.period_end,
    strftime(c.period_start, '%Y-%m') as period_month,
    c.consumption,
    c.unit,
    c.amount,
    c.currency,
    c.invoice_id,
    c.price_list_id,
    c.as_of
from costs as c
left join objects as o on o.object_id = c.object_id
