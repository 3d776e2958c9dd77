"""Invoices received, price lists and service-charge reconciliations of the cost-allocation sample.

Per month: an electricity invoice for the complex meter (its consumption is the meter's reading,
its amount the consumption × a unit price of 3.85-4.15 CZK/kWh rounded half up to cents), a heat
invoice per building meter (480-620 CZK/GJ), and per building a telecommunication and a salaries
invoice, plus a maintenance invoice every third month. Electricity and maintenance invoices carry an
`alert_threshold_amount`: above the amount for all of them but one electricity invoice (overcharged).
One more electricity invoice covers the two months after the last generated one: its period has not
ended, so the open-ended price list prices it instead.

Reconciliations cover the first 12 generated months (all of them when fewer): building 1 Smart
Cube template with water, heating (50 % by metered heat) and non-energy rows; building 2 Smart Cube
without heating; building 3 generic with water (one of its tenants has no water meter).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Sequence

from data.sample_portfolio.allocation_site import COMPLEX_ID, CURRENCY, Site
from data.sample_portfolio.randomness import stream
from data.sample_portfolio.timegrid import Month

RECONCILIATION_MONTHS = 12
HEATING_CONSUMPTION_SHARE_HUNDREDTHS = 5000  # 50.00 %
PRICE_LIST_ID = "PL-SC-EL-01"


@dataclass(frozen=True)
class Invoice:
    invoice_id: str
    category: str
    meter_id: str  # empty for a non-energy invoice
    object_id: str
    period_start: date
    period_end: date
    amount_cents: int
    consumption: int | None  # thousandths
    unit: str
    note: str
    threshold_cents: int | None = None

    @property
    def is_energy(self) -> bool:
        return self.consumption is not None


@dataclass(frozen=True)
class PriceList:
    price_list_id: str
    energy_type: str
    object_id: str
    valid_from: date
    valid_to: date | None
    unit_price_millionths: int
    unit: str


@dataclass(frozen=True)
class Spec:
    spec_id: str
    source_object_id: str
    kind: str
    name: str
    cost_cents: int
    pct_hundredths: int | None
    template: str


def half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half up (both ≥ 0)."""
    return (2 * numerator + denominator) // (2 * denominator)


def _amount(consumption: int, price_cents: int) -> int:
    """Cents of consumption (thousandths) × unit price (cents per unit), rounded half up."""
    return half_up(consumption * price_cents, 1000)


