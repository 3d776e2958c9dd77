"""`billing.partition_run` end to end on a small hand-made DuckDB warehouse, against figures computed by hand.

The warehouse has exactly the columns `billing.warehouse_io` and `billing.partition_run` read (schemas marts,
staging, reference; DECIMAL types as the marts' contracts and the seeds declare them). Excise, reactive-energy,
green-certificate and invoice-series reference rows are the project's seed CSVs; reference interest rates are
inserted here.

Portfolio (VB-RO bills in RON, VAT 21 % on the issue dates used; VB-BG in EUR, VAT 20 %):

* CT-RO-FIX, customer C-RO-1 (commercial), point MP-RO-FIX: FIX 0.500000 RON/kWh, ordered 1000 kWh ± 10 %,
  advances and deviation invoices (0.100000 RON/kWh), due "15d", grace advance 0 / regularisation 3 / penalty 0,
  reactive threshold tan φ 0.328684, penalties ROBOR3M + 2 % ACT/360.
  January: 800 kWh, 300 kvarh inductive, distribution fee 800 kWh × 0.12 = 96.00. February: 1050 kWh, fee 126.00.
* CT-RO-IDX, customer C-RO-2 (household), point MP-RO-IDX: INDEX, margin 0.050000 RON/kWh, due "10bd",
  penalties ECB_MRO + 1.5 % ACT/365. January: 150 / 200 / 250 kWh in the UTC hours 08, 09, 10 of 2026-01-10,
  day-ahead prices in quarter-hours (hour means 430, 500, -5 RON/MWh).
* CT-RO-TOU, customer C-RO-3 (commercial), point MP-RO-TOU: TOU day 0.600000 / night 0.400000, no due-date rule
  (payment terms 30 days), grace regularisation 5, fixed 8 % ACT/365. January: day 30 kWh, night 5.5 kWh.
* CT-BG-1, customer C-BG-1 (commercial), VB-BG: FIX 0.120000 EUR/kWh, due "15d". January: 1000 kWh.

Prices of the seeds used: RO excise commercial 2.541000 and household 5.082000 RON/MWh (2026); RO green
certificates 2026 provisional quota 0.4994 cert/MWh at 149.35 RON; BG excise commercial 1.02 EUR/MWh (2026).

Every line net is round_half_up(quantity × unit price, 2); the VAT of a group is round_half_up(taxable × rate, 2).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path

import duckdb
import pytest

from billing.late_payment import RatePeriod
from billing.partition_run import bill_company_month, penalize_company_month, reference_rate_periods
from billing.register import content_hash, verify_gapless

D = Decimal
SEEDS = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds"
LEDGER_TABLES = (
    "number_series", "issued_invoices", "invoice_documents", "invoice_lines", "invoice_vat_groups",
    "recalculation_values", "billing_exceptions",
)


def half_up(value: Decimal, places: str = "0.01") -> Decimal:
    return value.quantize(D(places), rounding=ROUND_HALF_UP)


def net(quantity: str, unit_price: str) -> Decimal:
    return half_up(D(quantity) * D(unit_price))


# --- the warehouse -------------------------------------------------------------------------------

DDL = """
create schema marts;
create schema staging;
create schema reference;

