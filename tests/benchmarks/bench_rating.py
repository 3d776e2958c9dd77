"""Rating benchmark: one million Standard Pricing CDRs through the production rating, against a SQL floor, in one run.

    python -m tests.benchmarks.bench_rating --cdrs 1000000 [--keep DIR]

1. Write the sample's EVSE data, providers, offers and tax rates and N ratable Standard Pricing CDRs as one CSV
   (`data.sample_portfolio.emobility_bulk`), load them with the real loader, build the e-mobility staging views and
   the `cpo_subsidiaries` seed with dbt. Not timed by the target (reported).
2. Rating (timed, target < 60 s on 2 cores): `rating.rating_run.rate_new_cdrs`, the asset's code: read every new CDR
   with its EVSE, rate it in Python Decimal against the offers and taxes, write `emobility.cdr_ratings` and
   `emobility.cdr_rating_components` in one transaction.
3. Floor (timed): one hand-written DuckDB query pricing the same CDRs under the same rule (net rounded up, VAT half
   up; decimal arithmetic only, `* 0.01` instead of `/ 100`, which DuckDB would do in binary floats) into a table: vectorised SQL with no rules engine, no per-CDR statuses, no ledger. Every CDR's gross amount is
   then compared with the rating's: they must all be equal, or the benchmark fails.

Prints both times and the ratio rating / floor. Not a test: nothing here asserts a timing.
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
from pathlib import Path

import duckdb

from data.sample_portfolio.emobility_bulk import write_bulk_cdrs, write_bulk_reference
from ingestion.emobility_sources import EMOBILITY_SOURCES
from ingestion.loader import ingest_source
from rating.rating_run import rate_new_cdrs
from tests.benchmarks.bench_pipeline import save_report
from voltbill.paths import PROJECT_ROOT

FLOOR_SQL = """
create or replace table rating_floor as
with cdrs as (
    select c.cdr_id, c.emp_id, c.currency, c.total_energy_kwh, c.total_time_hours, e.country_code,
           cast(timezone(e.time_zone, c.start_date_time) as date) as local_day
    from staging.stg_emobility__charge_detail_records as c
    join staging.stg_emobility__evse_data as e using (evse_id)
    where c.is_first_delivery
),
priced as (
    select c.cdr_id, o.reference_unit, t.vat_rate_pct,
           ceil(case o.reference_unit
                    when 'kWh' then c.total_energy_kwh * o.price_per_unit
                    when 'minute' then c.total_time_hours * 60 * o.price_per_unit
                    when 'hour' then c.total_time_hours * o.price_per_unit
                    else o.price_per_unit end * 100) * 0.01 as net
    from cdrs as c
    join staging.stg_emobility__emp_offers as o
      on o.emp_id = c.emp_id and o.country_code = c.country_code and o.currency = c.currency
     and o.pricing_methodology = 'standard_pricing'
     and c.local_day >= o.valid_from and (o.valid_to is null or c.local_day <= o.valid_to)
    asof join (select * from staging.stg_emobility__emp_tax_rates) as t
      on t.emp_id = c.emp_id and t.country_code = c.country_code
     and t.price_component = case o.reference_unit when 'kWh' then 'energy' when 'session' then 'session_fee' else 'time' end
     and c.local_day >= t.valid_from
)
select cdr_id, cast(net as decimal(18,2)) as net,
       cast(net as decimal(18,2)) + round(cast(net as decimal(18,2)) * vat_rate_pct * 0.01, 2) as gross
from priced
"""


def _build(work: Path, cdrs: int, seed: int) -> dict:
    inbox = work / "inbox"
    write_bulk_reference(inbox, seed)
    written = write_bulk_cdrs(inbox / "charge_detail_records" / "bulk.csv", cdrs, seed)
    warehouse = work / "warehouse.duckdb"
    started = time.perf_counter()
    with duckdb.connect(str(warehouse)) as connection:
        loaded = {source.name: ingest_source(connection, source, inbox).rows_loaded for source in EMOBILITY_SOURCES}
    load_seconds = time.perf_counter() - started
    env = {**os.environ, "VOLTBILL_WAREHOUSE_PATH": str(warehouse)}
    dbt = Path(sys.prefix) / "bin" / "dbt"
    subprocess.run(
        [str(dbt), "build", "--select", "stg_emobility__charge_detail_records stg_emobility__evse_data stg_emobility__emp_offers "
         "stg_emobility__emp_tax_rates stg_emobility__ocpi_tariffs stg_emobility__e_mobility_providers cpo_subsidiaries",
         "--project-dir", str(PROJECT_ROOT / "dbt_project"), "--profiles-dir", str(PROJECT_ROOT / "dbt_project"), "--quiet"],
        env=env, check=True,
    )
    return {"written": written, "loaded": loaded, "load_seconds": round(load_seconds, 1), "warehouse": str(warehouse)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cdrs", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it (default: a temporary folder)")
    args = parser.parse_args(argv)
    work = args.keep or Path(tempfile.mkdtemp(prefix="voltbill-bench-rating-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        built = _build(work, args.cdrs, args.seed)
        print(f"{args.cdrs:,} CDRs written and loaded in {built['load_seconds']} s", flush=True)
        with duckdb.connect(built["warehouse"]) as connection:
            connection.execute("SET TimeZone = 'UTC'")
            started = time.perf_counter()
            result = rate_new_cdrs(connection)
            rating_seconds = time.perf_counter() - started
            started = time.perf_counter()
            connection.execute(FLOOR_SQL)
            floor_seconds = time.perf_counter() - started
            floor_rows, differing = connection.execute(
                """select count(*), count(*) filter (where r.gross_amount is distinct from f.gross)
                   from rating_floor as f left join emobility.cdr_ratings as r using (cdr_id)"""
            ).fetchone()
        if result.rated != args.cdrs or floor_rows != args.cdrs or differing:
            raise SystemExit(
                f"rating and floor disagree: rated {result.rated:,} of {args.cdrs:,} ({result.reasons}), floor priced "
                f"{floor_rows:,}, {differing:,} gross amounts differ"
            )
        report = {
            "cdrs": args.cdrs,
            "cores": os.cpu_count(),
            "load_seconds": built["load_seconds"],
            "rating_seconds": round(rating_seconds, 2),
            "cdrs_per_second": round(args.cdrs / rating_seconds),
            "floor_seconds": round(floor_seconds, 2),
            "ratio_rating_to_floor": round(rating_seconds / max(floor_seconds, 1e-3), 1),
            "gross_amounts_equal": True,
        }
        print(json.dumps(report, indent=2))
        print(
            f"\nrated {args.cdrs:,} CDRs in {rating_seconds:.1f} s (target < 60 s, {report['cdrs_per_second']:,}/s); "
            f"SQL floor {floor_seconds:.2f} s; ratio {report['ratio_rating_to_floor']}x; every gross amount equal"
        )
        save_report(f"rating_{args.cdrs}.json", report)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
