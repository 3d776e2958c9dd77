"""Pipeline benchmark: ingest + dbt build against a hand-written DuckDB floor, in the same run.

    python -m tests.benchmarks.bench_pipeline --meters 1000 [--months 13] [--keep DIR]

1. Generate N metering points x M months of 15-minute data with the sample generator.
2. Pipeline: load every source with the production loader (validation, quarantine, registry)
   into a fresh warehouse, then `dbt build` (all models and tests), each in its own process.
3. Floor: one hand-written DuckDB query that computes the monthly consumption per metering
   point straight from the landing files into a table, in its own process.

Prints wall time and peak resident memory (max RSS of each child process) for each part and
the ratio pipeline / floor. Not a test: nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

FLOOR_SQL = """
CREATE TABLE monthly_floor AS
WITH companies AS (
    SELECT company_id, market_timezone FROM read_csv('{inbox}/companies/*.csv', header = true)
),
points AS (
    SELECT DISTINCT metering_point_id, company_id FROM read_csv('{inbox}/dso_confirmations/*.csv', header = true, all_varchar = true)
),
readings AS (
    SELECT metering_point_id, TRY_CAST(interval_start AS TIMESTAMPTZ) AS interval_start,
           TRY_CAST(energy_kwh AS DECIMAL(18,3)) AS energy_kwh,
           TRY_CAST(inductive_kvarh AS DECIMAL(18,3)) AS inductive_kvarh,
           TRY_CAST(capacitive_kvarh AS DECIMAL(18,3)) AS capacitive_kvarh
    FROM read_csv('{inbox}/meter_readings/*.csv', header = true, all_varchar = true, ignore_errors = true)
)
SELECT r.metering_point_id,
       date_trunc('month', timezone(c.market_timezone, r.interval_start)) AS local_month,
       sum(r.energy_kwh) AS energy_kwh, sum(r.inductive_kvarh) AS inductive_kvarh,
       sum(r.capacitive_kvarh) AS capacitive_kvarh, count(*) AS intervals
FROM readings AS r JOIN points AS p USING (metering_point_id) JOIN companies AS c USING (company_id)
WHERE r.energy_kwh >= 0
GROUP BY ALL
"""

INGEST_SCRIPT = """
import duckdb, sys
from pathlib import Path
from assets.forecasting_tables import create_forecasting_tables
from billing.ledger_tables import create_billing_ledger_tables
from ingestion.loader import ingest_source
from ingestion.sources import SOURCES
connection = duckdb.connect(sys.argv[1])
connection.execute("SET memory_limit = '{memory_limit}'")
for source in SOURCES:
    result = ingest_source(connection, source, Path(sys.argv[2]))
    print(source.name, result.rows_loaded, result.rows_rejected, flush=True)