create table marts.dim_companies (company_id varchar, country_code varchar, market_timezone varchar);
create table marts.dim_customers (customer_id varchar, customer_class varchar);
create table marts.dim_contracts (
    contract_id varchar, addendum_number integer, company_id varchar, customer_id varchar, product_code varchar,
    energy_price_per_kwh decimal(18,6), currency varchar, ordered_monthly_kwh decimal(18,3), tolerance_pct decimal(18,2),
    valid_from date, valid_to date, invoice_language varchar, payment_terms_days integer
);
create table marts.fct_monthly_contract_consumption (
    contract_id varchar, consumption_month date, addendum_number integer, company_id varchar, customer_id varchar,
    ordered_kwh decimal(18,3), estimated_kwh decimal(18,3), recalculated_kwh decimal(18,3), total_kwh decimal(18,3),
    tolerance_pct decimal(18,2)
);
create table marts.fct_monthly_consumption (
    consumption_month date, metering_point_id varchar, company_id varchar, contract_id varchar,
    inductive_kvarh decimal(18,3), capacitive_kvarh decimal(18,3)
);
create table marts.fct_hourly_consumption (
    metering_point_id varchar, hour_start_utc timestamp with time zone, local_date date, tariff_zone varchar,
    energy_kwh decimal(18,3)
);
create table staging.stg_crm__contract_billing_settings (
    contract_id varchar, effective_from date, is_regulated_tariff boolean,
    day_price_per_kwh decimal(18,6), night_price_per_kwh decimal(18,6), peak_price_per_kwh decimal(18,6),
    has_advance_invoices boolean, advance_basis varchar, has_deviation_invoices boolean, deviation_price_per_kwh decimal(18,6),
    has_green_certificate_invoices boolean, due_date_rule varchar,
    grace_days_advance integer, grace_days_regularisation integer, grace_days_penalty integer,
    penalty_reference_rate varchar, penalty_margin_pct decimal(18,4), penalty_day_count varchar,
    reactive_threshold_tan_phi decimal(18,6), excise_exempt_share_pct decimal(18,2),
    intermediary_id varchar, intermediary_commission_pct decimal(18,2)
);
create table staging.stg_dso__network_fees (
    billing_month date, dso_id varchar, metering_point_id varchar, fee_code varchar, quantity decimal(18,3),
    unit varchar, unit_price decimal(18,6), amount decimal(18,2), currency varchar
);
create table staging.stg_power_exchange__day_ahead_prices (
    market_code varchar, period_start_utc timestamp with time zone, period_minutes integer, price_per_mwh decimal(18,2),
    currency varchar
);
create table staging.stg_crm__customer_estimates (
    contract_id varchar, estimate_month date, estimated_kwh decimal(18,3), submitted_on date, channel varchar
);
create table reference.reference_interest_rates (rate_code varchar, valid_from date, rate_pct decimal(9,4));
"""

SEED_TABLES = {
    "excise_rates": "{'country_code': 'VARCHAR', 'customer_class': 'VARCHAR', 'valid_from': 'DATE', 'valid_to': 'DATE', "
    "'rate_per_mwh': 'DECIMAL(18,6)', 'currency': 'VARCHAR', 'exempt_share_pct': 'DECIMAL(9,4)', 'legal_basis': 'VARCHAR'}",
    "reactive_energy_prices": "{'market_code': 'VARCHAR', 'valid_from': 'DATE', 'valid_to': 'DATE', "
    "'price_per_kvarh': 'DECIMAL(18,6)', 'currency': 'VARCHAR'}",
    "green_certificate_quotas": "{'market_code': 'VARCHAR', 'year': 'INTEGER', 'provisional_quota_gc_per_mwh': 'DECIMAL(18,6)', "
    "'final_quota_gc_per_mwh': 'DECIMAL(18,6)', 'final_quota_published_on': 'DATE', 'certificate_price': 'DECIMAL(18,6)', "
    "'currency': 'VARCHAR'}",
    "invoice_series": "{'company_id': 'VARCHAR', 'series': 'VARCHAR', 'prefix': 'VARCHAR', 'digits': 'INTEGER', 'first_number': 'BIGINT'}",
}

SETTINGS_COLUMNS = 22
# contract, from, regulated, day, night, peak, advance, basis, deviation, deviation price, gc, due rule,
# grace advance / regularisation / penalty, reference rate, margin, day count, tan φ, excise exempt, intermediary, commission
SETTINGS = [
    ("CT-RO-FIX", "2025-01-01", False, None, None, None, True, "ordered", True, "0.100000", False, "15d",
     0, 3, 0, "ROBOR3M", "2.0000", "ACT/360", "0.328684", "0.00", None, None),
    ("CT-RO-IDX", "2025-01-01", False, None, None, None, False, None, False, None, False, "10bd",
     0, 0, 0, "ECB_MRO", "1.5000", "ACT/365", None, "0.00", None, None),
    ("CT-RO-TOU", "2025-01-01", False, "0.600000", "0.400000", None, False, None, False, None, False, None,
     0, 5, 0, "fixed", "8.0000", "ACT/365", None, "0.00", None, None),
    ("CT-BG-1", "2026-01-01", False, None, None, None, False, None, False, None, False, "15d",
     0, 0, 0, "BIR", "3.0000", "ACT/360", None, "0.00", None, None),
]

# rate code, valid from, rate % (ROBOR3M and BIR as in the seed; the ECB_MRO row of 2026-03-11 is hypothetical,
# and so is the BIR row of 2026-02-01: the BNB published no BIR after 2025, such a row must be ignored)
INTEREST_RATES = [
    ("ROBOR3M", "2026-01-01", "6.1000"), ("ROBOR3M", "2026-02-01", "5.9100"), ("ROBOR3M", "2026-03-01", "5.8700"),
    ("ROBOR3M", "2026-04-01", "5.8500"), ("ROBOR3M", "2026-05-01", "5.8500"),
    ("BIR", "2025-11-01", "1.8100"), ("BIR", "2025-12-01", "1.8100"), ("BIR", "2026-02-01", "9.9900"),
    ("ECB_MRO", "2025-04-23", "2.4000"), ("ECB_MRO", "2025-06-11", "2.1500"), ("ECB_MRO", "2026-03-11", "2.0000"),
]


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def quarter_hours(hour: str, prices: list[str]) -> list[tuple]:
    start = utc(hour)
    return [("RO", start + timedelta(minutes=15 * i), 15, D(price), "RON") for i, price in enumerate(prices)]


def build_warehouse(path: Path) -> None:
    con = duckdb.connect(str(path))
    try:
        con.execute(DDL)
        for name, columns in SEED_TABLES.items():
            con.execute(f"create table reference.{name} as select * from read_csv('{SEEDS / (name + '.csv')}', header = true, columns = {columns})")
        con.executemany("insert into reference.reference_interest_rates values (?, ?, ?)", [[c, f, D(r)] for c, f, r in INTEREST_RATES])
        con.executemany("insert into marts.dim_companies values (?, ?, ?)", [["VB-RO", "RO", "Europe/Bucharest"], ["VB-BG", "BG", "Europe/Sofia"]])
        con.executemany(
            "insert into marts.dim_customers values (?, ?)",
            [["C-RO-1", "commercial"], ["C-RO-2", "household"], ["C-RO-3", "commercial"], ["C-BG-1", "commercial"]],
        )
        con.executemany(
            "insert into marts.dim_contracts values (?, 0, ?, ?, ?, ?, ?, ?, ?, ?, null, ?, ?)",
            [
                ["CT-RO-FIX", "VB-RO", "C-RO-1", "FIX", D("0.500000"), "RON", D("1000.000"), D("10.00"), "2025-01-01", "ro", 15],
                ["CT-RO-IDX", "VB-RO", "C-RO-2", "INDEX", D("0.050000"), "RON", D("600.000"), D("5.00"), "2025-01-01", "ro", 30],
                ["CT-RO-TOU", "VB-RO", "C-RO-3", "TOU", D("0.550000"), "RON", D("40.000"), D("10.00"), "2025-01-01", "en", 30],
                ["CT-BG-1", "VB-BG", "C-BG-1", "FIX", D("0.120000"), "EUR", D("1000.000"), D("10.00"), "2026-01-01", "bg", 15],
            ],
        )
        # contract, month, company, customer, ordered, total, tolerance
        months = [
            ("CT-RO-FIX", "2026-01-01", "VB-RO", "C-RO-1", "1000.000", "800.000", "10.00"),
            ("CT-RO-IDX", "2026-01-01", "VB-RO", "C-RO-2", "600.000", "600.000", "5.00"),
            ("CT-RO-TOU", "2026-01-01", "VB-RO", "C-RO-3", "40.000", "35.500", "10.00"),
            ("CT-BG-1", "2026-01-01", "VB-BG", "C-BG-1", "1000.000", "1000.000", "10.00"),
            ("CT-RO-FIX", "2026-02-01", "VB-RO", "C-RO-1", "1000.000", "1050.000", "10.00"),
        ]
        con.executemany(
            "insert into marts.fct_monthly_contract_consumption values (?, ?, 0, ?, ?, ?, 0, 0, ?, ?)",
            [[c, m, co, cu, D(o), D(t), D(tol)] for c, m, co, cu, o, t, tol in months],
        )
        points = {"CT-RO-FIX": "MP-RO-FIX", "CT-RO-IDX": "MP-RO-IDX", "CT-RO-TOU": "MP-RO-TOU", "CT-BG-1": "MP-BG-1"}
        con.executemany(
            "insert into marts.fct_monthly_consumption values (?, ?, ?, ?, ?, 0)",
            [[m, points[c], co, c, D("300.000") if (c, m) == ("CT-RO-FIX", "2026-01-01") else D("0.000")] for c, m, co, *_ in months],
        )
        hours = [
            # TOU, local Bucharest (UTC+2): 09:00 and 10:00 day, 02:00 night on 2026-01-12
            ("MP-RO-TOU", utc("2026-01-12T07:00"), "2026-01-12", "day", "10.000"),
            ("MP-RO-TOU", utc("2026-01-12T08:00"), "2026-01-12", "day", "20.000"),
            ("MP-RO-TOU", utc("2026-01-12T00:00"), "2026-01-12", "night", "5.500"),
            # INDEX: 10:00, 11:00, 12:00 local on 2026-01-10
            ("MP-RO-IDX", utc("2026-01-10T08:00"), "2026-01-10", "day", "150.000"),
            ("MP-RO-IDX", utc("2026-01-10T09:00"), "2026-01-10", "day", "200.000"),
            ("MP-RO-IDX", utc("2026-01-10T10:00"), "2026-01-10", "day", "250.000"),
        ]
        con.executemany("insert into marts.fct_hourly_consumption values (?, ?, ?, ?, ?)", [[p, h, d, z, D(k)] for p, h, d, z, k in hours])
        prices = (
            quarter_hours("2026-01-10T07:00", ["999", "999", "999", "999"])  # an hour nobody consumed in
            + quarter_hours("2026-01-10T08:00", ["400", "420", "440", "460"])  # mean 430
            + quarter_hours("2026-01-10T09:00", ["500", "500", "500", "500"])  # mean 500
            + quarter_hours("2026-01-10T10:00", ["-20", "-10", "0", "10"])  # mean -5
        )
        con.executemany("insert into staging.stg_power_exchange__day_ahead_prices values (?, ?, ?, ?, ?)", [list(p) for p in prices])
        con.executemany(
            "insert into staging.stg_dso__network_fees values (?, 'DSO-RO-1', 'MP-RO-FIX', 'distribution', ?, 'kWh', ?, ?, 'RON')",
            [["2026-01-01", D("800.000"), D("0.120000"), D("96.00")], ["2026-02-01", D("1050.000"), D("0.120000"), D("126.00")]],
        )
        con.executemany(
            f"insert into staging.stg_crm__contract_billing_settings values ({', '.join(['?'] * SETTINGS_COLUMNS)})",
            [[D(v) if isinstance(v, str) and v[:1].isdigit() and "." in v else v for v in row] for row in SETTINGS],
        )
    finally:
        con.close()


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    path = tmp_path / "warehouse.duckdb"
    build_warehouse(path)
    return path


@pytest.fixture
def con(warehouse: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect(str(warehouse))
    yield connection
    connection.close()


# --- reading the ledger ---------------------------------------------------------------------------


def counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    return {table: con.execute(f"select count(*) from billing.{table}").fetchone()[0] for table in LEDGER_TABLES}


def issued(con: duckdb.DuckDBPyConnection, company: str) -> list[tuple[str, str]]:
    """(invoice_key, invoice_number) in number order."""
    return con.execute(
        "select invoice_key, invoice_number from billing.issued_invoices where company_id = ? order by sequence_number", [company]
    ).fetchall()


def document(con: duckdb.DuckDBPyConnection, company: str, key: str) -> dict:
    cursor = con.execute("select * from billing.invoice_documents where company_id = ? and invoice_key = ?", [company, key])
    names = [c[0] for c in cursor.description]
    rows = cursor.fetchall()
    assert len(rows) == 1, f"{key}: {len(rows)} documents"
    return dict(zip(names, rows[0]))


def lines(con: duckdb.DuckDBPyConnection, company: str, number: str) -> list[tuple]:
    return con.execute(
        "select charge_type, quantity, unit_price, net_amount, vat_category, vat_rate_pct, metering_point_id, charged_invoice_number "
        "from billing.invoice_lines where company_id = ? and invoice_number = ? order by line_number",
        [company, number],
    ).fetchall()


def vat_groups(con: duckdb.DuckDBPyConnection, company: str, number: str) -> list[tuple]:
    return con.execute(
        "select vat_category, vat_rate_pct, taxable_amount, vat_amount, prepaid_taxable_amount, prepaid_vat_amount, "
        "net_taxable_amount, net_vat_amount from billing.invoice_vat_groups where company_id = ? and invoice_number = ?",
        [company, number],
    ).fetchall()


def line(charge_type: str, quantity: str, unit_price: str, vat: str = "21", point: str | None = None) -> tuple:
    return (charge_type, D(quantity), D(unit_price), net(quantity, unit_price), "S", D(vat), point, None)


def assert_document(con, company, key, *, number, kind, due, grace, expected_lines, vat_pct="21", prepaid=D("0.00"),
                    line_total, vat_total, total, amount_due):
    doc = document(con, company, key)
    assert doc["invoice_number"] == number
    assert doc["invoice_type"] == kind
    assert doc["due_date"] == due, f"{key}: due {doc['due_date']}, expected {due}"
    assert doc["grace_days"] == grace
    got = lines(con, company, number)
    assert [(g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7]) for g in got] == expected_lines
    # the hand totals: line total = Σ line nets; VAT rounded once on the group
    assert line_total == sum(entry[3] for entry in expected_lines)
    assert vat_total == half_up(line_total * D(vat_pct) / 100)
    assert total == line_total + vat_total
    assert amount_due == total - prepaid
    assert (doc["line_total"], doc["vat_total"], doc["total_with_vat"], doc["prepaid_amount"], doc["amount_due"]) == (
        line_total, vat_total, total, prepaid, amount_due,
    )
    return doc


# --- expected documents of January (issued 2026-02-05, VAT 21 %) ------------------------------------

FIX_JAN_LINES = [
    line("energy", "800.000", "0.500000"),  # 400.00
    line("network_fee", "800.000", "0.120000", point="MP-RO-FIX"),  # 96.00
    # 300 − 0.328684 × 800 = 37.0528 → 37.053 kvarh × 0.2968 = 10.9973... → 11.00
    line("reactive_energy", "37.053", "0.296800"),
    line("excise", "0.800000", "2.541000"),  # 2.0328 → 2.03
    line("green_certificates", "0.399520", "149.350000"),  # 0.8 MWh × 0.4994 = 0.39952 cert → 59.668312 → 59.67
]
FIX_JAN = dict(line_total=D("568.70"), vat_total=D("119.43"), total=D("688.13"), amount_due=D("688.13"))

ADVANCE_LINES = [
    line("energy", "1000.000", "0.500000"),  # 500.00
    line("excise", "1.000000", "2.541000"),  # 2.541 → 2.54
    line("green_certificates", "0.499400", "149.350000"),  # 74.58539 → 74.59
]
ADVANCE = dict(line_total=D("577.13"), vat_total=D("121.20"), total=D("698.33"), amount_due=D("698.33"))

DEVIATION_JAN_LINES = [line("deviation", "100.000", "0.100000")]  # band 900–1100, 800 is 100 below: 10.00
DEVIATION_JAN = dict(line_total=D("10.00"), vat_total=D("2.10"), total=D("12.10"), amount_due=D("12.10"))

# INDEX: C = 150 × (0.430 + 0.05) + 200 × (0.500 + 0.05) + 250 × (−0.005 + 0.05) = 72 + 110 + 11.25 = 193.25;
# average = 193.25 / 600 = 0.3220833… → 0.322083; net 600 × 0.322083 = 193.2498 → 193.25
IDX_JAN_LINES = [
    line("energy", "600.000", "0.322083"),
    line("excise", "0.600000", "5.082000"),  # household 5.082 × 0.6 = 3.0492 → 3.05
    line("green_certificates", "0.299640", "149.350000"),  # 44.751234 → 44.75
]
IDX_JAN = dict(line_total=D("241.05"), vat_total=D("50.62"), total=D("291.67"), amount_due=D("291.67"))

TOU_JAN_LINES = [
    line("energy", "30.000", "0.600000"),  # day 18.00
    line("energy", "5.500", "0.400000"),  # night 2.20
    line("excise", "0.035500", "2.541000"),  # 0.0902055 → 0.09
    line("green_certificates", "0.017729", "149.350000"),  # 0.0355 × 0.4994 = 0.0177287 → 0.017729 cert; 2.6477… → 2.65
]
TOU_JAN = dict(line_total=D("22.94"), vat_total=D("4.82"), total=D("27.76"), amount_due=D("27.76"))

# issue 2026-02-05 (Thursday): "15d" → 2026-02-20 (Friday); "10bd" → the 10th RO working day after it, 2026-02-19;
# TOU has no rule: its 30 payment days give 2026-03-07, a Saturday, rolled to Monday 2026-03-09
JAN_NUMBERS = [
    ("advance/2026-02/CT-RO-FIX", "VBR00000001"),
    ("deviation/2026-01/CT-RO-FIX", "VBR00000002"),
    ("regularisation/2026-01/CT-RO-FIX", "VBR00000003"),
    ("regularisation/2026-01/CT-RO-IDX", "VBR00000004"),
    ("regularisation/2026-01/CT-RO-TOU", "VBR00000005"),
]


def assert_january(con) -> None:
    assert_document(con, "VB-RO", "advance/2026-02/CT-RO-FIX", number="VBR00000001", kind="advance", due=date(2026, 2, 20), grace=0,
                    expected_lines=ADVANCE_LINES, **ADVANCE)
    assert_document(con, "VB-RO", "deviation/2026-01/CT-RO-FIX", number="VBR00000002", kind="deviation", due=date(2026, 2, 20), grace=3,
                    expected_lines=DEVIATION_JAN_LINES, **DEVIATION_JAN)
    reg = assert_document(con, "VB-RO", "regularisation/2026-01/CT-RO-FIX", number="VBR00000003", kind="regularisation",
                          due=date(2026, 2, 20), grace=3, expected_lines=FIX_JAN_LINES, **FIX_JAN)
    assert reg["consumption_type"] == "achieved" and reg["energy_kwh"] == D("800.000")
    assert reg["issue_date"] == date(2026, 2, 5)
    assert_document(con, "VB-RO", "regularisation/2026-01/CT-RO-IDX", number="VBR00000004", kind="regularisation",
                    due=date(2026, 2, 19), grace=0, expected_lines=IDX_JAN_LINES, **IDX_JAN)
    assert_document(con, "VB-RO", "regularisation/2026-01/CT-RO-TOU", number="VBR00000005", kind="regularisation",
                    due=date(2026, 3, 9), grace=5, expected_lines=TOU_JAN_LINES, **TOU_JAN)
    assert vat_groups(con, "VB-RO", "VBR00000003") == [
        ("S", D("21.00"), D("568.70"), D("119.43"), D("0.00"), D("0.00"), D("568.70"), D("119.43"))
    ]
    assert vat_groups(con, "VB-RO", "VBR00000001") == [
        ("S", D("21.00"), D("577.13"), D("121.20"), D("0.00"), D("0.00"), D("577.13"), D("121.20"))
    ]


# --- 1. January ---------------------------------------------------------------------------------------


def test_january_issues_regularisations_deviation_and_next_advance_gaplessly(con):
    result = bill_company_month(con, "VB-RO", "2026-01", 5)

    assert result.exceptions == []
    assert dict(result.outcomes) == {"issued": 5}
    assert issued(con, "VB-RO") == JAN_NUMBERS
    assert verify_gapless(con, "VB-RO", "VBR") == []
    assert_january(con)
    assert counts(con)["invoice_documents"] == 5
    assert counts(con)["invoice_lines"] == 3 + 1 + 5 + 3 + 4
    assert counts(con)["invoice_vat_groups"] == 5
    # VB-BG is not billed by VB-RO's partition
    assert con.execute("select count(*) from billing.issued_invoices where company_id = 'VB-BG'").fetchone()[0] == 0


def test_bulgarian_company_numbers_in_its_own_ten_digit_series(con):
    result = bill_company_month(con, "VB-BG", "2026-01", 5)

    assert result.exceptions == [] and dict(result.outcomes) == {"issued": 1}
    assert issued(con, "VB-BG") == [("regularisation/2026-01/CT-BG-1", "0000000001")]
    assert verify_gapless(con, "VB-BG", "BG") == []
    assert_document(
        con, "VB-BG", "regularisation/2026-01/CT-BG-1", number="0000000001", kind="regularisation", due=date(2026, 2, 20), grace=0,
        expected_lines=[line("energy", "1000.000", "0.120000", vat="20"), line("excise", "1.000000", "1.020000", vat="20")],
        vat_pct="20", line_total=D("121.02"), vat_total=D("24.20"), total=D("145.22"), amount_due=D("145.22"),
    )


# --- 2. February deducts the advance ---------------------------------------------------------------


def test_february_deducts_the_february_advance(con):
    bill_company_month(con, "VB-RO", "2026-01", 5)
    result = bill_company_month(con, "VB-RO", "2026-02", 5)

    assert result.exceptions == []
    assert dict(result.outcomes) == {"issued": 2}  # only CT-RO-FIX has February consumption
    assert issued(con, "VB-RO")[5:] == [
        ("advance/2026-03/CT-RO-FIX", "VBR00000006"),
        ("regularisation/2026-02/CT-RO-FIX", "VBR00000007"),
    ]
    assert verify_gapless(con, "VB-RO", "VBR") == []
    advance = document(con, "VB-RO", "advance/2026-02/CT-RO-FIX")
    # issued 2026-03-05 (Thursday) + 15 days = 2026-03-20 (Friday); 1050 kWh is inside 900–1100: no deviation
    reg = assert_document(
        con, "VB-RO", "regularisation/2026-02/CT-RO-FIX", number="VBR00000007", kind="regularisation", due=date(2026, 3, 20), grace=3,
        expected_lines=[
            line("energy", "1050.000", "0.500000"),  # 525.00
            line("network_fee", "1050.000", "0.120000", point="MP-RO-FIX"),  # 126.00 (no reactive energy in February)
            line("excise", "1.050000", "2.541000"),  # 2.66805 → 2.67
            line("green_certificates", "0.524370", "149.350000"),  # 78.3146595 → 78.31
        ],
        prepaid=advance["total_with_vat"],
        line_total=D("731.98"), vat_total=D("153.72"), total=D("885.70"), amount_due=D("187.37"),  # 885.70 − 698.33
    )
    assert advance["total_with_vat"] == D("698.33")
    assert reg["prepaid_invoice_refs"] == ["VBR00000001"]
    assert vat_groups(con, "VB-RO", "VBR00000007") == [
        ("S", D("21.00"), D("731.98"), D("153.72"), D("577.13"), D("121.20"), D("154.85"), D("32.52"))
    ]
    assert_document(con, "VB-RO", "advance/2026-03/CT-RO-FIX", number="VBR00000006", kind="advance", due=date(2026, 3, 20), grace=0,
                    expected_lines=ADVANCE_LINES, **ADVANCE)
    assert sum(dict(result.amount_due_by_currency).values()) == D("187.37") + D("698.33")


# --- 3. rerunning changes nothing --------------------------------------------------------------------


def test_rerunning_a_month_reuses_every_document_and_writes_nothing(con):
    bill_company_month(con, "VB-RO", "2026-01", 5)
    before = counts(con)
    again = bill_company_month(con, "VB-RO", "2026-01", 5)
    assert dict(again.outcomes) == {"reused": 5} and again.exceptions == []
    assert counts(con) == before

    bill_company_month(con, "VB-RO", "2026-02", 5)
    before = counts(con)
    numbers = issued(con, "VB-RO")

    again_jan = bill_company_month(con, "VB-RO", "2026-01", 5)
    again_feb = bill_company_month(con, "VB-RO", "2026-02", 5)

    # once February's regularisation is issued, January's rerun no longer plans the February advance (by design)
    assert dict(again_jan.outcomes) == {"reused": 4}
    assert dict(again_feb.outcomes) == {"reused": 2}
    assert again_jan.exceptions == [] and again_feb.exceptions == []
    assert counts(con) == before
    assert issued(con, "VB-RO") == numbers
    assert verify_gapless(con, "VB-RO", "VBR") == []
    assert_january(con)


# --- 4. two concurrent runs of the same partition -----------------------------------------------------


def test_two_concurrent_runs_of_a_new_month_issue_each_document_once(warehouse):
    first = duckdb.connect(str(warehouse))
    bill_company_month(first, "VB-RO", "2026-01", 5)
    first.close()

    barrier = threading.Barrier(2)
    results, errors = [], []

    def run() -> None:
        connection = duckdb.connect(str(warehouse))
        try:
            barrier.wait()
            results.append(bill_company_month(connection, "VB-RO", "2026-02", 5))
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert len(results) == 2

    con = duckdb.connect(str(warehouse))
    try:
        assert sum(r.outcomes.get("issued", 0) for r in results) == 2
        assert con.execute(
            "select invoice_key, count(*) from billing.issued_invoices group by invoice_key having count(*) > 1"
        ).fetchall() == []
        assert issued(con, "VB-RO")[5:] == [
            ("advance/2026-03/CT-RO-FIX", "VBR00000006"),
            ("regularisation/2026-02/CT-RO-FIX", "VBR00000007"),
        ]
        assert verify_gapless(con, "VB-RO", "VBR") == []
        assert con.execute(
            "select company_id, invoice_number, count(*) from billing.invoice_documents group by all having count(*) > 1"
        ).fetchall() == []
        assert con.execute(
            "select company_id, invoice_number, line_number, count(*) from billing.invoice_lines group by all having count(*) > 1"
        ).fetchall() == []
        assert counts(con)["invoice_documents"] == 7
        assert document(con, "VB-RO", "regularisation/2026-02/CT-RO-FIX")["amount_due"] == D("187.37")
    finally:
        con.close()


# --- 5. consumption changed after the regularisation was issued -----------------------------------------


def test_changed_consumption_after_issue_gives_a_recalculation_correction(con):
    bill_company_month(con, "VB-RO", "2026-01", 5)
    # the DSO corrects January: 20 kWh more, recalculated
    con.execute(
        "update marts.fct_monthly_contract_consumption set total_kwh = 820.000, recalculated_kwh = 20.000 "
        "where contract_id = 'CT-RO-FIX' and consumption_month = '2026-01-01'"
    )
    result = bill_company_month(con, "VB-RO", "2026-01", 5)

    assert result.exceptions == []
    keys = [key for key, _ in issued(con, "VB-RO")]
    assert keys.count("regularisation/2026-01/CT-RO-FIX") == 1  # no new regularisation
    recalculations = [(k, n) for k, n in issued(con, "VB-RO") if k.startswith("recalculation/2026-01/CT-RO-FIX/")]
    assert len(recalculations) == 1
    key, number = recalculations[0]
    revision = key.rsplit("/", 1)[1]

    # the full price of 820 kWh (issue date still 2026-02-05: VAT 21 %)
    recalculated_lines = [
        line("energy", "820.000", "0.500000"),  # 410.00
        line("network_fee", "800.000", "0.120000", point="MP-RO-FIX"),  # the DSO's fee as delivered: 96.00
        line("reactive_energy", "30.479", "0.296800"),  # 300 − 0.328684 × 820 = 30.47912 → 30.479; 9.0461672 → 9.05
        line("excise", "0.820000", "2.541000"),  # 2.08362 → 2.08
        line("green_certificates", "0.409508", "149.350000"),  # 61.1600198 → 61.16
    ]
    billed = document(con, "VB-RO", "regularisation/2026-01/CT-RO-FIX")["amount_due"]
    assert billed == D("688.13")
    correction = assert_document(
        con, "VB-RO", key, number=number, kind="regularisation", due=date(2026, 2, 20), grace=3,
        expected_lines=recalculated_lines, prepaid=billed,
        line_total=D("578.29"), vat_total=D("121.44"), total=D("699.73"), amount_due=D("11.60"),  # 699.73 − 688.13
    )
    assert correction["corrects_invoice_number"] == "VBR00000003"
    assert correction["consumption_type"] == "recalculated" and correction["energy_kwh"] == D("820.000")
    stored = con.execute(
        "select description, quantity, unit, unit_price, vat_category, vat_rate_pct, net_amount from billing.invoice_lines "
        "where company_id = 'VB-RO' and invoice_number = ?", [number]
    ).fetchall()
    names = ("description", "quantity", "unit", "unit_price", "vat_category", "vat_rate_pct", "net_amount")
    assert revision == content_hash([dict(zip(names, row)) for row in stored])[:12]

    values = con.execute(
        "select customer_id, billing_period, revision, currency, recalculated_kwh, billed_amount, recalculated_amount, difference, "
        "correction_invoice_number from billing.recalculation_values where company_id = 'VB-RO' and contract_id = 'CT-RO-FIX'"
    ).fetchall()
    assert values == [("C-RO-1", "2026-01", revision, "RON", D("820.000"), D("688.13"), D("699.73"), D("11.60"), number)]

    # the deviation changed too (820 is 80 kWh below the band: 8.00 + 1.68 VAT): credited in full and issued again
    credit = document(con, "VB-RO", "credit/VBR00000002")
    assert credit["invoice_type"] == "credit_note" and credit["corrects_invoice_number"] == "VBR00000002"
    assert credit["amount_due"] == D("-12.10")
    revised = [k for k in keys if k.startswith("deviation/2026-01/CT-RO-FIX/")]
    assert len(revised) == 1
    assert document(con, "VB-RO", revised[0])["amount_due"] == D("9.68")
    assert verify_gapless(con, "VB-RO", "VBR") == []
    assert len(keys) == 5 + 3

    # a rerun with the same corrected consumption issues nothing more
    before = counts(con)
    again = bill_company_month(con, "VB-RO", "2026-01", 5)
    assert again.exceptions == []
    assert "issued" not in again.outcomes
    assert counts(con) == before


# --- 6. an INDEX month without a day-ahead price ---------------------------------------------------------


def test_index_hours_without_a_day_ahead_price_are_an_exception_and_the_rest_is_billed(con):
    con.execute("delete from staging.stg_power_exchange__day_ahead_prices where period_start_utc >= ?", [utc("2026-01-10T10:00")])
    result = bill_company_month(con, "VB-RO", "2026-01", 5)

    reason = "no day-ahead price for 1 hour(s) of the INDEX month, e.g. 2026-01-10T10:00:00+00:00"
    assert [(e.contract_id, e.reason) for e in result.exceptions] == [("CT-RO-IDX", reason)]
    assert con.execute(
        "select company_id, billing_period, contract_id, customer_id, document_kind, reason from billing.billing_exceptions"
    ).fetchall() == [("VB-RO", "2026-01", "CT-RO-IDX", "C-RO-2", "invoices", reason)]
    assert issued(con, "VB-RO") == [
        ("advance/2026-02/CT-RO-FIX", "VBR00000001"),
        ("deviation/2026-01/CT-RO-FIX", "VBR00000002"),
        ("regularisation/2026-01/CT-RO-FIX", "VBR00000003"),
        ("regularisation/2026-01/CT-RO-TOU", "VBR00000004"),
    ]
    assert verify_gapless(con, "VB-RO", "VBR") == []
    assert document(con, "VB-RO", "regularisation/2026-01/CT-RO-FIX")["amount_due"] == D("688.13")
    assert document(con, "VB-RO", "regularisation/2026-01/CT-RO-TOU")["amount_due"] == D("27.76")

    # the price arrives: the rerun bills the contract and clears the exception
    con.executemany(
        "insert into staging.stg_power_exchange__day_ahead_prices values (?, ?, ?, ?, ?)",
        [list(p) for p in quarter_hours("2026-01-10T10:00", ["-20", "-10", "0", "10"])],
    )
    rerun = bill_company_month(con, "VB-RO", "2026-01", 5)
    assert rerun.exceptions == []
    assert con.execute("select count(*) from billing.billing_exceptions").fetchone()[0] == 0
    assert issued(con, "VB-RO")[-1] == ("regularisation/2026-01/CT-RO-IDX", "VBR00000005")
    assert document(con, "VB-RO", "regularisation/2026-01/CT-RO-IDX")["amount_due"] == D("291.67")


# --- 7. penalties ------------------------------------------------------------------------------------------

ROBOR3M = [(date(2026, 1, 1), D("6.10")), (date(2026, 2, 1), D("5.91")), (date(2026, 3, 1), D("5.87")),
           (date(2026, 4, 1), D("5.85")), (date(2026, 5, 1), D("5.85"))]


def robor_on(day: date) -> Decimal:
    return [rate for start, rate in ROBOR3M if start <= day][-1]


def interest_by_hand(gross: Decimal, first_day: date, payments: list[tuple[date, Decimal]], as_of: date) -> Fraction:
    """Σ over the days first_day..as_of of unpaid × (ROBOR3M + 2) / 100 / 360; a payment still bears interest on its day."""
    total = Fraction(0)
    day = first_day
    while day <= as_of:
        paid_before = sum((amount for paid_on, amount in payments if paid_on < day), D(0))
        principal = max(gross - paid_before, D(0))
        total += Fraction(principal) * Fraction(robor_on(day) + D(2)) / 100 / 360
        day += timedelta(days=1)
    return total


def round_fraction_half_up(value: Fraction) -> Decimal:
    cents = value * 100
    return D(int(cents + Fraction(1, 2)) if cents >= 0 else -int(-cents + Fraction(1, 2))) / 100


def pay(con, rows: list[tuple[str, str, str, str]]) -> None:
    """(invoice number, customer, value date, amount)."""
    con.executemany(
        "insert into billing.payment_allocations values (?, 1, 1, 'VB-RO', ?, ?, ?, ?, 'RON', ?, 'reference', ?)",
        [[f"ST-{i}", customer, number, value, value, D(amount), datetime(2026, 3, 31, tzinfo=UTC)]
         for i, (number, customer, value, amount) in enumerate(rows, start=1)],
    )


def test_late_partial_payment_is_charged_interest_once_and_then_only_the_increase(con):
    bill_company_month(con, "VB-RO", "2026-01", 5)
    pay(con, [
        ("VBR00000001", "C-RO-1", "2026-02-20", "698.33"),  # advance paid on its due date (grace 0): no interest
        ("VBR00000002", "C-RO-1", "2026-02-23", "12.10"),  # deviation paid on due + 3 days of grace: no interest
        ("VBR00000003", "C-RO-1", "2026-03-02", "300.00"),  # regularisation 688.13: 300.00 late, the rest unpaid
        ("VBR00000004", "C-RO-2", "2026-02-19", "291.67"),  # on its due date
        ("VBR00000005", "C-RO-3", "2026-03-14", "27.76"),  # due 2026-03-09 + 5 days of grace: on time
    ])

    result = penalize_company_month(con, "VB-RO", "2026-03", 5, D("0.00"))  # billing day 2026-04-05

    assert result.exceptions == []
    assert dict(result.outcomes) == {"issued": 1}
    # interest from due 2026-02-20 + 3 grace + 1 = 2026-02-24: on 688.13 to the payment day 2026-03-02 included,
    # on 388.13 from 2026-03-03 to 2026-04-05; ROBOR3M 5.91 / 5.87 / 5.85 + 2 points, ACT/360
    payments = [(date(2026, 3, 2), D("300.00"))]
    march = round_fraction_half_up(interest_by_hand(D("688.13"), date(2026, 2, 24), payments, date(2026, 4, 5)))
    # the same by segments: 688.13 × 7.91 × 5 + 688.13 × 7.87 × 2 + 388.13 × 7.87 × 29 + 388.13 × 7.85 × 5, / 36000
    segments = (D("688.13") * D("7.91") * 5 + D("688.13") * D("7.87") * 2 + D("388.13") * D("7.87") * 29
                + D("388.13") * D("7.85") * 5) / 36000
    assert march == half_up(segments) == D("3.94")

    assert issued(con, "VB-RO")[-1] == ("penalty/2026-03/CT-RO-FIX", "VBR00000006")
    penalty = document(con, "VB-RO", "penalty/2026-03/CT-RO-FIX")
    assert penalty["invoice_type"] == "penalty"
    assert penalty["issue_date"] == date(2026, 4, 5)
    assert penalty["due_date"] == date(2026, 4, 20)  # 2026-04-05 + 15 days, a Monday
    assert penalty["grace_days"] == 0
    assert (penalty["line_total"], penalty["vat_total"], penalty["amount_due"]) == (march, D("0.00"), march)
    assert lines(con, "VB-RO", "VBR00000006") == [("penalty_interest", D("1"), march, march, "O", D("0"), None, "VBR00000003")]
    assert verify_gapless(con, "VB-RO", "VBR") == []

    # the same month again: nothing new
    before = counts(con)
    again = penalize_company_month(con, "VB-RO", "2026-03", 5, D("0.00"))
    assert dict(again.outcomes) == {"reused": 1} and again.exceptions == []
    assert counts(con) == before

    # the next month (billing day 2026-05-05) charges only the interest added since
    april_total = round_fraction_half_up(interest_by_hand(D("688.13"), date(2026, 2, 24), payments, date(2026, 5, 5)))
    added = april_total - march
    # 388.13 × 7.85 × 30 days (2026-04-06 .. 2026-05-05) / 36000 = 2.5389… on top of the exact March interest
    assert added == D("2.54")
    result = penalize_company_month(con, "VB-RO", "2026-04", 5, D("0.00"))
    assert dict(result.outcomes) == {"issued": 1}
    assert issued(con, "VB-RO")[-1] == ("penalty/2026-04/CT-RO-FIX", "VBR00000007")
    assert lines(con, "VB-RO", "VBR00000007") == [("penalty_interest", D("1"), added, added, "O", D("0"), None, "VBR00000003")]
    assert document(con, "VB-RO", "penalty/2026-04/CT-RO-FIX")["amount_due"] == added
    assert verify_gapless(con, "VB-RO", "VBR") == []


# --- 8. BIR continues as the ECB's main refinancing rate -----------------------------------------------------


def test_bir_continues_with_the_ecb_rate_from_2026(con):
    assert reference_rate_periods(con, "BIR") == [
        RatePeriod(date(2025, 11, 1), D("1.8100")),
        RatePeriod(date(2025, 12, 1), D("1.8100")),
        RatePeriod(date(2026, 1, 1), D("2.1500")),  # the ECB_MRO rate in force on 2026-01-01 (from 2025-06-11)
        RatePeriod(date(2026, 3, 11), D("2.0000")),  # a later ECB_MRO change; the stray BIR row of 2026-02-01 is ignored
    ]
    assert reference_rate_periods(con, "ROBOR3M") == [RatePeriod(start, rate) for start, rate in ROBOR3M]


def run_twice_at_once(path: Path, company: str, month: str) -> tuple[list, list[str]]:
    barrier = threading.Barrier(2)
    results, errors = [], []

    def run() -> None:
        connection = duckdb.connect(str(path))
        try:
            barrier.wait()
            results.append(bill_company_month(connection, company, month, 5))
        except BaseException as error:  # noqa: BLE001 - reported by the caller
            errors.append(f"{type(error).__name__}: {str(error).splitlines()[0]}")
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results, errors


@pytest.mark.parametrize("ledger_tables_exist", [True, False], ids=["series-not-configured-yet", "fresh-warehouse"])
def test_two_concurrent_runs_of_a_companys_first_month_both_succeed(tmp_path, monkeypatch, ledger_tables_exist):
    """The company's first partition, run twice at once, on a few fresh warehouses.

    Known failures: `configure_series` (via `ensure_series`) lets the loser's duplicate number_series insert escape
    as ConstraintException (its retry only catches TransactionException); on a warehouse without the ledger
    tables, `create_billing_ledger_tables` raises a catalog write-write TransactionException (not retried).
    """
    import billing.register as register
    from billing.ledger_tables import create_billing_ledger_tables

    # Force the interleaving two runs starting together may have: both find the series not configured, and
    # one of them inserts it (and commits) only a moment after the other did.
    original = register._series_row
    rendezvous = threading.Barrier(2, timeout=1)

    def series_row(connection, company_id, series):
        row = original(connection, company_id, series)
        if row is None:
            try:
                if rendezvous.wait() == 0:
                    time.sleep(0.3)
            except threading.BrokenBarrierError:
                rendezvous.reset()
        return row

    monkeypatch.setattr(register, "_series_row", series_row)
    failures = []
    for trial in range(3):
        path = tmp_path / f"w{trial}.duckdb"
        build_warehouse(path)
        if ledger_tables_exist:  # as the dbt asset leaves them before billing runs
            setup = duckdb.connect(str(path))
            create_billing_ledger_tables(setup)
            setup.close()
        results, errors = run_twice_at_once(path, "VB-RO", "2026-01")
        con = duckdb.connect(str(path))
        try:
            # whatever happened, the ledger stays sound
            assert issued(con, "VB-RO") == JAN_NUMBERS
            assert verify_gapless(con, "VB-RO", "VBR") == []
            assert counts(con)["invoice_documents"] == 5
        finally:
            con.close()
        if errors:
            failures.append((trial, errors))
        else:
            assert sorted(r.outcomes.get("issued", 0) for r in results) in ([0, 5], [1, 4], [2, 3])
    assert failures == [], f"a concurrent run of the company's first month crashed: {failures}"
