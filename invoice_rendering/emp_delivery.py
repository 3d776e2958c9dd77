"""E-mail each EMP invoice and credit note once, with its PDF and CDR CSV attached, through the invoice delivery ledger.

The seed says EMPs have no access to the portal, so their documents must reach them by e-mail
or post. This uses the same SMTP settings, templates and ledger (`invoicing.deliveries`, sent
once, retried with backoff, `no_address` reported) as the energy invoices; the EMP's
`invoice_email` from `e_mobility_providers` is the recipient. Only documents whose files exist
(`emobility/emp_invoice_files`) are sent.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb

from invoice_rendering.delivery import SmtpSettings, invoice_outgoing
from invoice_rendering.delivery_ledger import DeliveryReport, create_delivery_tables, deliver
from invoice_rendering.emp_documents import EmpDocumentFiles, document_dir, load_emp_documents


def _rendered(documents: list[EmpDocumentFiles], out_dir: Path) -> list[EmpDocumentFiles]:
    return [d for d in documents if (document_dir(out_dir, d.view) / f"{d.view.invoice_number}.pdf").exists()]


def _attachments(out_dir: Path, document: EmpDocumentFiles):
    folder, number = document_dir(out_dir, document.view), document.view.invoice_number

    def read() -> list[tuple[str, bytes, str]]:
        return [
            (f"{number}.pdf", (folder / f"{number}.pdf").read_bytes(), "application/pdf"),
            (f"{number}_cdrs.csv", (folder / f"{number}_cdrs.csv").read_bytes(), "text/csv"),
        ]

    return read


def undelivered_emp_count(connection: duckdb.DuckDBPyConnection, out_dir: Path) -> int:
    """How many rendered EMP documents have not been sent yet."""
    create_delivery_tables(connection)
    documents, _ = load_emp_documents(connection)
    sent = {
        (company, number)
        for company, number in connection.execute(
            "select company_id, invoice_number from invoicing.deliveries where message_kind = 'invoice' and status = 'sent'"
        ).fetchall()
    }
    return sum(1 for d in _rendered(documents, out_dir) if (d.view.company_id, d.view.invoice_number) not in sent)


def deliver_emp_documents(connection: duckdb.DuckDBPyConnection, out_dir: Path, settings: SmtpSettings, now: datetime) -> DeliveryReport:
    """Send every rendered EMP document that is due per the ledger (each once)."""
    create_delivery_tables(connection)
    documents, _ = load_emp_documents(connection)
    outgoing = [invoice_outgoing(d.view, _attachments(out_dir, d), settings) for d in _rendered(documents, out_dir)]
    return deliver(connection, outgoing, settings, now)
