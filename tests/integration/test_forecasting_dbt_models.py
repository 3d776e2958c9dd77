"""The forecasting dbt models on hand-made forecasts, checked against values computed by hand.

One `dbt build` runs against a fresh DuckDB file: a small portfolio in `raw` (delivered as partner
files would be) and hand-written rows in the `forecasting` tables the forecasting assets write
(`assets.forecasting_tables`). Six metering points, all supplied from 2026-10-24, with metered data for
the rest of October 2026 except one DSO that has delivered nothing yet:

==========  ======  ==========  ========  ==============================================  ================
point       market  class       interval  metered energy                                  balancing group
==========  ======  ==========  ========  ==============================================  ================
RO-MP-H1    RO      household   60 min    1.000 every hour; 10-25 10:00 local missing      VB-RO-HH
                                          (estimated as the hour's October mean, 1.000)
RO-MP-H2    RO      household   60 min    0.500 every hour                                 VB-RO-HH
RO-MP-C1    RO      commercial  60 min    2.000 every hour                                 VB-RO-CI
RO-MP-I1    RO      industrial  15 min    0.750 per quarter-hour (3.000 an hour); 0 in     VB-RO-CI
                                          the first five hours of 10-25 (local 0-3, 3 twice)
BG-MP-C1    BG      commercial  60 min    4.000 every hour                                 VB-BG-ALL
BG-MP-H9    BG      household   60 min    nothing delivered yet (its DSO is late)          VB-BG-ALL
==========  ======  ==========  ========  ==============================================  ================

The balancing groups are the project's seed: VB-RO has a household group and a company-wide group
for every other class, VB-BG one company-wide group. The delivery day forecast is 2026-10-25, the
autumn daylight-saving day in both markets: 25 hours, local 03:00 twice (00:00Z and 01:00Z), from
2026-10-24 21:00Z to 2026-10-25 22:00Z. In the tables below "period n" is the n-th hour of that day
in UTC order, so periods 1-5 are local 0, 1, 2, 3, 3 and periods 1-10 end with local hour 8.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest

from ingestion.raw_schema import create_raw_schema
from tests.integration.dbt_runner import insert, run_dbt
from assets.forecasting_tables import (
    PURCHASE_PLANS_COLUMNS,
    SERIES_FORECASTS_COLUMNS,
    create_forecasting_tables,
)
from billing.ledger_tables import create_billing_ledger_tables
from allocation.ledger_tables import create_allocation_tables
from rating.ledger_tables import create_emobility_tables

ZONES = {"RO": ZoneInfo("Europe/Bucharest"), "BG": ZoneInfo("Europe/Sofia")}
# The October files are loaded after the month (a reading may not describe the future of its file).
INGESTED_AT = datetime(2026, 11, 2, 6, 0, tzinfo=UTC)
SUPPLY_START = date(2026, 10, 24)
MONTH_END = date(2026, 11, 1)  # exclusive
DST_DAY = date(2026, 10, 25)
NORMAL_DAY = date(2026, 10, 24)
FUTURE_DAY = date(2026, 11, 2)  # forecast, but nothing metered yet

D = Decimal


# --------------------------------------------------------------------------------------------
# Calendar
# --------------------------------------------------------------------------------------------


def local_midnight(market: str, day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=ZONES[market]).astimezone(UTC)


def intervals(market: str, first_day: date, end_day: date, minutes: int) -> Iterator[datetime]:
    """UTC interval starts from local midnight of first_day to local midnight of end_day (exclusive)."""
    instant, end = local_midnight(market, first_day), local_midnight(market, end_day)
    while instant < end:
        yield instant
        instant += timedelta(minutes=minutes)


def hours(market: str, day: date) -> list[tuple[datetime, datetime]]:
    """(UTC start, local wall-clock start) of every hour of a local day: 23, 24 or 25 of them."""
    return [
        (start, start.astimezone(ZONES[market]).replace(tzinfo=None))
        for start in intervals(market, day, day + timedelta(days=1), 60)
    ]


RO_DST_HOURS = hours("RO", DST_DAY)
BG_DST_HOURS = hours("BG", DST_DAY)
RO_H1_GAP = datetime(2026, 10, 25, 10, tzinfo=ZONES["RO"]).astimezone(UTC)  # 08:00Z (EET after the change)
RO_I1_ZERO_HOURS = {start for start, _ in RO_DST_HOURS[:5]}  # 21:00Z .. 01:00Z: local 0, 1, 2, 3, 3


# --------------------------------------------------------------------------------------------
# The raw rows
# --------------------------------------------------------------------------------------------

POINTS = [
    # point, market, DSO, company, customer, class, interval, capacity
    ("RO-MP-H1", "RO", "RO-DSO-A", "VB-RO", "C-RO-H1", "household", 60, D("10.000")),
    ("RO-MP-H2", "RO", "RO-DSO-A", "VB-RO", "C-RO-H2", "household", 60, D("10.000")),
    ("RO-MP-C1", "RO", "RO-DSO-A", "VB-RO", "C-RO-C1", "commercial", 60, D("20.000")),
    ("RO-MP-I1", "RO", "RO-DSO-A", "VB-RO", "C-RO-I1", "industrial", 15, D("50.000")),
    ("BG-MP-C1", "BG", "BG-DSO-A", "VB-BG", "C-BG-C1", "commercial", 60, D("20.000")),
    ("BG-MP-H9", "BG", "BG-DSO-LATE", "VB-BG", "C-BG-H9", "household", 60, D("10.000")),
]


def energy(point: str, start: datetime) -> Decimal | None:
    """Metered energy of one interval; None = not delivered."""
    if point == "RO-MP-H1":
        return None if start == RO_H1_GAP else D("1.000")
    if point == "RO-MP-H2":
        return D("0.500")
    if point == "RO-MP-C1":
        return D("2.000")
    if point == "RO-MP-I1":
        hour = start.replace(minute=0)
        return D("0.000") if hour in RO_I1_ZERO_HOURS else D("0.750")
    if point == "BG-MP-C1":
        return D("4.000")
    return None  # BG-MP-H9: its DSO has delivered nothing


class Raw:
    """Raw rows with their lineage, file by file, in delivery order."""

    def __init__(self) -> None:
        self.rows: dict[str, list[tuple]] = {}
        self.files: list[tuple] = []

    def file(self, table: str, name: str, rows: list[tuple]) -> None:
        seq = len(self.files) + 1
        ingestion_id = f"{seq:016x}"
        lineage = [(name, line, ingestion_id, seq, INGESTED_AT) for line in range(2, len(rows) + 2)]
        self.rows.setdefault(table, []).extend(row + extra for row, extra in zip(rows, lineage))
        self.files.append((ingestion_id, seq, table, name, f"{seq:064x}", 100 * len(rows), len(rows), 0, "loaded", None, INGESTED_AT))


def build_raw(extra_companies: list[tuple] = (), extra_points: list[tuple] = ()) -> Raw:
    raw = Raw()
    raw.file(
        "companies",
        "companies.csv",
        [
            ("VB-RO", "Voltbill Energie SRL", "RO", "Europe/Bucharest", "RO12345678"),
            ("VB-BG", "Voltbill Energia EOOD", "BG", "Europe/Sofia", "BG123456789"),
            *extra_companies,
        ],
    )
    raw.file(
        "locations",
        "locations.csv",
        [
            ("L-RO", "VB-RO", None, "region", "Muntenia", None, None),
            ("L-BG", "VB-BG", None, "region", "Sofia", None, None),
        ],
    )
    raw.file(
        "dso_confirmations",
        "confirmations_2026-10.csv",
        [
            (date(2026, 10, 1), dso, company, customer, f"Customer {customer}", customer_class, None, point, f"L-{market}",
             SUPPLY_START, minutes, capacity, "LV")
            for point, market, dso, company, customer, customer_class, minutes, capacity in [*POINTS, *extra_points]
        ],
    )
    for dso in ("RO-DSO-A", "BG-DSO-A"):
        rows = []
        for point, market, point_dso, _, _, _, minutes, _ in POINTS:
            if point_dso != dso:
                continue
            for start in intervals(market, SUPPLY_START, MONTH_END, minutes):
                value = energy(point, start)
                if value is not None:
                    rows.append((point, start, minutes, value, D("0.000"), D("0.000")))
        raw.file("meter_readings", f"{dso.lower()}_2026-10.csv", rows)
    return raw


INGESTED_FILES_COLUMNS = (
    "ingestion_id", "ingestion_seq", "source", "file_name", "sha256", "size_bytes", "rows_loaded", "rows_rejected", "status",
    "message", "ingested_at",
)


def load_raw(con: duckdb.DuckDBPyConnection, raw: Raw) -> None:
    create_raw_schema(con)
    for table, table_rows in raw.rows.items():
        insert(con, f"raw.{table}", table_rows)
    insert(con, "raw.ingested_files", raw.files, INGESTED_FILES_COLUMNS)


# --------------------------------------------------------------------------------------------
# The forecasting rows
# --------------------------------------------------------------------------------------------

CUTOFF = datetime(2026, 10, 24, 9, 0, tzinfo=UTC)  # 12:00 local on the day before delivery
CREATED = datetime(2026, 10, 24, 9, 30, tzinfo=UTC)  # before gate closure (13:00 local = 10:00Z)
RERUN_CREATED = datetime(2026, 10, 24, 10, 30, tzinfo=UTC)  # after gate closure


def split(first_ten: float | None, last_fifteen: float | None) -> list[float | None]:
    """Values of the 25 periods of the DST day: periods 1-10, then periods 11-25."""
    return [first_ten] * 10 + [last_fifteen] * 15


def same(value: float | None, periods: int = 25) -> list[float | None]:
    return [value] * periods


def series(
    level: str, series_id: str, company: str, market: str, day: date, p10: list, p50: list, p90: list,
    direct: list | None = None, model: str = "ridge_arx", fallback: str | None = None, created: datetime = CREATED,
) -> list[tuple]:
    periods = hours(market, day)
    assert len(p50) == len(periods), f"{series_id}: {len(p50)} values for {len(periods)} periods"
    return [
        (day, market, company, level, series_id, start, local_start, 60, p10[i], p50[i], p90[i],
         None if direct is None else direct[i], model, "none" if level == "metering_point" else "bottom_up",
         fallback, None, CUTOFF, created, "run-1")
        for i, (start, local_start) in enumerate(periods)
    ]


def build_forecasts() -> list[tuple]:
    rows = []
    # Metering points on the DST day
    rows += series("metering_point", "RO-MP-H1", "VB-RO", "RO", DST_DAY, same(1.0), same(1.2), same(1.5))
    rows += series("metering_point", "RO-MP-H2", "VB-RO", "RO", DST_DAY, split(0.3, 0.45), split(0.4, 0.6), split(0.45, 0.7))
    rows += series("metering_point", "RO-MP-C1", "VB-RO", "RO", DST_DAY, same(None), same(None), same(None),
                   model="none", fallback="insufficient_history")
    rows += series("metering_point", "RO-MP-I1", "VB-RO", "RO", DST_DAY, same(2.5), same(3.0), same(3.5))
    rows += series("metering_point", "BG-MP-C1", "VB-BG", "BG", DST_DAY, same(3.5), same(4.0), same(4.5))
    rows += series("metering_point", "BG-MP-H9", "VB-BG", "BG", DST_DAY, same(0.5), same(1.0), same(1.5))
    # Groups on the DST day: P50 = the sum of the members' P50 (RO-MP-C1 has none), direct = the group model's
    rows += series("company", "VB-RO", "VB-RO", "RO", DST_DAY, split(4.1, 4.3), split(4.6, 4.8), split(5.1, 5.3), direct=same(5.0))
    rows += series("balancing_group", "VB-RO-HH", "VB-RO", "RO", DST_DAY, split(1.4, 1.6), split(1.6, 1.8), split(1.8, 2.0), direct=same(1.5))
    rows += series("balancing_group", "VB-RO-CI", "VB-RO", "RO", DST_DAY, same(2.8), same(3.0), same(3.2), direct=same(5.0))
    rows += series("customer_class", "VB-RO/industrial", "VB-RO", "RO", DST_DAY, same(2.5), same(3.0), same(3.5), direct=same(3.0))
    rows += series("company", "VB-BG", "VB-BG", "BG", DST_DAY, same(4.5), same(5.0), same(5.5), direct=same(5.0))
    # An ordinary 24-hour day forecast exactly, and a day not metered yet
    rows += series("metering_point", "RO-MP-H1", "VB-RO", "RO", NORMAL_DAY, same(0.9, 24), same(1.0, 24), same(1.1, 24),
                   created=datetime(2026, 10, 23, 9, 30, tzinfo=UTC))
    rows += series("metering_point", "RO-MP-H1", "VB-RO", "RO", FUTURE_DAY, same(0.9, 24), same(1.0, 24), same(1.1, 24),
                   created=datetime(2026, 11, 1, 10, 30, tzinfo=UTC))
    return rows


def plan(group: str, company: str, market: str, day: date, planned: str, without_forecast: int, created: datetime) -> list[tuple]:
    return [
        (day, market, company, group, start, local_start, 60, D(planned), D("0.001"), D("0.002"), D("0.003"), 2,
         without_forecast, CUTOFF, created, "run-1")
        for start, local_start in hours(market, day)
    ]


def build_plans() -> list[tuple]:
    return [
        *plan("VB-RO-HH", "VB-RO", "RO", DST_DAY, "1.5", 0, CREATED),
        *plan("VB-RO-CI", "VB-RO", "RO", DST_DAY, "0.1", 1, CREATED),
        # recomputed after gate closure: not what was nominated
        *plan("VB-BG-ALL", "VB-BG", "BG", DST_DAY, "0.0", 1, RERUN_CREATED),
    ]


def load_forecasting(con: duckdb.DuckDBPyConnection) -> None:
    create_forecasting_tables(con)
    create_billing_ledger_tables(con)
    create_emobility_tables(con)
    create_allocation_tables(con)
    insert(con, "forecasting.series_forecasts", build_forecasts(), SERIES_FORECASTS_COLUMNS)
    insert(con, "forecasting.purchase_plans", build_plans(), PURCHASE_PLANS_COLUMNS)


# --------------------------------------------------------------------------------------------
# dbt
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    work = tmp_path_factory.mktemp("forecasting_dbt_models")
    path = work / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        load_raw(con, build_raw())
        load_forecasting(con)
    completed = run_dbt(["build"], path, work)
    assert completed.returncode == 0, completed.stdout[-8000:] + completed.stderr[-4000:]
    with duckdb.connect(str(path), read_only=True) as con:
        con.execute("SET TimeZone = 'UTC'")
        yield con


def rows(con: duckdb.DuckDBPyConnection, sql: str, *params) -> list[tuple]:
    return con.execute(sql, list(params)).fetchall()


def percent(numerator: Decimal, denominator: Decimal, places: str = "0.01") -> Decimal:
    return (numerator * 100 / denominator).quantize(D(places), rounding=ROUND_HALF_UP)


# --------------------------------------------------------------------------------------------
# Balancing groups
# --------------------------------------------------------------------------------------------


def test_every_metering_point_is_in_exactly_one_balancing_group_and_the_class_row_wins(warehouse) -> None:
    got = rows(
        warehouse,
        """
        SELECT points.metering_point_id, points.balancing_group_id, assigned.assignment_rule, assigned.matching_groups_count
        FROM marts.dim_metering_points AS points
        JOIN intermediate.int_metering_points_balancing_group_assigned AS assigned USING (metering_point_id)
        ORDER BY 1
        """,
    )
    assert got == [
        # VB-BG has only its company-wide group
        ("BG-MP-C1", "VB-BG-ALL", "company_default", 1),
        ("BG-MP-H9", "VB-BG-ALL", "company_default", 1),
        # commercial and industrial are on no row of VB-RO: the company-wide row
        ("RO-MP-C1", "VB-RO-CI", "company_default", 1),
        # households match both VB-RO rows (the household row and the company-wide row): the class row wins
        ("RO-MP-H1", "VB-RO-HH", "customer_class", 1),
        ("RO-MP-H2", "VB-RO-HH", "customer_class", 1),
        ("RO-MP-I1", "VB-RO-CI", "company_default", 1),
    ]
    # every point of the dimension is there once with a group
    assert rows(
        warehouse,
        "SELECT count(*), count(DISTINCT metering_point_id), count(balancing_group_id) FROM marts.dim_metering_points",
    ) == [(6, 6, 6)]


def test_markets_record_the_day_ahead_gate_closure_and_resolutions(warehouse) -> None:
    assert rows(
        warehouse,
        """
        SELECT market_code, gate_closure_local_time, day_ahead_resolution_minutes, imbalance_settlement_period_minutes
        FROM reference.markets ORDER BY 1
        """,
    ) == [("BG", "13:00", 15, 15), ("RO", "13:00", 15, 15)]


def test_a_point_of_a_company_without_a_balancing_group_fails_the_build(tmp_path: Path) -> None:
    """A company the seed does not know: its point gets no group, and the tests say so."""
    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        load_raw(con, build_raw(
            extra_companies=[("VB-RO2", "Voltbill Retail SRL", "RO", "Europe/Bucharest", "RO87654321")],
            extra_points=[("RO2-MP-1", "RO", "RO-DSO-A", "VB-RO2", "C-RO2-1", "household", 60, D("10.000"))],
        ))
        create_forecasting_tables(con)
        create_billing_ledger_tables(con)
        create_emobility_tables(con)
        create_allocation_tables(con)
    # seeds and models only: a failing test would skip dim_metering_points, and the tests below read it
    completed = run_dbt(
        ["build", "--select", "+dim_metering_points", "+dim_customers", "--resource-type", "seed", "--resource-type", "model"],
        path,
        tmp_path,
    )
    assert completed.returncode == 0, completed.stdout[-8000:]
    tests = [
        "assert_metering_points_have_exactly_one_balancing_group",
        "not_null_dim_metering_points_balancing_group_id",
        "not_null_int_metering_points_balancing_group_assigned_balancing_group_id",
    ]
    completed = run_dbt(["test", "--select", *tests], path, tmp_path)
    assert completed.returncode != 0
    for test in tests:
        assert f"Failure in test {test}" in completed.stdout, completed.stdout[-8000:]
    with duckdb.connect(str(path), read_only=True) as con:
        got = rows(
            con,
            """
            SELECT points.metering_point_id, points.balancing_group_id, assigned.matching_groups_count
            FROM marts.dim_metering_points AS points
            JOIN intermediate.int_metering_points_balancing_group_assigned AS assigned USING (metering_point_id)
            WHERE points.company_id = 'VB-RO2'
            """,
        )
        # kept, not dropped: the point is there without a group
        assert got == [("RO2-MP-1", None, 0)]


# --------------------------------------------------------------------------------------------
# Purchase plan
# --------------------------------------------------------------------------------------------


def test_purchase_plan_carries_the_balancing_group_eic_code_and_the_gate_closure(warehouse) -> None:
    got = rows(
        warehouse,
        """
        SELECT balancing_group_id, balancing_group_eic_code, balancing_group_name, company_id, company_legal_name,
               market_code, market_timezone, count(*), sum(planned_mwh), min(gate_closure_utc), max(gate_closure_utc),
               bool_and(is_created_before_gate_closure), sum(metering_points_without_forecast_count)
        FROM marts.fct_purchase_plan WHERE delivery_date = DATE '2026-10-25'
        GROUP BY ALL ORDER BY 1
        """,
    )
    # 13:00 local on 10-24 (still EEST, UTC+3 in both markets) = 10:00Z; 25 periods on the DST day
    gate = datetime(2026, 10, 24, 10, 0, tzinfo=UTC)
    assert got == [
        # written at 10:30Z, after gate closure
        ("VB-BG-ALL", "32XVB-BG-ALL---Q", "Voltbill Energia portfolio", "VB-BG", "Voltbill Energia EOOD", "BG", "Europe/Sofia",
         25, D("0.0"), gate, gate, False, 25),
        ("VB-RO-CI", "30XVB-RO-CI----C", "Voltbill Energie commercial and industrial", "VB-RO", "Voltbill Energie SRL", "RO",
         "Europe/Bucharest", 25, D("2.5"), gate, gate, True, 25),
        # 25 x 1.5 MWh
        ("VB-RO-HH", "30XVB-RO-HH----K", "Voltbill Energie households", "VB-RO", "Voltbill Energie SRL", "RO",
         "Europe/Bucharest", 25, D("37.5"), gate, gate, True, 0),
    ]
    repeated = rows(
        warehouse,
        """
        SELECT period_start_utc, period_end_utc, period_start_local, local_hour, planned_mwh
        FROM marts.fct_purchase_plan WHERE balancing_group_id = 'VB-RO-HH' AND local_hour = 3 ORDER BY 1
        """,
    )
    assert repeated == [
        (datetime(2026, 10, 25, 0, tzinfo=UTC), datetime(2026, 10, 25, 1, tzinfo=UTC), datetime(2026, 10, 25, 3), 3, D("1.5")),
        (datetime(2026, 10, 25, 1, tzinfo=UTC), datetime(2026, 10, 25, 2, tzinfo=UTC), datetime(2026, 10, 25, 3), 3, D("1.5")),
    ]


# --------------------------------------------------------------------------------------------
# Forecast accuracy per hour
# --------------------------------------------------------------------------------------------


def test_only_hours_with_an_actual_are_compared(warehouse) -> None:
    got = rows(
        warehouse,
        """
        SELECT delivery_date, series_level, series_id, count(*), min(local_hour), max(local_hour)
        FROM marts.fct_forecast_accuracy GROUP BY ALL ORDER BY 1, 2, 3
        """,
    )
    assert [(str(day), *rest) for day, *rest in got] == [
        ("2026-10-24", "metering_point", "RO-MP-H1", 24, 0, 23),
        ("2026-10-25", "balancing_group", "VB-RO-CI", 25, 0, 23),
        ("2026-10-25", "balancing_group", "VB-RO-HH", 25, 0, 23),
        ("2026-10-25", "company", "VB-BG", 25, 0, 23),
        ("2026-10-25", "company", "VB-RO", 25, 0, 23),
        ("2026-10-25", "customer_class", "VB-RO/industrial", 25, 0, 23),
        # BG-MP-H9 has no metered hour, and nothing is metered on 2026-11-02 yet
        ("2026-10-25", "metering_point", "BG-MP-C1", 25, 0, 23),
        ("2026-10-25", "metering_point", "RO-MP-C1", 25, 0, 23),
        ("2026-10-25", "metering_point", "RO-MP-H1", 25, 0, 23),
        ("2026-10-25", "metering_point", "RO-MP-H2", 25, 0, 23),
        ("2026-10-25", "metering_point", "RO-MP-I1", 25, 0, 23),
    ]


def test_hourly_errors_of_a_metering_point_on_the_25_hour_day(warehouse) -> None:
    got = rows(
        warehouse,
        """
        SELECT period_start_utc, period_start_local, local_hour, actual_kwh, p50_kwh, error_kwh, absolute_error_kwh,
               absolute_percentage_error_pct, is_within_p10_p90
        FROM marts.fct_forecast_accuracy
        WHERE series_id = 'RO-MP-I1' AND local_hour IN (3, 4) ORDER BY 1
        """,
    )
    assert got == [
        # local 03:00 twice (EEST, then EET), idle: the actual is 0, so no percentage error
        (datetime(2026, 10, 25, 0, tzinfo=UTC), datetime(2026, 10, 25, 3), 3, D("0.000"), D("3.000"), D("-3.000"), D("3.000"), None, False),
        (datetime(2026, 10, 25, 1, tzinfo=UTC), datetime(2026, 10, 25, 3), 3, D("0.000"), D("3.000"), D("-3.000"), D("3.000"), None, False),
        # 4 x 0.750 = 3.000 against P50 3.000, within 2.5-3.5
        (datetime(2026, 10, 25, 2, tzinfo=UTC), datetime(2026, 10, 25, 4), 4, D("3.000"), D("3.000"), D("0.000"), D("0.000"), D("0.0000"), True),
    ]
    # RO-MP-H2 in period 1: |0.500 - 0.400| x 100 / 0.500 = 20 %; the band 0.300-0.450 misses 0.500
    assert rows(
        warehouse,
        """
        SELECT error_kwh, absolute_percentage_error_pct, is_within_p10_p90 FROM marts.fct_forecast_accuracy
        WHERE series_id = 'RO-MP-H2' AND period_start_utc = TIMESTAMPTZ '2026-10-24 21:00:00+00'
        """,
    ) == [(D("0.100"), D("20.0000"), False)]
    # the gap at 10:00 local is estimated from the hour's October mean: flagged, same value
    assert rows(
        warehouse,
        """
        SELECT local_hour, actual_kwh, estimated_actual_kwh, has_estimated_actual, is_within_p10_p90
        FROM marts.fct_forecast_accuracy WHERE series_id = 'RO-MP-H1' AND period_start_utc = ?
        """,
        RO_H1_GAP,
    ) == [(10, D("1.000"), D("1.000"), True, True)]


def test_group_actuals_are_the_sum_of_their_members(warehouse) -> None:
    got = rows(
        warehouse,
        """
        SELECT series_level, series_id, actual_kwh, p50_kwh, error_kwh, direct_p50_kwh, direct_error_kwh,
               metering_points_count, metering_points_without_actual_count, is_actual_complete, reconciliation
        FROM marts.fct_forecast_accuracy
        WHERE series_level <> 'metering_point' AND period_start_utc = TIMESTAMPTZ '2026-10-24 21:00:00+00'
        ORDER BY 1, 2
        """,
    )
    assert got == [
        # RO-MP-C1 2.000 + RO-MP-I1 0 (idle); bottom-up P50 3.000 lacks RO-MP-C1, the group model said 5.000
        ("balancing_group", "VB-RO-CI", D("2.000"), D("3.000"), D("-1.000"), D("5.000"), D("-3.000"), 2, 0, True, "bottom_up"),
        # RO-MP-H1 1.000 + RO-MP-H2 0.500
        ("balancing_group", "VB-RO-HH", D("1.500"), D("1.600"), D("-0.100"), D("1.500"), D("0.000"), 2, 0, True, "bottom_up"),
        # BG-MP-C1 4.000; BG-MP-H9 was forecast but its DSO has not delivered: incomplete
        ("company", "VB-BG", D("4.000"), D("5.000"), D("-1.000"), D("5.000"), D("-1.000"), 1, 1, False, "bottom_up"),
        # 1.000 + 0.500 + 2.000 + 0
        ("company", "VB-RO", D("3.500"), D("4.600"), D("-1.100"), D("5.000"), D("-1.500"), 4, 0, True, "bottom_up"),
        ("customer_class", "VB-RO/industrial", D("0.000"), D("3.000"), D("-3.000"), D("3.000"), D("-3.000"), 1, 0, True, "bottom_up"),
    ]


# --------------------------------------------------------------------------------------------
# Forecast accuracy per day
# --------------------------------------------------------------------------------------------

DAILY_COLUMNS = """
    delivery_day_hours, periods_with_actual_count, periods_count, periods_without_forecast_count, zero_actual_periods_count,
    actual_kwh, actual_without_forecast_kwh, forecast_p50_kwh, error_kwh, absolute_error_kwh,
    mae_kwh, wape_pct, mape_pct, coverage_p10_p90_pct, has_estimated_actual, is_actual_complete
