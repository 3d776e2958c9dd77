"""The dbt models on a small hand-written portfolio, checked against values computed by hand.

One `dbt build` (seeds, models, tests) runs against a fresh DuckDB file whose `raw` schema is filled
with the rows below. Four metering points, one per market and daylight-saving change:

=============  ======  ========  ==========  ============  ==========  ==============================
point          market  interval  DSO         supply start  capacity    spine (local)
=============  ======  ========  ==========  ============  ==========  ==============================
RO-MP-Q-OCT    RO      15 min    RO-DSO-A    2025-10-20    40 kW       2025-10-20 .. 2025-10-31
BG-MP-H-OCT    BG      60 min    BG-DSO-A    2025-10-20    50 kW       2025-10-20 .. 2025-10-31
RO-MP-H-MAR    RO      60 min    RO-DSO-B    2026-03-27    30 kW       2026-03-27 .. 2026-03-31
BG-MP-Q-MAR    BG      15 min    BG-DSO-B    2026-03-27    20 kW       2026-03-27 .. 2026-03-31
=============  ======  ========  ==========  ============  ==========  ==============================

Each point delivers a constant value per interval except for the hand-placed cases below, so
every expected figure is a short sum (worked out next to each assertion). The rows are inserted
into `raw` directly, except one partner file with a malformed line, which goes through the real
loader (`ingestion.loader.ingest_source`) so the models consume the quarantine row it writes. Both markets are
UTC+3 before / UTC+2 after 2025-10-26 01:00Z and UTC+2 before / UTC+3 after 2026-03-29 01:00Z.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest

from ingestion.loader import ingest_source
from ingestion.raw_schema import create_raw_schema
from ingestion.sources import METER_READINGS
from assets.forecasting_tables import create_forecasting_tables
from billing.ledger_tables import create_billing_ledger_tables
from allocation.ledger_tables import create_allocation_tables
from rating.ledger_tables import create_emobility_tables
from tests.integration.dbt_runner import run_dbt

ZONES = {"RO": ZoneInfo("Europe/Bucharest"), "BG": ZoneInfo("Europe/Sofia")}
INGESTED_AT = datetime(2026, 4, 2, 6, 0, tzinfo=UTC)

D = Decimal


# --------------------------------------------------------------------------------------------
# The raw rows
# --------------------------------------------------------------------------------------------


def local(market: str, year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A local wall-clock time of a market as a UTC instant (only unambiguous times are used)."""
    return datetime(year, month, day, hour, minute, tzinfo=ZONES[market]).astimezone(UTC)


def spine(market: str, first_day: date, end_day: date, minutes: int) -> Iterator[datetime]:
    """UTC interval starts from local midnight of first_day to local midnight of end_day (exclusive)."""
    start = local(market, first_day.year, first_day.month, first_day.day, 0)
    end = local(market, end_day.year, end_day.month, end_day.day, 0)
    instant = start
    while instant < end:
        yield instant
        instant += timedelta(minutes=minutes)


class Raw:
    """Collects raw rows with their lineage, file by file, in delivery order."""

    def __init__(self) -> None:
        self.rows: dict[str, list[tuple]] = {}
        self.files: list[tuple] = []
        self.seq = 0

    def file(self, table: str, name: str, rows: list[tuple]) -> None:
        self.seq += 1
        ingestion_id = f"{self.seq:016x}"
        lineage = [(name, line, ingestion_id, self.seq, INGESTED_AT) for line in range(2, len(rows) + 2)]
        self.rows.setdefault(table, []).extend(row + extra for row, extra in zip(rows, lineage))
        self.files.append(
            (ingestion_id, self.seq, table, name, f"{self.seq:064x}", 100 * len(rows), len(rows), 0, "loaded", None, INGESTED_AT)
        )


INGESTED_FILES_COLUMNS = (
    "ingestion_id, ingestion_seq, source, file_name, sha256, size_bytes, rows_loaded, rows_rejected, status, message, ingested_at"
)


def readings(point: str, market: str, first_day: date, end_day: date, minutes: int, base: tuple, overrides: dict, gaps: set) -> list[tuple]:
    """Regular readings of a point: `base` (energy, inductive, capacitive) per interval, `overrides` by
    UTC start, nothing at the `gaps`."""
    rows = []
    for start in spine(market, first_day, end_day, minutes):
        if start in gaps:
            continue
        values = overrides.get(start, base)
        rows.append((point, start, minutes, *(D(v) for v in values)))
    return rows


