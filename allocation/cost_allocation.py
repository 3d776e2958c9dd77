"""Received invoices and their allocation down the object hierarchy, energy costs per object, overcharge alerts.

An invoice received for a billing meter of an object (e.g. the complex) is distributed to the
objects below in proportion to their metered consumption at the invoice's unit price, level by
level; what the children do not meter is the parent's unmetered consumption / loss (seed 002:
200 CZK for 50 kWh, buildings with 25 and 20 kWh get 100 and 80, 5 kWh = 20 CZK is loss; the
first building's tenants with 5, 8 and 12 kWh get 20, 32 and 48).

Allocation rules (`allocate_invoice`):
- Unit price = invoice amount / invoice consumption, kept exact (a `Fraction`); only amounts are
  rounded: a child's amount is round_half_up(consumption × unit price, 2 decimals).
- The invoiced object is depth 0 and gets the invoice amount and consumption; `depth` in the
  result is counted from the invoiced object, not from the tree's root.
- An object's consumption is its own metered consumption for exactly the invoice's period; an
  object with no meter of its own but metered objects below it is reached with the sum of their
  consumption (basis "aggregated"). Objects with nothing metered at or below them are not reached:
  their consumption is part of their parent's loss.
- A parent whose children meter nothing keeps its whole amount (a leaf, no loss row).
- Children metering less than the parent: loss consumption = parent − Σ children and loss amount =
  parent amount − Σ children amounts (it absorbs rounding), so children + loss = parent to the
  cent. If rounding would make that loss negative (a tiny loss and many children), the parent's
  amount is apportioned instead over the children and the loss by consumption (largest remainder).
- Children metering exactly the parent's consumption: no loss row; if their rounded amounts do
  not add up to the parent's, the parent's amount is apportioned among them (largest remainder).
- Children metering MORE than the parent (a metering fault): the parent's amount is shared among
  the children in proportion to their consumption (largest remainder, they receive less than the
  invoice's unit price), no loss row, and a warning names the parent and both quantities. The
  children's own children are then priced at that lower, exact unit price. No amount is negative.
- Incomplete consumption records are used as they are, with a warning naming the object.

Energy cost rule (`energy_costs`), the date rule: an invoice counts when its period has elapsed,
i.e. `period_end < as_of` (an April invoice, 1–30 April, counts from 1 May). An energy invoice
whose period ends on or after `as_of` is replaced by the price list: each metered consumption
record of the invoiced object and the objects below it that lies within the invoice's period is
priced at the unit price of the price-list entry that covers the record's whole period, is for
the same energy type and is scoped to the object or its nearest ancestor. Without such an entry
that record has no cost and a note says so. Non-energy invoices (telecommunication, maintenance,
salaries ...) are not allocated: once elapsed they are one "expense" row at the invoiced object.

Amounts are `Decimal` with 2 decimals, rounded ROUND_HALF_UP (`billing.money.round_amount`).
Pure Python: no Dagster, no database, no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from allocation.hierarchy import ObjectTree
from billing.money import round_amount, round_unit_price, to_decimal


class EnergyType(StrEnum):
    ELECTRICITY = "electricity"
    GAS = "gas"
    WATER = "water"
    HEAT = "heat"


class ExpenseCategory(StrEnum):
    """Received invoices that are not for energy."""

    TELECOMMUNICATION = "telecommunication"
    MAINTENANCE = "maintenance"
    SALARIES = "salaries"
    OTHER = "other"


# Units an invoice or consumption of each energy type may be stated in.
ENERGY_UNITS: dict[EnergyType, frozenset[str]] = {
    EnergyType.ELECTRICITY: frozenset({"kWh", "MWh"}),
    EnergyType.GAS: frozenset({"kWh", "MWh", "m3"}),
    EnergyType.WATER: frozenset({"m3"}),
    EnergyType.HEAT: frozenset({"kWh", "MWh", "GJ"}),
}


def _period(start: date, end: date) -> str:
    return f"{start.isoformat()} – {end.isoformat()}"


def _amount(value: Decimal | int | str, what: str) -> Decimal:
    """A monetary amount with at most 2 decimals, as a Decimal with exactly 2."""
    amount = to_decimal(value, what)
    if amount != round_amount(amount):
        raise ValueError(f"{what} has more than 2 decimals ({amount}); amounts are in whole cents")
    return round_amount(amount)


def _energy_or_expense(value: str, what: str) -> EnergyType | ExpenseCategory:
    for enum in (EnergyType, ExpenseCategory):
        try:
            return enum(value)
        except ValueError:
            pass
    kinds = ", ".join([*EnergyType, *ExpenseCategory])
    raise ValueError(f"{what}: {value!r} is neither an energy type nor an expense category ({kinds})")


# --- rounding and apportionment -----------------------------------------------------------------


def round_half_up(value: Fraction) -> Decimal:
    """An exact value rounded half up (ties away from zero) to 2 decimals."""
    cents = value * 100
    whole, rest = divmod(abs(cents.numerator), cents.denominator)
    if 2 * rest >= cents.denominator:
        whole += 1
    if cents < 0 and whole:
        whole = -whole
    return Decimal(whole).scaleb(-2)


def apportion_cents(total_cents: int, weights: Sequence[tuple[str, Fraction]]) -> dict[str, int]:
    """Largest remainder: floor every exact share, then one more cent to the largest remainders.

    Ties between equal remainders go to the earlier key in `weights` (callers sort them).
    """
    weight_sum = sum((w for _, w in weights), Fraction(0))
    if weight_sum <= 0:
        raise ValueError("cannot apportion an amount when every weight is zero")
    exact = {key: Fraction(total_cents) * w / weight_sum for key, w in weights}
    floors = {key: value.numerator // value.denominator for key, value in exact.items()}
    left = total_cents - sum(floors.values())
    order = sorted(range(len(weights)), key=lambda i: (-(exact[weights[i][0]] - floors[weights[i][0]]), i))
    for i in order[:left]:
        floors[weights[i][0]] += 1
    return floors


def largest_remainder(total: Decimal, weights: Mapping[str, Decimal | int | Fraction]) -> dict[str, Decimal]:
    """`total` (≥ 0, whole cents) split in proportion to `weights` so that the parts add up exactly.

    Each part is the exact share rounded down to the cent; the cents left over go one each to the
    largest remainders, ties broken by key (object id) in ascending order: 100.00 / 3 gives
    33.34, 33.33, 33.33. Weights must be ≥ 0 and not all zero.
    """
    amount = _amount(total, "amount to apportion")
    if amount < 0:
        raise ValueError(f"cannot apportion a negative amount ({amount})")
    ordered = []
    for key in sorted(weights):
        weight = weights[key]
        exact = weight if isinstance(weight, Fraction) else Fraction(to_decimal(weight, f"weight of {key}"))
        if exact < 0:
            raise ValueError(f"the weight of {key} is negative ({weight})")
        ordered.append((key, exact))
    cents = apportion_cents(int(amount * 100), ordered)
    return {key: Decimal(value).scaleb(-2) for key, value in cents.items()}


# --- inputs ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReceivedInvoice:
    """An invoice received for a billing meter (energy) or for another expense of an object.

    The period is inclusive at both ends. Energy invoices have a meter, a consumption > 0 and its
    unit; non-energy invoices (an `ExpenseCategory`) have neither consumption nor unit.
    `alert_threshold_amount` is the seed's "Alert when overcharged" amount (None: no alert set).
    """

    invoice_id: str
    meter_id: str | None
    object_id: str
    energy_type: EnergyType | ExpenseCategory | str
    period_start: date
    period_end: date
    amount: Decimal
    consumption: Decimal | None
    unit: str | None
    currency: str
    note: str = ""
    alert_threshold_amount: Decimal | None = None

    def __post_init__(self) -> None:
        what = f"invoice {self.invoice_id}"
        kind = _energy_or_expense(str(self.energy_type), what)
        object.__setattr__(self, "energy_type", kind)
        if self.period_end < self.period_start:
            raise ValueError(f"{what} ends ({self.period_end}) before it starts ({self.period_start})")
        amount = _amount(self.amount, f"the amount of {what}")
        if amount < 0:
            raise ValueError(f"{what} has a negative amount ({amount}); credit notes are not supported here")
        object.__setattr__(self, "amount", amount)
        if self.alert_threshold_amount is not None:
            object.__setattr__(self, "alert_threshold_amount", _amount(self.alert_threshold_amount, f"the overcharge alert amount of {what}"))
        if isinstance(kind, EnergyType):
            if not self.meter_id:
                raise ValueError(f"{what} is for {kind} but names no billing meter")
            if self.consumption is None:
                raise ValueError(f"{what} is for {kind} but has no consumption; the amount cannot be allocated by consumption")
            consumption = to_decimal(self.consumption, f"the consumption of {what}")
            if consumption <= 0:
                raise ValueError(f"{what} has a consumption of {consumption}; an energy invoice needs a consumption above zero")
            object.__setattr__(self, "consumption", consumption)
            if self.unit not in ENERGY_UNITS[kind]:
                raise ValueError(f"{what} states {kind} in {self.unit!r}; expected one of {', '.join(sorted(ENERGY_UNITS[kind]))}")
        elif self.consumption is not None or self.unit is not None:
            raise ValueError(f"{what} is for {kind}, which is not energy: it must not have a consumption or unit")

    @property
    def is_energy(self) -> bool:
        return isinstance(self.energy_type, EnergyType)


@dataclass(frozen=True)
class Consumption:
    """Metered consumption of one object and energy type over one period (inclusive), summed by the caller.

    `complete` is False when the meter data does not cover the whole period (gaps, meter
    installed or removed during the period). `unit`, when given, must match the invoice's unit.
    """

    object_id: str
    energy_type: EnergyType | str
    period_start: date
    period_end: date
    quantity: Decimal
    complete: bool = True
    unit: str | None = None

    def __post_init__(self) -> None:
        what = f"the {self.energy_type} consumption of object {self.object_id} for {_period(self.period_start, self.period_end)}"
        object.__setattr__(self, "energy_type", EnergyType(str(self.energy_type)))
        if self.period_end < self.period_start:
            raise ValueError(f"{what}: the period ends before it starts")
        quantity = to_decimal(self.quantity, what)
        if quantity < 0:
            raise ValueError(f"{what} is negative ({quantity}); a meter cannot consume less than nothing")
        object.__setattr__(self, "quantity", quantity)


@dataclass(frozen=True)
class PriceListEntry:
    """A unit price of an energy type for an object and every object below it, valid from–to (inclusive; None: open)."""

    price_list_id: str
    energy_type: EnergyType | str
    object_id: str
    valid_from: date
    valid_to: date | None
    unit_price: Decimal
    currency: str
    unit: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "energy_type", EnergyType(str(self.energy_type)))
        price = to_decimal(self.unit_price, f"the unit price of price list {self.price_list_id}")
        if price < 0:
            raise ValueError(f"price list {self.price_list_id} has a negative unit price ({price})")
        object.__setattr__(self, "unit_price", price)
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise ValueError(f"price list {self.price_list_id} ends ({self.valid_to}) before it starts ({self.valid_from})")

    def covers(self, start: date, end: date) -> bool:
        return self.valid_from <= start and (self.valid_to is None or end <= self.valid_to)


# --- allocation ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class AllocationRow:
    """The share of an invoice that one object bears (its own and everything below it).

    basis: "invoice" (the invoiced object), "metered" (its own meter) or "aggregated" (no meter
    of its own: the sum of the metered objects below it). `scaled` is True when the object's
    amount was scaled down because it and its siblings meter more than their parent.
    `unit_price` is the exact price used, rounded to 6 decimals for display.
    """

    object_id: str
    parent_id: str | None
    depth: int
    consumption: Decimal
    amount: Decimal
    unit_price: Decimal
    basis: str
    scaled: bool = False


@dataclass(frozen=True)
class LossRow:
    """Unmetered consumption / loss below a parent: what its children do not meter, and its cost."""

    parent_id: str
    depth: int
    loss_consumption: Decimal
    loss_amount: Decimal


@dataclass(frozen=True)
class AllocationResult:
    invoice_id: str
    object_id: str
    energy_type: EnergyType
    period_start: date
    period_end: date
    amount: Decimal
    currency: str
    unit: str
    unit_price_exact: Fraction
    rows: tuple[AllocationRow, ...]
    losses: tuple[LossRow, ...]
    warnings: tuple[str, ...] = ()

    @property
    def unit_price(self) -> Decimal:
        """The invoice's unit price rounded to 6 decimals (for display; computations use `unit_price_exact`)."""
        return round_unit_price(Decimal(self.unit_price_exact.numerator) / Decimal(self.unit_price_exact.denominator))

    def row(self, object_id: str) -> AllocationRow:
        for row in self.rows:
            if row.object_id == object_id:
                return row
        raise LookupError(f"object {object_id} was not reached by the allocation of invoice {self.invoice_id}")

    def amount_of(self, object_id: str) -> Decimal:
        return self.row(object_id).amount

    def loss_of(self, parent_id: str) -> LossRow | None:
        return next((loss for loss in self.losses if loss.parent_id == parent_id), None)

    def children_of(self, parent_id: str) -> tuple[AllocationRow, ...]:
        return tuple(row for row in self.rows if row.parent_id == parent_id and row.depth > 0)


