"""Service-charge reconciliations: a source object's costs split among its reconciliation targets (tenants).

Kinds (seed 002):
- non_energy: the cost is divided equally among all targets;
- water: by each tenant's water consumption; every tenant needs at least one water meter whose
  consumption covers the whole reconciliation period (a reading for exactly that period,
  marked complete); a tenant's meters are added up;
- heating: `consumption_share_pct` % of the cost by heat consumption (each tenant needs complete
  heat readings for the period) and the rest by floor area (each tenant needs a floor area).

Money rules: every share is a `Decimal` with 2 decimals, and the shares of one reconciliation add
up to its cost exactly (largest-remainder apportionment, ties to the lower object id). For
heating, the consumption part is round_half_up(cost × pct / 100) and the area part is the rest;
each part is apportioned on its own, and a tenant's heating share is the sum of its two parts.

A tenant's balance = Σ its shares − advances paid: positive means the tenant pays the difference,
negative means the tenant gets a refund. Advances not given for a tenant count as 0.00.

Templates: `SMART_CUBE` needs exactly one water and one heating reconciliation (others, e.g.
non-energy, may be added); `GENERIC` has no requirement. When a template's requirement is not
met, no document is produced and `TemplateError` says which reconciliation is missing or doubled.

Data problems (no water meter, incomplete readings, no floor area, missing billing information,
...) are all collected and raised together in one `ReconciliationError` naming each tenant.
Pure Python: no Dagster, no database, no I/O. (Rendering the PDF is another module's job.)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from allocation.cost_allocation import apportion_cents, round_half_up
from allocation.hierarchy import ObjectTree
from billing.money import round_amount, to_decimal


class ReconciliationKind(StrEnum):
    NON_ENERGY = "non_energy"
    WATER = "water"
    HEATING = "heating"


_KIND_WORDS = {
    ReconciliationKind.NON_ENERGY: "non-energy",
    ReconciliationKind.WATER: "water",
    ReconciliationKind.HEATING: "heating",
}


def _period(start: date, end: date) -> str:
    return f"{start.isoformat()} – {end.isoformat()}"


def _cents(amount: Decimal) -> int:
    return int(amount * 100)


def _money(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2)


@dataclass(frozen=True)
class ReconciliationSpec:
    """One reconciliation of a source object's cost for a period (inclusive).

    `consumption_share_pct` is for heating only (0–100): that percentage of the cost is split by
    heat consumption, the rest by floor area.
    """

    spec_id: str
    kind: ReconciliationKind | str
    source_object_id: str
    period_start: date
    period_end: date
    cost: Decimal
    currency: str
    consumption_share_pct: Decimal | None = None
    name: str = ""

    def __post_init__(self) -> None:
        what = f"reconciliation {self.spec_id}"
        try:
            kind = ReconciliationKind(str(self.kind))
        except ValueError:
            raise ValueError(f"{what} has kind {self.kind!r}; expected one of {', '.join(ReconciliationKind)}") from None
        object.__setattr__(self, "kind", kind)
        if self.period_end < self.period_start:
            raise ValueError(f"{what} ends ({self.period_end}) before it starts ({self.period_start})")
        cost = to_decimal(self.cost, f"the cost of {what}")
        if cost != round_amount(cost) or cost < 0:
            raise ValueError(f"the cost of {what} must be a non-negative amount in whole cents, not {cost}")
        object.__setattr__(self, "cost", round_amount(cost))
        if kind is ReconciliationKind.HEATING:
            if self.consumption_share_pct is None:
                raise ValueError(f"heating {what} needs the share of the cost split by consumption (consumption_share_pct)")
            pct = to_decimal(self.consumption_share_pct, f"the consumption share of {what}")
            if not 0 <= pct <= 100:
                raise ValueError(f"the consumption share of heating {what} must be between 0 and 100 %, not {pct} %")
            object.__setattr__(self, "consumption_share_pct", pct)
        elif self.consumption_share_pct is not None:
            raise ValueError(f"{what} is a {_KIND_WORDS[kind]} reconciliation; only heating takes a consumption share")

    @property
    def label(self) -> str:
        return f"{_KIND_WORDS[ReconciliationKind(self.kind)]} reconciliation {self.name or self.spec_id}"


@dataclass(frozen=True)
class TenantReading:
    """A tenant's consumption on one meter over one period (inclusive), summed by the caller.

    `medium` is "water" (m3) or "heat" (kWh, GJ or heat-cost-allocator units: only the ratio
    between tenants matters). `complete` is False when the data does not cover the whole period.
    """

    tenant_id: str
    meter_id: str
    medium: str
    period_start: date
    period_end: date
    quantity: Decimal
    complete: bool = True

    def __post_init__(self) -> None:
        if self.medium not in ("water", "heat"):
            raise ValueError(f"meter {self.meter_id} of {self.tenant_id}: medium must be 'water' or 'heat', not {self.medium!r}")
        quantity = to_decimal(self.quantity, f"the reading of meter {self.meter_id}")
        if quantity < 0:
            raise ValueError(f"meter {self.meter_id} of {self.tenant_id} has a negative consumption ({quantity})")
        object.__setattr__(self, "quantity", quantity)


@dataclass(frozen=True)
class ShareLine:
    """A tenant's share of one reconciliation and what it was based on.

    basis_quantity: 1 (non-energy), the tenant's water m3, or its heat consumption (heating);
    for heating, `consumption_part` + `area_part` = `amount`.
    """

    spec_id: str
    kind: ReconciliationKind
    amount: Decimal
    basis_quantity: Decimal
    consumption_part: Decimal | None = None
    area_part: Decimal | None = None
    floor_area_m2: Decimal | None = None


@dataclass(frozen=True)
class TenantReconciliation:
    tenant_id: str
    name: str
    shares: tuple[ShareLine, ...]
    total: Decimal
    advances_paid: Decimal
    balance: Decimal

    @property
    def pays(self) -> bool:
        return self.balance > 0

    def share(self, spec_id: str) -> ShareLine:
        return next(line for line in self.shares if line.spec_id == spec_id)


@dataclass(frozen=True)
class ReconciliationResult:
    source_object_id: str
    template: str
    currency: str
    specs: tuple[ReconciliationSpec, ...]
    tenants: tuple[TenantReconciliation, ...]

    def tenant(self, tenant_id: str) -> TenantReconciliation:
        return next(t for t in self.tenants if t.tenant_id == tenant_id)

    def spec_total(self, spec_id: str) -> Decimal:
        return sum((t.share(spec_id).amount for t in self.tenants), Decimal("0.00"))


class ReconciliationError(ValueError):
    """The data do not allow the reconciliation; `problems` lists each one in words."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems: tuple[str, ...] = tuple(problems)
        super().__init__("The service-charge reconciliation cannot be produced:\n- " + "\n- ".join(self.problems))