# Hand-placed cases (local times; the UTC instant is in the comment)
RO_GAP_WEEK_BEFORE = local("RO", 2025, 10, 28, 10)  # 08:00Z; 7 days earlier 10-21 10:00 local (07:00Z)
RO_WEEK_BEFORE_SOURCE = local("RO", 2025, 10, 21, 10)  # 0.400 / 0.150 / 0.020
RO_GAP_WEEK_AFTER = local("RO", 2025, 10, 22, 9)  # 06:00Z; 10-15 not supplied; 10-29 09:00 local (07:00Z)
RO_WEEK_AFTER_SOURCE = local("RO", 2025, 10, 29, 9)  # 0.300 / 0.100 / 0.020
RO_SPIKE = local("RO", 2025, 10, 23, 12)  # 09:00Z, 15 kWh > 40 kW x 0.25 h; estimated from 10-30 12:00 local
RO_REVISED = local("RO", 2025, 10, 27, 8)  # 06:00Z: 0.250 in the month file, 0.500 in the correction file
RO_REDELIVERED = local("RO", 2025, 10, 27, 8, 15)  # 06:15Z: 0.250 again in the correction file (unchanged)
RO_BEFORE_SUPPLY = local("RO", 2025, 10, 19, 23, 45)  # 20:45Z, before the supply start 2025-10-20
BG_HOUR_14_GAPS = {local("BG", 2025, 10, 21, 14), local("BG", 2025, 10, 28, 14)}  # 11:00Z, 12:00Z
BG_HOUR_14_HIGH = local("BG", 2025, 10, 25, 14)  # 11:00Z: 3.000 instead of 2.000
BG_HOUR_5_GAPS = {local("BG", 2025, 10, day, 5) for day in range(20, 32)}  # never delivered: estimated 0
# A year typo in the BG March file: 2027 instead of 2026, after the file was loaded (INGESTED_AT).
BG_FUTURE = local("BG", 2027, 3, 30, 10)  # 2027-03-30 07:00Z


