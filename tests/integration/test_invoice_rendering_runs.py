"""The rendering, export and delivery runs on a real DuckDB warehouse file built by hand.

The warehouse holds only what the code under test reads: the billing ledger (made with the project's DDL,
`billing.ledger_tables.create_billing_ledger_tables`), the core and consumption marts and the reference seeds
with just the columns the SQL of `invoice_rendering.warehouse_views` / `delivery_run` uses, and one small
company (VB-RO) with one customer, two metering points at two locations and two contracts.

Every expected figure is worked out by hand in the comments (net = quantity x unit price rounded half up to
cents, VAT once per group), never taken from the code under test.
"""

from __future__ import annotations

import csv
import email
import hashlib
import io
import socket
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from email import policy
from pathlib import Path
from typing import Any

import duckdb
import pytest
from aiosmtpd.controller import Controller

from billing.ledger_tables import create_billing_ledger_tables
from invoice_rendering.delivery import SmtpSettings
from invoice_rendering.delivery_run import deliver_documents, load_open_items, send_notices
from invoice_rendering.invoice_view import BankAccount, DailyConsumption, MeteringPoint
from invoice_rendering.render_run import export_periods, render_pending
from invoice_rendering.warehouse_views import ViewProblem, billing_period_dates, load_invoice_views

D = Decimal
COMPANY = "VB-RO"
CUSTOMER = "CUST-RO-0001"
CT_MAIN = "CT-RO-0001"  # has an invoice e-mail (latest addendum)
CT_NOMAIL = "CT-RO-0002"  # no invoice e-mail
P1 = "RO005E100000001"  # first point by id: location LOC-2 (the buyer's address)
P2 = "RO005E100000002"  # location LOC-1
IBAN_RON = "RO22BTRLRONCRT0V8B240001"
# RO66BTRLEURCRT0V8B240001 is the valid EUR IBAN of the seeds; only one pair of check digits passes mod 97,
# so 67 fails it.
IBAN_EUR_BAD = "RO67BTRLEURCRT0V8B240001"
NEW_EMAIL = "facturi.nou@panificatia.example"
OLD_EMAIL = "vechi@panificatia.example"
SENDER = "facturi@voltbill.example"
NOW = datetime(2026, 4, 6, 7, 0, tzinfo=UTC)

ADVANCE = "VBR00000001"
REGULARISATION = "VBR00000002"
PENALTY = "VBR00000003"
EUR_ADVANCE = "VBR00000004"
LATE_ADVANCE = "VBR00000005"


# --- the warehouse ----------------------------------------------------------------------------------------

MART_DDL = """
CREATE SCHEMA IF NOT EXISTS marts;
CREATE SCHEMA IF NOT EXISTS reference;
CREATE SCHEMA IF NOT EXISTS billing;
CREATE TABLE marts.dim_companies (company_id VARCHAR, legal_name VARCHAR, country_code VARCHAR, vat_number VARCHAR);
CREATE TABLE reference.company_invoice_details (
    company_id VARCHAR, street VARCHAR, city VARCHAR, postal_code VARCHAR, registration_id VARCHAR,
    email VARCHAR, phone VARCHAR, website VARCHAR
);
CREATE TABLE reference.company_bank_accounts (
    company_id VARCHAR, iban VARCHAR, bic VARCHAR, bank_name VARCHAR, currency VARCHAR, is_default BOOLEAN
);
CREATE TABLE marts.dim_customers (company_id VARCHAR, customer_id VARCHAR, customer_name VARCHAR, vat_number VARCHAR);
CREATE TABLE marts.dim_locations (location_id VARCHAR, name VARCHAR, address VARCHAR, city VARCHAR);
CREATE TABLE marts.dim_metering_points (
    company_id VARCHAR, customer_id VARCHAR, metering_point_id VARCHAR, location_id VARCHAR
);
CREATE TABLE marts.dim_contracts (
    company_id VARCHAR, contract_id VARCHAR, addendum_number INTEGER, customer_id VARCHAR,
    invoice_email VARCHAR, invoice_language VARCHAR
);
CREATE TABLE marts.fct_monthly_consumption (
    consumption_month DATE, metering_point_id VARCHAR, consumption_type VARCHAR, company_id VARCHAR,
    customer_id VARCHAR, contract_id VARCHAR, energy_kwh DECIMAL(18, 3)
);
CREATE TABLE marts.fct_hourly_consumption (
    metering_point_id VARCHAR, local_date DATE, local_hour INTEGER, company_id VARCHAR, energy_kwh DECIMAL(18, 3)
);
"""


