"""E-mobility assets: rate every new charge detail record, issue the monthly EMP documents, write their files.

Thin: `rating/` rates (`rating.rating_run`) and issues (`rating.emp_invoice_register`),
`invoice_rendering.emp_documents` writes the PDFs, CDR CSVs and zips. The ledger tables are one
asset each (`emobility/<table>`), so the dbt sources that read them show their lineage.
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

from invoice_rendering.delivery import SmtpSettings
from invoice_rendering.emp_delivery import deliver_emp_documents, undelivered_emp_count
from invoice_rendering.emp_documents import load_emp_documents, write_all_documents_zip, write_emp_documents
from orchestration.resources import WAREHOUSE_WRITER_POOL, WarehouseResource
from rating.emp_invoice_register import issue_emp_documents
from rating.ledger_checks import emp_documents_add_up, ratings_add_up
from rating.rating_run import rate_new_cdrs
from voltbill.paths import outputs_dir

EMOBILITY_GROUP = "emobility"
CDR_RATINGS = AssetKey(["emobility", "cdr_ratings"])
CDR_RATING_COMPONENTS = AssetKey(["emobility", "cdr_rating_components"])
EMP_INVOICES = AssetKey(["emobility", "emp_invoices"])
EMP_INVOICE_CDRS = AssetKey(["emobility", "emp_invoice_cdrs"])
EMP_INVOICE_FILES = AssetKey(["emobility", "emp_invoice_files"])

RATING_INPUTS = [
    AssetKey(["staging", f"stg_emobility__{name}"])
    for name in ("charge_detail_records", "evse_data", "emp_offers", "emp_tax_rates", "ocpi_tariffs")
] + [AssetKey(["reference", "cpo_subsidiaries"])]


def emp_invoices_dir() -> Path:
    """Where the EMP documents' files go: `<outputs>/emp_invoices/<company>/<invoiced month>/`."""
    return outputs_dir() / "emp_invoices"


@multi_asset(
    specs=[
        AssetSpec(
            CDR_RATINGS, group_name=EMOBILITY_GROUP, deps=RATING_INPUTS, kinds={"python", "duckdb"},
            description=(
                "One rating per CDR id (emobility.cdr_ratings): rated with its net, VAT and gross amount, or not rated "
                "with the seed's reason. New CDRs only: a CDR is rated once and a repeated id never again."
            ),
        ),
        AssetSpec(
            CDR_RATING_COMPONENTS, group_name=EMOBILITY_GROUP, deps=RATING_INPUTS, kinds={"python", "duckdb"},
            description="The priced components (session fee, energy, time, parking) of every rated CDR (emobility.cdr_rating_components).",
        ),
    ],
    check_specs=[
        AssetCheckSpec(
            "rated_amounts_add_up", asset=CDR_RATINGS, blocking=True,
            description="Every rated CDR's net and VAT equal the sums of its components, and gross = net + VAT.",
        ),
        AssetCheckSpec(
            "no_cpo_notification", asset=CDR_RATINGS,
            description="Warns when CDRs were not rated for a reason that notifies the CPO (no EVSE data, tax not configured, no offer).",
        ),
    ],
    pool=WAREHOUSE_WRITER_POOL,
)
def cdr_ratings(context: AssetExecutionContext, warehouse: WarehouseResource):
    with warehouse.connect() as connection:
        result = rate_new_cdrs(connection)
        broken = ratings_add_up(connection)
        notifications = connection.execute(
            "select reason_code, count(*) from emobility.cdr_ratings where notify_cpo group by reason_code order by 1"
        ).fetchall()
    metadata = {
        "cdrs_rated_now": result.rated,
        "cdrs_not_rated_now": result.not_rated,
        "not_rated_reasons": MetadataValue.json(dict(sorted(result.reasons.items()))),
        "rated_gross_by_currency": MetadataValue.json({k: str(v) for k, v in sorted(result.gross_by_currency.items())}),
    }
    yield MaterializeResult(asset_key=CDR_RATINGS, metadata=metadata)
    yield MaterializeResult(asset_key=CDR_RATING_COMPONENTS, metadata={"cdrs_rated_now": result.rated})
    yield AssetCheckResult(
        asset_key=CDR_RATINGS, check_name="rated_amounts_add_up", passed=not broken, severity=AssetCheckSeverity.ERROR,
        metadata={"cdrs_not_adding_up": len(broken), "first": MetadataValue.json(broken[:20])},
    )
    yield AssetCheckResult(
        asset_key=CDR_RATINGS, check_name="no_cpo_notification", passed=not notifications, severity=AssetCheckSeverity.WARN,
        metadata={"notifications_by_reason": MetadataValue.json({reason: count for reason, count in notifications})},
    )


class EmpInvoicingConfig(Config):
    as_of: str = ""  # YYYY-MM-DD: the run's day (months ended before it are invoiced); empty = today (UTC)