def build_raw() -> Raw:
    raw = Raw()
    raw.file(
        "companies",
        "companies_2025-10.csv",
        [
            ("VB-RO", "Voltbill Energie SRL", "RO", "Europe/Bucharest", "RO12345678"),
            ("VB-BG", "Voltbill Energia EOOD", "BG", "Europe/Sofia", "BG123456789"),
        ],
    )
    raw.file(
        "locations",
        "locations_2025-10.csv",
        [
            ("L-RO-N", "VB-RO", None, "region", "North", None, None),
            ("L-RO-SA", "VB-RO", "L-RO-N", "site", "Site A", "Str. Fabricii 1", "Cluj-Napoca"),
            ("L-RO-B1", "VB-RO", "L-RO-SA", "building", "Building 1", "Str. Fabricii 1", "Cluj-Napoca"),
            ("L-BG-W", "VB-BG", None, "region", "West", None, None),
            ("L-BG-SP", "VB-BG", "L-BG-W", "site", "Plant Sofia", "ul. Zavodska 5", "Sofia"),
        ],
    )
    raw.file(
        "dso_confirmations",
        "confirmations_2025-10.csv",
        [
            (date(2025, 10, 1), "RO-DSO-A", "VB-RO", "C-RO-1", "Fabrica SA", "industrial", "RO111", "RO-MP-Q-OCT", "L-RO-B1", date(2025, 10, 20), 15, D("40.000"), "MV"),
            (date(2025, 10, 1), "BG-DSO-A", "VB-BG", "C-BG-1", "Zavod AD", "commercial", "BG222", "BG-MP-H-OCT", "L-BG-SP", date(2025, 10, 20), 60, D("50.000"), "LV"),
        ],
    )
    raw.file(
        "contracts",
        "contracts.csv",
        [
            ("RO-CT-1", 0, "VB-RO", "C-RO-1", "FIX", D("0.550000"), "RON", D("300.000"), D("5.00"), date(2025, 1, 1), None, date(2024, 12, 15), "ro", "inv@fabrica.ro", 30),
            ("RO-CT-1", 1, "VB-RO", "C-RO-1", "FIX", D("0.600000"), "RON", D("100.000"), D("10.00"), date(2026, 3, 1), None, date(2026, 2, 10), "ro", "inv@fabrica.ro", 30),
            ("RO-CT-1", 2, "VB-RO", "C-RO-1", "FIX", D("0.650000"), "RON", D("120.000"), D("10.00"), date(2026, 6, 1), date(2026, 12, 31), date(2026, 5, 20), "ro", "inv@fabrica.ro", 30),
            ("BG-CT-1", 0, "VB-BG", "C-BG-1", "TOU", D("0.210000"), "BGN", D("500.000"), D("10.00"), date(2025, 10, 1), None, date(2025, 9, 20), "bg", None, 15),
            ("BG-CT-1", 1, "VB-BG", "C-BG-1", "TOU", D("0.110000"), "EUR", D("120.000"), D("5.00"), date(2026, 1, 1), None, date(2025, 12, 1), "en", "ap@zavod.bg", 15),
        ],
    )
    # RO, October: four defective rows first (lines 2-5), then the regular rows from line 6.
    ro_oct = [
        ("RO-MP-Q-OCT", RO_BEFORE_SUPPLY, 15, D("0.250"), D("0.100"), D("0.020")),  # line 2
        ("RO-MP-UNKNOWN", local("RO", 2025, 10, 21, 0), 15, D("1.000"), D("0.000"), D("0.000")),  # line 3
        ("RO-MP-UNKNOWN", local("RO", 2025, 10, 21, 0, 15), 15, D("1.000"), D("0.000"), D("0.000")),  # line 4
        ("RO-MP-Q-OCT", RO_SPIKE, 15, D("15.000"), D("0.100"), D("0.020")),  # line 5
    ]
    ro_oct += readings(
        "RO-MP-Q-OCT", "RO", date(2025, 10, 20), date(2025, 11, 1), 15, ("0.250", "0.100", "0.020"),
        overrides={RO_WEEK_BEFORE_SOURCE: ("0.400", "0.150", "0.020"), RO_WEEK_AFTER_SOURCE: ("0.300", "0.100", "0.020")},
        gaps={RO_GAP_WEEK_BEFORE, RO_GAP_WEEK_AFTER, RO_SPIKE},
    )
    raw.file("meter_readings", "ro-dso-a_2025-10.csv", ro_oct)
    raw.file(
        "meter_readings",
        "bg-dso-a_2025-10.csv",
        readings(
            "BG-MP-H-OCT", "BG", date(2025, 10, 20), date(2025, 11, 1), 60, ("2.000", "0.500", "0.100"),
            overrides={BG_HOUR_14_HIGH: ("3.000", "0.500", "0.100")},
            gaps=BG_HOUR_14_GAPS | BG_HOUR_5_GAPS,
        ),
    )
    # A later confirmation of the October RO point: the voltage level changes (latest wins).
    raw.file(
        "dso_confirmations",
        "confirmations_2026-03.csv",
        [
            (date(2025, 11, 1), "RO-DSO-A", "VB-RO", "C-RO-1", "Fabrica SA", "industrial", "RO111", "RO-MP-Q-OCT", "L-RO-B1", date(2025, 10, 20), 15, D("40.000"), "HV"),
            (date(2026, 3, 1), "RO-DSO-B", "VB-RO", "C-RO-1", "Fabrica Noua SA", "industrial", "RO111", "RO-MP-H-MAR", "L-RO-B1", date(2026, 3, 27), 60, D("30.000"), "LV"),
            (date(2026, 3, 1), "BG-DSO-B", "VB-BG", "C-BG-1", "Zavod AD", "commercial", "BG222", "BG-MP-Q-MAR", "L-BG-SP", date(2026, 3, 27), 15, D("20.000"), "LV"),
        ],
    )
    raw.file(
        "meter_readings",
        "ro-dso-b_2026-03.csv",
        readings("RO-MP-H-MAR", "RO", date(2026, 3, 27), date(2026, 4, 1), 60, ("1.000", "0.200", "0.050"), {}, set()),
    )
    # 476 regular quarter-hours (lines 2-477), then the future reading on line 478: rejected as
    # future_interval, it must not stretch BG-DSO-B's spine to March 2027.
    raw.file(
        "meter_readings",
        "bg-dso-b_2026-03.csv",
        readings("BG-MP-Q-MAR", "BG", date(2026, 3, 27), date(2026, 4, 1), 15, ("0.500", "0.100", "0.000"), {}, set())
        + [("BG-MP-Q-MAR", BG_FUTURE, 15, D("0.500"), D("0.100"), D("0.000"))],
    )
    # The RO DSO corrects one October quarter-hour and re-sends its neighbour unchanged.
    raw.file(
        "meter_readings",
        "ro-dso-a_2025-10_correction.csv",
        [
            ("RO-MP-Q-OCT", RO_REVISED, 15, D("0.500"), D("0.100"), D("0.020")),  # line 2
            ("RO-MP-Q-OCT", RO_REDELIVERED, 15, D("0.250"), D("0.100"), D("0.020")),  # line 3
        ],
    )
    raw.file(
        "dso_consumption",
        "dso-consumption_2025-10.csv",
        [
            (date(2025, 10, 1), "RO-DSO-A", "RO-MP-Q-OCT", "day", D("192.650"), D("77.100"), D("15.410")),
            (date(2025, 10, 1), "RO-DSO-A", "RO-MP-Q-OCT", "night", D("97.000"), D("38.800"), D("7.760")),
            (date(2025, 10, 1), "BG-DSO-A", "BG-MP-H-OCT", "peak", D("144.000"), D("36.000"), D("7.200")),
            (date(2025, 10, 1), "BG-DSO-A", "BG-MP-H-OCT", "day", D("241.200"), D("60.000"), D("12.000")),
            (date(2025, 10, 1), "BG-DSO-A", "BG-MP-H-OCT", "night", D("190.000"), D("47.500"), D("9.500")),
            (date(2025, 11, 1), "BG-DSO-A", "BG-MP-H-OCT", "day", D("10.000"), D("2.500"), D("0.500")),
        ],
    )
    raw.file(
        "dso_consumption",
        "dso-consumption_2026-03.csv",
        [
            (date(2026, 3, 1), "RO-DSO-B", "RO-MP-H-MAR", "day", D("80.000"), D("16.000"), D("4.000")),
            (date(2026, 3, 1), "RO-DSO-B", "RO-MP-H-MAR", "night", D("39.500"), D("7.800"), D("1.950")),
        ],
    )
    raw.file(
        "dso_network_fees",
        "dso-fees_2025-10.csv",
        [(date(2025, 10, 1), "RO-DSO-A", "RO-MP-Q-OCT", "distribution", D("289.650"), "kWh", D("0.123456"), D("35.76"), "RON")],
    )
    raw.file(
        "weather",
        "weather_2026-03-29.csv",
        [
            ("RO", datetime(2026, 3, 29, 10, tzinfo=UTC), "actual", None, D("8.50")),
            ("RO", datetime(2026, 3, 29, 10, tzinfo=UTC), "forecast", datetime(2026, 3, 28, 6, tzinfo=UTC), D("7.00")),
            ("RO", datetime(2026, 3, 29, 10, tzinfo=UTC), "forecast", datetime(2026, 3, 28, 18, tzinfo=UTC), D("8.00")),
            ("RO", datetime(2026, 3, 29, 10, tzinfo=UTC), "forecast", datetime(2026, 3, 29, 12, tzinfo=UTC), D("9.00")),
            ("BG", datetime(2026, 3, 29, 11, tzinfo=UTC), "forecast", datetime(2026, 3, 28, 6, tzinfo=UTC), D("6.00")),
        ],
    )
    return raw