# The forecasting assets create their (here empty) tables before dbt first reads them.
create_forecasting_tables(connection)
create_billing_ledger_tables(connection)  # likewise the billing ledger the billing marts read
connection.close()
"""


@dataclass
class Measurement:
    name: str
    seconds: float
    peak_rss_mb: float


def run_child_with_output(name: str, command: list[str], env: dict[str, str]) -> tuple[Measurement, str]:
    """Run `command` as a child process; wall time and its own peak RSS (from wait4), and its output."""
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output = process.stdout.read() if process.stdout else ""
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{name} failed ({process.returncode}):\n{output[-4000:]}")
    return Measurement(name, seconds, usage.ru_maxrss / 1024), output  # ru_maxrss is in KiB on Linux


def run_child(name: str, command: list[str], env: dict[str, str]) -> Measurement:
    """Run `command` as a child process; wall time and its own peak RSS."""
    return run_child_with_output(name, command, env)[0]


def generate_portfolio(work: Path, meters: int, months: int, seed: int, env: dict[str, str]) -> None:
    """The sample portfolio of `meters` x `months` of 15-minute data in `work`, unless it is there already."""
    if (work / "inbox" / "meter_readings").exists():
        return
    generated = run_child(
        "generate",
        [str(BIN / "voltbill"), "generate-sample", "--out", str(work), "--seed", str(seed),
         "--meters", str(meters), "--months", str(months), "--interval", "15min"],
        env,
    )
    print(f"generated {meters} meters x {months} months in {generated.seconds:.1f} s", flush=True)


def build_warehouse(work: Path, memory_limit: str, env: dict[str, str]) -> tuple[Measurement, Measurement]:
    """A fresh work/warehouse.duckdb: every source loaded by the production loader, then `dbt build`; both timed."""
    (work / "warehouse.duckdb").unlink(missing_ok=True)
    ingest = run_child(
        "ingest",
        [sys.executable, "-c", INGEST_SCRIPT.format(memory_limit=memory_limit), str(work / "warehouse.duckdb"), str(work / "inbox")],
        env,
    )
    dbt = run_child(
        "dbt build",
        [str(BIN / "dbt"), "build", "--project-dir", str(PROJECT_ROOT / "dbt_project"), "--profiles-dir", str(PROJECT_ROOT / "dbt_project"),
         "--target-path", str(work / "dbt_target"), "--quiet"],
        env,
    )
    return ingest, dbt


def save_report(file_name: str, report: dict) -> None:
    """Write a benchmark's figures to tests/benchmarks/results/ (git-ignored), as the README quotes them."""
    results = PROJECT_ROOT / "tests" / "benchmarks" / "results"
    results.mkdir(exist_ok=True)
    (results / file_name).write_text(json.dumps(report, indent=2))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--meters", type=int, default=1000)
    parser.add_argument("--months", type=int, default=13)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--memory-limit", default=os.environ.get("VOLTBILL_DUCKDB_MEMORY_LIMIT", "3GB"))
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it (default: a temporary folder)")
    args = parser.parse_args(argv)

    work = args.keep or Path(tempfile.mkdtemp(prefix="voltbill-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    inbox = work / "inbox"
    env = {**os.environ, "VOLTBILL_DATA_DIR": str(work), "VOLTBILL_WAREHOUSE_PATH": str(work / "warehouse.duckdb")}
    try:
        generate_portfolio(work, args.meters, args.months, args.seed, env)
        landing_bytes = sum(path.stat().st_size for pattern in ("*.csv", "*.xml") for path in inbox.rglob(pattern))
        readings_files = sorted((inbox / "meter_readings").glob("*.csv"))
        readings_lines = sum(1 for path in readings_files for _ in path.open("rb")) - len(readings_files)

        ingest, dbt = build_warehouse(work, args.memory_limit, env)
        floor_db = work / "floor.duckdb"
        floor_db.unlink(missing_ok=True)
        floor_script = (
            "import duckdb, sys; c = duckdb.connect(sys.argv[1]); "
            f"c.execute(\"SET memory_limit = '{args.memory_limit}'\"); c.execute(sys.argv[2]); c.close()"
        )
        floor = run_child("floor", [sys.executable, "-c", floor_script, str(floor_db), FLOOR_SQL.format(inbox=inbox)], env)

        pipeline_seconds = ingest.seconds + dbt.seconds
        report = {
            "meters": args.meters,
            "months": args.months,
            "interval": "15min",
            "meter_reading_lines": readings_lines,
            "landing_zone_gb": round(landing_bytes / 1e9, 2),
            "cores": os.cpu_count(),
            "ingest": asdict(ingest),
            "dbt_build": asdict(dbt),
            "pipeline_seconds": round(pipeline_seconds, 1),
            "pipeline_peak_rss_mb": round(max(ingest.peak_rss_mb, dbt.peak_rss_mb)),
            "floor": asdict(floor),
            "ratio_pipeline_to_floor": round(pipeline_seconds / floor.seconds, 2),
        }
        print(json.dumps(report, indent=2))
        print(
            f"\npipeline {pipeline_seconds:.1f} s (ingest {ingest.seconds:.1f} s + dbt build {dbt.seconds:.1f} s), "
            f"floor {floor.seconds:.1f} s, ratio {report['ratio_pipeline_to_floor']}x; "
            f"peak memory {report['pipeline_peak_rss_mb']} MB (floor {floor.peak_rss_mb:.0f} MB)"
        )
        save_report(f"pipeline_{args.meters}m_{args.months}mo.json", report)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
