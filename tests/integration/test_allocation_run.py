"""The cost-allocation run and the reconciliation documents against a real DuckDB file, without dbt.

Plain tables named like the `staging.stg_allocation__*` views (with the columns the run reads) hold a
small Smart Cube site: the complex SC with buildings SC-B1 .. SC-B3 and their tenants. The invoices
received are the seed's example (seed 002: 200.00 CZK for 50 kWh in April, buildings with 25 and 20 kWh
get 100 and 80, 5 kWh = 20.00 is loss, the tenants of building 1 with 5, 8 and 12 kWh get 20, 32 and 48),
an overcharged March invoice, an invoice for May-June that has not ended on the run's date (priced from
the price list until it has), non-energy invoices, and two invoices the run cannot use. The
reconciliations: building 1 (Smart Cube: water, heating, non-energy) is produced, building 2 (Smart
Cube without heating) and building 3 (generic water, one tenant without a water meter) are not.
Every expected amount is worked out by hand in the comments.
"""

from __future__ import annotations

import subprocess
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from allocation.allocation_run import run_allocation
from allocation.ledger_checks import allocation_problems_in_sums
from invoice_rendering.reconciliation_run import render_reconciliation_documents

D = Decimal
AS_OF = date(2026, 6, 15)  # March and April have ended; the May-June invoice has not
YEAR = (date(2025, 1, 1), date(2025, 12, 31))  # the reconciliation period, 12 months
RECONCILIATION = "2025-01-01..2025-12-31"

STAGING_DDL = (
    "CREATE SCHEMA staging",
    """
    CREATE TABLE staging.stg_allocation__object_types (
        type_id VARCHAR, name VARCHAR, is_reconciliation_source BOOLEAN, is_reconciliation_target BOOLEAN,
        source_file VARCHAR, source_line BIGINT
    )
    """,
    """
    CREATE TABLE staging.stg_allocation__site_objects (
        object_id VARCHAR, parent_id VARCHAR, type_id VARCHAR, name VARCHAR, floor_area_m2 DECIMAL(18,2), currency VARCHAR,
        monthly_service_charge_advance DECIMAL(18,2), email VARCHAR, source_file VARCHAR, source_line BIGINT
    )
    """,
    """
    CREATE TABLE staging.stg_allocation__billing_meters (
        meter_id VARCHAR, object_id VARCHAR, energy_type VARCHAR, unit VARCHAR, is_invoiced BOOLEAN, source_file VARCHAR,
        source_line BIGINT
    )
    """,
    """
    CREATE TABLE staging.stg_allocation__meter_consumption (
        meter_id VARCHAR, period_start DATE, period_end DATE, quantity DECIMAL(18,3), is_complete BOOLEAN, source_file VARCHAR,
        source_line BIGINT
    )
    """,
    """
    CREATE TABLE staging.stg_allocation__received_invoices (
        invoice_id VARCHAR, category VARCHAR, is_energy BOOLEAN, meter_id VARCHAR, object_id VARCHAR, period_start DATE,
        period_end DATE, amount DECIMAL(18,2), consumption DECIMAL(18,3), unit VARCHAR, currency VARCHAR, note VARCHAR,
        alert_threshold_amount DECIMAL(18,2), source_file VARCHAR, source_line BIGINT
    )
    """,
    """
    CREATE TABLE staging.stg_allocation__price_lists (
        price_list_id VARCHAR, energy_type VARCHAR, object_id VARCHAR, valid_from DATE, valid_to DATE, unit_price DECIMAL(18,6),
        unit VARCHAR, currency VARCHAR, source_file VARCHAR, source_line BIGINT
    )
    """,
    """
    CREATE TABLE staging.stg_allocation__service_charge_reconciliations (
        spec_id VARCHAR, source_object_id VARCHAR, period_start DATE, period_end DATE, kind VARCHAR, name VARCHAR,
        cost DECIMAL(18,2), currency VARCHAR, consumption_share_pct DECIMAL(18,2), template VARCHAR, source_file VARCHAR,
        source_line BIGINT
    )
    """,
)