def _consumption_for_invoice(
    invoice: ReceivedInvoice, tree: ObjectTree, consumption: Iterable[Consumption], warnings: list[str]
) -> dict[str, Decimal]:
    """Metered consumption of the objects below the invoiced object for exactly the invoice's period."""
    found: dict[str, Decimal] = {}
    for record in consumption:
        if record.energy_type != invoice.energy_type:
            continue
        if (record.period_start, record.period_end) != (invoice.period_start, invoice.period_end):
            continue
        if record.object_id not in tree:
            warnings.append(
                f"{record.energy_type} consumption was given for object {record.object_id!r}, which is not in the "
                f"object hierarchy; it was ignored"
            )
            continue
        if record.object_id == invoice.object_id or not tree.is_within(record.object_id, invoice.object_id):
            continue
        label = tree.label(record.object_id)
        if record.object_id in found:
            raise ValueError(
                f"{label} has two {record.energy_type} consumption records for {_period(record.period_start, record.period_end)}; "
                f"sum its meters into one record before allocating invoice {invoice.invoice_id}"
            )
        if record.unit is not None and record.unit != invoice.unit:
            raise ValueError(
                f"the {record.energy_type} consumption of {label} is in {record.unit} but invoice {invoice.invoice_id} "
                f"is in {invoice.unit}; convert it first"
            )
        if not record.complete:
            warnings.append(
                f"the {record.energy_type} consumption of {label} does not cover the whole period "
                f"{_period(record.period_start, record.period_end)}; its share of invoice {invoice.invoice_id} "
                f"is based on the incomplete data"
            )
        found[record.object_id] = record.quantity
    return found