def seed_parties(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("insert into marts.dim_companies values ('VB-RO', 'Voltbill Energie România SRL', 'RO', 'RO40851234')")
    con.execute(
        "insert into reference.company_invoice_details values "
        "('VB-RO', 'Str. Dorobanților 14', 'Cluj-Napoca', '400117', 'J12/3456/2019', 'facturi@voltbill.example', "
        "'+40 264 000 111', 'https://voltbill.example/ro')"
    )
    con.execute(
        "insert into reference.company_bank_accounts values "
        "('VB-RO', ?, 'BTRLRO22', 'Banca Transilvania', 'RON', true),"
        # a non-default RON account with broken check digits: never printed, so never a problem
        "('VB-RO', 'RO18RNCB0082000V8B240001', 'RNCBROBU', 'Banca Comerciala Romana', 'RON', false)",
        [IBAN_RON],
    )
    con.execute(f"insert into marts.dim_customers values ('VB-RO', '{CUSTOMER}', 'Panificația Someș SA', 'RO1234567')")
    con.execute(
        "insert into marts.dim_locations values "
        "('LOC-1', 'Depozit Sud', 'Str. Fabricii 3', 'Cluj-Napoca'),"
        "('LOC-2', 'Brutăria Mănăștur', 'Str. Bucegi 20', 'Cluj-Napoca')"
    )
    # P1 (the lower id) sits at LOC-2, P2 at LOC-1: the buyer's address is LOC-2's, not the lowest location's
    con.execute(
        f"insert into marts.dim_metering_points values ('VB-RO', '{CUSTOMER}', '{P2}', 'LOC-1'), ('VB-RO', '{CUSTOMER}', '{P1}', 'LOC-2')"
    )
    # the latest addendum (1) inserted first: its e-mail and language win by addendum number, not by row order
    con.execute(
        "insert into marts.dim_contracts values "
        f"('VB-RO', '{CT_MAIN}', 1, '{CUSTOMER}', '{NEW_EMAIL}', 'ro'),"
        f"('VB-RO', '{CT_MAIN}', 0, '{CUSTOMER}', '{OLD_EMAIL}', 'en'),"
        f"('VB-RO', '{CT_NOMAIL}', 0, '{CUSTOMER}', NULL, 'en')"
    )


def seed_consumption(con: duckdb.DuckDBPyConnection) -> None:
    rows = [
        # P1 in March: achieved 790.000 and recalculated 800.000 -> 800.000 is shown
        ("2026-03-01", P1, "achieved", "790.000"),
        ("2026-03-01", P1, "recalculated", "800.000"),
        # P2 in March: achieved only
        ("2026-03-01", P2, "achieved", "434.567"),
        # other months, never the March figure
        ("2026-02-01", P1, "achieved", "999.000"),
        ("2026-04-01", P2, "achieved", "111.000"),
    ]
    con.executemany(
        f"insert into marts.fct_monthly_consumption values (?, ?, ?, 'VB-RO', '{CUSTOMER}', '{CT_MAIN}', ?)",
        [(date.fromisoformat(m), p, t, D(e)) for m, p, t, e in rows],
    )
    hourly = [
        (P1, "2026-02-28", 23, "99.000"),  # before the period
        (P1, "2026-03-01", 0, "1.250"),
        (P1, "2026-03-01", 1, "2.500"),
        (P1, "2026-03-01", 23, "0.125"),  # P1 2026-03-01: 1.250 + 2.500 + 0.125 = 3.875
        (P1, "2026-03-02", 10, "10.000"),
        (P1, "2026-03-02", 11, "0.001"),  # P1 2026-03-02: 10.001
        (P2, "2026-03-01", 5, "4.444"),
        (P2, "2026-03-01", 6, "5.556"),  # P2 2026-03-01: 10.000
        (P2, "2026-03-31", 23, "7.000"),  # P2 2026-03-31: 7.000 (last day included)
        (P2, "2026-04-01", 0, "55.000"),  # after the period
    ]
    con.executemany(
        "insert into marts.fct_hourly_consumption values (?, ?, ?, 'VB-RO', ?)",
        [(p, date.fromisoformat(d), h, D(e)) for p, d, h, e in hourly],
    )


@dataclass
class Doc:
    number: str
    invoice_type: str
    contract_id: str | None
    issue_date: date
    due_date: date
    currency: str
    line_total: str
    vat_total: str
    total_with_vat: str
    prepaid_amount: str
    amount_due: str
    lines: list[tuple]  # (charge_type, description, quantity, unit, unit_price, net, category, rate, point, charged)
    groups: list[tuple]  # (category, rate, taxable, vat, prepaid_taxable, prepaid_vat)
    billing_period: str = "2026-03"
    prepaid_refs: list[str] | None = None
    consumption_type: str | None = None
    energy_kwh: str | None = None
    invoice_language: str | None = None
    note: str = ""


def insert_document(con: duckdb.DuckDBPyConnection, doc: Doc) -> None:
    con.execute(
        """
        insert into billing.invoice_documents (
            company_id, invoice_number, series, invoice_key, invoice_type, contract_id, customer_id, billing_period,
            issue_date, due_date, grace_days, currency, line_total, vat_total, total_with_vat, prepaid_amount,
            amount_due, corrects_invoice_number, prepaid_invoice_refs, payment_reference, consumption_type,
            energy_kwh, invoice_language, note, document_json, content_hash, billing_run_id, stored_at)
        values (?, ?, 'VBR', ?, ?, ?, ?, ?, ?, ?, 5, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, '{"not": "parsed"}', 'hash', 'run-1', ?)
        """,
        [
            COMPANY, doc.number, f"{doc.invoice_type}/{doc.billing_period}/{doc.contract_id}/{doc.number}",
            doc.invoice_type, doc.contract_id, CUSTOMER, doc.billing_period, doc.issue_date, doc.due_date,
            doc.currency, D(doc.line_total), D(doc.vat_total), D(doc.total_with_vat), D(doc.prepaid_amount),
            D(doc.amount_due), doc.prepaid_refs, doc.number, doc.consumption_type,
            D(doc.energy_kwh) if doc.energy_kwh else None, doc.invoice_language, doc.note, NOW,
        ],
    )
    con.executemany(
        "insert into billing.invoice_lines values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (COMPANY, doc.number, index, charge, text, D(qty), unit, D(price), D(net), cat, D(rate), point, charged)
            for index, (charge, text, qty, unit, price, net, cat, rate, point, charged) in enumerate(doc.lines, start=1)
        ],
    )
    con.executemany(
        "insert into billing.invoice_vat_groups values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (COMPANY, doc.number, cat, D(rate), D(taxable), D(vat), D(pt), D(pv), D(taxable) - D(pt), D(vat) - D(pv))
            for cat, rate, taxable, vat, pt, pv in doc.groups
        ],
    )