OBJECT_TYPES = [
    ("complex", "Complex", False, False),
    ("building", "Building", True, False),
    ("tenant", "Tenant", False, True),
]
# object_id, parent_id, type_id, name, floor area m², currency, monthly advance
OBJECTS = [
    ("SC", None, "complex", "Smart Cube", None, "CZK", None),
    ("SC-B1", "SC", "building", "Building A", None, "CZK", None),
    ("SC-B2", "SC", "building", "Building B", None, "CZK", None),
    ("SC-B3", "SC", "building", "Building C", None, "CZK", None),
    ("SC-B1-T1", "SC-B1", "tenant", "Pekárna U Mlýna", D("40.00"), "CZK", D("50.00")),
    ("SC-B1-T2", "SC-B1", "tenant", "Studio Světlo", D("25.50"), "CZK", D("200.00")),
    ("SC-B1-T3", "SC-B1", "tenant", "Zubní ordinace Úsměv", D("34.50"), "CZK", D("80.00")),
    ("SC-B2-T1", "SC-B2", "tenant", "Knihkupectví Oko", D("50.00"), "CZK", D("100.00")),
    ("SC-B2-T2", "SC-B2", "tenant", "Fitness Puls", D("60.00"), "CZK", D("100.00")),
    ("SC-B3-T1", "SC-B3", "tenant", "Optika Čirá", D("30.00"), "CZK", D("100.00")),
    ("SC-B3-T2", "SC-B3", "tenant", "Jóga studio Klid", D("20.00"), "CZK", D("100.00")),  # no water meter
]
UNITS = {"electricity": "kWh", "water": "m3", "heat": "GJ"}
METERS = [
    ("SC-EL", "SC", "electricity", True),
    ("SC-B1-EL", "SC-B1", "electricity", False),
    ("SC-B2-EL", "SC-B2", "electricity", False),
    *((f"SC-B1-T{n}-{suffix}", f"SC-B1-T{n}", energy, False) for n in (1, 2, 3) for suffix, energy in
      (("EL", "electricity"), ("WA", "water"), ("HT", "heat"))),
    ("SC-B2-T1-WA", "SC-B2-T1", "water", False),
    ("SC-B2-T2-WA", "SC-B2-T2", "water", False),
    ("SC-B3-T1-WA", "SC-B3-T1", "water", False),
]


