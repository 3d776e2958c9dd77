"""EMP invoices and credit notes as files: the PDF, the CDRs as CSV, a zip of both per document, and one zip of all.

Reads the EMP invoice register and the rated CDRs (`emobility.*`, written by `rating/`) and shows
them through the same `InvoiceView` and PDF renderer as the energy invoices: the CPO subsidiary is
the seller (with its default bank account in the document's currency), the EMP the buyer. Lines
are the document's CDR components summed per price component, unit price and VAT rate; each CDR
was rounded on its own when rated, so a line's net is the sum of its CDRs' nets, not quantity ×
price, and the VAT per rate is the sum of the CDRs' VAT (the seed's "value of each CDR"). No
EN 16931 e-invoice is produced for these documents for that reason (see the README).

Files go to `<outputs>/emp_invoices/<company>/<invoiced month>/<number>.{pdf,csv,zip}`; rendering is
reproducible, so a document is rendered only when its zip is missing. `all_emp_invoices.zip`
(every document's PDF and CSV) is rewritten when the register changed.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import duckdb

from billing.warehouse_io import query_rows
from invoice_rendering.invoice_view import CREDIT_NOTE, InvoiceView, Line, Party, VatGroup
from invoice_rendering.pdf import InvoiceRenderer
from invoice_rendering.warehouse_views import billing_period_dates, default_bank_accounts, seller_party

CHARGE_TYPES = {"session_fee": "charging_session_fee", "energy": "charging_energy", "time": "charging_time", "parking": "parking_time"}
COMPONENT_TITLES = {"session_fee": "Session fee", "energy": "Energy", "time": "Charging time", "parking": "Parking time"}
ALL_DOCUMENTS_ZIP = "all_emp_invoices.zip"
ZIP_TIME = (1980, 1, 1, 0, 0, 0)

CDR_CSV_COLUMNS = (
    "cdr_id", "evse_id", "session_start", "session_end", "product_id", "energy_kwh", "time_hours", "parking_hours",
    "component", "quantity", "unit", "unit_price", "net_amount", "vat_rate_pct", "vat_amount", "gross_amount", "currency",
    "credit_reference_id",
)

DOCUMENTS_SQL = """
select d.*, s.invoice_language,
       p.legal_name as emp_name, p.vat_number as emp_vat, p.street as emp_street, p.city as emp_city,
       p.postal_code as emp_postal_code, coalesce(p.country_code, d.country_code) as emp_country, p.invoice_email
from emobility.emp_invoices as d
join reference.cpo_subsidiaries as s on s.company_id = d.company_id
left join staging.stg_emobility__e_mobility_providers as p on p.emp_id = d.emp_id
order by d.issue_date, d.invoice_number
"""

COMPONENTS_SQL = """
select i.invoice_number, c.cdr_id, r.session_start, r.session_end, cdr.evse_id, cdr.product_id, r.energy_kwh,
       r.time_hours, r.parking_hours, c.component, c.quantity, c.unit, c.unit_price, c.net_amount, c.vat_rate_pct,
       c.vat_amount, c.net_amount + c.vat_amount as gross_amount, r.currency, r.credit_reference_id,
       reversed.invoice_number as reversed_invoice_number
from emobility.emp_invoice_cdrs as i
join emobility.cdr_ratings as r on r.cdr_id = i.cdr_id
left join emobility.emp_invoice_cdrs as reversed on reversed.cdr_id = r.credit_reference_id
join emobility.cdr_rating_components as c on c.cdr_id = i.cdr_id
join staging.stg_emobility__charge_detail_records as cdr
    on cdr.cdr_id = i.cdr_id and cdr.source_file = r.source_file and cdr.source_line = r.source_line
