"""EN 16931 e-invoices (UBL 2.1 and CII): every sample validates, values read back are right, broken documents fail."""

from __future__ import annotations

from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Callable

import pytest
from lxml import etree

from invoice_rendering.einvoice import einvoice_filename, to_cii, to_ubl
from invoice_rendering.einvoice_validation import (
    EInvoiceValidationError,
    ValidationResult,
    assert_valid,
    validate,
)
from invoice_rendering.invoice_view import InvoiceView
from tests import invoice_samples as samples

NS = {
    "inv": "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
    "cn": "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
}
RENDERERS: dict[str, Callable[[InvoiceView], bytes]] = {"ubl": to_ubl, "cii": to_cii}
SAMPLES = samples.all_samples()
# The only warning the rule sets give on our documents: CII's (mandatory) ApplicableHeaderTradeDelivery
# is empty, since the view has no delivery data (BT-72, BG-13). Anything else is a regression.
KNOWN_WARNINGS: dict[str, set[str]] = {"ubl": set(), "cii": set()}


def _cents(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _tree(xml: bytes) -> etree._Element:
    return etree.fromstring(xml)


def _texts(xml: bytes, xpath: str) -> list[str]:
    return [str(value) for value in _tree(xml).xpath(xpath, namespaces=NS)]


def _text(xml: bytes, xpath: str) -> str:
    values = _texts(xml, xpath)
    assert len(values) == 1, (xpath, values)
    return values[0]


def _edited(xml: bytes, edit: Callable[[etree._Element], None]) -> bytes:
    root = _tree(xml)
    edit(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _set_text(xpath: str, value: str) -> Callable[[etree._Element], None]:
    def edit(root: etree._Element) -> None:
        (node,) = root.xpath(xpath, namespaces=NS)
        node.text = value

    return edit


def _remove(xpath: str) -> Callable[[etree._Element], None]:
    def edit(root: etree._Element) -> None:
        nodes = root.xpath(xpath, namespaces=NS)
        assert nodes, xpath
        for node in nodes:
            node.getparent().remove(node)

    return edit


# --- every sample, both syntaxes: XSD + Schematron clean -------------------------------------------


@pytest.mark.parametrize("syntax", ["ubl", "cii"])
@pytest.mark.parametrize("view", SAMPLES, ids=[f"{v.invoice_type}-{v.invoice_number}" for v in SAMPLES])
def test_every_sample_validates_with_zero_errors(view: InvoiceView, syntax: str) -> None:
    result = assert_valid(RENDERERS[syntax](view), syntax)
    assert isinstance(result, ValidationResult) and result.ok
    assert {w.rule_id for w in result.warnings} <= KNOWN_WARNINGS[syntax]


@pytest.mark.parametrize("syntax", ["ubl", "cii"])
def test_output_is_deterministic_utf8_with_declaration(syntax: str) -> None:
    view = samples.bg_advance()
    first, second = RENDERERS[syntax](view), RENDERERS[syntax](samples.bg_advance())
    assert first == second
    assert first.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    assert "Волтбил Енерджи България ЕООД" in first.decode("utf-8")


def test_filenames() -> None:
    view = samples.ro_regularisation()
    assert einvoice_filename(view, "ubl") == "VB-RO_VBR00000123.ubl.xml"
    assert einvoice_filename(view, "cii") == "VB-RO_VBR00000123.cii.xml"
    with pytest.raises(ValueError):
        einvoice_filename(view, "pdf")


# --- document type and header --------------------------------------------------------------------


@pytest.mark.parametrize("view", SAMPLES, ids=[v.invoice_type for v in SAMPLES])
def test_type_codes_and_ubl_root(view: InvoiceView) -> None:
    expected = "381" if view.invoice_type == "credit_note" else "380"
    ubl, cii = to_ubl(view), to_cii(view)
    assert _text(cii, "/rsm:CrossIndustryInvoice/rsm:ExchangedDocument/ram:TypeCode/text()") == expected
    if expected == "381":
        assert _tree(ubl).tag == f"{{{NS['cn']}}}CreditNote"
        assert _text(ubl, "/cn:CreditNote/cbc:CreditNoteTypeCode/text()") == "381"
    else:
        assert _tree(ubl).tag == f"{{{NS['inv']}}}Invoice"
        assert _text(ubl, "/inv:Invoice/cbc:InvoiceTypeCode/text()") == "380"


def test_cii_header_fields_of_the_regularisation() -> None:
    cii = to_cii(samples.ro_regularisation())
    assert _text(cii, "//rsm:ExchangedDocumentContext/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID/text()") == "urn:cen.eu:en16931:2017"
    assert _text(cii, "//rsm:ExchangedDocument/ram:ID/text()") == "VBR00000123"
    assert _text(cii, "//rsm:ExchangedDocument/ram:IssueDateTime/udt:DateTimeString/text()") == "20260405"
    assert _text(cii, "//ram:DueDateDateTime/udt:DateTimeString/text()") == "20260420"
    assert _text(cii, "//ram:BillingSpecifiedPeriod/ram:StartDateTime/udt:DateTimeString/text()") == "20260301"
    assert _text(cii, "//ram:BillingSpecifiedPeriod/ram:EndDateTime/udt:DateTimeString/text()") == "20260331"
    assert _text(cii, "//ram:BuyerReference/text()") == "CUST-RO-0001"
    assert _text(cii, "//ram:ContractReferencedDocument/ram:IssuerAssignedID/text()") == "C-RO-0001"
    assert _text(cii, "//ram:PaymentReference/text()") == "VBR00000123"
    assert _text(cii, "//ram:InvoiceCurrencyCode/text()") == "RON"
    assert _text(cii, "//ram:SellerTradeParty/ram:SpecifiedTaxRegistration/ram:ID[@schemeID='VA']/text()") == "RO40851234"
    assert _text(cii, "//ram:BuyerTradeParty/ram:SpecifiedTaxRegistration/ram:ID[@schemeID='VA']/text()") == "RO1234567"
    assert _text(cii, "//ram:SellerTradeParty/ram:SpecifiedLegalOrganization/ram:ID/text()") == "J12/3456/2019"
    assert _text(cii, "//ram:SellerTradeParty//ram:EmailURIUniversalCommunication/ram:URIID/text()") == "facturi@voltbill.ro"
    assert _text(cii, "//ram:IncludedNote/ram:Content/text()").startswith("Regularizare")


def test_ubl_header_fields_of_the_regularisation() -> None:
    ubl = to_ubl(samples.ro_regularisation())
    assert _text(ubl, "/inv:Invoice/cbc:DueDate/text()") == "2026-04-20"
    assert _texts(ubl, "/inv:Invoice/cac:InvoicePeriod/cbc:*/text()") == ["2026-03-01", "2026-03-31"]
    assert _text(ubl, "/inv:Invoice/cbc:BuyerReference/text()") == "CUST-RO-0001"
    assert _text(ubl, "/inv:Invoice/cac:ContractDocumentReference/cbc:ID/text()") == "C-RO-0001"
    seller = "/inv:Invoice/cac:AccountingSupplierParty/cac:Party"
    assert _text(ubl, f"{seller}/cac:PartyTaxScheme[cac:TaxScheme/cbc:ID='VAT']/cbc:CompanyID/text()") == "RO40851234"
    assert _text(ubl, f"{seller}/cac:PostalAddress/cac:Country/cbc:IdentificationCode/text()") == "RO"
    assert _text(ubl, f"{seller}/cac:Contact/cbc:ElectronicMail/text()") == "facturi@voltbill.ro"


@pytest.mark.parametrize(
    ("view", "code", "iban", "bic"),
    [
        (samples.bg_advance(), "58", "BG43UNCR700015V8B24001", "UNCRBGSF"),  # EUR: SEPA credit transfer
        (samples.ro_regularisation(), "30", "RO22BTRLRONCRT0V8B240001", "BTRLRO22"),  # RON: credit transfer
    ],
    ids=["EUR", "RON"],
)
def test_payment_means(view: InvoiceView, code: str, iban: str, bic: str) -> None:
    ubl, cii = to_ubl(view), to_cii(view)
    assert _text(ubl, "//cac:PaymentMeans/cbc:PaymentMeansCode/text()") == code
    assert _text(ubl, "//cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID/text()") == iban
    assert _text(ubl, "//cac:PayeeFinancialAccount/cac:FinancialInstitutionBranch/cbc:ID/text()") == bic
    assert _text(ubl, "//cac:PaymentMeans/cbc:PaymentID/text()") == view.invoice_number
    assert _text(cii, "//ram:SpecifiedTradeSettlementPaymentMeans/ram:TypeCode/text()") == code
    assert _text(cii, "//ram:PayeePartyCreditorFinancialAccount/ram:IBANID/text()") == iban
    assert _text(cii, "//ram:PayeeSpecifiedCreditorFinancialInstitution/ram:BICID/text()") == bic


# --- lines, units, VAT ----------------------------------------------------------------------------


def test_unit_codes_quantities_and_prices() -> None:
    view = samples.ro_regularisation()  # kWh x3, MWh, certificate
    expected_units = ["KWH", "KWH", "KWH", "MWH", "C62"]
    ubl, cii = to_ubl(view), to_cii(view)
    assert _texts(ubl, "//cac:InvoiceLine/cbc:InvoicedQuantity/@unitCode") == expected_units
    assert _texts(cii, "//ram:BilledQuantity/@unitCode") == expected_units
    assert _texts(ubl, "//cac:InvoiceLine/cbc:InvoicedQuantity/text()") == ["12345.678", "8000.000", "4345.678", "12.346", "6.1728"]
    assert _texts(cii, "//ram:NetPriceProductTradePrice/ram:ChargeAmount/text()") == ["0.651200", "0.185432", "0.185432", "2.850000", "145.500000"]
    assert _texts(ubl, "//cac:InvoiceLine/cbc:ID/text()") == ["1", "2", "3", "4", "5"]
    assert _texts(cii, "//ram:IncludedSupplyChainTradeLineItem/ram:SpecifiedTradeProduct/ram:Name/text()")[3] == (
        "Excise duty (exempt part, industrial process)"
    )
    assert _texts(cii, "//ram:SpecifiedLineTradeSettlement/ram:ApplicableTradeTax/ram:CategoryCode/text()") == ["S", "S", "S", "E", "S"]


def test_regularisation_vat_breakdown_and_exemption_reason() -> None:
    ubl = to_ubl(samples.ro_regularisation())
    # by hand: 12.346 MWh x 2.85 = 35.1861 -> 35.19 exempt; the rest at 21 %
    nets = [_cents(Decimal(q) * Decimal(p)) for q, p in [("12345.678", "0.6512"), ("8000", "0.185432"), ("4345.678", "0.185432"), ("6.1728", "145.5")]]
    taxable_s = sum(nets, Decimal("0"))
    subtotal = "//cac:TaxTotal/cac:TaxSubtotal[cac:TaxCategory/cbc:ID='{}']/{}/text()"
    assert _text(ubl, subtotal.format("S", "cbc:TaxableAmount")) == f"{taxable_s:.2f}"
    assert _text(ubl, subtotal.format("S", "cbc:TaxAmount")) == f"{_cents(taxable_s * Decimal('0.21')):.2f}"
    assert _text(ubl, subtotal.format("E", "cbc:TaxableAmount")) == "35.19"
    assert _text(ubl, subtotal.format("E", "cbc:TaxAmount")) == "0.00"
    assert _text(ubl, subtotal.format("E", "cac:TaxCategory/cbc:Percent")) == "0"
    assert _text(ubl, subtotal.format("E", "cac:TaxCategory/cbc:TaxExemptionReason")) == "Scutit de accize (art. 353 Cod fiscal)"
    assert _texts(ubl, subtotal.format("S", "cac:TaxCategory/cbc:TaxExemptionReason")) == []


# --- totals: regularisations, refund, credit note --------------------------------------------------


def test_regularisation_prepaid_amount_due_and_advance_reference() -> None:
    view = samples.ro_regularisation()
    ubl, cii = to_ubl(view), to_cii(view)
    line_total = sum((_cents(line.quantity * line.unit_price) for line in view.lines), Decimal("0"))
    vat = _cents((line_total - Decimal("35.19")) * Decimal("0.21"))  # only the S share carries VAT
    prepaid = Decimal("1000.00") + Decimal("210.00")  # the advance and its VAT
    due = line_total + vat - prepaid
    assert _text(ubl, "//cac:LegalMonetaryTotal/cbc:PrepaidAmount/text()") == "1210.00"
    assert _text(cii, "//ram:TotalPrepaidAmount/text()") == "1210.00"
    assert _text(ubl, "//cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount/text()") == f"{line_total + vat:.2f}"
    assert _text(ubl, "//cac:LegalMonetaryTotal/cbc:PayableAmount/text()") == f"{due:.2f}"
    assert _text(cii, "//ram:DuePayableAmount/text()") == f"{due:.2f}"
    assert _text(cii, "//ram:GrandTotalAmount/text()") == f"{line_total + vat:.2f}"
    assert _text(ubl, "//cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID/text()") == "VBR00000077"
    assert _text(cii, "//ram:InvoiceReferencedDocument/ram:IssuerAssignedID/text()") == "VBR00000077"


def test_refund_regularisation_stays_380_with_negative_amount_due() -> None:
    view = samples.ro_refund_regularisation()
    net = Decimal("800") * Decimal("0.70")
    due = net + _cents(net * Decimal("0.21")) - Decimal("847.00")  # 560 + 117.60 - 847 = -169.40
    for syntax, xpath in (("ubl", "//cbc:PayableAmount/text()"), ("cii", "//ram:DuePayableAmount/text()")):
        xml = RENDERERS[syntax](view)
        assert _text(xml, xpath) == f"{due:.2f}" == "-169.40"
        assert validate(xml, syntax).ok
    assert _text(to_ubl(view), "//cbc:InvoiceTypeCode/text()") == "380"


def test_credit_note_shows_positive_amounts_and_the_reversed_invoice() -> None:
    view = samples.ro_credit_note()
    quantity = -view.lines[0].quantity  # the register's -412.500
    net = _cents(quantity * Decimal("0.095"))
    vat = _cents(net * Decimal("0.21"))
    assert net > 0 and f"{net + vat:.2f}" == "47.42"  # 39.19 + 8.23
    ubl, cii = to_ubl(view), to_cii(view)
    assert _text(ubl, "//cac:CreditNoteLine/cbc:CreditedQuantity/text()") == "412.500"
    assert _text(ubl, "//cac:CreditNoteLine/cbc:LineExtensionAmount/text()") == f"{net:.2f}"
    assert _text(ubl, "//cac:TaxTotal/cbc:TaxAmount/text()") == f"{vat:.2f}"
    assert _text(ubl, "//cac:TaxSubtotal/cbc:TaxableAmount/text()") == f"{net:.2f}"
    assert _text(ubl, "//cbc:TaxInclusiveAmount/text()") == f"{net + vat:.2f}"
    assert _text(ubl, "//cbc:PayableAmount/text()") == f"{net + vat:.2f}"
    assert _text(ubl, "//cac:PaymentMeans/cbc:PaymentDueDate/text()") == "2026-05-20"
    assert _text(ubl, "//cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID/text()") == "VBR00000101"
    assert _text(cii, "//ram:BilledQuantity/text()") == "412.500"
    assert _text(cii, "//ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount/text()") == f"{net:.2f}"
    assert _text(cii, "//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax/ram:CalculatedAmount/text()") == f"{vat:.2f}"
    assert _text(cii, "//ram:GrandTotalAmount/text()") == f"{net + vat:.2f}"
    assert _text(cii, "//ram:DuePayableAmount/text()") == f"{net + vat:.2f}"
    assert _text(cii, "//ram:InvoiceReferencedDocument/ram:IssuerAssignedID/text()") == "VBR00000101"
    assert "-" not in "".join(_texts(ubl, "//cbc:*[@currencyID]/text()") + _texts(ubl, "//cbc:CreditedQuantity/text()"))
    assert _texts(ubl, "//cbc:PrepaidAmount") == [] and _texts(cii, "//ram:TotalPrepaidAmount") == []  # not "-0.00"


# --- category O (penalty interest) ----------------------------------------------------------------


def test_out_of_scope_penalty_has_no_vat_identifiers_and_no_rates() -> None:
    view = samples.ro_penalty()
    ubl, cii = to_ubl(view), to_cii(view)
    assert _texts(ubl, "//cac:PartyTaxScheme[cac:TaxScheme/cbc:ID='VAT']") == []
    assert _texts(cii, "//ram:SpecifiedTaxRegistration/ram:ID[@schemeID='VA']") == []
    # the seller stays identified: tax registration (BT-32) and trade register number (BT-30)
    assert _text(ubl, "//cac:AccountingSupplierParty//cac:PartyTaxScheme[cac:TaxScheme/cbc:ID='FC']/cbc:CompanyID/text()") == "RO40851234"
    assert _text(cii, "//ram:SellerTradeParty/ram:SpecifiedTaxRegistration/ram:ID[@schemeID='FC']/text()") == "RO40851234"
    assert _text(cii, "//ram:SellerTradeParty/ram:SpecifiedLegalOrganization/ram:ID/text()") == "J12/3456/2019"
    assert _texts(ubl, "//cac:AccountingCustomerParty//cac:PartyTaxScheme") == []
    assert _texts(ubl, "//cbc:Percent") == [] and _texts(cii, "//ram:RateApplicablePercent") == []
    assert _text(ubl, "//cac:TaxSubtotal/cac:TaxCategory/cbc:TaxExemptionReason/text()") == "Not subject to VAT"
    assert _text(cii, "//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax/ram:BasisAmount/text()") == f"{Decimal('12.34') + Decimal('3.05')}"
    assert _texts(ubl, "//cac:InvoiceLine/cbc:InvoicedQuantity/@unitCode") == ["C62", "C62"]


# --- the validator catches broken documents --------------------------------------------------------


@pytest.mark.parametrize(
    ("syntax", "xpath"),
    [("ubl", "//cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount"), ("cii", "//ram:GrandTotalAmount")],
)
def test_wrong_total_with_vat_breaks_br_co_15(syntax: str, xpath: str) -> None:
    xml = _edited(RENDERERS[syntax](samples.bg_advance()), _set_text(xpath, "999.99"))
    result = validate(xml, syntax)
    assert "BR-CO-15" in result.rule_ids()
    with pytest.raises(EInvoiceValidationError, match="BR-CO-15"):
        assert_valid(xml, syntax)


@pytest.mark.parametrize(
    ("syntax", "xpath"),
    [
        ("ubl", "//cac:AccountingCustomerParty//cac:PartyLegalEntity/cbc:RegistrationName"),
        ("cii", "//ram:BuyerTradeParty/ram:Name"),
    ],
)
def test_missing_buyer_name_breaks_br_07(syntax: str, xpath: str) -> None:
    xml = _edited(RENDERERS[syntax](samples.ro_regularisation()), _remove(xpath))
    result = validate(xml, syntax)
    assert "BR-07" in result.rule_ids()


def test_wrong_line_net_breaks_line_sum_rule() -> None:
    xml = _edited(to_cii(samples.ro_regularisation()), _set_text("(//ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount)[1]", "1.00"))
    assert "BR-CO-10" in validate(xml, "cii").rule_ids()  # sum of line nets = BT-106


def test_vat_id_on_out_of_scope_invoice_breaks_br_o_02() -> None:
    view = samples.ro_penalty()
    with_vat_id = _edited(
        to_cii(view),
        lambda root: root.xpath("//ram:SellerTradeParty/ram:SpecifiedTaxRegistration/ram:ID", namespaces=NS)[0].set("schemeID", "VA"),
    )
    assert "BR-O-02" in validate(with_vat_id, "cii").rule_ids()


def test_rate_on_out_of_scope_line_breaks_br_o_05() -> None:
    def add_percent(root: etree._Element) -> None:
        category = root.xpath("(//cac:ClassifiedTaxCategory)[1]", namespaces=NS)[0]
        percent = etree.Element(f"{{{NS['cbc']}}}Percent")
        percent.text = "0"
        category.insert(1, percent)

    assert "BR-O-05" in validate(_edited(to_ubl(samples.ro_penalty()), add_percent), "ubl").rule_ids()


def test_schema_violations_and_malformed_xml_are_errors() -> None:
    xml = _edited(to_ubl(samples.bg_advance()), _remove("/inv:Invoice/cbc:ID"))
    result = validate(xml, "ubl")
    assert "XSD" in result.rule_ids() and "BR-02" in result.rule_ids()
    assert validate(b"<Invoice", "ubl").rule_ids() == {"XML"}
    with pytest.raises(ValueError):
        validate(to_ubl(samples.bg_advance()), "xrechnung")


def test_assertion_message_lists_every_failure() -> None:
    broken = _edited(to_ubl(samples.bg_advance()), _set_text("//cac:LegalMonetaryTotal/cbc:PayableAmount", "1.00"))
    broken = _edited(broken, _set_text("//cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount", "2.00"))
    with pytest.raises(EInvoiceValidationError) as raised:
        assert_valid(broken, "ubl")
    message = str(raised.value)
    assert "BR-CO-15" in message and "BR-CO-16" in message
    assert len(raised.value.result.errors) >= 2


# --- refusals ---------------------------------------------------------------------------------------


def test_unknown_unit_and_unrounded_amount_are_refused() -> None:
    view = samples.bg_advance()
    with pytest.raises(ValueError, match="unit"):
        to_ubl(replace(view, lines=(replace(view.lines[0], unit="litre"),)))
    with pytest.raises(ValueError, match="decimals"):
        to_cii(replace(view, line_total=Decimal("44.801")))