def month(year: int, number: int) -> tuple[date, date]:
    end = date(year + number // 12, number % 12 + 1, 1).toordinal() - 1
    return date(year, number, 1), date.fromordinal(end)


JAN, MAR, APR, MAY, JUN = month(2026, 1), month(2026, 3), month(2026, 4), month(2026, 5), month(2026, 6)
READINGS = [
    ("SC-B1-EL", *JAN, D("40")),
    # March: the complex 60 kWh, the buildings 30 and 24 (6 kWh loss); no tenant reading
    ("SC-EL", *MAR, D("60")), ("SC-B1-EL", *MAR, D("30")), ("SC-B2-EL", *MAR, D("24")),
    # April, the seed's example: 50 kWh, buildings 25 and 20, building 1's tenants 5, 8 and 12
    ("SC-EL", *APR, D("50")), ("SC-B1-EL", *APR, D("25")), ("SC-B2-EL", *APR, D("20")),
    ("SC-B1-T1-EL", *APR, D("5")), ("SC-B1-T2-EL", *APR, D("8")), ("SC-B1-T3-EL", *APR, D("12")),
    # May (within the May-June invoice, which has not ended on AS_OF)
    ("SC-EL", *MAY, D("60")), ("SC-B1-EL", *MAY, D("30.5")), ("SC-B1-T1-EL", *MAY, D("7.25")),
    # the reconciliation year: water (m³) and heat (GJ) of the tenants
    ("SC-B1-T1-WA", *YEAR, D("12")), ("SC-B1-T2-WA", *YEAR, D("30.5")), ("SC-B1-T3-WA", *YEAR, D("7.5")),
    ("SC-B1-T1-HT", *YEAR, D("10")), ("SC-B1-T2-HT", *YEAR, D("20")), ("SC-B1-T3-HT", *YEAR, D("30")),
    ("SC-B2-T1-WA", *YEAR, D("40")), ("SC-B2-T2-WA", *YEAR, D("60")),
    ("SC-B3-T1-WA", *YEAR, D("25")),
]
JUNE_READINGS = [("SC-EL", *JUN, D("58")), ("SC-B1-EL", *JUN, D("29.5")), ("SC-B1-T1-EL", *JUN, D("6.75"))]
INVOICE_FILE = "received_invoices/2026.csv"
# invoice_id, category, meter, object, period, amount, consumption, unit, alert threshold
INVOICES = [
    # line 2: in MWh while the buildings' meters read kWh: the library refuses it when allocating
    ("INV-EL-2026-01", "electricity", "SC-EL", "SC", *JAN, D("400.00"), D("0.1"), "MWh", None),
    # line 3: an energy invoice without consumption: it cannot be allocated by consumption
    ("INV-EL-2026-02", "electricity", "SC-EL", "SC", date(2026, 2, 1), date(2026, 2, 28), D("100.00"), None, "kWh", None),
    # line 4: 300.00 above its alert amount of 250.00 (overcharged by 50.00)
    ("INV-EL-2026-03", "electricity", "SC-EL", "SC", *MAR, D("300.00"), D("60"), "kWh", D("250.00")),
    # line 5: the seed's example; at its alert amount exactly, which is not above it
    ("INV-EL-2026-04", "electricity", "SC-EL", "SC", *APR, D("200.00"), D("50"), "kWh", D("200.00")),
    # line 6: not energy: one expense row at the building
    ("TEL-SC-B1-2026-04", "telecommunication", None, "SC-B1", *APR, D("1234.56"), None, None, None),
    # line 7: May-June, ends after AS_OF: the price list prices what is metered within it until it has ended
    ("INV-EL-2026-05-06", "electricity", "SC-EL", "SC", MAY[0], JUN[1], D("500.00"), D("120"), "kWh", None),
    # line 8: not energy, June: not elapsed on AS_OF
    ("SAL-SC-B1-2026-06", "salaries", None, "SC-B1", *JUN, D("25000.00"), None, None, None),
]
PRICE_LISTS = [("PL-SC-EL", "electricity", "SC", date(2026, 1, 1), None, D("4.125"), "kWh", "CZK")]
# spec_id, source, kind, name, cost, consumption share %, template
SPECS = [
    ("RC-B1-W", "SC-B1", "water", "Water and sewage", D("1000.01"), None, "smart_cube"),
    ("RC-B1-H", "SC-B1", "heating", "Heating", D("2000.03"), D("60.00"), "smart_cube"),
    ("RC-B1-N", "SC-B1", "non_energy", "Cleaning", D("100.00"), None, "smart_cube"),
    ("RC-B2-W", "SC-B2", "water", "Water and sewage", D("500.00"), None, "smart_cube"),  # no heating row
    ("RC-B2-N", "SC-B2", "non_energy", "Cleaning", D("300.00"), None, "smart_cube"),
    ("RC-B3-W", "SC-B3", "water", "Water and sewage", D("400.00"), None, "generic"),  # SC-B3-T2 has no water meter
]


def insert_readings(con: duckdb.DuckDBPyConnection, readings: list[tuple], file: str) -> None:
    con.executemany(
        "INSERT INTO staging.stg_allocation__meter_consumption VALUES (?, ?, ?, ?, true, ?, ?)",
        [[meter, start, end, quantity, file, line] for line, (meter, start, end, quantity) in enumerate(readings, start=2)],
    )


def build(path: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path))
    for statement in STAGING_DDL:
        con.execute(statement)
    con.executemany("INSERT INTO staging.stg_allocation__object_types VALUES (?, ?, ?, ?, 'object_types.csv', ?)",
                    [[*row, line] for line, row in enumerate(OBJECT_TYPES, start=2)])
    con.executemany(
        "INSERT INTO staging.stg_allocation__site_objects VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'site_objects.csv', ?)",
        [[*row, f"{row[0].lower()}@tenants.example" if row[2] == "tenant" else None, line] for line, row in enumerate(OBJECTS, start=2)],
    )
    con.executemany(
        "INSERT INTO staging.stg_allocation__billing_meters VALUES (?, ?, ?, ?, ?, 'meters.csv', ?)",
        [[meter, obj, energy, UNITS[energy], invoiced, line] for line, (meter, obj, energy, invoiced) in enumerate(METERS, start=2)],
    )
    insert_readings(con, READINGS, "meter_consumption/readings.csv")
    con.executemany(
        "INSERT INTO staging.stg_allocation__received_invoices VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'CZK', '', ?, ?, ?)",
        [[i, cat, cat in UNITS or cat == "gas", meter, obj, start, end, amount, consumption, unit, threshold, INVOICE_FILE, line]
         for line, (i, cat, meter, obj, start, end, amount, consumption, unit, threshold) in enumerate(INVOICES, start=2)],
    )
    con.executemany("INSERT INTO staging.stg_allocation__price_lists VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'price_lists.csv', ?)",
                    [[*row, line] for line, row in enumerate(PRICE_LISTS, start=2)])
    con.executemany(
        "INSERT INTO staging.stg_allocation__service_charge_reconciliations VALUES (?, ?, ?, ?, ?, ?, ?, 'CZK', ?, ?, 'reconciliations.csv', ?)",
        [[spec, source, *YEAR, kind, name, cost, pct, template, line]
         for line, (spec, source, kind, name, cost, pct, template) in enumerate(SPECS, start=2)],
    )
    return con


