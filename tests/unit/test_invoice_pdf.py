"""Invoice PDFs: every sample renders to non-blank pages with the right figures in its own locale, the
output is reproducible, and the Factur-X variant is a PDF/A-3b carrying the CII XML as `factur-x.xml`.

The expected texts below are written by hand from the samples' numbers (`tests/invoice_samples.py`),
and the totals they show are re-derived from the sample lines with Decimal, never read from the output.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import time
import xml.etree.ElementTree as ET
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import facturx
import pypdf
import pytest
from lxml import etree

from invoice_rendering.einvoice import to_cii
from invoice_rendering.einvoice_validation import assert_valid
from invoice_rendering.invoice_view import InvoiceView
from invoice_rendering.pdf import InvoiceRenderer
from tests import invoice_samples as samples

D = Decimal
CENT = D("0.01")
SAMPLES = {view.invoice_number: view for view in samples.all_samples()}

# Hand-written from the samples' figures. `total` / `due` are the Decimal values, the *_text the way
# the document's locale writes them (ro_RO: "." thousands, "," decimals, currency after; bg_BG: "," decimals,
# "€" after; en_GB: currency code before, "." decimals).
EXPECTED = {
    "VBR00000123": {  # RO regularisation, Romanian
        "title": "Factură (regularizare)",
        "total_label": "Total cu TVA",
        "total": D("13619.79"),
        "due": D("12409.79"),
        "total_text": "13.619,79 RON",
        "due_label": "Total de plată",
        "not_label": "Sumă de restituit",
        "due_text": "12.409,79 RON",
        "issue_date": "05.04.2026",
        "iban": "RO22 BTRL RONC RT0V 8B24 0001",
        "quantities": ("12.345,678", "6,1728", "12,346"),
        "pay_by": "Vă rugăm să plătiți până la 20 aprilie 2026.",
        "pages": 2,
        "annex": "anexă: consum pe loc de consum și punct de măsurare",
    },
    "0000000042": {  # BG advance, Bulgarian, EUR
        "title": "Фактура за аванс",
        "total_label": "Общо с ДДС",
        "total": D("53.76"),
        "due": D("53.76"),
        "total_text": "53,76 €",
        "due_label": "Сума за плащане",
        "not_label": "Сума за възстановяване",
        "due_text": "53,76 €",
        "issue_date": "05.02.2026",
        "iban": "BG43 UNCR 7000 15V8 B240 01",
        "quantities": ("350", "0,128"),
        "pay_by": "Моля, платете до 19 февруари 2026 г.",
        "pages": 1,
        "annex": None,
    },
    "VBR00000124": {  # RO credit note, English
        "title": "Credit note",
        "total_label": "Total with VAT",
        "total": D("-47.42"),
        "due": D("-47.42"),
        "total_text": "-RON47.42",
        "due_label": "Amount to be credited to you",
        "not_label": "Amount due",
        "due_text": "RON47.42",
        "issue_date": "05/05/2026",
        "iban": "RO22 BTRL RONC RT0V 8B24 0001",
        "quantities": ("-412.5",),
        "pay_by": None,
        "pages": 1,
        "annex": None,
    },
    "VBR00000125": {  # RO penalty, Romanian, out of VAT scope
        "title": "Factură (penalități de întârziere)",
        "total_label": "Total cu TVA",
        "total": D("15.39"),
        "due": D("15.39"),
        "total_text": "15,39 RON",
        "due_label": "Total de plată",
        "not_label": "Sumă de restituit",
        "due_text": "15,39 RON",
        "issue_date": "05.05.2026",
        "iban": "RO22 BTRL RONC RT0V 8B24 0001",
        "quantities": ("12,34", "3,05"),
        "pay_by": "Vă rugăm să plătiți până la 20 mai 2026.",
        "pages": 1,
        "annex": None,
    },
    "VBR00000126": {  # RO regularisation paying back, English
        "title": "Invoice (regularisation)",
        "total_label": "Total with VAT",
        "total": D("677.60"),
        "due": D("-169.40"),
        "total_text": "RON677.60",
        "due_label": "Amount to be credited to you",
        "not_label": "Amount due",
        "due_text": "RON169.40",
        "issue_date": "05/05/2026",
        "iban": "RO22 BTRL RONC RT0V 8B24 0001",
        "quantities": ("800",),
        "pay_by": None,
        "pages": 2,
        "annex": "annex: consumption per location and metering point",
    },
}
NUMBERS = sorted(EXPECTED)


def _totals_from_lines(view: InvoiceView) -> tuple[Decimal, Decimal]:
    """Total with VAT and amount due re-derived from the lines: net = round half up (q × p), VAT per rate group."""
    groups: dict[tuple[str, Decimal], Decimal] = defaultdict(lambda: D("0.00"))
    for line in view.lines:
        net = (line.quantity * line.unit_price).quantize(CENT, rounding=ROUND_HALF_UP)
        groups[(line.vat_category, line.vat_rate_pct)] += net
    line_total = sum(groups.values(), D("0.00"))
    vat = sum(((taxable * rate / 100).quantize(CENT, rounding=ROUND_HALF_UP) for (_, rate), taxable in groups.items()), D("0.00"))
    prepaid = sum((g.prepaid_taxable_amount + g.prepaid_vat_amount for g in view.vat_groups), D("0.00"))
    total = line_total + vat
    return total, total - prepaid


def _plain(text: str) -> str:
    """Whitespace-normalised text: non-breaking spaces as spaces, runs of whitespace as one space."""
    return " ".join(text.replace("\xa0", " ").replace("\u202f", " ").split())


def _read_pgm(data: bytes) -> tuple[int, int, bytes]:
    """A binary greyscale PGM (P5, maxval < 256): width, height, pixel bytes."""
    fields: list[bytes] = []
    index = 0
    while len(fields) < 4:
        while data[index : index + 1].isspace():
            index += 1
        if data[index : index + 1] == b"#":  # comment line
            index = data.index(b"\n", index)
            continue
        end = index
        while not data[end : end + 1].isspace():
            end += 1
        fields.append(data[index:end])
        index = end
    index += 1  # the single whitespace after maxval
    assert fields[0] == b"P5", fields[0]
    width, height, maxval = int(fields[1]), int(fields[2]), int(fields[3])
    assert maxval < 256
    pixels = data[index : index + width * height]
    assert len(pixels) == width * height
    return width, height, pixels


@pytest.fixture(scope="module")
def renderer() -> InvoiceRenderer:
    return InvoiceRenderer()


@pytest.fixture(scope="module")
def pdfs(renderer, tmp_path_factory) -> dict[str, Path]:
    """Every sample rendered once to a plain PDF on disk."""
    folder = tmp_path_factory.mktemp("pdfs")
    paths = {}
    for number, view in SAMPLES.items():
        path = folder / f"{number}.pdf"
        path.write_bytes(renderer.pdf_bytes(view))
        paths[number] = path
    return paths


@pytest.fixture(scope="module")
def facturx_pdfs(renderer) -> dict[str, tuple[bytes, bytes]]:
    """Every sample as Factur-X: (PDF bytes, the CII XML given to it)."""
    result = {}
    for number, view in SAMPLES.items():
        cii = to_cii(view)
        result[number] = (renderer.pdf_bytes(view, facturx_xml=cii), cii)
    return result


def _text(path: Path, first: int | None = None, last: int | None = None) -> str:
    """The page text in content order (`-raw`: a label stays next to its value), whitespace-normalised."""
    command = ["pdftotext", "-raw", "-enc", "UTF-8"]
    if first is not None:
        command += ["-f", str(first)]
    if last is not None:
        command += ["-l", str(last)]
    completed = subprocess.run(command + [str(path), "-"], check=True, capture_output=True)
    return _plain(completed.stdout.decode("utf-8"))


def test_every_sample_is_covered():
    assert set(SAMPLES) == set(EXPECTED)


@pytest.mark.parametrize("number", NUMBERS)
def test_expected_figures_follow_from_the_sample_lines(number):
    total, due = _totals_from_lines(SAMPLES[number])
    assert (total, due) == (EXPECTED[number]["total"], EXPECTED[number]["due"])
    # and the view carries the same figures the PDF will show
    assert (SAMPLES[number].total_with_vat, SAMPLES[number].amount_due) == (total, due)


@pytest.mark.parametrize("number", NUMBERS)
def test_pages_are_a4_and_not_blank(pdfs, number, tmp_path):
    path = pdfs[number]
    reader = pypdf.PdfReader(path)
    assert len(reader.pages) == EXPECTED[number]["pages"]
    for page in reader.pages:
        assert float(page.mediabox.width) == pytest.approx(595.28, abs=1)
        assert float(page.mediabox.height) == pytest.approx(841.89, abs=1)

    subprocess.run(["pdftoppm", "-r", "40", "-gray", str(path), str(tmp_path / "page")], check=True, capture_output=True)
    images = sorted(tmp_path.glob("page-*.pgm"))
    assert len(images) == EXPECTED[number]["pages"]
    for image in images:
        width, height, pixels = _read_pgm(image.read_bytes())
        assert (width, height) == pytest.approx((331, 468), abs=2)  # A4 at 40 dpi
        dark = sum(1 for value in pixels if value < 128)
        # a page with text, tables or a chart has a few % of ink; a blank page (or one with only the
        # running footer) has well under 1 %
        assert dark / len(pixels) > 0.01, f"{image.name}: only {dark} dark pixels of {len(pixels)}"


@pytest.mark.parametrize("number", NUMBERS)
def test_text_shows_number_totals_and_payment_in_the_documents_locale(pdfs, number):
    expected = EXPECTED[number]
    text = _text(pdfs[number])
    assert number in text
    assert expected["title"] in text
    assert expected["issue_date"] in text
    assert f"{expected['total_label']} {expected['total_text']}" in text
    # the amount due next to its label (a negative amount due: the refund label and the absolute amount)
    assert f"{expected['due_label']} {expected['due_text']}" in text
    assert expected["not_label"] not in text
    for quantity in expected["quantities"]:
        assert re.search(r"(?<![\d.,])" + re.escape(quantity) + r"(?![\d])", text), quantity
    assert expected["iban"] in text


@pytest.mark.parametrize("number", NUMBERS)
def test_pay_by_sentence(pdfs, number):
    """Documents with something to pay say by when, in the locale's long date; refunds and credit notes do not."""
    text = _text(pdfs[number])
    sentence = EXPECTED[number]["pay_by"]
    if sentence is None:
        for label in ("Please pay by", "Vă rugăm să plătiți", "Моля, платете"):
            assert label not in text
    else:
        assert sentence in text
        # the sentence ends with exactly one full stop, even when the long date ends with an
        # abbreviation point (Bulgarian "… 2026 г.")
        assert sentence + "." not in text, f"doubled full stop after the due date: {sentence}."


