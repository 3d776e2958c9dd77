"""Run cost allocation and the service-charge reconciliations on the warehouse: read the staged inputs, compute, record.

Both results are pure functions of the inputs and the run's date, so each run replaces them
whole, in one transaction (`allocation.*` tables): a rerun on the same inputs gives the same
rows. A row that cannot be used (an invoice the library refuses, a tree that does not hold
together, a reconciliation whose data are incomplete) becomes a row of `allocation.problems` with
the reason in words; the rest is computed. Never does one bad row stop the run.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal

import duckdb

from allocation.cost_allocation import (
    Consumption,
    CostReport,
    CostRow,
    PriceListEntry,
    ReceivedInvoice,
    energy_costs,
    overcharge_alerts,
)
from allocation.hierarchy import ObjectTree, ObjectType, SiteObject, TreeError
from allocation.ledger_tables import create_allocation_tables
from allocation.service_charges import (
    GENERIC,
    SMART_CUBE,
    ReconciliationError,
    ReconciliationResult,
    ReconciliationSpec,
    TemplateError,
    TenantReading,
    advances_from_parameters,
    reconcile,
)
from billing.warehouse_io import query_rows

TEMPLATES = {"smart_cube": SMART_CUBE, "generic": GENERIC}
MEDIA = {"water": "water", "heat": "heat"}


@dataclass
class AllocationRunResult:
    cost_rows: int = 0
    alerts: int = 0
    problems: list[tuple[str, str, str]] = field(default_factory=list)  # (kind, subject, message)
    reconciliations_ok: int = 0
    reconciliations_failed: int = 0


def load_tree(connection: duckdb.DuckDBPyConnection) -> ObjectTree:
    """The object hierarchy from staging (raises TreeError naming every problem)."""
    types = [
        ObjectType(row["type_id"], row["name"], row["is_reconciliation_source"], row["is_reconciliation_target"])
        for row in query_rows(connection, "select * from staging.stg_allocation__object_types")
    ]
    objects = [
        SiteObject(row["object_id"], row["parent_id"], row["type_id"], row["name"], row["floor_area_m2"], row["currency"],
                   row["monthly_service_charge_advance"])
        for row in query_rows(connection, "select * from staging.stg_allocation__site_objects order by object_id")
    ]
    return ObjectTree(types, objects)


def meter_readings(connection: duckdb.DuckDBPyConnection) -> list[dict]:
    """Every staged reading with its meter's object, energy type and unit."""
    return query_rows(
        connection,
        """select m.object_id, m.energy_type, m.unit, c.meter_id, c.period_start, c.period_end, c.quantity, c.is_complete
           from staging.stg_allocation__meter_consumption as c
           join staging.stg_allocation__billing_meters as m using (meter_id)""",
    )


def consumption_records(readings: list[dict], invoices: list[ReceivedInvoice], as_of: date) -> list[Consumption]:
    """Consumption per object, energy type and reading period, and summed over each elapsed invoice's period.

    A period's sum is complete when every reading in it is complete and together they cover every day of it.
    """
    grouped: dict[tuple[str, str, date, date], list[dict]] = defaultdict(list)
    for row in readings:
        grouped[(row["object_id"], row["energy_type"], row["period_start"], row["period_end"])].append(row)
    records = [
        Consumption(obj, energy, start, end, sum((r["quantity"] for r in rows), Decimal(0)), all(r["is_complete"] for r in rows), rows[0]["unit"])
        for (obj, energy, start, end), rows in sorted(grouped.items())
    ]
    periods = {(str(i.energy_type), i.period_start, i.period_end) for i in invoices if i.is_energy and i.period_end < as_of}
    known = {(r.object_id, str(r.energy_type), r.period_start, r.period_end) for r in records}
    for energy, start, end in sorted(periods):
        inside: dict[str, list[dict]] = defaultdict(list)
        for row in readings:
            if row["energy_type"] == energy and start <= row["period_start"] and row["period_end"] <= end:
                inside[row["object_id"]].append(row)
        for obj, rows in sorted(inside.items()):
            if (obj, energy, start, end) in known:
                continue
            days = sum((r["period_end"] - r["period_start"]).days + 1 for r in {(r["meter_id"], r["period_start"]): r for r in rows}.values())
            meters = len({r["meter_id"] for r in rows})
            complete = all(r["is_complete"] for r in rows) and days == meters * ((end - start).days + 1)
            records.append(Consumption(obj, energy, start, end, sum((r["quantity"] for r in rows), Decimal(0)), complete, rows[0]["unit"]))
    return records


