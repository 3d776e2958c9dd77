"""Finance's billing marts and the seed-001 reports, on a small hand-made ledger, against values computed by hand.

Two companies and currencies: VB-RO (RON, series VBR) and VB-BG (EUR, 10-digit numbers). Customers:

* C-RO-1 (commercial), contract CT-RO-1 (intermediary INT-1, 1.5 %, excise 50 % exempt), point RO-MP-1:
  1.000 kWh every hour of February 2026 = 672 kWh achieved.
* C-RO-2 (commercial), contract CT-RO-2, point RO-MP-2: 2.000 kWh an hour, three hours missing on 15 February
  (estimated from 7 days earlier: 2.000 each): 1338 kWh achieved + 6 kWh estimated. Never invoiced.
* C-RO-3 (household, no contract): RO-MP-3 1.500 kWh/h in February 2025 (1008 kWh), RO-MP-4 1.000 kWh/h in
  February 2024 (696 kWh, a leap February): the earlier years of the consumption dashboard.
* C-BG-1 (industrial), contract CT-BG-1, no meter data here.

Documents (VAT 21 % in RO, 20 % in BG; line net = round half up (quantity × price, 2); VAT per group =
round half up (Σ nets × rate / 100, 2)):

=============  ================  ==========  ==========  =======================================================
number         type              issued      due         lines
=============  ================  ==========  ==========  =======================================================
VBR00000001    advance 2026-02   2026-01-25  2026-02-10  energy 500 kWh × 0.5 = 250.00; excise 0.25 MWh × 2.5 =
                                                         0.625 → 0.63. Net 250.63, VAT 52.6323 → 52.63, 303.26
VBR00000002    regularisation    2026-03-05  2026-03-20  energy 672 × 0.501488 = 336.999936 → 337.00; network
               2026-02                                   672 × 0.1 = 67.20; excise 0.336 MWh × 2.5 = 0.84. Net
                                                         405.04, VAT 85.0584 → 85.06, 490.10, prepaid 303.26,
                                                         due 186.84
VBR00000003    deviation 2026-02 2026-03-05  2026-03-20  deviation 100 kWh × 0.2 = 20.00, VAT 4.20, 24.20
VBR00000004    credit_note of 3  2026-03-10  2026-03-10  deviation −100 kWh × 0.2 = −20.00, VAT −4.20, −24.20
VBR00000005    penalty 2026-03   2026-04-01  2026-04-15  penalty interest 1 × 3.17 (VAT exempt), 3.17
0000000001     regularisation    2026-03-03  2026-03-17  energy 1000 kWh × 0.12 = 120.00; excise 1 MWh × 1.02 =
               (BG) 2026-02                              1.02. Net 121.02, VAT 24.204 → 24.20, 145.22
=============  ================  ==========  ==========  =======================================================

The penalty's interest is charged on VBR00000002.

Payments (bank statement lines, and the matching's result): ST-RO-1/1 313.26 on 2026-02-12 = VBR00000001 in
full (2 days late) + 10.00 overpayment; ST-RO-2/1 100.00 on 2026-03-18 to VBR00000002 (partial, on time);
ST-RO-2/2 50.00 queued (unknown payer); ST-BG-1/1 145.22 on 2026-03-21 = 0000000001 (4 days late); ST-BG-1/2
20.00 EUR ingested after the last matching run (neither matched nor queued).

The receivables are built as of 2026-03-20 (kept in schema `early`) and then as of 2026-04-30.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

import duckdb
import pytest

from billing.ledger_tables import create_billing_ledger_tables
from ingestion.raw_schema import create_raw_schema
from tests.integration.dbt_runner import insert, run_dbt

D = Decimal
CENT = D("0.01")
INGESTED_AT = datetime(2026, 3, 1, 6, 0, tzinfo=UTC)
STORED_AT = datetime(2026, 3, 5, 7, 0, tzinfo=UTC)
BUCHAREST = ZoneInfo("Europe/Bucharest")
HOUR = timedelta(hours=1)
EARLY, LATE = date(2026, 3, 20), date(2026, 4, 30)
ROUND_TRIP_SELECTION = "fct_receivables+"


def half_up(value: Decimal, places: Decimal = CENT) -> Decimal:
    return value.quantize(places, rounding=ROUND_HALF_UP)


def lineage(name: str, line: int, seq: int) -> tuple:
    return (name, line, f"{seq:016x}", seq, INGESTED_AT)


def rows_of(name: str, seq: int, rows: list[tuple]) -> list[tuple]:
    return [row + lineage(name, line, seq) for line, row in enumerate(rows, start=2)]


def local_midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=BUCHAREST).astimezone(UTC)


def hourly(point: str, first_day: date, end_day: date, value: str, gaps: set[datetime] = frozenset()) -> list[tuple]:
    start, end, rows = local_midnight(first_day), local_midnight(end_day), []
    while start < end:
        if start not in gaps:
            rows.append((point, start, 60, D(value), D("0.000"), D("0.000")))
        start += HOUR
    return rows


# --- the documents ------------------------------------------------------------------------------------------

# (charge_type, quantity, unit, unit_price, vat_category, vat_rate_pct)
LINES = {
    "VBR00000001": [("energy", "500", "kWh", "0.500000", "S", "21"), ("excise", "0.250000", "MWh", "2.500000", "S", "21")],
    "VBR00000002": [
        ("energy", "672", "kWh", "0.501488", "S", "21"),
        ("network_fee", "672", "kWh", "0.100000", "S", "21"),
        ("excise", "0.336000", "MWh", "2.500000", "S", "21"),
    ],
    "VBR00000003": [("deviation", "100", "kWh", "0.200000", "S", "21")],
    "VBR00000004": [("deviation", "-100", "kWh", "0.200000", "S", "21")],
    "VBR00000005": [("penalty_interest", "1", "item", "3.170000", "E", "0")],  # charged on VBR00000002
    "0000000001": [("energy", "1000", "kWh", "0.120000", "S", "20"), ("excise", "1.000000", "MWh", "1.020000", "S", "20")],
}

# number: (company, series, type, contract, customer, period, issued, due, grace, currency, prepaid groups
#          {(category, rate): (taxable, vat)}, corrects, consumption_type, energy_kwh, intermediary, pct)
DOCUMENTS = {
    "VBR00000001": ("VB-RO", "VBR", "advance", "CT-RO-1", "C-RO-1", "2026-02", date(2026, 1, 25), date(2026, 2, 10), 5, "RON",
                    {}, None, "ordered", "500", "INT-1", "1.5000"),
    "VBR00000002": ("VB-RO", "VBR", "regularisation", "CT-RO-1", "C-RO-1", "2026-02", date(2026, 3, 5), date(2026, 3, 20), 5, "RON",
                    {("S", "21"): ("250.63", "52.63")}, None, "achieved", "672", "INT-1", "1.5000"),
    "VBR00000003": ("VB-RO", "VBR", "deviation", "CT-RO-1", "C-RO-1", "2026-02", date(2026, 3, 5), date(2026, 3, 20), 5, "RON",
                    {}, None, None, None, "INT-1", "1.5000"),
    "VBR00000004": ("VB-RO", "VBR", "credit_note", "CT-RO-1", "C-RO-1", "2026-02", date(2026, 3, 10), date(2026, 3, 10), 0, "RON",
                    {}, "VBR00000003", None, None, "INT-1", "1.5000"),
    "VBR00000005": ("VB-RO", "VBR", "penalty", "CT-RO-1", "C-RO-1", "2026-03", date(2026, 4, 1), date(2026, 4, 15), 0, "RON",
                    {}, None, None, None, None, None),
    "0000000001": ("VB-BG", "", "regularisation", "CT-BG-1", "C-BG-1", "2026-02", date(2026, 3, 3), date(2026, 3, 17), 3, "EUR",
                   {}, None, "achieved", "1000", None, None),
}


def line_net(quantity: str, price: str) -> Decimal:
    return half_up(D(quantity) * D(price))


def vat_groups(number: str) -> dict[tuple[str, str], tuple[Decimal, Decimal]]:
    """(category, rate) -> (taxable, VAT): VAT rounded once per group."""
    groups: dict[tuple[str, str], Decimal] = {}
    for _, quantity, _, price, category, rate in LINES[number]:
        groups[(category, rate)] = groups.get((category, rate), D(0)) + line_net(quantity, price)
    return {key: (taxable, half_up(taxable * D(key[1]) / 100)) for key, taxable in groups.items()}


def totals(number: str) -> tuple[Decimal, Decimal, Decimal, Decimal, Decimal]:
    """line_total, vat_total, total_with_vat, prepaid_amount, amount_due."""
    groups = vat_groups(number)
    line_total = sum((taxable for taxable, _ in groups.values()), D("0.00"))
    vat_total = sum((vat for _, vat in groups.values()), D("0.00"))
    prepaid = sum((D(t) + D(v) for t, v in DOCUMENTS[number][10].values()), D("0.00"))
    return line_total, vat_total, line_total + vat_total, prepaid, line_total + vat_total - prepaid


def test_the_hand_computed_totals_are_what_the_module_docstring_says() -> None:
    assert totals("VBR00000001") == (D("250.63"), D("52.63"), D("303.26"), D("0.00"), D("303.26"))
    assert totals("VBR00000002") == (D("405.04"), D("85.06"), D("490.10"), D("303.26"), D("186.84"))
    assert totals("VBR00000003") == (D("20.00"), D("4.20"), D("24.20"), D("0.00"), D("24.20"))
    assert totals("VBR00000004") == (D("-20.00"), D("-4.20"), D("-24.20"), D("0.00"), D("-24.20"))
    assert totals("VBR00000005") == (D("3.17"), D("0.00"), D("3.17"), D("0.00"), D("3.17"))
    assert totals("0000000001") == (D("121.02"), D("24.20"), D("145.22"), D("0.00"), D("145.22"))


def load_billing(con: duckdb.DuckDBPyConnection) -> None:
    create_billing_ledger_tables(con)
    now = STORED_AT
    insert(con, "billing.number_series", [("VB-RO", "VBR", "VBR", 8, 1, 6, now, now), ("VB-BG", "", "", 10, 1, 2, now, now)])
    documents, lines, groups, issued = [], [], [], []
    for sequence, (number, spec) in enumerate(DOCUMENTS.items(), start=1):
        company, series, kind, contract, customer, period, issued_on, due, grace, currency, prepaid, corrects, ctype, kwh, inter, pct = spec
        line_total, vat_total, total, prepaid_amount, due_amount = totals(number)
        documents.append((
            company, number, series, f"{kind}/{period}/{contract}", kind, contract, customer, period, issued_on, due, grace, currency,
            line_total, vat_total, total, prepaid_amount, due_amount, corrects,
            ["VBR00000001"] if prepaid else None, number, ctype, None if kwh is None else D(kwh), "ro", inter,
            None if pct is None else D(pct), "", json.dumps({"number": number}), "0" * 64, "run-1", now,
        ))
        issued.append((number, company, series, int(number[-4:]), f"{kind}/{period}/{contract}", kind, customer, period, issued_on,
                       currency, total, "0" * 64, now, corrects))
        for line_number, (charge, quantity, unit, price, category, rate) in enumerate(LINES[number], start=1):
            charged = "VBR00000002" if charge == "penalty_interest" else None
            lines.append((company, number, line_number, charge, f"{charge} line", D(quantity), unit, D(price), line_net(quantity, price),
                          category, D(rate), None, charged))
        for (category, rate), (taxable, vat) in vat_groups(number).items():
            prepaid_taxable, prepaid_vat = (D(x) for x in prepaid.get((category, rate), ("0.00", "0.00")))
            groups.append((company, number, category, D(rate), taxable, vat, prepaid_taxable, prepaid_vat,
                           taxable - prepaid_taxable, vat - prepaid_vat))
    insert(con, "billing.invoice_documents", documents, (
        "company_id", "invoice_number", "series", "invoice_key", "invoice_type", "contract_id", "customer_id", "billing_period",
        "issue_date", "due_date", "grace_days", "currency", "line_total", "vat_total", "total_with_vat", "prepaid_amount", "amount_due",
        "corrects_invoice_number", "prepaid_invoice_refs", "payment_reference", "consumption_type", "energy_kwh", "invoice_language",
        "intermediary_id", "intermediary_commission_pct", "note", "document_json", "content_hash", "billing_run_id", "stored_at",
    ))
    insert(con, "billing.issued_invoices", issued, (
        "invoice_number", "company_id", "series", "sequence_number", "invoice_key", "invoice_type", "customer_id", "billing_period",
        "issue_date", "currency", "total_with_vat", "content_hash", "issued_at", "corrects_invoice_number",
    ))
    insert(con, "billing.invoice_lines", lines)
    insert(con, "billing.invoice_vat_groups", groups)
    insert(con, "billing.payment_allocations", [
        ("ST-RO-1", 1, 1, "VB-RO", "C-RO-1", "VBR00000001", date(2026, 2, 12), date(2026, 2, 12), "RON", D("303.26"), "reference", now),
        ("ST-RO-1", 1, 2, "VB-RO", "C-RO-1", None, date(2026, 2, 12), date(2026, 2, 12), "RON", D("10.00"), "overpayment", now),
        ("ST-RO-2", 1, 1, "VB-RO", "C-RO-1", "VBR00000002", date(2026, 3, 18), date(2026, 3, 18), "RON", D("100.00"), "reference", now),
        ("ST-BG-1", 1, 1, "VB-BG", "C-BG-1", "0000000001", date(2026, 3, 21), date(2026, 3, 21), "EUR", D("145.22"), "customer_amount", now),
    ])
    insert(con, "billing.payment_queue", [
        ("ST-RO-2", 2, "VB-RO", date(2026, 3, 19), date(2026, 3, 19), D("50.00"), "RON", "Necunoscut SRL", "RO49AAAA1B31007593840000",
         "plata", "unknown_payer", "No reference, no known payer IBAN and no customer hint: 50.00 RON", now),
    ])


def load_raw(con: duckdb.DuckDBPyConnection) -> None:
    create_raw_schema(con)
    insert(con, "raw.companies", rows_of("companies.csv", 1, [
        ("VB-RO", "Voltbill Energie SRL", "RO", "Europe/Bucharest", "RO12345678"),
        ("VB-BG", "Voltbill Energia EOOD", "BG", "Europe/Sofia", "BG123456789"),
    ]))
    insert(con, "raw.locations", rows_of("locations.csv", 2, [
        ("L-RO", "VB-RO", None, "site", "Site RO", "Str. 1", "Cluj"),
        ("L-BG", "VB-BG", None, "site", "Site BG", "ul. 1", "Sofia"),
    ]))

    def confirmation(month: date, company: str, customer: str, name: str, customer_class: str, point: str, location: str,
                     dso: str | None = None) -> tuple:
        return (month, dso or f"{company}-DSO", company, customer, name, customer_class, None, point, location, month, 60, D("100.000"),
                "LV")

    # The interval spine of a point runs to the end of the last month its DSO delivered readings for: the points of
    # the earlier years belong to DSOs that delivered only then, so no later month is estimated for them.

    insert(con, "raw.dso_confirmations", rows_of("confirmations.csv", 3, [
        confirmation(date(2024, 2, 1), "VB-RO", "C-RO-3", "Casa Pop", "household", "RO-MP-4", "L-RO", "RO-DSO-2024"),
        confirmation(date(2025, 2, 1), "VB-RO", "C-RO-3", "Casa Pop", "household", "RO-MP-3", "L-RO", "RO-DSO-2025"),
        confirmation(date(2026, 2, 1), "VB-RO", "C-RO-1", "Magazin Unu SRL", "commercial", "RO-MP-1", "L-RO"),
        confirmation(date(2026, 2, 1), "VB-RO", "C-RO-2", "Magazin Doi SRL", "commercial", "RO-MP-2", "L-RO"),
        confirmation(date(2026, 2, 1), "VB-BG", "C-BG-1", "Zavod EOOD", "industrial", "BG-MP-1", "L-BG"),
    ]))
    gaps = {local_midnight(date(2026, 2, 15)) + hours * HOUR for hours in (10, 11, 12)}
    readings = (
        hourly("RO-MP-1", date(2026, 2, 1), date(2026, 3, 1), "1.000")
        + hourly("RO-MP-2", date(2026, 2, 1), date(2026, 3, 1), "2.000", gaps)
        + hourly("RO-MP-3", date(2025, 2, 1), date(2025, 3, 1), "1.500")
        + hourly("RO-MP-4", date(2024, 2, 1), date(2024, 3, 1), "1.000")
    )
    insert(con, "raw.meter_readings", rows_of("readings.csv", 4, readings))
    ro_account, bg_account = "RO22BTRLRONCRT0V8B240001", "BG78UNCR700014V8B24002"  # seed company_bank_accounts
    insert(con, "raw.bank_statement_lines", rows_of("statements.csv", 7, [
        ("ST-RO-1", 1, ro_account, date(2026, 2, 12), date(2026, 2, 12), D("313.26"), "RON", "Magazin Unu SRL", "RO11UNU", "VBR00000001",
         "B-1"),
        ("ST-RO-2", 1, ro_account, date(2026, 3, 18), date(2026, 3, 18), D("100.00"), "RON", "Magazin Unu SRL", "RO11UNU", "VBR00000002",
         "B-2"),
        ("ST-RO-2", 2, ro_account, date(2026, 3, 19), date(2026, 3, 19), D("50.00"), "RON", "Necunoscut SRL",
         "RO49AAAA1B31007593840000", "plata", "B-3"),
        ("ST-BG-1", 1, bg_account, date(2026, 3, 21), date(2026, 3, 21), D("145.22"), "EUR", "Zavod EOOD", "BG11ZAVOD", "fakturi",
         "B-4"),
        ("ST-BG-1", 2, bg_account, date(2026, 3, 23), date(2026, 3, 23), D("20.00"), "EUR", "Zavod EOOD", "BG11ZAVOD", "avans", "B-5"),
    ]))
    insert(con, "raw.contracts", rows_of("contracts.csv", 5, [
        ("CT-RO-1", 0, "VB-RO", "C-RO-1", "FIX", D("0.501488"), "RON", D("700.000"), D("10.00"), date(2026, 1, 1), None,
         date(2025, 12, 15), "ro", "unu@example.ro", 15),
        ("CT-RO-1", 1, "VB-RO", "C-RO-1", "FIX", D("0.550000"), "RON", D("700.000"), D("10.00"), date(2026, 3, 1), None,
         date(2026, 2, 20), "ro", "unu@example.ro", 15),
        ("CT-RO-2", 0, "VB-RO", "C-RO-2", "FIX", D("0.480000"), "RON", D("1300.000"), D("10.00"), date(2026, 1, 1), None,
         date(2025, 12, 20), "ro", "doi@example.ro", 15),
        ("CT-BG-1", 0, "VB-BG", "C-BG-1", "FIX", D("0.120000"), "EUR", D("1000.000"), D("5.00"), date(2026, 1, 1), None,
         date(2025, 12, 1), "bg", "zavod@example.bg", 14),
    ]))

    def settings(contract: str, effective: date, intermediary: str | None, pct: str | None, advances: str) -> tuple:
        return (contract, effective, "no", None, None, None, advances, "ordered" if advances == "yes" else None, "yes",
                D("0.200000"), "no", "15d", 5, 5, 0, "ROBOR3M", D("8.0000"), "ACT/365", None, D("50.00"), intermediary,
                None if pct is None else D(pct))

    insert(con, "raw.contract_billing_settings", rows_of("billing_settings.csv", 6, [
        settings("CT-RO-1", date(2025, 12, 1), "INT-1", "1.50", "yes"),
        settings("CT-RO-1", date(2026, 3, 1), "INT-1", "2.00", "yes"),
        settings("CT-BG-1", date(2026, 2, 1), None, None, "no"),
    ]))


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    work = tmp_path_factory.mktemp("billing_marts")
    path = work / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        load_raw(con)
        load_billing(con)
    selection = ["--select", "+path:models/marts/billing", "+path:models/staging/stg_billing__number_series.sql",
                 "+path:models/staging/stg_billing__recalculation_values.sql"]
    early = run_dbt(["build", *selection, "--indirect-selection", "cautious", "--vars", json.dumps({"receivables_as_of": str(EARLY)})],
                    path, work)
    assert early.returncode == 0, early.stdout[-10000:] + early.stderr[-4000:]
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE SCHEMA early")
        for table in ("fct_receivables", "fct_customer_receivables", "rpt_customers_without_obligations"):
            con.execute(f"CREATE TABLE early.{table} AS SELECT * FROM marts.{table}")
    late = run_dbt(["build", "--select", ROUND_TRIP_SELECTION, "--indirect-selection", "cautious",
                    "--vars", json.dumps({"receivables_as_of": str(LATE)})], path, work)
    assert late.returncode == 0, late.stdout[-10000:] + late.stderr[-4000:]
    with duckdb.connect(str(path), read_only=True) as con:
        con.execute("SET TimeZone = 'UTC'")
        yield con


def rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[tuple]:
    return con.execute(sql, params or []).fetchall()


# --- fct_invoices, fct_invoice_lines ------------------------------------------------------------------------


def test_invoices_carry_their_totals_payments_and_status(warehouse) -> None:
    got = {
        row[0]: row[1:]
        for row in rows(warehouse, """
            SELECT invoice_number, line_total, vat_total, total_with_vat, prepaid_amount, amount_due, paid_amount, open_amount,
                   credit_open_amount, payment_status, last_payment_value_date, last_payment_days_late, is_corrected, billing_stage
            FROM marts.fct_invoices""")
    }
    assert set(got) == set(DOCUMENTS)
    for number in DOCUMENTS:
        assert got[number][:5] == totals(number), number
    # (paid, open, credit open, status, last value date, days late, corrected, stage)
    # VBR00000001: 303.26 paid on 2026-02-12, due 2026-02-10: 2 days late.
    assert got["VBR00000001"][5:] == (D("303.26"), D("0.00"), D("0.00"), "paid", date(2026, 2, 12), 2, False, "advance")
    # VBR00000002: 186.84 due, 100.00 paid on time (2026-03-18 <= 2026-03-20): 86.84 open.
    assert got["VBR00000002"][5:] == (D("100.00"), D("186.84") - D("100.00"), D("0.00"), "partially_paid", date(2026, 3, 18), 0, False, "final")
    assert got["VBR00000003"][5:] == (D("0.00"), D("24.20"), D("0.00"), "unpaid", None, None, True, "final")
    # The credit note is a credit of 24.20 to the customer, never "open".
    assert got["VBR00000004"][5:] == (D("0.00"), D("0.00"), D("24.20"), "credit", None, None, False, "final")
    assert got["VBR00000005"][5:] == (D("0.00"), D("3.17"), D("0.00"), "unpaid", None, None, False, "final")
    # 0000000001: due 2026-03-17, paid 2026-03-21: 4 days late.
    assert got["0000000001"][5:] == (D("145.22"), D("0.00"), D("0.00"), "paid", date(2026, 3, 21), 4, False, "final")


def test_invoices_have_customer_and_vat_ledger_figures(warehouse) -> None:
    got = rows(warehouse, """
        SELECT customer_name, customer_class, billing_month, ledger_taxable_amount, ledger_vat_amount
        FROM marts.fct_invoices WHERE invoice_number = 'VBR00000002'""")
    # The VAT ledger books the regularisation net of the advance: 405.04 − 250.63, 85.06 − 52.63.
    assert got == [("Magazin Unu SRL", "commercial", date(2026, 2, 1), D("154.41"), D("32.43"))]
    bg = rows(warehouse, "SELECT customer_class, currency, ledger_taxable_amount FROM marts.fct_invoices WHERE company_id = 'VB-BG'")
    assert bg == [("industrial", "EUR", D("121.02"))]


def test_invoice_lines_keep_the_issued_signs_and_convert_energy(warehouse) -> None:
    got = rows(warehouse, """
        SELECT invoice_number, line_number, charge_type, net_amount, energy_kwh, energy_mwh, invoice_type, customer_id, currency
        FROM marts.fct_invoice_lines ORDER BY company_id, invoice_number, line_number""")
    assert len(got) == sum(len(lines) for lines in LINES.values())
    by_key = {(row[0], row[1]): row[2:] for row in got}
    assert by_key[("VBR00000004", 1)] == ("deviation", D("-20.00"), None, None, "credit_note", "C-RO-1", "RON")
    assert by_key[("VBR00000002", 1)] == ("energy", D("337.00"), D("672"), D("0.672"), "regularisation", "C-RO-1", "RON")
    assert by_key[("0000000001", 2)] == ("excise", D("1.02"), None, None, "regularisation", "C-BG-1", "EUR")


# --- payments -----------------------------------------------------------------------------------------------


def test_payments_one_row_per_statement_line(warehouse) -> None:
    got = rows(warehouse, """
        SELECT statement_id, line_number, customer_id, amount, allocated_amount, overpayment_amount, queued_amount,
               payment_status, methods, reason_code
        FROM marts.fct_payments ORDER BY statement_id, line_number""")
    assert got == [
        ("ST-BG-1", 1, "C-BG-1", D("145.22"), D("145.22"), D("0.00"), D("0.00"), "matched", "customer_amount", None),
        # Ingested after the last matching run: the bank's amount, nothing allocated or queued yet.
        ("ST-BG-1", 2, None, D("20.00"), D("0.00"), D("0.00"), D("0.00"), "unmatched", None, None),
        # 303.26 to VBR00000001 and the 10.00 excess credited: 313.26.
        ("ST-RO-1", 1, "C-RO-1", D("313.26"), D("313.26"), D("10.00"), D("0.00"), "matched", "overpayment,reference", None),
        ("ST-RO-2", 1, "C-RO-1", D("100.00"), D("100.00"), D("0.00"), D("0.00"), "matched", "reference", None),
        ("ST-RO-2", 2, None, D("50.00"), D("0.00"), D("0.00"), D("50.00"), "queued", None, "unknown_payer"),
    ]
    # The company of a line nobody matched yet is the owner of the account it arrived on; the bank's details are kept.
    assert rows(warehouse, "SELECT company_id, payer_name, bank_reference FROM marts.fct_payments WHERE statement_id = 'ST-BG-1' "
                           "ORDER BY line_number") == [("VB-BG", "Zavod EOOD", "B-4"), ("VB-BG", "Zavod EOOD", "B-5")]


def test_payment_allocations_with_days_late(warehouse) -> None:
    got = rows(warehouse, """
        SELECT statement_id, allocation_number, invoice_number, amount, is_overpayment, days_late
        FROM marts.fct_payment_allocations ORDER BY statement_id, line_number, allocation_number""")
    assert got == [
        ("ST-BG-1", 1, "0000000001", D("145.22"), False, 4),
        ("ST-RO-1", 1, "VBR00000001", D("303.26"), False, 2),
        ("ST-RO-1", 2, None, D("10.00"), True, None),
        ("ST-RO-2", 1, "VBR00000002", D("100.00"), False, 0),
    ]


# --- receivables --------------------------------------------------------------------------------------------


def bucket(days: int) -> str:
    """billing.payment_matching's ageing rule, restated."""
    if days == 0:
        return "not_due"
    for upper, name in ((30, "1-30"), (60, "31-60"), (90, "61-90"), (180, "91-180")):
        if days <= upper:
            return name
    return "over_180"