def test_refund_regularisation_shows_advances_and_refund(pdfs):
    text = _text(pdfs["VBR00000126"])
    assert "Advances deducted" in text
    assert "−RON847.00" in text  # 700.00 + 147.00 advance, shown as a deduction
    assert "VBR00000080" in text
    assert "-RON169.40" not in text and "−RON169.40" not in text


def test_credit_note_names_the_corrected_invoice(pdfs):
    text = _text(pdfs["VBR00000124"])
    assert "Credit note" in text
    assert "Corrects invoice VBR00000101" in text
    assert "Invoice (deviation" not in text


def test_bulgarian_document_is_in_cyrillic(pdfs):
    text = _text(pdfs["0000000042"])
    for label in ("Фактура за аванс", "Общо с ДДС", "Сума за плащане", "ДДС по ставки", "Получател", "Плащане"):
        assert label.casefold() in text.casefold()  # headings are upper-cased by the stylesheet
    assert "Иван Петров" in text
    # no English or Romanian label leaked into the Bulgarian document
    for foreign in ("Total with VAT", "Amount due", "Total cu TVA", "Total de plată"):
        assert foreign not in text


@pytest.mark.parametrize("number", [n for n in NUMBERS if EXPECTED[n]["annex"]])
def test_annex_page_has_the_daily_chart(pdfs, number):
    view = SAMPLES[number]
    first = _text(pdfs[number], 1, 1).casefold()
    annex = _text(pdfs[number], 2, 2).casefold()  # headings are upper-cased by the stylesheet
    assert EXPECTED[number]["annex"] not in first
    assert EXPECTED[number]["annex"] in annex
    for point in view.metering_points:
        assert point.metering_point_id.casefold() in annex
    # the x axis labels the 1st, every 5th and the last day of the month under their bars, in order
    last_day = view.period_end.day
    labelled = [day for day in range(1, last_day + 1) if day == 1 or day % 5 == 0 or day == last_day]
    assert " ".join(str(day) for day in labelled) in annex