# Advance for March: 1,000 kWh x 0.650000 = 650.00; VAT 21 % = 136.50; total 786.50, nothing deducted.
ADVANCE_DOC = Doc(
    ADVANCE, "advance", CT_MAIN, date(2026, 2, 25), date(2026, 3, 11), "RON",
    "650.00", "136.50", "786.50", "0.00", "786.50",
    lines=[("energy", "Avans energie activă martie 2026", "1000", "kWh", "0.650000", "650.00", "S", "21", None, None)],
    groups=[("S", "21", "650.00", "136.50", "0.00", "0.00")],
    consumption_type="ordered", energy_kwh="1000.000",
)
# Regularisation of March on 1,234.567 kWh (P1 800.000 recalculated + P2 434.567 achieved):
#   energy   1,234.567 x 0.651200 = 803.9500304 -> 803.95
#   network  1,234.567 x 0.185432 = 228.928227944 -> 228.93
#   taxable S 21 % = 1,032.88; VAT 1,032.88 x 0.21 = 216.9048 -> 216.90; total 1,249.78
#   the advance deducted: 650.00 + 136.50 = 786.50; amount due 1,249.78 - 786.50 = 463.28
REGULARISATION_DOC = Doc(
    REGULARISATION, "regularisation", CT_MAIN, date(2026, 4, 5), date(2026, 4, 20), "RON",
    "1032.88", "216.90", "1249.78", "786.50", "463.28",
    lines=[
        ("energy", "Energie activă martie 2026", "1234.567", "kWh", "0.651200", "803.95", "S", "21", None, None),
        ("network_fee", "Tarif de distribuție", "1234.567", "kWh", "0.185432", "228.93", "S", "21", P1, None),
    ],
    groups=[("S", "21", "1032.88", "216.90", "650.00", "136.50")],
    prepaid_refs=[ADVANCE], consumption_type="recalculated", energy_kwh="1234.567",
    note="Regularizare martie 2026.",
)
# Penalty interest on the advance, not subject to VAT (O): 12 days x 1.030000 = 12.36; VAT 0; total 12.36.
PENALTY_DOC = Doc(
    PENALTY, "penalty", CT_NOMAIL, date(2026, 4, 5), date(2026, 4, 20), "RON",
    "12.36", "0.00", "12.36", "0.00", "12.36",
    lines=[("penalty_interest", "Penalități de întârziere", "12", "day", "1.030000", "12.36", "O", "0", None, ADVANCE)],
    groups=[("O", "0", "12.36", "0.00", "0.00", "0.00")],
    invoice_language="ro",  # the document's own language wins over the contract's 'en'
)
# An advance in EUR (no default EUR account in the seed): 100 kWh x 0.130000 = 13.00; VAT 2.73; total 15.73.
EUR_DOC = Doc(
    EUR_ADVANCE, "advance", CT_MAIN, date(2026, 2, 25), date(2026, 3, 11), "EUR",
    "13.00", "2.73", "15.73", "0.00", "15.73",
    lines=[("energy", "Advance", "100", "kWh", "0.130000", "13.00", "S", "21", None, None)],
    groups=[("S", "21", "13.00", "2.73", "0.00", "0.00")],
)
# A second March advance issued later: 200 kWh x 0.650000 = 130.00; VAT 27.30; total 157.30.
LATE_DOC = Doc(
    LATE_ADVANCE, "advance", CT_MAIN, date(2026, 3, 10), date(2026, 3, 24), "RON",
    "130.00", "27.30", "157.30", "0.00", "157.30",
    lines=[("energy", "Avans suplimentar martie 2026", "200", "kWh", "0.650000", "130.00", "S", "21", None, None)],
    groups=[("S", "21", "130.00", "27.30", "0.00", "0.00")],
)