def allocate_invoice(invoice: ReceivedInvoice, tree: ObjectTree, consumption: Iterable[Consumption]) -> AllocationResult:
    """Distribute an energy invoice down the hierarchy by metered consumption (rules in the module docstring)."""
    if not invoice.is_energy:
        raise ValueError(
            f"invoice {invoice.invoice_id} is for {invoice.energy_type}, which has no consumption to allocate by; "
            f"split it with a non-energy service-charge reconciliation instead"
        )
    tree.object(invoice.object_id)
    assert invoice.consumption is not None and invoice.unit is not None
    warnings: list[str] = []
    metered = _consumption_for_invoice(invoice, tree, consumption, warnings)

    # Consumption of every object below the invoiced one: own meter, else the sum of what is reached below.
    effective: dict[str, Decimal] = {}
    for object_id in reversed(tree.descendants(invoice.object_id)):
        if object_id in metered:
            effective[object_id] = metered[object_id]
            continue
        below = [effective[kid] for kid in tree.children(object_id) if kid in effective]
        if below:
            effective[object_id] = sum(below, Decimal(0))

    invoice_price = Fraction(invoice.amount) / Fraction(invoice.consumption)
    rows = [AllocationRow(invoice.object_id, tree.parent(invoice.object_id), 0, invoice.consumption, invoice.amount,
                          round_unit_price(_as_decimal(invoice_price)), "invoice")]
    losses: list[LossRow] = []
    queue: list[tuple[str, int, Decimal, Decimal, Fraction]] = [
        (invoice.object_id, 0, invoice.consumption, invoice.amount, invoice_price)
    ]
    while queue:
        parent, depth, parent_consumption, parent_amount, price = queue.pop(0)
        kids = [kid for kid in tree.children(parent) if kid in effective]
        if not kids:
            continue
        kid_sum = sum((effective[kid] for kid in kids), Decimal(0))
        parent_cents = int(parent_amount * 100)
        loss_consumption = parent_consumption - kid_sum
        scaled = False
        if kid_sum > parent_consumption:
            scaled = True
            warnings.append(
                f"the objects below {tree.label(parent)} meter {kid_sum} {invoice.unit} of {invoice.energy_type} in total, "
                f"more than its {parent_consumption} {invoice.unit} for {_period(invoice.period_start, invoice.period_end)} "
                f"(a metering fault?); its {parent_amount} {invoice.currency} of invoice {invoice.invoice_id} was shared "
                f"among them in proportion to their consumption, and no loss is shown"
            )
            cents = apportion_cents(parent_cents, [(kid, Fraction(effective[kid])) for kid in kids])
            loss_consumption = Decimal(0)
        else:
            cents = {kid: int(round_half_up(Fraction(effective[kid]) * price) * 100) for kid in kids}
            if loss_consumption == 0:
                if sum(cents.values()) != parent_cents:
                    cents = apportion_cents(parent_cents, [(kid, Fraction(effective[kid])) for kid in kids])
            elif sum(cents.values()) > parent_cents:
                weights = [(kid, Fraction(effective[kid])) for kid in kids] + [("", Fraction(loss_consumption))]
                cents = apportion_cents(parent_cents, weights)
                del cents[""]
        if loss_consumption > 0:
            losses.append(LossRow(parent, depth, loss_consumption, Decimal(parent_cents - sum(cents.values())).scaleb(-2)))
        for kid in kids:
            amount = Decimal(cents[kid]).scaleb(-2)
            kid_price = price
            if scaled and effective[kid] > 0:
                kid_price = Fraction(amount) / Fraction(effective[kid])
            basis = "metered" if kid in metered else "aggregated"
            rows.append(AllocationRow(kid, parent, depth + 1, effective[kid], amount, round_unit_price(_as_decimal(kid_price)), basis, scaled))
            queue.append((kid, depth + 1, effective[kid], amount, kid_price))

    return AllocationResult(
        invoice_id=invoice.invoice_id,
        object_id=invoice.object_id,
        energy_type=EnergyType(invoice.energy_type),
        period_start=invoice.period_start,
        period_end=invoice.period_end,
        amount=invoice.amount,
        currency=invoice.currency,
        unit=invoice.unit,
        unit_price_exact=invoice_price,
        rows=tuple(rows),
        losses=tuple(losses),
        warnings=tuple(warnings),
    )