def test_rendering_is_reproducible(renderer):
    """Same view, same bytes: on the same renderer, on a fresh one, a second later, plain and Factur-X."""
    first = {number: renderer.pdf_bytes(view) for number, view in SAMPLES.items()}
    first_fx = {number: renderer.pdf_bytes(view, facturx_xml=to_cii(view)) for number, view in SAMPLES.items()}
    time.sleep(1.1)  # any wall-clock timestamp (seconds resolution) would now differ
    again = InvoiceRenderer()
    for number, view in SAMPLES.items():
        assert renderer.pdf_bytes(view) == first[number], number
        assert again.pdf_bytes(view) == first[number], number
        assert again.pdf_bytes(view, facturx_xml=to_cii(view)) == first_fx[number], number
    # different documents do not share a PDF identifier
    identifiers = {pypdf.PdfReader(io.BytesIO(content)).trailer["/ID"][0] for content in first.values()}
    assert len(identifiers) == len(first)


def test_writing_restores_source_date_epoch(renderer, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    renderer.pdf_bytes(SAMPLES["VBR00000125"])
    assert "SOURCE_DATE_EPOCH" not in os.environ
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "12345")
    renderer.pdf_bytes(SAMPLES["VBR00000125"])
    assert os.environ["SOURCE_DATE_EPOCH"] == "12345"