# The BG DSO re-sends one October hour with a decimal comma: a file the real loader quarantines.
LOADER_REJECT_FILE = "bg-dso-a_2025-10_resend.csv"
LOADER_REJECT_TEXT = (
    ",".join(METER_READINGS.column_names) + "\n"
    'BG-MP-H-OCT,2025-10-22T03:00:00+03:00,60,"2,5",0.500,0.100\n'  # line 2
)
# The loader's record of that line: its fields joined by commas as parsed (the quotes are gone).
LOADER_RECORD = "BG-MP-H-OCT,2025-10-22T03:00:00+03:00,60,2,5,0.500,0.100"


def load_raw(path: Path, inbox: Path) -> None:
    raw = build_raw()
    with duckdb.connect(str(path)) as con:
        create_raw_schema(con)
        # the forecasting assets create their (empty) tables before dbt runs; the dbt build reads them
        create_forecasting_tables(con)
        create_billing_ledger_tables(con)
        create_emobility_tables(con)
        create_allocation_tables(con)
        for table, rows in raw.rows.items():
            placeholders = ", ".join("?" * len(rows[0]))
            con.executemany(f"INSERT INTO raw.{table} VALUES ({placeholders})", rows)
        con.executemany(f"INSERT INTO raw.ingested_files ({INGESTED_FILES_COLUMNS}) VALUES ({', '.join('?' * 11)})", raw.files)
        folder = inbox / METER_READINGS.name
        folder.mkdir(parents=True, exist_ok=True)
        (folder / LOADER_REJECT_FILE).write_bytes(LOADER_REJECT_TEXT.encode("utf-8"))
        result = ingest_source(con, METER_READINGS, inbox)
        assert [(f.file_name, f.rows_loaded, f.rows_rejected) for f in result.files] == [(LOADER_REJECT_FILE, 0, 1)]


# --------------------------------------------------------------------------------------------
# One dbt build over the rows
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    work = tmp_path_factory.mktemp("dbt_models")
    path = work / "warehouse.duckdb"
    load_raw(path, work / "inbox")
    completed = run_dbt(["build"], path, work)
    assert completed.returncode == 0, completed.stdout[-8000:] + completed.stderr[-4000:]
    with duckdb.connect(str(path), read_only=True) as con:
        con.execute("SET TimeZone = 'UTC'")
        yield con


def rows(con: duckdb.DuckDBPyConnection, sql: str, *params) -> list[tuple]:
    return con.execute(sql, list(params)).fetchall()


# --------------------------------------------------------------------------------------------
# Daylight-saving days
# --------------------------------------------------------------------------------------------


def test_daylight_saving_days_have_25_and_23_hours_in_both_markets(warehouse) -> None:
    got = rows(
        warehouse,
        """
        SELECT metering_point_id, local_date, count(*), sum(intervals_count), sum(energy_kwh)
        FROM marts.fct_hourly_consumption
        WHERE local_date IN (DATE '2025-10-26', DATE '2026-03-29')
        GROUP BY ALL ORDER BY 1
        """,
    )
    assert got == [
        # 24 of the 25 hours delivered at 2.000; local hour 5 never delivered -> estimated 0
        ("BG-MP-H-OCT", date(2025, 10, 26), 25, 25, D("48.000")),
        # 92 quarter-hours at 0.500
        ("BG-MP-Q-MAR", date(2026, 3, 29), 23, 92, D("46.000")),
        # 23 hours at 1.000
        ("RO-MP-H-MAR", date(2026, 3, 29), 23, 23, D("23.000")),
        # 100 quarter-hours at 0.250
        ("RO-MP-Q-OCT", date(2025, 10, 26), 25, 100, D("25.000")),
    ]


def test_the_repeated_autumn_hour_is_two_utc_hours_and_the_skipped_spring_hour_is_missing(warehouse) -> None:
    autumn = rows(
        warehouse,
        """
        SELECT hour_start_utc, hour_start_local, tariff_zone FROM marts.fct_hourly_consumption
        WHERE metering_point_id = 'RO-MP-Q-OCT' AND local_date = DATE '2025-10-26' AND local_hour = 3 ORDER BY 1
        """,
    )
    assert autumn == [
        (datetime(2025, 10, 26, 0, tzinfo=UTC), datetime(2025, 10, 26, 3), "night"),
        (datetime(2025, 10, 26, 1, tzinfo=UTC), datetime(2025, 10, 26, 3), "night"),
    ]
    spring = rows(
        warehouse,
        "SELECT local_hour FROM marts.fct_hourly_consumption WHERE metering_point_id = 'BG-MP-Q-MAR' AND local_date = DATE '2026-03-29' ORDER BY 1",
    )
    assert [hour for (hour,) in spring] == [0, 1, 2, *range(4, 24)]


