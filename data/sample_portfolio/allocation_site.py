"""The Smart Cube site of the cost-allocation sample: its objects, billing meters and their monthly readings.

One complex (`SC`, "Smart Cube", CZK) with three buildings (`SC-B1` .. `SC-B3`); each building has
3-5 tenants (`SC-B1-T01` ...), and building 3 one tenant more that has no water meter (the last
id of that building). Meters: an invoiced electricity meter on the complex; electricity meters
(not invoiced) on every building and tenant; an invoiced heat meter and an invoiced water meter per
building; heat meters on every tenant, water meters on every tenant but that one.

Readings are whole thousandths (`int`) so sums are exact. Each level meters less than the level
above it, every month and for every energy type (complex electricity > Σ buildings > Σ tenants of
each building): the children share 82-97 % of the parent, the rest is loss.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from data.sample_portfolio.randomness import stream
from data.sample_portfolio.timegrid import Month

COMPLEX_ID = "SC"
COMPLEX_NAME = "Smart Cube"
CURRENCY = "CZK"
BUILDING_NAMES = ("Building A", "Building B", "Building C")
TENANT_NAMES = (
    "Kavárna Modrý Kocour",
    "Advokátní kancelář Dvořák",
    "Pekárna U Mlýna",
    "Zubní ordinace Úsměv",
    "Knihkupectví Oko",
    "Fitness Puls",
    "Květinářství Iris",
    "Architekti Horák",
    "Účetní služby Beneš",
    "Optika Čirá",
    "Jóga studio Klid",
    "Cestovní kancelář Vítr",
    "Lékárna Na Rohu",
    "IT servis Bit",
    "Papírnictví List",
    "Kadeřnictví Vlna",
    "Pojišťovací agentura Jistota",
    "Bistro Zelená",
)
OBJECT_TYPES = (  # type_id, name, is_reconciliation_source, is_reconciliation_target
    ("complex", "Complex", False, False),
    ("building", "Building", True, False),
    ("tenant", "Tenant", False, True),
)
UNITS = {"electricity": "kWh", "heat": "GJ", "water": "m3"}
METER_SUFFIX = {"electricity": "EL", "heat": "HT", "water": "WA"}
# Heat per month of the year, per mille of a January month: the heating season.
HEAT_SEASON = {1: 1000, 2: 920, 3: 760, 4: 520, 5: 300, 6: 160, 7: 130, 8: 130, 9: 260, 10: 520, 11: 760, 12: 950}
# The share of a parent's consumption its children meter together, per mille (the rest is loss).
CHILD_SHARE = {"electricity": ((900, 970), (850, 950)), "heat": ((0, 0), (820, 930)), "water": ((0, 0), (860, 950))}
INCOMPLETE_PERMILLE = 700  # an incomplete month reads 70 % of what was consumed


@dataclass(frozen=True)
class SiteObject:
    object_id: str
    parent_id: str | None
    type_id: str
    name: str
    floor_area_cents: int | None = None  # m² × 100
    advance_cents: int | None = None  # monthly service-charge advance, CZK × 100
    email: str = ""


@dataclass(frozen=True)
class Meter:
    meter_id: str
    object_id: str
    energy_type: str
    invoiced: bool

    @property
    def unit(self) -> str:
        return UNITS[self.energy_type]


@dataclass(frozen=True)
class Site:
    objects: tuple[SiteObject, ...]
    meters: tuple[Meter, ...]
    buildings: tuple[str, ...]
    tenants: dict[str, tuple[str, ...]]  # building -> its tenants in id order
    no_water_tenant: str
    _by_id: dict[str, SiteObject] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._by_id.update({o.object_id: o for o in self.objects})

    def object(self, object_id: str) -> SiteObject:
        return self._by_id[object_id]

    def children(self, object_id: str) -> tuple[str, ...]:
        return tuple(sorted(o.object_id for o in self.objects if o.parent_id == object_id))

    def meter(self, object_id: str, energy_type: str) -> Meter | None:
        return next((m for m in self.meters if m.object_id == object_id and m.energy_type == energy_type), None)

    def meter_by_id(self, meter_id: str) -> Meter:
        return next(m for m in self.meters if m.meter_id == meter_id)


def build_site(seed: int) -> Site:
    """The complex, its buildings and tenants (names, floor areas, advances drawn from the seed) and their meters."""
    rng = stream(seed, "allocation_site")
    names = [TENANT_NAMES[int(i)] for i in rng.permutation(len(TENANT_NAMES))]
    objects = [SiteObject(COMPLEX_ID, None, "complex", COMPLEX_NAME)]
    meters = [Meter(f"{COMPLEX_ID}-EL", COMPLEX_ID, "electricity", True)]
    buildings: list[str] = []
    tenants: dict[str, tuple[str, ...]] = {}
    no_water = ""
    for number, building_name in enumerate(BUILDING_NAMES, start=1):
        building = f"{COMPLEX_ID}-B{number}"
        count = int(rng.integers(3, 6)) + (1 if number == len(BUILDING_NAMES) else 0)
        ids = tuple(f"{building}-T{t:02d}" for t in range(1, count + 1))
        areas = [int(a) for a in rng.integers(6000, 42001, size=count)]
        advances = [int(a) * 5000 for a in rng.integers(30, 161, size=count)]  # 1 500.00 - 8 000.00 in steps of 50
        objects.append(SiteObject(building, COMPLEX_ID, "building", f"{COMPLEX_NAME} {building_name}",
                                  floor_area_cents=sum(areas) * 115 // 100))
        for tenant, area, advance in zip(ids, areas, advances):
            objects.append(SiteObject(tenant, building, "tenant", names.pop(0), area, advance, f"{tenant.lower()}@tenants.smartcube.cz"))
        buildings.append(building)
        tenants[building] = ids
        if number == len(BUILDING_NAMES):
            no_water = ids[-1]
        meters += [Meter(f"{building}-EL", building, "electricity", False), Meter(f"{building}-HT", building, "heat", True),
                   Meter(f"{building}-WA", building, "water", True)]
        for tenant in ids:
            meters += [Meter(f"{tenant}-EL", tenant, "electricity", False), Meter(f"{tenant}-HT", tenant, "heat", False)]
            if tenant != no_water:
                meters.append(Meter(f"{tenant}-WA", tenant, "water", False))
    return Site(tuple(objects), tuple(sorted(meters, key=lambda m: m.meter_id)), tuple(buildings), tenants, no_water)


def _split_below(
    rng: np.random.Generator, parent: int, children: Sequence[str], share: tuple[int, int], base: dict[str, int]
) -> dict[str, int]:
    """Children's readings adding up to 82-97 % of the parent's (strictly less): their usual weights ± 10 % this month."""
    permille = int(rng.integers(share[0], share[1] + 1))
    weights = [base[child] * int(noise) for child, noise in zip(children, rng.integers(90, 111, size=len(children)))]
    budget = parent * permille // 1000
    return {child: budget * weight // sum(weights) for child, weight in zip(children, weights)}


def usual_weights(site: Site, seed: int) -> dict[str, dict[str, int]]:
    """Per energy type, how much each object consumes relative to its siblings (the same every month)."""
    rng = stream(seed, "allocation_weights")
    ids = [o.object_id for o in site.objects]
    return {energy_type: {i: int(w) for i, w in zip(ids, rng.integers(50, 151, size=len(ids)))} for energy_type in METER_SUFFIX}


def monthly_readings(site: Site, seed: int, month: Month) -> dict[str, int]:
    """Thousandths read by each meter over `month` (meter_id -> kWh, GJ or m3 × 1000)."""
    rng = stream(seed, "allocation_consumption", month.ordinal)
    base = usual_weights(site, seed)
    by_object: dict[str, dict[str, int]] = {"electricity": {}, "heat": {}, "water": {}}
    electricity = by_object["electricity"]
    electricity[COMPLEX_ID] = int(rng.integers(60_000_000, 90_000_001))
    electricity.update(
        _split_below(rng, electricity[COMPLEX_ID], site.buildings, CHILD_SHARE["electricity"][0], base["electricity"])
    )
    for building in site.buildings:
        # A January month: 50-150 GJ of heat; any month: 100-300 m3 of water (the building's usual ± 10 %).
        heat = base["heat"][building] * int(rng.integers(900, 1101)) * HEAT_SEASON[month.month] // 1000
        water = base["water"][building] * int(rng.integers(1800, 2201))
        kids = site.tenants[building]
        by_object["heat"][building], by_object["water"][building] = heat, water
        electricity.update(_split_below(rng, electricity[building], kids, CHILD_SHARE["electricity"][1], base["electricity"]))
        by_object["heat"].update(_split_below(rng, heat, kids, CHILD_SHARE["heat"][1], base["heat"]))
        metered = [t for t in kids if site.meter(t, "water")]
        by_object["water"].update(_split_below(rng, water, metered, CHILD_SHARE["water"][1], base["water"]))
    readings: dict[str, int] = {}
    for energy_type, quantities in by_object.items():
        for object_id, quantity in quantities.items():
            meter = site.meter(object_id, energy_type)
            assert meter is not None, (object_id, energy_type)
            readings[meter.meter_id] = quantity
    return dict(sorted(readings.items()))


def incomplete_reading(site: Site, seed: int, months: Sequence[Month]) -> tuple[Month, str]:
    """The month and tenant electricity meter whose reading has gaps (complete = false)."""
    rng = stream(seed, "allocation_incomplete")
    tenants = [t for b in site.buildings for t in site.tenants[b]]
    month = months[int(rng.integers(len(months)))]
    return month, f"{tenants[int(rng.integers(len(tenants)))]}-EL"