def _threshold_above(amount_cents: int) -> int:
    """An alert amount about 25 % above the invoice, in whole hundreds."""
    return (amount_cents * 125 // 100 // 10000 + 1) * 10000


def month_invoices(site: Site, seed: int, month: Month, readings: dict[str, int], overcharged: bool) -> list[Invoice]:
    """The invoices received for one month, in invoice id order."""
    rng = stream(seed, "allocation_invoices", month.ordinal)
    start, end, label = month.first_day, month.last_day, month.label
    electricity_price = int(rng.integers(385, 416))
    heat_price = int(rng.integers(48000, 62001))
    meter = f"{COMPLEX_ID}-EL"
    consumption = readings[meter]
    amount = _amount(consumption, electricity_price)
    threshold = amount * 90 // 100 // 10000 * 10000 if overcharged else _threshold_above(amount)
    invoices = [Invoice(f"EL-{COMPLEX_ID}-{label}", "electricity", meter, COMPLEX_ID, start, end, amount, consumption, "kWh",
                        f"electricity {label}", threshold)]
    for building in site.buildings:
        heat_meter = f"{building}-HT"
        heat = readings[heat_meter]
        invoices.append(Invoice(f"HT-{building}-{label}", "heat", heat_meter, building, start, end, _amount(heat, heat_price),
                                heat, "GJ", f"heat {label}"))
        invoices.append(Invoice(f"TEL-{building}-{label}", "telecommunication", "", building, start, end,
                                int(rng.integers(95000, 185001)), None, "", "internet and telephone"))
        invoices.append(Invoice(f"SAL-{building}-{label}", "salaries", "", building, start, end,
                                int(rng.integers(2400000, 3100001)), None, "", "caretaker and reception"))
        if month.ordinal % 3 == 0:
            maintenance = int(rng.integers(600000, 1500001))
            invoices.append(Invoice(f"MNT-{building}-{label}", "maintenance", "", building, start, end, maintenance, None, "",
                                    "lifts and fire safety inspection", _threshold_above(maintenance)))
    return sorted(invoices, key=lambda i: i.invoice_id)


def overcharged_month(seed: int, months: Sequence[Month]) -> Month:
    return months[int(stream(seed, "allocation_overcharge").integers(len(months)))]


def price_list(months: Sequence[Month], seed: int) -> PriceList:
    """The complex's electricity price from the first generated month on, open-ended."""
    millionths = int(stream(seed, "allocation_price_list").integers(3_900_000, 4_100_001))
    return PriceList(PRICE_LIST_ID, "electricity", COMPLEX_ID, months[0].first_day, None, millionths, "kWh")


def future_invoice(months: Sequence[Month], readings: dict[str, int], price: PriceList) -> Invoice:
    """An electricity invoice for the two months after the last generated one (an advance on estimated consumption)."""
    first, last = months[-1].plus(1), months[-1].plus(2)
    estimate = readings[f"{COMPLEX_ID}-EL"] * 2 // 1000 * 1000  # twice the last month, whole kWh
    amount = half_up(estimate * price.unit_price_millionths, 10_000_000)
    return Invoice(f"EL-{COMPLEX_ID}-{first.label}-{last.label}", "electricity", f"{COMPLEX_ID}-EL", COMPLEX_ID, first.first_day,
                   last.last_day, amount, estimate, "kWh", "advance invoice on estimated consumption")


def reconciliation_months(months: Sequence[Month]) -> list[Month]:
    return list(months[:RECONCILIATION_MONTHS])


def reconciliation_specs(site: Site, seed: int, months: Sequence[Month]) -> list[Spec]:
    """The reconciliation rows: building 1 succeeds, building 2 lacks heating, building 3 has a tenant without water meter."""
    rng = stream(seed, "allocation_reconciliations")
    scale = len(months)

    def cost(low: int, high: int) -> int:  # whole CZK per year, plus random cents, scaled to the period
        return (int(rng.integers(low, high + 1)) * 100 + int(rng.integers(1, 100))) * scale // RECONCILIATION_MONTHS

    b1, b2, b3 = site.buildings
    return [
        Spec(f"RC-{b1}-WATER", b1, "water", "Water and sewage", cost(42000, 68000), None, "smart_cube"),
        Spec(f"RC-{b1}-HEAT", b1, "heating", "Heating", cost(180000, 320000), HEATING_CONSUMPTION_SHARE_HUNDREDTHS, "smart_cube"),
        Spec(f"RC-{b1}-SERV", b1, "non_energy", "Cleaning and maintenance", cost(30000, 60000), None, "smart_cube"),
        Spec(f"RC-{b2}-WATER", b2, "water", "Water and sewage", cost(42000, 68000), None, "smart_cube"),
        Spec(f"RC-{b2}-SERV", b2, "non_energy", "Cleaning and maintenance", cost(30000, 60000), None, "smart_cube"),
        Spec(f"RC-{b3}-WATER", b3, "water", "Water and sewage", cost(42000, 68000), None, "generic"),
    ]


def yearly_meters(site: Site) -> list[str]:
    """The tenant meters whose readings over the reconciliation period are delivered: water (every building), heat (building 1)."""
    meters = []
    for number, building in enumerate(site.buildings):
        for tenant in site.tenants[building]:
            for energy_type in ("water", "heat") if number == 0 else ("water",):
                meter = site.meter(tenant, energy_type)
                if meter is not None:
                    meters.append(meter.meter_id)
    return sorted(meters)