# --- templates ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Template:
    """A reconciliation document template and how many reconciliations of each kind it needs."""

    name: str
    required: Mapping[ReconciliationKind, int] = field(default_factory=dict)


SMART_CUBE = Template("Smart Cube", {ReconciliationKind.WATER: 1, ReconciliationKind.HEATING: 1})
GENERIC = Template("Generic")

_NUMBER_WORDS = {1: "one", 2: "two", 3: "three"}


class TemplateError(ValueError):
    """The reconciliations do not fit the template, so no document was produced."""

    def __init__(self, template: str, problems: Iterable[str]) -> None:
        self.template = template
        self.problems: tuple[str, ...] = tuple(problems)
        super().__init__(" ".join(self.problems))


def template_problems(template: Template, specs: Sequence[ReconciliationSpec]) -> tuple[str, ...]:
    """Each missing or surplus reconciliation kind the template needs, as a sentence (empty: fits)."""
    problems: list[str] = []
    for kind, needed in template.required.items():
        present = [spec.spec_id for spec in specs if spec.kind == kind]
        words = _KIND_WORDS[kind]
        needed_words = _NUMBER_WORDS.get(needed, str(needed))
        if not present:
            problems.append(f"The {template.name} template needs {needed_words} {words} reconciliation; none is included, "
                            f"so no document was produced.")
        elif len(present) != needed:
            problems.append(f"The {template.name} template needs exactly {needed_words} {words} reconciliation; "
                            f"{len(present)} are included ({', '.join(present)}), so no document was produced.")
    return tuple(problems)


def check_template(template: Template, specs: Sequence[ReconciliationSpec]) -> None:
    """Raise `TemplateError` (message: which kind is missing or doubled) if the specs do not fit the template."""
    problems = template_problems(template, specs)
    if problems:
        raise TemplateError(template.name, problems)


# --- reconciliation -----------------------------------------------------------------------------


