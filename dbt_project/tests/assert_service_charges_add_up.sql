-- The service-charge reconciliations add up, to the cent: per reconciled cost (building, period, spec_id) the
-- tenants' shares sum to reconciled_cost (one reconciled_cost per cost); a heating share is its consumption part
-- plus its area part; per tenant the shares sum to fct_service_charge_balances.total, and balance = total -
-- advances_paid with the matching outcome. Returns one row per cost or tenant that does not add up.
with shares as (

    select * from {{ ref('fct_service_charge_reconciliations') }}

),

balances as (

    select * from {{ ref('fct_service_charge_balances') }}

),

per_cost as (

    select
        'tenant shares <> reconciled_cost' as failure,
        source_object_id,
        period_start,
        spec_id,
        cast(null as varchar) as tenant_id,
        min(reconciled_cost) as expected_amount,
        sum(tenant_share) as actual_amount
    from shares
    group by source_object_id, period_start, spec_id
    having count(distinct reconciled_cost) > 1
        or min(reconciled_cost) <> sum(tenant_share)

),

heating_parts as (

    select
        'heating share <> consumption_part + area_part' as failure,
        source_object_id,
        period_start,
        spec_id,
        tenant_id,
        tenant_share as expected_amount,
        consumption_part + area_part as actual_amount
    from shares
    where kind = 'heating'
        and tenant_share is distinct from consumption_part + area_part

),

per_tenant as (

    select
        source_object_id,
        period_start,
        tenant_id,
        sum(tenant_share) as shares_total
    from shares
    group by source_object_id, period_start, tenant_id

),

tenant_totals as (

    select
        case
            when b.tenant_id is null then 'shares without a balance'
            when t.tenant_id is null then 'balance without shares'
            else 'shares <> total'
        end as failure,
        coalesce(b.source_object_id, t.source_object_id) as source_object_id,
        coalesce(b.period_start, t.period_start) as period_start,
        cast(null as varchar) as spec_id,
        coalesce(b.tenant_id, t.tenant_id) as tenant_id,
        b.total as expected_amount,
        t.shares_total as actual_amount
    from balances as b
    full outer join per_tenant as t
        on t.source_object_id = b.source_object_id
        and t.period_start = b.period_start
        and t.tenant_id = b.tenant_id
    where b.tenant_id is null
        or t.tenant_id is null
        or b.total <> t.shares_total

),

tenant_balances as (

    select
        'balance <> total - advances_paid, or outcome wrong' as failure,
        source_object_id,
        period_start,
        cast(null as varchar) as spec_id,
        tenant_id,
        total - advances_paid as expected_amount,
        balance as actual_amount
    from balances
    where balance <> total - advances_paid
        or outcome <> case when balance > 0 then 'to_pay' when balance < 0 then 'refund' else 'settled' end

)

select * from per_cost
union all
select * from heating_parts
union all
select * from tenant_totals
union all
select * from tenant_balances