def test_tariff_zones_follow_the_local_start_hour(warehouse) -> None:
    got = rows(
        warehouse,
        """
        SELECT metering_point_id, local_hour, tariff_zone FROM marts.fct_hourly_consumption
        WHERE local_date IN (DATE '2025-10-22', DATE '2026-03-30') AND local_hour IN (6, 7, 8, 11, 19, 22, 23)
        ORDER BY 1, 2
        """,
    )
    zones = {(mp, hour): zone for mp, hour, zone in got}
    assert [zones[("RO-MP-H-MAR", h)] for h in (6, 7, 8, 11, 19, 22, 23)] == ["night", "day", "day", "day", "day", "day", "night"]
    assert [zones[("BG-MP-H-OCT", h)] for h in (6, 7, 8, 11, 19, 22, 23)] == ["night", "day", "peak", "day", "peak", "day", "night"]


# --------------------------------------------------------------------------------------------
# Revisions and history
# --------------------------------------------------------------------------------------------


def test_a_later_file_supersedes_and_is_recalculated_while_history_keeps_both(warehouse) -> None:
    history = rows(
        warehouse,
        """
        SELECT interval_start_utc, revision_number, is_current, consumption_type, energy_kwh, source_file, source_line
        FROM intermediate.int_meter_readings_versioned
        WHERE metering_point_id = 'RO-MP-Q-OCT' AND interval_start_utc IN (?, ?)
        ORDER BY 1, 2
        """,
        RO_REVISED,
        RO_REDELIVERED,
    )
    # In the month file the regular rows start at line 6 with 10-19 21:00Z; 10-27 06:00Z is 177 hours
    # (708 quarter-hours) later, and two earlier quarter-hours were not delivered: line 6 + 706 = 712.
    assert history == [
        (datetime(2025, 10, 27, 6, 0, tzinfo=UTC), 1, False, "achieved", D("0.250"), "ro-dso-a_2025-10.csv", 712),
        (datetime(2025, 10, 27, 6, 0, tzinfo=UTC), 2, True, "recalculated", D("0.500"), "ro-dso-a_2025-10_correction.csv", 2),
        # delivered again with the same values: a new version, but not a recalculation
        (datetime(2025, 10, 27, 6, 15, tzinfo=UTC), 1, False, "achieved", D("0.250"), "ro-dso-a_2025-10.csv", 713),
        (datetime(2025, 10, 27, 6, 15, tzinfo=UTC), 2, True, "achieved", D("0.250"), "ro-dso-a_2025-10_correction.csv", 3),
    ]
    hour = rows(
        warehouse,
        """
        SELECT energy_kwh, intervals_count, recalculated_intervals_count, estimated_intervals_count
        FROM marts.fct_hourly_consumption WHERE metering_point_id = 'RO-MP-Q-OCT' AND hour_start_utc = ?
        """,
        datetime(2025, 10, 27, 6, tzinfo=UTC),
    )
    # 0.500 (corrected) + 3 x 0.250
    assert hour == [(D("1.250"), 4, 1, 0)]


# --------------------------------------------------------------------------------------------
# Gaps and estimates
# --------------------------------------------------------------------------------------------


def test_gaps_are_estimated_by_the_documented_method(warehouse) -> None:
    got = rows(
        warehouse,
        """
        SELECT metering_point_id, interval_start_utc, consumption_type, estimation_method,
               estimation_source_interval_start_utc, energy_kwh, inductive_kvarh, capacitive_kvarh
        FROM intermediate.int_meter_intervals_filled
        WHERE consumption_type = 'estimated' AND NOT (metering_point_id = 'BG-MP-H-OCT' AND local_hour = 5)
        ORDER BY 1, 2
        """,
    )
    assert got == [
        # local hour 14 missing on 10-21 and 10-28, so neither week neighbour exists: the mean of the
        # 10 valid 14:00 readings of October, (9 x 2.000 + 3.000) / 10 = 2.100
        ("BG-MP-H-OCT", datetime(2025, 10, 21, 11, tzinfo=UTC), "estimated", "local_hour_mean_of_month", None, D("2.100"), D("0.500"), D("0.100")),
        ("BG-MP-H-OCT", datetime(2025, 10, 28, 12, tzinfo=UTC), "estimated", "local_hour_mean_of_month", None, D("2.100"), D("0.500"), D("0.100")),
        # 10-22 09:00 local: 10-15 is before the supply start; 10-29 09:00 local (07:00Z after DST) = 0.300
        ("RO-MP-Q-OCT", datetime(2025, 10, 22, 6, tzinfo=UTC), "estimated", "same_local_time_7_days_later", datetime(2025, 10, 29, 7, tzinfo=UTC), D("0.300"), D("0.100"), D("0.020")),
        # the spike at 10-23 12:00 local is rejected; 10-30 12:00 local = 0.250
        ("RO-MP-Q-OCT", datetime(2025, 10, 23, 9, tzinfo=UTC), "estimated", "same_local_time_7_days_later", datetime(2025, 10, 30, 10, tzinfo=UTC), D("0.250"), D("0.100"), D("0.020")),
        # 10-28 10:00 local (08:00Z): same local time 7 days earlier is 10-21 10:00 local = 07:00Z (0.400),
        # not 168 hours earlier (10-21 08:00Z = 11:00 local, 0.250)
        ("RO-MP-Q-OCT", datetime(2025, 10, 28, 8, tzinfo=UTC), "estimated", "same_local_time_7_days_earlier", datetime(2025, 10, 21, 7, tzinfo=UTC), D("0.400"), D("0.150"), D("0.020")),
    ]
    zero = rows(
        warehouse,
        """
        SELECT count(*), sum(energy_kwh), min(estimation_method), max(estimation_method)
        FROM intermediate.int_meter_intervals_filled WHERE metering_point_id = 'BG-MP-H-OCT' AND local_hour = 5
        """,
    )
    # local hour 5 was never delivered in October: nothing to copy, no mean -> 0 on all 12 days
    assert zero == [(12, D("0.000"), "zero", "zero")]
    estimated_hour = rows(
        warehouse,
        """
        SELECT energy_kwh, estimated_energy_kwh, estimated_intervals_count, intervals_count
        FROM marts.fct_hourly_consumption WHERE metering_point_id = 'RO-MP-Q-OCT' AND hour_start_utc = ?
        """,
        datetime(2025, 10, 28, 8, tzinfo=UTC),
    )
    # 0.400 estimated + 3 x 0.250 delivered
    assert estimated_hour == [(D("1.150"), D("0.400"), 1, 4)]


