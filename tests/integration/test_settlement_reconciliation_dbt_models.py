"""Settled volumes against aggregated meter data per balancing group and settlement period, on hand-made rows,
against values computed by hand.

Romania (Europe/Bucharest), two balancing groups of VB-RO:

* VB-RO-CI (commercial customers), supply from 2026-03-28, four metering points:

  ==========  ======  ========  ==================  =========================================
  point       DSO     interval  value               notes
  ==========  ======  ========  ==================  =========================================
  RO-CI-Q1    DSO-A   15 min    200.000 kWh         no reading 03-28 10:00 local: estimated
  RO-CI-Q2    DSO-A   15 min    120.000 kWh         03-28 18:00 corrected to 130.000 later
  RO-CI-H1    DSO-A   60 min    320.000 kWh         03-28 12:00 hour: 321.001 kWh
  RO-CI-Q3    DSO-B   15 min    (no readings)       supplied, but its DSO delivered nothing
  ==========  ======  ========  ==================  =========================================

  Per quarter-hour: 200 + 120 + 320 / 4 = 400 kWh = 0.400000 MWh from 3 of the 4 expected points.
  Settled on 2026-03-27 (one period, before the supply start), on 2026-03-28 (every quarter-hour but one)
  and on 2026-03-29, the 23-hour day (92 quarter-hours).
* VB-RO-HH (households), supply from 2025-10-26, RO-HH-Q1 (15 min, 50.000 kWh) and RO-HH-H1 (60 min,
  40.000 kWh): 50 + 40 / 4 = 60 kWh = 0.060000 MWh per quarter-hour, settled 0.060000 on each of the 100
  quarter-hours of 2025-10-26, the 25-hour day.

Bucharest is UTC+2 until 2026-03-29 01:00Z and UTC+3 after; UTC+3 until 2025-10-26 01:00Z and UTC+2 after.
The tolerance is greatest(0.001 MWh, 0.5 % of the settled volume).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest

from assets.forecasting_tables import create_forecasting_tables
from billing.ledger_tables import create_billing_ledger_tables
from ingestion.raw_schema import create_raw_schema
from tests.integration.dbt_runner import insert, run_dbt

D = Decimal
BUCHAREST = ZoneInfo("Europe/Bucharest")
INGESTED_AT = datetime(2026, 4, 2, 6, 0, tzinfo=UTC)
CI_EIC, HH_EIC = "30XVB-RO-CI----C", "30XVB-RO-HH----K"
QUARTER, HOUR = timedelta(minutes=15), timedelta(hours=1)


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A Bucharest wall-clock time (only unambiguous ones) as a UTC instant."""
    return datetime(year, month, day, hour, minute, tzinfo=BUCHAREST).astimezone(UTC)


def starts(first_day: date, end_day: date, step: timedelta) -> list[datetime]:
    """UTC starts from local midnight of first_day to local midnight of end_day (exclusive)."""
    instant, end = local(first_day.year, first_day.month, first_day.day), local(end_day.year, end_day.month, end_day.day)
    result = []
    while instant < end:
        result.append(instant)
        instant += step
    return result


# The hand-placed cases of 2026-03-28 (local time; UTC+2, so 10:00 local is 08:00Z)
ESTIMATED_AT = local(2026, 3, 28, 10)  # 08:00Z: RO-CI-Q1 has no reading; settled 0.350000
ESTIMATE_OFF_AT = local(2026, 3, 28, 11)  # 09:00Z: RO-CI-Q1 has no reading; settled 0.700000, more than the estimate
SPREAD_HOUR = local(2026, 3, 28, 12)  # 10:00Z: RO-CI-H1 321.001 kWh; first quarter settled 0.401000
UNEXPLAINED_AT = local(2026, 3, 28, 14)  # 12:00Z: settled 0.300000
MISSING_POINT_AT = local(2026, 3, 28, 16)  # 14:00Z: settled 0.450000
RECALCULATED_AT = local(2026, 3, 28, 18)  # 16:00Z: RO-CI-Q2 120.000, then 130.000; settled 0.410000
NO_SETTLEMENT_AT = local(2026, 3, 28, 20)  # 18:00Z: no settlement row
NO_METER_DATA_AT = local(2026, 3, 27, 12)  # 10:00Z: settled 0.250000, the day before the supply start

