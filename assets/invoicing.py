"""Invoicing assets: the issued documents as files (PDF, e-invoices, zips), period exports, e-mail delivery.

Thin: `invoice_rendering/` renders, validates, exports and sends. `invoicing/invoice_files` renders
every issued document not rendered yet (Factur-X PDF/A-3 with the CII XML embedded, UBL and CII XML,
consumption CSV, per-invoice zip) and checks every e-invoice against the EN 16931 rules;
`invoicing/period_exports` writes each period's bulk zip and accounting CSV when its documents
changed; the delivery assets e-mail each document once and remind customers of due and overdue ones.
"""

from collections import Counter
from datetime import date, datetime, timezone
from pathlib import Path

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    Config,
    MetadataValue,
    Output,
    asset,
)

from invoice_rendering.delivery import SmtpSettings
from invoice_rendering.delivery_run import deliver_documents, load_open_items, send_notices, undelivered_count
from invoice_rendering.render_run import export_periods, render_pending
from orchestration.partitions import BILLING_COMPANIES
from orchestration.resources import WAREHOUSE_WRITER_POOL, WarehouseResource
from voltbill.paths import outputs_dir

INVOICING_GROUP = "invoicing"
INVOICE_FILES = AssetKey(["invoicing", "invoice_files"])
RENDER_INPUTS = [
    AssetKey(["billing", name]) for name in ("invoice_documents", "invoice_lines", "invoice_vat_groups", "penalty_invoices")
] + [
    AssetKey(["marts", name])
    for name in ("dim_companies", "dim_customers", "dim_contracts", "dim_metering_points", "dim_locations", "fct_monthly_consumption", "fct_hourly_consumption")
] + [AssetKey(["reference", name]) for name in ("company_bank_accounts", "company_invoice_details")]


def invoices_dir() -> Path:
    """Where the documents' files go: `<outputs>/invoices/<company>/<billing period>/`."""
    return outputs_dir() / "invoices"


class RenderConfig(Config):
    periods: list[str] = []  # billing periods (YYYY-MM) to render; empty = every period
    workers: int = 0  # rendering processes; 0 = VOLTBILL_RENDER_WORKERS or the machine's cores


def _problems_table(summary) -> str:
    rows = [f"| {p.invoice_number} | {p.reason} |" for p in summary.not_renderable]
    rows += [f"| {r.invoice_number} | {r.error} |" for r in summary.failed]
    rows += [f"| {r.invoice_number} | {'; '.join(r.einvoice_errors[:3])} |" for r in summary.invalid_einvoices]
    return "\n".join(["| document | problem |", "|---|---|", *rows]) if rows else "none"


