"""Checks that the allocated costs add up, run as a blocking asset check after each allocation run.

For every invoice allocated: the invoiced object's share is the invoice amount, and at every
parent the children's shares plus the loss under it equal the parent's share, to the cent. For
every reconciliation: the tenants' shares of each cost add up to the cost, and each balance is
the total minus the advances.
"""

from __future__ import annotations

import duckdb

NOT_ADDING_UP_SQL = """
with costs as (
    select c.*, o.parent_id
    from allocation.energy_costs as c
    left join staging.stg_allocation__site_objects as o using (object_id)
    where c.basis = 'invoice' and c.kind in ('allocated', 'loss')
),
roots as (
    select c.invoice_id from costs as c
    join staging.stg_allocation__received_invoices as i using (invoice_id)
    where c.kind = 'allocated' and c.object_id = i.object_id and c.amount <> i.amount
),
levels as (
    select p.invoice_id, p.object_id, p.amount,
           coalesce((select sum(k.amount) from costs as k
                     where k.invoice_id = p.invoice_id and k.kind = 'allocated' and k.parent_id = p.object_id), 0)
         + coalesce((select sum(l.amount) from costs as l
                     where l.invoice_id = p.invoice_id and l.kind = 'loss' and l.object_id = p.object_id), 0) as below,
           exists (select 1 from costs as k where k.invoice_id = p.invoice_id and k.kind = 'allocated' and k.parent_id = p.object_id)
           or exists (select 1 from costs as l where l.invoice_id = p.invoice_id and l.kind = 'loss' and l.object_id = p.object_id) as has_below
    from costs as p
    where p.kind = 'allocated'
)
select 'invoice ' || invoice_id || ': the invoiced object does not bear the invoice amount' from roots
union all
select 'invoice ' || invoice_id || ': the shares below ' || object_id || ' add up to ' || below || ', not ' || amount
from levels where has_below and below <> amount
union all
select 'reconciliation ' || source_object_id || ' ' || spec_id || ': tenant shares add up to ' || sum(amount) || ', not ' || any_value(reconciled_cost)
from allocation.reconciliation_shares group by source_object_id, period_start, spec_id having sum(amount) <> any_value(reconciled_cost)
union all
select 'reconciliation ' || source_object_id || ' ' || tenant_id || ': balance is not total - advances'
from allocation.reconciliation_balances where balance <> total - advances_paid
"""


def allocation_problems_in_sums(connection: duckdb.DuckDBPyConnection) -> list[str]:
    """Every place the allocated or reconciled amounts do not add up; empty when all is right."""
    return [row[0] for row in connection.execute(NOT_ADDING_UP_SQL).fetchall()]