def build_warehouse(path: Path) -> None:
    con = duckdb.connect(str(path))
    try:
        con.execute(MART_DDL)
        create_billing_ledger_tables(con)
        seed_parties(con)
        seed_consumption(con)
        for doc in (ADVANCE_DOC, REGULARISATION_DOC, PENALTY_DOC):
            insert_document(con, doc)
    finally:
        con.close()


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    path = tmp_path / "warehouse.duckdb"
    build_warehouse(path)
    return path


def connector(path: Path):
    @contextmanager
    def connect() -> Iterator[duckdb.DuckDBPyConnection]:
        con = duckdb.connect(str(path))
        try:
            yield con
        finally:
            con.close()

    return connect


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def files_rows(connect) -> dict[str, tuple]:
    with connect() as con:
        rows = con.execute(
            "select invoice_number, status, pdf_path, ubl_path, cii_path, csv_path, zip_path, pdf_sha256, zip_sha256, "
            "attempts, render_error from invoicing.invoice_files order by invoice_number"
        ).fetchall()
    return {row[0]: row[1:] for row in rows}


# --- 1. the views ----------------------------------------------------------------------------------------


def test_billing_period_dates() -> None:
    assert billing_period_dates("2026-03") == (date(2026, 3, 1), date(2026, 3, 31))
    assert billing_period_dates("2024-02") == (date(2024, 2, 1), date(2024, 2, 29))
    assert billing_period_dates("2026") == (date(2026, 1, 1), date(2026, 12, 31))
    with pytest.raises(ValueError):
        billing_period_dates("03/2026")


