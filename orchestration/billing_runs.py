"""Run billing partitions in order, in this process, recorded in the Dagster instance (`make run`, benchmarks).

Months must be billed in order: a month's regularisation deducts the advance the previous month's run
issued. The schedule does this by itself (one month at a time); a backfill of many months from the UI runs
partitions in parallel and out of order, so `make run` uses this instead:

    python -m orchestration.billing_runs invoices        # every billing partition, oldest month first
    python -m orchestration.billing_runs penalties
    python -m orchestration.billing_runs invoices --month 2026-10

Each partition is one Dagster run of the asset (visible in the UI with its metadata).
"""

import argparse
import sys
from collections.abc import Sequence

from dagster import DagsterInstance, MultiPartitionKey, materialize

from assets.billing import invoices, penalty_invoices
from orchestration.partitions import BILLING_COMPANIES, billing_months
from orchestration.resources import WarehouseResource
from voltbill.paths import warehouse_path

ASSETS = {"invoices": invoices, "penalties": penalty_invoices}


def run_partitions(kind: str, months: Sequence[str], companies: Sequence[str] = BILLING_COMPANIES, instance: DagsterInstance | None = None) -> int:
    """Materialise `kind` for every (month, company), months in order; returns the number of failed runs."""
    instance = instance or DagsterInstance.get()
    resources = {"warehouse": WarehouseResource(path=str(warehouse_path()))}
    failures = 0
    for month in months:
        for company in companies:
            key = MultiPartitionKey({"month": month, "company": company})
            result = materialize([ASSETS[kind]], partition_key=key, resources=resources, instance=instance, raise_on_error=False)
            status = "ok" if result.success else "FAILED"
            print(f"billing {kind} {company} {month[:7]}: {status} (run {result.run_id})", flush=True)
            failures += 0 if result.success else 1
    return failures


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=sorted(ASSETS))
    parser.add_argument("--month", action="append", help="YYYY-MM; repeat for several (default: every billing month)")
    args = parser.parse_args(argv)
    keys = billing_months.get_partition_keys()
    if args.month:
        wanted = {f"{month}-01" for month in args.month}
        unknown = sorted(wanted - set(keys))
        if unknown:
            parser.error(f"no billing partition for {', '.join(m[:7] for m in unknown)} (partitions: {keys[0][:7]} .. {keys[-1][:7]})")
        keys = [key for key in keys if key in wanted]
    return 1 if run_partitions(args.kind, keys) else 0


if __name__ == "__main__":
    sys.exit(main())
