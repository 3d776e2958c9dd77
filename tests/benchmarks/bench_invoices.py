"""Invoice rendering benchmark: N invoice PDFs the production way, against the naive loop, in the same run.

    python -m tests.benchmarks.bench_invoices [--invoices 10000] [--naive-sample 300] [--workers 2]

Documents: the sample documents of `tests/invoice_samples.py` (a two-page RO regularisation with its
daily-consumption annex, a BG advance in Cyrillic, a credit note, a penalty invoice, a refund
regularisation) in rotation, each copy with its own number, so the set has every layout and language.

1. Production (timed): `invoice_rendering.documents.write_pdfs`: a process pool (one worker per core by
   default), each worker with one `InvoiceRenderer` (Jinja2 environment, parsed stylesheets and one
   WeasyPrint font configuration shared by all its documents), chunks of 25 documents per task.
2. Naive (timed, on the first `--naive-sample` documents): one process, and per invoice a fresh Jinja2
   environment, one `HTML(...)` and one `write_pdf(stylesheets=[css files])`, as a first implementation would.
3. Identity: every naive PDF is compared byte for byte with the production PDF of the same document.

Prints invoices per second for both and the ratio. Not a test: nothing here asserts a timing.
"""

import argparse
import sys
import tempfile
import time
from itertools import islice
from pathlib import Path

from weasyprint import HTML

from invoice_rendering.documents import default_workers, write_pdfs
from invoice_rendering.invoice_view import InvoiceView
from invoice_rendering.pdf import TEMPLATES_DIR, document_html, stylesheet_files, template_environment, write_pdf
from tests.benchmarks.bench_pipeline import save_report
from tests.invoice_samples import all_samples, numbered_copies


def bench_views(count: int) -> list[InvoiceView]:
    """`count` documents: the samples in rotation, numbered apart."""
    templates = all_samples()
    per_template = -(-count // len(templates))
    copies = [numbered_copies(template, per_template) for template in templates]
    rotation = (view for group in zip(*copies, strict=True) for view in group)
    return list(islice(rotation, count))


def naive_pdf(view: InvoiceView) -> bytes:
    """The naive loop's body: a new Jinja2 environment, HTML and stylesheets parsed again, default font configuration."""
    source = document_html(template_environment(), view)
    document = HTML(string=source, base_url=str(TEMPLATES_DIR)).render(stylesheets=[str(path) for path in stylesheet_files(view.company_id)])
    return write_pdf(document, view)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--invoices", type=int, default=10_000)
    parser.add_argument("--naive-sample", type=int, default=300)
    parser.add_argument("--workers", type=int, default=default_workers())
    args = parser.parse_args(argv)

    views = bench_views(args.invoices)
    sample = views[: args.naive_sample]
    with tempfile.TemporaryDirectory(prefix="voltbill-bench-invoices-") as work:
        fast_dir, naive_dir = Path(work) / "fast", Path(work) / "naive"
        naive_dir.mkdir(parents=True)
        naive_pdf(sample[0])  # import and font caches warm for both sides alike
        started = time.perf_counter()
        for view in sample:
            (naive_dir / f"{view.file_stem}.pdf").write_bytes(naive_pdf(view))
        naive_seconds = time.perf_counter() - started

        started = time.perf_counter()
        names = write_pdfs(views, fast_dir, workers=args.workers)
        fast_seconds = time.perf_counter() - started

        different = [view.invoice_number for view in sample if (naive_dir / f"{view.file_stem}.pdf").read_bytes() != (fast_dir / f"{view.file_stem}.pdf").read_bytes()]
        fast_bytes = sum((fast_dir / name).stat().st_size for name in names)
    naive_rate = len(sample) / naive_seconds
    fast_rate = len(views) / fast_seconds
    report = {
        "invoices": len(views),
        "workers": args.workers,
        "production_seconds": round(fast_seconds, 2),
        "production_invoices_per_second": round(fast_rate, 2),
        "naive_sample": len(sample),
        "naive_seconds": round(naive_seconds, 2),
        "naive_invoices_per_second": round(naive_rate, 2),
        "ratio": round(fast_rate / naive_rate, 2),
        "identical_pdfs": len(sample) - len(different),
        "different_pdfs": different[:10],
        "average_pdf_kib": round(fast_bytes / len(views) / 1024, 1),
    }
    save_report("invoices.json", report)
    print(
        f"production: {len(views):,} invoices in {fast_seconds:.1f} s = {fast_rate:.1f}/s ({args.workers} workers)\n"
        f"naive loop: {len(sample):,} invoices in {naive_seconds:.1f} s = {naive_rate:.1f}/s (1 process)\n"
        f"ratio: {fast_rate / naive_rate:.2f}x; identical PDFs: {len(sample) - len(different)}/{len(sample)}"
    )
    return 0 if not different else 1


if __name__ == "__main__":
    sys.exit(main())
