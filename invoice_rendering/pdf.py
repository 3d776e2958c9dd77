"""Invoice PDFs: an `InvoiceView` rendered through the Jinja2 templates and WeasyPrint.

`InvoiceRenderer` holds what every document shares (the Jinja2 environment, the parsed
stylesheets, one WeasyPrint font configuration) so rendering many documents does not pay for them
again. `pdf_bytes` writes a plain PDF; with `facturx_xml` it writes a Factur-X / ZUGFeRD invoice: a
PDF/A-3b whose embedded `factur-x.xml` (relationship `Data`) is the CII e-invoice, with the Factur-X
XMP extension schema (document type INVOICE, conformance level EN 16931) in the document metadata.

Output is reproducible: dates in the PDF (creation, attachment) are the invoice's issue date, so
rendering the same document twice gives the same bytes (the PDF identifier is derived from the company and
number, and font subsets are stamped with the issue date through SOURCE_DATE_EPOCH).
"""

import base64
import html
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, time, timezone
from decimal import Decimal
from functools import partial
from pathlib import Path

import jinja2
from weasyprint import CSS, HTML, Attachment
from weasyprint.text.fonts import FontConfiguration

from invoice_rendering import formatting
from invoice_rendering.chart import daily_bars_svg
from invoice_rendering.invoice_view import InvoiceView
from invoice_rendering.labels import LABELS, line_title

TEMPLATES_DIR = Path(__file__).parent / "templates"
INVOICE_TEMPLATE = "invoice/invoice.html.j2"
FACTURX_FILENAME = "factur-x.xml"
FACTURX_CONFORMANCE_LEVEL = "EN 16931"


def document_title(view: InvoiceView) -> str:
    return LABELS[view.language][f"doc_{view.invoice_type}"]


def _charts(view: InvoiceView, formatter: formatting.DocumentFormatter) -> dict[str, str]:
    per_point: dict[str, list] = {}
    for item in sorted(view.daily_consumption, key=lambda row: (row.metering_point_id, row.day)):
        per_point.setdefault(item.metering_point_id, []).append((item.day, item.energy_kwh))
    label = LABELS[view.language]["daily_consumption"]
    tick = lambda value: formatter.number(Decimal(str(round(value, 3))))  # noqa: E731 - axis labels only
    charts = {point.metering_point_id: "" for point in view.metering_points}
    for point_id, days in per_point.items():
        charts[point_id] = daily_bars_svg(days, label, tick)
    return charts


def _facturx_xmp(view: InvoiceView) -> bytes:
    """The Factur-X XMP extension schema and its values (Factur-X 1.0, § 7.2.2)."""
    return f"""<rdf:Description rdf:about="" xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/" xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#" xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">
<pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType="Resource">
<pdfaSchema:schema>Factur-X PDFA Extension Schema</pdfaSchema:schema>
<pdfaSchema:namespaceURI>urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#</pdfaSchema:namespaceURI>
<pdfaSchema:prefix>fx</pdfaSchema:prefix>
<pdfaSchema:property><rdf:Seq>
<rdf:li rdf:parseType="Resource"><pdfaProperty:name>DocumentFileName</pdfaProperty:name><pdfaProperty:valueType>Text</pdfaProperty:valueType><pdfaProperty:category>external</pdfaProperty:category><pdfaProperty:description>The name of the embedded XML document</pdfaProperty:description></rdf:li>
<rdf:li rdf:parseType="Resource"><pdfaProperty:name>DocumentType</pdfaProperty:name><pdfaProperty:valueType>Text</pdfaProperty:valueType><pdfaProperty:category>external</pdfaProperty:category><pdfaProperty:description>The type of the hybrid document in capital letters, e.g. INVOICE or ORDER</pdfaProperty:description></rdf:li>
<rdf:li rdf:parseType="Resource"><pdfaProperty:name>Version</pdfaProperty:name><pdfaProperty:valueType>Text</pdfaProperty:valueType><pdfaProperty:category>external</pdfaProperty:category><pdfaProperty:description>The actual version of the standard applying to the embedded XML document</pdfaProperty:description></rdf:li>
<rdf:li rdf:parseType="Resource"><pdfaProperty:name>ConformanceLevel</pdfaProperty:name><pdfaProperty:valueType>Text</pdfaProperty:valueType><pdfaProperty:category>external</pdfaProperty:category><pdfaProperty:description>The conformance level of the embedded XML document</pdfaProperty:description></rdf:li>
</rdf:Seq></pdfaSchema:property>
</rdf:li></rdf:Bag></pdfaExtension:schemas>
</rdf:Description>
<rdf:Description rdf:about="" xmlns:fx="urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#">
<fx:DocumentType>INVOICE</fx:DocumentType>
<fx:DocumentFileName>{FACTURX_FILENAME}</fx:DocumentFileName>
<fx:Version>1.0</fx:Version>
<fx:ConformanceLevel>{FACTURX_CONFORMANCE_LEVEL}</fx:ConformanceLevel>
</rdf:Description>
""".encode()


