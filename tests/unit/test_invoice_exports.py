"""Consumption and accounting CSVs, the per-invoice zip, the bulk export, and `render_documents` writing
every file of a batch (sequentially and in a spawn process pool), including a document that fails.
"""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pypdf
import pytest

from invoice_rendering.documents import render_documents
from invoice_rendering.einvoice import to_cii, to_ubl
from invoice_rendering.exports import (
    ACCOUNTING_COLUMNS,
    accounting_csv,
    bulk_export,
    consumption_csv,
    invoice_zip,
)
from invoice_rendering.invoice_view import InvoiceView
from tests import invoice_samples as samples

D = Decimal


def _rows(content: bytes) -> tuple[list[str], list[dict[str, str]]]:
    text = content.decode("utf-8")
    reader = csv.DictReader(io.StringIO(text))
    rows = list(reader)
    return list(reader.fieldnames or []), rows


# --- consumption CSV ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("view", "rows", "kwh"),
    [
        # March 2026: 22 weekdays, 9 weekend days (Sundays 1, 8, 15, 22, 29; Saturdays 7, 14, 21, 28);
        # point 1: 22 × 280 + 9 × 196 = 7924, point 2: 22 × 281 + 9 × 197 = 7955
        (samples.ro_regularisation(), 62, D("15879.000")),
        # April 2026: 22 weekdays × 26 + 8 weekend days × 18.2
        (samples.ro_refund_regularisation(), 30, D("717.600")),
        (samples.bg_advance(), 0, D("0")),
        (samples.ro_credit_note(), 0, D("0")),
    ],
    ids=lambda value: value.invoice_number if isinstance(value, InvoiceView) else str(value),
)
def test_consumption_csv_has_the_daily_values(view, rows, kwh):
    header, parsed = _rows(consumption_csv(view))
    assert header == ["invoice_number", "metering_point_id", "location_name", "local_date", "energy_kwh"]
    assert len(parsed) == rows == len(view.daily_consumption)
    assert sum((D(row["energy_kwh"]) for row in parsed), D("0")) == kwh
    assert sum((item.energy_kwh for item in view.daily_consumption), D("0")) == kwh
    names = {point.metering_point_id: point.location_name for point in view.metering_points}
    expected = sorted((item.metering_point_id, item.day.isoformat(), item.energy_kwh) for item in view.daily_consumption)
    assert [(row["metering_point_id"], row["local_date"], D(row["energy_kwh"])) for row in parsed] == expected
    for row in parsed:
        assert row["invoice_number"] == view.invoice_number
        assert row["location_name"] == names[row["metering_point_id"]]
        assert len(row["energy_kwh"].split(".")[1]) == 3  # the register's exact decimals, "." separator


def test_consumption_csv_first_rows_by_hand():
    content = consumption_csv(samples.ro_regularisation()).decode("utf-8")
    lines = content.split("\n")
    # 1 March 2026 is a Sunday: 280 × 0.7
    assert lines[1] == "VBR00000123,RO005E123456789,Brutăria Mănăștur,2026-03-01,196.000"
    assert lines[2] == "VBR00000123,RO005E123456789,Brutăria Mănăștur,2026-03-02,280.000"
    assert "VBR00000123,RO005E987654321,Depozit Sud,2026-03-31,281.000" in lines


# --- accounting CSV ----------------------------------------------------------------------------------

# (document total with VAT, amount due) written by hand from each sample's lines
TOTALS = {
    "VBR00000123": (D("13619.79"), D("12409.79")),
    "0000000042": (D("53.76"), D("53.76")),
    "VBR00000124": (D("-47.42"), D("-47.42")),
    "VBR00000125": (D("15.39"), D("15.39")),
    "VBR00000126": (D("677.60"), D("-169.40")),
}


@pytest.fixture(scope="module")
def accounting() -> tuple[list[str], list[dict[str, str]]]:
    return _rows(accounting_csv(samples.all_samples()))


def test_accounting_header_is_the_documented_layout(accounting):
    header, _ = accounting
    assert header == [name for name, _ in ACCOUNTING_COLUMNS]
    assert len(header) == len(set(header)) == 24