@pytest.fixture
def con(tmp_path: Path):
    connection = build(tmp_path / "warehouse.duckdb")
    yield connection
    connection.close()


def costs(con: duckdb.DuckDBPyConnection) -> set[tuple]:
    """(object, category, start, end, consumption, unit, amount, basis, kind, invoice, price list) of every cost row."""
    rows = con.execute(
        "SELECT object_id, category, period_start, period_end, consumption, unit, amount, currency, basis, kind, invoice_id, "
        "price_list_id FROM allocation.energy_costs"
    ).fetchall()
    assert {row[7] for row in rows} == {"CZK"}
    result = {row[:7] + row[8:] for row in rows}
    assert len(result) == len(rows), "a cost row twice"
    return result


def elec(obj: str, period: tuple[date, date], kwh: str, amount: str, kind: str, invoice: str) -> tuple:
    return (obj, "electricity", *period, D(kwh), "kWh", D(amount), "invoice", kind, invoice, None)


MAY_JUN = (MAY[0], JUN[1])
# March: unit price 300.00 / 60 kWh = 5.00: SC-B1 30 × 5 = 150.00, SC-B2 24 × 5 = 120.00; loss 60 − 54 = 6 kWh,
# 300.00 − 270.00 = 30.00. Building 1's tenants read nothing in March: SC-B1 keeps its 150.00, no loss row below it.
MARCH = {
    elec("SC", MAR, "60", "300.00", "allocated", "INV-EL-2026-03"),
    elec("SC-B1", MAR, "30", "150.00", "allocated", "INV-EL-2026-03"),
    elec("SC-B2", MAR, "24", "120.00", "allocated", "INV-EL-2026-03"),
    elec("SC", MAR, "6", "30.00", "loss", "INV-EL-2026-03"),
}
# April (seed 002): 200.00 / 50 kWh = 4.00: SC-B1 25/50 × 200 = 100.00, SC-B2 20/50 × 200 = 80.00, the remaining
# 5 kWh = 20.00 loss under SC; SC-B1's tenants 5, 8, 12 kWh → 20.00, 32.00, 48.00 (25 kWh = SC-B1's: no loss under it).
# SC-B2's tenants have no electricity meter: SC-B2 keeps its 80.00.
APRIL = {
    elec("SC", APR, "50", "200.00", "allocated", "INV-EL-2026-04"),
    elec("SC-B1", APR, "25", "100.00", "allocated", "INV-EL-2026-04"),
    elec("SC-B2", APR, "20", "80.00", "allocated", "INV-EL-2026-04"),
    elec("SC", APR, "5", "20.00", "loss", "INV-EL-2026-04"),
    elec("SC-B1-T1", APR, "5", "20.00", "allocated", "INV-EL-2026-04"),
    elec("SC-B1-T2", APR, "8", "32.00", "allocated", "INV-EL-2026-04"),
    elec("SC-B1-T3", APR, "12", "48.00", "allocated", "INV-EL-2026-04"),
}
TELECOM = {("SC-B1", "telecommunication", *APR, None, None, D("1234.56"), "invoice", "expense", "TEL-SC-B1-2026-04", None)}
# May-June on AS_OF: the May readings at 4.125 CZK/kWh: SC 60 × 4.125 = 247.50; SC-B1 30.5 × 4.125 = 125.8125 → 125.81;
# SC-B1-T1 7.25 × 4.125 = 29.90625 → 29.91 (each object's own metered consumption, the invoice's 500.00 is not used).
ESTIMATED = {
    (obj, "electricity", *MAY, D(kwh), "kWh", D(amount), "price_list", "estimated", "INV-EL-2026-05-06", "PL-SC-EL")
    for obj, kwh, amount in (("SC", "60", "247.50"), ("SC-B1", "30.5", "125.81"), ("SC-B1-T1", "7.25", "29.91"))
}
# Once May-June has ended (and June is read: SC 58, SC-B1 29.5, SC-B1-T1 6.75): 500.00 / 120 kWh = 25/6 CZK/kWh.
# SC-B1 30.5 + 29.5 = 60 kWh → 60 × 25/6 = 250.00; SC-B1-T1 7.25 + 6.75 = 14 kWh → 14 × 25/6 = 58.333… → 58.33.
# Losses: under SC 120 − 60 = 60 kWh, 500.00 − 250.00 = 250.00; under SC-B1 60 − 14 = 46 kWh, 250.00 − 58.33 = 191.67.
MAY_JUNE_INVOICED = {
    elec("SC", MAY_JUN, "120", "500.00", "allocated", "INV-EL-2026-05-06"),
    elec("SC-B1", MAY_JUN, "60", "250.00", "allocated", "INV-EL-2026-05-06"),
    elec("SC-B1-T1", MAY_JUN, "14", "58.33", "allocated", "INV-EL-2026-05-06"),
    elec("SC", MAY_JUN, "60", "250.00", "loss", "INV-EL-2026-05-06"),
    elec("SC-B1", MAY_JUN, "46", "191.67", "loss", "INV-EL-2026-05-06"),
}
SALARIES = {("SC-B1", "salaries", *JUN, None, None, D("25000.00"), "invoice", "expense", "SAL-SC-B1-2026-06", None)}