def _add_to_xmp(extra_descriptions: bytes, document, pdf) -> None:
    """WeasyPrint finisher: put the extra rdf:Description elements inside its own rdf:RDF (one RDF per packet)."""
    metadata = pdf.objects[int(pdf.catalog["Metadata"].split()[0])]
    packet = b"".join(metadata.stream)
    closing = packet.rindex(b"</rdf:RDF>")
    metadata.stream = [packet[:closing] + extra_descriptions + packet[closing:]]


def template_environment(templates_dir: Path = TEMPLATES_DIR) -> jinja2.Environment:
    """The Jinja2 environment of the invoice templates (strict: a missing variable or label is an error)."""
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_dir),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["iban_groups"] = formatting.iban_groups
    environment.globals["line_title"] = line_title
    return environment


def document_html(environment: jinja2.Environment, view: InvoiceView) -> str:
    """The document as HTML: the company's template when it has one, else the shared one; the PDF's creation
    and modification dates fixed to the issue date (reproducible output)."""
    template = environment.select_template([f"invoice/{view.company_id}/invoice.html.j2", INVOICE_TEMPLATE])
    formatter = formatting.DocumentFormatter(view.language, view.currency)
    source = template.render(v=view, t=LABELS[view.language], f=formatter, charts=_charts(view, formatter), doc_title=document_title(view))
    stamp = html.escape(_issue_instant(view).strftime("%Y-%m-%dT%H:%M:%SZ"))
    meta = f'<meta name="dcterms.created" content="{stamp}"><meta name="dcterms.modified" content="{stamp}">'
    return source.replace("</head>", meta + "</head>", 1)


def stylesheet_files(company_id: str, templates_dir: Path = TEMPLATES_DIR) -> list[Path]:
    """The base stylesheet, then the company's own when it has one."""
    company_css = templates_dir / "invoice" / company_id / "company.css"
    return [templates_dir / "invoice" / "invoice.css", *([company_css] if company_css.exists() else [])]


class InvoiceRenderer:
    """Renders invoice documents; create once and reuse (parsed templates, stylesheets, fonts are shared)."""

    def __init__(self, templates_dir: Path = TEMPLATES_DIR) -> None:
        self.templates_dir = templates_dir
        self.environment = template_environment(templates_dir)
        self.font_config = FontConfiguration()
        self._stylesheets: dict[str, list[CSS]] = {}

    def stylesheets(self, company_id: str) -> list[CSS]:
        """The company's stylesheets (`stylesheet_files`), parsed once per company."""
        if company_id not in self._stylesheets:
            self._stylesheets[company_id] = [
                CSS(filename=str(path), font_config=self.font_config) for path in stylesheet_files(company_id, self.templates_dir)
            ]
        return self._stylesheets[company_id]

    def html(self, view: InvoiceView) -> str:
        """The document as HTML (`document_html`)."""
        return document_html(self.environment, view)

    def render(self, view: InvoiceView):
        """The laid-out WeasyPrint document (pages) of one invoice."""
        return HTML(string=self.html(view), base_url=str(self.templates_dir)).render(
            stylesheets=self.stylesheets(view.company_id), font_config=self.font_config
        )

    def pdf_bytes(self, view: InvoiceView, facturx_xml: bytes | None = None) -> bytes:
        """The PDF of one invoice; a Factur-X PDF/A-3b with the CII XML embedded when `facturx_xml` is given."""
        return write_pdf(self.render(view), view, facturx_xml)


def _issue_instant(view: InvoiceView) -> datetime:
    return datetime.combine(view.issue_date, time(0, 0), tzinfo=timezone.utc)


@contextmanager
def source_date_epoch(instant: datetime) -> Iterator[None]:
    """fontTools stamps each embedded font subset with the time it was made unless SOURCE_DATE_EPOCH
    (the reproducible-builds convention) is set: set it to `instant` (a document's issue date) while writing."""
    previous = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(int(instant.timestamp()))
    try:
        yield
    finally:
        if previous is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = previous


def write_pdf(document, view: InvoiceView, facturx_xml: bytes | None = None) -> bytes:
    """Write a rendered document; embed the CII XML as Factur-X when given."""
    with source_date_epoch(_issue_instant(view)):
        return _write_pdf(document, view, facturx_xml)


def _write_pdf(document, view: InvoiceView, facturx_xml: bytes | None) -> bytes:
    if facturx_xml is None:
        return document.write_pdf(pdf_identifier=_identifier(view))
    attachment = Attachment(
        url="data:text/xml;base64," + base64.b64encode(facturx_xml).decode("ascii"),
        name=FACTURX_FILENAME,
        description="Factur-X / ZUGFeRD invoice (UN/CEFACT CII, EN 16931)",
        created=_issue_instant(view),
        modified=_issue_instant(view),
        relationship="Data",
    )
    finisher: Callable = partial(_add_to_xmp, _facturx_xmp(view))
    return document.write_pdf(
        pdf_variant="pdf/a-3b",
        attachments=[attachment],
        finisher=finisher,
        pdf_identifier=_identifier(view),
    )


def _identifier(view: InvoiceView) -> bytes:
    """A stable PDF file identifier per document (company and number), so reruns give identical files."""
    return f"{view.company_id}/{view.invoice_number}".encode()
