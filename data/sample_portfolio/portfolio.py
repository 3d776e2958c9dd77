"""The sample portfolio: companies, locations, customers, metering points and contracts.

Built from the seed alone, without any series, so tests can inspect it cheaply. The first
customers follow a fixed pattern that puts every class and every distributor into even a
tiny portfolio; the rest are drawn at random.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import date
import numpy as np

from data.sample_portfolio.contracts import ContractAddendum, ContractTerms, build_contract
from data.sample_portfolio.identifiers import bg_eic, bg_vat_number, ro_pod, ro_vat_number
from data.sample_portfolio.load_profiles import CLASSES, PROFILES, max_interval_power_kw
from data.sample_portfolio.locations import Location, build_locations
from data.sample_portfolio.markets import DSOS_BY_ID, MARKETS, MARKETS_BY_CODE, Dso, Market
from data.sample_portfolio.names import INVOICE_MAILBOX, business_name, person_name, slug
from data.sample_portfolio.randomness import stream
from data.sample_portfolio.timegrid import Month, local_midnight_utc

INTERVALS = {"15min": 15, "60min": 60}
DEFAULT_INTERVAL = {"household": 60, "commercial": 15, "industrial": 15}
LATE_JOIN_SHARE = 0.10
CAPACITY_HEADROOM = 1.6  # connection capacity >= 1.6 x the highest possible interval power
# (market, DSO, class) of the first customers, one metering point each.
FIXED_PATTERN: tuple[tuple[str, str, str], ...] = (
    ("RO", "RO-DSO-SUD", "household"),
    ("BG", "BG-DSO-SEVER", "household"),
    ("RO", "RO-DSO-VEST", "commercial"),
    ("BG", "BG-DSO-YUG", "commercial"),
    ("RO", "RO-DSO-SUD", "industrial"),
    ("BG", "BG-DSO-YUG", "industrial"),
)
CLASS_WEIGHTS = (0.62, 0.27, 0.11)
POINTS_PER_CUSTOMER: dict[str, tuple[tuple[int, ...], tuple[float, ...]]] = {
    "household": ((1,), (1.0,)),
    "commercial": ((1, 2, 3), (0.6, 0.25, 0.15)),
    "industrial": ((1, 2, 3, 4), (0.4, 0.3, 0.2, 0.1)),
}


@dataclass(frozen=True)
class Customer:
    """A customer of one supplier company."""

    customer_id: str
    company_id: str
    market_code: str
    name: str
    customer_class: str
    vat_number: str
    invoice_language: str
    invoice_email: str
    payment_terms_days: int


@dataclass(frozen=True)
class MeteringPoint:
    """A metering point with its master data and the parameters of its consumption."""

    metering_point_id: str
    serial: int  # position in the portfolio; keys the point's random stream
    customer_id: str
    company_id: str
    market_code: str
    dso_id: str
    location_id: str
    customer_class: str
    interval_minutes: int
    supply_start: date
    supply_start_utc: int
    connection_capacity_w: int  # kW with 3 decimals, as an integer number of watts
    voltage_level: str
    monthly_kwh: float  # expected consumption of an average month
    heating_per_c: float
    cooling_per_c: float
    tan_phi: float
    capacitive_night_ratio: float  # capacitive/active energy at night; 0 without a capacitor bank
    noise_sigma: float

    def active_in(self, month: Month) -> bool:
        return self.supply_start <= month.last_day


@dataclass(frozen=True)
class Portfolio:
    """Everything the generator knows before simulating consumption."""

    seed: int
    months: tuple[Month, ...]
    interval: str | None
    markets: tuple[Market, ...]
    locations: tuple[Location, ...]
    customers: tuple[Customer, ...]
    metering_points: tuple[MeteringPoint, ...]
    contracts: tuple[ContractAddendum, ...]

    @property
    def dsos(self) -> tuple[Dso, ...]:
        return tuple(d for m in self.markets for d in m.dsos)

    def meters_of(self, dso_id: str, month: Month) -> tuple[MeteringPoint, ...]:
        """Points of a distributor supplied in (part of) a month, sorted by identifier."""
        return tuple(
            sorted(
                (m for m in self.metering_points if m.dso_id == dso_id and m.active_in(month)),
                key=lambda m: m.metering_point_id,
            )
        )


def parse_interval(interval: str | None) -> int | None:
    """`15min`/`60min` to minutes; None keeps the class defaults."""
    if interval is None:
        return None
    if interval not in INTERVALS:
        raise ValueError(f"interval must be one of {sorted(INTERVALS)}, got {interval!r}")
    return INTERVALS[interval]


def _capacity_w(customer_class: str, max_kw: float) -> int:
    """A standard connection size at least CAPACITY_HEADROOM x the highest interval power."""
    needed = max_kw * CAPACITY_HEADROOM
    if customer_class == "household":
        for size in (6, 9, 11, 15, 22, 30, 40):
            if size >= needed:
                return size * 1000
    step = 5 if needed < 100 else 25 if needed < 1000 else 100
    return int(math.ceil(needed / step) * step) * 1000


def _voltage(customer_class: str, capacity_w: int) -> str:
    if customer_class == "household" or (customer_class == "commercial" and capacity_w < 100_000):
        return "LV"
    return "HV" if capacity_w >= 800_000 else "MV"


class _IdentifierPool:
    """Unique metering-point identifiers per distributor format."""

    def __init__(self, rng: np.random.Generator) -> None:
        self._rng = rng
        self.used: set[str] = set()

    def new(self, dso: Dso) -> str:
        while True:
            if dso.market_code == "RO":
                candidate: str | None = ro_pod(dso.area_code * 10_000_000 + int(self._rng.integers(0, 10_000_000)))
            else:
                candidate = bg_eic(dso.area_code, int(self._rng.integers(10**9, 10**11)))
            if candidate is not None and candidate not in self.used:
                self.used.add(candidate)
                return candidate


def _new_point(
    rng: np.random.Generator,
    serial: int,
    point_id: str,
    customer: Customer,
    dso: Dso,
    location_id: str,
    interval_minutes: int,
) -> MeteringPoint:
    profile = PROFILES[customer.customer_class]
    median, sigma, low, high = profile.monthly_kwh
    monthly_kwh = float(np.clip(median * np.exp(sigma * rng.standard_normal()), low, high))
    heating = profile.heating_per_c * float(np.exp(0.4 * rng.standard_normal()))
    cooling = profile.cooling_per_c * float(np.exp(0.4 * rng.standard_normal()))
    tan_phi = float(rng.uniform(*profile.tan_phi))
    capacitive = float(rng.uniform(0.03, 0.12)) if rng.random() < profile.capacitor_share else 0.0
    noise = profile.noise_sigma
    capacity = _capacity_w(
        customer.customer_class, max_interval_power_kw(customer.customer_class, monthly_kwh, heating, cooling, noise)
    )
    return MeteringPoint(
        metering_point_id=point_id,
        serial=serial,
        customer_id=customer.customer_id,
        company_id=customer.company_id,
        market_code=customer.market_code,
        dso_id=dso.dso_id,
        location_id=location_id,
        customer_class=customer.customer_class,
        interval_minutes=interval_minutes,
        supply_start=date(1970, 1, 1),  # set once the start month is known
        supply_start_utc=0,
        connection_capacity_w=capacity,
        voltage_level=_voltage(customer.customer_class, capacity),
        monthly_kwh=monthly_kwh,
        heating_per_c=heating,
        cooling_per_c=cooling,
        tan_phi=tan_phi,
        capacitive_night_ratio=capacitive,
        noise_sigma=noise,
    )


def _new_customer(rng: np.random.Generator, number: int, market: Market, customer_class: str) -> Customer:
    if customer_class == "household":
        name = person_name(rng, market.code)
        vat = ""
        email = f"{slug(name)}@mail.example" if rng.random() < 0.7 else ""
        terms = 15
    else:
        name = business_name(rng, market.code, customer_class)
        body = int(rng.integers(10_000_000, 50_000_000))
        vat = ro_vat_number(body) if market.code == "RO" else bg_vat_number(body)
        email = f"{INVOICE_MAILBOX[market.code]}@{slug(name).rsplit('.', 1)[0].replace('.', '-')}.example"
        terms = 30 if customer_class == "commercial" else int(rng.choice([30, 45, 60]))
    language = market.language if rng.random() < 0.85 else "en"
    return Customer(
        f"CU-{market.code}-{number:05d}", market.company_id, market.code, name, customer_class, vat, language, email, terms
    )


def build_portfolio(
    seed: int = 42, meters: int = 160, months: int = 13, interval: str | None = None, start_month: str = "2025-10"
) -> Portfolio:
    """The deterministic portfolio for the generation parameters."""
    if meters < 1 or months < 1:
        raise ValueError("meters and months must be at least 1")
    forced_interval = parse_interval(interval)
    period = tuple(Month.parse(start_month).plus(i) for i in range(months))
    rng = stream(seed, "portfolio")
    ids = _IdentifierPool(stream(seed, "identifiers"))
    locations = build_locations(seed)
    buildings_by_dso: dict[str, list[Location]] = {}
    sites_by_dso: dict[str, list[Location]] = {}
    for location in locations:
        if location.location_type == "building":
            buildings_by_dso.setdefault(location.dso_id, []).append(location)
        elif location.location_type == "site":
            sites_by_dso.setdefault(location.dso_id, []).append(location)

    customers: list[Customer] = []
    points: list[MeteringPoint] = []
    while len(points) < meters:
        number = len(customers) + 1
        if len(customers) < len(FIXED_PATTERN):
            market_code, dso_id, customer_class = FIXED_PATTERN[len(customers)]
            count = 1
        else:
            market_code = "RO" if rng.random() < 0.55 else "BG"
            dso_id = MARKETS_BY_CODE[market_code].dsos[int(rng.integers(2))].dso_id
            customer_class = CLASSES[int(rng.choice(len(CLASSES), p=CLASS_WEIGHTS))]
            counts, weights = POINTS_PER_CUSTOMER[customer_class]
            count = counts[int(rng.choice(len(counts), p=weights))]
        count = min(count, meters - len(points))
        customer = _new_customer(rng, number, MARKETS_BY_CODE[market_code], customer_class)
        customers.append(customer)
        site = sites_by_dso[dso_id][int(rng.integers(len(sites_by_dso[dso_id])))]
        site_buildings = [b for b in buildings_by_dso[dso_id] if b.parent_location_id == site.location_id]
        for k in range(count):
            building = site_buildings[(int(rng.integers(len(site_buildings))) + k) % len(site_buildings)]
            minutes = forced_interval or DEFAULT_INTERVAL[customer_class]
            dso = DSOS_BY_ID[dso_id]
            points.append(_new_point(rng, len(points), ids.new(dso), customer, dso, building.location_id, minutes))

    # Supply starts: most points from the first day; about 10% join in months 2-6.
    join_rng = stream(seed, "supply-start")
    late = (join_rng.random(len(points)) < LATE_JOIN_SHARE) & (months >= 2)
    late[: len(FIXED_PATTERN)] = False
    if months >= 2 and len(points) > len(FIXED_PATTERN) and not late.any():
        late[-1] = True
    join_month = join_rng.integers(1, max(2, min(6, months)), size=len(points))  # months 2-6 of the period
    join_day = join_rng.integers(1, 29, size=len(points))
    started: list[MeteringPoint] = []
    for k, point in enumerate(points):
        start = period[0].first_day
        if late[k]:
            month = period[int(join_month[k])]
            start = date(month.year, month.month, int(join_day[k]))
        timezone = MARKETS_BY_CODE[point.market_code].timezone
        started.append(replace(point, supply_start=start, supply_start_utc=local_midnight_utc(start, timezone)))

    contract_rng = stream(seed, "contracts")
    contracts: list[ContractAddendum] = []
    for customer in customers:
        own = [p for p in started if p.customer_id == customer.customer_id]
        terms = ContractTerms(
            contract_id=f"CT-{customer.market_code}-{customer.customer_id[-5:]}",
            company_id=customer.company_id,
            customer_id=customer.customer_id,
            market_code=customer.market_code,
            customer_class=customer.customer_class,
            expected_monthly_kwh=sum(p.monthly_kwh for p in own),
            supply_start=min(p.supply_start for p in own),
            invoice_language=customer.invoice_language,
            invoice_email=customer.invoice_email,
            payment_terms_days=customer.payment_terms_days,
        )
        contracts.extend(build_contract(terms, period, contract_rng))

    return Portfolio(
        seed=seed,
        months=period,
        interval=interval,
        markets=MARKETS,
        locations=locations,
        customers=tuple(customers),
        metering_points=tuple(started),
        contracts=tuple(contracts),
    )


def confirmations_of(portfolio: Portfolio, dso_id: str, month: Month) -> tuple[MeteringPoint, ...]:
    """Points a distributor confirms in a month: those whose supply starts in it."""
    return tuple(p for p in portfolio.meters_of(dso_id, month) if month.contains(p.supply_start))


def customers_by_id(portfolio: Portfolio) -> dict[str, Customer]:
    """Customers keyed by identifier."""
    return {c.customer_id: c for c in portfolio.customers}
