"""Invoice arithmetic of the billing engine, as EN 16931 defines it.

- A line's net amount (BT-131) is round_amount(quantity × unit price): each line is
  rounded once, to 2 decimals, half up.
- The VAT breakdown has one group per (VAT category, rate): its taxable amount (BT-116)
  is the sum of the group's rounded line nets, and its VAT (BT-117) is
  round_amount(taxable × rate / 100) — VAT is rounded per group, never per line.
- Invoice totals are sums of those rounded figures:
  BT-106 line total = Σ line nets; BT-110 VAT total = Σ group VAT;
  BT-112 total with VAT = BT-106 + BT-110; BT-115 amount due = BT-112 − BT-113 prepaid
  + BT-114 rounding. Document-level allowances and charges (BT-107/BT-108) are not
  supported, so BT-109 (total without VAT) equals BT-106.
- A credit note reverses an invoice line by line (negated quantities); since half-up
  rounding is symmetric, its totals are exactly the negatives of the invoice's.

Negative amounts come from negative quantities (a credit or deduction line, e.g. an
advance already invoiced); unit prices are never negative (EN 16931 BR-27).

Categories E, AE, K, G and O need an exemption reason text (BT-120) in their breakdown
group; one reason per category per invoice. Checks that concern the whole document
rather than its arithmetic (e.g. BR-O-11: an invoice with category O has no other
category; buyer and seller VAT identifiers for AE and K) belong to the document's
validation, not here.

Pure Python: no Dagster, no database, no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from enum import StrEnum

from billing.money import (
    UNIT_PRICE_PLACES,
    decimal_places,
    exact_product,
    exact_sum,
    percent_of,
    round_amount,
    to_decimal,
)


class VatCategory(StrEnum):
    """EN 16931 VAT category codes (UNTDID 5305 subset), in the order breakdowns are listed."""

    STANDARD = "S"
    ZERO_RATED = "Z"
    EXEMPT = "E"
    REVERSE_CHARGE = "AE"
    INTRA_COMMUNITY = "K"
    EXPORT = "G"
    OUTSIDE_SCOPE = "O"


_CATEGORY_ORDER = {category: index for index, category in enumerate(VatCategory)}

# Categories whose breakdown group must carry an exemption reason (BR-E-10, BR-AE-10,
# BR-IC-10, BR-G-10, BR-O-10), with the default English text.
DEFAULT_EXEMPTION_REASONS: Mapping[VatCategory, str] = {
    VatCategory.EXEMPT: "Exempt from VAT",
    VatCategory.REVERSE_CHARGE: "Reverse charge",
    VatCategory.INTRA_COMMUNITY: "Intra-community supply",
    VatCategory.EXPORT: "Export outside the EU",
    VatCategory.OUTSIDE_SCOPE: "Not subject to VAT",
}


def _category(value: VatCategory | str, field_name: str = "vat_category") -> VatCategory:
    try:
        return VatCategory(value)
    except ValueError:
        codes = ", ".join(category.value for category in VatCategory)
        raise ValueError(f"{field_name} must be one of {codes}, not {value!r}") from None


def _validate_rate(category: VatCategory, rate: Decimal, field_name: str = "vat_rate_pct") -> None:
    if category is VatCategory.STANDARD:
        if rate <= 0:
            raise ValueError(f"{field_name} must be > 0 for VAT category S (standard rate), not {rate}")
        if rate >= 100:
            raise ValueError(f"{field_name} is a percentage and must be below 100, not {rate}")
    elif rate != 0:
        raise ValueError(f"{field_name} must be 0 for VAT category {category.value}, not {rate}")


def _amount(value: int | str | Decimal, field_name: str) -> Decimal:
    """A monetary input that must already be whole cents, normalised to exponent -2."""
    number = to_decimal(value, field_name)
    if decimal_places(number) > 2:
        raise ValueError(f"{field_name} is an amount and may have at most 2 decimals, not {number}")
    return round_amount(number)


@dataclass(frozen=True)
class InvoiceLine:
    """One invoice line (BG-25). Numbers may be given as Decimal, int or str, never float.

    quantity (BT-129) may be negative for a credit or deduction line; unit_price (BT-146)
    is ≥ 0 with at most 6 decimals; unit is the unit of measure (kWh, kvarh, MWh, month, item).
    """

    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    vat_category: VatCategory
    vat_rate_pct: Decimal

    def __post_init__(self) -> None:
        for name in ("description", "unit"):
            text = getattr(self, name)
            if not isinstance(text, str) or not text.strip():
                raise ValueError(f"{name} must be a non-empty string, not {text!r}")
        quantity = to_decimal(self.quantity, "quantity")
        unit_price = to_decimal(self.unit_price, "unit_price")
        if unit_price < 0:
            raise ValueError(
                f"unit_price must not be negative (EN 16931 BR-27), not {unit_price}; "
                "use a negative quantity for a credit or deduction"
            )
        if decimal_places(unit_price) > UNIT_PRICE_PLACES:
            raise ValueError(
                f"unit_price may have at most {UNIT_PRICE_PLACES} decimals, not {unit_price} "
                "(round it with billing.money.round_unit_price where the price is computed)"
            )
        category = _category(self.vat_category)
        rate = to_decimal(self.vat_rate_pct, "vat_rate_pct")
        _validate_rate(category, rate)
        object.__setattr__(self, "quantity", quantity)
        object.__setattr__(self, "unit_price", unit_price)
        object.__setattr__(self, "vat_category", category)
        object.__setattr__(self, "vat_rate_pct", rate)

    @property
    def net_amount(self) -> Decimal:
        """BT-131 line net amount = round_amount(quantity × unit price)."""
        return round_amount(exact_product(self.quantity, self.unit_price))


@dataclass(frozen=True)
class VatBreakdown:
    """One VAT breakdown group (BG-23) for a (category, rate) pair."""

    vat_category: VatCategory
    vat_rate_pct: Decimal
    taxable_amount: Decimal  # BT-116: Σ of the group's rounded line nets
    vat_amount: Decimal  # BT-117: round_amount(BT-116 × BT-119 / 100)
    exemption_reason: str | None = None  # BT-120: required for E, AE, K, G, O; absent for S, Z

    def __post_init__(self) -> None:
        category = _category(self.vat_category)
        rate = to_decimal(self.vat_rate_pct, "vat_rate_pct")
        _validate_rate(category, rate)
        taxable = _amount(self.taxable_amount, "taxable_amount")
        vat = _amount(self.vat_amount, "vat_amount")
        if vat != round_amount(percent_of(taxable, rate)):
            raise ValueError(
                f"vat_amount {vat} is not round_amount(taxable_amount {taxable} × {rate} / 100) "
                f"for VAT category {category.value}"
            )
        if category in DEFAULT_EXEMPTION_REASONS:
            if not isinstance(self.exemption_reason, str) or not self.exemption_reason.strip():
                raise ValueError(f"exemption_reason is required for VAT category {category.value}")
        elif self.exemption_reason is not None:
            raise ValueError(f"exemption_reason must be None for VAT category {category.value}")
        object.__setattr__(self, "vat_category", category)
        object.__setattr__(self, "vat_rate_pct", rate)
        object.__setattr__(self, "taxable_amount", taxable)
        object.__setattr__(self, "vat_amount", vat)


@dataclass(frozen=True)
class InvoiceTotals:
    """Document totals (BG-22) with the VAT breakdown they were computed from.

    Constructing one with figures that do not add up raises ValueError.
    """

    line_total: Decimal  # BT-106: Σ line net amounts
    vat_total: Decimal  # BT-110: Σ breakdown VAT amounts
    total_with_vat: Decimal  # BT-112 = BT-106 + BT-110
    prepaid_amount: Decimal  # BT-113: advances already paid, deducted
    rounding_amount: Decimal  # BT-114: payable rounding, usually 0
    amount_due: Decimal  # BT-115 = BT-112 − BT-113 + BT-114
    breakdown: tuple[VatBreakdown, ...] = field(default=())

    def __post_init__(self) -> None:
        names = ("line_total", "vat_total", "total_with_vat", "prepaid_amount", "rounding_amount", "amount_due")
        for name in names:
            object.__setattr__(self, name, _amount(getattr(self, name), name))
        object.__setattr__(self, "breakdown", tuple(self.breakdown))
        # exact_sum, not +: the caller's decimal context must not round these checks.
        if self.total_with_vat != exact_sum([self.line_total, self.vat_total]):
            raise ValueError(f"total_with_vat {self.total_with_vat} != line_total + vat_total")
        due = exact_sum([self.total_with_vat, self.prepaid_amount.copy_negate(), self.rounding_amount])
        if self.amount_due != due:
            raise ValueError(f"amount_due {self.amount_due} != total_with_vat − prepaid_amount + rounding_amount")
        if self.breakdown:
            if self.line_total != exact_sum(group.taxable_amount for group in self.breakdown):
                raise ValueError(f"line_total {self.line_total} != Σ breakdown taxable amounts")
            if self.vat_total != exact_sum(group.vat_amount for group in self.breakdown):
                raise ValueError(f"vat_total {self.vat_total} != Σ breakdown VAT amounts")

    @property
    def total_without_vat(self) -> Decimal:
        """BT-109; equal to BT-106 since document-level allowances and charges are not supported."""
        return self.line_total


def _check_lines(lines: Iterable[InvoiceLine]) -> list[InvoiceLine]:
    checked = list(lines)
    for index, line in enumerate(checked):
        if not isinstance(line, InvoiceLine):
            raise TypeError(f"lines[{index}] must be an InvoiceLine, not {type(line).__name__}")
    return checked


def vat_breakdown(
    lines: Iterable[InvoiceLine],
    exemption_reasons: Mapping[VatCategory | str, str] | None = None,
) -> list[VatBreakdown]:
    """One VatBreakdown per (category, rate) present, ordered S, Z, E, AE, K, G, O then by rate.

    exemption_reasons overrides the English defaults (DEFAULT_EXEMPTION_REASONS) per category,
    e.g. {"E": "Exempt under art. 292 Fiscal Code"}; giving one for S or Z is an error.
    """
    reasons: dict[VatCategory, str] = dict(DEFAULT_EXEMPTION_REASONS)
    for key, text in (exemption_reasons or {}).items():
        category = _category(key, "exemption_reasons key")
        if category not in DEFAULT_EXEMPTION_REASONS:
            raise ValueError(f"exemption_reasons: VAT category {category.value} takes no exemption reason")
        if not isinstance(text, str) or not text.strip():
            raise ValueError(f"exemption_reasons[{category.value!r}] must be a non-empty string, not {text!r}")
        reasons[category] = text

    nets: dict[tuple[VatCategory, Decimal], list[Decimal]] = {}
    for line in _check_lines(lines):
        # Decimal keys compare by value: rates 19 and 19.00 form one group.
        nets.setdefault((line.vat_category, line.vat_rate_pct), []).append(line.net_amount)

    groups = []
    for (category, rate), amounts in sorted(nets.items(), key=lambda item: (_CATEGORY_ORDER[item[0][0]], item[0][1])):
        taxable = exact_sum(amounts)
        groups.append(
            VatBreakdown(
                vat_category=category,
                vat_rate_pct=rate,
                taxable_amount=taxable,
                vat_amount=round_amount(percent_of(taxable, rate)),
                exemption_reason=reasons.get(category),
            )
        )
    return groups


def compute_totals(
    lines: Iterable[InvoiceLine],
    prepaid: int | str | Decimal = Decimal(0),
    *,
    rounding_amount: int | str | Decimal = Decimal(0),
    exemption_reasons: Mapping[VatCategory | str, str] | None = None,
) -> InvoiceTotals:
    """Totals of an invoice (or credit note) with at least one line (BR-16).

    prepaid (BT-113) and rounding_amount (BT-114) are amounts in whole cents.
    """
    checked = _check_lines(lines)
    if not checked:
        raise ValueError("lines: an invoice needs at least one line (EN 16931 BR-16)")
    prepaid_amount = _amount(prepaid, "prepaid")
    rounding = _amount(rounding_amount, "rounding_amount")
    groups = vat_breakdown(checked, exemption_reasons)
    line_total = exact_sum(line.net_amount for line in checked)
    vat_total = exact_sum(group.vat_amount for group in groups)
    total_with_vat = exact_sum([line_total, vat_total])
    return InvoiceTotals(
        line_total=line_total,
        vat_total=vat_total,
        total_with_vat=total_with_vat,
        prepaid_amount=prepaid_amount,
        rounding_amount=rounding,
        amount_due=exact_sum([total_with_vat, prepaid_amount.copy_negate(), rounding]),
        breakdown=tuple(groups),
    )


def credit_note_lines(lines: Iterable[InvoiceLine]) -> list[InvoiceLine]:
    """The lines of a credit note reversing `lines`: same lines with negated quantities."""
    return [
        replace(line, quantity=line.quantity.copy_negate() if line.quantity else line.quantity)
        for line in _check_lines(lines)
    ]