def overdue(due: date, as_of: date) -> int:
    return max(0, (as_of - due).days)


RECEIVABLE_COLUMNS = "invoice_number, open_amount, days_overdue, ageing_bucket, grace_days, is_interest_running"


def test_receivables_as_of_the_end_of_april(warehouse) -> None:
    got = rows(warehouse, f"SELECT {RECEIVABLE_COLUMNS}, as_of_date FROM marts.fct_receivables ORDER BY invoice_number")
    # 2026-03-20 → 2026-04-30 is 11 + 30 = 41 days; 2026-04-15 → 2026-04-30 is 15.
    assert overdue(date(2026, 3, 20), LATE) == 41 and overdue(date(2026, 4, 15), LATE) == 15
    assert got == [
        ("VBR00000002", D("86.84"), 41, "31-60", 5, True, LATE),
        ("VBR00000003", D("24.20"), 41, "31-60", 5, True, LATE),
        ("VBR00000005", D("3.17"), 15, "1-30", 0, True, LATE),
    ]
    assert [bucket(row[2]) for row in got] == [row[3] for row in got]


def test_receivables_as_of_an_earlier_day_ignore_later_payments_and_documents(warehouse) -> None:
    got = rows(warehouse, f"SELECT {RECEIVABLE_COLUMNS} FROM early.fct_receivables ORDER BY invoice_number")
    # As of 2026-03-20: BG's payment (value 2026-03-21) is not known yet: 3 days overdue, within 3 grace days.
    # VBR00000002/3 are due that very day: not overdue. VBR00000005 is not issued yet.
    assert got == [
        ("0000000001", D("145.22"), 3, "1-30", 3, False),
        ("VBR00000002", D("86.84"), 0, "not_due", 5, False),
        ("VBR00000003", D("24.20"), 0, "not_due", 5, False),
    ]


