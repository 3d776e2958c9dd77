"""The landing-zone sensor requests a run for new or changed files, and only for those."""

from __future__ import annotations

from pathlib import Path

import pytest
from dagster import DagsterInstance, RunRequest, SkipReason, build_sensor_context

from orchestration import sensors
from orchestration.sensors import landing_zone_sensor


@pytest.fixture()
def inbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    inbox = tmp_path / "inbox"
    (inbox / "meter_readings").mkdir(parents=True)
    monkeypatch.setenv("VOLTBILL_INBOX_DIR", str(inbox))
    return inbox


def evaluate(cursor: str | None):
    with DagsterInstance.ephemeral() as instance:
        context = build_sensor_context(instance=instance, cursor=cursor)
        result = landing_zone_sensor(context)
        return result, context.cursor


def test_a_file_still_being_written_waits_until_it_settles(inbox: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sensors, "SETTLE_SECONDS", 3600)
    (inbox / "meter_readings" / "readings_A_2026-01.csv").write_text("header\n")
    result, cursor = evaluate(None)
    assert isinstance(result, SkipReason)
    monkeypatch.setattr(sensors, "SETTLE_SECONDS", 0)
    result, cursor = evaluate(cursor)
    assert isinstance(result, RunRequest)


def test_new_file_requests_one_run_then_nothing_until_another_arrives(inbox: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sensors, "SETTLE_SECONDS", 0)
    result, cursor = evaluate(None)
    assert isinstance(result, SkipReason)

    (inbox / "meter_readings" / "readings_A_2026-01.csv").write_text("header\n")
    result, cursor = evaluate(cursor)
    assert isinstance(result, RunRequest) and result.tags["voltbill/new_files"] == "1"
    first_key = result.run_key

    again, cursor = evaluate(cursor)
    assert isinstance(again, SkipReason)

    (inbox / "meter_readings" / "readings_A_2026-02.csv").write_text("header\n")
    (inbox / "meter_readings" / "ignored.txt").write_text("not a partner file")
    result, cursor = evaluate(cursor)
    assert isinstance(result, RunRequest) and result.tags["voltbill/new_files"] == "1"
    assert result.run_key != first_key
