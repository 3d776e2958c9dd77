"""Render an `InvoiceView` as an EN 16931 e-invoice: UBL 2.1 (`to_ubl`) or UN/CEFACT CII (`to_cii`).

Both syntaxes carry the same semantic model (the BT-/BG- numbers in the comments are EN 16931's).
The CII document follows the Factur-X / ZUGFeRD EN 16931 profile
(GuidelineSpecifiedDocumentContextParameter `urn:cen.eu:en16931:2017`); the UBL document declares
the same CustomizationID. Nothing is priced or rounded here: amounts are written as the view holds
them, except that a credit note (type 381) shows the register's negated figures positive.

Mapping decisions:
- Type code 381 for credit notes, 380 for every other document type, including a regularisation
  with a negative amount due (BT-115 < 0 is accepted by the EN 16931 rules).
- Documents with "Not subject to VAT" (O) lines must not carry VAT identifiers (BR-O-02): the seller
  then shows its VAT number as tax registration identifier (BT-32, scheme "FC") and its trade
  register number (BT-30) so BR-CO-26 still identifies it; the buyer's VAT number is omitted.
  O lines and O breakdowns carry no VAT rate (BR-O-05); every other category carries its rate.
- BG-3 (preceding invoice reference) lists the invoice a credit note reverses, or the advances a
  regularisation deducts.
- Payment means: 58 (SEPA credit transfer) for EUR, 30 (credit transfer) otherwise; omitted when the
  view has no bank account (BR-50 needs an account for a credit transfer).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from lxml import etree

from invoice_rendering.invoice_view import InvoiceView, Line, Party, VatGroup

EN16931 = "urn:cen.eu:en16931:2017"
SYNTAXES = ("ubl", "cii")

UNIT_CODES = {  # the register's unit -> UN/ECE Recommendation 20 (BT-130)
    "kWh": "KWH",
    "MWh": "MWH",
    "kvarh": "K3",
    "kW": "KWT",
    "certificate": "C62",
    "item": "C62",
    "day": "DAY",
    "month": "MON",
}
EXEMPTION_CATEGORIES = frozenset({"E", "AE", "K", "G", "O"})  # BT-120 shown for these
RATELESS_CATEGORIES = frozenset({"O"})  # BR-O-05: no VAT rate for "Not subject to VAT"
CENT = Decimal("0.01")

UBL_NS = {
    "Invoice": "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
    "CreditNote": "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2",
}
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
QDT = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"


# --- shared: figures, codes and formatting ---------------------------------------------------


def type_code(view: InvoiceView) -> str:
    """BT-3: 381 for a credit note, 380 (commercial invoice) for everything else."""
    return "381" if view.is_credit_note else "380"


def unit_code(unit: str) -> str:
    """BT-130 for one of the register's units; unknown units fail loudly rather than guess."""
    try:
        return UNIT_CODES[unit]
    except KeyError:
        raise ValueError(f"no UN/ECE Rec 20 code for unit {unit!r}") from None


def payment_means_code(view: InvoiceView) -> str:
    """BT-81: 58 SEPA credit transfer for EUR, 30 credit transfer otherwise."""
    return "58" if view.currency == "EUR" else "30"


def is_outside_vat_scope(view: InvoiceView) -> bool:
    """True when any line or breakdown is category O, so no VAT identifier may appear (BR-O-02)."""
    categories = {line.vat_category for line in view.lines} | {group.vat_category for group in view.vat_groups}
    return "O" in categories


def preceding_invoice_refs(view: InvoiceView) -> tuple[str, ...]:
    """BG-3 / BT-25: the reversed invoice of a credit note, the deducted advances of a regularisation."""
    refs = (view.corrects_invoice_number,) if view.corrects_invoice_number else ()
    return refs + tuple(view.prepaid_invoice_refs)


def _negate(value: Decimal) -> Decimal:
    return -value if value else abs(value)  # never "-0.00"


def _flip_line(line: Line) -> Line:
    return replace(line, quantity=_negate(line.quantity), net_amount=_negate(line.net_amount))


def _flip_group(group: VatGroup) -> VatGroup:
    return replace(
        group,
        taxable_amount=_negate(group.taxable_amount),
        vat_amount=_negate(group.vat_amount),
        prepaid_taxable_amount=_negate(group.prepaid_taxable_amount),
        prepaid_vat_amount=_negate(group.prepaid_vat_amount),
    )


