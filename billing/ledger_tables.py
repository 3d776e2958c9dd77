"""DDL of the billing ledger: the documents the billing run issued, their lines and VAT groups, recalculation
values, and the payment matching results, in the warehouse schema `billing`.

The register (`billing.register`: number series and `issued_invoices`) decides numbers; these tables hold
what each issued number stands for, so finance's marts (dbt sources in
dbt_project/models/staging/_billing_sources.yml) and the invoice documents can be built from the warehouse.

Writers and keys (the ledger's keys are primary keys, so two runs of a partition that store at once cannot
both insert a document: the loser's transaction fails, is retried, and finds the winner's rows; the
matching tables are replaced whole and keep their keys by construction, dbt tests them):

* `invoice_documents`, `invoice_lines`, `invoice_vat_groups`: written by the billing assets right after the
  register issued the numbers, insert-if-absent by (company_id, invoice_number). An issued document is never
  updated: a rerun that computes different content gets a correction document of its own.
* `recalculation_values`: one row per (company_id, contract_id, billing_period, revision), insert-if-absent.
* `billing_exceptions`: the contract-months a billing partition could not bill and why; each run of a
  partition replaces its own rows.
* `payment_allocations`, `payment_queue`: the result of matching every bank statement line ingested so far
  against every issued document; the matching asset replaces both tables in one transaction on each run, so
  they are always one consistent matching (key: statement_id, line_number, allocation_number).

`create_billing_ledger_tables(con)` creates the schema and every table (and the register's tables), empty,
idempotently; the dbt asset calls it before `dbt build` so the staging views always have tables to read.
"""

from __future__ import annotations

import duckdb

from billing.register import create_register_tables, run_with_retries

# Key: (company_id, invoice_number)
INVOICE_DOCUMENTS_DDL = """
CREATE TABLE IF NOT EXISTS billing.invoice_documents (
    company_id              VARCHAR NOT NULL,
    invoice_number          VARCHAR NOT NULL,   -- as in billing.issued_invoices
    series                  VARCHAR NOT NULL,
    invoice_key             VARCHAR NOT NULL,   -- idempotency key, e.g. regularisation/2026-03/CT-RO-0001
    invoice_type            VARCHAR NOT NULL,   -- advance | regularisation | deviation | green_certificate_regularisation | penalty | credit_note
    contract_id             VARCHAR,            -- NULL only for documents not tied to one contract
    customer_id             VARCHAR NOT NULL,
    billing_period          VARCHAR NOT NULL,   -- YYYY-MM, or the period label of a green-certificate regularisation (YYYY)
    issue_date              DATE NOT NULL,
    due_date                DATE NOT NULL,
    grace_days              INTEGER NOT NULL,   -- calendar days after the due date before penalty interest starts
    currency                VARCHAR NOT NULL,
    line_total              DECIMAL(18, 2) NOT NULL,  -- BT-106: sum of the rounded line nets
    vat_total               DECIMAL(18, 2) NOT NULL,  -- BT-110: VAT, rounded once per VAT group
    total_with_vat          DECIMAL(18, 2) NOT NULL,  -- BT-112
    prepaid_amount          DECIMAL(18, 2) NOT NULL,  -- BT-113: advances deducted (regularisations)
    amount_due              DECIMAL(18, 2) NOT NULL,  -- BT-115 = total_with_vat - prepaid_amount; < 0 is a credit to the customer
    corrects_invoice_number VARCHAR,            -- credit notes and corrections: the document corrected
    prepaid_invoice_refs    VARCHAR[],          -- regularisations: the documents deducted
    payment_reference       VARCHAR NOT NULL,   -- what the customer quotes on the transfer (BT-83)
    consumption_type        VARCHAR,            -- estimated | ordered | achieved | recalculated for energy documents, else NULL
    energy_kwh              DECIMAL(18, 3),     -- active energy the document prices (energy documents), else NULL
    invoice_language        VARCHAR,
    intermediary_id         VARCHAR,
    intermediary_commission_pct DECIMAL(9, 4),
    note                    VARCHAR NOT NULL,   -- BT-22
    document_json           VARCHAR NOT NULL,   -- the whole draft (lines, prepaid groups), exact decimals as strings
    content_hash            VARCHAR NOT NULL,   -- billing.register.content_hash of the lines
    billing_run_id          VARCHAR,            -- Dagster run that issued it
    stored_at               TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (company_id, invoice_number)
)
"""

