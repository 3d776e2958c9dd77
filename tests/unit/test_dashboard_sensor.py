"""The dashboard's wiring: which finished runs leave it stale (and so start the `dashboard` job), and the marts it reads."""

from __future__ import annotations

from dagster import AssetKey, DefaultSensorStatus

from orchestration.definitions import defs
from orchestration.sensors import dashboard_after_run_sensor, run_leaves_dashboard_stale

RECEIVABLES = AssetKey(["marts", "fct_receivables"])
DASHBOARD = AssetKey(["reports", "dashboard"])


def test_a_run_that_rebuilt_a_mart_the_dashboard_reads_but_not_the_dashboard_leaves_it_stale() -> None:
    assert run_leaves_dashboard_stale(frozenset({RECEIVABLES, AssetKey(["staging", "stg_billing__invoices"])}))


def test_a_run_that_rebuilt_the_dashboard_too_does_not() -> None:
    assert not run_leaves_dashboard_stale(frozenset({RECEIVABLES, DASHBOARD}))


def test_runs_that_touched_no_mart_it_reads_do_not() -> None:
    assert not run_leaves_dashboard_stale(frozenset({AssetKey(["billing", "issued_invoices"])}))
    assert not run_leaves_dashboard_stale(frozenset({AssetKey(["marts", "fct_hourly_consumption"])}))  # not on the page
    assert not run_leaves_dashboard_stale(None)  # a job run without a selection: the pipeline ends with the dashboard


def test_the_sensor_runs_by_default_and_requests_the_dashboard_job() -> None:
    sensor = defs.get_sensor_def("dashboard_after_run_sensor")
    assert sensor is not None and dashboard_after_run_sensor.default_status == DefaultSensorStatus.RUNNING
    job = defs.resolve_job_def("dashboard")
    assert job.asset_layer.executable_asset_keys == {DASHBOARD}


def test_every_mart_the_dashboard_reads_is_a_dbt_model_it_depends_on() -> None:
    from dashboard.mart_reads import MARTS, QUERIES

    graph = defs.resolve_asset_graph()
    for mart in MARTS:
        assert graph.get(AssetKey(["marts", mart])).is_materializable, mart
    assert {mart for mart, _ in QUERIES.values()} == set(MARTS)
    assert graph.get(DASHBOARD).parent_keys == {AssetKey(["marts", mart]) for mart in MARTS}
