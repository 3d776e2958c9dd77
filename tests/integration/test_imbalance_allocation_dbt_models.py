"""The imbalance shared out to customers, and the monthly aggregates, on a hand-made day, against values
computed by hand.

RO, local day 2025-10-22 (UTC+3: 00:00 local is 2025-10-21T21:00Z), balancing group VB-RO-CI with two
customers, supplied from that day:

* C-A (industrial), point MP-A, 15-minute meter: 100 kWh a quarter-hour (0.1 MWh);
* C-B (commercial), point MP-B, hourly meter: 200 kWh an hour, 0.05 MWh a quarter-hour once spread.

Hours 0 and 1 are settled (8 quarter-hours). Nothing was procured, so the plan is the nomination: 0.6 MWh
an hour, 0.15 a quarter-hour. Hour 0 has day-ahead forecasts for both points (300 kWh each, 0.075 a
quarter-hour): the nomination is shared by forecast, 50/50. Hour 1 has none: shared by consumption, 2:1.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest

from assets.forecasting_tables import PURCHASE_PLANS_COLUMNS, SERIES_FORECASTS_COLUMNS, create_forecasting_tables
from billing.ledger_tables import create_billing_ledger_tables
from ingestion.raw_schema import create_raw_schema
from tests.integration.dbt_runner import insert, run_dbt

D = Decimal
INGESTED_AT = datetime(2025, 10, 30, 6, 0, tzinfo=UTC)
DAY = date(2025, 10, 22)
DAY_START = datetime(2025, 10, 21, 21, 0, tzinfo=UTC)
QUARTER, HOUR = timedelta(minutes=15), timedelta(hours=1)
CI_EIC = "30XVB-RO-CI----C"

SETTLED = [D("0.16"), D("0.15"), D("0.14"), D("0.15")] + [D("0.15")] * 4
PRICES = [D("200.00"), D("300.00"), D("400.00"), D("500.00")] + [D("100.00")] * 4


def lineage(name: str, line: int) -> tuple:
    return (name, line, f"{abs(hash(name)) % 10**16:016d}", 1, INGESTED_AT)


def rows_of(name: str, rows: list[tuple]) -> list[tuple]:
    return [row + lineage(name, line) for line, row in enumerate(rows, start=2)]


def load(con: duckdb.DuckDBPyConnection) -> None:
    create_raw_schema(con)
    create_forecasting_tables(con)
    create_billing_ledger_tables(con)
    insert(con, "raw.companies", rows_of("companies.csv", [("VB-RO", "Voltbill Energie SRL", "RO", "Europe/Bucharest", "RO12345678")]))
    insert(con, "raw.locations", rows_of("locations.csv", [("L-1", "VB-RO", None, "site", "Site", "Str. 1", "Cluj")]))
    confirmations = [
        (date(2025, 10, 1), "RO-DSO-A", "VB-RO", "C-A", "Fabrica SA", "industrial", "RO111", "MP-A", "L-1", DAY, 15, D("1000.000"), "MV"),
        (date(2025, 10, 1), "RO-DSO-A", "VB-RO", "C-B", "Magazin SRL", "commercial", "RO222", "MP-B", "L-1", DAY, 60, D("500.000"), "LV"),
    ]
    insert(con, "raw.dso_confirmations", rows_of("confirmations.csv", confirmations))
    # The whole local day of readings (the spine runs to the month's end; other days are estimated, not settled).
    readings = [("MP-A", DAY_START + i * QUARTER, 15, D("100.000"), D("0"), D("0")) for i in range(96)]
    readings += [("MP-B", DAY_START + i * HOUR, 60, D("200.000"), D("0"), D("0")) for i in range(24)]
    insert(con, "raw.meter_readings", rows_of("readings.csv", readings))
    settled = [("RO", CI_EIC, DAY_START + i * QUARTER, 15, value) for i, value in enumerate(SETTLED)]
    insert(con, "raw.settlement_volumes", rows_of("settlement.csv", settled))
    prices = [("RO", DAY_START + i * QUARTER, 15, "single", price, "RON") for i, price in enumerate(PRICES)]
    insert(con, "raw.imbalance_prices", rows_of("prices.csv", prices))
    plans = [
        (DAY, "RO", "VB-RO", "VB-RO-CI", DAY_START + h * HOUR, datetime(2025, 10, 22, h), 60, D("0.6"), D("0.6"), D("0.6"), D("0.6"), 2, 0,
         DAY_START - HOUR * 12, DAY_START - HOUR * 11, "run-1")
        for h in range(2)
    ]
    insert(con, "forecasting.purchase_plans", plans, PURCHASE_PLANS_COLUMNS)
    forecasts = [
        (DAY, "RO", "VB-RO", "metering_point", point, DAY_START, datetime(2025, 10, 22, 0), 60, 250.0, 300.0, 350.0, None,
         "ridge_arx", "none", None, None, DAY_START - HOUR * 12, DAY_START - HOUR * 11, "run-1")
        for point in ("MP-A", "MP-B")
    ]
    insert(con, "forecasting.series_forecasts", forecasts, SERIES_FORECASTS_COLUMNS)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory):
    work = tmp_path_factory.mktemp("allocation")
    path = work / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        load(con)
    selection = ["+fct_imbalance_customers_daily", "+fct_imbalance_customer_groups_monthly", "+fct_imbalance_companies_monthly",
                 "+assert_imbalance_allocation_adds_up"]
    completed = run_dbt(["build", "--select", *selection, "--indirect-selection", "cautious"], path, work)
    assert completed.returncode == 0, completed.stdout[-8000:] + completed.stderr[-4000:]
    with duckdb.connect(str(path), read_only=True) as con:
        yield con


def test_customers_get_their_share_by_forecast_then_by_consumption(warehouse) -> None:
    got = warehouse.execute(
        "SELECT customer_id, customer_class, settlement_periods_count, forecast_share_periods_count, metered_mwh, forecast_mwh, "
        "nominated_share_mwh, imbalance_mwh, imbalance_cost, currency, forecast_deviation_pct "
        "FROM marts.fct_imbalance_customers_daily ORDER BY customer_id"
    ).fetchall()
    # Hour 0, each quarter-hour: shares 0.15 × 0.075 / 0.15 = 0.075 each.
    #   C-A: 0.1 − 0.075 = +0.025 → at 200, 300, 400, 500: 0.025 × 1400 = 35.00
    #   C-B: 0.05 − 0.075 = −0.025 → −35.00
    # Hour 1, each quarter-hour: shares by consumption 0.15 × 0.1 / 0.15 = 0.1 and 0.15 × 0.05 / 0.15 = 0.05: no imbalance.
    # Metered: C-A 8 × 0.1 = 0.8, C-B 8 × 0.05 = 0.4. Forecast (hour 0 only): 4 × 0.075 = 0.3 each.
    # Nominated: C-A 4 × 0.075 + 4 × 0.1 = 0.7; C-B 4 × 0.075 + 4 × 0.05 = 0.5. Imbalance: 4 × ±0.025 = ±0.1.
    # Deviation over the forecast hour: C-A Σ|0.075 − 0.1| = 0.1 over 0.4 metered = 25 %; C-B 0.1 / 0.2 = 50 %.
    assert got == [
        ("C-A", "industrial", 8, 4, D("0.8"), D("0.3"), D("0.7"), D("0.1"), D("35.00"), "RON", D("25.0000")),
        ("C-B", "commercial", 8, 4, D("0.4"), D("0.3"), D("0.5"), D("-0.1"), D("-35.00"), "RON", D("50.0000")),
    ]


def test_customer_groups_and_the_settlement_difference_add_up_to_the_group(warehouse) -> None:
    got = warehouse.execute(
        "SELECT customer_group, customers_count, metered_mwh, nominated_share_mwh, imbalance_mwh, imbalance_cost "
        "FROM marts.fct_imbalance_customer_groups_monthly ORDER BY customer_group"
    ).fetchall()
    # Settlement difference per quarter-hour: settled − 0.15 metered = +0.01, 0, −0.01, 0, then 0 × 4;
    # cost 0.01 × 200 − 0.01 × 400 = −2.00. Group: imbalance 0.01 − 0.01 = 0, cost 2.00 − 4.00 = −2.00;
    # 35.00 − 35.00 − 2.00 = −2.00.
    assert got == [
        ("commercial", 1, D("0.4"), D("0.5"), D("-0.1"), D("-35.00")),
        ("industrial", 1, D("0.8"), D("0.7"), D("0.1"), D("35.00")),
        ("settlement_difference", 0, D("0"), D("0"), D("0"), D("-2.00")),
    ]
    group = warehouse.execute("SELECT net_imbalance_mwh, imbalance_cost FROM marts.fct_imbalance_daily").fetchall()
    assert group == [(D("0"), D("-2.00"))]
    assert sum(row[5] for row in got) == group[0][1]


def test_monthly_imbalance_with_volume_weighted_deviation(warehouse) -> None:
    got = warehouse.execute(
        "SELECT delivery_month, delivery_days_count, settlement_periods_count, settled_mwh, nominated_mwh, net_imbalance_mwh, "
        "short_mwh, long_mwh, imbalance_cost, currency, forecast_deviation_pct FROM marts.fct_imbalance_monthly"
    ).fetchall()
    # Settled 0.6 + 0.6 = 1.2 = nominated; short 0.01, long 0.01; cost −2.00.
    # Forecast 0.15 a quarter-hour: Σ|forecast − settled| = 0.01 + 0.01 = 0.02; 0.02 × 100 / 1.2 = 1.6666… → 1.6667.
    assert got == [
        (date(2025, 10, 1), 1, 8, D("1.2"), D("1.2"), D("0"), D("0.01"), D("0.01"), D("-2.00"), "RON", D("1.6667")),
    ]
    company = warehouse.execute(
        "SELECT company_id, balancing_groups_count, settled_mwh, net_imbalance_mwh, imbalance_cost, forecast_deviation_pct "
        "FROM marts.fct_imbalance_companies_monthly"
    ).fetchall()
    assert company == [("VB-RO", 1, D("1.2"), D("0"), D("-2.00"), D("1.6667"))]  # one group: the same figures
