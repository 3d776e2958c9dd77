"""DDL of the `emobility` schema: the rating of every CDR, its priced components, and the EMP invoice register.

A CDR is rated once: `cdr_ratings` has one row per CDR id, written the first time the CDR is
seen and never changed (a not-rated CDR stays not rated, as in the seed: "define the missing
configuration for future CDRs and invoice the CDR in question separately"). The EMP invoice
register is immutable too: a document's number, date and amounts never change.
"""

from __future__ import annotations

import duckdb

LEDGER_DDL = (
    "CREATE SCHEMA IF NOT EXISTS emobility",
    """
    CREATE TABLE IF NOT EXISTS emobility.cdr_ratings (
        cdr_id              VARCHAR PRIMARY KEY,
        source_file         VARCHAR NOT NULL,   -- the delivery that was rated (the first of the id)
        source_line         BIGINT NOT NULL,
        status              VARCHAR NOT NULL,   -- rated | not_rated
        reason_code         VARCHAR,            -- rating.rating_status.REASONS key when not rated
        reason              VARCHAR,            -- the seed's rating reason text
        notify_cpo          BOOLEAN NOT NULL,   -- the reason notifies the CPO
        company_id          VARCHAR,            -- CPO subsidiary of the EVSE's country
        country_code        VARCHAR,            -- EVSE's country; NULL without EVSE data
        emp_id              VARCHAR NOT NULL,
        currency            VARCHAR NOT NULL,
        offer_id            VARCHAR,
        pricing_methodology VARCHAR,
        is_credit           BOOLEAN NOT NULL,
        credit_reference_id VARCHAR,
        session_start       TIMESTAMPTZ NOT NULL,
        session_end         TIMESTAMPTZ NOT NULL,
        invoiced_month      DATE,               -- first day of the EVSE-local month the session ended in
        energy_kwh          DECIMAL(18,4) NOT NULL,
        time_hours          DECIMAL(18,6) NOT NULL,
        parking_hours       DECIMAL(18,6) NOT NULL,
        net_amount          DECIMAL(18,2),      -- NULL when not rated
        vat_amount          DECIMAL(18,2),
        gross_amount        DECIMAL(18,2),
        rated_at            TIMESTAMPTZ NOT NULL
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS emobility.cdr_rating_components (
        cdr_id          VARCHAR NOT NULL,
        component       VARCHAR NOT NULL,       -- session_fee | energy | time | parking
        quantity        DECIMAL(18,6) NOT NULL, -- negative on credit CDRs
        unit            VARCHAR NOT NULL,       -- kWh | minute | hour | session
        unit_price      DECIMAL(18,6) NOT NULL,
        net_amount      DECIMAL(18,2) NOT NULL,
        vat_rate_pct    DECIMAL(5,2) NOT NULL,
        vat_amount      DECIMAL(18,2) NOT NULL,
        PRIMARY KEY (cdr_id, component)
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS emobility.emp_invoices (
        invoice_number  VARCHAR PRIMARY KEY,    -- yymmddnnnn-<EMP id>
        document_type   VARCHAR NOT NULL,       -- invoice | credit_note
        issue_date      DATE NOT NULL,
        due_date        DATE NOT NULL,
        company_id      VARCHAR NOT NULL,       -- the CPO subsidiary issuing it
        country_code    VARCHAR NOT NULL,
        emp_id          VARCHAR NOT NULL,
        invoiced_month  DATE NOT NULL,
        currency        VARCHAR NOT NULL,
        cdr_count       INTEGER NOT NULL,
        net_amount      DECIMAL(18,2) NOT NULL,
        vat_amount      DECIMAL(18,2) NOT NULL,
        gross_amount    DECIMAL(18,2) NOT NULL,
        issued_at       TIMESTAMPTZ NOT NULL
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS emobility.emp_invoice_cdrs (
        invoice_number  VARCHAR NOT NULL,
        cdr_id          VARCHAR PRIMARY KEY     -- a CDR is invoiced once
    )
    """,
)


def create_emobility_tables(connection: duckdb.DuckDBPyConnection) -> None:
    """Create the `emobility` schema and its tables if they do not exist (idempotent)."""
    for statement in LEDGER_DDL:
        connection.execute(statement)
