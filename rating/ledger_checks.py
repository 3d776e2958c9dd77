"""Checks that the rating ledger and the EMP register add up, run as blocking asset checks after each write."""

from __future__ import annotations

import duckdb

RATINGS_NOT_ADDING_UP_SQL = """
with components as (
    select cdr_id, sum(net_amount) as net, sum(vat_amount) as vat, count(*) as parts
    from emobility.cdr_rating_components group by cdr_id
)
select r.cdr_id
from emobility.cdr_ratings as r
left join components as c on c.cdr_id = r.cdr_id
where r.status = 'rated'
  and (c.cdr_id is null or r.net_amount <> c.net or r.vat_amount <> c.vat or r.gross_amount <> r.net_amount + r.vat_amount)
union all
select r.cdr_id from emobility.cdr_ratings as r
where r.status <> 'rated' and (r.gross_amount is not null or exists (select 1 from emobility.cdr_rating_components c where c.cdr_id = r.cdr_id))
order by 1
"""

DOCUMENTS_NOT_ADDING_UP_SQL = """
with invoiced as (
    select i.invoice_number, count(*) as cdrs, sum(r.net_amount) as net, sum(r.vat_amount) as vat, sum(r.gross_amount) as gross
    from emobility.emp_invoice_cdrs as i
    join emobility.cdr_ratings as r on r.cdr_id = i.cdr_id
    group by i.invoice_number
)
select d.invoice_number
from emobility.emp_invoices as d
left join invoiced as i on i.invoice_number = d.invoice_number
where i.invoice_number is null or d.cdr_count <> i.cdrs or d.net_amount <> i.net or d.vat_amount <> i.vat
   or d.gross_amount <> i.gross or d.gross_amount <> d.net_amount + d.vat_amount
order by 1
"""


def ratings_add_up(connection: duckdb.DuckDBPyConnection) -> list[str]:
    """CDR ids whose rating does not equal its components (or a not-rated CDR with amounts); empty when all is right."""
    return [row[0] for row in connection.execute(RATINGS_NOT_ADDING_UP_SQL).fetchall()]


def emp_documents_add_up(connection: duckdb.DuckDBPyConnection) -> list[str]:
    """Document numbers whose count or amounts differ from their CDRs'; empty when all is right."""
    return [row[0] for row in connection.execute(DOCUMENTS_NOT_ADDING_UP_SQL).fetchall()]