def presented(view: InvoiceView) -> InvoiceView:
    """The figures as the e-invoice shows them: a credit note's register signs flipped to positive."""
    if not view.is_credit_note:
        return view
    return replace(
        view,
        lines=tuple(_flip_line(line) for line in view.lines),
        vat_groups=tuple(_flip_group(group) for group in view.vat_groups),
        line_total=_negate(view.line_total),
        vat_total=_negate(view.vat_total),
        total_with_vat=_negate(view.total_with_vat),
        prepaid_amount=_negate(view.prepaid_amount),
        amount_due=_negate(view.amount_due),
    )


def _amount(value: Decimal) -> str:
    """An amount with exactly 2 decimals; refuses to round a figure the billing engine did not."""
    cents = value.quantize(CENT)
    if cents != value:
        raise ValueError(f"amount {value} has more than 2 decimals")
    return format(cents, "f")


def _decimal(value: Decimal) -> str:
    """A quantity, price or rate as given, in plain notation (no exponent)."""
    return format(value, "f")


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attrib: str) -> etree._Element:
    element = etree.SubElement(parent, tag, attrib)
    if text is not None:
        element.text = text
    return element


def _serialise(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def einvoice_filename(view: InvoiceView, syntax: str) -> str:
    """`<company>_<invoice number>.ubl.xml` or `.cii.xml`."""
    if syntax not in SYNTAXES:
        raise ValueError(f"syntax must be one of {SYNTAXES}, not {syntax!r}")
    return f"{view.file_stem}.{syntax}.xml"


# --- UBL 2.1 ---------------------------------------------------------------------------------


def _cbc(parent: etree._Element, name: str, text: str | None = None, **attrib: str) -> etree._Element:
    return _sub(parent, f"{{{CBC}}}{name}", text, **attrib)


def _cac(parent: etree._Element, name: str) -> etree._Element:
    return _sub(parent, f"{{{CAC}}}{name}")


def _ubl_address(parent: etree._Element, party: Party) -> None:
    address = _cac(parent, "PostalAddress")
    if party.street:
        _cbc(address, "StreetName", party.street)
    if party.city:
        _cbc(address, "CityName", party.city)
    if party.postal_code:
        _cbc(address, "PostalZone", party.postal_code)
    _cbc(_cac(address, "Country"), "IdentificationCode", party.country_code)


def _ubl_tax_scheme(parent: etree._Element, company_id: str, scheme: str) -> None:
    tax_scheme = _cac(parent, "PartyTaxScheme")
    _cbc(tax_scheme, "CompanyID", company_id)
    _cbc(_cac(tax_scheme, "TaxScheme"), "ID", scheme)


def _ubl_party(parent: etree._Element, role: str, party: Party, *, seller: bool, no_vat_ids: bool) -> None:
    node = _cac(_cac(parent, role), "Party")
    _ubl_address(node, party)
    if party.vat_number and not no_vat_ids:
        _ubl_tax_scheme(node, party.vat_number, "VAT")  # BT-31 / BT-48
    elif party.vat_number and seller:
        _ubl_tax_scheme(node, party.vat_number, "FC")  # BT-32
    legal = _cac(node, "PartyLegalEntity")
    _cbc(legal, "RegistrationName", party.name)  # BT-27 / BT-44
    if party.registration_id:
        _cbc(legal, "CompanyID", party.registration_id)  # BT-30 / BT-47
    if party.phone or party.email:
        contact = _cac(node, "Contact")
        if party.phone:
            _cbc(contact, "Telephone", party.phone)
        if party.email:
            _cbc(contact, "ElectronicMail", party.email)


def _ubl_payment_means(root: etree._Element, view: InvoiceView) -> None:
    if view.bank_account is None:
        return
    means = _cac(root, "PaymentMeans")
    _cbc(means, "PaymentMeansCode", payment_means_code(view))
    if view.is_credit_note:
        _cbc(means, "PaymentDueDate", view.due_date.isoformat())  # BT-9 in a UBL CreditNote
    _cbc(means, "PaymentID", view.payment_reference)  # BT-83
    account = _cac(means, "PayeeFinancialAccount")
    _cbc(account, "ID", view.bank_account.iban)  # BT-84
    if view.bank_account.bic:
        _cbc(_cac(account, "FinancialInstitutionBranch"), "ID", view.bank_account.bic)  # BT-86


def _ubl_tax_category(parent: etree._Element, name: str, category: str, rate: Decimal, reason: str | None) -> None:
    tax_category = _cac(parent, name)
    _cbc(tax_category, "ID", category)
    if category not in RATELESS_CATEGORIES:
        _cbc(tax_category, "Percent", _decimal(rate))
    if reason and category in EXEMPTION_CATEGORIES:
        _cbc(tax_category, "TaxExemptionReason", reason)
    _cbc(_cac(tax_category, "TaxScheme"), "ID", "VAT")


def _ubl_tax_total(root: etree._Element, view: InvoiceView) -> None:
    currency = view.currency
    total = _cac(root, "TaxTotal")
    _cbc(total, "TaxAmount", _amount(view.vat_total), currencyID=currency)  # BT-110
    for group in view.vat_groups:
        subtotal = _cac(total, "TaxSubtotal")
        _cbc(subtotal, "TaxableAmount", _amount(group.taxable_amount), currencyID=currency)  # BT-116
        _cbc(subtotal, "TaxAmount", _amount(group.vat_amount), currencyID=currency)  # BT-117
        _ubl_tax_category(subtotal, "TaxCategory", group.vat_category, group.vat_rate_pct, group.exemption_reason)


def _ubl_monetary_total(root: etree._Element, view: InvoiceView) -> None:
    currency = view.currency
    total = _cac(root, "LegalMonetaryTotal")
    _cbc(total, "LineExtensionAmount", _amount(view.line_total), currencyID=currency)  # BT-106
    _cbc(total, "TaxExclusiveAmount", _amount(view.line_total), currencyID=currency)  # BT-109
    _cbc(total, "TaxInclusiveAmount", _amount(view.total_with_vat), currencyID=currency)  # BT-112
    if view.prepaid_amount:
        _cbc(total, "PrepaidAmount", _amount(view.prepaid_amount), currencyID=currency)  # BT-113
    _cbc(total, "PayableAmount", _amount(view.amount_due), currencyID=currency)  # BT-115


def _ubl_line(root: etree._Element, view: InvoiceView, line: Line, kind: str) -> None:
    node = _cac(root, f"{kind}Line")
    _cbc(node, "ID", str(line.line_number))  # BT-126
    quantity_tag = "CreditedQuantity" if kind == "CreditNote" else "InvoicedQuantity"
    _cbc(node, quantity_tag, _decimal(line.quantity), unitCode=unit_code(line.unit))  # BT-129 / BT-130
    _cbc(node, "LineExtensionAmount", _amount(line.net_amount), currencyID=view.currency)  # BT-131
    item = _cac(node, "Item")
    _cbc(item, "Name", line.description)  # BT-153
    _ubl_tax_category(item, "ClassifiedTaxCategory", line.vat_category, line.vat_rate_pct, None)
    _cbc(_cac(node, "Price"), "PriceAmount", _decimal(line.unit_price), currencyID=view.currency)  # BT-146


def _ubl_header(root: etree._Element, view: InvoiceView, kind: str) -> None:
    _cbc(root, "CustomizationID", EN16931)
    _cbc(root, "ID", view.invoice_number)  # BT-1
    _cbc(root, "IssueDate", view.issue_date.isoformat())  # BT-2
    if kind == "Invoice":
        _cbc(root, "DueDate", view.due_date.isoformat())  # BT-9
    _cbc(root, f"{kind}TypeCode", type_code(view))  # BT-3
    if view.note:
        _cbc(root, "Note", view.note)  # BT-22
    _cbc(root, "DocumentCurrencyCode", view.currency)  # BT-5
    _cbc(root, "BuyerReference", view.customer_id)  # BT-10
    period = _cac(root, "InvoicePeriod")
    _cbc(period, "StartDate", view.period_start.isoformat())  # BT-73
    _cbc(period, "EndDate", view.period_end.isoformat())  # BT-74
    for ref in preceding_invoice_refs(view):
        _cbc(_cac(_cac(root, "BillingReference"), "InvoiceDocumentReference"), "ID", ref)  # BT-25
    _cbc(_cac(root, "ContractDocumentReference"), "ID", view.contract_id)  # BT-12


def to_ubl(view: InvoiceView) -> bytes:
    """The document as UBL 2.1: `Invoice` (380) or, for a credit note, `CreditNote` (381)."""
    view = presented(view)
    kind = "CreditNote" if view.is_credit_note else "Invoice"
    root = etree.Element(f"{{{UBL_NS[kind]}}}{kind}", nsmap={None: UBL_NS[kind], "cac": CAC, "cbc": CBC})
    no_vat_ids = is_outside_vat_scope(view)
    _ubl_header(root, view, kind)
    _ubl_party(root, "AccountingSupplierParty", view.seller, seller=True, no_vat_ids=no_vat_ids)
    _ubl_party(root, "AccountingCustomerParty", view.buyer, seller=False, no_vat_ids=no_vat_ids)
    _cbc(_cac(root, "Delivery"), "ActualDeliveryDate", view.period_end.isoformat())  # BT-72, as in the CII document
    _ubl_payment_means(root, view)
    _ubl_tax_total(root, view)
    _ubl_monetary_total(root, view)
    for line in view.lines:
        _ubl_line(root, view, line, kind)
    return _serialise(root)


# --- UN/CEFACT CII (Factur-X EN 16931 profile) -------------------------------------------------


def _ram(parent: etree._Element, name: str, text: str | None = None, **attrib: str) -> etree._Element:
    return _sub(parent, f"{{{RAM}}}{name}", text, **attrib)


def _cii_date(parent: etree._Element, name: str, day: date) -> None:
    holder = _ram(parent, name)
    _sub(holder, f"{{{UDT}}}DateTimeString", day.strftime("%Y%m%d"), format="102")


def _cii_party(parent: etree._Element, role: str, party: Party, *, seller: bool, no_vat_ids: bool) -> None:
    node = _ram(parent, role)
    _ram(node, "Name", party.name)  # BT-27 / BT-44
    if party.registration_id:
        _ram(_ram(node, "SpecifiedLegalOrganization"), "ID", party.registration_id)  # BT-30 / BT-47
    if party.phone or party.email:
        contact = _ram(node, "DefinedTradeContact")
        if party.phone:
            _ram(_ram(contact, "TelephoneUniversalCommunication"), "CompleteNumber", party.phone)
        if party.email:
            _ram(_ram(contact, "EmailURIUniversalCommunication"), "URIID", party.email)
    address = _ram(node, "PostalTradeAddress")
    if party.postal_code:
        _ram(address, "PostcodeCode", party.postal_code)
    if party.street:
        _ram(address, "LineOne", party.street)
    if party.city:
        _ram(address, "CityName", party.city)
    _ram(address, "CountryID", party.country_code)
    if party.vat_number and not no_vat_ids:
        _ram(_ram(node, "SpecifiedTaxRegistration"), "ID", party.vat_number, schemeID="VA")  # BT-31 / BT-48
    elif party.vat_number and seller:
        _ram(_ram(node, "SpecifiedTaxRegistration"), "ID", party.vat_number, schemeID="FC")  # BT-32


def _cii_trade_tax(
    parent: etree._Element, category: str, rate: Decimal, *, amounts: tuple[str, str] | None = None, reason: str | None = None
) -> None:
    """ApplicableTradeTax: a line's VAT (no amounts) or a breakdown row (BT-117 and BT-116 given)."""
    tax = _ram(parent, "ApplicableTradeTax")
    if amounts:
        _ram(tax, "CalculatedAmount", amounts[1])
    _ram(tax, "TypeCode", "VAT")
    if reason and category in EXEMPTION_CATEGORIES:
        _ram(tax, "ExemptionReason", reason)
    if amounts:
        _ram(tax, "BasisAmount", amounts[0])
    _ram(tax, "CategoryCode", category)
    if category not in RATELESS_CATEGORIES:
        _ram(tax, "RateApplicablePercent", _decimal(rate))


def _cii_line(transaction: etree._Element, line: Line) -> None:
    item = _ram(transaction, "IncludedSupplyChainTradeLineItem")
    _ram(_ram(item, "AssociatedDocumentLineDocument"), "LineID", str(line.line_number))  # BT-126
    _ram(_ram(item, "SpecifiedTradeProduct"), "Name", line.description)  # BT-153
    price = _ram(_ram(item, "SpecifiedLineTradeAgreement"), "NetPriceProductTradePrice")
    _ram(price, "ChargeAmount", _decimal(line.unit_price))  # BT-146
    delivery = _ram(item, "SpecifiedLineTradeDelivery")
    _ram(delivery, "BilledQuantity", _decimal(line.quantity), unitCode=unit_code(line.unit))  # BT-129 / BT-130
    settlement = _ram(item, "SpecifiedLineTradeSettlement")
    _cii_trade_tax(settlement, line.vat_category, line.vat_rate_pct)  # BT-151 / BT-152
    summation = _ram(settlement, "SpecifiedTradeSettlementLineMonetarySummation")
    _ram(summation, "LineTotalAmount", _amount(line.net_amount))  # BT-131


def _cii_agreement(transaction: etree._Element, view: InvoiceView) -> None:
    agreement = _ram(transaction, "ApplicableHeaderTradeAgreement")
    _ram(agreement, "BuyerReference", view.customer_id)  # BT-10
    no_vat_ids = is_outside_vat_scope(view)
    _cii_party(agreement, "SellerTradeParty", view.seller, seller=True, no_vat_ids=no_vat_ids)
    _cii_party(agreement, "BuyerTradeParty", view.buyer, seller=False, no_vat_ids=no_vat_ids)
    _ram(_ram(agreement, "ContractReferencedDocument"), "IssuerAssignedID", view.contract_id)  # BT-12


def _cii_payment_means(settlement: etree._Element, view: InvoiceView) -> None:
    if view.bank_account is None:
        return
    means = _ram(settlement, "SpecifiedTradeSettlementPaymentMeans")
    _ram(means, "TypeCode", payment_means_code(view))  # BT-81
    _ram(_ram(means, "PayeePartyCreditorFinancialAccount"), "IBANID", view.bank_account.iban)  # BT-84
    if view.bank_account.bic:
        _ram(_ram(means, "PayeeSpecifiedCreditorFinancialInstitution"), "BICID", view.bank_account.bic)  # BT-86


def _cii_monetary_summation(settlement: etree._Element, view: InvoiceView) -> None:
    summation = _ram(settlement, "SpecifiedTradeSettlementHeaderMonetarySummation")
    _ram(summation, "LineTotalAmount", _amount(view.line_total))  # BT-106
    _ram(summation, "TaxBasisTotalAmount", _amount(view.line_total))  # BT-109
    _ram(summation, "TaxTotalAmount", _amount(view.vat_total), currencyID=view.currency)  # BT-110
    _ram(summation, "GrandTotalAmount", _amount(view.total_with_vat))  # BT-112
    if view.prepaid_amount:
        _ram(summation, "TotalPrepaidAmount", _amount(view.prepaid_amount))  # BT-113
    _ram(summation, "DuePayableAmount", _amount(view.amount_due))  # BT-115


def _cii_settlement(transaction: etree._Element, view: InvoiceView) -> None:
    settlement = _ram(transaction, "ApplicableHeaderTradeSettlement")
    _ram(settlement, "PaymentReference", view.payment_reference)  # BT-83
    _ram(settlement, "InvoiceCurrencyCode", view.currency)  # BT-5
    _cii_payment_means(settlement, view)
    for group in view.vat_groups:
        amounts = (_amount(group.taxable_amount), _amount(group.vat_amount))
        _cii_trade_tax(settlement, group.vat_category, group.vat_rate_pct, amounts=amounts, reason=group.exemption_reason)
    period = _ram(settlement, "BillingSpecifiedPeriod")
    _cii_date(period, "StartDateTime", view.period_start)  # BT-73
    _cii_date(period, "EndDateTime", view.period_end)  # BT-74
    _cii_date(_ram(settlement, "SpecifiedTradePaymentTerms"), "DueDateDateTime", view.due_date)  # BT-9
    _cii_monetary_summation(settlement, view)
    for ref in preceding_invoice_refs(view):
        _ram(_ram(settlement, "InvoiceReferencedDocument"), "IssuerAssignedID", ref)  # BT-25


def to_cii(view: InvoiceView) -> bytes:
    """The document as a UN/CEFACT Cross Industry Invoice, Factur-X EN 16931 profile."""
    view = presented(view)
    root = etree.Element(f"{{{RSM}}}CrossIndustryInvoice", nsmap={"rsm": RSM, "ram": RAM, "udt": UDT, "qdt": QDT})
    context = _sub(root, f"{{{RSM}}}ExchangedDocumentContext")
    _ram(_ram(context, "GuidelineSpecifiedDocumentContextParameter"), "ID", EN16931)
    document = _sub(root, f"{{{RSM}}}ExchangedDocument")
    _ram(document, "ID", view.invoice_number)  # BT-1
    _ram(document, "TypeCode", type_code(view))  # BT-3
    _cii_date(document, "IssueDateTime", view.issue_date)  # BT-2
    if view.note:
        _ram(_ram(document, "IncludedNote"), "Content", view.note)  # BT-22
    transaction = _sub(root, f"{{{RSM}}}SupplyChainTradeTransaction")
    for line in view.lines:
        _cii_line(transaction, line)
    _cii_agreement(transaction, view)
    delivery = _ram(transaction, "ApplicableHeaderTradeDelivery")
    # BT-72 actual delivery date: a continuous supply is delivered through the period; its last day
    _cii_date(_ram(delivery, "ActualDeliverySupplyChainEvent"), "OccurrenceDateTime", view.period_end)
    _cii_settlement(transaction, view)
    return _serialise(root)