def _as_decimal(value: Fraction) -> Decimal:
    return Decimal(value.numerator) / Decimal(value.denominator)


# --- energy costs per object and period ---------------------------------------------------------


@dataclass(frozen=True)
class CostRow:
    """A cost of one object for one period, for marts and charts.

    basis: "invoice" (from an elapsed received invoice) or "price_list" (metered consumption × unit
    price while the invoice's period has not elapsed). kind: "allocated" (the object's share,
    which includes everything below it), "loss" (unmetered consumption below `object_id`),
    "expense" (a non-energy invoice) or "estimated" (price-list cost).
    """

    object_id: str
    energy_type: EnergyType | ExpenseCategory
    period_start: date
    period_end: date
    consumption: Decimal | None
    unit: str | None
    amount: Decimal
    currency: str
    basis: str
    kind: str
    invoice_id: str
    price_list_id: str | None = None


@dataclass(frozen=True)
class CostReport:
    """The cost rows and, in words, why some invoices produced no cost yet. Iterating it gives the rows."""

    rows: tuple[CostRow, ...]
    notes: tuple[str, ...] = ()

    def __iter__(self) -> Iterator[CostRow]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)


def find_price(
    price_lists: Sequence[PriceListEntry], tree: ObjectTree, object_id: str, energy_type: EnergyType, start: date, end: date
) -> PriceListEntry | None:
    """The price-list entry for the object's nearest scope that covers the whole period (None if there is none)."""
    path = tree.path(object_id)
    best: list[PriceListEntry] = []
    best_depth = -1
    for entry in price_lists:
        if entry.energy_type != energy_type or entry.object_id not in path or not entry.covers(start, end):
            continue
        depth = path.index(entry.object_id)
        if depth > best_depth:
            best, best_depth = [entry], depth
        elif depth == best_depth:
            best.append(entry)
    if len(best) > 1:
        ids = ", ".join(sorted(entry.price_list_id for entry in best))
        raise ValueError(
            f"price lists {ids} all give a {energy_type} price for {tree.label(path[best_depth])} over "
            f"{_period(start, end)}; keep only one valid for that period"
        )
    return best[0] if best else None


