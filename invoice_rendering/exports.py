"""Files finance and customers take away: the consumption CSV behind a document, the per-invoice zip,
the accounting exchange CSV and the bulk export of a period.

Every file is reproducible: zip entries carry the invoice's issue date as their timestamp and are
written in a fixed order, CSVs are UTF-8 with a header, `.` as decimal separator, ISO dates and the
exact decimals of the register. The accounting layout is `ACCOUNTING_COLUMNS` (documented in the
README); changing it is a change of an interface other systems import.
"""

import csv
import io
import zipfile
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path

from invoice_rendering.invoice_view import InvoiceView

CONSUMPTION_COLUMNS = ("invoice_number", "metering_point_id", "location_name", "local_date", "energy_kwh")

# (column, description): one row per document and VAT group, what a general ledger books.
ACCOUNTING_COLUMNS: tuple[tuple[str, str], ...] = (
    ("company_id", "Issuing company."),
    ("invoice_number", "Document number (unique per company)."),
    ("document_type_code", "EN 16931 / UNTDID 1001 type: 380 invoice, 381 credit note."),
    ("invoice_type", "advance, regularisation, deviation, green_certificate_regularisation, penalty, credit_note."),
    ("issue_date", "Issue date, YYYY-MM-DD."),
    ("due_date", "Due date, YYYY-MM-DD."),
    ("billing_period", "Billing period label, YYYY-MM (or YYYY for a yearly document)."),
    ("customer_id", "Customer code."),
    ("customer_name", "Customer name."),
    ("customer_vat_number", "Customer VAT number, empty for households."),
    ("contract_id", "Supply contract."),
    ("currency", "ISO 4217 currency of every amount in the row."),
    ("vat_category", "EN 16931 VAT category code of the group (S, Z, E, AE, K, G, O)."),
    ("vat_rate_pct", "VAT rate of the group, percent."),
    ("taxable_amount", "Taxable amount of the group on the document (BT-116)."),
    ("vat_amount", "VAT of the group on the document (BT-117)."),
    ("prepaid_taxable_amount", "Regularisations: taxable amount of the group already invoiced by advances."),
    ("prepaid_vat_amount", "Regularisations: VAT of the group already invoiced by advances."),
    ("net_taxable_amount", "taxable_amount − prepaid_taxable_amount: what the sales ledger books for this document."),
    ("net_vat_amount", "vat_amount − prepaid_vat_amount: what the VAT ledger books for this document."),
    ("document_total_with_vat", "Document total with VAT (BT-112), repeated on each of its rows."),
    ("document_amount_due", "Document amount due (BT-115); negative is owed to the customer."),
    ("corrects_invoice_number", "Credit notes: the invoice reversed."),
    ("payment_reference", "Reference the customer quotes when paying."),
)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal | date):
        return str(value)
    return str(value)


def _csv_bytes(header: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_text(value) for value in row])
    return buffer.getvalue().encode("utf-8")


def consumption_csv(view: InvoiceView) -> bytes:
    """The metered daily kWh behind the document, per metering point (header only when the document has none)."""
    names = {point.metering_point_id: point.location_name or "" for point in view.metering_points}
    rows = (
        (view.invoice_number, item.metering_point_id, names.get(item.metering_point_id, ""), item.day, item.energy_kwh)
        for item in sorted(view.daily_consumption, key=lambda row: (row.metering_point_id, row.day))
    )
    return _csv_bytes(CONSUMPTION_COLUMNS, rows)


def document_type_code(view: InvoiceView) -> str:
    return "381" if view.is_credit_note else "380"


def accounting_rows(view: InvoiceView) -> list[tuple]:
    return [
        (
            view.company_id, view.invoice_number, document_type_code(view), view.invoice_type, view.issue_date,
            view.due_date, view.billing_period, view.customer_id, view.buyer.name, view.buyer.vat_number,
            view.contract_id, view.currency, group.vat_category, group.vat_rate_pct, group.taxable_amount,
            group.vat_amount, group.prepaid_taxable_amount, group.prepaid_vat_amount,
            group.taxable_amount - group.prepaid_taxable_amount, group.vat_amount - group.prepaid_vat_amount,
            view.total_with_vat, view.amount_due, view.corrects_invoice_number, view.payment_reference,
        )
        for group in view.vat_groups
    ]


def accounting_csv(views: Iterable[InvoiceView]) -> bytes:
    """The accounting exchange file: `ACCOUNTING_COLUMNS`, one row per document and VAT group."""
    ordered = sorted(views, key=lambda view: (view.company_id, view.issue_date, view.invoice_number))
    return _csv_bytes([name for name, _ in ACCOUNTING_COLUMNS], (row for view in ordered for row in accounting_rows(view)))


def _zip(entries: Sequence[tuple[str, bytes]], stamp: date) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries:
            info = zipfile.ZipInfo(name, date_time=(stamp.year, stamp.month, stamp.day, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, content)
    return buffer.getvalue()


def invoice_zip(view: InvoiceView, files: Sequence[tuple[str, bytes]]) -> bytes:
    """One document's zip: its files (PDF, UBL and CII XML, consumption CSV) as given, dated on the issue date."""
    return _zip(files, view.issue_date)


def bulk_export(views: Sequence[InvoiceView], invoice_zips: dict[str, Path], target: Path, stamp: date) -> Path:
    """A period's export: every document's zip, the accounting CSV and an index, in one zip at `target`.

    `invoice_zips` maps invoice numbers to the documents' zip files; numbers are unique within a company only,
    so mixing companies is safe only when their number series differ (as VB-RO's and VB-BG's do).
    """
    ordered = sorted(views, key=lambda view: (view.company_id, view.invoice_number))
    index = _csv_bytes(
        ("company_id", "invoice_number", "invoice_type", "issue_date", "currency", "total_with_vat", "amount_due", "file"),
        (
            (v.company_id, v.invoice_number, v.invoice_type, v.issue_date, v.currency, v.total_with_vat, v.amount_due, f"invoices/{v.file_stem}.zip")
            for v in ordered
        ),
    )
    entries = [("index.csv", index), ("accounting.csv", accounting_csv(ordered))]
    entries += [(f"invoices/{view.file_stem}.zip", invoice_zips[view.invoice_number].read_bytes()) for view in ordered]
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(target.suffix + ".partial")
    partial.write_bytes(_zip(entries, stamp))
    partial.replace(target)
    return target


def write_period_export(views: Sequence[InvoiceView], invoice_zips: dict[str, Path], target: Path, stamp: date) -> tuple[Path, Path]:
    """The bulk zip at `target` and the accounting CSV beside it (`<name>.accounting.csv`)."""
    bulk_export(views, invoice_zips, target, stamp)
    accounting = target.with_name(target.stem + ".accounting.csv")
    partial = accounting.with_name(accounting.name + ".partial")
    partial.write_bytes(accounting_csv(views))
    partial.replace(accounting)
    return target, accounting
