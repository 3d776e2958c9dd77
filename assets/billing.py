"""Billing assets: the month's invoices per company, payment matching, late-payment penalties.

The invoices asset produces the register and ledger tables (one asset per table, so the dbt sources that
read them show their lineage), payment matching its two tables. The penalty asset adds penalty documents to
the same ledger tables (`billing.invoice_documents` ...); lineage shows it downstream of payment matching.

Thin: the business rules are in `billing/` (`billing.partition_run` runs a partition, `billing.payments`
matches the bank statements). `billing/invoices` and `billing/penalty_invoices` are partitioned by
(month, company) and run on the billing day of the next month (`billing_schedule`) or by hand from the UI;
`billing/payment_matching` re-matches every statement line after each ingestion.
"""

import os
from decimal import Decimal

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetSpec,
    Config,
    MaterializeResult,
    MetadataValue,
    MultiPartitionKey,
    asset,
    multi_asset,
)

from billing import partition_run
from billing.payments import match_all_statements
from orchestration.partitions import BILLING_DAY, billing_partitions
from orchestration.resources import WAREHOUSE_WRITER_POOL, WarehouseResource

PENALTY_MINIMUM = os.environ.get("VOLTBILL_PENALTY_MINIMUM_AMOUNT", "1.00")

BILLING_INPUTS = [
    AssetKey(["marts", name])
    for name in ("fct_monthly_contract_consumption", "fct_monthly_consumption", "fct_hourly_consumption", "dim_contracts", "dim_customers", "dim_companies")
] + [
    AssetKey(["staging", name]) for name in ("stg_crm__contract_billing_settings", "stg_dso__network_fees", "stg_power_exchange__day_ahead_prices")
] + [
    AssetKey(["reference", name]) for name in ("excise_rates", "reactive_energy_prices", "green_certificate_quotas", "invoice_series")
]


class BillingConfig(Config):
    billing_day: int = BILLING_DAY  # day of the following month the documents are issued on (and dated)


class PenaltyConfig(Config):
    billing_day: int = BILLING_DAY  # the interest is calculated up to this day of the following month
    minimum_amount: str = PENALTY_MINIMUM  # smallest interest difference worth a penalty invoice, per document


def _partition(context: AssetExecutionContext) -> tuple[str, str]:
    key = context.partition_key
    if not isinstance(key, MultiPartitionKey):
        raise ValueError(f"expected a (month, company) partition, got {key!r}")
    dimensions = key.keys_by_dimension
    return dimensions["company"], dimensions["month"][:7]


def _metadata(result: partition_run.PartitionResult) -> dict:
    exceptions = [f"| {e.contract_id} | {e.customer_id} | {e.reason} |" for e in result.exceptions]
    return {
        "issue_date": MetadataValue.text(result.issue_date.isoformat()),
        "contracts": MetadataValue.int(result.contracts),
        "issued": MetadataValue.int(result.outcomes.get("issued", 0)),
        "reused": MetadataValue.int(result.outcomes.get("reused", 0)),
        "changed_after_issue": MetadataValue.int(result.outcomes.get("changed_after_issue", 0)),
        "documents_by_type": MetadataValue.json(dict(sorted(result.documents_by_type.items()))),
        "amount_due_by_currency": MetadataValue.json({currency: str(amount) for currency, amount in sorted(result.amount_due_by_currency.items())}),
        "recalculations": MetadataValue.int(result.recalculations),
        "not_billed": MetadataValue.int(len(result.exceptions)),
        "not_billed_reasons": MetadataValue.md("\n".join(["| contract | customer | reason |", "|---|---|---|", *exceptions]) if exceptions else "none"),
        "kept_as_issued": MetadataValue.md("\n".join(f"- {text}" for text in result.kept_as_issued) or "none"),
    }


LEDGER_TABLES = {
    "issued_invoices": "The invoice register: one row per issued number (never updated or deleted).",
    "number_series": "The register's number series per company, with the next number to issue.",
    "invoice_documents": "What each issued number stands for: type, customer, period, dates, totals, the draft as JSON.",
    "invoice_lines": "Lines of the issued documents with their charge type.",
    "invoice_vat_groups": "VAT breakdown of the issued documents, with the advances a regularisation deducts.",
    "recalculation_values": "Billed vs recalculated value per contract and month when consumption changed after issue.",
    "billing_exceptions": "Contract-months a billing partition could not bill, and why.",
}
PAYMENT_TABLES = {
    "payment_allocations": "Statement line amounts applied to documents (or credited to the customer as overpayment).",
    "payment_queue": "Statement lines that could not be matched, with the reason, for finance to decide.",
}


