"""End to end: generate a small portfolio, materialise the whole asset graph with the Dagster CLI,
and check the marts and the quarantine against the generator's truth.

Also: a second run changes nothing, and a run killed half-way then started again ends with the
same warehouse as one clean run.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

pytestmark = pytest.mark.e2e

PROJECT_ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SEED = 11
METERS = 10
MONTHS = 13

# Generator defect kind -> the reason code the pipeline must give those rows.
DEFECT_REASON_CODES = {
    "duplicate_row": "duplicate_row",
    "negative_value": "negative_value",
    "spike": "exceeds_capacity",
    "unknown_metering_point": "unknown_metering_point",
    "truncated_line": "truncated_line",
}

# Columns that record when something happened, not what: they differ between any two runs.
WALL_CLOCK_COLUMNS = {"_ingested_at", "rejected_at", "ingested_at"}


def environment(work: Path) -> dict[str, str]:
    home = work / "dagster_home"
    home.mkdir(exist_ok=True)
    shutil.copy(PROJECT_ROOT / "dagster.yaml", home / "dagster.yaml")
    env = {key: value for key, value in os.environ.items() if not key.startswith(("VOLTBILL_", "DAGSTER_"))}
    return {**env, "VOLTBILL_DATA_DIR": str(work), "DAGSTER_HOME": str(home), "PYTHONUNBUFFERED": "1"}


def generate(work: Path) -> None:
    subprocess.run(
        [str(BIN / "voltbill"), "generate-sample", "--out", str(work), "--seed", str(SEED), "--meters", str(METERS), "--months", str(MONTHS)],
        check=True,
        env=environment(work),
        capture_output=True,
    )


def materialize_command() -> list[str]:
    return [str(BIN / "dagster"), "asset", "materialize", "-m", "orchestration.definitions", "--select", "*"]


def run_pipeline(work: Path) -> float:
    started = time.perf_counter()
    completed = subprocess.run(
        materialize_command(), cwd=work / "dagster_home", env=environment(work), capture_output=True, text=True, timeout=900
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-6000:]
    return time.perf_counter() - started


def warehouse(work: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(work / "warehouse" / "voltbill.duckdb"), read_only=True)


def snapshot(work: Path) -> dict[str, list[tuple]]:
    """Every raw and mart table's content, without wall-clock columns, sorted."""
    tables: dict[str, list[tuple]] = {}
    with warehouse(work) as con:
        names = con.execute(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_schema IN ('raw', 'marts') AND table_type = 'BASE TABLE' ORDER BY 1, 2"
        ).fetchall()
        for schema, name in names:
            columns = [
                column
                for (column,) in con.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position",
                    [schema, name],
                ).fetchall()
                if column not in WALL_CLOCK_COLUMNS
            ]
            select = ", ".join(f'"{c}"' for c in columns)
            rows = con.execute(f'SELECT {select} FROM {schema}."{name}"').fetchall()
            tables[f"{schema}.{name}"] = sorted(rows, key=repr)
    return tables


@pytest.fixture(scope="module")
def clean_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, float]:
    work = tmp_path_factory.mktemp("clean")
    generate(work)
    seconds = run_pipeline(work)
    return work, seconds


@pytest.fixture(scope="module")
def truth(clean_run: tuple[Path, float]) -> dict:
    work, _ = clean_run
    return json.loads((work / "truth" / "truth.json").read_text())


def truth_monthly(work: Path) -> list[dict[str, str]]:
    with (work / "truth" / "meter_monthly.csv").open(newline="") as handle:
        return list(csv.DictReader(handle))


def test_metered_energy_per_point_and_month_equals_the_truth(clean_run) -> None:
    work, _ = clean_run
    expected = {(row["metering_point_id"], row["month"]): row for row in truth_monthly(work)}
    with duckdb.connect(str(work / "serving" / "voltbill_serving.duckdb"), read_only=True) as con:
        rows = con.execute(
            """
            SELECT metering_point_id, strftime(consumption_month, '%Y-%m'),
                   sum(energy_kwh) FILTER (WHERE consumption_type IN ('achieved', 'recalculated')),
                   sum(intervals_count) FILTER (WHERE consumption_type IN ('achieved', 'recalculated')),
                   coalesce(sum(intervals_count) FILTER (WHERE consumption_type = 'estimated'), 0)
            FROM marts.fct_monthly_consumption
            GROUP BY ALL
            """
        ).fetchall()
    actual = {(mp, month): (kwh, valid, estimated) for mp, month, kwh, valid, estimated in rows}
    assert set(actual) == set(expected)
    for key, row in expected.items():
        kwh, valid, estimated = actual[key]
        assert (kwh or Decimal(0)) == Decimal(row["valid_energy_kwh"]), key
        assert (valid or 0) == int(row["valid_intervals"]), key
        assert estimated == int(row["expected_intervals"]) - int(row["valid_intervals"]), key