CUSTOMER_COLUMNS = """customer_id, currency, open_documents_count, open_amount, overdue_amount, not_due_amount, overdue_1_30_amount,
    overdue_31_60_amount, overdue_61_90_amount, overdue_91_180_amount, overdue_over_180_amount, interest_running_amount,
    max_days_overdue, overpayment_credit_amount, credit_document_amount, unapplied_credit_amount, net_balance_amount"""


def test_customer_receivables_with_unapplied_credits(warehouse) -> None:
    zero = D("0.00")
    open_late = D("86.84") + D("24.20") + D("3.17")
    credits = D("10.00") + D("24.20")  # the overpayment and the credit note
    assert rows(warehouse, f"SELECT {CUSTOMER_COLUMNS} FROM marts.fct_customer_receivables ORDER BY customer_id") == [
        ("C-RO-1", "RON", 3, open_late, open_late, zero, D("3.17"), D("86.84") + D("24.20"), zero, zero, zero, open_late,
         41, D("10.00"), D("24.20"), credits, open_late - credits),
    ]
    assert open_late - credits == D("80.01")
    open_early = D("86.84") + D("24.20")
    assert rows(warehouse, f"SELECT {CUSTOMER_COLUMNS} FROM early.fct_customer_receivables ORDER BY customer_id") == [
        ("C-BG-1", "EUR", 1, D("145.22"), D("145.22"), zero, D("145.22"), zero, zero, zero, zero, zero, 3, zero, zero, zero, D("145.22")),
        ("C-RO-1", "RON", 2, open_early, zero, open_early, zero, zero, zero, zero, zero, zero, 0, D("10.00"), D("24.20"), credits,
         open_early - credits),
    ]


