"""The rating run and the EMP register against a real DuckDB file, without dbt.

Plain tables stand in for the staging views and the `cpo_subsidiaries` seed (with the columns the rating
SQL reads). The CDRs reproduce the seed's three worked examples (Hubject Invoice Management, seed 003),
plus a CDR at an unknown EVSE, one whose tax is not configured, a repeated id, a credit CDR and a session
that ends on the last day of March in UTC but on 1 April at its Bucharest EVSE. Expected amounts are
worked out by hand in the comments.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from rating.emp_invoice_register import issue_emp_documents
from rating.ledger_checks import emp_documents_add_up, ratings_add_up
from rating.rating_run import rate_new_cdrs

STAGING_DDL = (
    "CREATE SCHEMA staging",
    "CREATE SCHEMA reference",
    """
    CREATE TABLE staging.stg_emobility__charge_detail_records (
        cdr_id VARCHAR, start_date_time TIMESTAMPTZ, end_date_time TIMESTAMPTZ, evse_id VARCHAR, emp_id VARCHAR,
        product_id VARCHAR, currency VARCHAR, total_energy_kwh DECIMAL(18,4), total_time_hours DECIMAL(18,6),
        total_parking_time_hours DECIMAL(18,6), is_credit BOOLEAN, credit_reference_id VARCHAR, tariff_id VARCHAR,
        charging_periods_json VARCHAR, is_first_delivery BOOLEAN, source_file VARCHAR, source_line BIGINT,
        ingestion_id VARCHAR, ingestion_seq BIGINT, ingested_at TIMESTAMPTZ
    )
    """,
    """
    CREATE TABLE staging.stg_emobility__evse_data (
        evse_id VARCHAR, operator_id VARCHAR, country_code VARCHAR, location_id VARCHAR, location_name VARCHAR,
        street VARCHAR, city VARCHAR, postal_code VARCHAR, time_zone VARCHAR, power_type VARCHAR,
        max_power_kw DECIMAL(18,1), last_updated TIMESTAMPTZ, source_file VARCHAR, source_line BIGINT
    )
    """,
    """
    CREATE TABLE staging.stg_emobility__emp_offers (
        offer_id VARCHAR, emp_id VARCHAR, country_code VARCHAR, pricing_methodology VARCHAR, product_id VARCHAR,
        reference_unit VARCHAR, price_per_unit DECIMAL(18,6), price_per_session DECIMAL(18,6), currency VARCHAR,
        ocpi_tariff_id VARCHAR, min_session_minutes DECIMAL(18,2), min_session_energy_kwh DECIMAL(18,4),
        valid_from DATE, valid_to DATE, source_file VARCHAR, source_line BIGINT
    )
    """,
    """
    CREATE TABLE staging.stg_emobility__emp_tax_rates (
        emp_id VARCHAR, country_code VARCHAR, price_component VARCHAR, vat_rate_pct DECIMAL(18,2), valid_from DATE,
        source_file VARCHAR, source_line BIGINT
    )
    """,
    """
    CREATE TABLE staging.stg_emobility__ocpi_tariffs (
        tariff_id VARCHAR, country_code VARCHAR, party_id VARCHAR, currency VARCHAR, last_updated TIMESTAMPTZ,
        tariff_json VARCHAR, source_file VARCHAR, source_line BIGINT
    )
    """,
    """
    CREATE TABLE reference.cpo_subsidiaries (
        company_id VARCHAR, country_code VARCHAR, operator_id VARCHAR, invoice_language VARCHAR,
        payment_terms_days INTEGER, net_rounding VARCHAR, vat_rounding VARCHAR, amount_decimals INTEGER
    )
    """,
)

SUBSIDIARIES = [
    ("VB-DE", "DE", "DE*VBC", "de", 14, "up", "half_up", 2),
    ("VB-IT", "IT", "IT*VBC", "it", 30, "up", "half_up", 2),
    ("VB-RO", "RO", "RO*VBC", "ro", 30, "up", "half_up", 2),
]

EVSES = [
    ("DE*VBC*E00001", "DE*VBC", "DE", "DE-L1", "Berlin Park", "Str. 1", "Berlin", "10115", "Europe/Berlin", "AC_3_PHASE", 22),
    ("IT*VBC*E00001", "IT*VBC", "IT", "IT-L1", "Milano Hub", "Via 1", "Milano", "20121", "Europe/Rome", "DC", 150),
    ("RO*VBC*E00001", "RO*VBC", "RO", "RO-L1", "București Park", "Str. 1", "București", "010011", "Europe/Bucharest", "AC_3_PHASE", 22),
]

# offer_id, emp, country, methodology, product, unit, per unit, per session, currency
OFFERS = [
    ("OF-AAA", "DE-AAA", "DE", "standard_pricing", None, "kWh", "0.50", None, "EUR"),  # seed example 1
    ("OF-BBB", "DE-BBB", "DE", "standard_pricing", None, "kWh", "0.33", None, "EUR"),  # seed example 2
    ("OF-CCC", "DE-CCC", "DE", "standard_pricing", None, "kWh", "0.40", None, "EUR"),  # no tax configured
    ("OF-111", "IT-111", "IT", "product_pricing", "P1", "kWh", "1.00", "2.00", "EUR"),  # seed example 3
    ("OF-EMO", "RO-EMO", "RO", "standard_pricing", None, "kWh", "0.40", None, "EUR"),
]

# emp, country, component, rate
TAX_RATES = [
    ("DE-AAA", "DE", "energy", "19"),
    ("DE-BBB", "DE", "energy", "19"),
    ("IT-111", "IT", "session_fee", "22"),
    ("IT-111", "IT", "energy", "10"),
    ("RO-EMO", "RO", "energy", "21"),
]

DE, IT, RO = "DE*VBC*E00001", "IT*VBC*E00001", "RO*VBC*E00001"
UNKNOWN_EVSE = "DE*VBC*E09999"


def cdr_row(
    cdr_id: str, evse: str, emp: str, start: str, end: str, kwh: str, hours: str, *, product: str | None = None,
    credit_of: str | None = None, first: bool = True, file: str = "cdrs_1.csv", line: int = 2, seq: int = 1,
) -> tuple:
    return (
        cdr_id, start, end, evse, emp, product, "EUR", Decimal(kwh), Decimal(hours), Decimal(0), credit_of is not None,
        credit_of, None, None, first, file, line, f"ing{seq}", seq, "2026-04-01T00:00:00Z",
    )


FIRST_FILE = [
    # Seed example 1: 50 kWh x 0.50 EUR = 25.00; 19 % of 25.00 = 4.75; gross 29.75.
    cdr_row("CDR-EX1", DE, "DE-AAA", "2026-01-10T10:00:00Z", "2026-01-10T11:00:00Z", "50", "1", line=2),
    # Seed example 2: 57.344 x 0.33 = 18.92352 -> rounded up 18.93; 19 % = 3.5967 -> 3.60; gross 22.53.
    cdr_row("CDR-EX2", DE, "DE-BBB", "2026-01-12T10:00:00Z", "2026-01-12T12:00:00Z", "57.344", "2", line=3),
    # Seed example 3: session 2.00 + 22 % = 0.44; energy 100 x 1.00 = 100.00 + 10 % = 10.00; gross 112.44.
    cdr_row("CDR-EX3", IT, "IT-111", "2026-01-15T08:00:00Z", "2026-01-15T09:00:00Z", "100", "1", product="P1", line=4),
    cdr_row("CDR-UNK", UNKNOWN_EVSE, "DE-AAA", "2026-01-16T08:00:00Z", "2026-01-16T09:00:00Z", "20", "1", line=5),
    cdr_row("CDR-TAX", DE, "DE-CCC", "2026-01-17T08:00:00Z", "2026-01-17T09:00:00Z", "20", "1", line=6),
    # Reverses CDR-EX1: -25.00, -4.75, -29.75.
    cdr_row("CDR-CR1", DE, "DE-AAA", "2026-01-10T10:00:00Z", "2026-01-10T11:00:00Z", "50", "1", credit_of="CDR-EX1", line=7),
    # Ends 2026-03-31 22:30 UTC = 2026-04-01 01:30 in Bucharest (UTC+3 since 29 March): invoiced in April.
    # Starts 2026-03-31 23:00 local. 10 kWh x 0.40 = 4.00; 21 % = 0.84; gross 4.84.
    cdr_row("CDR-RO1", RO, "RO-EMO", "2026-03-31T20:00:00Z", "2026-03-31T22:30:00Z", "10", "2.5", line=8),
]
# CDR-EX1 delivered again in a later file (with other figures): a repeat, never rated.
REPEAT = cdr_row(
    "CDR-EX1", DE, "DE-AAA", "2026-01-10T10:00:00Z", "2026-01-10T11:00:00Z", "60", "1", first=False, file="cdrs_2.csv",
    line=2, seq=2,
)
# A January CDR of DE-AAA that arrives after January was invoiced: 10 kWh x 0.50 = 5.00; 19 % = 0.95; gross 5.95.
LATE = cdr_row("CDR-LATE", DE, "DE-AAA", "2026-01-20T08:00:00Z", "2026-01-20T09:00:00Z", "10", "1", file="cdrs_3.csv", seq=3)


def insert_cdrs(connection: duckdb.DuckDBPyConnection, rows: list[tuple]) -> None:
    connection.executemany(f"INSERT INTO staging.stg_emobility__charge_detail_records VALUES ({', '.join('?' * 20)})", rows)


@pytest.fixture
def connection(tmp_path: Path):
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    for statement in STAGING_DDL:
        con.execute(statement)
    con.executemany("INSERT INTO reference.cpo_subsidiaries VALUES (?, ?, ?, ?, ?, ?, ?, ?)", SUBSIDIARIES)
    con.executemany(
        "INSERT INTO staging.stg_emobility__evse_data VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '2025-01-01T00:00:00Z', 'evse.csv', 2)",
        EVSES,
    )
    con.executemany(
        """INSERT INTO staging.stg_emobility__emp_offers
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, NULL, DATE '2025-01-01', NULL, 'offers.csv', 2)""",
        OFFERS,
    )
    con.executemany(
        "INSERT INTO staging.stg_emobility__emp_tax_rates VALUES (?, ?, ?, ?, DATE '2017-01-01', 'tax.csv', 2)", TAX_RATES
    )
    insert_cdrs(con, [*FIRST_FILE, REPEAT])
    yield con
    con.close()


def ratings(connection: duckdb.DuckDBPyConnection) -> dict[str, tuple]:
    rows = connection.execute(
        """select cdr_id, status, reason_code, notify_cpo, company_id, country_code, offer_id, invoiced_month,
                  net_amount, vat_amount, gross_amount, source_file, source_line, is_credit
           from emobility.cdr_ratings"""
    ).fetchall()
    return {row[0]: row[1:] for row in rows}


def components(connection: duckdb.DuckDBPyConnection) -> dict[str, set[tuple]]:
    result: dict[str, set[tuple]] = {}
    for cdr_id, *rest in connection.execute(
        "select cdr_id, component, quantity, unit, unit_price, net_amount, vat_rate_pct, vat_amount from emobility.cdr_rating_components"
    ).fetchall():
        result.setdefault(cdr_id, set()).add(tuple(rest))
    return result


def D(text: str) -> Decimal:
    return Decimal(text)


JAN, APR = date(2026, 1, 1), date(2026, 4, 1)


def test_every_new_cdr_is_rated_once_with_the_seeds_amounts(connection) -> None:
    result = rate_new_cdrs(connection)
    assert (result.rated, result.not_rated) == (5, 2)  # EX1, EX2, EX3, CR1, RO1; UNK, TAX
    assert result.reasons == {"no_evse_data": 1, "tax_not_configured": 1}

    got = ratings(connection)
    # status, reason, notify, company, country, offer, invoiced month, net, vat, gross, file, line, credit
    assert got == {
        "CDR-EX1": ("rated", None, False, "VB-DE", "DE", "OF-AAA", JAN, D("25.00"), D("4.75"), D("29.75"), "cdrs_1.csv", 2, False),
        "CDR-EX2": ("rated", None, False, "VB-DE", "DE", "OF-BBB", JAN, D("18.93"), D("3.60"), D("22.53"), "cdrs_1.csv", 3, False),
        "CDR-EX3": ("rated", None, False, "VB-IT", "IT", "OF-111", JAN, D("102.00"), D("10.44"), D("112.44"), "cdrs_1.csv", 4, False),
        "CDR-UNK": ("not_rated", "no_evse_data", True, None, None, None, None, None, None, None, "cdrs_1.csv", 5, False),
        "CDR-TAX": ("not_rated", "tax_not_configured", True, "VB-DE", "DE", "OF-CCC", JAN, None, None, None, "cdrs_1.csv", 6, False),
        "CDR-CR1": ("rated", None, False, "VB-DE", "DE", "OF-AAA", JAN, D("-25.00"), D("-4.75"), D("-29.75"), "cdrs_1.csv", 7, True),
        "CDR-RO1": ("rated", None, False, "VB-RO", "RO", "OF-EMO", APR, D("4.00"), D("0.84"), D("4.84"), "cdrs_1.csv", 8, False),
    }
    reasons = dict(connection.execute("select cdr_id, reason from emobility.cdr_ratings where reason is not null").fetchall())
    assert reasons == {
        "CDR-UNK": "No EVSE Data is available",
        "CDR-TAX": "No tax configuration for this country, for this EMP, or for the price components configured",
    }
    # The repeat (CDR-EX1 again, 60 kWh) is not rated a second time: one row, the first delivery's figures.
    assert connection.execute("select count(*) from emobility.cdr_ratings where cdr_id = 'CDR-EX1'").fetchone() == (1,)

    # component, quantity, unit, unit price, net, VAT rate, VAT
    assert components(connection) == {
        "CDR-EX1": {("energy", D("50"), "kWh", D("0.5"), D("25.00"), D("19"), D("4.75"))},
        "CDR-EX2": {("energy", D("57.344"), "kWh", D("0.33"), D("18.93"), D("19"), D("3.60"))},
        "CDR-EX3": {
            ("session_fee", D("1"), "session", D("2"), D("2.00"), D("22"), D("0.44")),
            ("energy", D("100"), "kWh", D("1"), D("100.00"), D("10"), D("10.00")),
        },
        "CDR-CR1": {("energy", D("-50"), "kWh", D("0.5"), D("-25.00"), D("19"), D("-4.75"))},
        "CDR-RO1": {("energy", D("10"), "kWh", D("0.4"), D("4.00"), D("21"), D("0.84"))},
    }
    assert ratings_add_up(connection) == []


def test_a_second_rating_run_rates_nothing(connection) -> None:
    rate_new_cdrs(connection)
    before = connection.execute("select * from emobility.cdr_ratings order by cdr_id").fetchall()
    again = rate_new_cdrs(connection)
    assert again.total == 0
    assert connection.execute("select * from emobility.cdr_ratings order by cdr_id").fetchall() == before
    assert connection.execute("select count(*) from emobility.cdr_rating_components").fetchone() == (6,)


def documents(connection: duckdb.DuckDBPyConnection) -> dict[tuple, tuple]:
    rows = connection.execute(
        """select company_id, emp_id, invoiced_month, document_type, invoice_number, issue_date, due_date, currency,
                  cdr_count, net_amount, vat_amount, gross_amount
           from emobility.emp_invoices"""
    ).fetchall()
    return {row[:4]: row[4:] for row in rows}


def invoiced_cdrs(connection: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    for number, cdr_id in connection.execute("select invoice_number, cdr_id from emobility.emp_invoice_cdrs order by 2").fetchall():
        result.setdefault(number, []).append(cdr_id)
    return result


def test_ended_months_are_invoiced_once_per_emp_and_kind_and_late_cdrs_go_on_a_supplementary_document(connection) -> None:
    rate_new_cdrs(connection)
    as_of = date(2026, 4, 15)  # January has ended; April (CDR-RO1, local time) has not
    issued = issue_emp_documents(connection, as_of=as_of)
    assert len(issued) == 4
    got = documents(connection)
    numbers = {k: v[0] for k, v in got.items()}
    # Every January document is the month's first: dated 1 February, numbered 0001-0004 of that day.
    assert sorted(n[:10] for n in numbers.values()) == ["2602010001", "2602010002", "2602010003", "2602010004"]
    for (company, emp, _, _), number in numbers.items():
        assert re.fullmatch(rf"\d{{10}}-{re.escape(emp)}", number), number
    feb1 = date(2026, 2, 1)
    # number, issue, due (DE: 14 days, IT: 30), currency, CDRs, net, VAT, gross
    rest = {k: v[1:] for k, v in got.items()}
    assert rest == {
        ("VB-DE", "DE-AAA", JAN, "invoice"): (feb1, date(2026, 2, 15), "EUR", 1, D("25.00"), D("4.75"), D("29.75")),
        ("VB-DE", "DE-AAA", JAN, "credit_note"): (feb1, date(2026, 2, 15), "EUR", 1, D("-25.00"), D("-4.75"), D("-29.75")),
        ("VB-DE", "DE-BBB", JAN, "invoice"): (feb1, date(2026, 2, 15), "EUR", 1, D("18.93"), D("3.60"), D("22.53")),
        ("VB-IT", "IT-111", JAN, "invoice"): (feb1, date(2026, 3, 3), "EUR", 1, D("102.00"), D("10.44"), D("112.44")),
    }
    assert invoiced_cdrs(connection) == {
        numbers[("VB-DE", "DE-AAA", JAN, "invoice")]: ["CDR-EX1"],
        numbers[("VB-DE", "DE-AAA", JAN, "credit_note")]: ["CDR-CR1"],
        numbers[("VB-DE", "DE-BBB", JAN, "invoice")]: ["CDR-EX2"],
        numbers[("VB-IT", "IT-111", JAN, "invoice")]: ["CDR-EX3"],
    }
    assert emp_documents_add_up(connection) == []

    # A second call on the same day issues nothing and changes nothing.
    before = connection.execute("select * from emobility.emp_invoices order by 1").fetchall()
    assert issue_emp_documents(connection, as_of=as_of) == []
    assert connection.execute("select * from emobility.emp_invoices order by 1").fetchall() == before

    # A January CDR arrives later: rated, then on a supplementary January invoice dated the run's day.
    insert_cdrs(connection, [LATE])
    assert rate_new_cdrs(connection).rated == 1
    later = date(2026, 4, 20)
    (supplementary,) = issue_emp_documents(connection, as_of=later)
    row = connection.execute(
        """select invoice_number, document_type, issue_date, due_date, invoiced_month, cdr_count, net_amount, vat_amount, gross_amount
           from emobility.emp_invoices where issue_date = ?""",
        [later],
    ).fetchall()
    # 5.00 + 0.95 = 5.95; due 20 April + 14 days.
    assert row == [("2604200001-DE-AAA", "invoice", later, date(2026, 5, 4), JAN, 1, D("5.00"), D("0.95"), D("5.95"))]
    assert invoiced_cdrs(connection)["2604200001-DE-AAA"] == ["CDR-LATE"]
    # The first January invoice is unchanged.
    assert connection.execute(
        "select * from emobility.emp_invoices where invoice_number <> '2604200001-DE-AAA' order by 1"
    ).fetchall() == before
    assert emp_documents_add_up(connection) == []

    # Once April has ended, the Bucharest session (local April) is invoiced on 1 May.
    (april,) = issue_emp_documents(connection, as_of=date(2026, 5, 1))
    assert april.invoice_number == "2605010001-RO-EMO"
    assert (april.key.company_id, april.key.invoiced_month, april.gross_amount) == ("VB-RO", APR, D("4.84"))
    assert april.cdr_ids == ("CDR-RO1",)
    assert emp_documents_add_up(connection) == []
    # Not-rated CDRs are never invoiced.
    assert not {"CDR-UNK", "CDR-TAX"} & {c for ids in invoiced_cdrs(connection).values() for c in ids}


def test_rating_in_small_chunks_gives_the_same_ledger(connection) -> None:
    result = rate_new_cdrs(connection, chunk_rows=2)  # 7 CDRs to rate: four chunks
    assert (result.rated, result.not_rated) == (5, 2)
    chunked = ratings(connection)
    chunked_components = components(connection)
    connection.execute("drop schema emobility cascade")
    rate_new_cdrs(connection)
    assert ratings(connection) == chunked
    assert components(connection) == chunked_components
    assert ratings_add_up(connection) == []
