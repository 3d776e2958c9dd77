-- Each tenant's service-charge reconciliation result: its total share, the advances it paid and the balance
-- (positive: the tenant pays; negative: it is refunded).
select
    r.source_object_id,
    r.period_start,
    r.period_end,
    r.template,
    r.tenant_id,
    r.tenant_name,
    r.total,
    r.advances_paid,
    r.balance,
    case when r.balance > 0 then 'to_pay' when r.balance < 0 then 'refund' else 'settled' end as outcome,
    r.currency,
    o.email
from {{ source('allocation_ledger', 'reconciliation_balances') }} as r
left join {{ ref('stg_allocation__site_objects') }} as o on o.object_id = r.tenant_id