where i.invoice_number in (select unnest($numbers))
order by i.invoice_number, r.session_start, c.cdr_id, c.component
"""


@dataclass(frozen=True)
class EmpDocumentFiles:
    """One document to write: its view and its CDR rows (one per priced component)."""

    view: InvoiceView
    cdr_rows: tuple[dict, ...]


def load_emp_documents(connection: duckdb.DuckDBPyConnection, invoice_numbers: list[str] | None = None) -> tuple[list[EmpDocumentFiles], list[str]]:
    """The register's documents (all, or the numbers given) as views with their CDR rows, and what cannot be shown."""
    documents = [row for row in query_rows(connection, DOCUMENTS_SQL) if invoice_numbers is None or row["invoice_number"] in set(invoice_numbers)]
    if not documents:
        return [], []
    rows_by_number: dict[str, list[dict]] = defaultdict(list)
    for row in query_rows(connection, COMPONENTS_SQL, {"numbers": [d["invoice_number"] for d in documents]}):
        rows_by_number[row["invoice_number"]].append(row)
    sellers = {company: seller_party(connection, company) for company in {d["company_id"] for d in documents}}
    accounts = {company: default_bank_accounts(connection, company) for company in sellers}
    result: list[EmpDocumentFiles] = []
    problems: list[str] = []
    for document in documents:
        account = accounts[document["company_id"]].get(document["currency"])
        if not account or isinstance(account, str):
            problems.append(f"{document['invoice_number']}: {account or 'no default ' + document['currency'] + ' bank account'}")
            continue
        rows = rows_by_number[document["invoice_number"]]
        result.append(EmpDocumentFiles(_view(document, rows, sellers[document["company_id"]], account), tuple(rows)))
    return result, problems


def _view(document: dict, rows: list[dict], seller: Party, account) -> InvoiceView:
    month = document["invoiced_month"].strftime("%Y-%m")
    start, end = billing_period_dates(month)
    lines = _lines(rows)
    groups = _vat_groups(rows)
    is_credit = document["document_type"] == CREDIT_NOTE
    sessions = len({row["cdr_id"] for row in rows})
    reversed_invoices = {row["reversed_invoice_number"] for row in rows if row["reversed_invoice_number"]}
    return InvoiceView(
        company_id=document["company_id"],
        invoice_number=document["invoice_number"],
        invoice_type=CREDIT_NOTE if is_credit else "charging_sessions",
        issue_date=document["issue_date"],
        due_date=document["due_date"],
        period_start=start,
        period_end=end,
        billing_period=month,
        currency=document["currency"],
        language=document["invoice_language"] or "en",
        seller=seller,
        buyer=Party(
            name=document["emp_name"] or document["emp_id"],
            country_code=document["emp_country"],
            street=document["emp_street"],
            city=document["emp_city"],
            postal_code=document["emp_postal_code"],
            vat_number=document["emp_vat"],
            email=document["invoice_email"],
        ),
        bank_account=account,
        contract_id=f"Charging sessions {month} ({sessions} CDR{'s' if sessions != 1 else ''})",
        customer_id=document["emp_id"],
        lines=lines,
        vat_groups=groups,
        line_total=document["net_amount"],
        vat_total=document["vat_amount"],
        total_with_vat=document["gross_amount"],
        prepaid_amount=Decimal("0.00"),
        amount_due=document["gross_amount"],
        payment_reference=document["invoice_number"],
        customer_email=document["invoice_email"],
        note=f"Charging sessions at the charging points of {seller.name} in {month}; the CDRs are in the attached CSV.",
        # a credit note names the invoice it corrects when its credit CDRs reverse sessions of one invoice
        corrects_invoice_number=reversed_invoices.pop() if is_credit and len(reversed_invoices) == 1 else None,
    )


def _lines(rows: list[dict]) -> tuple[Line, ...]:
    totals: dict[tuple, list[Decimal]] = {}
    for row in rows:
        key = (row["component"], row["unit"], row["unit_price"], row["vat_rate_pct"])
        quantity_net = totals.setdefault(key, [Decimal(0), Decimal(0), Decimal(0)])
        quantity_net[0] += row["quantity"]
        quantity_net[1] += row["net_amount"]
        quantity_net[2] += 1
    lines = []
    for number, (key, (quantity, net, count)) in enumerate(sorted(totals.items(), key=lambda item: (item[0][0], item[0][2], item[0][3])), start=1):
        component, unit, unit_price, rate = key
        lines.append(
            Line(
                line_number=number,
                description=f"{COMPONENT_TITLES[component]}, {count} CDR{'s' if count != 1 else ''}",
                quantity=quantity,
                unit=unit,
                unit_price=unit_price,
                net_amount=net,
                vat_category="S" if rate > 0 else "Z",
                vat_rate_pct=rate,
                charge_type=CHARGE_TYPES[component],
            )
        )
    return tuple(lines)