def advances_from_parameters(tree: ObjectTree, source_object_id: str, months: int) -> dict[str, Decimal]:
    """Advances due per target: its monthly service-charge advance (billing parameter) × months; 0.00 when not set."""
    if months < 0:
        raise ValueError(f"months must not be negative, not {months}")
    result: dict[str, Decimal] = {}
    for tenant_id in tree.reconciliation_targets(source_object_id):
        monthly = tree.object(tenant_id).monthly_service_charge_advance or Decimal("0.00")
        result[tenant_id] = round_amount(monthly * months)
    return result


def _readings(
    spec: ReconciliationSpec, medium: str, tenants: Sequence[str], tree: ObjectTree,
    readings: Sequence[TenantReading], problems: list[str],
) -> dict[str, Decimal]:
    """Each tenant's consumption for the spec's whole period (a problem per tenant without one)."""
    label = f"{_period(spec.period_start, spec.period_end)} ({spec.label})"
    meter_word = "water meter" if medium == "water" else "heat meter"
    result: dict[str, Decimal] = {}
    for tenant_id in tenants:
        who = f"Tenant {tree.label(tenant_id)}"
        own = [r for r in readings if r.tenant_id == tenant_id and r.medium == medium]
        if not own:
            problems.append(f"{who} has no {meter_word}; every tenant needs one with consumption for the whole period {label}")
            continue
        ok = True
        for meter_id in sorted({r.meter_id for r in own}):
            meter = [r for r in own if r.meter_id == meter_id]
            exact = [r for r in meter if (r.period_start, r.period_end) == (spec.period_start, spec.period_end)]
            if not exact:
                got = ", ".join(_period(r.period_start, r.period_end) for r in meter)
                problems.append(f"{who}: {meter_word} {meter_id} has consumption for {got}, not for the whole period {label}")
                ok = False
            elif len(exact) > 1:
                problems.append(f"{who}: {meter_word} {meter_id} has {len(exact)} readings for {label}; give one per meter")
                ok = False
            elif not exact[0].complete:
                problems.append(f"{who}: {meter_word} {meter_id} has gaps in its consumption data for {label}; "
                                f"complete the readings first")
                ok = False
        if ok:
            result[tenant_id] = sum((r.quantity for r in own if (r.period_start, r.period_end) == (spec.period_start, spec.period_end)),
                                    Decimal(0))
    return result


def _shares(spec: ReconciliationSpec, tenants: Sequence[str], tree: ObjectTree, readings: Sequence[TenantReading],
            problems: list[str]) -> dict[str, ShareLine]:
    cost = _cents(spec.cost)
    kind = ReconciliationKind(spec.kind)
    if kind is ReconciliationKind.NON_ENERGY:
        cents = apportion_cents(cost, [(t, Fraction(1)) for t in tenants])
        return {t: ShareLine(spec.spec_id, kind, _money(cents[t]), Decimal(1)) for t in tenants}

    if kind is ReconciliationKind.WATER:
        water = _readings(spec, "water", tenants, tree, readings, problems)
        if len(water) < len(tenants):
            return {}
        if sum(water.values()) == 0 and cost > 0:
            problems.append(f"No tenant of {tree.label(spec.source_object_id)} metered any water in "
                            f"{_period(spec.period_start, spec.period_end)}, so the {spec.label} cannot be split by meter")
            return {}
        cents = apportion_cents(cost, [(t, Fraction(water[t])) for t in tenants]) if cost else {t: 0 for t in tenants}
        return {t: ShareLine(spec.spec_id, kind, _money(cents[t]), water[t]) for t in tenants}

    pct = spec.consumption_share_pct
    assert pct is not None
    consumption_cents = int(round_half_up(Fraction(spec.cost) * Fraction(pct) / 100) * 100)
    area_cents = cost - consumption_cents
    heat: dict[str, Decimal] = {}
    if pct > 0:
        heat = _readings(spec, "heat", tenants, tree, readings, problems)
    areas: dict[str, Decimal] = {}
    if area_cents or pct < 100:
        for t in tenants:
            area = tree.object(t).floor_area_m2
            if area is None:
                problems.append(f"Tenant {tree.label(t)} has no floor area, which the {spec.label} needs to split "
                                f"{100 - pct} % of the heating cost by floor area")
            else:
                areas[t] = area
    if (pct > 0 and len(heat) < len(tenants)) or (pct < 100 and len(areas) < len(tenants)):
        return {}
    if consumption_cents and sum(heat.values()) == 0:
        problems.append(f"No tenant of {tree.label(spec.source_object_id)} has any heat consumption in "
                        f"{_period(spec.period_start, spec.period_end)}, so {pct} % of the {spec.label} cannot be split by consumption")
        return {}
    if area_cents and sum(areas.values()) == 0:
        problems.append(f"The tenants of {tree.label(spec.source_object_id)} have a floor area of 0 m² in total, so "
                        f"{100 - pct} % of the {spec.label} cannot be split by floor area")
        return {}
    by_heat = apportion_cents(consumption_cents, [(t, Fraction(heat[t])) for t in tenants]) if consumption_cents else {t: 0 for t in tenants}
    by_area = apportion_cents(area_cents, [(t, Fraction(areas[t])) for t in tenants]) if area_cents else {t: 0 for t in tenants}
    return {
        t: ShareLine(spec.spec_id, kind, _money(by_heat[t] + by_area[t]), heat.get(t, Decimal(0)),
                     _money(by_heat[t]), _money(by_area[t]), areas.get(t))
        for t in tenants
    }