def test_every_point_has_a_complete_spine_from_supply_start_to_the_end_of_its_dsos_last_month(warehouse) -> None:
    got = rows(
        warehouse,
        """
        SELECT metering_point_id, count(*), min(interval_start_utc), max(interval_end_utc)
        FROM intermediate.int_meter_intervals_filled GROUP BY 1 ORDER BY 1
        """,
    )
    assert got == [
        # 12 local days with one 25-hour day = 289 hours, from 10-20 00:00 EEST to 11-01 00:00 EET
        ("BG-MP-H-OCT", 289, datetime(2025, 10, 19, 21, tzinfo=UTC), datetime(2025, 10, 31, 22, tzinfo=UTC)),
        # 5 local days with one 23-hour day = 119 hours = 476 quarter-hours, 03-27 00:00 EET to 04-01 00:00 EEST;
        # the rejected 2027 reading of BG-DSO-B does not stretch the spine to March 2027
        ("BG-MP-Q-MAR", 476, datetime(2026, 3, 26, 22, tzinfo=UTC), datetime(2026, 3, 31, 21, tzinfo=UTC)),
        ("RO-MP-H-MAR", 119, datetime(2026, 3, 26, 22, tzinfo=UTC), datetime(2026, 3, 31, 21, tzinfo=UTC)),
        ("RO-MP-Q-OCT", 1156, datetime(2025, 10, 19, 21, tzinfo=UTC), datetime(2025, 10, 31, 22, tzinfo=UTC)),
    ]


# --------------------------------------------------------------------------------------------
# Rejected rows
# --------------------------------------------------------------------------------------------


def test_context_rejects_and_loader_rejects_are_listed_with_file_and_line(warehouse) -> None:
    got = rows(
        warehouse,
        "SELECT detected_by, source, source_file, line_number, reason_code, record FROM marts.fct_rejected_rows ORDER BY 1, 3, 4",
    )
    assert got == [
        ("dbt", "meter_readings", "bg-dso-b_2026-03.csv", 478, "future_interval", "BG-MP-Q-MAR,2027-03-30T07:00:00Z,15,0.500,0.100,0.000"),
        ("dbt", "meter_readings", "ro-dso-a_2025-10.csv", 2, "before_supply_start", "RO-MP-Q-OCT,2025-10-19T20:45:00Z,15,0.250,0.100,0.020"),
        ("dbt", "meter_readings", "ro-dso-a_2025-10.csv", 3, "unknown_metering_point", "RO-MP-UNKNOWN,2025-10-20T21:00:00Z,15,1.000,0.000,0.000"),
        ("dbt", "meter_readings", "ro-dso-a_2025-10.csv", 4, "unknown_metering_point", "RO-MP-UNKNOWN,2025-10-20T21:15:00Z,15,1.000,0.000,0.000"),
        ("dbt", "meter_readings", "ro-dso-a_2025-10.csv", 5, "exceeds_capacity", "RO-MP-Q-OCT,2025-10-23T09:00:00Z,15,15.000,0.100,0.020"),
        # written by the real loader: the decimal comma on line 2 of the re-sent file
        ("ingestion", "meter_readings", LOADER_REJECT_FILE, 2, "malformed_number", LOADER_RECORD),
    ]
    # the mart passes the loader's quarantine row through unchanged
    assert rows(
        warehouse,
        "SELECT source, source_file, line_number, reason_code, reason, record, ingestion_id, ingestion_seq FROM raw.rejected_rows",
    ) == rows(
        warehouse,
        """
        SELECT source, source_file, line_number, reason_code, reason, record, ingestion_id, ingestion_seq
        FROM marts.fct_rejected_rows WHERE detected_by = 'ingestion'
        """,
    )
    (future_reason,) = rows(warehouse, "SELECT reason FROM marts.fct_rejected_rows WHERE reason_code = 'future_interval'")[0]
    assert "2027-03-30T07:00:00Z" in future_reason and "2026-04-02T06:00:00Z" in future_reason
    (spike_reason,) = rows(warehouse, "SELECT reason FROM marts.fct_rejected_rows WHERE reason_code = 'exceeds_capacity'")[0]
    assert "15.000 kWh" in spike_reason and "40.000 kW" in spike_reason and "10.000 kWh" in spike_reason
    (unknown_reason,) = rows(warehouse, "SELECT reason FROM marts.fct_rejected_rows WHERE line_number = 3")[0]
    assert "RO-MP-UNKNOWN" in unknown_reason