def energy_costs(
    invoices: Iterable[ReceivedInvoice],
    price_lists: Iterable[PriceListEntry],
    tree: ObjectTree,
    consumption: Iterable[Consumption],
    as_of: date,
) -> CostReport:
    """Costs per object and period from elapsed invoices, else from price lists (date rule in the module docstring)."""
    prices = list(price_lists)
    for entry in prices:
        if entry.object_id not in tree:
            raise ValueError(f"price list {entry.price_list_id} is for object {entry.object_id!r}, which is not in the object hierarchy")
    records = list(consumption)
    rows: list[CostRow] = []
    notes: list[str] = []
    priced: set[tuple[str, EnergyType, date, date]] = set()
    for invoice in sorted(invoices, key=lambda i: (i.period_start, i.invoice_id)):
        elapsed = invoice.period_end < as_of
        if not invoice.is_energy:
            if elapsed:
                rows.append(CostRow(invoice.object_id, invoice.energy_type, invoice.period_start, invoice.period_end, None, None,
                                    invoice.amount, invoice.currency, "invoice", "expense", invoice.invoice_id))
            else:
                notes.append(f"invoice {invoice.invoice_id} ({invoice.energy_type}) is for a period that ends on "
                             f"{invoice.period_end}; it will count from {_day_after(invoice.period_end)}")
            continue
        if elapsed:
            result = allocate_invoice(invoice, tree, records)
            for row in result.rows:
                rows.append(CostRow(row.object_id, result.energy_type, invoice.period_start, invoice.period_end, row.consumption,
                                    invoice.unit, row.amount, invoice.currency, "invoice", "allocated", invoice.invoice_id))
            for loss in result.losses:
                rows.append(CostRow(loss.parent_id, result.energy_type, invoice.period_start, invoice.period_end,
                                    loss.loss_consumption, invoice.unit, loss.loss_amount, invoice.currency, "invoice", "loss",
                                    invoice.invoice_id))
            notes.extend(result.warnings)
            continue
        rows.extend(_price_list_rows(invoice, tree, prices, records, priced, notes))
    return CostReport(tuple(rows), tuple(notes))