# Building 1's reconciliation, 2025 (tenants T1, T2, T3; largest remainder, leftover cents to the largest remainders):
# Water 1,000.01 by 12 : 30.5 : 7.5 m³ (50): 100,001 cents → 24,000.24 / 61,000.61 / 15,000.15: floors 100,000, the cent
#   left to T2 → 240.00, 610.01, 150.00.
# Heating 2,000.03, 60 % by heat: round_half_up(1,200.018) = 1,200.02 by heat, 800.01 by floor area.
#   By heat 10 : 20 : 30 GJ of 120,002 cents → 20,000.33 / 40,000.67 / 60,001: floors 120,001, the cent to T2
#   → 200.00, 400.01, 600.01. By area 40 : 25.5 : 34.5 m² (100) of 80,001 cents → 32,000.4 / 20,400.255 / 27,600.345:
#   floors 80,000, the cent to T1 → 320.01, 204.00, 276.00. Heating shares 520.01, 604.01, 876.01 (sum 2,000.03).
# Non-energy 100.00 / 3 = 33.333…: the cent left to the lowest id → 33.34, 33.33, 33.33.
# Totals: T1 240.00 + 520.01 + 33.34 = 793.35; T2 610.01 + 604.01 + 33.33 = 1,247.35; T3 150.00 + 876.01 + 33.33 = 1,059.34.
# Advances × 12 months: T1 50.00 → 600.00; T2 200.00 → 2,400.00; T3 80.00 → 960.00.
# Balances: T1 793.35 − 600.00 = 193.35 (pays); T2 1,247.35 − 2,400.00 = −1,152.65 (refund); T3 1,059.34 − 960.00 = 99.34.
SHARES = {  # (tenant, spec) -> kind, reconciled cost, share, basis quantity, consumption part, area part
    ("SC-B1-T1", "RC-B1-W"): ("water", D("1000.01"), D("240.00"), D("12"), None, None),
    ("SC-B1-T2", "RC-B1-W"): ("water", D("1000.01"), D("610.01"), D("30.5"), None, None),
    ("SC-B1-T3", "RC-B1-W"): ("water", D("1000.01"), D("150.00"), D("7.5"), None, None),
    ("SC-B1-T1", "RC-B1-H"): ("heating", D("2000.03"), D("520.01"), D("10"), D("200.00"), D("320.01")),
    ("SC-B1-T2", "RC-B1-H"): ("heating", D("2000.03"), D("604.01"), D("20"), D("400.01"), D("204.00")),
    ("SC-B1-T3", "RC-B1-H"): ("heating", D("2000.03"), D("876.01"), D("30"), D("600.01"), D("276.00")),
    ("SC-B1-T1", "RC-B1-N"): ("non_energy", D("100.00"), D("33.34"), D("1"), None, None),
    ("SC-B1-T2", "RC-B1-N"): ("non_energy", D("100.00"), D("33.33"), D("1"), None, None),
    ("SC-B1-T3", "RC-B1-N"): ("non_energy", D("100.00"), D("33.33"), D("1"), None, None),
}
BALANCES = {  # tenant -> name, total, advances paid, balance
    "SC-B1-T1": ("Pekárna U Mlýna", D("793.35"), D("600.00"), D("193.35")),
    "SC-B1-T2": ("Studio Světlo", D("1247.35"), D("2400.00"), D("-1152.65")),
    "SC-B1-T3": ("Zubní ordinace Úsměv", D("1059.34"), D("960.00"), D("99.34")),
}


