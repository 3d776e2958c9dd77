"""A run killed on this machine is recognised as killed and released, also when its last record is a plain log line.

A child process writes a started run into a real Dagster instance (SQLite storage in a temporary
DAGSTER_HOME), one engine event (which carries the child's pid), then a plain log message (which
carries none, like an asset's `context.log` or a dbt log line), and exits without ending the run, as
a killed run does.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from dagster import DagsterInstance, DagsterRunStatus

from orchestration.run_recovery import release_dead_runs

CHILD = textwrap.dedent(
    """
    import logging, os, sys, time
    from dagster import DagsterInstance, DagsterRunStatus, job, op
    from dagster._core.events import DagsterEvent, DagsterEventType, EngineEventData
    from dagster._core.events.log import EventLogEntry

    @op
    def nothing():
        return None

    @job
    def a_job():
        nothing()

    with DagsterInstance.get() as instance:
        run = instance.create_run_for_job(a_job, status=DagsterRunStatus.STARTED)
        # what a step's events look like: written by the run's process, with its pid
        event = DagsterEvent(
            DagsterEventType.ENGINE_EVENT.value, run.job_name, message="step started", event_specific_data=EngineEventData(),
            pid=os.getpid(),
        )
        instance.handle_new_event(
            EventLogEntry(
                error_info=None, level=logging.DEBUG, user_message="step started", run_id=run.run_id, timestamp=time.time(),
                step_key=None, job_name=run.job_name, dagster_event=event,
            )
        )
        instance.handle_new_event(
            EventLogEntry(
                error_info=None, level=logging.INFO, user_message="a plain log line from the asset", run_id=run.run_id,
                timestamp=time.time(), step_key=None, job_name=run.job_name, dagster_event=None,
            )
        )
        print(run.run_id)
    """
)


def test_a_killed_run_whose_last_record_is_a_log_line_is_released(tmp_path: Path, monkeypatch) -> None:
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    child = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, check=True, env=dict(os.environ))
    run_id = child.stdout.strip().splitlines()[-1]
    with DagsterInstance.get() as instance:
        assert instance.get_run_by_id(run_id).status == DagsterRunStatus.STARTED
        assert release_dead_runs(instance) == [run_id]
        assert instance.get_run_by_id(run_id).status == DagsterRunStatus.FAILURE
        assert release_dead_runs(instance) == []  # nothing left to release