def test_customers_without_obligations(warehouse) -> None:
    # C-RO-2 and C-RO-3 have no document; C-RO-1 owes; C-BG-1 paid everything by 2026-04-30.
    assert rows(warehouse, """
        SELECT customer_id, documents_count, last_issue_date, last_payment_value_date, has_unapplied_credit
        FROM marts.rpt_customers_without_obligations""") == [("C-BG-1", 1, date(2026, 3, 3), date(2026, 3, 21), False)]
    assert rows(warehouse, "SELECT customer_id FROM early.rpt_customers_without_obligations") == []


def test_obligations_per_invoice_follow_the_receivables(warehouse) -> None:
    got = rows(warehouse, """
        SELECT invoice_number, due_date, open_amount, days_overdue, penalty_interest_invoiced_amount, penalty_documents_count
        FROM marts.rpt_obligations_per_invoice""")
    # The penalty VBR00000005 (3.17) charges interest on VBR00000002.
    assert sorted(got) == [
        ("VBR00000002", date(2026, 3, 20), D("86.84"), 41, D("3.17"), 1),
        ("VBR00000003", date(2026, 3, 20), D("24.20"), 41, D("0.00"), 0),
        ("VBR00000005", date(2026, 4, 15), D("3.17"), 15, D("0.00"), 0),
    ]


