"""Expected results of the cost-allocation sample, computed here with whole cents and thousandths (not with `allocation/`).

Invoice allocation: an object's amount = round_half_up(its consumption × invoice amount / invoice
consumption) (the invoice's exact unit price, at every level); a parent's loss = its amount − Σ its
children's amounts, its loss consumption = its consumption − Σ theirs.

Reconciliation shares (largest remainder: every share floored to the cent, the cents left over one
each to the largest remainders, ties to the lower object id): non_energy equally; water by each
tenant's water reading over the period; heating: round_half_up(cost × pct / 100) by heat reading,
the rest by floor area. Advances = monthly advance × months of the period; balance = total − advances.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from data.sample_portfolio.allocation_invoices import Invoice, Spec, half_up
from data.sample_portfolio.allocation_site import Site

SMART_CUBE_NEEDS = ("water", "heating")


def money(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"


def quantity(thousandths: int) -> str:
    return f"{thousandths // 1000}.{thousandths % 1000:03d}"


def largest_remainder(total: int, weights: Sequence[tuple[str, int]]) -> dict[str, int]:
    """`total` cents split in proportion to integer weights; leftover cents to the largest remainders, ties to the lower key."""
    weight_sum = sum(w for _, w in weights)
    assert weight_sum > 0
    floors = {key: total * w // weight_sum for key, w in weights}
    remainders = {key: total * w % weight_sum for key, w in weights}
    left = total - sum(floors.values())
    for key in sorted(floors, key=lambda k: (-remainders[k], k))[:left]:
        floors[key] += 1
    return floors


def invoice_allocation(site: Site, invoice: Invoice, by_object: Mapping[str, int], incomplete: Sequence[str]) -> dict[str, Any]:
    """Amount and consumption of every object reached by an elapsed energy invoice, and the loss below each parent.

    `by_object`: the object's reading of the invoice's energy type for exactly its period (thousandths).
    """
    assert invoice.consumption is not None
    objects: dict[str, dict[str, Any]] = {
        invoice.object_id: {
            "parent_id": site.object(invoice.object_id).parent_id, "depth": 0,
            "consumption": quantity(invoice.consumption), "amount": money(invoice.amount_cents),
        }
    }
    losses: dict[str, dict[str, str]] = {}
    queue = [(invoice.object_id, 0, invoice.consumption, invoice.amount_cents)]
    while queue:
        parent, depth, parent_quantity, parent_cents = queue.pop(0)
        kids = [kid for kid in site.children(parent) if kid in by_object]
        if not kids:
            continue
        kid_quantity = sum(by_object[kid] for kid in kids)
        cents = {kid: half_up(by_object[kid] * invoice.amount_cents, invoice.consumption) for kid in kids}
        assert kid_quantity < parent_quantity and sum(cents.values()) <= parent_cents, (invoice.invoice_id, parent)
        losses[parent] = {"consumption": quantity(parent_quantity - kid_quantity), "amount": money(parent_cents - sum(cents.values()))}
        for kid in kids:
            objects[kid] = {"parent_id": parent, "depth": depth + 1, "consumption": quantity(by_object[kid]), "amount": money(cents[kid])}
            queue.append((kid, depth + 1, by_object[kid], cents[kid]))
    return {
        "category": invoice.category,
        "object_id": invoice.object_id,
        "meter_id": invoice.meter_id,
        "period_start": invoice.period_start.isoformat(),
        "period_end": invoice.period_end.isoformat(),
        "amount": money(invoice.amount_cents),
        "consumption": quantity(invoice.consumption),
        "unit": invoice.unit,
        "unit_price": _unit_price_text(invoice.amount_cents, invoice.consumption),
        "objects": objects,
        "losses": losses,
        "incomplete_objects": sorted(o for o in incomplete if o in objects),
    }


def _unit_price_text(amount_cents: int, consumption: int) -> str:
    """amount / consumption rounded half up to 6 decimals (for display; amounts use the exact ratio)."""
    millionths = half_up(amount_cents * 10 * 1000 * 1000, consumption)  # cents × 10⁴ per thousandth = CZK × 10⁶ per unit
    return f"{millionths // 10**6}.{millionths % 10**6:06d}"


def reconciliation(
    site: Site, building: str, specs: Sequence[Spec], readings: Mapping[str, int], months: int
) -> dict[str, Any]:
    """The expected outcome of one building's reconciliation: `ok` with every tenant's shares, or the error kind.

    `readings`: each tenant meter's reading for exactly the reconciliation period (meter_id -> thousandths).
    """
    template = specs[0].template
    result: dict[str, Any] = {"template": template, "spec_ids": [s.spec_id for s in specs]}
    if template == "smart_cube":
        missing = [kind for kind in SMART_CUBE_NEEDS if sum(1 for s in specs if s.kind == kind) != 1]
        if missing:
            return {**result, "status": "error", "error_kind": f"template_missing_{missing[0]}", "missing_kinds": missing}
    tenants = site.tenants[building]
    for medium, kind in (("water", "water"), ("heat", "heating")):
        if any(s.kind == kind for s in specs):
            without = [t for t in tenants if site.meter(t, medium) is None]
            if without:
                return {**result, "status": "error", "error_kind": f"tenant_without_{medium}_meter", "tenant_id": without[0],
                        "tenant_ids": without}
            assert all(site.meter(t, medium).meter_id in readings for t in tenants)  # type: ignore[union-attr]

    shares: dict[str, dict[str, dict[str, Any]]] = {t: {} for t in tenants}
    share_cents: dict[tuple[str, str], int] = {}
    for spec in specs:
        if spec.kind == "non_energy":
            cents = largest_remainder(spec.cost_cents, [(t, 1) for t in tenants])
            for t in tenants:
                shares[t][spec.spec_id] = {"kind": spec.kind, "amount": money(cents[t]), "basis_quantity": "1"}
                share_cents[(t, spec.spec_id)] = cents[t]
        elif spec.kind == "water":
            water = {t: readings[f"{t}-WA"] for t in tenants}
            cents = largest_remainder(spec.cost_cents, [(t, water[t]) for t in tenants])
            for t in tenants:
                shares[t][spec.spec_id] = {"kind": spec.kind, "amount": money(cents[t]), "basis_quantity": quantity(water[t])}
                share_cents[(t, spec.spec_id)] = cents[t]
        else:
            assert spec.pct_hundredths is not None
            by_heat_cents = half_up(spec.cost_cents * spec.pct_hundredths, 10000)
            heat = {t: readings[f"{t}-HT"] for t in tenants}
            areas = {t: site.object(t).floor_area_cents or 0 for t in tenants}
            by_heat = largest_remainder(by_heat_cents, [(t, heat[t]) for t in tenants])
            by_area = largest_remainder(spec.cost_cents - by_heat_cents, [(t, areas[t]) for t in tenants])
            for t in tenants:
                shares[t][spec.spec_id] = {
                    "kind": spec.kind, "amount": money(by_heat[t] + by_area[t]), "basis_quantity": quantity(heat[t]),
                    "consumption_part": money(by_heat[t]), "area_part": money(by_area[t]), "floor_area_m2": money(areas[t]),
                }
                share_cents[(t, spec.spec_id)] = by_heat[t] + by_area[t]
    tenant_rows: dict[str, dict[str, Any]] = {}
    for t in tenants:
        total = sum(share_cents[(t, spec.spec_id)] for spec in specs)
        advances = (site.object(t).advance_cents or 0) * months
        tenant_rows[t] = {"shares": shares[t], "total": money(total), "advances_paid": money(advances),
                          "balance": money(total - advances)}
    for spec in specs:
        assert sum(share_cents[(t, spec.spec_id)] for t in tenants) == spec.cost_cents
    return {**result, "status": "ok", "currency": "CZK", "tenants": tenant_rows}