def problems(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str]]:
    return sorted(con.execute("SELECT kind, subject, message FROM allocation.problems").fetchall())


def test_costs_follow_the_seed_example_and_the_date_rule(con) -> None:
    run_allocation(con, AS_OF)
    # The two refused invoices have no row; the other invoices are all there.
    assert costs(con) == MARCH | APRIL | TELECOM | ESTIMATED


def test_the_overcharged_invoice_raises_one_alert(con) -> None:
    result = run_allocation(con, AS_OF)
    alerts = con.execute("SELECT invoice_id, meter_id, object_id, amount, threshold, currency, message FROM allocation.overcharge_alerts").fetchall()
    # March: 300.00 > 250.00 (by 50.00); April's 200.00 equals its alert amount: not overcharged.
    assert [row[:6] for row in alerts] == [("INV-EL-2026-03", "SC-EL", "SC", D("300.00"), D("250.00"), "CZK")]
    assert "50.00" in alerts[0][6] and "INV-EL-2026-03" in alerts[0][6]
    assert result.alerts == 1


def test_each_unusable_invoice_and_reconciliation_is_one_problem_and_the_rest_is_computed(con) -> None:
    result = run_allocation(con, AS_OF)
    found = problems(con)
    invoices = [(subject, message) for kind, subject, message in found if kind == "invoice"]
    reconciliations = [(subject, message) for kind, subject, message in found if kind == "reconciliation"]
    notes = [message for kind, _, message in found if kind == "note"]
    assert {kind for kind, *_ in found} == {"invoice", "reconciliation", "note"}
    # One row per refused invoice, naming it.
    assert [subject for subject, _ in invoices] == ["INV-EL-2026-01", "INV-EL-2026-02"]
    assert "MWh" in invoices[0][1] and "kWh" in invoices[0][1]
    assert f"{INVOICE_FILE} line 3" in invoices[1][1] and "no consumption" in invoices[1][1]
    # One row per reconciliation not produced: SC-B2 misses its heating row, SC-B3's tenant T2 has no water meter.
    assert [subject for subject, _ in reconciliations] == [f"SC-B2 {RECONCILIATION}", f"SC-B3 {RECONCILIATION}"]
    assert "heating" in reconciliations[0][1]
    assert "SC-B3-T2" in reconciliations[1][1] and "water meter" in reconciliations[1][1]
    assert "SC-B3-T1" not in reconciliations[1][1]
    # The June salaries have not elapsed on AS_OF: they count from 1 July.
    assert len(notes) == 1 and "SAL-SC-B1-2026-06" in notes[0] and "2026-07-01" in notes[0]
    assert (result.reconciliations_ok, result.reconciliations_failed) == (1, 2)
    # The others are still computed.
    assert costs(con) == MARCH | APRIL | TELECOM | ESTIMATED
    assert con.execute("SELECT count(*) FROM allocation.reconciliation_balances").fetchone()[0] == 3