# Key: (company_id, invoice_number, line_number)
INVOICE_LINES_DDL = """
CREATE TABLE IF NOT EXISTS billing.invoice_lines (
    company_id          VARCHAR NOT NULL,
    invoice_number      VARCHAR NOT NULL,
    line_number         INTEGER NOT NULL,       -- 1-based, the order on the document
    charge_type         VARCHAR NOT NULL,       -- energy | network_fee | reactive_energy | excise | green_certificates | deviation | penalty_interest
    description         VARCHAR NOT NULL,
    quantity            DECIMAL(18, 6) NOT NULL,  -- negative on credit notes and deduction lines
    unit                VARCHAR NOT NULL,       -- kWh | MWh | kvarh | kW | certificate | item | day
    unit_price          DECIMAL(18, 6) NOT NULL,  -- never negative (EN 16931 BR-27)
    net_amount          DECIMAL(18, 2) NOT NULL,  -- round half up (quantity x unit_price, 2)
    vat_category        VARCHAR NOT NULL,       -- EN 16931 VAT category code (S, E, AE, ...)
    vat_rate_pct        DECIMAL(5, 2) NOT NULL,
    metering_point_id   VARCHAR,                -- network fees: the point the DSO billed
    charged_invoice_number VARCHAR,             -- penalty interest: the invoice the interest is charged on
    PRIMARY KEY (company_id, invoice_number, line_number)
)
"""

# Key: (company_id, invoice_number, vat_category, vat_rate_pct)
INVOICE_VAT_GROUPS_DDL = """
CREATE TABLE IF NOT EXISTS billing.invoice_vat_groups (
    company_id              VARCHAR NOT NULL,
    invoice_number          VARCHAR NOT NULL,
    vat_category            VARCHAR NOT NULL,
    vat_rate_pct            DECIMAL(5, 2) NOT NULL,
    taxable_amount          DECIMAL(18, 2) NOT NULL,  -- BT-116 of the document's breakdown
    vat_amount              DECIMAL(18, 2) NOT NULL,  -- BT-117, rounded once per group
    prepaid_taxable_amount  DECIMAL(18, 2) NOT NULL,  -- deducted advances, taxable part (regularisations; else 0)
    prepaid_vat_amount      DECIMAL(18, 2) NOT NULL,  -- deducted advances, VAT part
    net_taxable_amount      DECIMAL(18, 2) NOT NULL,  -- taxable_amount - prepaid_taxable_amount: what the VAT ledger books
    net_vat_amount          DECIMAL(18, 2) NOT NULL,  -- vat_amount - prepaid_vat_amount
    PRIMARY KEY (company_id, invoice_number, vat_category, vat_rate_pct)
)
"""

# Key: (company_id, contract_id, billing_period, revision)
RECALCULATION_VALUES_DDL = """
CREATE TABLE IF NOT EXISTS billing.recalculation_values (
    company_id                  VARCHAR NOT NULL,
    customer_id                 VARCHAR NOT NULL,
    contract_id                 VARCHAR NOT NULL,
    billing_period              VARCHAR NOT NULL,   -- YYYY-MM
    revision                    VARCHAR NOT NULL,   -- identifies the recalculated consumption (content hash prefix)
    currency                    VARCHAR NOT NULL,
    recalculated_kwh            DECIMAL(18, 3) NOT NULL,
    billed_amount               DECIMAL(18, 2) NOT NULL,  -- gross amount due billed for the month before
    recalculated_amount         DECIMAL(18, 2) NOT NULL,  -- gross full price of the recalculated consumption
    difference                  DECIMAL(18, 2) NOT NULL,  -- recalculated - billed
    correction_invoice_number   VARCHAR,                  -- the regularisation issued for the difference, if any
    computed_at                 TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (company_id, contract_id, billing_period, revision)
)
"""