def reconcile(
    specs: Sequence[ReconciliationSpec],
    tree: ObjectTree,
    source_object_id: str,
    tenant_data: Iterable[TenantReading],
    advances: Mapping[str, Decimal],
    template: Template = GENERIC,
) -> ReconciliationResult:
    """Each target's share of every reconciliation of the source, its advances and its balance.

    Raises `TemplateError` when the specs do not fit the template (checked first: no document is
    produced), and `ReconciliationError` listing every data problem otherwise.
    """
    specs = tuple(specs)
    check_template(template, specs)
    readings = tuple(tenant_data)
    problems: list[str] = []
    source = tree.object(source_object_id)
    try:
        tenants = tree.reconciliation_targets(source_object_id)
    except ValueError as error:
        raise ReconciliationError([str(error)]) from None
    if not tenants:
        raise ReconciliationError([f"{source.label} has no objects with the 'reconciliation target' function below it, "
                                   f"so there is nobody to share its costs"])
    if not specs:
        raise ReconciliationError([f"no reconciliation was given for {source.label}"])

    currencies = sorted({spec.currency for spec in specs})
    if len(currencies) > 1:
        problems.append(f"the reconciliations of {source.label} are in different currencies ({', '.join(currencies)}); "
                        f"reconcile each currency separately")
    currency = currencies[0]
    for spec in specs:
        if spec.source_object_id != source_object_id:
            problems.append(f"{spec.label} is for {tree.label(spec.source_object_id)}, not for {source.label}")
    seen: set[str] = set()
    for spec in specs:
        if spec.spec_id in seen:
            problems.append(f"reconciliation id {spec.spec_id} is used twice")
        seen.add(spec.spec_id)
    for tenant_id in tenants:
        tenant = tree.object(tenant_id)
        if not tenant.has_billing_information:
            problems.append(f"Tenant {tenant.label} has no billing information (Parameters - Billing: currency)")
        elif tenant.currency != currency:
            problems.append(f"Tenant {tenant.label} is billed in {tenant.currency}, but the reconciliation is in {currency}")
    unknown = sorted({r.tenant_id for r in readings} - set(tenants))
    for tenant_id in unknown:
        problems.append(f"meter readings were given for {tree.label(tenant_id)}, which is not a reconciliation target of "
                        f"{source.label}")
    advance_amounts: dict[str, Decimal] = {}
    for tenant_id, paid in advances.items():
        if tenant_id not in tenants:
            problems.append(f"advances were given for {tree.label(tenant_id)}, which is not a reconciliation target of {source.label}")
            continue
        value = to_decimal(paid, f"the advances of {tenant_id}")
        if value != round_amount(value):
            problems.append(f"the advances paid by {tree.label(tenant_id)} ({value}) are not in whole cents")
            continue
        advance_amounts[tenant_id] = round_amount(value)

    per_spec: dict[str, dict[str, ShareLine]] = {}
    for spec in specs:
        per_spec[spec.spec_id] = _shares(spec, tenants, tree, readings, problems)
    if problems:
        raise ReconciliationError(problems)

    rows: list[TenantReconciliation] = []
    for tenant_id in tenants:
        shares = tuple(per_spec[spec.spec_id][tenant_id] for spec in specs)
        total = sum((line.amount for line in shares), Decimal("0.00"))
        paid = advance_amounts.get(tenant_id, Decimal("0.00"))
        rows.append(TenantReconciliation(tenant_id, tree.object(tenant_id).name, shares, total, paid, total - paid))
    return ReconciliationResult(source_object_id, template.name, currency, specs, tuple(rows))