def _vat_groups(rows: list[dict]) -> tuple[VatGroup, ...]:
    sums: dict[Decimal, list[Decimal]] = {}
    for row in rows:
        net_vat = sums.setdefault(row["vat_rate_pct"], [Decimal("0.00"), Decimal("0.00")])
        net_vat[0] += row["net_amount"]
        net_vat[1] += row["vat_amount"]
    return tuple(
        VatGroup("S" if rate > 0 else "Z", rate, net, vat) for rate, (net, vat) in sorted(sums.items())
    )


def cdr_csv(rows: tuple[dict, ...]) -> bytes:
    """The document's CDRs, one row per priced component, as CSV (UTF-8, decimals with `.`)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CDR_CSV_COLUMNS)
    for row in rows:
        writer.writerow([_text(row[column]) for column in CDR_CSV_COLUMNS])
    return buffer.getvalue().encode("utf-8")


def _text(value) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _zip(members: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members:
            archive.writestr(zipfile.ZipInfo(name, ZIP_TIME), content, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def document_dir(out_dir: Path, view: InvoiceView) -> Path:
    return out_dir / view.company_id / view.billing_period


def write_emp_documents(documents: list[EmpDocumentFiles], out_dir: Path, renderer: InvoiceRenderer | None = None) -> list[Path]:
    """Write each document's PDF, CSV and zip unless its zip exists; returns the zips written."""
    renderer = renderer or InvoiceRenderer()
    written: list[Path] = []
    for document in documents:
        view = document.view
        folder = document_dir(out_dir, view)
        target = folder / f"{view.invoice_number}.zip"
        if target.exists():
            continue
        folder.mkdir(parents=True, exist_ok=True)
        pdf = renderer.pdf_bytes(view)
        csv_bytes = cdr_csv(document.cdr_rows)
        (folder / f"{view.invoice_number}.pdf").write_bytes(pdf)
        (folder / f"{view.invoice_number}_cdrs.csv").write_bytes(csv_bytes)
        temporary = target.with_suffix(".zip.part")
        temporary.write_bytes(_zip([(f"{view.invoice_number}.pdf", pdf), (f"{view.invoice_number}_cdrs.csv", csv_bytes)]))
        temporary.replace(target)
        written.append(target)
    return written


def write_all_documents_zip(documents: list[EmpDocumentFiles], out_dir: Path) -> Path:
    """One zip with every document's PDF and CDR CSV (the seed's Export button), rebuilt from the written files."""
    members: list[tuple[str, bytes]] = []
    for document in sorted(documents, key=lambda d: (d.view.company_id, d.view.billing_period, d.view.invoice_number)):
        folder = document_dir(out_dir, document.view)
        stem = document.view.invoice_number
        if not (folder / f"{stem}.pdf").exists():
            continue  # not renderable (reported by the asset's check); exported once it is
        prefix = f"{document.view.company_id}/{document.view.billing_period}/"
        members.append((f"{prefix}{stem}.pdf", (folder / f"{stem}.pdf").read_bytes()))
        members.append((f"{prefix}{stem}_cdrs.csv", (folder / f"{stem}_cdrs.csv").read_bytes()))
    target = out_dir / ALL_DOCUMENTS_ZIP
    out_dir.mkdir(parents=True, exist_ok=True)
    content = _zip(members)
    if not target.exists() or target.read_bytes() != content:
        temporary = target.with_suffix(".zip.part")
        temporary.write_bytes(content)
        temporary.replace(target)
    return target