def test_views_read_parties_points_consumption_and_contacts(warehouse: Path) -> None:
    with connector(warehouse)() as con:
        views, problems = load_invoice_views(con, COMPANY, billing_period="2026-03")
    assert problems == []
    by_number = {view.invoice_number: view for view in views}
    assert [view.invoice_number for view in views] == [ADVANCE, REGULARISATION, PENALTY]

    regularisation = by_number[REGULARISATION]
    seller = regularisation.seller
    assert (seller.name, seller.country_code, seller.vat_number) == ("Voltbill Energie România SRL", "RO", "RO40851234")
    assert (seller.street, seller.city, seller.postal_code) == ("Str. Dorobanților 14", "Cluj-Napoca", "400117")
    assert (seller.registration_id, seller.email, seller.phone) == ("J12/3456/2019", "facturi@voltbill.example", "+40 264 000 111")
    buyer = regularisation.buyer
    # the location of P1 (the customer's first point by id), LOC-2 -- not LOC-1, the lower location id
    assert (buyer.name, buyer.vat_number, buyer.street, buyer.city) == ("Panificația Someș SA", "RO1234567", "Str. Bucegi 20", "Cluj-Napoca")
    assert regularisation.bank_account == BankAccount(IBAN_RON, "BTRLRO22", "Banca Transilvania")

    # period from 'YYYY-MM', language and e-mail of the latest addendum (1)
    assert (regularisation.period_start, regularisation.period_end) == (date(2026, 3, 1), date(2026, 3, 31))
    assert regularisation.language == "ro"
    assert regularisation.customer_email == NEW_EMAIL
    assert by_number[ADVANCE].customer_email == NEW_EMAIL

    # the register's amounts as issued
    assert (regularisation.line_total, regularisation.vat_total, regularisation.total_with_vat) == (D("1032.88"), D("216.90"), D("1249.78"))
    assert (regularisation.prepaid_amount, regularisation.amount_due) == (D("786.50"), D("463.28"))
    assert regularisation.prepaid_invoice_refs == (ADVANCE,)
    assert [(line.line_number, line.net_amount, line.metering_point_id) for line in regularisation.lines] == [(1, D("803.95"), None), (2, D("228.93"), P1)]
    [group] = regularisation.vat_groups
    assert (group.vat_category, group.taxable_amount, group.vat_amount, group.exemption_reason) == ("S", D("1032.88"), D("216.90"), None)
    assert (group.prepaid_taxable_amount, group.prepaid_vat_amount) == (D("650.00"), D("136.50"))

    # the contract's points with March's kWh: P1 recalculated (800) over achieved (790), P2 achieved
    expected_points = (
        MeteringPoint(P1, "Brutăria Mănăștur", "Str. Bucegi 20", "Cluj-Napoca", D("800.000")),
        MeteringPoint(P2, "Depozit Sud", "Str. Fabricii 3", "Cluj-Napoca", D("434.567")),
    )
    assert regularisation.metering_points == expected_points
    # daily kWh of a metered document: summed per local day, March only (02-28 and 04-01 left out)
    assert regularisation.daily_consumption == (
        DailyConsumption(P1, date(2026, 3, 1), D("3.875")),
        DailyConsumption(P1, date(2026, 3, 2), D("10.001")),
        DailyConsumption(P2, date(2026, 3, 1), D("10.000")),
        DailyConsumption(P2, date(2026, 3, 31), D("7.000")),
    )

    advance = by_number[ADVANCE]
    assert advance.metering_points == expected_points
    assert advance.daily_consumption == ()  # not a metered document type
    assert advance.language == "ro"

    penalty = by_number[PENALTY]
    assert penalty.customer_email is None
    assert penalty.language == "ro"  # the document's own language (the contract says 'en')
    assert penalty.metering_points == ()
    assert penalty.daily_consumption == ()
    [group] = penalty.vat_groups
    assert (group.vat_category, group.taxable_amount, group.vat_amount) == ("O", D("12.36"), D("0.00"))
    assert group.exemption_reason == "Not subject to VAT"
    assert penalty.lines[0].charged_invoice_number == ADVANCE

    # selecting by number
    with connector(warehouse)() as con:
        only, _ = load_invoice_views(con, COMPANY, invoice_numbers=[PENALTY])
        none, none_problems = load_invoice_views(con, COMPANY, billing_period="2026-04")
    assert [view.invoice_number for view in only] == [PENALTY]
    assert (none, none_problems) == ([], [])


# --- 2. documents that cannot be shown -----------------------------------------------------------------------


def test_missing_account_and_invalid_iban_are_problems_and_the_rest_loads(warehouse: Path) -> None:
    connect = connector(warehouse)
    with connect() as con:
        insert_document(con, EUR_DOC)
        views, problems = load_invoice_views(con, COMPANY)
    assert [view.invoice_number for view in views] == [ADVANCE, REGULARISATION, PENALTY]
    assert len(problems) == 1
    problem = problems[0]
    assert isinstance(problem, ViewProblem)
    assert (problem.company_id, problem.invoice_number) == (COMPANY, EUR_ADVANCE)
    assert "EUR" in problem.reason and "bank account" in problem.reason

    with connect() as con:
        con.execute(
            "insert into reference.company_bank_accounts values ('VB-RO', ?, 'BTRLRO22', 'Banca Transilvania', 'EUR', true)",
            [IBAN_EUR_BAD],
        )
        views, problems = load_invoice_views(con, COMPANY)
    assert [view.invoice_number for view in views] == [ADVANCE, REGULARISATION, PENALTY]
    assert [(p.invoice_number, IBAN_EUR_BAD in p.reason, "IBAN" in p.reason) for p in problems] == [(EUR_ADVANCE, True, True)]


# --- 3. rendering ------------------------------------------------------------------------------------------------


