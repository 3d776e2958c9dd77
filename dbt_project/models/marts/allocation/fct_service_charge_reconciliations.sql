-- Each tenant's share of each reconciled cost of a building's service-charge reconciliation, with what it is based on.
select
    s.source_object_id,
    b.name as source_object_name,
    s.period_start,
    s.period_end,
    s.template,
    s.tenant_id,
    t.name as tenant_name,
    s.spec_id,
    s.kind,
    s.name as cost_name,
    s.reconciled_cost,
    s.amount as tenant_share,
    s.basis_quantity,
    s.consumption_part,
    s.area_part,
    t.floor_area_m2,
    s.currency
from {{ source('allocation_ledger', 'reconciliation_shares') }} as s
left join {{ ref('stg_allocation__site_objects') }} as t on t.object_id = s.tenant_id
left join {{ ref('stg_allocation__site_objects') }} as b on b.object_id = s.source_object_id
