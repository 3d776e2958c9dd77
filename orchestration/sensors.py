"""Sensors: new files in the landing zone start the pipeline; a billing run starts the invoicing job; a run that
rebuilt marts the dashboard reads, without the dashboard, starts the dashboard job.

The landing-zone sensor never opens the warehouse (a reader would collide with the single writer): it
remembers, in its cursor, the name, size and modification time of every file it has seen and
requests a run when something new or changed appears and has not changed for
`SETTLE_SECONDS` (so a file still being copied is not picked up half-written). Whether a file is really new is decided
by the loader's content-hash registry, so a touched-but-identical file costs a no-op run.
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

from dagster import (
    AssetKey,
    DagsterRunStatus,
    DefaultSensorStatus,
    RunRequest,
    RunStatusSensorContext,
    SensorEvaluationContext,
    SkipReason,
    run_status_sensor,
    sensor,
)

from ingestion.loader import source_files
from ingestion.sources import SOURCES
from assets.reports import DASHBOARD_INPUTS, DASHBOARD_KEY
from orchestration.jobs import billing_job, dashboard_job, invoicing_job, pipeline_job
from voltbill.paths import inbox_dir


# A file modified less than this many seconds ago may still be being copied: wait a tick.
SETTLE_SECONDS = 30


def landing_zone_signatures(inbox: Path, settled_before: float) -> dict[str, str]:
    """`source/file` -> `size:mtime_ns` for every file the loaders would pick up, unchanged since `settled_before`."""
    signatures: dict[str, str] = {}
    for source in SOURCES:
        for path in source_files(inbox, source):
            stat = path.stat()
            if stat.st_mtime <= settled_before:
                signatures[f"{source.name}/{path.name}"] = f"{stat.st_size}:{stat.st_mtime_ns}"
    return signatures


@sensor(job=pipeline_job, minimum_interval_seconds=60, description="Runs the pipeline when partner files land in the inbox.")
def landing_zone_sensor(context: SensorEvaluationContext):
    seen: dict[str, str] = json.loads(context.cursor) if context.cursor else {}
    current = landing_zone_signatures(inbox_dir(), settled_before=time.time() - SETTLE_SECONDS)
    changed = sorted(name for name, signature in current.items() if seen.get(name) != signature)
    if not changed:
        return SkipReason("No new or changed files in the landing zone.")
    run_key = hashlib.sha256(json.dumps({name: current[name] for name in changed}).encode()).hexdigest()[:20]
    context.update_cursor(json.dumps(current))
    return RunRequest(run_key=run_key, tags={"voltbill/new_files": str(len(changed))})


@run_status_sensor(
    run_status=DagsterRunStatus.SUCCESS,
    monitored_jobs=[billing_job],
    request_job=invoicing_job,
    default_status=DefaultSensorStatus.STOPPED,
    description="After a successful billing run, renders and sends the documents it issued (the invoicing job).",
)
def invoicing_after_billing_sensor(context: RunStatusSensorContext) -> RunRequest:
    return RunRequest(run_key=f"after-billing-{context.dagster_run.run_id}")


def run_leaves_dashboard_stale(asset_selection: frozenset[AssetKey] | None) -> bool:
    """A run that materialised some of the marts the dashboard reads but not the dashboard itself (an ad-hoc
    `dagster asset materialize`, `make run`'s later steps). A job run with no asset selection is the
    pipeline (which ends with the dashboard) or a job that touches no mart."""
    return bool(asset_selection) and DASHBOARD_KEY not in asset_selection and bool(asset_selection & DASHBOARD_INPUTS)


@run_status_sensor(
    run_status=DagsterRunStatus.SUCCESS,
    request_job=dashboard_job,
    default_status=DefaultSensorStatus.RUNNING,
    description="After a successful run that rebuilt marts the dashboard reads without rebuilding the dashboard, rebuilds it.",
)
def dashboard_after_run_sensor(context: RunStatusSensorContext):
    if not run_leaves_dashboard_stale(context.dagster_run.asset_selection):
        return SkipReason(f"Run {context.dagster_run.run_id} left the dashboard up to date.")
    return RunRequest(run_key=f"dashboard-after-{context.dagster_run.run_id}")