# Key: (statement_id, line_number, allocation_number)
PAYMENT_ALLOCATIONS_DDL = """
CREATE TABLE IF NOT EXISTS billing.payment_allocations (
    statement_id        VARCHAR NOT NULL,
    line_number         INTEGER NOT NULL,
    allocation_number   INTEGER NOT NULL,   -- 1-based within the statement line
    company_id          VARCHAR NOT NULL,
    customer_id         VARCHAR NOT NULL,
    invoice_number      VARCHAR,            -- NULL for an overpayment credited to the customer
    booking_date        DATE NOT NULL,
    value_date          DATE NOT NULL,      -- the day the money arrived: the payment date for penalty interest
    currency            VARCHAR NOT NULL,
    amount              DECIMAL(18, 2) NOT NULL,
    method              VARCHAR NOT NULL,   -- reference | customer_amount | pay_all | overpayment
    matched_at          TIMESTAMPTZ NOT NULL
)
"""

# Key: (company_id, billing_period, contract_id, reason): what a billing run could not bill; replaced per partition.
BILLING_EXCEPTIONS_DDL = """
CREATE TABLE IF NOT EXISTS billing.billing_exceptions (
    company_id          VARCHAR NOT NULL,
    billing_period      VARCHAR NOT NULL,   -- YYYY-MM of the billing partition
    contract_id         VARCHAR NOT NULL,
    customer_id         VARCHAR NOT NULL,
    document_kind       VARCHAR NOT NULL,   -- invoices | penalties
    reason              VARCHAR NOT NULL,   -- why the contract-month was not billed, with the figures
    billing_run_id      VARCHAR,
    recorded_at         TIMESTAMPTZ NOT NULL
)
"""

# Key: (statement_id, line_number)
PAYMENT_QUEUE_DDL = """
CREATE TABLE IF NOT EXISTS billing.payment_queue (
    statement_id        VARCHAR NOT NULL,
    line_number         INTEGER NOT NULL,
    company_id          VARCHAR,            -- the company whose account received the line (NULL if the account is unknown)
    booking_date        DATE NOT NULL,
    value_date          DATE NOT NULL,
    amount              DECIMAL(18, 2) NOT NULL,
    currency            VARCHAR NOT NULL,
    payer_name          VARCHAR,
    payer_iban          VARCHAR,
    remittance_info     VARCHAR,
    reason_code         VARCHAR NOT NULL,   -- billing.payment_matching reason codes, e.g. amount_mismatch, unknown_payer
    reason              VARCHAR NOT NULL,   -- the same for people, with the figures
    queued_at           TIMESTAMPTZ NOT NULL
)
"""

LEDGER_DDL = (
    INVOICE_DOCUMENTS_DDL,
    INVOICE_LINES_DDL,
    INVOICE_VAT_GROUPS_DDL,
    RECALCULATION_VALUES_DDL,
    PAYMENT_ALLOCATIONS_DDL,
    PAYMENT_QUEUE_DDL,
    BILLING_EXCEPTIONS_DDL,
)


def create_billing_ledger_tables(connection: duckdb.DuckDBPyConnection) -> None:
    """Create schema `billing`, the register's tables and the ledger tables, if absent (idempotent).

    Two runs creating them at once on a new warehouse conflict in DuckDB's catalog: the loser's transaction is
    retried (`billing.register.run_with_retries`) and then finds them (CREATE ... IF NOT EXISTS).
    """

    def create() -> None:
        create_register_tables(connection)
        for ddl in LEDGER_DDL:
            connection.execute(ddl)

    run_with_retries(connection, create)