def test_render_pending_renders_once_and_restores_a_deleted_file(warehouse: Path, tmp_path: Path) -> None:
    connect = connector(warehouse)
    out = tmp_path / "invoices"
    other_period = render_pending(connect, COMPANY, out, NOW, run_id="run-0", periods=["2026-04"], workers=1)
    assert (other_period.pending, other_period.rendered) == (0, 0)
    assert not out.exists() or not any(out.rglob("*.pdf"))
    first = render_pending(connect, COMPANY, out, NOW, run_id="run-a", periods=["2026-03"], workers=1)
    assert (first.pending, first.rendered, first.failed, first.not_renderable) == (3, 3, [], [])
    assert first.invalid_einvoices == [] and first.withdrawn_currency == []
    assert first.by_period == {"2026-03": 3}
    rows = files_rows(connect)
    assert sorted(rows) == [ADVANCE, REGULARISATION, PENALTY]
    for number, (status, pdf, ubl, cii, csv_path, zip_path, pdf_sha, zip_sha, attempts, error) in rows.items():
        assert (status, attempts, error) == ("rendered", 1, None), number
        assert pdf == f"VB-RO/2026-03/VB-RO_{number}.pdf"
        for relative in (pdf, ubl, cii, csv_path, zip_path):
            assert (out / relative).is_file(), relative
        assert sha256(out / pdf) == pdf_sha
        assert sha256(out / zip_path) == zip_sha
        assert (out / pdf).read_bytes().startswith(b"%PDF")
    # the regularisation's consumption CSV: the four daily sums worked out above
    reg_csv = (out / rows[REGULARISATION][4]).read_text(encoding="utf-8").splitlines()
    assert reg_csv[1:] == [
        f"{REGULARISATION},{P1},Brutăria Mănăștur,2026-03-01,3.875",
        f"{REGULARISATION},{P1},Brutăria Mănăștur,2026-03-02,10.001",
        f"{REGULARISATION},{P2},Depozit Sud,2026-03-01,10.000",
        f"{REGULARISATION},{P2},Depozit Sud,2026-03-31,7.000",
    ]

    second = render_pending(connect, COMPANY, out, NOW, run_id="run-b", workers=1)
    assert (second.pending, second.rendered) == (0, 0)
    assert files_rows(connect) == rows

    pdf_relative, recorded_sha = rows[REGULARISATION][1], rows[REGULARISATION][6]
    original = (out / pdf_relative).read_bytes()
    (out / pdf_relative).unlink()
    third = render_pending(connect, COMPANY, out, NOW, run_id="run-c", workers=1)
    assert (third.pending, third.rendered, third.failed) == (1, 1, [])
    restored = (out / pdf_relative).read_bytes()
    assert hashlib.sha256(restored).hexdigest() == recorded_sha
    assert restored == original
    after = files_rows(connect)
    assert after[REGULARISATION][6] == recorded_sha
    assert after[REGULARISATION][8] == 2  # attempts
    assert after[ADVANCE] == rows[ADVANCE] and after[PENALTY] == rows[PENALTY]


def test_render_pending_leaves_a_document_without_account_pending(warehouse: Path, tmp_path: Path) -> None:
    connect = connector(warehouse)
    with connect() as con:
        insert_document(con, EUR_DOC)
    out = tmp_path / "invoices"
    summary = render_pending(connect, COMPANY, out, NOW, workers=1)
    assert (summary.pending, summary.rendered) == (4, 3)
    assert [p.invoice_number for p in summary.not_renderable] == [EUR_ADVANCE]
    assert EUR_ADVANCE not in files_rows(connect)


# --- 4. period exports -------------------------------------------------------------------------------------------