def test_accounting_one_row_per_document_and_vat_group(accounting):
    _, rows = accounting
    expected = sorted((view.invoice_number, group.vat_category) for view in samples.all_samples() for group in view.vat_groups)
    assert sorted((row["invoice_number"], row["vat_category"]) for row in rows) == expected
    assert len(rows) == 6  # the RO regularisation has two groups (S 21 %, E 0 %), the others one


def test_accounting_rows_add_up_to_each_document_total(accounting):
    _, rows = accounting
    per_document: dict[str, Decimal] = {}
    for row in rows:
        per_document[row["invoice_number"]] = per_document.get(row["invoice_number"], D("0")) + D(row["taxable_amount"]) + D(row["vat_amount"])
        total, due = TOTALS[row["invoice_number"]]
        assert D(row["document_total_with_vat"]) == total
        assert D(row["document_amount_due"]) == due
        assert D(row["net_taxable_amount"]) == D(row["taxable_amount"]) - D(row["prepaid_taxable_amount"])
        assert D(row["net_vat_amount"]) == D(row["vat_amount"]) - D(row["prepaid_vat_amount"])
    assert per_document == {number: total for number, (total, _) in TOTALS.items()}


def test_accounting_regularisation_books_net_of_the_advance(accounting):
    _, rows = accounting
    standard = next(row for row in rows if row["invoice_number"] == "VBR00000123" and row["vat_category"] == "S")
    exempt = next(row for row in rows if row["invoice_number"] == "VBR00000123" and row["vat_category"] == "E")
    # S 21 %: 8039.51 + 1483.46 + 805.83 + 898.14 = 11226.94, VAT 2357.66; advance 1000.00 + 210.00
    assert (D(standard["taxable_amount"]), D(standard["vat_amount"])) == (D("11226.94"), D("2357.66"))
    assert (D(standard["prepaid_taxable_amount"]), D(standard["prepaid_vat_amount"])) == (D("1000.00"), D("210.00"))
    assert (D(standard["net_taxable_amount"]), D(standard["net_vat_amount"])) == (D("10226.94"), D("2147.66"))
    assert (D(exempt["taxable_amount"]), D(exempt["vat_amount"])) == (D("35.19"), D("0.00"))
    assert (D(exempt["net_taxable_amount"]), D(exempt["net_vat_amount"])) == (D("35.19"), D("0.00"))
    # what the ledgers book plus the advances already booked is the document's total
    booked = sum(D(row[column]) for row in (standard, exempt) for column in ("net_taxable_amount", "net_vat_amount"))
    assert booked + D("1210.00") == D("13619.79")
    assert standard["issue_date"] == "2026-04-05" and standard["due_date"] == "2026-04-20"


def test_accounting_credit_note_rows(accounting):
    _, rows = accounting
    credit = [row for row in rows if row["invoice_number"] == "VBR00000124"]
    assert len(credit) == 1
    assert credit[0]["document_type_code"] == "381"
    assert credit[0]["invoice_type"] == "credit_note"
    assert credit[0]["corrects_invoice_number"] == "VBR00000101"
    # -412.5 kWh × 0.095 = -39.1875 → -39.19; VAT 21 % → -8.23
    assert (D(credit[0]["taxable_amount"]), D(credit[0]["vat_amount"])) == (D("-39.19"), D("-8.23"))
    others = [row for row in rows if row["invoice_number"] != "VBR00000124"]
    assert {row["document_type_code"] for row in others} == {"380"}
    assert all(row["corrects_invoice_number"] == "" for row in others)


def test_accounting_household_has_empty_vat_number(accounting):
    _, rows = accounting
    bg = next(row for row in rows if row["invoice_number"] == "0000000042")
    assert bg["customer_vat_number"] == ""
    assert bg["customer_name"] == "Иван Петров"
    assert bg["currency"] == "EUR"


# --- per-invoice zip and bulk export -----------------------------------------------------------------


def _files(view: InvoiceView) -> list[tuple[str, bytes]]:
    return [
        (f"{view.file_stem}.ubl.xml", to_ubl(view)),
        (f"{view.file_stem}.cii.xml", to_cii(view)),
        (f"{view.file_stem}.consumption.csv", consumption_csv(view)),
        (f"{view.file_stem}.bin", bytes(range(256)) * 4),
    ]


