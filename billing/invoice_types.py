"""The invoice types of a supply contract-month, as draft documents ready for the invoice register.

Pricing is not done here: every function that needs the price of a quantity takes a `Pricer`, a
callable `(MonthConsumption) -> list[InvoiceLine]` (energy, network fees, excise ... at their VAT
category and rate). Totals always come from `billing.invoice_math.compute_totals` (EN 16931:
line nets rounded to 2 decimals half up, VAT rounded once per VAT group), so every draft is a valid
EN 16931 document. Pure Python: no Dagster, no database, no I/O.

Documents and their rules
-------------------------
* **Advance** (`advance_invoice`): the month's consumption priced from the customer's estimate
  when one is given (consumption type "estimated"), otherwise from the contract's ordered monthly
  quantity ("ordered"). Key `advance/<month>/<contract>`.

* **Regularisation** (`regularisation_invoice`): once actual consumption is known ("achieved" or
  "recalculated"), the final document of the period. It shows the FULL price of the actual
  consumption (its lines are exactly `pricer(actual)`, so its VAT breakdown is the VAT of the
  actual consumption) and deducts the advances already billed as prepaid amounts: per VAT group,
  the taxable amount and the VAT each advance invoiced (`prepaid_groups`), and in total their sum
  (BT-113 prepaid amount). Amount due (BT-115) = total(actual) − Σ total(advances): positive is
  still to pay, negative is a credit to the customer. Key `regularisation/<month>/<contract>`; the
  month is the last month of the period the actual consumption covers, the advances may be from
  that month or earlier ones (e.g. 12 monthly advances and a yearly reading).

  Why prepaid amounts and not deduction lines. The first design deducted each advance with
  negative lines (its lines negated, or one line per VAT group with quantity −1 and unit price =
  the advance's taxable amount). Taxable amounts then add up exactly, but the regularisation's VAT
  is rounded once on the DIFFERENCE, round(ΔT × rate), while the advances' VAT was rounded on each
  advance: the two need not add up. Example at 21 %: actual taxable 1.00 → VAT 0.21; one advance
  of 0.50 → VAT round(0.105) = 0.11; a deduction-line regularisation has taxable 0.50 → VAT 0.11,
  and 0.11 + 0.11 = 0.22 ≠ 0.21. No choice of deduction lines can repair this: a document's VAT is
  fixed by its taxable amount (EN 16931 BR-CO-17, enforced by `VatBreakdown`), so a regularisation
  whose taxable is ΔT cannot also carry VAT(actual) − Σ VAT(advances), and none with another taxable
  could keep the taxable amounts adding up. So the deductions are not re-priced at all: the
  regularisation copies the figures the advances already carry (each rounded once, on its own
  document) and subtracts them. Subtracting cent amounts is exact, so by construction, for every
  VAT group g and with no rounding anywhere:

      Σ total_with_vat(advances) + amount_due(regularisation) == total_with_vat(actual)
      Σ net_g(advances)          + net_g(regularisation)      == breakdown_g(actual)   (taxable and VAT)

  where `DraftInvoice.net_groups` is what a document adds to the customer's account per VAT
  group: its breakdown minus what it deducts as prepaid (for an advance, its breakdown). So the
  regularisation's net VAT per category is exactly VAT(actual) − Σ VAT(advances). This is the
  "final invoice after advance invoices" form (full supply and VAT, advances and their VAT
  deducted, e.g. §14(5) UStG; in EN 16931 the gross advances go to BT-113 and the advance invoices
  are referenced in `prepaid_invoice_refs`, BG-3). A VAT ledger must book a regularisation's
  `net_groups`, not its breakdown, or it would count the advances' VAT twice.

  A regularisation is issued even when its amount due is zero: it is the document stating the
  actual consumption and closing the period, a zero amount due can still move VAT between groups
  (e.g. a rate change between advances and reading), and "no document" would be ambiguous with
  "not yet regularised". So `regularisation_invoice` always returns a draft.

* **Deviation** (`deviation_invoice`): when actual consumption leaves the contract's tolerance
  band [ordered × (1 − t/100), ordered × (1 + t/100)], the kWh outside the band are charged at the
  deviation price: below the band, the shortfall under the lower bound; above it, the excess over
  the upper bound. Bounds are rounded to 3 decimals (kWh to the Wh) half up and are inclusive:
  actual exactly on a rounded bound is inside, and no document is made (None). Key
  `deviation/<month>/<contract>`.

* **Green certificate regularisation** (`green_certificate_regularisation`): the cost at the
  final quota published by the regulator (actual MWh × final quota GC/MWh × certificate price; one
  line whose quantity is the exact number of certificates, rounded once as a line net) minus what
  was billed during the period at the provisional quota (one deduction line per VAT group of the
  billed lines, quantity −1 and unit price = the group's billed net, so the deduction is exact and
  stays in the VAT group it was billed in). The result can be a credit (negative). None when
  nothing changes in any VAT group. Key `green-certificates/<period>/<contract>`.

* **Penalty** (`penalty_invoice`): late-payment interest on issued documents, one line per document
  charged (quantity 1 × the interest amount `billing.late_payment.penalties_to_invoice` gave),
  outside the scope of VAT (category O: interest for late payment is compensation, not the
  consideration of a supply). Key `penalty/<month>/<contract>`.

* **Credit note** (`credit_note`): reverses an issued invoice completely: its lines negated
  (`credit_note_lines`) and, for a regularisation, its prepaid deductions negated too, so every
  total (and every net group) is exactly the negative of the original's; `corrects_invoice_number`
  names the original. Key `credit/<original number>`. A credit note is never itself credited.

* **Recalculation values** (`recalculation_values`): when a recalculated (corrected) consumption
  arrives for a month already billed, the month is priced again and compared with what the
  customer was billed (Σ amount due of the month's advances, regularisations and credit notes).
  The (billed, recalculated, difference) triple is kept per customer and month; when anything
  differs (in total or in any VAT group), the correction is a regularisation of the same form as
  above (full price of the recalculated consumption, everything billed deducted), with the key
  `recalculation/<month>/<contract>/<revision>`; a negative amount due is a credit to the customer.

Invoice types here are `InvoiceKind` values. The register (`billing.register`) stores documents by
`invoice_key`; an issued document's number is attached with `DraftInvoice.issued(number)`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType
from typing import Any, Literal, get_args

from billing.invoice_math import (
    InvoiceLine,
    InvoiceTotals,
    VatCategory,
    compute_totals,
    credit_note_lines,
)
from billing.money import (
    QUANTITY_PLACES,
    decimal_places,
    exact_product,
    exact_sum,
    minor_units,
    percent_of,
    round_amount,
    round_quantity,
    to_decimal,
)

ConsumptionType = Literal["estimated", "ordered", "achieved", "recalculated"]
CONSUMPTION_TYPES: tuple[str, ...] = get_args(ConsumptionType)
ACTUAL_CONSUMPTION_TYPES = frozenset({"achieved", "recalculated"})

_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
_CATEGORY_ORDER = {category: index for index, category in enumerate(VatCategory)}
_ZERO = Decimal("0.00")


class InvoiceKind(StrEnum):
    """The kind of a draft document (its invoice_type)."""

    ADVANCE = "advance"
    REGULARISATION = "regularisation"
    DEVIATION = "deviation"
    GREEN_CERTIFICATE_REGULARISATION = "green_certificate_regularisation"
    PENALTY = "penalty"
    CREDIT_NOTE = "credit_note"


# Documents that make up the price of a month's consumption (what recalculation compares against).
CONSUMPTION_DOCUMENT_KINDS = frozenset({InvoiceKind.ADVANCE, InvoiceKind.REGULARISATION, InvoiceKind.CREDIT_NOTE})


# --- validation helpers --------------------------------------------------------------------


def _text(value: object, name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{name} must be a non-empty string, not {value!r}")
    return value


def _month(value: object, name: str = "month") -> str:
    if not isinstance(value, str) or not _MONTH.fullmatch(value):
        raise ValueError(f"{name} must be a month as YYYY-MM, not {value!r}")
    return value


def _kwh(value: int | str | Decimal, name: str) -> Decimal:
    """A non-negative energy quantity with at most 3 decimals (kWh to the Wh, MWh to the kWh)."""
    number = to_decimal(value, name)
    if number < 0:
        raise ValueError(f"{name} must not be negative, not {number}")
    if decimal_places(number) > QUANTITY_PLACES:
        raise ValueError(f"{name} may have at most {QUANTITY_PLACES} decimals, not {number}")
    return number


def _minus(a: Decimal, b: Decimal) -> Decimal:
    """a − b exactly (independent of the caller's decimal context)."""
    return exact_sum([a, b.copy_negate()], start=Decimal(0))


# --- value types ---------------------------------------------------------------------------


@dataclass(frozen=True)
class VatRate:
    """The VAT treatment of a line: EN 16931 category and rate in percent (21 for 21 %)."""

    category: VatCategory
    rate_pct: Decimal

    def __post_init__(self) -> None:
        # InvoiceLine validates the (category, rate) pair: S needs 0 < rate < 100, others 0.
        probe = InvoiceLine("vat check", Decimal(0), "item", Decimal(0), self.category, self.rate_pct)
        object.__setattr__(self, "category", probe.vat_category)
        object.__setattr__(self, "rate_pct", probe.vat_rate_pct)


@dataclass(frozen=True)
class SupplyContract:
    """The parts of a supply contract the invoice types need."""

    contract_id: str
    customer_id: str
    currency: str
    ordered_monthly_kwh: Decimal  # the contract's ordered (contracted) quantity per month

    def __post_init__(self) -> None:
        _text(self.contract_id, "contract_id")
        _text(self.customer_id, "customer_id")
        minor_units(self.currency)  # ValueError naming the supported currencies
        object.__setattr__(self, "ordered_monthly_kwh", _kwh(self.ordered_monthly_kwh, "ordered_monthly_kwh"))


@dataclass(frozen=True)
class MonthConsumption:
    """One contract's active-energy consumption for a month, of one consumption type.

    kwh ≥ 0 with at most 3 decimals; kwh_by_zone (e.g. {"day": ..., "night": ...}) is optional and,
    when given, must add up to kwh exactly.
    """

    contract_id: str
    customer_id: str
    month: str
    kwh: Decimal
    kwh_by_zone: Mapping[str, Decimal] | None
    consumption_type: ConsumptionType

    def __post_init__(self) -> None:
        _text(self.contract_id, "contract_id")
        _text(self.customer_id, "customer_id")
        _month(self.month)
        kwh = _kwh(self.kwh, "kwh")
        if self.consumption_type not in CONSUMPTION_TYPES:
            raise ValueError(f"consumption_type must be one of {', '.join(CONSUMPTION_TYPES)}, not {self.consumption_type!r}")
        zones = None
        if self.kwh_by_zone is not None:
            zones = {_text(zone, "kwh_by_zone key"): _kwh(value, f"kwh_by_zone[{zone!r}]") for zone, value in self.kwh_by_zone.items()}
            if exact_sum(zones.values(), start=Decimal(0)) != kwh:
                raise ValueError(f"kwh_by_zone adds up to {exact_sum(zones.values(), start=Decimal(0))}, not kwh {kwh}")
            zones = MappingProxyType(zones)
        object.__setattr__(self, "kwh", kwh)
        object.__setattr__(self, "kwh_by_zone", zones)


Pricer = Callable[[MonthConsumption], Sequence[InvoiceLine]]
"""Prices a consumption: returns its invoice lines (at least one), each with its VAT treatment."""


@dataclass(frozen=True)
class VatGroupAmounts:
    """Taxable amount and VAT of one VAT group (category, rate), in cents; either may be negative.

    Unlike `VatBreakdown` it does not require VAT == round(taxable × rate): it holds sums and
    differences of amounts that were each rounded on their own document.
    """

    vat_category: VatCategory
    vat_rate_pct: Decimal
    taxable_amount: Decimal
    vat_amount: Decimal

    def __post_init__(self) -> None:
        object.__setattr__(self, "vat_category", VatCategory(self.vat_category))
        object.__setattr__(self, "vat_rate_pct", to_decimal(self.vat_rate_pct, "vat_rate_pct"))
        for name in ("taxable_amount", "vat_amount"):
            amount = to_decimal(getattr(self, name), name)
            if decimal_places(amount) > 2:
                raise ValueError(f"{name} is an amount and may have at most 2 decimals, not {amount}")
            object.__setattr__(self, name, round_amount(amount))

    @property
    def key(self) -> tuple[VatCategory, Decimal]:
        return (self.vat_category, self.vat_rate_pct)

    @property
    def total(self) -> Decimal:
        """taxable + VAT."""
        return exact_sum([self.taxable_amount, self.vat_amount])

    def negated(self) -> VatGroupAmounts:
        return VatGroupAmounts(
            self.vat_category, self.vat_rate_pct, round_amount(self.taxable_amount.copy_negate()), round_amount(self.vat_amount.copy_negate())
        )


def _combine(groups: Iterable[VatGroupAmounts], sign: int = 1) -> dict[tuple[VatCategory, Decimal], tuple[Decimal, Decimal]]:
    """Per (category, rate): (Σ taxable, Σ VAT), exact; sign −1 subtracts."""
    sums: dict[tuple[VatCategory, Decimal], tuple[Decimal, Decimal]] = {}
    for group in groups:
        taxable, vat = sums.get(group.key, (_ZERO, _ZERO))
        add_taxable = group.taxable_amount if sign > 0 else group.taxable_amount.copy_negate()
        add_vat = group.vat_amount if sign > 0 else group.vat_amount.copy_negate()
        sums[group.key] = (exact_sum([taxable, add_taxable]), exact_sum([vat, add_vat]))
    return sums


def sum_groups(*group_lists: Iterable[VatGroupAmounts], subtract: Iterable[VatGroupAmounts] = ()) -> tuple[VatGroupAmounts, ...]:
    """Σ of the groups per (category, rate) minus `subtract`, exact; groups that come to 0/0 are left out.

    Ordered as EN 16931 breakdowns are: S, Z, E, AE, K, G, O, then by rate.
    """
    sums: dict[tuple[VatCategory, Decimal], tuple[Decimal, Decimal]] = {}
    for groups, sign in [*((groups, 1) for groups in group_lists), (subtract, -1)]:
        for key, (taxable, vat) in _combine(groups, sign).items():
            old_taxable, old_vat = sums.get(key, (_ZERO, _ZERO))
            sums[key] = (exact_sum([old_taxable, taxable]), exact_sum([old_vat, vat]))
    return tuple(
        VatGroupAmounts(category, rate, round_amount(taxable), round_amount(vat))
        for (category, rate), (taxable, vat) in sorted(sums.items(), key=lambda item: (_CATEGORY_ORDER[item[0][0]], item[0][1]))
        if taxable or vat
    )


def breakdown_groups(totals: InvoiceTotals) -> tuple[VatGroupAmounts, ...]:
    """The VAT breakdown of `totals` as VatGroupAmounts (all-zero groups left out)."""
    return sum_groups(
        [VatGroupAmounts(g.vat_category, g.vat_rate_pct, g.taxable_amount, g.vat_amount) for g in totals.breakdown]
    )


@dataclass(frozen=True)
class DraftInvoice:
    """A document computed by the billing run, not yet numbered.

    `totals` must be `compute_totals(lines, prepaid=Σ prepaid_groups)` (checked). `month` is the
    billing period: YYYY-MM for monthly documents, the period label for a green-certificate
    regularisation. `prepaid_groups` (regularisations only) are the amounts of earlier documents
    deducted, per VAT group; `prepaid_invoice_refs` name those documents (number, or key if not
    yet numbered). `note` is the document note (BT-22): basis of an advance, reason of a credit note.
    """

    invoice_key: str
    invoice_type: InvoiceKind
    contract_id: str
    customer_id: str
    month: str
    currency: str
    lines: tuple[InvoiceLine, ...]
    totals: InvoiceTotals
    corrects_invoice_number: str | None = None
    prepaid_groups: tuple[VatGroupAmounts, ...] = ()
    prepaid_invoice_refs: tuple[str, ...] = ()
    note: str = ""

    def __post_init__(self) -> None:
        for name in ("invoice_key", "contract_id", "customer_id", "month"):
            _text(getattr(self, name), name)
        kind = InvoiceKind(self.invoice_type)
        minor_units(self.currency)
        lines = tuple(self.lines)
        prepaid_groups = tuple(self.prepaid_groups)
        if not all(isinstance(group, VatGroupAmounts) for group in prepaid_groups):
            raise TypeError("prepaid_groups must hold VatGroupAmounts")
        if not isinstance(self.totals, InvoiceTotals):
            raise TypeError(f"totals must be InvoiceTotals, not {type(self.totals).__name__}")
        prepaid = exact_sum(group.total for group in prepaid_groups)
        expected = compute_totals(lines, prepaid=prepaid)  # also checks the lines (≥ 1 InvoiceLine)
        got = self.totals
        if (got.line_total, got.vat_total, got.total_with_vat, got.prepaid_amount, got.amount_due) != (
            expected.line_total,
            expected.vat_total,
            expected.total_with_vat,
            expected.prepaid_amount,
            expected.amount_due,
        ):
            raise ValueError("totals are not compute_totals(lines, prepaid=Σ prepaid_groups)")
        if kind is InvoiceKind.CREDIT_NOTE:
            _text(self.corrects_invoice_number, "corrects_invoice_number (a credit note names the invoice it corrects)")
        elif self.corrects_invoice_number is not None:
            _text(self.corrects_invoice_number, "corrects_invoice_number")
        if prepaid_groups and kind not in (InvoiceKind.REGULARISATION, InvoiceKind.CREDIT_NOTE):
            raise ValueError(f"only a regularisation (or its credit note) deducts prepaid amounts, not a {kind.value}")
        refs = tuple(self.prepaid_invoice_refs)
        for ref in refs:
            _text(ref, "prepaid_invoice_refs item")
        if not isinstance(self.note, str):
            raise TypeError("note must be a string")
        object.__setattr__(self, "invoice_type", kind)
        object.__setattr__(self, "lines", lines)
        object.__setattr__(self, "prepaid_groups", prepaid_groups)
        object.__setattr__(self, "prepaid_invoice_refs", refs)

    @classmethod
    def for_contract(
        cls,
        kind: InvoiceKind,
        invoice_key: str,
        contract: SupplyContract,
        month: str,
        lines: Sequence[InvoiceLine],
        *,
        prepaid_groups: tuple[VatGroupAmounts, ...] = (),
        **fields: Any,
    ) -> DraftInvoice:
        """A draft of `contract` with its totals computed from `lines` less the prepaid groups."""
        lines = tuple(lines)
        prepaid = exact_sum(group.total for group in prepaid_groups)
        return cls(
            invoice_key=invoice_key,
            invoice_type=kind,
            contract_id=contract.contract_id,
            customer_id=contract.customer_id,
            month=month,
            currency=contract.currency,
            lines=lines,
            totals=compute_totals(lines, prepaid=prepaid),
            prepaid_groups=prepaid_groups,
            **fields,
        )

    @property
    def net_groups(self) -> tuple[VatGroupAmounts, ...]:
        """What this document adds to the customer's account per VAT group: breakdown − prepaid."""
        return sum_groups(breakdown_groups(self.totals), subtract=self.prepaid_groups)

    @property
    def amount_due(self) -> Decimal:
        """BT-115 (= Σ net_groups totals: no payable rounding is used here)."""
        return self.totals.amount_due

    def issued(self, invoice_number: str) -> IssuedInvoiceSummary:
        """This draft as issued under `invoice_number` (as the register assigned it)."""
        return IssuedInvoiceSummary(invoice_number, self)


@dataclass(frozen=True)
class IssuedInvoiceSummary:
    """An issued document: its register number and the content it was issued with."""

    invoice_number: str
    invoice: DraftInvoice

    def __post_init__(self) -> None:
        _text(self.invoice_number, "invoice_number")
        if not isinstance(self.invoice, DraftInvoice):
            raise TypeError(f"invoice must be a DraftInvoice, not {type(self.invoice).__name__}")


Billed = DraftInvoice | IssuedInvoiceSummary


def _draft(document: Billed) -> DraftInvoice:
    if isinstance(document, IssuedInvoiceSummary):
        return document.invoice
    if isinstance(document, DraftInvoice):
        return document
    raise TypeError(f"expected a DraftInvoice or IssuedInvoiceSummary, not {type(document).__name__}")


def _ref(document: Billed) -> str:
    return document.invoice_number if isinstance(document, IssuedInvoiceSummary) else _draft(document).invoice_key


def _price(pricer: Pricer, consumption: MonthConsumption) -> tuple[InvoiceLine, ...]:
    lines = tuple(pricer(consumption))
    if not lines:
        raise ValueError(f"the pricer returned no lines for {consumption.kwh} kWh ({consumption.consumption_type}, {consumption.month})")
    for index, line in enumerate(lines):
        if not isinstance(line, InvoiceLine):
            raise TypeError(f"the pricer returned {type(line).__name__} at index {index}, not an InvoiceLine")
    return lines


def _previous_documents(
    contract: SupplyContract, month: str, documents: Sequence[Billed], kinds: frozenset[InvoiceKind], what: str
) -> list[DraftInvoice]:
    """The earlier documents of the contract a regularisation deducts, checked."""
    drafts = []
    keys: set[str] = set()
    for index, document in enumerate(documents):
        draft = _draft(document)
        where = f"{what}[{index}] ({draft.invoice_key})"
        if draft.invoice_type not in kinds:
            raise ValueError(f"{where} is a {draft.invoice_type.value}, expected {' or '.join(sorted(kinds))}")
        if draft.contract_id != contract.contract_id or draft.customer_id != contract.customer_id:
            raise ValueError(f"{where} belongs to contract {draft.contract_id} / customer {draft.customer_id}, not {contract.contract_id} / {contract.customer_id}")
        if draft.currency != contract.currency:
            raise ValueError(f"{where} is in {draft.currency}, the contract bills in {contract.currency}")
        if draft.month > month:
            raise ValueError(f"{where} is for {draft.month}, after the month regularised ({month})")
        if draft.invoice_key in keys:
            raise ValueError(f"{where} is given twice: it would be deducted twice")
        keys.add(draft.invoice_key)
        drafts.append(draft)
    return drafts


def _check_consumption(contract: SupplyContract, month: str, consumption: MonthConsumption, allowed: Iterable[str], name: str) -> None:
    if not isinstance(consumption, MonthConsumption):
        raise TypeError(f"{name} must be a MonthConsumption, not {type(consumption).__name__}")
    if (consumption.contract_id, consumption.customer_id, consumption.month) != (contract.contract_id, contract.customer_id, month):
        raise ValueError(
            f"{name} is for contract {consumption.contract_id} / customer {consumption.customer_id} / {consumption.month}, "
            f"not {contract.contract_id} / {contract.customer_id} / {month}"
        )
    allowed = sorted(allowed)
    if consumption.consumption_type not in allowed:
        raise ValueError(f"{name} must be of type {' or '.join(allowed)}, not {consumption.consumption_type}")


def _settlement(
    *,
    invoice_key: str,
    contract: SupplyContract,
    month: str,
    lines: tuple[InvoiceLine, ...],
    previous: Sequence[DraftInvoice],
    refs: Sequence[str],
    corrects_invoice_number: str | None,
    note: str,
) -> DraftInvoice:
    """Full price `lines`, minus the net amounts of `previous` as prepaid (see the module docstring)."""
    return DraftInvoice.for_contract(
        InvoiceKind.REGULARISATION,
        invoice_key,
        contract,
        month,
        lines,
        prepaid_groups=sum_groups(*(draft.net_groups for draft in previous)),
        corrects_invoice_number=corrects_invoice_number,
        prepaid_invoice_refs=tuple(refs),
        note=note,
    )


# --- the invoice types ---------------------------------------------------------------------


def advance_invoice(contract: SupplyContract, month: str, estimate_kwh: int | str | Decimal | None, pricer: Pricer) -> DraftInvoice:
    """The month's advance: priced from the customer's estimate if given, else the contract's ordered quantity."""
    month = _month(month)
    if estimate_kwh is None:
        kwh, consumption_type, basis = contract.ordered_monthly_kwh, "ordered", "the contract's ordered quantity"
    else:
        kwh, consumption_type, basis = _kwh(estimate_kwh, "estimate_kwh"), "estimated", "the customer's estimate"
    consumption = MonthConsumption(contract.contract_id, contract.customer_id, month, kwh, None, consumption_type)
    lines = _price(pricer, consumption)
    return DraftInvoice.for_contract(
        InvoiceKind.ADVANCE, f"advance/{month}/{contract.contract_id}", contract, month, lines,
        note=f"Advance for {month}: {kwh} kWh from {basis}",
    )


def regularisation_invoice(
    contract: SupplyContract, month: str, actual: MonthConsumption, advances: Sequence[Billed], pricer: Pricer
) -> DraftInvoice:
    """Full price of the actual consumption minus the advances already billed (always issued, even at 0).

    See the module docstring for why the advances are deducted as prepaid amounts (exact) rather
    than as deduction lines (off by a cent of VAT).
    """
    month = _month(month)
    _check_consumption(contract, month, actual, ACTUAL_CONSUMPTION_TYPES, "actual")
    previous = _previous_documents(contract, month, advances, frozenset({InvoiceKind.ADVANCE}), "advances")
    return _settlement(
        invoice_key=f"regularisation/{month}/{contract.contract_id}",
        contract=contract,
        month=month,
        lines=_price(pricer, actual),
        previous=previous,
        refs=[_ref(document) for document in advances],
        corrects_invoice_number=None,
        note=f"Regularisation up to {month}: actual {actual.kwh} kWh ({actual.consumption_type}), {len(previous)} advance(s) deducted",
    )


def tolerance_band(ordered_kwh: int | str | Decimal, tolerance_pct: int | str | Decimal) -> tuple[Decimal, Decimal]:
    """[ordered × (1 − t/100), ordered × (1 + t/100)], each bound rounded half up to 3 decimals."""
    ordered = _kwh(ordered_kwh, "ordered_kwh")
    tolerance = to_decimal(tolerance_pct, "tolerance_pct")
    if not 0 <= tolerance <= 100:
        raise ValueError(f"tolerance_pct must be between 0 and 100, not {tolerance}")
    lower = round_quantity(percent_of(ordered, _minus(Decimal(100), tolerance)))
    upper = round_quantity(percent_of(ordered, exact_sum([Decimal(100), tolerance], start=Decimal(0))))
    return lower, upper


def deviation_invoice(
    contract: SupplyContract,
    month: str,
    actual_kwh: int | str | Decimal,
    ordered_kwh: int | str | Decimal,
    tolerance_pct: int | str | Decimal,
    deviation_price_per_kwh: int | str | Decimal,
    vat: VatRate,
) -> DraftInvoice | None:
    """The kWh outside the tolerance band at the deviation price; None inside the band (bounds inclusive)."""
    month = _month(month)
    actual = _kwh(actual_kwh, "actual_kwh")
    lower, upper = tolerance_band(ordered_kwh, tolerance_pct)
    band = f"band {lower}–{upper} kWh (ordered {to_decimal(ordered_kwh)} kWh ± {to_decimal(tolerance_pct)} %)"
    if actual < lower:
        quantity = _minus(lower, actual)
        description = f"Deviation: {quantity} kWh below the tolerance {band}, actual {actual} kWh"
    elif actual > upper:
        quantity = _minus(actual, upper)
        description = f"Deviation: {quantity} kWh above the tolerance {band}, actual {actual} kWh"
    else:
        return None
    lines = (InvoiceLine(description, quantity, "kWh", to_decimal(deviation_price_per_kwh, "deviation_price_per_kwh"), vat.category, vat.rate_pct),)
    return DraftInvoice.for_contract(InvoiceKind.DEVIATION, f"deviation/{month}/{contract.contract_id}", contract, month, lines)


def green_certificate_regularisation(
    contract: SupplyContract,
    period: str,
    billed_quota_cost_lines: Sequence[InvoiceLine],
    actual_quota_share: int | str | Decimal,
    certificate_price: int | str | Decimal,
    actual_mwh: int | str | Decimal,
    vat: VatRate,
) -> DraftInvoice | None:
    """Green-certificate cost at the final quota minus the cost billed at the provisional quota.

    actual_quota_share is the final quota in certificates per MWh (e.g. 0.4998), certificate_price
    the price per certificate; the final cost line is at `vat`. Negative result = credit; None when
    no VAT group changes.
    """
    _text(period, "period")
    if "/" in period:
        raise ValueError(f"period must not contain '/' (it is part of the invoice key): {period!r}")
    quota = to_decimal(actual_quota_share, "actual_quota_share")
    if quota < 0:
        raise ValueError(f"actual_quota_share must not be negative, not {quota}")
    mwh = to_decimal(actual_mwh, "actual_mwh")
    if mwh < 0 or decimal_places(mwh) > 6:
        raise ValueError(f"actual_mwh must be ≥ 0 with at most 6 decimals (MWh to the Wh), not {mwh}")
    certificates = exact_product(mwh, quota)
    lines = [
        InvoiceLine(
            f"Green certificates {period} at the final quota: {mwh} MWh × {quota} GC/MWh",
            certificates,
            "certificate",
            to_decimal(certificate_price, "certificate_price"),
            vat.category,
            vat.rate_pct,
        )
    ]
    billed: dict[tuple[VatCategory, Decimal], Decimal] = {}
    for index, line in enumerate(billed_quota_cost_lines):
        if not isinstance(line, InvoiceLine):
            raise TypeError(f"billed_quota_cost_lines[{index}] must be an InvoiceLine, not {type(line).__name__}")
        key = (line.vat_category, line.vat_rate_pct)
        billed[key] = exact_sum([billed.get(key, _ZERO), line.net_amount])
    for (category, rate), net in sorted(billed.items(), key=lambda item: (_CATEGORY_ORDER[item[0][0]], item[0][1])):
        if net:
            # quantity ∓1 × unit price |net| has net amount exactly −net (unit prices are never negative).
            lines.append(
                InvoiceLine(
                    f"Green certificates {period} billed at the provisional quota",
                    Decimal(-1) if net > 0 else Decimal(1),
                    "item",
                    net.copy_abs(),
                    category,
                    rate,
                )
            )
    totals = compute_totals(lines)
    if all(not group.taxable_amount and not group.vat_amount for group in totals.breakdown):
        return None
    return DraftInvoice.for_contract(
        InvoiceKind.GREEN_CERTIFICATE_REGULARISATION, f"green-certificates/{period}/{contract.contract_id}", contract, period, lines
    )


def penalty_invoice(
    contract: SupplyContract, month: str, charges: Sequence[tuple[str, int | str | Decimal, str]]
) -> DraftInvoice | None:
    """Late-payment interest: one line per (invoice number, amount, period text); None if nothing is charged.

    Amounts are the interest already rounded to cents per invoice (billing.late_payment); lines are
    quantity 1 at that unit price, category O (outside the scope of VAT).
    """
    month = _month(month)
    lines = []
    for invoice_number, amount, period in charges:
        interest = to_decimal(amount, f"penalty amount of {invoice_number}")
        if decimal_places(interest) > 2 or interest < 0:
            raise ValueError(f"penalty amount of {invoice_number} must be a non-negative amount in cents, not {interest}")
        if interest:
            lines.append(
                InvoiceLine(f"Late-payment interest on invoice {_text(invoice_number, 'invoice_number')}, {period}",
                            Decimal(1), "item", interest, VatCategory.OUTSIDE_SCOPE, Decimal(0))
            )
    if not lines:
        return None
    return DraftInvoice.for_contract(
        InvoiceKind.PENALTY, f"penalty/{month}/{contract.contract_id}", contract, month, lines,
        note=f"Late-payment interest calculated in {month}",
    )


def credit_note(original: IssuedInvoiceSummary, reason: str) -> DraftInvoice:
    """Reverses the issued invoice completely: every total is exactly the negative of the original's."""
    if not isinstance(original, IssuedInvoiceSummary):
        raise TypeError("credit_note needs the issued invoice (IssuedInvoiceSummary): it must name its number")
    _text(reason, "reason")
    invoice = original.invoice
    if invoice.invoice_type is InvoiceKind.CREDIT_NOTE:
        raise ValueError(f"{original.invoice_number} is a credit note; issue a new invoice instead of crediting it")
    lines = tuple(credit_note_lines(invoice.lines))
    prepaid_groups = tuple(group.negated() for group in invoice.prepaid_groups)
    return DraftInvoice(
        invoice_key=f"credit/{original.invoice_number}",
        invoice_type=InvoiceKind.CREDIT_NOTE,
        contract_id=invoice.contract_id,
        customer_id=invoice.customer_id,
        month=invoice.month,
        currency=invoice.currency,
        lines=lines,
        totals=compute_totals(lines, prepaid=round_amount(invoice.totals.prepaid_amount.copy_negate())),
        corrects_invoice_number=original.invoice_number,
        prepaid_groups=prepaid_groups,
        prepaid_invoice_refs=invoice.prepaid_invoice_refs,
        note=reason,
    )


@dataclass(frozen=True)
class RecalculationValues:
    """A month's value priced again after a recalculated consumption, vs what was billed (gross, with VAT).

    difference = recalculated − billed; `correction` is the regularisation to issue (None when
    nothing differs in any VAT group).
    """

    customer_id: str
    contract_id: str
    month: str
    revision: str
    recalculated_kwh: Decimal
    billed_amount: Decimal
    recalculated_amount: Decimal
    difference: Decimal
    correction: DraftInvoice | None = field(default=None)


def recalculation_values(
    contract: SupplyContract,
    month: str,
    billed: Sequence[Billed],
    recalculated: MonthConsumption,
    pricer: Pricer,
    revision: str,
) -> RecalculationValues:
    """Price the recalculated consumption and compare with the month's advances, regularisations and credit notes.

    `billed` are the consumption documents of the period, in issue order; `revision` identifies
    the recalculation (e.g. the distributor's correction file), so a rerun gives the same key.
    The correction names the last issued regularisation in `billed` in corrects_invoice_number.
    """
    month = _month(month)
    _text(revision, "revision")
    if "/" in revision:
        raise ValueError(f"revision must not contain '/' (it is part of the invoice key): {revision!r}")
    _check_consumption(contract, month, recalculated, {"recalculated"}, "recalculated")
    previous = _previous_documents(contract, month, billed, CONSUMPTION_DOCUMENT_KINDS, "billed")
    lines = _price(pricer, recalculated)
    full = compute_totals(lines)
    billed_amount = exact_sum(draft.amount_due for draft in previous)
    difference = _minus(full.total_with_vat, billed_amount)
    changed = sum_groups(breakdown_groups(full), subtract=sum_groups(*(draft.net_groups for draft in previous)))
    correction = None
    if changed:
        corrects = None
        for document in billed:
            if isinstance(document, IssuedInvoiceSummary) and document.invoice.invoice_type is InvoiceKind.REGULARISATION:
                corrects = document.invoice_number
        correction = _settlement(
            invoice_key=f"recalculation/{month}/{contract.contract_id}/{revision}",
            contract=contract,
            month=month,
            lines=lines,
            previous=previous,
            refs=[_ref(document) for document in billed],
            corrects_invoice_number=corrects,
            note=f"Recalculation {revision} of {month}: {recalculated.kwh} kWh; billed {billed_amount}, now {full.total_with_vat}",
        )
    return RecalculationValues(
        customer_id=contract.customer_id,
        contract_id=contract.contract_id,
        month=month,
        revision=revision,
        recalculated_kwh=recalculated.kwh,
        billed_amount=round_amount(billed_amount),
        recalculated_amount=full.total_with_vat,
        difference=round_amount(difference),
        correction=correction,
    )