def _invoices(connection: duckdb.DuckDBPyConnection, tree: ObjectTree, result: AllocationRunResult) -> list[ReceivedInvoice]:
    """The invoices the library accepts, on objects and meters that exist; each refused one is a problem."""
    meters = {row["meter_id"]: row for row in query_rows(connection, "select * from staging.stg_allocation__billing_meters")}
    invoices: list[ReceivedInvoice] = []
    for row in query_rows(connection, "select * from staging.stg_allocation__received_invoices order by invoice_id"):
        where = f"{row['source_file']} line {row['source_line']}"
        meter = meters.get(row["meter_id"]) if row["meter_id"] else None
        refusal = None
        if row["object_id"] not in tree:
            refusal = f"object {row['object_id']!r} is not in the object tree"
        elif row["meter_id"] and meter is None:
            refusal = f"billing meter {row['meter_id']!r} is not in the meter register"
        elif meter is not None and (meter["object_id"] != row["object_id"] or meter["energy_type"] != row["category"]):
            refusal = (f"billing meter {row['meter_id']} measures {meter['energy_type']} of {meter['object_id']}, "
                       f"not {row['category']} of {row['object_id']}")
        elif meter is not None and not meter["is_invoiced"]:
            refusal = f"meter {row['meter_id']} is not marked as invoiced (a billing meter)"
        if refusal:
            result.problems.append(("invoice", row["invoice_id"], f"{where}: {refusal}; the invoice is not allocated"))
            continue
        try:
            invoices.append(
                ReceivedInvoice(
                    row["invoice_id"], row["meter_id"], row["object_id"], row["category"], row["period_start"], row["period_end"],
                    row["amount"], row["consumption"], row["unit"], row["currency"], row["note"] or "", row["alert_threshold_amount"],
                )
            )
        except ValueError as error:
            result.problems.append(("invoice", row["invoice_id"], f"{where}: {error}"))
    return invoices


def _price_lists(connection: duckdb.DuckDBPyConnection) -> list[PriceListEntry]:
    return [
        PriceListEntry(r["price_list_id"], r["energy_type"], r["object_id"], r["valid_from"], r["valid_to"], r["unit_price"], r["currency"], r["unit"])
        for r in query_rows(connection, "select * from staging.stg_allocation__price_lists order by price_list_id")
    ]


def _costs(invoices, prices, tree, records, as_of, result: AllocationRunResult) -> list[CostRow]:
    """Every invoice's cost rows; an invoice the library refuses is a problem, the others still count."""
    try:
        report: CostReport = energy_costs(invoices, prices, tree, records, as_of)
        rows = list(report.rows)
        notes = list(report.notes)
    except (ValueError, LookupError):
        rows, notes = [], []
        for invoice in invoices:
            try:
                single = energy_costs([invoice], prices, tree, records, as_of)
            except (ValueError, LookupError) as error:
                result.problems.append(("invoice", invoice.invoice_id, str(error)))
                continue
            rows += single.rows
            notes += single.notes
    result.problems += [("note", "", note) for note in notes]
    return rows


def compute_reconciliations(
    connection: duckdb.DuckDBPyConnection, tree: ObjectTree, readings: list[dict], result: AllocationRunResult
) -> list[ReconciliationResult]:
    """Every reconciliation of the staged specs (grouped by source object, period and template); failures go to `result.problems`."""
    specs_by_run: dict[tuple[str, date, date, str], list[ReconciliationSpec]] = defaultdict(list)
    for row in query_rows(connection, "select * from staging.stg_allocation__service_charge_reconciliations order by spec_id"):
        key = (row["source_object_id"], row["period_start"], row["period_end"], row["template"])
        try:
            specs_by_run[key].append(
                ReconciliationSpec(row["spec_id"], row["kind"], row["source_object_id"], row["period_start"], row["period_end"],
                                   row["cost"], row["currency"], row["consumption_share_pct"], row["name"])
            )
        except ValueError as error:
            result.problems.append(("reconciliation", row["spec_id"], str(error)))
    tenant_readings = [
        TenantReading(r["object_id"], r["meter_id"], MEDIA[r["energy_type"]], r["period_start"], r["period_end"], r["quantity"], r["is_complete"])
        for r in readings
        if r["energy_type"] in MEDIA
    ]
    done: list[ReconciliationResult] = []
    for (source, start, end, template), specs in sorted(specs_by_run.items()):
        subject = f"{source} {start}..{end}"
        months = (end.year - start.year) * 12 + end.month - start.month + 1
        try:
            advances = advances_from_parameters(tree, source, months)
            targets = set(tree.reconciliation_targets(source))
            relevant = [r for r in tenant_readings if r.tenant_id in targets and r.period_start == start and r.period_end == end]
            done.append(reconcile(specs, tree, source, relevant, advances, TEMPLATES[template]))
            result.reconciliations_ok += 1
        except TemplateError as error:
            result.reconciliations_failed += 1
            result.problems.append(("reconciliation", subject, str(error)))
        except (ReconciliationError, ValueError, LookupError) as error:
            result.reconciliations_failed += 1
            for problem in getattr(error, "problems", None) or (str(error),):
                result.problems.append(("reconciliation", subject, problem))
    return done