def test_an_invoice_on_a_meter_of_another_object_or_a_reading_of_an_unknown_meter_is_a_problem_too(con) -> None:
    con.execute(
        "INSERT INTO staging.stg_allocation__received_invoices VALUES ('INV-EL-B2-2026-04', 'electricity', true, 'SC-EL', 'SC-B2', "
        "DATE '2026-04-01', DATE '2026-04-30', 80.00, 20, 'kWh', 'CZK', '', NULL, 'received_invoices/extra.csv', 2)"
    )
    insert_readings(con, [("XX-EL", *APR, D("7"))], "meter_consumption/extra.csv")
    run_allocation(con, AS_OF)
    found = problems(con)
    (invoice,) = [message for kind, subject, message in found if subject == "INV-EL-B2-2026-04"]
    assert "received_invoices/extra.csv line 2" in invoice and "SC-EL" in invoice
    (reading,) = [(kind, message) for kind, subject, message in found if subject == "XX-EL"]
    assert reading[0] == "reading" and "meter_consumption/extra.csv line 2" in reading[1]
    # Nothing else changes.
    assert costs(con) == MARCH | APRIL | TELECOM | ESTIMATED
    assert allocation_problems_in_sums(con) == []


def test_the_good_reconciliation_is_shared_as_worked_out_by_hand(con) -> None:
    run_allocation(con, AS_OF)
    shares = con.execute(
        "SELECT source_object_id, period_start, period_end, tenant_id, spec_id, kind, reconciled_cost, amount, basis_quantity, "
        "consumption_part, area_part, currency, name, template FROM allocation.reconciliation_shares"
    ).fetchall()
    assert {row[:3] for row in shares} == {("SC-B1", *YEAR)}  # SC-B2 and SC-B3 have no rows
    assert {row[13] for row in shares} == {"smart_cube"}  # the template as the input names it
    assert {row[11] for row in shares} == {"CZK"}
    assert {(row[4], row[12]) for row in shares} == {("RC-B1-W", "Water and sewage"), ("RC-B1-H", "Heating"), ("RC-B1-N", "Cleaning")}
    assert {(row[3], row[4]): row[5:11] for row in shares} == SHARES
    assert len(shares) == len(SHARES)
    balances = con.execute(
        "SELECT source_object_id, period_start, period_end, tenant_id, tenant_name, total, advances_paid, balance, currency, template "
        "FROM allocation.reconciliation_balances"
    ).fetchall()
    assert {row[:3] for row in balances} == {("SC-B1", *YEAR)}
    assert {row[9] for row in balances} == {"smart_cube"}
    assert {row[8] for row in balances} == {"CZK"}
    assert {row[3]: row[4:8] for row in balances} == BALANCES
    assert len(balances) == 3