def test_quarantine_counts_match_the_injected_defects(clean_run, truth) -> None:
    work, _ = clean_run
    with warehouse(work) as con:
        counts = dict(con.execute("SELECT reason_code, count(*) FROM marts.fct_rejected_rows GROUP BY 1").fetchall())
    defects = truth["defects"]
    for kind, code in DEFECT_REASON_CODES.items():
        assert counts.get(code, 0) == defects[kind], (kind, code, counts)
    # Dates that do not parse, or have no UTC offset, are malformed timestamps for the loader.
    assert counts.get("malformed_timestamp", 0) == defects["malformed_date"]
    # An empty energy value is a missing required value; text and decimal commas are malformed numbers.
    empty = truth["defect_details"]["malformed_number"].get("empty", 0)
    assert counts.get("missing_value", 0) == empty
    assert counts.get("malformed_number", 0) == defects["malformed_number"] - empty
    kinds = [*DEFECT_REASON_CODES, "malformed_date", "malformed_number"]
    assert sum(counts.values()) == sum(defects[kind] for kind in kinds), counts


def expected_reason_code(defect_kind: str, detail: str) -> str:
    if defect_kind == "malformed_date":
        return "malformed_timestamp"
    if defect_kind == "malformed_number" and detail == "empty":
        return "missing_value"
    return DEFECT_REASON_CODES.get(defect_kind, defect_kind)


def test_every_injected_defect_is_quarantined_at_its_file_and_line(clean_run) -> None:
    work, _ = clean_run
    with (work / "truth" / "defects.csv").open(newline="") as handle:
        expected = {
            (Path(row["source_file"]).name, int(row["line_number"]), expected_reason_code(row["defect_kind"], row["detail"]))
            for row in csv.DictReader(handle)
            if row["line_number"]  # missing intervals have no line: they are estimated, not rejected
        }
    with warehouse(work) as con:
        actual = set(
            con.execute("SELECT source_file, line_number, reason_code FROM marts.fct_rejected_rows").fetchall()
        )
    assert actual == expected


def test_daylight_saving_days_have_23_and_25_hours_in_both_markets(clean_run) -> None:
    work, _ = clean_run
    with warehouse(work) as con:
        rows = con.execute(
            """
            SELECT c.country_code, h.local_date, count(*) AS hours, sum(h.intervals_count) AS intervals
            FROM marts.fct_hourly_consumption AS h
            JOIN marts.dim_metering_points AS p USING (metering_point_id)
            JOIN marts.dim_companies AS c ON c.company_id = p.company_id
            WHERE p.interval_minutes = 15 AND h.local_date IN (DATE '2025-10-26', DATE '2026-03-29')
              AND p.metering_point_id = (
                  SELECT min(p2.metering_point_id) FROM marts.dim_metering_points AS p2
                  WHERE p2.company_id = p.company_id AND p2.interval_minutes = 15 AND p2.supply_start_date <= DATE '2025-10-01')
            GROUP BY ALL ORDER BY 1, 2
            """
        ).fetchall()
    assert rows == [
        ("BG", date(2025, 10, 26), 25, 100),
        ("BG", date(2026, 3, 29), 23, 92),
        ("RO", date(2025, 10, 26), 25, 100),
        ("RO", date(2026, 3, 29), 23, 92),
    ]


def test_dso_reconciliation_flags_the_perturbed_months(clean_run, truth) -> None:
    work, _ = clean_run
    perturbed = {(p["metering_point_id"], p["month"]) for p in truth["dso_perturbations"]}
    complete = {
        (row["metering_point_id"], row["month"])
        for row in truth_monthly(work)
        if row["valid_intervals"] == row["expected_intervals"]
    }
    with warehouse(work) as con:
        statuses = {
            (mp, month): status
            for mp, month, status in con.execute(
                "SELECT metering_point_id, strftime(consumption_month, '%Y-%m'), status FROM marts.fct_dso_reconciliation"
            ).fetchall()
        }
    assert perturbed, "the generator must perturb some DSO figures"
    for key in perturbed:
        assert statuses[key] == "outside_tolerance", key
    for key in complete - perturbed:
        assert statuses[key] == "matched", key


def test_a_second_run_changes_nothing(clean_run) -> None:
    work, _ = clean_run
    before = snapshot(work)
    run_pipeline(work)
    assert snapshot(work) == before


def test_a_run_killed_half_way_then_restarted_ends_like_one_clean_run(clean_run, tmp_path: Path) -> None:
    clean_work, clean_seconds = clean_run
    work = tmp_path / "interrupted"
    work.mkdir()
    generate(work)
    process = subprocess.Popen(
        materialize_command(), cwd=work / "dagster_home", env=environment(work), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    # Kill the whole process group (Dagster and any dbt child) at about half of a clean run.
    deadline = time.monotonic() + clean_seconds / 2
    while time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.2)
    killed = process.poll() is None
    if killed:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    assert killed, "the run finished before it could be interrupted"
    # What `make run` does before it starts: fail the killed run and free its writer-pool slot.
    recovered = subprocess.run(
        [str(BIN / "voltbill"), "recover-runs"], cwd=work / "dagster_home", env=environment(work), capture_output=True, text=True, check=True
    )
    assert "was killed" in recovered.stdout
    run_pipeline(work)
    assert snapshot(work) == snapshot(clean_work)