def test_invoice_zip_holds_exactly_the_given_files():
    view = samples.ro_regularisation()
    files = _files(view)
    content = invoice_zip(view, files)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert archive.testzip() is None
        assert archive.namelist() == [name for name, _ in files]
        for name, data in files:
            assert archive.read(name) == data
            assert archive.getinfo(name).date_time == (2026, 4, 5, 0, 0, 0)  # the issue date


def test_invoice_zip_is_reproducible():
    view = samples.bg_advance()
    assert invoice_zip(view, _files(view)) == invoice_zip(samples.bg_advance(), _files(samples.bg_advance()))
    # and depends on its content
    assert invoice_zip(view, _files(view)) != invoice_zip(view, _files(view)[:2])


def test_bulk_export(tmp_path):
    views = samples.all_samples()
    zips: dict[str, Path] = {}
    for view in views:
        path = tmp_path / "zips" / f"{view.file_stem}.zip"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(invoice_zip(view, _files(view)))
        zips[view.invoice_number] = path
    target = tmp_path / "export" / "VB_2026-05.zip"
    assert bulk_export(views, zips, target, date(2026, 5, 31)) == target
    assert sorted(path.name for path in target.parent.iterdir()) == ["VB_2026-05.zip"]  # no partial file left
    with zipfile.ZipFile(target) as archive:
        names = archive.namelist()
        assert sorted(names) == sorted(["index.csv", "accounting.csv"] + [f"invoices/{view.file_stem}.zip" for view in views])
        assert archive.read("accounting.csv") == accounting_csv(views)
        for view in views:
            assert archive.read(f"invoices/{view.file_stem}.zip") == zips[view.invoice_number].read_bytes()
        header, index = _rows(archive.read("index.csv"))
        assert {row["invoice_number"] for row in index} == {view.invoice_number for view in views}
        for row in index:
            assert row["file"] in names
            total, due = TOTALS[row["invoice_number"]]
            assert (D(row["total_with_vat"]), D(row["amount_due"])) == (total, due)
        assert {archive.getinfo(name).date_time for name in names} == {(2026, 5, 31, 0, 0, 0)}
    first = target.read_bytes()
    bulk_export(list(reversed(views)), zips, target, date(2026, 5, 31))
    assert target.read_bytes() == first  # reproducible, independent of the input order


# --- render_documents ----------------------------------------------------------------------------------

SUFFIXES = (".pdf", ".ubl.xml", ".cii.xml", ".consumption.csv", ".zip")


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    out = tmp_path_factory.mktemp("documents")
    views = samples.all_samples()
    return views, out, render_documents(views, out, workers=1)


def test_render_documents_writes_every_file(rendered):
    views, out, results = rendered
    assert [result.invoice_number for result in results] == [view.invoice_number for view in views]
    for view, result in zip(views, results):
        assert result.ok, (result.error, result.einvoice_errors)
        assert result.error is None
        assert result.einvoice_errors == ()
        folder = out / view.company_id / view.billing_period
        for suffix in SUFFIXES:
            assert (folder / f"{view.file_stem}{suffix}").is_file(), suffix
        paths = (result.pdf_path, result.ubl_path, result.cii_path, result.csv_path, result.zip_path)
        assert paths == tuple(str(Path(view.company_id) / view.billing_period / f"{view.file_stem}{suffix}") for suffix in SUFFIXES)
        assert not list(folder.glob("*.partial"))
        pdf = (out / result.pdf_path).read_bytes()
        assert hashlib.sha256(pdf).hexdigest() == result.pdf_sha256
        assert hashlib.sha256((out / result.zip_path).read_bytes()).hexdigest() == result.zip_sha256
        assert result.pdf_pages == len(pypdf.PdfReader(io.BytesIO(pdf)).pages) == (2 if view.daily_consumption else 1)