def run_allocation(connection: duckdb.DuckDBPyConnection, as_of: date) -> AllocationRunResult:
    """Compute energy costs (as of `as_of`), overcharge alerts and reconciliations; replace the `allocation.*` tables."""
    create_allocation_tables(connection)
    result = AllocationRunResult()
    now = datetime.now(timezone.utc)
    try:
        tree = load_tree(connection)
    except TreeError as error:
        result.problems += [("object_tree", "", problem) for problem in error.problems]
        _replace(connection, [], [], [], result.problems, as_of, now)
        return result
    invoices = _invoices(connection, tree, result)
    readings = meter_readings(connection)
    result.problems += [
        ("reading", meter_id, f"{source_file} line {source_line}: meter {meter_id!r} is not in the meter register; its reading is not used")
        for meter_id, source_file, source_line in connection.execute(
            """select c.meter_id, c.source_file, c.source_line from staging.stg_allocation__meter_consumption as c
               where not exists (select 1 from staging.stg_allocation__billing_meters as m where m.meter_id = c.meter_id)
               order by 1, 2, 3"""
        ).fetchall()
    ]
    records = consumption_records(readings, invoices, as_of)
    costs = _costs(invoices, _price_lists(connection), tree, records, as_of, result)
    alerts = overcharge_alerts(invoices, tree)
    reconciliations = compute_reconciliations(connection, tree, readings, result)
    _replace(connection, costs, alerts, reconciliations, result.problems, as_of, now)
    result.cost_rows, result.alerts = len(costs), len(alerts)
    return result


def _insert_many(connection: duckdb.DuckDBPyConnection, sql: str, rows: list[list]) -> None:
    if rows:
        connection.executemany(sql, rows)


def _replace(connection, costs, alerts, reconciliations, problems, as_of: date, now: datetime) -> None:
    connection.execute("BEGIN TRANSACTION")
    try:
        for table in ("energy_costs", "overcharge_alerts", "reconciliation_shares", "reconciliation_balances", "problems"):
            connection.execute(f"delete from allocation.{table}")
        _insert_many(connection, 
            "insert into allocation.energy_costs values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [[c.object_id, str(c.energy_type), c.period_start, c.period_end, c.consumption, c.unit, c.amount, c.currency, c.basis,
              c.kind, c.invoice_id, c.price_list_id, as_of] for c in costs],
        )
        _insert_many(connection, 
            "insert into allocation.overcharge_alerts values (?, ?, ?, ?, ?, ?, ?)",
            [[a.invoice_id, a.meter_id, a.object_id, a.amount, a.threshold, a.currency, a.message] for a in alerts],
        )
        codes = {template.name: code for code, template in TEMPLATES.items()}
        for run in reconciliations:
            start, end = run.specs[0].period_start, run.specs[0].period_end
            template_code = codes.get(run.template, run.template)
            specs = {spec.spec_id: spec for spec in run.specs}
            _insert_many(connection, 
                "insert into allocation.reconciliation_shares values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [[run.source_object_id, start, end, template_code, t.tenant_id, s.spec_id, str(s.kind), specs[s.spec_id].name,
                  specs[s.spec_id].cost, s.amount, s.basis_quantity, s.consumption_part, s.area_part, run.currency]
                 for t in run.tenants for s in t.shares],
            )
            _insert_many(connection, 
                "insert into allocation.reconciliation_balances values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [[run.source_object_id, start, end, template_code, t.tenant_id, t.name, t.total, t.advances_paid, t.balance, run.currency]
                 for t in run.tenants],
            )
        _insert_many(connection, 
            "insert into allocation.problems values (?, ?, ?, ?)", [[kind, subject, message, now] for kind, subject, message in problems]
        )
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise
