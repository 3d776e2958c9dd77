"""Cost-allocation assets: energy costs down the object tree, overcharge alerts, service-charge reconciliations.

Thin: `allocation/` computes (`allocation.allocation_run`); each result table is one asset
(`allocation/<table>`) so the dbt sources that read them show their lineage.
"""

from datetime import date, datetime, timezone
from pathlib import Path

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    AssetSpec,
    Config,
    MaterializeResult,
    MetadataValue,
    Output,
    asset,
    multi_asset,
)

from allocation.allocation_run import run_allocation
from allocation.ledger_checks import allocation_problems_in_sums
from invoice_rendering.reconciliation_run import render_reconciliation_documents
from orchestration.resources import WAREHOUSE_WRITER_POOL, WarehouseResource
from voltbill.paths import outputs_dir

ALLOCATION_GROUP = "allocation"
TABLES = ("energy_costs", "overcharge_alerts", "reconciliation_shares", "reconciliation_balances", "problems")
KEYS = {table: AssetKey(["allocation", table]) for table in TABLES}
INPUTS = [
    AssetKey(["staging", f"stg_allocation__{name}"])
    for name in ("object_types", "site_objects", "billing_meters", "meter_consumption", "received_invoices", "price_lists",
                 "service_charge_reconciliations")
]
DESCRIPTIONS = {
    "energy_costs": (
        "Energy cost per object and period (allocation.energy_costs): each invoice received, once its period has ended, "
        "distributed down the object tree by metered consumption at the invoice's unit price, with the loss under each "
        "parent; price-list estimates while a period has not ended; non-energy expenses."
    ),
    "overcharge_alerts": "Invoices received above their \"alert when overcharged\" amount (allocation.overcharge_alerts).",
    "reconciliation_shares": "Each tenant's share of each reconciled service charge (allocation.reconciliation_shares).",
    "reconciliation_balances": "Each tenant's reconciliation total, advances paid and balance (allocation.reconciliation_balances).",
    "problems": (
        "What the run could not use or produce, in words (allocation.problems): a refused invoice, a tree that does not "
        "hold together, a reconciliation whose template or tenant data are incomplete (no document is produced for it)."
    ),
}


class AllocationConfig(Config):
    as_of: str = ""  # YYYY-MM-DD: invoices whose period ended before it count; empty = today (UTC)


@multi_asset(
    specs=[
        AssetSpec(KEYS[table], group_name=ALLOCATION_GROUP, deps=INPUTS, kinds={"python", "duckdb"}, description=DESCRIPTIONS[table])
        for table in TABLES
    ],
    check_specs=[
        AssetCheckSpec(
            "allocations_add_up", asset=KEYS["energy_costs"], blocking=True,
            description="Every invoice's shares plus losses equal the parent's share at every level, and reconciliations add up, to the cent.",
        ),
        AssetCheckSpec("no_overcharge", asset=KEYS["overcharge_alerts"], description="Warns when an invoice received exceeds its alert amount."),
        AssetCheckSpec(
            "no_allocation_problem", asset=KEYS["problems"],
            description="Warns when an invoice, the object tree or a reconciliation could not be used (see allocation.problems).",
        ),
    ],
    pool=WAREHOUSE_WRITER_POOL,
)
def allocation_results(context: AssetExecutionContext, config: AllocationConfig, warehouse: WarehouseResource):
    as_of = date.fromisoformat(config.as_of) if config.as_of else datetime.now(timezone.utc).date()
    with warehouse.connect() as connection:
        result = run_allocation(connection, as_of)
        not_adding_up = allocation_problems_in_sums(connection)
    problems = [p for p in result.problems if p[0] != "note"]
    for kind, subject, message in problems[:50]:
        context.log.warning(f"{kind} {subject}: {message}")
    yield MaterializeResult(asset_key=KEYS["energy_costs"], metadata={"cost_rows": result.cost_rows, "as_of": as_of.isoformat()})
    yield MaterializeResult(asset_key=KEYS["overcharge_alerts"], metadata={"alerts": result.alerts})
    yield MaterializeResult(asset_key=KEYS["reconciliation_shares"], metadata={"reconciliations": result.reconciliations_ok})
    yield MaterializeResult(asset_key=KEYS["reconciliation_balances"], metadata={"reconciliations": result.reconciliations_ok})
    yield MaterializeResult(
        asset_key=KEYS["problems"],
        metadata={"problems": len(problems), "reconciliations_failed": result.reconciliations_failed,
                  "first": MetadataValue.json([f"{k} {s}: {m}" for k, s, m in problems[:20]])},
    )
    yield AssetCheckResult(
        asset_key=KEYS["energy_costs"], check_name="allocations_add_up", passed=not not_adding_up, severity=AssetCheckSeverity.ERROR,
        metadata={"places": len(not_adding_up), "first": MetadataValue.json(not_adding_up[:20])},
    )
    yield AssetCheckResult(asset_key=KEYS["overcharge_alerts"], check_name="no_overcharge", passed=result.alerts == 0,
                           severity=AssetCheckSeverity.WARN, metadata={"alerts": result.alerts})
    yield AssetCheckResult(asset_key=KEYS["problems"], check_name="no_allocation_problem", passed=not problems,
                           severity=AssetCheckSeverity.WARN, metadata={"problems": len(problems)})


RECONCILIATION_DOCUMENTS = AssetKey(["allocation", "reconciliation_documents"])


class DocumentsConfig(Config):
    issue_date: str = ""  # YYYY-MM-DD printed on the documents (the due date follows); empty = today (UTC)


@asset(
    key=RECONCILIATION_DOCUMENTS,
    group_name=ALLOCATION_GROUP,
    pool=WAREHOUSE_WRITER_POOL,
    kinds={"pdf", "python"},
    deps=[KEYS["reconciliation_shares"], KEYS["reconciliation_balances"], KEYS["problems"]],
    description=(
        "One service-charge reconciliation document (PDF) per tenant under outputs/reconciliations/<building>/<period "
        "end>/<tenant>.pdf, for every reconciliation that can be produced; one whose template or data are incomplete "
        "gets no document, and the check says why."
    ),
    check_specs=[
        AssetCheckSpec(
            "every_reconciliation_produced", asset=RECONCILIATION_DOCUMENTS,
            description="Warns when a reconciliation produced no documents (e.g. the Smart Cube template misses its heating reconciliation).",
        )
    ],
)
def reconciliation_documents(context: AssetExecutionContext, config: DocumentsConfig, warehouse: WarehouseResource):
    issue_date = date.fromisoformat(config.issue_date) if config.issue_date else datetime.now(timezone.utc).date()
    with warehouse.connect() as connection:
        run = render_reconciliation_documents(connection, reconciliations_dir(), issue_date)
    for reason in run.not_produced:
        context.log.warning(f"no reconciliation document: {reason}")
    yield Output(None, metadata={"documents": len(run.written), "output_folder": MetadataValue.path(str(reconciliations_dir()))})
    yield AssetCheckResult(
        check_name="every_reconciliation_produced", passed=not run.not_produced, severity=AssetCheckSeverity.WARN,
        metadata={"not_produced": MetadataValue.json(run.not_produced[:20])},
    )


def reconciliations_dir() -> Path:
    """Where the tenants' reconciliation documents go: `<outputs>/reconciliations/`."""
    return outputs_dir() / "reconciliations"


ALLOCATION_ASSETS = [allocation_results, reconciliation_documents]
