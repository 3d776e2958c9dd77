"""Produce every file of issued documents: Factur-X PDF, UBL and CII XML, consumption CSV and the per-invoice zip.

`render_documents` renders views in a process pool (one `InvoiceRenderer` per worker, so templates,
stylesheets and fonts are loaded once per process), validates both e-invoices against the EN 16931
XSD and Schematron, and writes the files under `<out_dir>/<company>/<billing period>/`. Each file is
written to a temporary name and renamed, so a crash never leaves half a file under the real name.
A document that fails to render is returned with its error; the others are still written.
"""

import hashlib
import multiprocessing
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from invoice_rendering.einvoice import einvoice_filename, to_cii, to_ubl
from invoice_rendering.einvoice_validation import validate
from invoice_rendering.exports import consumption_csv, invoice_zip
from invoice_rendering.invoice_view import InvoiceView
from invoice_rendering.pdf import InvoiceRenderer, write_pdf

_renderer: InvoiceRenderer | None = None

# Currencies the EN 16931 code list (ISO 4217) no longer holds, and the day they were withdrawn. The Bulgarian
# lev was replaced by the euro on 2026-01-01; the installed rule set rejects BGN in these rules only.
WITHDRAWN_CURRENCIES = {"BGN": date(2026, 1, 1)}
CURRENCY_CODE_RULES = frozenset({"BR-CL-03", "BR-CL-04", "FX-SCH-A-000595", "FX-SCH-A-000606"})


@dataclass(frozen=True)
class RenderedDocument:
    """What was written for one document (paths relative to the output directory) or why it was not."""

    company_id: str
    invoice_number: str
    billing_period: str
    pdf_path: str | None
    ubl_path: str | None
    cii_path: str | None
    csv_path: str | None
    zip_path: str | None
    pdf_sha256: str | None
    zip_sha256: str | None
    pdf_pages: int | None
    einvoice_errors: tuple[str, ...]  # EN 16931 rule failures of the UBL or CII document (none expected)
    einvoice_warnings: tuple[str, ...]
    error: str | None = None  # rendering failed: nothing was written
    currency_problem: str | None = None  # issued in a currency already withdrawn (a billing defect, see below)

    @property
    def ok(self) -> bool:
        return self.error is None and not self.einvoice_errors


def document_dir(view: InvoiceView) -> Path:
    """Relative folder of a document's files."""
    return Path(view.company_id) / view.billing_period