def test_render_documents_file_contents(rendered):
    views, out, results = rendered
    for view, result in zip(views, results):
        cii = (out / result.cii_path).read_bytes()
        assert cii == to_cii(view)
        assert (out / result.ubl_path).read_bytes() == to_ubl(view)
        assert (out / result.csv_path).read_bytes() == consumption_csv(view)
        # the PDF is the Factur-X one, carrying the CII file written next to it
        assert pypdf.PdfReader(out / result.pdf_path).attachments == {"factur-x.xml": [cii]}
        with zipfile.ZipFile(out / result.zip_path) as archive:
            members = {name: archive.read(name) for name in archive.namelist()}
        written = {Path(path).name: (out / path).read_bytes() for path in (result.pdf_path, result.ubl_path, result.cii_path, result.csv_path)}
        assert members == written


def test_a_failing_document_is_reported_and_the_others_are_written(tmp_path):
    good_before, template, good_after = samples.ro_regularisation(), samples.bg_advance(), samples.ro_credit_note()
    broken = replace(template, lines=(replace(template.lines[0], unit="parsec"),))
    results = render_documents([good_before, broken, good_after], tmp_path, workers=1)
    assert [result.invoice_number for result in results] == ["VBR00000123", "0000000042", "VBR00000124"]
    failed = results[1]
    assert not failed.ok
    assert failed.error is not None and "ValueError" in failed.error and "parsec" in failed.error
    assert (failed.pdf_path, failed.ubl_path, failed.cii_path, failed.csv_path, failed.zip_path) == (None,) * 5
    assert not any(path.name.startswith(broken.file_stem) for path in tmp_path.rglob("*"))
    for view, result in ((good_before, results[0]), (good_after, results[2])):
        assert result.ok
        for suffix in SUFFIXES:
            assert (tmp_path / view.company_id / view.billing_period / f"{view.file_stem}{suffix}").is_file()


def test_render_documents_in_a_process_pool_keeps_the_input_order(tmp_path):
    views = samples.numbered_copies(samples.bg_advance(), 30)  # more than one chunk of 25: uses the pool
    results = render_documents(views, tmp_path, workers=2)
    assert [result.invoice_number for result in results] == [view.invoice_number for view in views]
    assert all(result.ok for result in results), [result.error or result.einvoice_errors for result in results if not result.ok]
    for view, result in zip(views, results):
        for suffix in SUFFIXES:
            assert (tmp_path / "VB-BG" / "2026-02" / f"{view.file_stem}{suffix}").is_file()
        assert hashlib.sha256((tmp_path / result.pdf_path).read_bytes()).hexdigest() == result.pdf_sha256
    assert len(list((tmp_path / "VB-BG" / "2026-02").iterdir())) == 30 * len(SUFFIXES)


def test_a_document_in_the_withdrawn_lev_is_told_apart_by_its_issue_date(tmp_path):
    """BGN left the EN 16931 currency code list when Bulgaria adopted the euro (2026-01-01): a lev document issued
    before that is right for its day (a warning), one issued after is a billing defect (currency_problem); every
    other rule still counts as an error."""
    from invoice_rendering.documents import render_one

    lev = replace(samples.bg_advance(), currency="BGN", issue_date=date(2025, 12, 5), due_date=date(2025, 12, 19))
    before = render_one(lev, tmp_path)
    assert before.error is None and before.einvoice_errors == () and before.currency_problem is None
    assert any(warning.startswith("CURRENCY: BGN was withdrawn on 2026-01-01") for warning in before.einvoice_warnings)

    after = render_one(replace(lev, issue_date=date(2026, 2, 5), due_date=date(2026, 2, 19)), tmp_path)
    assert after.einvoice_errors == ()
    assert after.currency_problem is not None and "must issue it in EUR" in after.currency_problem

    broken = render_one(replace(lev, total_with_vat=lev.total_with_vat + D("0.01"), amount_due=lev.amount_due + D("0.01")), tmp_path)
    assert any(error.startswith(("UBL BR-CO-15", "CII BR-CO-15")) for error in broken.einvoice_errors)

    euro = render_one(samples.bg_advance(), tmp_path)
    assert euro.currency_problem is None and not any(w.startswith("CURRENCY") for w in euro.einvoice_warnings)