@multi_asset(
    name="billing__invoices",
    specs=[
        AssetSpec(AssetKey(["billing", table]), description=text, group_name="billing", kinds={"duckdb", "python"}, deps=BILLING_INPUTS)
        for table, text in LEDGER_TABLES.items()
    ],
    partitions_def=billing_partitions,
    pool=WAREHOUSE_WRITER_POOL,
    description=(
        "The month's documents of one company, numbered in the invoice register and stored in the billing ledger: "
        "regularisation on actual consumption (advances deducted, or a recalculation when the consumption changed "
        "after issue), deviation invoices outside the tolerance band, the next month's advance, and green-certificate "
        "regularisations once the final quota is published. Idempotent: a rerun reuses the numbers issued."
    ),
)
def invoices(context: AssetExecutionContext, config: BillingConfig, warehouse: WarehouseResource):
    company_id, month = _partition(context)
    with warehouse.connect() as connection:
        result = partition_run.bill_company_month(connection, company_id, month, config.billing_day, context.run_id)
    for exception in result.exceptions:
        context.log.warning(f"{company_id} {month}: not billed: contract {exception.contract_id}: {exception.reason}")
    metadata = _metadata(result)
    for table in LEDGER_TABLES:
        yield MaterializeResult(asset_key=AssetKey(["billing", table]), metadata=metadata if table == "invoice_documents" else {})


@multi_asset(
    name="billing__payment_matching",
    specs=[
        AssetSpec(
            AssetKey(["billing", table]), description=text, group_name="billing", kinds={"duckdb", "python"},
            deps=[AssetKey(["staging", "stg_bank__statement_lines"]), AssetKey(["billing", "invoice_documents"]), AssetKey(["reference", "company_bank_accounts"])],
        )
        for table, text in PAYMENT_TABLES.items()
    ],
    pool=WAREHOUSE_WRITER_POOL,
    description=(
        "Every bank statement line matched to the issued documents: by the invoice number or payment reference in "
        "the remittance text, else by the payer (an IBAN seen paying the customer's invoices) and the amount; what "
        "cannot be matched waits in billing.payment_queue with the reason. Replaces both tables in one transaction."
    ),
)
def payment_matching(context: AssetExecutionContext, warehouse: WarehouseResource):
    with warehouse.connect() as connection:
        summary = match_all_statements(connection)
    metadata = {
        "statement_lines": MetadataValue.int(summary.lines),
        "matched_lines": MetadataValue.int(summary.matched_lines),
        "queued_lines": MetadataValue.int(summary.queued_lines),
        "allocated_by_currency": MetadataValue.json({c: str(a) for c, a in sorted(summary.allocated_by_currency.items())}),
        "queued_by_reason": MetadataValue.json(dict(sorted(summary.queued_by_reason.items()))),
    }
    yield MaterializeResult(asset_key=AssetKey(["billing", "payment_allocations"]), metadata=metadata)
    yield MaterializeResult(asset_key=AssetKey(["billing", "payment_queue"]), metadata={"queued_lines": MetadataValue.int(summary.queued_lines)})


@asset(
    key=AssetKey(["billing", "penalty_invoices"]),
    group_name="billing",
    partitions_def=billing_partitions,
    pool=WAREHOUSE_WRITER_POOL,
    kinds={"duckdb", "python"},
    deps=[AssetKey(["billing", "payment_allocations"]), AssetKey(["reference", "reference_interest_rates"])],
    description=(
        "Late-payment interest invoices of one company as of the billing day: per contract, the interest on every "
        "overdue document from the day after its due date (plus grace days) to the payment's value date, or to the "
        "billing day for what is unpaid, at the contract's reference rate + margin and day count, minus what earlier "
        "penalty invoices charged on it."
    ),
)
def penalty_invoices(context: AssetExecutionContext, config: PenaltyConfig, warehouse: WarehouseResource) -> MaterializeResult:
    company_id, month = _partition(context)
    with warehouse.connect() as connection:
        result = partition_run.penalize_company_month(connection, company_id, month, config.billing_day, Decimal(config.minimum_amount), context.run_id)
    return MaterializeResult(metadata=_metadata(result))


BILLING_ASSETS = [invoices, payment_matching, penalty_invoices]