@asset(
    key=INVOICE_FILES,
    group_name=INVOICING_GROUP,
    pool=WAREHOUSE_WRITER_POOL,
    kinds={"pdf", "xml", "python"},
    deps=RENDER_INPUTS,
    description=(
        "Every issued document as files, under outputs/invoices/<company>/<period>/: a Factur-X PDF/A-3b (the CII "
        "e-invoice embedded), the EN 16931 e-invoice as UBL 2.1 and as UN/CEFACT CII, the consumption CSV and a zip "
        "of the four. Renders only what is not rendered yet; recorded in invoicing.invoice_files."
    ),
    check_specs=[
        AssetCheckSpec(
            "einvoices_valid", asset=INVOICE_FILES, blocking=True,
            description="Every e-invoice rendered in this run passes the EN 16931 XSD and Schematron (UBL and CII) without errors.",
        ),
        AssetCheckSpec(
            "every_document_rendered", asset=INVOICE_FILES,
            description="Warns when an issued document could not be rendered (no valid bank account, a rendering error).",
        ),
        AssetCheckSpec(
            "no_document_in_a_withdrawn_currency", asset=INVOICE_FILES,
            description=(
                "Warns for documents issued in a currency already withdrawn (BGN after 2026-01-01): billing must issue "
                "them in EUR; their e-invoices fail the EN 16931 currency code list."
            ),
        ),
    ],
)
def invoice_files(context: AssetExecutionContext, config: RenderConfig, warehouse: WarehouseResource):
    now = datetime.now(timezone.utc)
    summaries = [
        render_pending(
            warehouse.connect, company_id, invoices_dir(), now, context.run_id,
            periods=config.periods or None, workers=config.workers or None,
        )
        for company_id in BILLING_COMPANIES
    ]
    for summary in summaries:
        for problem in summary.not_renderable:
            context.log.warning(f"{problem.company_id} {problem.invoice_number}: not rendered: {problem.reason}")
        for failed in summary.failed:
            context.log.error(f"{failed.company_id} {failed.invoice_number}: rendering failed: {failed.error}")
    invalid = [r for s in summaries for r in s.invalid_einvoices]
    unrendered = sum(len(s.failed) + len(s.not_renderable) for s in summaries)
    warnings = sum((summary.warnings for summary in summaries), Counter())
    yield Output(
        None,
        metadata={
            "pending": sum(s.pending for s in summaries),
            "rendered": sum(s.rendered for s in summaries),
            "pages": sum(s.pages for s in summaries),
            "not_rendered": unrendered,
            "rendered_by_company_period": MetadataValue.json({s.company_id: dict(sorted(s.by_period.items())) for s in summaries}),
            "problems": MetadataValue.md("\n\n".join(f"**{s.company_id}**\n\n{_problems_table(s)}" for s in summaries)),
            "einvoice_warnings": MetadataValue.json(dict(warnings)),
            "output_folder": MetadataValue.path(str(invoices_dir())),
        },
    )
    yield AssetCheckResult(
        check_name="einvoices_valid",
        passed=not invalid,
        severity=AssetCheckSeverity.ERROR,
        metadata={
            "invalid_documents": len(invalid),
            "first_failures": MetadataValue.json({r.invoice_number: list(r.einvoice_errors[:5]) for r in invalid[:20]}),
        },
    )
    withdrawn = [r for s in summaries for r in s.withdrawn_currency]
    for result in withdrawn[:20]:
        context.log.warning(f"{result.company_id} {result.invoice_number}: {result.currency_problem}")
    yield AssetCheckResult(
        check_name="no_document_in_a_withdrawn_currency",
        passed=not withdrawn,
        severity=AssetCheckSeverity.WARN,
        metadata={
            "documents": len(withdrawn),
            "first": MetadataValue.json({r.invoice_number: r.currency_problem for r in withdrawn[:20]}),
        },
    )
    yield AssetCheckResult(
        check_name="every_document_rendered",
        passed=unrendered == 0,
        severity=AssetCheckSeverity.WARN,
        metadata={"not_rendered": unrendered},
    )


class ExportConfig(Config):
    periods: list[str] = []  # billing periods to export again even when unchanged


@asset(
    key=AssetKey(["invoicing", "period_exports"]),
    group_name=INVOICING_GROUP,
    pool=WAREHOUSE_WRITER_POOL,
    kinds={"csv", "python"},
    deps=[INVOICE_FILES],
    description=(
        "Per company and billing period: outputs/invoices/exports/<company>_<period>.zip (every document's zip, an "
        "index and the accounting CSV) and <company>_<period>.accounting.csv, the exchange file for accounting "
        "systems (layout in the README). Rewritten when the period's rendered documents change."
    ),
)
def period_exports(context: AssetExecutionContext, config: ExportConfig, warehouse: WarehouseResource):
    now = datetime.now(timezone.utc)
    skipped: list = []
    exports = [
        export
        for company_id in BILLING_COMPANIES
        for export in export_periods(warehouse.connect, company_id, invoices_dir(), now, config.periods or None, skipped)
    ]
    for problem in skipped:
        context.log.warning(f"{problem.company_id}: period not exported: {problem.invoice_number}: {problem.reason}")
    return Output(
        None,
        metadata={
            "periods_exported": len(exports),
            "periods_not_exported_because": MetadataValue.json({f"{p.company_id} {p.invoice_number}": p.reason for p in skipped[:20]}),
            "exports": MetadataValue.md(
                "\n".join(["| company | period | documents | file |", "|---|---|---|---|"]
                          + [f"| {e.company_id} | {e.billing_period} | {e.documents} | {e.export_path.name} |" for e in exports])
                if exports else "no period changed"
            ),
        },
    )


class DeliveryConfig(Config):
    issued_since: str = ""  # YYYY-MM-DD: only documents issued on or after it are e-mailed; empty = every document


