"""The loader against real files and a real DuckDB: good rows load typed, bad rows are quarantined
with the right physical line and reason, and loading is idempotent."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingestion.loader import ingest_source
from ingestion.sources import CONTRACTS, METER_READINGS, WEATHER

HEADER = ",".join(METER_READINGS.column_names)


def write(inbox: Path, source: str, name: str, text: str) -> Path:
    folder = inbox / source
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(text.encode("utf-8"))
    return path


@pytest.fixture()
def connection() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    yield con
    con.close()


def rejects(connection: duckdb.DuckDBPyConnection) -> list[tuple[str, int | None, str]]:
    return connection.execute(
        "SELECT source_file, line_number, reason_code FROM raw.rejected_rows ORDER BY source_file, line_number"
    ).fetchall()


def test_good_rows_load_typed_with_their_line_and_utc_instant(tmp_path: Path, connection) -> None:
    write(
        tmp_path,
        "meter_readings",
        "r.csv",
        f"{HEADER}\n"
        "MP1,2026-03-29T02:00:00+02:00,60,0.1,0.000,0\n"
        "MP1,2026-03-29T04:00:00+03:00,60,0.2,0.05,0.001\n",
    )
    result = ingest_source(connection, METER_READINGS, tmp_path)
    assert (result.rows_loaded, result.rows_rejected) == (2, 0)
    rows = connection.execute(
        "SELECT interval_start, energy_kwh, _source_file, _source_line FROM raw.meter_readings ORDER BY _source_line"
    ).fetchall()
    # 02:00 at +02:00 and 04:00 at +03:00 are consecutive UTC hours: the spring-forward gap.
    assert rows[0][0] == datetime(2026, 3, 29, 0, 0, tzinfo=timezone.utc)
    assert rows[1][0] == datetime(2026, 3, 29, 1, 0, tzinfo=timezone.utc)
    assert [r[2:] for r in rows] == [("r.csv", 2), ("r.csv", 3)]
    total = connection.execute("SELECT sum(energy_kwh) FROM raw.meter_readings").fetchone()[0]
    assert total == Decimal("0.3")  # exact decimal, not 0.30000000000000004
    assert result.time_range == (rows[0][0], rows[1][0])


def test_each_defect_is_quarantined_with_its_physical_line_and_reason(tmp_path: Path, connection) -> None:
    lines = [
        HEADER,  # 1
        "MP1,2026-01-01T00:00:00+02:00,60,1.000,0,0",  # 2 good
        "",  # 3 blank
        "MP1,2026-01-01T01:00:00+02:00,60,-1.000,0,0",  # 4 negative
        "MP1,2026-01-01T02:00:00+02:00,60,1.000,0",  # 5 missing column
        "MP1,2026-01-01T03:00:00+02:00,60,12,5,0,0",  # 6 decimal comma -> too many columns
        "MP1,2026-01-01T04:00:00,60,1.000,0,0",  # 7 no UTC offset
        "MP1,31/01/2026 05:00,60,1.000,0,0",  # 8 malformed date
        "MP1,2026-01-01T06:00:00+02:00,60,abc,0,0",  # 9 malformed number
        "MP1,2026-01-01T00:00:00+02:00,60,1.000,0,0",  # 10 duplicate of line 2
        "MP1,2026-01-01T07:00:00+02:00,30,1.000,0,0",  # 11 interval not allowed
        ",2026-01-01T08:00:00+02:00,60,1.000,0,0",  # 12 missing metering point
        "MP1,2026-01-01T09:00:00+02:00,60,1.0005,0,0",  # 13 more decimals than the contract
        "",  # 14 blank
        "MP1,2026-01-01T10:00:00+02:00,60,2.500,0,0",  # 15 good
        "MP1,2026-01-01T11:00:00+02:00,60,2.5",  # 16 cut off: the file has no final newline
    ]
    write(tmp_path, "meter_readings", "r.csv", "\n".join(lines))
    result = ingest_source(connection, METER_READINGS, tmp_path)
    assert rejects(connection) == [
        ("r.csv", 4, "negative_value"),
        ("r.csv", 5, "missing_columns"),
        ("r.csv", 6, "too_many_columns"),
        ("r.csv", 7, "malformed_timestamp"),
        ("r.csv", 8, "malformed_timestamp"),
        ("r.csv", 9, "malformed_number"),
        ("r.csv", 10, "duplicate_row"),
        ("r.csv", 11, "not_allowed_value"),
        ("r.csv", 12, "missing_value"),
        ("r.csv", 13, "malformed_number"),
        ("r.csv", 16, "truncated_line"),
    ]
    loaded = connection.execute("SELECT _source_line FROM raw.meter_readings ORDER BY 1").fetchall()
    assert loaded == [(2,), (15,)]
    assert (result.rows_loaded, result.rows_rejected) == (2, 11)
    reason = connection.execute("SELECT reason FROM raw.rejected_rows WHERE line_number = 10").fetchone()[0]
    assert reason == "r.csv line 10: duplicate of line 2 (same metering_point_id, interval_start)"
    reason = connection.execute("SELECT reason FROM raw.rejected_rows WHERE line_number = 9").fetchone()[0]
    assert "energy_kwh 'abc' is not a number" in reason


def test_crlf_files_and_quoted_fields(tmp_path: Path, connection) -> None:
    header = ",".join(CONTRACTS.column_names)
    row = 'C1,0,VB-RO,CU1,FIX,0.512345,RON,1000.5,10,2025-10-01,,2025-09-15,ro,"billing, dept@example.ro",30'
    write(tmp_path, "contracts", "c.csv", f"{header}\r\n{row}\r\n\r\n{row.replace('C1,0', 'C1,1')}\r\n")
    result = ingest_source(connection, CONTRACTS, tmp_path)
    assert (result.rows_loaded, result.rows_rejected) == (2, 0)
    assert connection.execute("SELECT _source_line, invoice_email, effective_to FROM raw.contracts ORDER BY 1").fetchall() == [
        (2, "billing, dept@example.ro", None),
        (4, "billing, dept@example.ro", None),
    ]


def test_same_content_twice_changes_nothing(tmp_path: Path, connection) -> None:
    text = f"{HEADER}\nMP1,2026-01-01T00:00:00+02:00,60,1.000,0,0\nMP1,2026-01-01T01:00:00+02:00,60,-1,0,0\n"
    write(tmp_path, "meter_readings", "a.csv", text)
    ingest_source(connection, METER_READINGS, tmp_path)
    write(tmp_path, "meter_readings", "b_copy_of_a.csv", text)
    second = ingest_source(connection, METER_READINGS, tmp_path)
    assert [f.status for f in second.files] == ["already_ingested", "already_ingested"]
    assert second.files[1].message == "same content as a.csv"
    counts = connection.execute(
        "SELECT (SELECT count(*) FROM raw.meter_readings), (SELECT count(*) FROM raw.rejected_rows), "
        "(SELECT count(*) FROM raw.ingested_files)"
    ).fetchone()
    assert counts == (1, 1, 1)


def test_a_broken_file_is_rejected_whole_and_the_others_still_load(tmp_path: Path, connection) -> None:
    write(tmp_path, "weather", "1_wrong_header.csv", "market,time,temp\nRO,2026-01-01T00:00:00+02:00,1.5\n")
    write(tmp_path, "weather", "2_empty.csv", "")
    header = ",".join(WEATHER.column_names)
    write(tmp_path, "weather", "3_good.csv", f"{header}\nRO,2026-01-01T00:00:00+02:00,actual,,-3.25\n")
    result = ingest_source(connection, WEATHER, tmp_path)
    assert [(f.file_name, f.status) for f in result.files] == [
        ("1_wrong_header.csv", "rejected"),
        ("2_empty.csv", "rejected"),
        ("3_good.csv", "loaded"),
    ]
    assert rejects(connection) == [("1_wrong_header.csv", None, "header_mismatch"), ("2_empty.csv", None, "empty_file")]
    assert connection.execute("SELECT temperature_c FROM raw.weather").fetchall() == [(Decimal("-3.25"),)]
    statuses = connection.execute("SELECT file_name, status, ingestion_seq FROM raw.ingested_files ORDER BY 3").fetchall()
    assert statuses == [("1_wrong_header.csv", "rejected", 1), ("2_empty.csv", "rejected", 2), ("3_good.csv", "loaded", 3)]


def test_files_load_in_delivery_order_with_increasing_sequence(tmp_path: Path, connection) -> None:
    write(tmp_path, "meter_readings", "readings_2026-01.csv", f"{HEADER}\nMP1,2026-01-01T00:00:00+02:00,60,1.000,0,0\n")
    write(tmp_path, "meter_readings", "readings_2026-01_correction_01.csv", f"{HEADER}\nMP1,2026-01-01T00:00:00+02:00,60,1.250,0,0\n")
    ingest_source(connection, METER_READINGS, tmp_path)
    rows = connection.execute("SELECT _source_file, _ingestion_seq, energy_kwh FROM raw.meter_readings ORDER BY 2").fetchall()
    assert rows == [("readings_2026-01.csv", 1, Decimal("1.000")), ("readings_2026-01_correction_01.csv", 2, Decimal("1.250"))]


LINE_KINDS = st.sampled_from(["good", "blank", "short", "negative"])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kinds=st.lists(LINE_KINDS, min_size=1, max_size=40), crlf=st.booleans())
def test_every_line_is_accounted_for_at_its_physical_number(tmp_path_factory, kinds: list[str], crlf: bool) -> None:
    """Whatever mix of good, blank and bad lines, good rows carry their own line number and every
    non-blank line is either loaded or rejected, never both, never lost."""
    inbox = tmp_path_factory.mktemp("inbox")
    lines = [HEADER]
    for index, kind in enumerate(kinds):
        stamp = f"2026-01-01T{index // 4:02d}:{(index % 4) * 15:02d}:00+02:00"
        lines.append(
            {
                "good": f"MP1,{stamp},15,{index}.125,0,0",
                "blank": "",
                "short": f"MP1,{stamp},15",
                "negative": f"MP1,{stamp},15,-{index + 1}.5,0,0",
            }[kind]
        )
    newline = "\r\n" if crlf else "\n"
    write(inbox, "meter_readings", "r.csv", newline.join(lines) + newline)
    with duckdb.connect() as con:
        ingest_source(con, METER_READINGS, inbox)
        loaded = dict(con.execute("SELECT _source_line, energy_kwh FROM raw.meter_readings").fetchall())
        rejected = {line for (line,) in con.execute("SELECT line_number FROM raw.rejected_rows").fetchall()}
    expected_good = {i + 2: Decimal(f"{i}.125") for i, kind in enumerate(kinds) if kind == "good"}
    expected_bad = {i + 2 for i, kind in enumerate(kinds) if kind in ("short", "negative")}
    assert loaded == expected_good
    assert rejected == expected_bad


def test_values_that_do_not_fit_or_break_row_rules_are_quarantined(tmp_path: Path, connection) -> None:
    lines = [
        HEADER,
        "MP1,2026-01-01T00:00:00+02,60,1.000,0,0",  # 2 good: an offset without minutes is ISO 8601
        "MP1,2026-01-01T01:00:00+02:00,60,1234567890123456.5,0,0",  # 3 does not fit DECIMAL(18,3)
        "MP1,2026-01-01T02:00:00+02:00,60,150000.000,0,0",  # 4 above the contract maximum
        '"MP\n1",2026-01-01T03:00:00+02:00,60,1.000,0,0',  # 5-6 line break inside a quoted field
    ]
    write(tmp_path, "meter_readings", "r.csv", "\n".join(lines) + "\n")
    ingest_source(connection, METER_READINGS, tmp_path)
    assert connection.execute("SELECT _source_line, interval_start FROM raw.meter_readings").fetchall() == [
        (2, datetime(2025, 12, 31, 22, 0, tzinfo=timezone.utc))
    ]
    codes = [code for _, _, code in rejects(connection)]
    assert codes == ["out_of_range", "above_maximum", "line_break_in_field"]

    contract_header = ",".join(CONTRACTS.column_names)
    ends_before_start = "C1,0,VB-RO,CU1,FIX,0.5,RON,100,10,2026-02-01,2026-01-31,2026-01-15,ro,,30"
    write(tmp_path, "contracts", "c.csv", f"{contract_header}\n{ends_before_start}\n")
    ingest_source(connection, CONTRACTS, tmp_path)
    reason = connection.execute("SELECT reason FROM raw.rejected_rows WHERE source = 'contracts'").fetchone()[0]
    assert reason == "c.csv line 2: effective_to '2026-01-31' is before effective_from '2026-02-01'"

    weather_header = ",".join(WEATHER.column_names)
    write(
        tmp_path,
        "weather",
        "w.csv",
        f"{weather_header}\nRO,2026-01-02T00:00:00+02:00,forecast,,1.5\nRO,2026-01-02T00:00:00+02:00,actual,2026-01-01T12:00:00+02:00,1.5\n",
    )
    ingest_source(connection, WEATHER, tmp_path)
    reasons = [r for (r,) in connection.execute("SELECT reason FROM raw.rejected_rows WHERE source = 'weather' ORDER BY line_number").fetchall()]
    assert reasons == [
        "w.csv line 2: issued_at is required when kind is 'forecast'",
        "w.csv line 3: issued_at must be empty when kind is 'actual'",
    ]


def test_files_that_do_not_match_the_pattern_are_reported_not_loaded(tmp_path: Path, connection) -> None:
    write(tmp_path, "weather", "weather.CSV", ",".join(WEATHER.column_names) + "\n")
    write(tmp_path, "weather", ".partial", "being copied")
    result = ingest_source(connection, WEATHER, tmp_path)
    assert [(f.file_name, f.status) for f in result.files] == [("weather.CSV", "ignored")]
    assert result.new_files == [] and connection.execute("SELECT count(*) FROM raw.ingested_files").fetchone() == (0,)