def test_everything_adds_up(con) -> None:
    run_allocation(con, AS_OF)
    assert allocation_problems_in_sums(con) == []
    insert_readings(con, JUNE_READINGS, "meter_consumption/2026-06.csv")
    run_allocation(con, date(2026, 7, 1))
    assert allocation_problems_in_sums(con) == []


def test_the_check_finds_a_share_that_does_not_add_up(con) -> None:
    run_allocation(con, AS_OF)
    con.execute("UPDATE allocation.energy_costs SET amount = 47.99 WHERE invoice_id = 'INV-EL-2026-04' AND object_id = 'SC-B1-T3'")
    # SC-B1 bears 100.00, its tenants now 20.00 + 32.00 + 47.99 = 99.99 (and no loss under it).
    (problem,) = allocation_problems_in_sums(con)
    assert "INV-EL-2026-04" in problem and "SC-B1" in problem and "99.99" in problem


TABLES = {
    "energy_costs": "*",
    "overcharge_alerts": "*",
    "reconciliation_shares": "*",
    "reconciliation_balances": "*",
    "problems": "kind, subject, message",  # not recorded_at: when the run happened
}


def tables(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    return {table: sorted(con.execute(f"SELECT {columns} FROM allocation.{table}").fetchall(), key=repr)
            for table, columns in TABLES.items()}


def test_a_second_run_on_the_same_day_gives_the_same_tables(con) -> None:
    run_allocation(con, AS_OF)
    first = tables(con)
    assert all(first.values())
    run_allocation(con, AS_OF)
    assert tables(con) == first


def test_the_invoice_counts_once_its_period_has_ended_and_not_before(con) -> None:
    # On its last day the period has not ended yet: still the price list (the same May readings).
    run_allocation(con, JUN[1])
    assert costs(con) == MARCH | APRIL | TELECOM | ESTIMATED
    assert con.execute("SELECT DISTINCT as_of FROM allocation.energy_costs").fetchall() == [(JUN[1],)]
    # The day after, with June read: the invoice itself, allocated; no price-list row is left; the salaries count.
    insert_readings(con, JUNE_READINGS, "meter_consumption/2026-06.csv")
    run_allocation(con, date(2026, 7, 1))
    assert costs(con) == MARCH | APRIL | TELECOM | MAY_JUNE_INVOICED | SALARIES
    assert con.execute("SELECT DISTINCT as_of FROM allocation.energy_costs").fetchall() == [(date(2026, 7, 1),)]
    assert not [message for kind, _, message in problems(con) if kind == "note"]


def _pdf_text(path: Path) -> str:
    completed = subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True)
    return " ".join(completed.stdout.decode("utf-8").replace("\xa0", " ").replace("\u202f", " ").split())


def test_documents_are_written_for_each_tenant_of_the_good_reconciliation_only(con, tmp_path: Path) -> None:
    run_allocation(con, AS_OF)
    out = tmp_path / "reconciliations"
    run = render_reconciliation_documents(con, out, date(2026, 1, 15))
    expected = {Path("SC-B1") / "2025-12" / f"{tenant}.pdf" for tenant in BALANCES}
    assert {path.relative_to(out) for path in out.rglob("*.pdf")} == expected
    assert sorted(path.relative_to(out) for path in run.written) == sorted(expected)
    for tenant, (name, _, _, balance) in BALANCES.items():
        text = _pdf_text(out / "SC-B1" / "2025-12" / f"{tenant}.pdf")
        assert name in text, tenant
        assert f"{abs(balance):,.2f}" in text, (tenant, balance)  # 193.35, 1,152.65, 99.34
    # The two others are reported, with the reason.
    assert len(run.not_produced) == 2
    b2, b3 = sorted(run.not_produced)
    assert b2.startswith(f"SC-B2 {RECONCILIATION}") and "heating" in b2
    assert b3.startswith(f"SC-B3 {RECONCILIATION}") and "SC-B3-T2" in b3