def _day_after(day: date) -> date:
    return date.fromordinal(day.toordinal() + 1)


def _price_list_rows(
    invoice: ReceivedInvoice,
    tree: ObjectTree,
    prices: Sequence[PriceListEntry],
    records: Sequence[Consumption],
    priced: set[tuple[str, EnergyType, date, date]],
    notes: list[str],
) -> list[CostRow]:
    """Price-list cost of the consumption metered within a not-yet-elapsed invoice's period, at and below its object."""
    energy = EnergyType(invoice.energy_type)
    pending = f"invoice {invoice.invoice_id} is for {_period(invoice.period_start, invoice.period_end)}, which has not elapsed"
    within = [
        record for record in records
        if record.energy_type == energy and record.object_id in tree and tree.is_within(record.object_id, invoice.object_id)
        and invoice.period_start <= record.period_start and record.period_end <= invoice.period_end
    ]
    if not within:
        notes.append(f"{pending}, and no {energy} consumption is metered within it yet; no cost is shown until the "
                     f"invoice counts on {_day_after(invoice.period_end)}")
        return []
    by_object: dict[str, list[Consumption]] = {}
    for record in within:
        by_object.setdefault(record.object_id, []).append(record)
    for object_id, own in by_object.items():
        own.sort(key=lambda r: r.period_start)
        for earlier, later in zip(own, own[1:]):
            if later.period_start <= earlier.period_end:
                raise ValueError(f"the {energy} consumption records of {tree.label(object_id)} for "
                                 f"{_period(earlier.period_start, earlier.period_end)} and "
                                 f"{_period(later.period_start, later.period_end)} overlap; the same consumption would be priced twice")
    rows: list[CostRow] = []
    for record in sorted(within, key=lambda r: (r.object_id, r.period_start)):
        key = (record.object_id, energy, record.period_start, record.period_end)
        if key in priced:
            continue
        priced.add(key)
        entry = find_price(prices, tree, record.object_id, energy, record.period_start, record.period_end)
        if entry is None:
            notes.append(f"{pending}, and no {energy} price list covers {tree.label(record.object_id)} for "
                         f"{_period(record.period_start, record.period_end)}; no cost is shown for it until the invoice counts "
                         f"on {_day_after(invoice.period_end)}")
            continue
        unit = record.unit or invoice.unit
        if entry.unit is not None and unit is not None and entry.unit != unit:
            raise ValueError(f"price list {entry.price_list_id} is per {entry.unit} but the {energy} consumption of "
                             f"{tree.label(record.object_id)} is in {unit}")
        amount = round_half_up(Fraction(record.quantity) * Fraction(entry.unit_price))
        rows.append(CostRow(record.object_id, energy, record.period_start, record.period_end, record.quantity, unit, amount,
                            entry.currency, "price_list", "estimated", invoice.invoice_id, entry.price_list_id))
    return rows