# --------------------------------------------------------------------------------------------
# Monthly marts
# --------------------------------------------------------------------------------------------


def test_monthly_totals_by_consumption_type_with_one_column_per_unit(warehouse) -> None:
    columns = [name for (name,) in rows(
        warehouse,
        """
        SELECT column_name FROM information_schema.columns
        WHERE table_schema = 'marts' AND table_name = 'fct_monthly_consumption' ORDER BY ordinal_position
        """,
    )]
    assert columns == [
        "consumption_month", "metering_point_id", "consumption_type", "market_timezone", "company_id", "customer_id",
        "contract_id", "addendum_number", "energy_kwh", "inductive_kvarh", "capacitive_kvarh", "intervals_count",
    ]
    got = rows(
        warehouse,
        """
        SELECT consumption_type, energy_kwh, inductive_kvarh, capacitive_kvarh, intervals_count, contract_id, addendum_number
        FROM marts.fct_monthly_consumption
        WHERE metering_point_id = 'RO-MP-Q-OCT' AND consumption_month = DATE '2025-10-01'
        ORDER BY 1
        """,
    )
    assert got == [
        # 1156 intervals = 1152 achieved + 1 recalculated + 3 estimated
        # achieved: 1152 x 0.250 + (0.400 - 0.250) + (0.300 - 0.250); inductive 1152 x 0.100 + 0.050;
        # capacitive 1152 x 0.020
        ("achieved", D("288.200"), D("115.250"), D("23.040"), 1152, "RO-CT-1", 0),
        # estimated: 0.400 + 0.300 + 0.250 / inductive 0.150 + 0.100 + 0.100 / capacitive 3 x 0.020
        ("estimated", D("0.950"), D("0.350"), D("0.060"), 3, "RO-CT-1", 0),
        ("recalculated", D("0.500"), D("0.100"), D("0.020"), 1, "RO-CT-1", 0),
    ]
    bg = rows(
        warehouse,
        """
        SELECT consumption_type, energy_kwh, intervals_count FROM marts.fct_monthly_consumption
        WHERE metering_point_id = 'BG-MP-H-OCT' ORDER BY 1
        """,
    )
    # 275 delivered hours: 274 x 2.000 + 3.000; 14 estimated: 2 x 2.100 + 12 x 0
    assert bg == [("achieved", D("551.000"), 275), ("estimated", D("4.200"), 14)]


def test_contract_months_compare_against_the_version_in_force(warehouse) -> None:
    got = rows(
        warehouse,
        """
        SELECT contract_id, consumption_month, addendum_number, ordered_kwh, achieved_kwh, estimated_kwh,
               recalculated_kwh, total_kwh, deviation_kwh, deviation_pct, tolerance_pct, is_within_tolerance
        FROM marts.fct_monthly_contract_consumption ORDER BY 1, 2
        """,
    )
    assert got == [
        ("BG-CT-1", date(2025, 10, 1), 0, D("500.000"), D("551.000"), D("4.200"), D("0.000"), D("555.200"), D("55.200"), D("11.04"), D("10.00"), False),
        ("BG-CT-1", date(2026, 3, 1), 1, D("120.000"), D("238.000"), D("0.000"), D("0.000"), D("238.000"), D("118.000"), D("98.33"), D("5.00"), False),
        ("RO-CT-1", date(2025, 10, 1), 0, D("300.000"), D("288.200"), D("0.950"), D("0.500"), D("289.650"), D("-10.350"), D("-3.45"), D("5.00"), True),
        ("RO-CT-1", date(2026, 3, 1), 1, D("100.000"), D("119.000"), D("0.000"), D("0.000"), D("119.000"), D("19.000"), D("19.00"), D("10.00"), False),
    ]
    # one rule: every point-month of a contract month carries the same version as the contract month
    disagreeing = rows(
        warehouse,
        """
        SELECT contracts.contract_id, contracts.consumption_month, contracts.addendum_number, points.addendum_number
        FROM marts.fct_monthly_contract_consumption AS contracts
        JOIN marts.fct_monthly_consumption AS points USING (contract_id, consumption_month)
        WHERE points.addendum_number <> contracts.addendum_number
        """,
    )
    assert disagreeing == []


def test_contract_versions_are_dated_by_the_next_addendum(warehouse) -> None:
    got = rows(
        warehouse,
        "SELECT contract_id, addendum_number, valid_from, valid_to, is_current, currency, energy_price_per_kwh FROM marts.dim_contracts ORDER BY 1, 2",
    )
    assert got == [
        ("BG-CT-1", 0, date(2025, 10, 1), date(2025, 12, 31), False, "BGN", D("0.210000")),
        ("BG-CT-1", 1, date(2026, 1, 1), None, True, "EUR", D("0.110000")),
        ("RO-CT-1", 0, date(2025, 1, 1), date(2026, 2, 28), False, "RON", D("0.550000")),
        ("RO-CT-1", 1, date(2026, 3, 1), date(2026, 5, 31), False, "RON", D("0.600000")),
        ("RO-CT-1", 2, date(2026, 6, 1), date(2026, 12, 31), True, "RON", D("0.650000")),
    ]


# --------------------------------------------------------------------------------------------
# DSO reconciliation
# --------------------------------------------------------------------------------------------