SETTLED_CI = {
    ESTIMATED_AT: D("0.350000"),
    ESTIMATE_OFF_AT: D("0.700000"),
    SPREAD_HOUR: D("0.401000"),
    SPREAD_HOUR + QUARTER: D("0.400250"),
    SPREAD_HOUR + 2 * QUARTER: D("0.400250"),
    SPREAD_HOUR + 3 * QUARTER: D("0.400250"),
    UNEXPLAINED_AT: D("0.300000"),
    MISSING_POINT_AT: D("0.450000"),
    RECALCULATED_AT: D("0.410000"),
}


class Files:
    """Raw rows with their lineage, file by file in delivery order."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con, self.seq = con, 0

    def file(self, table: str, name: str, rows: list[tuple]) -> None:
        self.seq += 1
        lineage = (f"{self.seq:016x}", self.seq, INGESTED_AT)
        insert(self.con, f"raw.{table}", [row + (name, line, *lineage) for line, row in enumerate(rows, start=2)])


def confirmation(dso: str, customer: str, customer_class: str, point: str, supply_start: date, minutes: int) -> tuple:
    return (date(supply_start.year, supply_start.month, 1), dso, "VB-RO", customer, f"Customer {customer}", customer_class, None, point,
            "L-RO", supply_start, minutes, D("1000.000"), "MV")


def readings(point: str, first_day: date, end_day: date, minutes: int, value: str, overrides: dict, gaps: set) -> list[tuple]:
    return [
        (point, start, minutes, D(overrides.get(start, value)), D("0.000"), D("0.000"))
        for start in starts(first_day, end_day, timedelta(minutes=minutes))
        if start not in gaps
    ]


def load(con: duckdb.DuckDBPyConnection) -> None:
    create_raw_schema(con)
    create_forecasting_tables(con)
    create_billing_ledger_tables(con)
    files = Files(con)
    files.file("companies", "companies.csv", [("VB-RO", "Voltbill Energie SRL", "RO", "Europe/Bucharest", "RO12345678")])
    files.file(
        "dso_confirmations",
        "confirmations.csv",
        [
            confirmation("RO-DSO-A", "C-CI-1", "commercial", "RO-CI-Q1", date(2026, 3, 28), 15),
            confirmation("RO-DSO-A", "C-CI-2", "commercial", "RO-CI-Q2", date(2026, 3, 28), 15),
            confirmation("RO-DSO-A", "C-CI-3", "industrial", "RO-CI-H1", date(2026, 3, 28), 60),
            confirmation("RO-DSO-B", "C-CI-4", "commercial", "RO-CI-Q3", date(2026, 3, 28), 15),
            confirmation("RO-DSO-C", "C-HH-1", "household", "RO-HH-Q1", date(2025, 10, 26), 15),
            confirmation("RO-DSO-C", "C-HH-2", "household", "RO-HH-H1", date(2025, 10, 26), 60),
        ],
    )
    march = (date(2026, 3, 28), date(2026, 3, 30))
    files.file(
        "meter_readings",
        "ro-dso-a_2026-03.csv",
        readings("RO-CI-Q1", *march, 15, "200.000", {}, {ESTIMATED_AT, ESTIMATE_OFF_AT})
        + readings("RO-CI-Q2", *march, 15, "120.000", {}, set())
        + readings("RO-CI-H1", *march, 60, "320.000", {SPREAD_HOUR: "321.001"}, set()),
    )
    files.file("meter_readings", "ro-dso-a_2026-03_correction.csv", [("RO-CI-Q2", RECALCULATED_AT, 15, D("130.000"), D("0.000"), D("0.000"))])
    october = (date(2025, 10, 26), date(2025, 10, 27))
    files.file(
        "meter_readings",
        "ro-dso-c_2025-10.csv",
        readings("RO-HH-Q1", *october, 15, "50.000", {}, set()) + readings("RO-HH-H1", *october, 60, "40.000", {}, set()),
    )
    settled = [("RO", CI_EIC, NO_METER_DATA_AT, 15, D("0.250000"))]
    settled += [
        ("RO", CI_EIC, start, 15, SETTLED_CI.get(start, D("0.400000")))
        for start in starts(date(2026, 3, 28), date(2026, 3, 30), QUARTER)
        if start != NO_SETTLEMENT_AT
    ]
    settled += [("RO", HH_EIC, start, 15, D("0.060000")) for start in starts(*october, QUARTER)]
    files.file("settlement_volumes", "settlement_ro.csv", settled)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    work = tmp_path_factory.mktemp("settlement_reconciliation")
    path = work / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        load(con)
    completed = run_dbt(["build", "--select", "+fct_settlement_reconciliation_daily", "--indirect-selection", "cautious"], path, work)
    assert completed.returncode == 0, completed.stdout[-8000:] + completed.stderr[-4000:]
    with duckdb.connect(str(path), read_only=True) as con:
        con.execute("SET TimeZone = 'UTC'")
        yield con


PERIOD_COLUMNS = (
    "settled_mwh, metered_mwh, achieved_mwh, recalculated_mwh, estimated_mwh, difference_mwh, difference_pct, tolerance_mwh, "
    "metering_points_expected_count, metering_points_with_data_count, metering_points_missing_count, "
    "metering_points_with_estimates_count, explanation"
)


def period(con: duckdb.DuckDBPyConnection, eic: str, start: datetime) -> tuple:
    got = con.execute(
        f"SELECT {PERIOD_COLUMNS} FROM marts.fct_settlement_reconciliation WHERE balancing_group_eic = ? AND period_start_utc = ?",
        [eic, start],
    ).fetchall()
    assert len(got) == 1, (start, got)
    return got[0]


def pct(difference: Decimal, settled: Decimal) -> Decimal:
    return (difference * 100 / settled).quantize(D("0.0001"), rounding=ROUND_HALF_UP)


def test_an_hourly_meter_is_spread_evenly_over_its_quarter_hours(warehouse) -> None:
    # 321.001 kWh / 4 = 80.25025 kWh = 0.08025025 MWh -> 0.080250 (half up, 6 decimals).
    # Metered per quarter-hour: 0.200000 + 0.120000 + 0.080250 = 0.400250, all achieved.
    # First quarter settled 0.401000: difference +0.000750 <= tolerance greatest(0.001, 0.005 x 0.401 = 0.002005);
    # 0.00075 x 100 / 0.401 = 0.18703... -> 0.1870. The other three are settled 0.400250: difference 0,
    # tolerance 0.005 x 0.40025 = 0.00200125 -> 0.002001.
    got = [period(warehouse, CI_EIC, SPREAD_HOUR + index * QUARTER) for index in range(4)]
    assert got[0] == (D("0.401000"), D("0.400250"), D("0.400250"), D("0"), D("0"), D("0.000750"), D("0.1870"), D("0.002005"), 4, 3, 1, 0, "matches")
    for row in got[1:]:
        assert row == (D("0.400250"), D("0.400250"), D("0.400250"), D("0"), D("0"), D("0"), D("0"), D("0.002001"), 4, 3, 1, 0, "matches")
    spread = warehouse.execute(
        "SELECT metered_mwh FROM intermediate.int_settlement_periods_metered WHERE balancing_group_eic = ? "
        "AND period_start_utc >= ? AND period_start_utc < ? ORDER BY period_start_utc",
        [CI_EIC, SPREAD_HOUR, SPREAD_HOUR + HOUR],
    ).fetchall()
    assert spread == [(D("0.400250"),)] * 4


def test_an_estimated_interval_explains_a_difference_within_the_estimate(warehouse) -> None:
    # RO-CI-Q1's missing quarter is estimated at the mean of its valid readings in local hour 10 of March
    # (7 days earlier and later are not supplied): 7 readings of 200.000 -> 200.000 kWh = 0.200000 MWh.
    # Metered 0.2 + 0.12 + 0.08 = 0.400000, of which 0.120000 + 0.080000 = 0.200000 achieved. Settled 0.350000:
    # difference -0.050000 > tolerance greatest(0.001, 0.00175) = 0.001750, and |-0.05| <= 0.2 estimated.
    # -0.05 x 100 / 0.35 = -14.285714... -> -14.2857.
    assert period(warehouse, CI_EIC, ESTIMATED_AT) == (
        D("0.350000"), D("0.400000"), D("0.200000"), D("0"), D("0.200000"), D("-0.050000"), pct(D("-0.05"), D("0.35")), D("0.001750"),
        4, 3, 1, 1, "estimated_intervals",
    )
    assert pct(D("-0.05"), D("0.35")) == D("-14.2857")


def test_a_period_with_an_estimate_is_not_reconciled_even_when_the_difference_exceeds_the_estimate(warehouse) -> None:
    # RO-CI-Q1's 11:00 quarter is estimated at 200.000 kWh like the 10:00 one. Settled 0.700000 vs metered 0.400000:
    # +0.300000, more than the 0.200000 estimated: still `estimated_intervals` (the estimate may be that far off),
    # and the detail says the difference is larger than the estimate. 0.3 x 100 / 0.7 = 42.857142... -> 42.8571.
    assert period(warehouse, CI_EIC, ESTIMATE_OFF_AT) == (
        D("0.700000"), D("0.400000"), D("0.200000"), D("0"), D("0.200000"), D("0.300000"), D("42.8571"), D("0.003500"),
        4, 3, 1, 1, "estimated_intervals",
    )
    detail = warehouse.execute(
        "SELECT explanation_detail FROM marts.fct_settlement_reconciliation WHERE balancing_group_eic = ? AND period_start_utc = ?",
        [CI_EIC, ESTIMATE_OFF_AT],
    ).fetchone()[0]
    assert "+0.300000 MWh is larger than the 0.200000 MWh estimated" in detail


def test_a_difference_the_meter_data_cannot_explain_is_unexplained(warehouse) -> None:
    # Settled 0.300000 vs metered 0.400000: -0.100000, tolerance greatest(0.001, 0.0015) = 0.001500; nothing is
    # estimated, and the missing point RO-CI-Q3 could only add consumption (metered is already above settled).
    # -0.1 x 100 / 0.3 = -33.3333...
    row = period(warehouse, CI_EIC, UNEXPLAINED_AT)
    assert row == (
        D("0.300000"), D("0.400000"), D("0.400000"), D("0"), D("0"), D("-0.100000"), D("-33.3333"), D("0.001500"), 4, 3, 1, 0, "unexplained",
    )
    detail = warehouse.execute(
        "SELECT explanation_detail FROM marts.fct_settlement_reconciliation WHERE balancing_group_eic = ? AND period_start_utc = ?",
        [CI_EIC, UNEXPLAINED_AT],
    ).fetchone()[0]
    assert "0.300000 MWh" in detail and "-0.100000 MWh" in detail and "TSO" in detail


def test_a_missing_metering_point_explains_settled_above_metered(warehouse) -> None:
    # Settled 0.450000 vs metered 0.400000: +0.050000 > tolerance 0.005 x 0.45 = 0.002250; no estimate; 4 points
    # supplied, 3 with data. 0.05 x 100 / 0.45 = 11.1111...
    assert period(warehouse, CI_EIC, MISSING_POINT_AT) == (
        D("0.450000"), D("0.400000"), D("0.400000"), D("0"), D("0"), D("0.050000"), D("11.1111"), D("0.002250"), 4, 3, 1, 0,
        "missing_metering_points",
    )


def test_a_recalculated_reading_counts_as_recalculated_energy(warehouse) -> None:
    # RO-CI-Q2's quarter corrected from 120.000 to 130.000 kWh: metered 0.2 + 0.13 + 0.08 = 0.410000, of which
    # 0.130000 recalculated and 0.280000 achieved; settled 0.410000.
    assert period(warehouse, CI_EIC, RECALCULATED_AT) == (
        D("0.410000"), D("0.410000"), D("0.280000"), D("0.130000"), D("0"), D("0"), D("0"), D("0.002050"), 4, 3, 1, 0, "matches",
    )


def test_missing_settlement_and_missing_meter_data(warehouse) -> None:
    # 2026-03-28 20:00 local: meter data (0.400000) but no settled volume; the missing side counts as 0 in the
    # difference (0 - 0.4), no percentage, tolerance the minimum 0.001.
    assert period(warehouse, CI_EIC, NO_SETTLEMENT_AT) == (
        None, D("0.400000"), D("0.400000"), D("0"), D("0"), D("-0.400000"), None, D("0.001000"), 4, 3, 1, 0, "no_settlement",
    )
    # 2026-03-27 12:00 local: settled 0.250000, but no point is supplied yet (supply starts 2026-03-28).
    # Difference 0.25 - 0 = 0.250000, 100.0000 %, tolerance greatest(0.001, 0.00125) = 0.001250.
    assert period(warehouse, CI_EIC, NO_METER_DATA_AT) == (
        D("0.250000"), None, None, None, None, D("0.250000"), D("100.0000"), D("0.001250"), 0, 0, 0, 0, "no_meter_data",
    )


def test_periods_cover_the_settled_days_only_and_dst_days_have_92_and_100(warehouse) -> None:
    got = warehouse.execute(
        "SELECT balancing_group_id, delivery_date, count(*), min(period_start_utc), max(period_start_utc) "
        "FROM marts.fct_settlement_reconciliation GROUP BY ALL ORDER BY 1, 2"
    ).fetchall()
    # CI: one period on 03-27 (the settled one; no meter data that day); 03-28: 95 settled + 1 metered only = 96;
    # 03-29 (23 hours, 22:00Z on the 28th to 21:00Z on the 29th): 92. The spine's estimates for 03-30 and
    # 03-31 are outside the settled days and do not appear. HH: 2025-10-26 (25 hours, 21:00Z on the 25th
    # to 22:00Z on the 26th): 100.
    assert got == [
        ("VB-RO-CI", date(2026, 3, 27), 1, NO_METER_DATA_AT, NO_METER_DATA_AT),
        ("VB-RO-CI", date(2026, 3, 28), 96, datetime(2026, 3, 27, 22, tzinfo=UTC), datetime(2026, 3, 28, 21, 45, tzinfo=UTC)),
        ("VB-RO-CI", date(2026, 3, 29), 92, datetime(2026, 3, 28, 22, tzinfo=UTC), datetime(2026, 3, 29, 20, 45, tzinfo=UTC)),
        ("VB-RO-HH", date(2025, 10, 26), 100, datetime(2025, 10, 25, 21, tzinfo=UTC), datetime(2025, 10, 26, 21, 45, tzinfo=UTC)),
    ]
    # Local wall-clock: 03:00 does not exist on 2026-03-29 and happens twice on 2025-10-26.
    local_three = warehouse.execute(
        "SELECT delivery_date, count(*) FROM marts.fct_settlement_reconciliation "
        "WHERE period_start_local IN (TIMESTAMP '2026-03-29 03:00:00', TIMESTAMP '2025-10-26 03:00:00') GROUP BY ALL ORDER BY 1"
    ).fetchall()
    assert local_three == [(date(2025, 10, 26), 2)]


def test_the_25_hour_day_spreads_every_hour_and_matches(warehouse) -> None:
    # 50.000 kWh + 40.000 / 4 = 60 kWh = 0.060000 MWh on each of the 100 quarter-hours, from 2 of 2 points.
    got = warehouse.execute(
        "SELECT settled_mwh, metered_mwh, difference_mwh, metering_points_expected_count, metering_points_with_data_count, explanation, "
        "count(*) FROM marts.fct_settlement_reconciliation WHERE balancing_group_id = 'VB-RO-HH' GROUP BY ALL"
    ).fetchall()
    assert got == [(D("0.060000"), D("0.060000"), D("0"), 2, 2, "matches", 100)]


def test_daily_roll_up(warehouse) -> None:
    got = warehouse.execute(
        "SELECT delivery_date, settlement_periods_count, settled_mwh, metered_mwh, net_difference_mwh, absolute_difference_mwh, "
        "absolute_difference_pct, matches_count, no_settlement_count, no_meter_data_count, estimated_intervals_count, "
        "missing_metering_points_count, unexplained_count "
        "FROM marts.fct_settlement_reconciliation_daily ORDER BY balancing_group_id, delivery_date"
    ).fetchall()
    # 03-28 settled: 95 periods at 0.4 = 38.0, then -0.05 (10:00), +0.3 (11:00), +0.001 + 3 x 0.00025 (the 12:00
    # hour), -0.1 (14:00), +0.05 (16:00), +0.01 (18:00) = 38.21175. Metered: 96 x 0.4 = 38.4, + 4 x 0.00025
    # (12:00 hour) + 0.01 (18:00) = 38.411. Net 38.21175 - 38.411 = -0.19925 (= -0.05 + 0.3 + 0.00075 - 0.1 + 0.05 - 0.4).
    # Absolute 0.05 + 0.3 + 0.00075 + 0.1 + 0.05 + 0.4 = 0.90075; x 100 / 38.21175 = 2.35725...
    settled_28, absolute_28 = D("38.21175"), D("0.90075")
    assert got[1] == (
        date(2026, 3, 28), 96, settled_28, D("38.411"), D("-0.19925"), absolute_28, pct(absolute_28, settled_28), 91, 1, 0, 2, 1, 1,
    )
    # 03-27: the one period without meter data, settled 0.25, difference +0.25 = 100 %.
    assert got[0] == (date(2026, 3, 27), 1, D("0.25"), None, D("0.25"), D("0.25"), D("100.0000"), 0, 0, 1, 0, 0, 0)
    # 03-29: 92 x 0.4 = 36.8 both ways; 2025-10-26: 100 x 0.06 = 6.0 both ways.
    assert got[2] == (date(2026, 3, 29), 92, D("36.8"), D("36.8"), D("0"), D("0"), D("0"), 92, 0, 0, 0, 0, 0)
    assert got[3] == (date(2025, 10, 26), 100, D("6.0"), D("6.0"), D("0"), D("0"), D("0"), 100, 0, 0, 0, 0, 0)