"""


def daily(warehouse, delivery_date: date, series_id: str) -> tuple:
    (row,) = rows(
        warehouse,
        f"SELECT {DAILY_COLUMNS} FROM marts.fct_forecast_accuracy_daily WHERE delivery_date = ? AND series_id = ?",
        delivery_date,
        series_id,
    )
    return row


def test_daily_accuracy_of_metering_points_on_the_25_hour_day(warehouse) -> None:
    # RO-MP-H1: 25 h x 1.000 against 1.200: |error| 0.200 an hour, 5.000 in all
    #   MAE 5.000 / 25 = 0.200; WAPE 5.000 x 100 / 25.000 = 20 %; MAPE 20 %; 1.000 sits on P10 (inclusive): 100 %
    assert daily(warehouse, DST_DAY, "RO-MP-H1") == (
        25, 25, 25, 0, 0, D("25.000"), D("0.000"), D("30.000"), D("-5.000"), D("5.000"),
        D("0.200"), D("20.00"), D("20.00"), D("100.00"), True, True,
    )
    # RO-MP-H2: 0.500 an hour; P50 0.400 x 10 + 0.600 x 15 = 13.000; |error| 0.100 every hour = 2.500
    #   MAE 0.100; WAPE 2.5 / 12.5 = 20 %; MAPE 20 %; within the band only in periods 11-25 (0.45-0.70): 15/25 = 60 %
    assert daily(warehouse, DST_DAY, "RO-MP-H2") == (
        25, 25, 25, 0, 0, D("12.500"), D("0.000"), D("13.000"), D("-0.500"), D("2.500"),
        D("0.100"), D("20.00"), D("20.00"), D("60.00"), False, True,
    )
    # RO-MP-C1: no forecast could be made: nothing to evaluate, the 25 x 2.000 kWh stay visible
    assert daily(warehouse, DST_DAY, "RO-MP-C1") == (
        25, 25, 0, 25, 0, None, D("50.000"), None, None, None,
        None, None, None, None, False, True,
    )
    # RO-MP-I1: 5 idle hours (error 3.000 each) + 20 x 3.000 on target: |error| 15.000, actual 60.000
    #   MAE 15 / 25 = 0.600; WAPE 15 / 60 = 25 %; MAPE over the 20 non-zero hours = 0 %; band 20/25 = 80 %
    assert daily(warehouse, DST_DAY, "RO-MP-I1") == (
        25, 25, 25, 0, 5, D("60.000"), D("0.000"), D("75.000"), D("-15.000"), D("15.000"),
        D("0.600"), D("25.00"), D("0.00"), D("80.00"), False, True,
    )
    # BG-MP-C1: 25 x 4.000 forecast exactly
    assert daily(warehouse, DST_DAY, "BG-MP-C1") == (
        25, 25, 25, 0, 0, D("100.000"), D("0.000"), D("100.000"), D("0.000"), D("0.000"),
        D("0.000"), D("0.00"), D("0.00"), D("100.00"), False, True,
    )
    # an ordinary day has 24 hours
    assert daily(warehouse, NORMAL_DAY, "RO-MP-H1") == (
        24, 24, 24, 0, 0, D("24.000"), D("0.000"), D("24.000"), D("0.000"), D("0.000"),
        D("0.000"), D("0.00"), D("0.00"), D("100.00"), False, True,
    )


def test_daily_accuracy_of_groups_is_volume_weighted(warehouse) -> None:
    # VB-RO: actual per period 1.000 + 0.500 + 2.000 + (0 in periods 1-5, else 3.000); P50 4.600 / 4.800
    actual = [D("3.5")] * 5 + [D("6.5")] * 20
    p50 = [D("4.6")] * 10 + [D("4.8")] * 15
    errors = [abs(a - p) for a, p in zip(actual, p50)]  # 1.1 x 5, 1.9 x 5, 1.7 x 15
    assert sum(errors) == D("40.5") and sum(actual) == D("147.5")
    wape = percent(sum(errors), sum(actual))  # 40.5 x 100 / 147.5 = 27.457... -> 27.46
    mae = (sum(errors) / 25).quantize(D("0.001"))  # 1.620
    apes = [percent(e, a, "0.0001") for e, a in zip(errors, actual)]  # 31.4286 x 5, 29.2308 x 5, 26.1538 x 15
    mape = (sum(apes) / len(apes)).quantize(D("0.01"), rounding=ROUND_HALF_UP)  # 695.6040 / 25 = 27.82
    assert (wape, mae, mape) == (D("27.46"), D("1.620"), D("27.82"))
    assert daily(warehouse, DST_DAY, "VB-RO") == (
        25, 25, 25, 0, 0, D("147.500"), D("0.000"), D("118.000"), D("29.500"), D("40.500"),
        mae, wape, mape, D("0.00"), True, True,
    )
    # VB-RO-HH: 1.500 an hour against 1.600 (x 10) and 1.800 (x 15): |error| 1.0 + 4.5 = 5.5 of 37.5
    #   WAPE 14.666... -> 14.67; MAE 0.220; MAPE (10 x 6.6667 + 15 x 20) / 25 = 14.67; band 1.4-1.8 holds 1.5 in periods 1-10
    assert daily(warehouse, DST_DAY, "VB-RO-HH") == (
        25, 25, 25, 0, 0, D("37.500"), D("0.000"), D("43.000"), D("-5.500"), D("5.500"),
        D("0.220"), D("14.67"), D("14.67"), D("40.00"), True, True,
    )
    # VB-RO-CI: 2.000 (periods 1-5) and 5.000 against 3.000: |error| 5 x 1 + 20 x 2 = 45 of 110
    #   WAPE 40.909... -> 40.91; MAE 1.800; MAPE (5 x 50 + 20 x 40) / 25 = 42 %
    assert daily(warehouse, DST_DAY, "VB-RO-CI") == (
        25, 25, 25, 0, 0, D("110.000"), D("0.000"), D("75.000"), D("35.000"), D("45.000"),
        D("1.800"), D("40.91"), D("42.00"), D("0.00"), False, True,
    )
    # VB-RO/industrial holds RO-MP-I1 only: the same figures
    assert daily(warehouse, DST_DAY, "VB-RO/industrial")[5:14] == daily(warehouse, DST_DAY, "RO-MP-I1")[5:14]
    # VB-BG: 4.000 metered against 5.000 (BG-MP-H9's 1.000 included, its actual not delivered): 25 % off, incomplete
    assert daily(warehouse, DST_DAY, "VB-BG") == (
        25, 25, 25, 0, 0, D("100.000"), D("0.000"), D("125.000"), D("-25.000"), D("25.000"),
        D("1.000"), D("25.00"), D("25.00"), D("0.00"), False, False,
    )


def test_daily_model_and_fallback(warehouse) -> None:
    got = rows(
        warehouse,
        """
        SELECT series_id, model_name, models_count, reconciliation, fallback_reason, fallback_periods_count, created_at
        FROM marts.fct_forecast_accuracy_daily
        WHERE delivery_date = DATE '2026-10-25' AND series_id IN ('RO-MP-C1', 'RO-MP-H1', 'VB-RO') ORDER BY 1
        """,
    )
    assert got == [
        ("RO-MP-C1", "none", 1, "none", "insufficient_history", 25, CREATED),
        ("RO-MP-H1", "ridge_arx", 1, "none", None, 0, CREATED),
        ("VB-RO", "ridge_arx", 1, "bottom_up", None, 0, CREATED),
    ]
