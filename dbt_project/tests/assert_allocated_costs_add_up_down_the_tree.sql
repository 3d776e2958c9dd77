-- Every elapsed energy invoice (basis 'invoice') adds up down the object tree, to the cent: for each object that
-- passes part of its amount on, the `allocated` amounts of its children (fct_object_energy_costs.parent_id) plus its
-- own `loss` row (at most one) equal its `allocated` amount; and the invoiced object's `allocated` amount and
-- currency are the invoice's (stg_allocation__received_invoices). Returns one row per object or invoice that does
-- not add up.
with costs as (

    select *
    from {{ ref('fct_object_energy_costs') }}
    where basis = 'invoice'
        and kind in ('allocated', 'loss')

),

invoices as (

    select invoice_id, object_id, amount, currency
    from {{ ref('stg_allocation__received_invoices') }}

),

-- The amount each object bears of each invoice.
allocated as (

    select invoice_id, object_id, sum(amount) as amount, count(*) as rows_count
    from costs
    where kind = 'allocated'
    group by invoice_id, object_id

),

-- What the children pass up: every allocated row except the invoiced object's own (its parent is outside the invoice).
children as (

    select c.invoice_id, c.parent_id as object_id, sum(c.amount) as children_amount
    from costs as c
    left join invoices as i on i.invoice_id = c.invoice_id
    where c.kind = 'allocated'
        and c.object_id is distinct from i.object_id
    group by c.invoice_id, c.parent_id

),

losses as (

    select invoice_id, object_id, sum(amount) as loss_amount, count(*) as loss_rows
    from costs
    where kind = 'loss'
    group by invoice_id, object_id

),

parents as (

    select invoice_id, object_id from children
    union
    select invoice_id, object_id from losses

),

tree_check as (

    select
        'children + loss <> parent' as failure,
        p.invoice_id,
        p.object_id,
        a.amount as expected_amount,
        coalesce(ch.children_amount, 0) + coalesce(l.loss_amount, 0) as actual_amount
    from parents as p
    left join allocated as a on a.invoice_id = p.invoice_id and a.object_id = p.object_id
    left join children as ch on ch.invoice_id = p.invoice_id and ch.object_id is not distinct from p.object_id
    left join losses as l on l.invoice_id = p.invoice_id and l.object_id = p.object_id
    where a.amount is null
        or a.rows_count > 1
        or coalesce(l.loss_rows, 0) > 1
        or a.amount <> coalesce(ch.children_amount, 0) + coalesce(l.loss_amount, 0)

),

invoice_check as (

    select
        'invoiced object <> invoice' as failure,
        coalesce(i.invoice_id, inv.invoice_id) as invoice_id,
        i.object_id,
        i.amount as expected_amount,
        a.amount as actual_amount
    from (select distinct invoice_id from costs) as inv
    left join invoices as i on i.invoice_id = inv.invoice_id
    left join allocated as a on a.invoice_id = i.invoice_id and a.object_id = i.object_id
    left join (
        select invoice_id, min(currency) as currency, count(distinct currency) as currencies
        from costs
        group by invoice_id
    ) as cur on cur.invoice_id = inv.invoice_id
    where i.invoice_id is null
        or a.amount is null
        or a.rows_count > 1
        or a.amount <> i.amount
        or cur.currencies > 1
        or cur.currency <> i.currency

)

select * from tree_check
union all
select * from invoice_check