def test_plain_pdf_has_no_attachment(pdfs):
    reader = pypdf.PdfReader(pdfs["VBR00000123"])
    assert "/AF" not in reader.trailer["/Root"]
    assert reader.attachments == {}


# --- Factur-X -------------------------------------------------------------------------------------

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
PDFAID = "http://www.aiim.org/pdfa/ns/id/"
FX = "urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#"


def _xmp(reader: pypdf.PdfReader) -> ET.Element:
    metadata = reader.trailer["/Root"]["/Metadata"].get_object()
    return ET.fromstring(metadata.get_data())  # raises on malformed XML


def _xmp_value(root: ET.Element, namespace: str, name: str) -> list[str]:
    """Every value of an XMP property, whether written as an rdf:Description attribute or as an element."""
    values = []
    for description in root.iter(f"{{{RDF}}}Description"):
        if f"{{{namespace}}}{name}" in description.attrib:
            values.append(description.attrib[f"{{{namespace}}}{name}"])
        for element in description.findall(f"{{{namespace}}}{name}"):
            values.append((element.text or "").strip())
    return values


@pytest.mark.parametrize("number", NUMBERS)
def test_facturx_attachment(facturx_pdfs, number):
    content, cii = facturx_pdfs[number]
    reader = pypdf.PdfReader(io.BytesIO(content))
    catalog = reader.trailer["/Root"]
    assert "/AF" in catalog
    references = list(catalog["/AF"])
    assert references
    # every associated file of the catalog is the one factur-x.xml (WeasyPrint lists it twice)
    assert len({reference.idnum for reference in references}) == 1
    spec = references[0].get_object()
    assert spec["/Type"] == "/Filespec"
    assert spec["/F"] == "factur-x.xml"
    assert spec["/UF"] == "factur-x.xml"
    assert spec["/AFRelationship"] == "/Data"
    embedded = spec["/EF"]["/F"].get_object()
    assert embedded["/Subtype"] == "/text/xml"
    assert embedded.get_data() == cii
    # also reachable through the EmbeddedFiles name tree
    assert reader.attachments == {"factur-x.xml": [cii]}
    # PDF/A output intent
    assert [intent["/S"] for intent in catalog["/OutputIntents"]] == ["/GTS_PDFA1"]