@multi_asset(
    specs=[
        AssetSpec(
            EMP_INVOICES, group_name=EMOBILITY_GROUP, deps=[CDR_RATINGS, AssetKey(["reference", "cpo_subsidiaries"])],
            kinds={"python", "duckdb"},
            description=(
                "The EMP invoice register (emobility.emp_invoices): monthly invoices and credit notes per subsidiary, EMP, "
                "currency and month, numbered yymmddnnnn-<EMP id>. Immutable; CDRs arriving after their month was invoiced "
                "go on a supplementary document."
            ),
        ),
        AssetSpec(
            EMP_INVOICE_CDRS, group_name=EMOBILITY_GROUP, deps=[CDR_RATINGS], kinds={"python", "duckdb"},
            description="Which document invoiced each CDR (emobility.emp_invoice_cdrs); a CDR is invoiced once.",
        ),
    ],
    check_specs=[
        AssetCheckSpec(
            "documents_add_up_to_their_cdrs", asset=EMP_INVOICES, blocking=True,
            description="Every document's CDR count, net, VAT and gross equal the sums over the CDRs it invoices.",
        ),
    ],
    pool=WAREHOUSE_WRITER_POOL,
)
def emp_invoices(context: AssetExecutionContext, config: EmpInvoicingConfig, warehouse: WarehouseResource):
    as_of = date.fromisoformat(config.as_of) if config.as_of else datetime.now(timezone.utc).date()
    with warehouse.connect() as connection:
        documents = issue_emp_documents(connection, as_of)
        broken = emp_documents_add_up(connection)
    table = ["| number | type | EMP | month | CDRs | gross |", "|---|---|---|---|---|---|"] + [
        f"| {d.invoice_number} | {d.key.document_type} | {d.key.emp_id} | {d.key.invoiced_month:%Y-%m} | {len(d.cdr_ids)} | "
        f"{d.gross_amount} {d.key.currency} |"
        for d in documents[:50]
    ]
    yield MaterializeResult(
        asset_key=EMP_INVOICES,
        metadata={"issued_now": len(documents), "as_of": as_of.isoformat(), "documents": MetadataValue.md("\n".join(table))},
    )
    yield MaterializeResult(asset_key=EMP_INVOICE_CDRS, metadata={"cdrs_invoiced_now": sum(len(d.cdr_ids) for d in documents)})
    yield AssetCheckResult(
        asset_key=EMP_INVOICES, check_name="documents_add_up_to_their_cdrs", passed=not broken,
        severity=AssetCheckSeverity.ERROR, metadata={"documents_not_adding_up": MetadataValue.json(broken[:20])},
    )


@asset(
    key=EMP_INVOICE_FILES,
    group_name=EMOBILITY_GROUP,
    pool=WAREHOUSE_WRITER_POOL,
    kinds={"pdf", "csv", "python"},
    deps=[EMP_INVOICES, EMP_INVOICE_CDRS, CDR_RATING_COMPONENTS, AssetKey(["staging", "stg_emobility__e_mobility_providers"]), AssetKey(["marts", "dim_companies"])]
    + [AssetKey(["reference", name]) for name in ("company_bank_accounts", "company_invoice_details")],
    description=(
        "Every EMP document as files under outputs/emp_invoices/<company>/<month>/: the PDF, the CDRs as CSV and a zip "
        "of both (the seed's download), plus outputs/emp_invoices/all_emp_invoices.zip with all of them (its Export)."
    ),
    check_specs=[
        AssetCheckSpec(
            "every_emp_document_rendered", asset=EMP_INVOICE_FILES,
            description="Warns when a document cannot be rendered (no valid default bank account in its currency).",
        )
    ],
)
def emp_invoice_files(context: AssetExecutionContext, warehouse: WarehouseResource):
    with warehouse.connect() as connection:
        documents, problems = load_emp_documents(connection)
    for problem in problems:
        context.log.warning(f"EMP document not rendered: {problem}")
    written = write_emp_documents(documents, emp_invoices_dir())
    export = write_all_documents_zip(documents, emp_invoices_dir())
    yield Output(
        None,
        metadata={
            "documents": len(documents),
            "rendered_now": len(written),
            "export_all": MetadataValue.path(str(export)),
            "output_folder": MetadataValue.path(str(emp_invoices_dir())),
        },
    )
    yield AssetCheckResult(
        check_name="every_emp_document_rendered", passed=not problems, severity=AssetCheckSeverity.WARN,
        metadata={"not_rendered": len(problems), "problems": MetadataValue.json(problems[:20])},
    )


EMP_INVOICE_DELIVERIES = AssetKey(["emobility", "emp_invoice_deliveries"])


@asset(
    key=EMP_INVOICE_DELIVERIES,
    group_name=EMOBILITY_GROUP,
    pool=WAREHOUSE_WRITER_POOL,
    kinds={"python"},
    deps=[EMP_INVOICE_FILES],
    description=(
        "E-mails every rendered EMP document to the provider's invoice address with the PDF and the CDR CSV attached "
        "(VOLTBILL_SMTP_* settings, the ledger invoicing.deliveries: each document once, failures retried and reported). "
        "With SMTP not configured nothing is sent and the number waiting is reported."
    ),
    check_specs=[AssetCheckSpec("emp_deliveries_ok", asset=EMP_INVOICE_DELIVERIES, description="Warns on failed, given-up and address-less deliveries.")],
)
def emp_invoice_deliveries(context: AssetExecutionContext, warehouse: WarehouseResource):
    settings = SmtpSettings.from_env()
    with warehouse.connect() as connection:
        if settings is None:
            waiting = undelivered_emp_count(connection, emp_invoices_dir())
            yield Output(None, metadata={"smtp_configured": False, "waiting": waiting})
            yield AssetCheckResult(check_name="emp_deliveries_ok", passed=True, metadata={"smtp_configured": False, "waiting": waiting})
            return
        report = deliver_emp_documents(connection, emp_invoices_dir(), settings, datetime.now(timezone.utc))
    for failure in report.failures:
        context.log.warning(f"{failure.company_id} {failure.invoice_number}: not delivered to {failure.recipient}: {failure.error}")
    problems = report.failed + report.gave_up + report.no_address
    yield Output(None, metadata={"smtp_configured": True, **report.as_metadata()})
    yield AssetCheckResult(
        check_name="emp_deliveries_ok", passed=problems == 0, severity=AssetCheckSeverity.WARN, metadata=report.as_metadata()
    )


EMOBILITY_ASSETS = [cdr_ratings, emp_invoices, emp_invoice_files, emp_invoice_deliveries]