def test_dso_reconciliation_statuses(warehouse) -> None:
    got = rows(
        warehouse,
        """
        SELECT metering_point_id, consumption_month, status, dso_energy_kwh, metered_energy_kwh, estimated_energy_kwh,
               difference_kwh, difference_pct, tolerance_kwh, has_estimates, zone_differences
        FROM marts.fct_dso_reconciliation ORDER BY 1, 2
        """,
    )
    assert got == [
        # DSO 144 + 241.2 + 190 = 575.2; metered night (97 - 12) x 2.000 = 170 vs 190; tolerance 0.5 % x 575.2;
        # -20 x 100 / 575.2 = -3.4770... -> -3.48
        ("BG-MP-H-OCT", date(2025, 10, 1), "outside_tolerance", D("575.200"), D("555.200"), D("4.200"), D("-20.000"), D("-3.48"), D("2.876"), True,
         "night: metered 170.000 kWh vs DSO 190.000 kWh (-20.000 kWh)"),
        # the DSO bills November, but BG-DSO-A delivered no November readings: no spine that month
        ("BG-MP-H-OCT", date(2025, 11, 1), "missing_meter_data", D("10.000"), D("0.000"), D("0.000"), D("-10.000"), D("-100.00"), D("1.000"), False,
         "day: no metered intervals vs DSO 10.000 kWh"),
        ("BG-MP-Q-MAR", date(2026, 3, 1), "missing_dso_data", None, D("238.000"), D("0.000"), D("238.000"), None, D("1.000"), False,
         "day: metered 100.000 kWh, no DSO figure; night: metered 78.000 kWh, no DSO figure; peak: metered 60.000 kWh, no DSO figure"),
        # night 39 x 1.000 vs 39.500: 0.5 kWh off, within greatest(1, 0.5 % x 119.5); -0.5 x 100 / 119.5 = -0.418... -> -0.42
        ("RO-MP-H-MAR", date(2026, 3, 1), "matched", D("119.500"), D("119.000"), D("0.000"), D("-0.500"), D("-0.42"), D("1.000"), False, None),
        # day 768 x 0.250 + 0.15 + 0.05 + 0.25 + 0.15 + 0.05 = 192.650, night 388 x 0.250 = 97.000, estimates included
        ("RO-MP-Q-OCT", date(2025, 10, 1), "matched", D("289.650"), D("289.650"), D("0.950"), D("0.000"), D("0.00"), D("1.448"), True, None),
    ]


# --------------------------------------------------------------------------------------------
# Dimensions and weather
# --------------------------------------------------------------------------------------------


def test_dimensions(warehouse) -> None:
    assert rows(warehouse, "SELECT location_id, root_location_id, depth, path FROM marts.dim_locations ORDER BY 1") == [
        ("L-BG-SP", "L-BG-W", 1, "West > Plant Sofia"),
        ("L-BG-W", "L-BG-W", 0, "West"),
        ("L-RO-B1", "L-RO-N", 2, "North > Site A > Building 1"),
        ("L-RO-N", "L-RO-N", 0, "North"),
        ("L-RO-SA", "L-RO-N", 1, "North > Site A"),
    ]
    # the latest confirmation wins: RO-MP-Q-OCT was re-confirmed for November at HV
    assert rows(
        warehouse,
        "SELECT metering_point_id, voltage_level, supply_start_date, market_timezone, last_confirmation_month FROM marts.dim_metering_points ORDER BY 1",
    ) == [
        ("BG-MP-H-OCT", "LV", date(2025, 10, 20), "Europe/Sofia", date(2025, 10, 1)),
        ("BG-MP-Q-MAR", "LV", date(2026, 3, 27), "Europe/Sofia", date(2026, 3, 1)),
        ("RO-MP-H-MAR", "LV", date(2026, 3, 27), "Europe/Bucharest", date(2026, 3, 1)),
        ("RO-MP-Q-OCT", "HV", date(2025, 10, 20), "Europe/Bucharest", date(2025, 11, 1)),
    ]
    assert rows(warehouse, "SELECT customer_id, customer_name FROM marts.dim_customers ORDER BY 1") == [
        ("C-BG-1", "Zavod AD"),
        ("C-RO-1", "Fabrica Noua SA"),
    ]
    # the open-ended period of the market_currencies seed, whatever day the model is built
    companies = dict(rows(warehouse, "SELECT company_id, current_currency FROM marts.dim_companies"))
    assert companies == {"VB-RO": "RON", "VB-BG": "EUR"}


def test_hourly_weather_takes_the_latest_forecast_issued_before_the_hour(warehouse) -> None:
    got = rows(
        warehouse,
        """
        SELECT market_code, valid_at_utc, valid_at_local, local_hour, actual_temperature_c, forecast_temperature_c, forecast_issued_at_utc
        FROM marts.fct_hourly_weather ORDER BY 1
        """,
    )
    assert got == [
        ("BG", datetime(2026, 3, 29, 11, tzinfo=UTC), datetime(2026, 3, 29, 14), 14, None, D("6.00"), datetime(2026, 3, 28, 6, tzinfo=UTC)),
        # the 12:00Z forecast was issued after the hour began and is ignored
        ("RO", datetime(2026, 3, 29, 10, tzinfo=UTC), datetime(2026, 3, 29, 13), 13, D("8.50"), D("8.00"), datetime(2026, 3, 28, 18, tzinfo=UTC)),
    ]