def _not_configured(what: str, waiting: int) -> Output:
    context_text = (
        f"SMTP is not configured (VOLTBILL_SMTP_HOST is empty): nothing sent, {waiting} {what} waiting. "
        "Set VOLTBILL_SMTP_HOST and the other VOLTBILL_SMTP_* variables (README, Delivery) and run again."
    )
    return Output(None, metadata={"smtp_configured": False, "waiting": waiting, "note": context_text})


def _delivery_check(name: str, reports: dict) -> AssetCheckResult:
    """Warn when any report (by metadata prefix) has failed, given-up or address-less messages."""
    problems = sum(report.failed + report.gave_up + report.no_address for report in reports.values())
    return AssetCheckResult(check_name=name, passed=problems == 0, severity=AssetCheckSeverity.WARN, metadata=_report_metadata(reports))


def _report_metadata(reports: dict) -> dict:
    return {f"{prefix}{key}": value for prefix, report in reports.items() for key, value in report.as_metadata().items()}


INVOICE_DELIVERIES = AssetKey(["invoicing", "invoice_deliveries"])


@asset(
    key=INVOICE_DELIVERIES,
    group_name=INVOICING_GROUP,
    pool=WAREHOUSE_WRITER_POOL,
    kinds={"python"},
    deps=[INVOICE_FILES, AssetKey(["marts", "dim_contracts"])],
    description=(
        "E-mails every rendered document to the contract's invoice address with the PDF and both e-invoices "
        "attached, over SMTP (STARTTLS when offered; VOLTBILL_SMTP_* settings). Each document is sent once: "
        "invoicing.deliveries records every attempt, a failed send is retried with backoff on later runs and "
        "reported, and a document without an address is reported, not dropped."
    ),
    check_specs=[AssetCheckSpec("deliveries_ok", asset=INVOICE_DELIVERIES, description="Warns on failed, given-up and address-less deliveries.")],
)
def invoice_deliveries(context: AssetExecutionContext, config: DeliveryConfig, warehouse: WarehouseResource):
    settings = SmtpSettings.from_env()
    issued_since = date.fromisoformat(config.issued_since) if config.issued_since else None
    with warehouse.connect() as connection:
        if settings is None:
            waiting = undelivered_count(connection, issued_since)
            yield _not_configured("documents", waiting)
            yield AssetCheckResult(check_name="deliveries_ok", passed=True, metadata={"smtp_configured": False, "waiting": waiting})
            return
        report = deliver_documents(connection, invoices_dir(), settings, datetime.now(timezone.utc), issued_since)
    for failure in report.failures:
        context.log.warning(f"{failure.company_id} {failure.invoice_number}: not delivered to {failure.recipient}: {failure.error}")
    yield Output(None, metadata={"smtp_configured": True, **report.as_metadata()})
    yield _delivery_check("deliveries_ok", {"": report})


class NoticeConfig(Config):
    days_before_due: int = 5  # a reminder goes out this many days before the due date


PAYMENT_NOTICES = AssetKey(["invoicing", "payment_notices"])


@asset(
    key=PAYMENT_NOTICES,
    group_name=INVOICING_GROUP,
    pool=WAREHOUSE_WRITER_POOL,
    kinds={"python"},
    deps=[INVOICE_DELIVERIES, AssetKey(["marts", "fct_receivables"])],
    description=(
        "Customer notifications from the receivables mart: a reminder shortly before an open invoice is due, and a "
        "notice once it is overdue past its grace days (late-payment interest runs). Each at most once per invoice."
    ),
    check_specs=[AssetCheckSpec("notices_ok", asset=PAYMENT_NOTICES, description="Warns on failed, given-up and address-less notices.")],
)
def payment_notices(context: AssetExecutionContext, config: NoticeConfig, warehouse: WarehouseResource):
    settings = SmtpSettings.from_env()
    with warehouse.connect() as connection:
        if settings is None:
            _, items = load_open_items(connection)
            yield _not_configured("open invoices", len(items))
            yield AssetCheckResult(check_name="notices_ok", passed=True, metadata={"smtp_configured": False})
            return
        run = send_notices(connection, settings, datetime.now(timezone.utc), config.days_before_due)
    reports = {"reminders_": run.reminders, "overdue_": run.overdue}
    yield Output(None, metadata={"as_of_date": str(run.as_of_date), "open_items": run.open_items, **_report_metadata(reports)})
    yield _delivery_check("notices_ok", reports)


INVOICING_ASSETS = [invoice_files, period_exports, invoice_deliveries, payment_notices]
