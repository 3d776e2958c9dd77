"""The tenant's service-charge reconciliation PDF (seed 002, Enectiva; `invoice_rendering.reconciliation_documents`).

A Smart Cube building with three tenants, a water, a heating (50 % by consumption) and a non-energy
reconciliation is reconciled with `allocation.service_charges.reconcile`; each tenant's document is
rendered and read back with `pdftotext`. The expected figures are worked out by hand below and written
the way the English (en_GB) document writes them: "," thousands, "." decimals, the currency code
before the amount ("CZK3,633.34"), dates as dd/mm/yyyy and, in the pay-by sentence, "14 February 2025".
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pypdf
import pytest

from allocation.hierarchy import ObjectTree, ObjectType, SiteObject
from allocation.service_charges import GENERIC, SMART_CUBE, ReconciliationSpec, TenantReading, reconcile
from invoice_rendering.reconciliation_documents import (
    Issuer,
    ReconciliationDocument,
    document_from_result,
    render_reconciliation_pdf,
    write_reconciliation_pdf,
)

D = Decimal
YEAR = (date(2024, 1, 1), date(2024, 12, 31))
ISSUE = date(2025, 1, 15)  # + 30 days: due 14/02/2025
TYPES = [
    ObjectType("building", "Building", is_reconciliation_source=True),
    ObjectType("floor", "Floor"),
    ObjectType("tenant", "Tenant", is_reconciliation_target=True),
]
TREE = ObjectTree(TYPES, [
    SiteObject("B1", None, "building", "Smart Cube House", currency="CZK"),
    SiteObject("F1", "B1", "floor", "Floor 1"),
    SiteObject("T1", "F1", "tenant", "Bakery Novák", D("50"), "CZK"),
    SiteObject("T2", "F1", "tenant", "Studio Light", D("30"), "CZK"),
    SiteObject("T3", "F1", "tenant", "Dental Care", D("20"), "CZK"),
])
# Given in this order on purpose: the Smart Cube document lists water, then heating, then the rest.
SPECS = [
    ReconciliationSpec("N", "non_energy", "B1", *YEAR, D("100.00"), "CZK", name="Cleaning and lift maintenance"),
    ReconciliationSpec("W", "water", "B1", *YEAR, D("400.00"), "CZK", name="Cold water 2024"),
    ReconciliationSpec("H", "heating", "B1", *YEAR, D("10000.01"), "CZK", D("50"), name="Heating 2024"),
]
READINGS = [
    *(TenantReading(t, f"W-{t}", "water", *YEAR, D(q)) for t, q in (("T1", "10"), ("T2", "20"), ("T3", "10"))),
    *(TenantReading(t, f"H-{t}", "heat", *YEAR, D(q)) for t, q in (("T1", "100"), ("T2", "300"), ("T3", "100"))),
]
ADVANCES = {"T1": D("3800.00"), "T2": D("4500.00"), "T3": D("2100.00")}
ISSUER = Issuer("Smart Cube Property s.r.o.", ("Vinohradská 12", "120 00 Praha 2", "Czech Republic"), "accounts@smartcube.example")

# Worked out by hand:
# Water 400.00 by 10 : 20 : 10 m³ (40 m³) → 100.00, 200.00, 100.00.
# Heating 10,000.01, 50 % by consumption: round_half_up(5,000.005) = 5,000.01; by floor area the rest, 5,000.00.
#   By heat 100 : 300 : 100 kWh (500) of 500,001 cents → 100,000.2 / 300,000.6 / 100,000.2: floors 500,000,
#   the cent left to the largest remainder (T2) → 1,000.00, 3,000.01, 1,000.00.
#   By area 50 : 30 : 20 m² (100 m²) of 5,000.00 → 2,500.00, 1,500.00, 1,000.00.
#   Heating shares: 3,500.00, 4,500.01, 2,000.00.
# Non-energy 100.00 / 3 = 33.333…: 33.33 each, the cent left to the lowest id → 33.34, 33.33, 33.33.
# Totals: T1 100.00 + 3,500.00 + 33.34 = 3,633.34; T2 200.00 + 4,500.01 + 33.33 = 4,733.34;
#         T3 100.00 + 2,000.00 + 33.33 = 2,133.33 (sum 10,500.01 = 400.00 + 10,000.01 + 100.00).
# Balances: T1 3,633.34 − 3,800.00 = −166.66 (refund); T2 4,733.34 − 4,500.00 = 233.34; T3 2,133.33 − 2,100.00 = 33.33.
EXPECTED = {
    "T1": {
        "name": "Bakery Novák", "area": "Floor area 50 m²",
        "rows": ("Cold water 2024 400.00 10 m³ of 40 m³ 100.00",
                 "Heating 2024 10,000.01 in two parts: 3,500.00",
                 "50 % by heat consumption 5,000.01 100 kWh of 500 kWh 1,000.00",
                 "50 % by floor area 5,000.00 50 m² of 100 m² 2,500.00",
                 "Cleaning and lift maintenance 100.00 equal share 1/3 33.34"),
        "total": "Total of your shares CZK3,633.34", "advances": "Advances paid −CZK3,800.00",
        "balance": "Balance to be refunded CZK166.66", "sentence": "Balance of CZK166.66 to be refunded to you.",
    },
    "T2": {
        "name": "Studio Light", "area": "Floor area 30 m²",
        "rows": ("Cold water 2024 400.00 20 m³ of 40 m³ 200.00",
                 "Heating 2024 10,000.01 in two parts: 4,500.01",
                 "50 % by heat consumption 5,000.01 300 kWh of 500 kWh 3,000.01",
                 "50 % by floor area 5,000.00 30 m² of 100 m² 1,500.00",
                 "Cleaning and lift maintenance 100.00 equal share 1/3 33.33"),
        "total": "Total of your shares CZK4,733.34", "advances": "Advances paid −CZK4,500.00",
        "balance": "Balance to pay CZK233.34", "sentence": "Balance of CZK233.34 to pay by 14 February 2025.",
    },
    "T3": {
        "name": "Dental Care", "area": "Floor area 20 m²",
        "rows": ("Cold water 2024 400.00 10 m³ of 40 m³ 100.00",
                 "Heating 2024 10,000.01 in two parts: 2,000.00",
                 "50 % by heat consumption 5,000.01 100 kWh of 500 kWh 1,000.00",
                 "50 % by floor area 5,000.00 20 m² of 100 m² 1,000.00",
                 "Cleaning and lift maintenance 100.00 equal share 1/3 33.33"),
        "total": "Total of your shares CZK2,133.33", "advances": "Advances paid −CZK2,100.00",
        "balance": "Balance to pay CZK33.33", "sentence": "Balance of CZK33.33 to pay by 14 February 2025.",
    },
}
TENANTS = sorted(EXPECTED)


def _plain(text: str) -> str:
    """Whitespace-normalised text: non-breaking spaces as spaces, runs of whitespace as one space."""
    return " ".join(text.replace("\xa0", " ").replace("\u202f", " ").split())


def _text(path: Path) -> str:
    """The page text in content order (`-raw`), the upper-cased kind labels removed, whitespace-normalised."""
    completed = subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True)
    text = completed.stdout.decode("utf-8")
    for label in ("WATER\n", "HEATING\n", "NON-ENERGY COSTS\n"):
        text = text.replace(label, "")
    return _plain(text)


def _read_pgm(data: bytes) -> tuple[int, int, bytes]:
    """A binary greyscale PGM as pdftoppm writes it (P5, no comments, maxval < 256): width, height, pixel bytes."""
    fields: list[bytes] = []
    index = 0
    while len(fields) < 4:
        while data[index : index + 1].isspace():
            index += 1
        end = index
        while not data[end : end + 1].isspace():
            end += 1
        fields.append(data[index:end])
        index = end
    assert fields[0] == b"P5" and int(fields[3]) < 256
    width, height = int(fields[1]), int(fields[2])
    pixels = data[index + 1 : index + 1 + width * height]  # one whitespace byte after maxval
    assert len(pixels) == width * height
    return width, height, pixels


@pytest.fixture(scope="module")
def result():
    return reconcile(SPECS, TREE, "B1", READINGS, ADVANCES, template=SMART_CUBE)


@pytest.fixture(scope="module")
def documents(result) -> dict[str, ReconciliationDocument]:
    return {t: document_from_result(result, t, SPECS, TREE, ISSUER, ISSUE, tenant_email=f"{t.lower()}@example.com", heat_unit="kWh")
            for t in TENANTS}


@pytest.fixture(scope="module")
def pdfs(documents, tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("reconciliations")
    return {t: write_reconciliation_pdf(document, out) for t, document in documents.items()}


def test_the_hand_computed_figures_are_what_reconcile_gives(result):
    rows = {t.tenant_id: (t.total, t.advances_paid, t.balance) for t in result.tenants}
    assert rows == {"T1": (D("3633.34"), D("3800.00"), D("-166.66")), "T2": (D("4733.34"), D("4500.00"), D("233.34")),
                    "T3": (D("2133.33"), D("2100.00"), D("33.33"))}
    assert [result.tenant(t).share("H").amount for t in TENANTS] == [D("3500.00"), D("4500.01"), D("2000.00")]


def test_document_data(documents):
    document = documents["T2"]
    assert document.template == "smart_cube"
    assert [line.spec_id for line in document.lines] == ["W", "H", "N"]  # water, heating, then the rest
    assert (document.period_start, document.period_end) == YEAR
    assert document.due_date == date(2025, 2, 14)
    assert (document.building_name, document.source_object_id, document.tenant_floor_area_m2) == ("Smart Cube House", "B1", D("30"))
    water, heating, other = document.lines
    assert (water.basis_quantity, water.basis_total, water.share) == (D("20"), D("40"), D("200.00"))
    assert (heating.consumption_cost, heating.area_cost) == (D("5000.01"), D("5000.00"))
    assert (heating.consumption_part, heating.area_part, heating.share) == (D("3000.01"), D("1500.00"), D("4500.01"))
    assert (heating.floor_area_m2, heating.floor_area_total_m2) == (D("30"), D("100"))
    assert (other.tenant_count, other.share, other.building_cost) == (3, D("33.33"), D("100.00"))
    assert (document.total, document.advances_paid, document.balance, document.pays) == (D("4733.34"), D("4500.00"), D("233.34"), True)


@pytest.mark.parametrize("tenant", TENANTS)
def test_text_shows_rows_shares_and_balance(pdfs, tenant):
    expected = EXPECTED[tenant]
    text = _text(pdfs[tenant])
    assert expected["name"] in text
    assert f"Object {tenant}" in text and f"E-mail {tenant.lower()}@example.com" in text and expected["area"] in text
    assert "Smart Cube House" in text and "Smart Cube Property s.r.o." in text and "Vinohradská 12" in text
    assert "Period 01/01/2024 – 31/12/2024" in text and "Issue date 15/01/2025" in text
    positions = []
    for row in expected["rows"]:
        assert row in text, row
        positions.append(text.index(row))
    assert positions == sorted(positions)  # in the document's order: water, heating and its parts, non-energy
    for key in ("total", "advances", "balance", "sentence"):
        assert expected[key] in text, key


def test_refund_and_pay_wording(pdfs):
    refund = _text(pdfs["T1"])
    assert "refund" in refund and "to pay by" not in refund and "Due date" not in refund
    for tenant in ("T2", "T3"):
        text = _text(pdfs[tenant])
        assert "refund" not in text
        assert "Due date 14/02/2025" in text and "to pay by 14 February 2025" in text


def test_balance_settled_exactly(documents, tmp_path):
    settled = replace(documents["T3"], advances_paid=D("2133.33"), balance=D("0.00"))
    path = tmp_path / "settled.pdf"
    path.write_bytes(render_reconciliation_pdf(settled))
    text = _text(path)
    assert "Balance CZK0.00" in text and "nothing to pay and nothing to refund" in text
    assert "to pay by" not in text and "to be refunded" not in text


@pytest.mark.parametrize("tenant", TENANTS)
def test_one_a4_page_with_ink(pdfs, tenant, tmp_path):
    reader = pypdf.PdfReader(pdfs[tenant])
    assert len(reader.pages) == 1
    for page in reader.pages:
        assert float(page.mediabox.width) == pytest.approx(595.28, abs=1)
        assert float(page.mediabox.height) == pytest.approx(841.89, abs=1)
    subprocess.run(["pdftoppm", "-r", "40", "-gray", str(pdfs[tenant]), str(tmp_path / "page")], check=True, capture_output=True)
    images = sorted(tmp_path.glob("page-*.pgm"))
    assert len(images) == 1
    for image in images:
        width, height, pixels = _read_pgm(image.read_bytes())
        assert (width, height) == pytest.approx((331, 468), abs=2)  # A4 at 40 dpi
        dark = sum(1 for value in pixels if value < 128)
        assert dark / len(pixels) > 0.01, f"{image.name}: only {dark} dark pixels of {len(pixels)}"


def test_file_layout_and_atomic_write(pdfs, documents, tmp_path):
    for tenant, path in pdfs.items():
        assert path.parts[-3:] == ("B1", "2024-12", f"{tenant}.pdf")
    first = write_reconciliation_pdf(documents["T1"], tmp_path)
    again = write_reconciliation_pdf(documents["T1"], tmp_path)  # overwriting an existing file
    assert first == again == tmp_path / "B1" / "2024-12" / "T1.pdf"
    assert sorted(p.name for p in (tmp_path / "B1" / "2024-12").iterdir()) == ["T1.pdf"]  # no temporary file left


def test_same_input_same_bytes(documents, pdfs):
    document = documents["T2"]
    assert render_reconciliation_pdf(document) == render_reconciliation_pdf(document) == pdfs["T2"].read_bytes()
    # a different issue date changes the document (dates in it and in the PDF metadata)
    assert render_reconciliation_pdf(replace(document, issue_date=date(2025, 1, 16))) != pdfs["T2"].read_bytes()


def test_same_bytes_in_a_fresh_process(pdfs):
    """No state of this process (fonts loaded before, the clock) leaks into the PDF."""
    script = (
        "import sys; from tests.unit.test_reconciliation_documents import *; "
        "result = reconcile(SPECS, TREE, 'B1', READINGS, ADVANCES, template=SMART_CUBE); "
        "d = document_from_result(result, 'T1', SPECS, TREE, ISSUER, ISSUE, tenant_email='t1@example.com', heat_unit='kWh'); "
        "sys.stdout.buffer.write(render_reconciliation_pdf(d))"
    )
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root)}
    env.pop("SOURCE_DATE_EPOCH", None)
    completed = subprocess.run([sys.executable, "-c", script], check=True, capture_output=True, cwd=root, env=env)
    assert completed.stdout == pdfs["T1"].read_bytes()


def test_generic_template_keeps_the_given_order():
    result = reconcile(SPECS, TREE, "B1", READINGS, ADVANCES, template=GENERIC)
    document = document_from_result(result, "T3", SPECS, TREE, ISSUER, ISSUE)
    assert document.template == "generic"
    assert [line.spec_id for line in document.lines] == ["N", "W", "H"]
    assert document.tenant_email is None and document.lines[2].basis_unit == "units"


def test_wrong_inputs_are_refused(result):
    with pytest.raises(ValueError, match="not a tenant"):
        document_from_result(result, "F1", SPECS, TREE, ISSUER, ISSUE)
    with pytest.raises(ValueError, match="not the reconciliations of the result"):
        document_from_result(result, "T1", SPECS[:2], TREE, ISSUER, ISSUE)
    with pytest.raises(ValueError, match="language 'cs'"):
        document_from_result(result, "T1", SPECS, TREE, ISSUER, ISSUE, language="cs")
    with pytest.raises(ValueError, match="due_days"):
        document_from_result(result, "T1", SPECS, TREE, ISSUER, ISSUE, due_days=-1)
    document = document_from_result(result, "T1", SPECS, TREE, ISSUER, ISSUE)
    with pytest.raises(ValueError, match="cannot name a file"):
        replace(document, tenant_id="../T1")


def test_heating_entirely_by_consumption_shows_one_part(tmp_path):
    heating = ReconciliationSpec("H", "heating", "B1", *YEAR, D("999.99"), "CZK", D("100"), name="Heating 2024")
    result = reconcile([heating], TREE, "B1", [r for r in READINGS if r.medium == "heat"], {}, template=GENERIC)
    document = document_from_result(result, "T2", [heating], TREE, ISSUER, ISSUE, heat_unit="kWh")
    path = tmp_path / "heating.pdf"
    path.write_bytes(render_reconciliation_pdf(document))
    text = _text(path)
    # 99,999 cents by 100 : 300 : 100 → 19,999.8 / 59,999.4 / 19,999.8: floors 99,997, one cent each to T1 and T3
    # (remainders .8, ties to the lower id) → 200.00, 599.99, 200.00; no advances: T2 pays 599.99.
    assert "Heating 2024 999.99 599.99" in text and "100 % by heat consumption 999.99 300 kWh of 500 kWh 599.99" in text
    assert "by floor area" not in text and "in two parts" not in text
    assert "Advances paid CZK0.00" in text and "Balance to pay CZK599.99" in text