# --- seed-001 reports ---------------------------------------------------------------------------------------


def test_energy_in_invoices_keeps_advances_apart_from_final_documents(warehouse) -> None:
    got = rows(warehouse, """
        SELECT company_id, billing_month, customer_id, invoice_type, consumption_type, documents_count,
               advance_energy_kwh, final_energy_kwh, energy_net_amount
        FROM marts.rpt_energy_in_invoices ORDER BY company_id DESC, invoice_type""")
    february = date(2026, 2, 1)
    assert got == [
        ("VB-RO", february, "C-RO-1", "advance", "ordered", 1, D("500"), D("0"), D("250.00")),
        ("VB-RO", february, "C-RO-1", "regularisation", "achieved", 1, D("0"), D("672"), D("337.00")),
        ("VB-BG", february, "C-BG-1", "regularisation", "achieved", 1, D("0"), D("1000"), D("120.00")),
    ]
    # The energy invoiced for RO's February is the regularisation's 672 kWh, not 500 + 672.
    final = rows(warehouse, "SELECT sum(final_energy_kwh) FROM marts.rpt_energy_in_invoices WHERE company_id = 'VB-RO'")
    assert final == [(D("672"),)]


def test_issued_invoices_register(warehouse) -> None:
    got = rows(warehouse, "SELECT invoice_number, invoice_type, total_with_vat, payment_status FROM marts.rpt_issued_invoices "
                          "WHERE company_id = 'VB-RO' ORDER BY issue_date, invoice_number")
    assert got == [
        ("VBR00000001", "advance", D("303.26"), "paid"),
        ("VBR00000002", "regularisation", D("490.10"), "partially_paid"),
        ("VBR00000003", "deviation", D("24.20"), "unpaid"),
        ("VBR00000004", "credit_note", D("-24.20"), "credit"),
        ("VBR00000005", "penalty", D("3.17"), "unpaid"),
    ]


