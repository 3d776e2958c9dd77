"""DDL of the `allocation` schema: energy costs per object and period, overcharge alerts, reconciliation results, problems.

Every table is replaced whole by each run (`allocation.allocation_run`): the results are a function of
the inputs and the run's date, not a register.
"""

from __future__ import annotations

import duckdb

LEDGER_DDL = (
    "CREATE SCHEMA IF NOT EXISTS allocation",
    """
    CREATE TABLE IF NOT EXISTS allocation.energy_costs (
        object_id       VARCHAR NOT NULL,
        category        VARCHAR NOT NULL,       -- electricity | gas | water | heat, or the expense category
        period_start    DATE NOT NULL,
        period_end      DATE NOT NULL,
        consumption     DECIMAL(18,3),          -- in `unit`; NULL for expenses
        unit            VARCHAR,
        amount          DECIMAL(18,2) NOT NULL,
        currency        VARCHAR NOT NULL,
        basis           VARCHAR NOT NULL,       -- invoice | price_list
        kind            VARCHAR NOT NULL,       -- allocated | loss | expense | estimated
        invoice_id      VARCHAR NOT NULL,
        price_list_id   VARCHAR,
        as_of           DATE NOT NULL           -- the run's date: invoices whose period ended before it count
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS allocation.overcharge_alerts (
        invoice_id      VARCHAR NOT NULL,
        meter_id        VARCHAR,
        object_id       VARCHAR NOT NULL,
        amount          DECIMAL(18,2) NOT NULL,
        threshold       DECIMAL(18,2) NOT NULL,
        currency        VARCHAR NOT NULL,
        message         VARCHAR NOT NULL
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS allocation.reconciliation_shares (
        source_object_id VARCHAR NOT NULL,
        period_start    DATE NOT NULL,
        period_end      DATE NOT NULL,
        template        VARCHAR NOT NULL,
        tenant_id       VARCHAR NOT NULL,
        spec_id         VARCHAR NOT NULL,
        kind            VARCHAR NOT NULL,       -- non_energy | water | heating
        name            VARCHAR NOT NULL,
        reconciled_cost DECIMAL(18,2) NOT NULL, -- the whole cost of the row, shared among the tenants
        amount          DECIMAL(18,2) NOT NULL, -- the tenant's share
        basis_quantity  DECIMAL(18,3) NOT NULL, -- 1 (equal), water m3 or heat consumption
        consumption_part DECIMAL(18,2),         -- heating: the part by consumption
        area_part       DECIMAL(18,2),          -- heating: the part by floor area
        currency        VARCHAR NOT NULL
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS allocation.reconciliation_balances (
        source_object_id VARCHAR NOT NULL,
        period_start    DATE NOT NULL,
        period_end      DATE NOT NULL,
        template        VARCHAR NOT NULL,
        tenant_id       VARCHAR NOT NULL,
        tenant_name     VARCHAR NOT NULL,
        total           DECIMAL(18,2) NOT NULL,
        advances_paid   DECIMAL(18,2) NOT NULL,
        balance         DECIMAL(18,2) NOT NULL, -- > 0 the tenant pays, < 0 refunded
        currency        VARCHAR NOT NULL
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS allocation.problems (
        kind            VARCHAR NOT NULL,       -- object_tree | invoice | reading | reconciliation | note
        subject         VARCHAR NOT NULL,       -- the invoice id, or the reconciliation (source and period)
        message         VARCHAR NOT NULL,
        recorded_at     TIMESTAMPTZ NOT NULL
    )
    """,
)


def create_allocation_tables(connection: duckdb.DuckDBPyConnection) -> None:
    """Create the `allocation` schema and its tables if they do not exist (idempotent)."""
    for statement in LEDGER_DDL:
        connection.execute(statement)