# --- overcharge alerts --------------------------------------------------------------------------


@dataclass(frozen=True)
class Alert:
    """An invoice whose amount exceeds its "Alert when overcharged" amount."""

    invoice_id: str
    meter_id: str | None
    object_id: str
    amount: Decimal
    threshold: Decimal
    currency: str
    message: str


def overcharge_alerts(invoices: Iterable[ReceivedInvoice], tree: ObjectTree | None = None) -> list[Alert]:
    """One alert per invoice whose amount is above its alert amount (equal is not overcharged), in invoice order.

    With a tree, the message names the object by its name as well as its id.
    """
    alerts: list[Alert] = []
    for invoice in invoices:
        threshold = invoice.alert_threshold_amount
        if threshold is None or invoice.amount <= threshold:
            continue
        where = tree.label(invoice.object_id) if tree is not None else invoice.object_id
        meter = f" for meter {invoice.meter_id}" if invoice.meter_id else ""
        message = (f"Invoice {invoice.invoice_id}{meter} of {where} ({_period(invoice.period_start, invoice.period_end)}) "
                   f"is {invoice.amount} {invoice.currency}, which is {invoice.amount - threshold} {invoice.currency} above "
                   f"the alert amount of {threshold} {invoice.currency}")
        alerts.append(Alert(invoice.invoice_id, invoice.meter_id, invoice.object_id, invoice.amount, threshold,
                            invoice.currency, message))
    return alerts
