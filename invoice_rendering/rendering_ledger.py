"""The record of rendered documents in the warehouse (`invoicing.invoice_files`) and what is still to render.

A document is rendered once: its files are immutable like the document. It is rendered again only
when a file recorded for it is missing from the output folder (restored from nothing, deleted by
hand), and the rerun writes the same bytes (reproducible PDFs, dated zips). A document that failed
to render is recorded with the error and tried again on the next run.
"""

from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

import duckdb

from invoice_rendering.documents import RenderedDocument

INVOICE_FILES_DDL = """
CREATE SCHEMA IF NOT EXISTS invoicing;
CREATE TABLE IF NOT EXISTS invoicing.invoice_files (
    company_id          VARCHAR NOT NULL,
    invoice_number      VARCHAR NOT NULL,
    billing_period      VARCHAR NOT NULL,
    status              VARCHAR NOT NULL,     -- rendered | failed
    pdf_path            VARCHAR,              -- relative to the invoices output folder
    ubl_path            VARCHAR,
    cii_path            VARCHAR,
    csv_path            VARCHAR,
    zip_path            VARCHAR,
    pdf_sha256          VARCHAR,
    zip_sha256          VARCHAR,
    pdf_pages           INTEGER,
    einvoice_errors     VARCHAR[] NOT NULL,   -- EN 16931 rule failures (XSD or Schematron), UBL or CII
    einvoice_warnings   VARCHAR[] NOT NULL,
    currency_problem    VARCHAR,              -- issued in a withdrawn currency (BGN after 2026-01-01): a billing defect
    render_error        VARCHAR,
    attempts            INTEGER NOT NULL,
    rendered_at         TIMESTAMPTZ NOT NULL,
    render_run_id       VARCHAR,
    PRIMARY KEY (company_id, invoice_number)
)
"""

PENDING_SQL = """
select d.invoice_number, f.status, f.pdf_path, f.ubl_path, f.cii_path, f.csv_path, f.zip_path
from billing.invoice_documents as d
left join invoicing.invoice_files as f on f.company_id = d.company_id and f.invoice_number = d.invoice_number
where d.company_id = $company_id
  and (cast($periods as varchar[]) is null or list_contains($periods, d.billing_period))
order by d.invoice_number
"""


def create_invoice_files_table(connection: duckdb.DuckDBPyConnection) -> None:
    connection.execute(INVOICE_FILES_DDL)


def documents_to_render(connection: duckdb.DuckDBPyConnection, company_id: str, out_dir: Path, periods: list[str] | None = None) -> list[str]:
    """Numbers of the company's issued documents never rendered, failed, or with a recorded file missing."""
    pending = []
    for number, status, *paths in connection.execute(PENDING_SQL, {"company_id": company_id, "periods": periods}).fetchall():
        if status != "rendered" or any(path is None or not (out_dir / path).exists() for path in paths):
            pending.append(number)
    return pending


def rendered_zips(connection: duckdb.DuckDBPyConnection, company_id: str, billing_period: str) -> dict[str, str]:
    """Invoice number -> zip file (relative to the invoices folder) of the period's rendered documents."""
    return dict(
        connection.execute(
            "select invoice_number, zip_path from invoicing.invoice_files "
            "where company_id = ? and billing_period = ? and status = 'rendered'",
            [company_id, billing_period],
        ).fetchall()
    )


def record_rendered(connection: duckdb.DuckDBPyConnection, results: Iterable[RenderedDocument], now: datetime, run_id: str | None) -> None:
    """Upsert one row per document rendered (or failed) in this run; attempts count every try."""
    rows = [
        (
            r.company_id, r.invoice_number, r.billing_period, "rendered" if r.error is None else "failed",
            r.pdf_path, r.ubl_path, r.cii_path, r.csv_path, r.zip_path, r.pdf_sha256, r.zip_sha256, r.pdf_pages,
            list(r.einvoice_errors), list(r.einvoice_warnings), r.currency_problem, r.error, now, run_id,
        )
        for r in results
    ]
    if not rows:
        return
    connection.executemany(
        """
        insert into invoicing.invoice_files
            (company_id, invoice_number, billing_period, status, pdf_path, ubl_path, cii_path, csv_path, zip_path,
             pdf_sha256, zip_sha256, pdf_pages, einvoice_errors, einvoice_warnings, currency_problem, render_error,
             attempts, rendered_at, render_run_id)
        values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)
        on conflict (company_id, invoice_number) do update set
            status = excluded.status, pdf_path = excluded.pdf_path, ubl_path = excluded.ubl_path,
            cii_path = excluded.cii_path, csv_path = excluded.csv_path, zip_path = excluded.zip_path,
            pdf_sha256 = excluded.pdf_sha256, zip_sha256 = excluded.zip_sha256, pdf_pages = excluded.pdf_pages,
            einvoice_errors = excluded.einvoice_errors, einvoice_warnings = excluded.einvoice_warnings,
            currency_problem = excluded.currency_problem,
            render_error = excluded.render_error, attempts = invoicing.invoice_files.attempts + 1,
            rendered_at = excluded.rendered_at, render_run_id = excluded.render_run_id
        """,
        rows,
    )
