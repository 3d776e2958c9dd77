"""What an invoice document shows: one issued document with its parties, lines and totals, as plain data.

Every renderer reads this and nothing else: the PDF (`pdf.py`), the UBL and CII e-invoices
(`einvoice.py`), the per-invoice zip (`exports.py`) and the e-mail (`delivery.py`). Amounts arrive
computed by the billing engine (`billing/`) and are shown as they are: nothing here prices or rounds.
`warehouse_views.py` builds these from the invoice register and the marts.

Signs are the register's: a credit note's lines carry negated quantities and its totals are the
negative of the invoice it reverses; a regularisation that pays back has a negative amount due.
Renderers that need positive credit-note amounts (EN 16931 type 381) flip them themselves.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

# The register's document types (billing.invoice_types.InvoiceKind values).
CREDIT_NOTE = "credit_note"
INVOICE_TYPES = (
    "advance",
    "regularisation",
    "deviation",
    "green_certificate_regularisation",
    "penalty",
    "charging_sessions",  # a CPO subsidiary's monthly invoice to an e-mobility provider (rating/)
    CREDIT_NOTE,
)
LANGUAGES = ("en", "ro", "bg")


@dataclass(frozen=True)
class Party:
    """Seller (BG-4) or buyer (BG-7): name, VAT number, postal address, contact e-mail."""

    name: str
    country_code: str  # ISO 3166-1 alpha-2 (BT-40 / BT-55)
    street: str | None = None
    city: str | None = None
    postal_code: str | None = None
    vat_number: str | None = None  # with its country prefix, e.g. RO12345678 (BT-31 / BT-48)
    registration_id: str | None = None  # trade register number (BT-30)
    email: str | None = None
    phone: str | None = None


@dataclass(frozen=True)
class BankAccount:
    """The seller's account the customer pays to (BG-17)."""

    iban: str  # electronic format, no spaces; validated by warehouse_views (ISO 13616 mod 97)
    bic: str | None = None
    bank_name: str | None = None


@dataclass(frozen=True)
class Line:
    """One invoice line (BG-25) as issued."""

    line_number: int
    description: str
    quantity: Decimal
    unit: str  # the register's unit: kWh, MWh, kvarh, kW, certificate, item, day
    unit_price: Decimal  # ≥ 0, up to 6 decimals
    net_amount: Decimal  # 2 decimals, = round half up (quantity × unit_price)
    vat_category: str  # EN 16931 UNCL5305: S, Z, E, AE, K, G, O, L, M
    vat_rate_pct: Decimal
    charge_type: str  # energy, network_fee, reactive_energy, excise, green_certificates, deviation, penalty_interest
    metering_point_id: str | None = None
    charged_invoice_number: str | None = None  # penalty lines: the document the interest is on


@dataclass(frozen=True)
class VatGroup:
    """One VAT breakdown row (BG-23) and what earlier documents already invoiced of it."""

    vat_category: str
    vat_rate_pct: Decimal
    taxable_amount: Decimal  # BT-116
    vat_amount: Decimal  # BT-117
    exemption_reason: str | None = None  # BT-120, for E, AE, K, G, O
    prepaid_taxable_amount: Decimal = Decimal("0.00")  # regularisations: the advances' share
    prepaid_vat_amount: Decimal = Decimal("0.00")


@dataclass(frozen=True)
class MeteringPoint:
    """A metering point the document is about, with its location and the kWh it billed."""

    metering_point_id: str
    location_name: str | None
    street: str | None
    city: str | None
    energy_kwh: Decimal | None  # active energy billed on this document for the point, if any


@dataclass(frozen=True)
class DailyConsumption:
    """Metered active energy of one metering point on one local day of the billing period."""

    metering_point_id: str
    day: date
    energy_kwh: Decimal


@dataclass(frozen=True)
class InvoiceView:
    """One issued document, everything the customer and their accounting system need to read it."""

    company_id: str
    invoice_number: str
    invoice_type: str  # one of INVOICE_TYPES
    issue_date: date
    due_date: date
    period_start: date  # first day of the billing period (BT-73)
    period_end: date  # last day of the billing period, inclusive (BT-74)
    billing_period: str  # the register's label: YYYY-MM, or the period of a yearly document
    currency: str  # ISO 4217 (BT-5)
    language: str  # one of LANGUAGES
    seller: Party
    buyer: Party
    bank_account: BankAccount | None
    contract_id: str
    customer_id: str
    lines: tuple[Line, ...]
    vat_groups: tuple[VatGroup, ...]
    line_total: Decimal  # BT-106
    vat_total: Decimal  # BT-110
    total_with_vat: Decimal  # BT-112
    prepaid_amount: Decimal  # BT-113
    amount_due: Decimal  # BT-115
    payment_reference: str  # BT-83, the invoice number
    customer_email: str | None = None
    note: str = ""  # BT-22
    corrects_invoice_number: str | None = None  # credit notes: the invoice reversed (BT-25)
    prepaid_invoice_refs: tuple[str, ...] = ()  # regularisations: the advances deducted
    consumption_type: str | None = None  # estimated, ordered, achieved, recalculated
    energy_kwh: Decimal | None = None
    metering_points: tuple[MeteringPoint, ...] = ()
    daily_consumption: tuple[DailyConsumption, ...] = field(default=())

    @property
    def is_credit_note(self) -> bool:
        return self.invoice_type == CREDIT_NOTE

    @property
    def file_stem(self) -> str:
        """Base name of the document's files: `<company>_<invoice number>`."""
        return f"{self.company_id}_{self.invoice_number}"
