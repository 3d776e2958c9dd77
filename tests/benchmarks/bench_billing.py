"""Billing benchmark: one month's billing of every company, against a hand-written DuckDB floor, in the same run.

    python -m tests.benchmarks.bench_billing --meters 1000 [--months 13] [--keep DIR]

1. Build the warehouse of an N-meter portfolio as `bench_pipeline` does (generate, ingest, `dbt build`), unless
   the folder given with --keep already holds one.
2. Set-up (not timed): bill every month before the last one, oldest first, so the last month has advances to
   deduct and overdue documents to charge interest on.
3. Billing (timed): the last month of every company, all document types: regularisations (or recalculations),
   deviation invoices, the next advances, green-certificate regularisations when due, then the late-payment
   interest invoices: read, price, number in the register, store in the ledger.
4. Floor (timed): one hand-written DuckDB query that prices the same month's energy per contract (kWh x fixed
   price, rounded) straight from the marts into a table: what the month costs with no rules at all.

Prints both wall times and the ratio billing / floor (target: billing under 60 s for 1,000 meters). Not a test:
nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

from tests.benchmarks.bench_pipeline import build_warehouse, generate_portfolio, run_child, run_child_with_output, save_report

BILLING_SCRIPT = """
import json, sys, time
from decimal import Decimal
import duckdb
from billing import partition_run
from orchestration.partitions import BILLING_COMPANIES

connection = duckdb.connect(sys.argv[1])
connection.execute("SET TimeZone = 'UTC'")
months = [row[0] for row in connection.execute(
    "select distinct strftime(consumption_month, '%Y-%m') from marts.fct_monthly_contract_consumption order by 1").fetchall()]
mode = sys.argv[2]
if mode == "setup":
    for month in months[:-1]:
        for company in BILLING_COMPANIES:
            partition_run.bill_company_month(connection, company, month, 5)
            partition_run.penalize_company_month(connection, company, month, 5, Decimal("1.00"))
    print(json.dumps({"months_billed": months[:-1]}))
else:
    month = months[-1]
    started = time.perf_counter()
    documents = 0
    contracts = 0
    for company in BILLING_COMPANIES:
        result = partition_run.bill_company_month(connection, company, month, 5)
        documents += sum(result.outcomes.values())
        contracts += result.contracts
        penalties = partition_run.penalize_company_month(connection, company, month, 5, Decimal("1.00"))
        documents += sum(penalties.outcomes.values())
    seconds = time.perf_counter() - started
    print(json.dumps({"month": month, "contracts": contracts, "documents": documents, "seconds": round(seconds, 2)}))
connection.close()
"""

FLOOR_SQL = """
CREATE OR REPLACE TABLE billing_floor AS
SELECT m.contract_id, m.consumption_month,
       round(m.total_kwh * c.energy_price_per_kwh, 2) AS energy_net
FROM marts.fct_monthly_contract_consumption AS m
JOIN marts.dim_contracts AS c USING (contract_id, addendum_number)
WHERE m.consumption_month = (SELECT max(consumption_month) FROM marts.fct_monthly_contract_consumption)
"""


def _last_json(output_lines: list[str]) -> dict:
    for line in reversed(output_lines):
        if line.startswith("{"):
            return json.loads(line)
    raise SystemExit("the billing child printed no result")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--meters", type=int, default=1000)
    parser.add_argument("--months", type=int, default=13)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--memory-limit", default=os.environ.get("VOLTBILL_DUCKDB_MEMORY_LIMIT", "3GB"))
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it (default: a temporary folder)")
    args = parser.parse_args(argv)

    work = args.keep or Path(tempfile.mkdtemp(prefix="voltbill-bench-billing-"))
    work.mkdir(parents=True, exist_ok=True)
    warehouse = work / "warehouse.duckdb"
    env = {**os.environ, "VOLTBILL_DATA_DIR": str(work), "VOLTBILL_WAREHOUSE_PATH": str(warehouse)}
    try:
        built = work / "marts_built"
        if not built.exists():
            generate_portfolio(work, args.meters, args.months, args.seed, env)
            build_warehouse(work, args.memory_limit, env)
            built.touch()
            print("warehouse built", flush=True)
        # a fresh copy for each run, so the billed month is never already billed
        bench_copy = work / "billing_bench.duckdb"
        shutil.copy(warehouse, bench_copy)
        setup = run_child("billing set-up", [sys.executable, "-c", BILLING_SCRIPT, str(bench_copy), "setup"], env)
        billing, billing_output = run_child_with_output("billing", [sys.executable, "-c", BILLING_SCRIPT, str(bench_copy), "month"], env)
        billed = _last_json(billing_output.splitlines())
        floor_script = "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); t = time.perf_counter(); c.execute(sys.argv[2]); print(round(time.perf_counter() - t, 3)); c.close()"
        _, floor_output = run_child_with_output("floor", [sys.executable, "-c", floor_script, str(bench_copy), FLOOR_SQL], env)
        floor_seconds = float(floor_output.strip().splitlines()[-1])
        report = {
            "meters": args.meters,
            "month": billed["month"],
            "contracts": billed["contracts"],
            "documents": billed["documents"],
            "cores": os.cpu_count(),
            "billing_seconds": billed["seconds"],
            "billing_process_seconds": round(billing.seconds, 1),
            "billing_peak_rss_mb": round(billing.peak_rss_mb),
            "setup_seconds": round(setup.seconds, 1),
            "floor_seconds": floor_seconds,
            "ratio_billing_to_floor": round(billed["seconds"] / max(floor_seconds, 1e-3), 1),
        }
        print(json.dumps(report, indent=2))
        print(
            f"\none month's billing of {billed['contracts']} contracts ({billed['documents']} documents, all types): "
            f"{billed['seconds']:.1f} s (process {billing.seconds:.1f} s, target < 60 s); floor {floor_seconds:.2f} s; "
            f"ratio {report['ratio_billing_to_floor']}x; peak memory {report['billing_peak_rss_mb']} MB"
        )
        save_report(f"billing_{args.meters}m.json", report)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
