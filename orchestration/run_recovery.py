"""Release what runs killed on this machine still hold: their run status and their pool slots.

A run stopped with SIGKILL (or a power cut) never reports that it ended, so the instance keeps
it "started" and keeps its `duckdb_writer` pool slot: every later run would wait for that slot
forever. Before the CLI starts a run (`make run`), runs whose process no longer exists on this
host are marked failed and their slots freed. This is the embedded default's equivalent of the
daemon's run monitoring, which does the same for runs the UI launches (dagster.yaml).
"""

from __future__ import annotations

import os
import socket

from dagster import DagsterInstance, DagsterRunStatus, RunsFilter

IN_PROGRESS = [DagsterRunStatus.STARTING, DagsterRunStatus.STARTED, DagsterRunStatus.CANCELING]


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


RECENT_RECORDS = 200


def _run_pid(instance: DagsterInstance, run_id: str) -> int | None:
    """The pid that wrote the run's latest Dagster event, if any.

    Plain log messages (an asset's `context.log`, dbt's log lines) carry no pid, so the latest record is
    not enough: a run killed right after one would never be recognised as killed.
    """
    records = instance.get_records_for_run(run_id, ascending=False, limit=RECENT_RECORDS).records
    for record in records:
        event = record.event_log_entry.dagster_event
        if event is not None and event.pid is not None:
            return event.pid
    return None


def release_dead_runs(instance: DagsterInstance) -> list[str]:
    """Mark in-progress runs whose process is gone as failed and free their pool slots."""
    released: list[str] = []
    for run in instance.get_runs(RunsFilter(statuses=IN_PROGRESS)):
        pid = _run_pid(instance, run.run_id)
        if pid is None or _process_alive(pid):
            continue  # still running, or just launched and not yet logging: not ours to judge
        instance.report_run_failed(
            run, message=f"Run process {pid} no longer exists on {socket.gethostname()}: the run was killed; marked failed."
        )
        instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        released.append(run.run_id)
    return released
