"""Issue the EMP documents the rated CDRs call for, into the immutable register `emobility.emp_invoices`.

Reads the rated CDRs that no document covers yet, plans the documents (`rating.emp_invoicing`)
and records them with their CDRs in one transaction. A rerun issues nothing new unless new CDRs
were rated; an issued document is never changed.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

import duckdb

from rating.emp_invoicing import DocumentKey, EmpDocument, RatedCdr, plan_documents
from rating.ledger_tables import create_emobility_tables

UNINVOICED_SQL = """
select r.cdr_id, r.company_id, r.country_code, r.emp_id, r.currency, r.invoiced_month, r.is_credit,
       r.net_amount, r.vat_amount, r.gross_amount
from emobility.cdr_ratings as r
where r.status = 'rated'
  and not exists (select 1 from emobility.emp_invoice_cdrs as i where i.cdr_id = r.cdr_id)
"""


def issue_emp_documents(connection: duckdb.DuckDBPyConnection, as_of: date) -> list[EmpDocument]:
    """Issue (and return) every document due on `as_of`."""
    create_emobility_tables(connection)
    cdrs = [RatedCdr(*row) for row in connection.execute(UNINVOICED_SQL).fetchall()]
    invoiced = {
        DocumentKey(*row)
        for row in connection.execute(
            "select distinct company_id, country_code, emp_id, currency, invoiced_month, document_type from emobility.emp_invoices"
        ).fetchall()
    }
    last_sequences = {
        day: sequence
        for day, sequence in connection.execute(
            "select issue_date, max(cast(substr(invoice_number, 7, 4) as integer)) from emobility.emp_invoices group by issue_date"
        ).fetchall()
    }
    terms = dict(connection.execute("select company_id, payment_terms_days from reference.cpo_subsidiaries").fetchall())
    documents = plan_documents(cdrs, as_of, invoiced, last_sequences, terms, max(last_sequences, default=None))
    if not documents:
        return []
    now = datetime.now(timezone.utc)
    connection.execute("BEGIN TRANSACTION")
    try:
        connection.executemany(
            "insert into emobility.emp_invoices values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                [
                    d.invoice_number, d.key.document_type, d.issue_date, d.due_date, d.key.company_id, d.key.country_code,
                    d.key.emp_id, d.key.invoiced_month, d.key.currency, len(d.cdr_ids), d.net_amount, d.vat_amount,
                    d.gross_amount, now,
                ]
                for d in documents
            ],
        )
        links = [(d.invoice_number, cdr_id) for d in documents for cdr_id in d.cdr_ids]
        connection.execute("create or replace temp table new_invoice_cdrs (invoice_number varchar, cdr_id varchar)")
        connection.executemany("insert into new_invoice_cdrs values (?, ?)", links)
        connection.execute("insert into emobility.emp_invoice_cdrs select * from new_invoice_cdrs")
        connection.execute("drop table new_invoice_cdrs")
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    return documents
