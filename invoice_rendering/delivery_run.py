"""One delivery run: e-mail the rendered documents not delivered yet, and the due-date and overdue notices.

Documents: every rendered document (`invoicing.invoice_files`) whose `invoice` message is not
finished in `invoicing.deliveries` (never tried, failed and due again, or without an address that
may have one now) is sent with its PDF and both e-invoices attached, read from the output folder.
`issued_since` keeps a first run on a long history from mailing years of old invoices.

Notices: the open items of `marts.fct_receivables` (as of its `as_of_date`), with the contract's
e-mail and language and the company's default account in the currency, go through
`notifications.due_reminders` and `notifications.overdue_notices`.
"""

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb

from billing.warehouse_io import query_rows
from invoice_rendering.delivery import SmtpSettings, invoice_outgoing
from invoice_rendering.delivery_ledger import DeliveryReport, create_delivery_tables, deliver
from invoice_rendering.invoice_view import LANGUAGES
from invoice_rendering.notifications import OpenItem, due_reminders, overdue_notices
from invoice_rendering.rendering_ledger import create_invoice_files_table
from invoice_rendering.warehouse_views import DEFAULT_LANGUAGE, load_invoice_views

UNDELIVERED_SQL = """
select f.company_id, f.invoice_number, f.pdf_path, f.ubl_path, f.cii_path
from invoicing.invoice_files as f
inner join billing.invoice_documents as d on d.company_id = f.company_id and d.invoice_number = f.invoice_number
left join invoicing.deliveries as m
    on m.company_id = f.company_id and m.invoice_number = f.invoice_number and m.message_kind = 'invoice'
where f.status = 'rendered'
  and (m.status is null or m.status in ('failed', 'no_address'))
  and ($issued_since is null or d.issue_date >= $issued_since)
order by f.company_id, f.invoice_number
"""

OPEN_ITEMS_SQL = """
with contacts as (
    select contract_id, arg_max(invoice_email, addendum_number) as invoice_email,
           arg_max(invoice_language, addendum_number) as invoice_language
    from marts.dim_contracts
    group by contract_id
)
select r.as_of_date, r.company_id, r.invoice_number, r.customer_id, contacts.invoice_email, contacts.invoice_language,
       co.country_code, co.legal_name, r.currency, r.open_amount, r.due_date, r.grace_days, a.iban, d.payment_reference
from marts.fct_receivables as r
inner join billing.invoice_documents as d on d.company_id = r.company_id and d.invoice_number = r.invoice_number
left join contacts on contacts.contract_id = r.contract_id
left join marts.dim_companies as co on co.company_id = r.company_id
left join reference.company_bank_accounts as a on a.company_id = r.company_id and a.currency = r.currency and a.is_default
where r.open_amount > 0
order by r.company_id, r.invoice_number
"""


def _attachments(out_dir: Path, pdf_path: str, ubl_path: str, cii_path: str):
    def read() -> list[tuple[str, bytes, str]]:
        return [
            (Path(pdf_path).name, (out_dir / pdf_path).read_bytes(), "application/pdf"),
            (Path(ubl_path).name, (out_dir / ubl_path).read_bytes(), "application/xml"),
            (Path(cii_path).name, (out_dir / cii_path).read_bytes(), "application/xml"),
        ]

    return read


def undelivered_count(connection: duckdb.DuckDBPyConnection, issued_since: date | None = None) -> int:
    """How many rendered documents (issued on or after `issued_since`) are still to be e-mailed."""
    create_invoice_files_table(connection)
    create_delivery_tables(connection)
    return len(connection.execute(UNDELIVERED_SQL, {"issued_since": issued_since}).fetchall())


def deliver_documents(
    connection: duckdb.DuckDBPyConnection, out_dir: Path, settings: SmtpSettings, now: datetime, issued_since: date | None = None
) -> DeliveryReport:
    """Send every rendered, undelivered document (issued on or after `issued_since`) once."""
    create_invoice_files_table(connection)
    create_delivery_tables(connection)
    rows = connection.execute(UNDELIVERED_SQL, {"issued_since": issued_since}).fetchall()
    files = {(company, number): paths for company, number, *paths in rows}
    outgoing = []
    for company_id in sorted({company for company, _ in files}):
        numbers = sorted(number for company, number in files if company == company_id)
        views, _ = load_invoice_views(connection, company_id, invoice_numbers=numbers)
        outgoing += [invoice_outgoing(view, _attachments(out_dir, *files[(company_id, view.invoice_number)]), settings) for view in views]
    return deliver(connection, outgoing, settings, now)


@dataclass(frozen=True)
class NoticeRun:
    as_of_date: date | None
    open_items: int
    reminders: DeliveryReport
    overdue: DeliveryReport


def load_open_items(connection: duckdb.DuckDBPyConnection) -> tuple[date | None, list[OpenItem]]:
    """The receivables mart's open items as notification records, and its as-of date."""
    items, as_of = [], None
    for row in query_rows(connection, OPEN_ITEMS_SQL):
        as_of = row["as_of_date"]
        language = row["invoice_language"] if row["invoice_language"] in LANGUAGES else DEFAULT_LANGUAGE.get(row["country_code"], "en")
        items.append(
            OpenItem(
                company_id=row["company_id"], invoice_number=row["invoice_number"], customer_id=row["customer_id"],
                customer_email=row["invoice_email"], language=language, currency=row["currency"],
                open_amount=row["open_amount"], due_date=row["due_date"], grace_days=int(row["grace_days"]),
                iban=row["iban"], payment_reference=row["payment_reference"], seller_name=row["legal_name"],
            )
        )
    return as_of, items


def send_notices(connection: duckdb.DuckDBPyConnection, settings: SmtpSettings, now: datetime, days_before: int) -> NoticeRun:
    """Due-date reminders and overdue notices for the open items, each sent once per invoice."""
    create_delivery_tables(connection)
    as_of, items = load_open_items(connection)
    today = as_of or now.date()
    reminders = deliver(connection, due_reminders(items, today, settings, days_before), settings, now)
    notices = deliver(connection, overdue_notices(items, today, settings), settings, now)
    return NoticeRun(as_of, len(items), reminders, notices)
