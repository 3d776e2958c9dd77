"""The billing schedule bills the month just ended for every company; the billing job is the partitioned part."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from dagster import AssetKey, MultiPartitionKey, build_schedule_context, validate_run_config

from orchestration.definitions import defs
from orchestration.partitions import billing_partitions
from orchestration.schedules import billing_schedule

BUCHAREST = ZoneInfo("Europe/Bucharest")


def test_on_the_billing_day_every_company_bills_the_month_just_ended() -> None:
    context = build_schedule_context(scheduled_execution_time=dt.datetime(2026, 1, 5, 6, 0, tzinfo=BUCHAREST))
    requests = list(billing_schedule(context))
    keys = [request.partition_key for request in requests]
    assert keys == [
        MultiPartitionKey({"month": "2025-12-01", "company": "VB-RO"}),
        MultiPartitionKey({"month": "2025-12-01", "company": "VB-BG"}),
    ]
    assert [request.run_key for request in requests] == ["VB-RO|2025-12-01", "VB-BG|2025-12-01"]
    job = defs.resolve_job_def("billing")
    for request in requests:
        config = validate_run_config(job, request.run_config)
        assert config["ops"]["billing__invoices"]["config"]["billing_day"] == 5
        assert billing_partitions.has_partition_key(str(request.partition_key))


def test_the_billing_job_holds_the_partitioned_billing_assets_and_the_pipeline_the_rest() -> None:
    billing = set(defs.resolve_job_def("billing").asset_layer.selected_asset_keys)
    pipeline = set(defs.resolve_job_def("pipeline").asset_layer.selected_asset_keys)
    ledger = {AssetKey(["billing", table]) for table in (
        "issued_invoices", "number_series", "invoice_documents", "invoice_lines", "invoice_vat_groups", "recalculation_values", "billing_exceptions",
    )}
    assert billing == ledger | {AssetKey(["billing", "penalty_invoices"])}
    assert not billing & pipeline
    # payment matching follows every ingestion of statements, and the finance marts are dbt models of the pipeline
    assert {AssetKey(["billing", "payment_allocations"]), AssetKey(["billing", "payment_queue"]), AssetKey(["marts", "fct_receivables"])} <= pipeline