def test_intermediary_commission_is_rounded_half_up_on_exact_decimals(warehouse) -> None:
    # Final energy net 337.00 (the advance's 250.00 is not counted again); 337.00 × 1.5 / 100 = 5.055 → 5.06 half up.
    # A binary float gives 5.05 here (5.055 is 5.05499999... as a double).
    expected = half_up(D("337.00") * D("1.5") / 100)
    assert expected == D("5.06") and round(337.00 * 1.5 / 100, 2) == 5.05
    got = rows(warehouse, """
        SELECT intermediary_id, company_id, billing_month, currency, commission_pct, customers_count, documents_count,
               energy_net_amount, commission_amount
        FROM marts.rpt_intermediaries""")
    assert got == [("INT-1", "VB-RO", date(2026, 2, 1), "RON", D("1.5000"), 1, 1, D("337.00"), expected)]


def test_contracts_and_annexes_with_the_billing_settings_in_force(warehouse) -> None:
    got = rows(warehouse, """
        SELECT contract_id, addendum_number, document_kind, valid_from, valid_to, energy_price_per_kwh, currency,
               ordered_monthly_kwh, settings_effective_from, has_advance_invoices, due_date_rule, intermediary_id,
               intermediary_commission_pct
        FROM marts.rpt_contracts_and_annexes ORDER BY contract_id, addendum_number""")
    assert got == [
        # Settings start after the contract: the first row within its validity.
        ("CT-BG-1", 0, "contract", date(2026, 1, 1), None, D("0.120000"), "EUR", D("1000.000"), date(2026, 2, 1), False, "15d", None, None),
        # The original contract runs until the day before its addendum; the settings of 2025-12-01 are in force on its first day.
        ("CT-RO-1", 0, "contract", date(2026, 1, 1), date(2026, 2, 28), D("0.501488"), "RON", D("700.000"), date(2025, 12, 1), True,
         "15d", "INT-1", D("1.50")),
        ("CT-RO-1", 1, "addendum", date(2026, 3, 1), None, D("0.550000"), "RON", D("700.000"), date(2026, 3, 1), True, "15d", "INT-1",
         D("2.00")),
        ("CT-RO-2", 0, "contract", date(2026, 1, 1), None, D("0.480000"), "RON", D("1300.000"), None, None, None, None, None),
    ]