def read_zip(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_export_periods_exports_changed_periods_only(warehouse: Path, tmp_path: Path) -> None:
    connect = connector(warehouse)
    out = tmp_path / "invoices"
    render_pending(connect, COMPANY, out, NOW, workers=1)

    exports = export_periods(connect, COMPANY, out, NOW)
    target, accounting = out / "exports" / "VB-RO_2026-03.zip", out / "exports" / "VB-RO_2026-03.accounting.csv"
    assert [(e.company_id, e.billing_period, e.documents, e.export_path, e.accounting_path) for e in exports] == [
        (COMPANY, "2026-03", 3, target, accounting)
    ]
    assert target.is_file() and accounting.is_file()
    entries = read_zip(target)
    assert sorted(entries) == [
        "accounting.csv", "index.csv",
        f"invoices/VB-RO_{ADVANCE}.zip", f"invoices/VB-RO_{REGULARISATION}.zip", f"invoices/VB-RO_{PENALTY}.zip",
    ]
    rows = files_rows(connect)
    assert entries[f"invoices/VB-RO_{REGULARISATION}.zip"] == (out / rows[REGULARISATION][5]).read_bytes()
    # one accounting row per document and VAT group; the regularisation books 1,032.88 - 650.00 = 382.88 net
    # and 216.90 - 136.50 = 80.40 VAT
    table = list(csv.DictReader(io.StringIO(accounting.read_text(encoding="utf-8"))))
    assert [(r["invoice_number"], r["vat_category"], r["net_taxable_amount"], r["net_vat_amount"], r["document_amount_due"]) for r in table] == [
        (ADVANCE, "S", "650.00", "136.50", "786.50"),  # issued 2026-02-25, first
        (REGULARISATION, "S", "382.88", "80.40", "463.28"),
        (PENALTY, "O", "12.36", "0.00", "12.36"),
    ]
    with connect() as con:
        recorded = con.execute("select billing_period, documents_count, export_sha256 from invoicing.period_exports").fetchall()
    assert recorded == [("2026-03", 3, sha256(target))]

    assert export_periods(connect, COMPANY, out, NOW) == []

    with connect() as con:
        insert_document(con, LATE_DOC)
    summary = render_pending(connect, COMPANY, out, NOW, workers=1)
    assert (summary.pending, summary.rendered) == (1, 1)
    again = export_periods(connect, COMPANY, out, NOW)
    assert [(e.billing_period, e.documents) for e in again] == [("2026-03", 4)]
    assert f"invoices/VB-RO_{LATE_ADVANCE}.zip" in read_zip(target)
    index = list(csv.DictReader(io.StringIO(read_zip(target)["index.csv"].decode("utf-8"))))
    assert [r["invoice_number"] for r in index] == [ADVANCE, REGULARISATION, PENALTY, LATE_ADVANCE]
    assert export_periods(connect, COMPANY, out, NOW) == []


def test_a_period_whose_documents_cannot_be_read_keeps_its_last_complete_export(warehouse: Path, tmp_path: Path) -> None:
    connect = connector(warehouse)
    out = tmp_path / "invoices"
    render_pending(connect, COMPANY, out, NOW, workers=1)
    export_periods(connect, COMPANY, out, NOW)
    target = out / "exports" / "VB-RO_2026-03.zip"
    complete = target.read_bytes()
    with connect() as con:
        insert_document(con, LATE_DOC)
    render_pending(connect, COMPANY, out, NOW, workers=1)
    with connect() as con:  # the default RON account's check digits broken after rendering
        con.execute("update reference.company_bank_accounts set iban = 'RO23BTRLRONCRT0V8B240001' where currency = 'RON'")
    skipped: list = []
    assert export_periods(connect, COMPANY, out, NOW, skipped=skipped) == []
    assert len(skipped) == 4 and all("RO23BTRLRONCRT0V8B240001" in problem.reason for problem in skipped)
    assert target.read_bytes() == complete
    with connect() as con:
        assert con.execute("select documents_count from invoicing.period_exports").fetchall() == [(3,)]


# --- 5 and 6. delivery over a real SMTP server ----------------------------------------------------------------


@dataclass
class Recorder:
    messages: list[tuple[str, list[str], bytes]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content or envelope.content))
        return "250 2.0.0 accepted"


@contextmanager
def smtp_server() -> Iterator[tuple[Recorder, int]]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield recorder, port
    finally:
        controller.stop()


def settings_for(port: int) -> SmtpSettings:
    return SmtpSettings(host="127.0.0.1", port=port, sender=SENDER, starttls="off", timeout_seconds=5)