def _write(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_bytes(content)
    partial.replace(path)


def _worker_renderer() -> InvoiceRenderer:
    global _renderer
    if _renderer is None:
        _renderer = InvoiceRenderer()
    return _renderer


def _text(failure) -> str:
    return f"{failure.rule_id}: {failure.message}"


def _failures(view: InvoiceView, result) -> tuple[tuple[str, ...], tuple[str, ...], bool]:
    """(errors, warnings, currency withdrawn) of one e-invoice.

    A document in a withdrawn currency fails the code-list rules on its currency code whatever else it
    holds: those failures are taken out of the errors and the third value says so; every other rule counts.
    """
    errors = list(result.errors)
    withdrawn = view.currency in WITHDRAWN_CURRENCIES and any(f.rule_id in CURRENCY_CODE_RULES for f in errors)
    if withdrawn:
        errors = [f for f in errors if f.rule_id not in CURRENCY_CODE_RULES]
    return tuple(_text(f) for f in errors), tuple(_text(f) for f in result.warnings), withdrawn


def _currency_note(view: InvoiceView) -> tuple[str | None, str | None]:
    """(warning, problem): before the withdrawal the code is right for its day; after it, the document is wrong."""
    withdrawn_on = WITHDRAWN_CURRENCIES[view.currency]
    if view.issue_date < withdrawn_on:
        return (
            f"CURRENCY: {view.currency} was withdrawn on {withdrawn_on.isoformat()}, after this document was issued; "
            "the current EN 16931 code list no longer accepts it (BR-CL-03/04)",
            None,
        )
    return None, (
        f"issued on {view.issue_date.isoformat()} in {view.currency}, which was withdrawn on {withdrawn_on.isoformat()}: "
        "the billing engine must issue it in EUR; its e-invoice cannot pass the EN 16931 code-list rules"
    )


def render_one(view: InvoiceView, out_dir: Path) -> RenderedDocument:
    """Render, validate and write one document's files."""
    folder = document_dir(view)
    try:
        ubl = to_ubl(view)
        cii = to_cii(view)
        ubl_errors, ubl_warnings, ubl_withdrawn = _failures(view, validate(ubl, "ubl"))
        cii_errors, cii_warnings, cii_withdrawn = _failures(view, validate(cii, "cii"))
        currency_warning, currency_problem = _currency_note(view) if ubl_withdrawn or cii_withdrawn else (None, None)
        renderer = _worker_renderer()
        document = renderer.render(view)
        pdf = write_pdf(document, view, facturx_xml=cii)
        csv_bytes = consumption_csv(view)
        names = {
            "pdf": f"{view.file_stem}.pdf",
            "ubl": einvoice_filename(view, "ubl"),
            "cii": einvoice_filename(view, "cii"),
            "csv": f"{view.file_stem}.consumption.csv",
        }
        archive = invoice_zip(view, [(names["pdf"], pdf), (names["ubl"], ubl), (names["cii"], cii), (names["csv"], csv_bytes)])
        for key, content in (("pdf", pdf), ("ubl", ubl), ("cii", cii), ("csv", csv_bytes)):
            _write(out_dir / folder / names[key], content)
        zip_name = f"{view.file_stem}.zip"
        _write(out_dir / folder / zip_name, archive)
    except Exception as error:  # one document's failure is reported, the batch goes on
        return RenderedDocument(
            view.company_id, view.invoice_number, view.billing_period, None, None, None, None, None, None, None, None,
            (), (), error=f"{type(error).__name__}: {error}",
        )
    return RenderedDocument(
        company_id=view.company_id,
        invoice_number=view.invoice_number,
        billing_period=view.billing_period,
        pdf_path=str(folder / names["pdf"]),
        ubl_path=str(folder / names["ubl"]),
        cii_path=str(folder / names["cii"]),
        csv_path=str(folder / names["csv"]),
        zip_path=str(folder / zip_name),
        pdf_sha256=hashlib.sha256(pdf).hexdigest(),
        zip_sha256=hashlib.sha256(archive).hexdigest(),
        pdf_pages=len(document.pages),
        einvoice_errors=tuple(f"UBL {e}" for e in ubl_errors) + tuple(f"CII {e}" for e in cii_errors),
        einvoice_warnings=tuple(
            sorted(set(f"UBL {w}" for w in ubl_warnings) | set(f"CII {w}" for w in cii_warnings) | ({currency_warning} if currency_warning else set()))
        ),
        currency_problem=currency_problem,
    )


def _render_chunk(views: Sequence[InvoiceView], out_dir: Path) -> list[RenderedDocument]:
    return [render_one(view, out_dir) for view in views]


def _chunks(views: Sequence[InvoiceView], size: int) -> Iterator[Sequence[InvoiceView]]:
    for start in range(0, len(views), size):
        yield views[start : start + size]


def default_workers() -> int:
    """VOLTBILL_RENDER_WORKERS, else the machine's cores."""
    configured = os.environ.get("VOLTBILL_RENDER_WORKERS")
    return max(1, int(configured)) if configured else max(1, os.cpu_count() or 1)


def _in_pool(work, views: Sequence[InvoiceView], out_dir: Path, workers: int | None, chunk_size: int) -> list:
    """`work(chunk, out_dir)` over chunks of `views`, in `workers` processes when more than one; results in order."""
    workers = default_workers() if workers is None else workers
    if workers <= 1 or len(views) <= chunk_size:
        return work(views, out_dir)
    chunks = list(_chunks(views, chunk_size))
    results: list = []
    # spawn, not fork: the caller may hold a DuckDB connection and threads (Dagster), which fork would copy.
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        for chunk_result in pool.map(work, chunks, [out_dir] * len(chunks)):
            results.extend(chunk_result)
    return results


def render_documents(views: Sequence[InvoiceView], out_dir: Path, workers: int | None = None, chunk_size: int = 25) -> list[RenderedDocument]:
    """Render, validate and write every view's files (in `workers` processes when more than one); results in order."""
    return _in_pool(_render_chunk, views, out_dir, workers, chunk_size)


def _pdf_chunk(views: Sequence[InvoiceView], out_dir: Path) -> list[str]:
    renderer = _worker_renderer()
    names = []
    for view in views:
        name = f"{view.file_stem}.pdf"
        _write(out_dir / name, renderer.pdf_bytes(view))
        names.append(name)
    return names


def write_pdfs(views: Sequence[InvoiceView], out_dir: Path, workers: int | None = None, chunk_size: int = 25) -> list[str]:
    """Only the plain PDFs, `<out_dir>/<file stem>.pdf` (what the benchmark times); file names in order."""
    return _in_pool(_pdf_chunk, views, out_dir, workers, chunk_size)