def test_excise_and_the_customs_declaration_use_final_documents_only(warehouse) -> None:
    # RO: 672 kWh = 0.672 MWh billed, 50 % exempt → 0.336 taxable, 0.336 exempt, excise 0.84 (the advance's 0.63 is not
    # counted). BG: industrial, no exemption: 1.000 MWh taxable, excise 1.02 EUR.
    ro_billed = D("672") / 1000
    ro_taxable = ro_billed * (100 - D("50")) / 100
    got = rows(warehouse, """
        SELECT company_id, billing_month, customer_class, customer_id, currency, billed_mwh, taxable_mwh, exempt_mwh, excise_amount
        FROM marts.rpt_excise ORDER BY company_id DESC""")
    assert got == [
        ("VB-RO", date(2026, 2, 1), "commercial", "C-RO-1", "RON", ro_billed, ro_taxable, ro_billed - ro_taxable, line_net("0.336", "2.5")),
        ("VB-BG", date(2026, 2, 1), "industrial", "C-BG-1", "EUR", D("1.000000"), D("1.000000"), D("0"), D("1.02")),
    ]
    declaration = rows(warehouse, """
        SELECT company_id, country_code, declaration_month, cn_code, currency, released_mwh, taxable_mwh, exempt_mwh, excise_amount
        FROM marts.rpt_customs_excise_declaration ORDER BY company_id DESC""")
    assert declaration == [
        ("VB-RO", "RO", date(2026, 2, 1), "2716 00 00", "RON", D("0.672"), D("0.336"), D("0.336"), D("0.84")),
        ("VB-BG", "BG", date(2026, 2, 1), "2716 00 00", "EUR", D("1"), D("1"), D("0"), D("1.02")),
    ]


# --- seed-000 dashboard figures -----------------------------------------------------------------------------