def parsed(content: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(content, policy=policy.default)  # type: ignore[return-value]


def test_deliver_documents_sends_each_once_with_the_files(warehouse: Path, tmp_path: Path) -> None:
    connect = connector(warehouse)
    out = tmp_path / "invoices"
    render_pending(connect, COMPANY, out, NOW, workers=1)
    rows = files_rows(connect)
    with smtp_server() as (recorder, port), connect() as con:
        # issued on or after 2026-04-01: the regularisation and the penalty only (the advance is of 2026-02-25)
        recent = deliver_documents(con, out, settings_for(port), NOW, issued_since=date(2026, 4, 1))
        assert (recent.sent, recent.no_address) == (1, 1)
        assert [rcpt for _, rcpt, _ in recorder.messages] == [[NEW_EMAIL]]
        assert REGULARISATION in parsed(recorder.messages[0][2])["Subject"]
        report = deliver_documents(con, out, settings_for(port), NOW)
        assert (report.sent, report.failed, report.no_address, report.skipped_already_sent) == (1, 0, 1, 0)
        assert report.no_address_messages == ((COMPANY, PENALTY, "invoice"),)
        assert len(recorder.messages) == 2  # one message per document with an address, in all
        by_number = {}
        for mail_from, rcpt_tos, content in recorder.messages:
            assert mail_from == SENDER
            assert rcpt_tos == [NEW_EMAIL]
            message = parsed(content)
            number = ADVANCE if ADVANCE in message["Subject"] else REGULARISATION
            assert number in message["Subject"]
            by_number[number] = message
        assert sorted(by_number) == [ADVANCE, REGULARISATION]
        for number, message in by_number.items():
            _, pdf, ubl, cii, *_ = rows[number]
            attached = {part.get_filename(): part.get_content() for part in message.iter_attachments()}
            assert attached == {
                Path(pdf).name: (out / pdf).read_bytes(),
                Path(ubl).name: (out / ubl).read_bytes(),
                Path(cii).name: (out / cii).read_bytes(),
            }

        rerun = deliver_documents(con, out, settings_for(port), NOW)
        assert (rerun.sent, rerun.no_address) == (0, 1)
        assert len(recorder.messages) == 2
        statuses = con.execute(
            "select invoice_number, message_kind, status, recipient, attempts from invoicing.deliveries order by invoice_number"
        ).fetchall()
    assert statuses == [
        (ADVANCE, "invoice", "sent", NEW_EMAIL, 1),
        (REGULARISATION, "invoice", "sent", NEW_EMAIL, 1),
        (PENALTY, "invoice", "no_address", None, 0),
    ]


RECEIVABLES_DDL = """
CREATE TABLE marts.fct_receivables (
    as_of_date DATE, company_id VARCHAR, invoice_number VARCHAR, customer_id VARCHAR, contract_id VARCHAR,
    currency VARCHAR, open_amount DECIMAL(18, 2), due_date DATE, grace_days INTEGER
)
"""


def test_due_reminder_and_overdue_notice_are_each_sent_once(warehouse: Path) -> None:
    as_of = date(2026, 4, 17)
    with duckdb.connect(str(warehouse)) as con:
        con.execute(RECEIVABLES_DDL)
        con.executemany(
            "insert into marts.fct_receivables values (?, 'VB-RO', ?, ?, ?, 'RON', ?, ?, 5)",
            [
                # due 2026-03-11, grace to 03-16: on 04-17 overdue (interest running)
                (as_of, ADVANCE, CUSTOMER, CT_MAIN, D("786.50"), date(2026, 3, 11)),
                # due 2026-04-20 = as of + 3 days: a due reminder (5 days before)
                (as_of, REGULARISATION, CUSTOMER, CT_MAIN, D("463.28"), date(2026, 4, 20)),
                # due 2026-04-14, grace to 04-19: neither (and no address anyway)
                (as_of, PENALTY, CUSTOMER, CT_NOMAIL, D("12.36"), date(2026, 4, 14)),
                # paid: not an open item
                (as_of, LATE_ADVANCE, CUSTOMER, CT_MAIN, D("0.00"), date(2026, 3, 24)),
            ],
        )
        insert_document(con, LATE_DOC)

        when, items = load_open_items(con)
        assert when == as_of
        assert [(i.invoice_number, i.customer_email, i.language, i.open_amount, i.due_date, i.grace_days, i.iban, i.payment_reference, i.seller_name) for i in items] == [
            (ADVANCE, NEW_EMAIL, "ro", D("786.50"), date(2026, 3, 11), 5, IBAN_RON, ADVANCE, "Voltbill Energie România SRL"),
            (REGULARISATION, NEW_EMAIL, "ro", D("463.28"), date(2026, 4, 20), 5, IBAN_RON, REGULARISATION, "Voltbill Energie România SRL"),
            (PENALTY, None, "en", D("12.36"), date(2026, 4, 14), 5, IBAN_RON, PENALTY, "Voltbill Energie România SRL"),
        ]

        with smtp_server() as (recorder, port):
            first = send_notices(con, settings_for(port), NOW, days_before=5)
            assert (first.as_of_date, first.open_items) == (as_of, 3)
            assert (first.reminders.sent, first.overdue.sent, first.reminders.no_address, first.overdue.no_address) == (1, 1, 0, 0)
            assert len(recorder.messages) == 2
            second = send_notices(con, settings_for(port), NOW, days_before=5)
            assert (second.reminders.sent, second.overdue.sent) == (0, 0)
            assert (second.reminders.skipped_already_sent, second.overdue.skipped_already_sent) == (1, 1)
            assert len(recorder.messages) == 2
        subjects = sorted(parsed(content)["Subject"] for _, _, content in recorder.messages)
        assert all(rcpt == [NEW_EMAIL] for _, rcpt, _ in recorder.messages)
        assert [REGULARISATION in s for s in subjects].count(True) == 1 and [ADVANCE in s for s in subjects].count(True) == 1
        kinds = con.execute(
            "select invoice_number, message_kind, status from invoicing.deliveries order by invoice_number, message_kind"
        ).fetchall()
    assert kinds == [(ADVANCE, "overdue_notice", "sent"), (REGULARISATION, "due_reminder", "sent")]
