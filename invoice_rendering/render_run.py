"""One rendering run: every issued document of a company not yet rendered, rendered, validated, written and recorded.

The warehouse connection is only held to read the views and to record the results, not while
rendering (minutes for a big month), so the single DuckDB writer is free in between.
"""

import hashlib
from collections import Counter
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb

from invoice_rendering.documents import RenderedDocument, render_documents
from invoice_rendering.exports import write_period_export
from invoice_rendering.rendering_ledger import create_invoice_files_table, documents_to_render, record_rendered, rendered_zips
from invoice_rendering.warehouse_views import ViewProblem, load_invoice_views

ConnectionFactory = Callable[[], AbstractContextManager[duckdb.DuckDBPyConnection]]


@dataclass
class RenderSummary:
    company_id: str
    pending: int = 0
    rendered: int = 0
    failed: list[RenderedDocument] = field(default_factory=list)
    invalid_einvoices: list[RenderedDocument] = field(default_factory=list)
    withdrawn_currency: list[RenderedDocument] = field(default_factory=list)
    not_renderable: list[ViewProblem] = field(default_factory=list)
    pages: int = 0
    warnings: Counter = field(default_factory=Counter)
    by_period: Counter = field(default_factory=Counter)


def render_pending(
    connect: ConnectionFactory,
    company_id: str,
    out_dir: Path,
    now: datetime,
    run_id: str | None = None,
    periods: list[str] | None = None,
    workers: int | None = None,
) -> RenderSummary:
    """Render the company's documents that are not rendered yet (of `periods` only, when given)."""
    summary = RenderSummary(company_id)
    with connect() as connection:
        create_invoice_files_table(connection)
        numbers = documents_to_render(connection, company_id, out_dir, periods)
        summary.pending = len(numbers)
        views, problems = load_invoice_views(connection, company_id, invoice_numbers=numbers) if numbers else ([], [])
    summary.not_renderable = problems
    results = render_documents(views, out_dir, workers=workers)
    with connect() as connection:
        record_rendered(connection, results, now, run_id)
    for result in results:
        if result.error is not None:
            summary.failed.append(result)
            continue
        summary.rendered += 1
        summary.pages += result.pdf_pages or 0
        summary.by_period[result.billing_period] += 1
        summary.warnings.update(result.einvoice_warnings)
        if result.einvoice_errors:
            summary.invalid_einvoices.append(result)
        if result.currency_problem:
            summary.withdrawn_currency.append(result)
    return summary


PERIOD_EXPORTS_DDL = """
CREATE SCHEMA IF NOT EXISTS invoicing;
CREATE TABLE IF NOT EXISTS invoicing.period_exports (
    company_id          VARCHAR NOT NULL,
    billing_period      VARCHAR NOT NULL,
    documents_count     INTEGER NOT NULL,     -- rendered documents in the export
    export_path         VARCHAR NOT NULL,     -- relative to the invoices output folder
    accounting_path     VARCHAR NOT NULL,
    export_sha256       VARCHAR NOT NULL,
    exported_at         TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (company_id, billing_period)
)
"""

STALE_PERIODS_SQL = """
select f.billing_period, count(*) as documents, any_value(e.documents_count) as exported
from invoicing.invoice_files as f
left join invoicing.period_exports as e on e.company_id = f.company_id and e.billing_period = f.billing_period
where f.company_id = $company_id and f.status = 'rendered'
group by f.billing_period
order by f.billing_period
"""


@dataclass(frozen=True)
class PeriodExport:
    company_id: str
    billing_period: str
    documents: int
    export_path: Path
    accounting_path: Path


def export_periods(
    connect: ConnectionFactory,
    company_id: str,
    out_dir: Path,
    now: datetime,
    periods: list[str] | None = None,
    skipped: list[ViewProblem] | None = None,
) -> list[PeriodExport]:
    """Bulk export (zip of the documents' zips + accounting CSV + index) of every period whose rendered documents changed.

    `periods` forces those periods to be exported again. Files go to `<out_dir>/exports/<company>_<period>.zip`
    and `<company>_<period>.accounting.csv`. A period with a rendered document that can no longer be read (its
    bank account became invalid ...) is not exported, so a complete earlier export is never replaced by an
    incomplete one: its problems are appended to `skipped`.
    """
    exports: list[PeriodExport] = []
    with connect() as connection:
        create_invoice_files_table(connection)
        connection.execute(PERIOD_EXPORTS_DDL)
        stale = [
            period
            for period, documents, exported in connection.execute(STALE_PERIODS_SQL, {"company_id": company_id}).fetchall()
            if exported != documents or (periods and period in periods)
        ]
        prepared = []
        for period in stale:
            rendered = {number: out_dir / path for number, path in rendered_zips(connection, company_id, period).items()}
            views, problems = load_invoice_views(connection, company_id, invoice_numbers=sorted(rendered))
            if problems:
                if skipped is not None:
                    skipped.extend(problems)
                continue
            prepared.append((period, views, rendered))
    for period, views, zips in prepared:
        target, accounting = write_period_export(views, zips, out_dir / "exports" / f"{company_id}_{period}.zip", now.date())
        exports.append(PeriodExport(company_id, period, len(views), target, accounting))
    if exports:
        with connect() as connection:
            connection.executemany(
                "insert or replace into invoicing.period_exports values (?, ?, ?, ?, ?, ?, ?)",
                [
                    (e.company_id, e.billing_period, e.documents, str(e.export_path.relative_to(out_dir)), str(e.accounting_path.relative_to(out_dir)),
                     hashlib.sha256(e.export_path.read_bytes()).hexdigest(), now)
                    for e in exports
                ],
            )
    return exports