def test_billing_progress(warehouse) -> None:
    got = rows(warehouse, """
        SELECT company_id, consumption_month, consumption_type, contract_months_with_consumption, contract_months_invoiced,
               share_invoiced_pct, consumption_kwh, invoiced_kwh
        FROM marts.fct_billing_progress ORDER BY company_id DESC, consumption_month, consumption_type""")
    february = date(2026, 2, 1)
    achieved_ro = 672 * D("1.000") + (672 - 3) * D("2.000")  # RO-MP-1 + RO-MP-2 less its three missing hours
    assert achieved_ro == D("2010")
    assert got == [
        # CT-RO-1 and CT-RO-2 consumed; only CT-RO-1's February was regularised: 1 × 100 / 2 = 50.00 %.
        # invoiced kWh: CT-RO-1's 672 achieved kWh (its month was regularised); CT-RO-2's 1338 were not.
        ("VB-RO", february, "achieved", 2, 1, D("50.00"), achieved_ro, 672 * D("1.000")),
        # Only CT-RO-2 has estimated kWh (3 hours × 2.000), not invoiced.
        ("VB-RO", february, "estimated", 1, 0, D("0.00"), D("6.000"), D("0")),
        # VB-BG's regularisation has no consumption in this warehouse: nothing to measure progress on.
    ]


def test_billed_amounts_monthly(warehouse) -> None:
    got = rows(warehouse, """
        SELECT company_id, issue_month, invoice_type, currency, documents_count, net_amount, vat_amount, gross_amount
        FROM marts.fct_billed_amounts_monthly ORDER BY company_id DESC, issue_month, invoice_type""")
    expected = []
    for company in ("VB-RO", "VB-BG"):
        keys = sorted({(spec[6].replace(day=1), spec[2], spec[9]) for spec in DOCUMENTS.values() if spec[0] == company})
        for month, kind, currency in keys:
            numbers = [n for n, spec in DOCUMENTS.items() if spec[0] == company and spec[6].replace(day=1) == month and spec[2] == kind]
            sums = [sum((totals(n)[i] for n in numbers), D("0.00")) for i in range(3)]
            expected.append((company, month, kind, currency, len(numbers), *sums))
    assert got == expected
    assert ("VB-RO", date(2026, 3, 1), "credit_note", "RON", 1, D("-20.00"), D("-4.20"), D("-24.20")) in got


def test_consumption_by_type_against_the_same_month_of_earlier_years(warehouse) -> None:
    got = rows(warehouse, """
        SELECT consumption_month, consumption_type, energy_kwh, previous_year_energy_kwh, two_years_before_energy_kwh,
               change_vs_previous_year_pct, change_vs_two_years_before_pct
        FROM marts.fct_consumption_by_type_monthly WHERE company_id = 'VB-RO' ORDER BY consumption_month, consumption_type""")
    feb_2024, feb_2025, feb_2026 = 696 * D("1.000"), 672 * D("1.500"), D("2010.000")  # 2024 is a leap year: 29 days

    def change(now: Decimal, before: Decimal) -> Decimal:
        return half_up((now - before) * 100 / before)

    assert (change(feb_2026, feb_2025), change(feb_2026, feb_2024), change(feb_2025, feb_2024)) == (D("99.40"), D("188.79"), D("44.83"))
    assert got == [
        (date(2024, 2, 1), "achieved", feb_2024, None, None, None, None),
        (date(2025, 2, 1), "achieved", feb_2025, feb_2024, None, change(feb_2025, feb_2024), None),
        (date(2026, 2, 1), "achieved", feb_2026, feb_2025, feb_2024, change(feb_2026, feb_2025), change(feb_2026, feb_2024)),
        (date(2026, 2, 1), "estimated", D("6.000"), None, None, None, None),
        # ordered: the contracted monthly quantities of the two contracts that consumed, CT-RO-1 700 + CT-RO-2 1300
        (date(2026, 2, 1), "ordered", D("700.000") + D("1300.000"), None, None, None, None),
    ]


def test_contract_lifetime_value_is_billed_net_plus_the_projected_months(warehouse) -> None:
    # CT-RO-1, February 2026 (final documents; the penalty is not the contract's value): regularisation energy 337.00 +
    # network 67.20 + excise 0.84, deviation 20.00, its credit note −20.00 → 405.04 net for 672 kWh.
    billed = D("337.00") + D("67.20") + D("0.84") + D("20.00") - D("20.00")
    unit = (billed / D(672)).quantize(D("0.000001"), rounding=ROUND_HALF_UP)  # 0.6027380952… → 0.602738
    # open-ended: 12 months (var contract_value_open_ended_months) × the current version's ordered 700 kWh
    projected = (12 * D("700.000") * unit).quantize(CENT, rounding=ROUND_HALF_UP)
    # CT-BG-1: 121.02 billed, no metered kWh in this warehouse → the current energy price 0.12 per kWh, 12 × 1000 kWh
    bg_projected = (12 * D("1000.000") * D("0.120000")).quantize(CENT, rounding=ROUND_HALF_UP)
    assert rows(
        warehouse,
        "SELECT contract_id, currency, billed_months_count, billed_net_amount, remaining_months_count, projected_monthly_kwh, "
        "unit_value_per_kwh, projected_net_amount, lifetime_net_amount FROM marts.fct_contract_lifetime_value ORDER BY 1",
    ) == [
        ("CT-BG-1", "EUR", 1, D("121.02"), 12, D("1000.000"), D("0.120000"), bg_projected, D("121.02") + bg_projected),
        ("CT-RO-1", "RON", 1, billed, 12, D("700.000"), unit, projected, billed + projected),
    ]