@pytest.mark.parametrize("number", NUMBERS)
def test_facturx_xmp_metadata(facturx_pdfs, number):
    content, _ = facturx_pdfs[number]
    reader = pypdf.PdfReader(io.BytesIO(content))
    root = _xmp(reader)
    assert len(list(root.iter(f"{{{RDF}}}RDF"))) == 1
    assert _xmp_value(root, PDFAID, "part") == ["3"]
    assert _xmp_value(root, PDFAID, "conformance") == ["B"]
    assert _xmp_value(root, FX, "DocumentType") == ["INVOICE"]
    assert _xmp_value(root, FX, "ConformanceLevel") == ["EN 16931"]
    assert _xmp_value(root, FX, "DocumentFileName") == ["factur-x.xml"]
    assert _xmp_value(root, FX, "Version") == ["1.0"]
    # the extension schema declaring the fx: properties (required by PDF/A for a custom namespace)
    schema_uris = [element.text for element in root.iter("{http://www.aiim.org/pdfa/ns/schema#}namespaceURI")]
    assert schema_uris == [FX]
    declared = {element.text for element in root.iter("{http://www.aiim.org/pdfa/ns/property#}name")}
    assert declared == {"DocumentType", "DocumentFileName", "Version", "ConformanceLevel"}


@pytest.mark.parametrize("number", NUMBERS)
def test_facturx_reader_finds_the_cii_invoice(facturx_pdfs, number):
    content, cii = facturx_pdfs[number]
    filename, xml = facturx.get_xml_from_pdf(content, check_xsd=True)
    assert filename == "factur-x.xml"
    assert xml == cii
    # the level the XML declares is the conformance level the XMP announces
    assert facturx.get_facturx_level(etree.fromstring(xml)) == "en16931"
    assert_valid(xml, "cii")


def test_facturx_pdf_shows_the_same_pages_as_the_plain_one(facturx_pdfs, pdfs):
    for number in NUMBERS:
        plain = pypdf.PdfReader(pdfs[number])
        hybrid = pypdf.PdfReader(io.BytesIO(facturx_pdfs[number][0]))
        assert len(hybrid.pages) == len(plain.pages)
        assert _plain(hybrid.pages[0].extract_text()) == _plain(plain.pages[0].extract_text())


def test_line_titles_are_in_the_documents_language_with_the_engines_description_below(pdfs):
    """The billing engine describes lines in English; a Romanian or Bulgarian document titles each line by its
    charge type in its own language and keeps the engine's particulars under it; an English one shows them as is."""
    romanian = _text(pdfs["VBR00000123"], 1, 1)
    assert "Energie electrică activă" in romanian and "Active energy, fixed price" in romanian
    assert "Tarif de rețea" in romanian and "Certificate verzi" in romanian
    bulgarian = _text(pdfs["0000000042"], 1, 1)
    assert "Активна електрическа енергия" in bulgarian
    english = _text(pdfs["VBR00000124"], 1, 1)
    assert "Deviation outside the tolerance band" in english and "Abatere" not in english


def test_every_charge_type_of_the_ledger_has_a_title_in_each_translated_language():
    from invoice_rendering.labels import CHARGE_TYPES

    ledger_charge_types = {"energy", "network_fee", "reactive_energy", "excise", "green_certificates", "deviation", "penalty_interest"}
    for language, titles in CHARGE_TYPES.items():
        assert set(titles) == ledger_charge_types, language
