"""Write every tenant's service-charge reconciliation document (PDF) for the reconciliations that can be produced.

Recomputes the reconciliations from the staged inputs with `allocation.allocation_run` (pure and
deterministic: the same figures as `allocation.reconciliation_*`) and renders one document per
tenant with `reconciliation_documents`. A reconciliation that cannot be produced (a template whose
required reconciliation is missing, a tenant without a water meter) gets no document; its reason is
in `allocation.problems` and returned here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb

from allocation.allocation_run import AllocationRunResult, compute_reconciliations, load_tree, meter_readings
from invoice_rendering.reconciliation_documents import Issuer, document_from_result, write_reconciliation_pdf


@dataclass
class ReconciliationDocumentsRun:
    written: list[Path] = field(default_factory=list)
    not_produced: list[str] = field(default_factory=list)


def render_reconciliation_documents(connection: duckdb.DuckDBPyConnection, out_dir: Path, issue_date: date) -> ReconciliationDocumentsRun:
    """Render each tenant's document under `out_dir/<building>/<period end YYYY-MM>/<tenant>.pdf`."""
    run = ReconciliationDocumentsRun()
    tree = load_tree(connection)
    readings = meter_readings(connection)
    computed = AllocationRunResult()
    results = compute_reconciliations(connection, tree, readings, computed)
    run.not_produced = [f"{subject}: {message}" for kind, subject, message in computed.problems if kind == "reconciliation"]
    emails = dict(connection.execute("select object_id, email from staging.stg_allocation__site_objects").fetchall())
    heat_units = dict(
        connection.execute(
            "select object_id, any_value(unit) from staging.stg_allocation__billing_meters where energy_type = 'heat' group by object_id"
        ).fetchall()
    )
    for result in results:
        root = tree.path(result.source_object_id)[0]
        issuer = Issuer(f"{tree.object(root).name} facility management")
        for tenant in result.tenants:
            document = document_from_result(
                result, tenant.tenant_id, result.specs, tree, issuer, issue_date,
                tenant_email=emails.get(tenant.tenant_id), heat_unit=heat_units.get(tenant.tenant_id, "units"),
            )
            run.written.append(write_reconciliation_pdf(document, out_dir))
    return run
