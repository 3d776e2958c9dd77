"""The invoice lines of one metering point-month (or contract-month), from consumption and tariff.

Every function returns `billing.invoice_math.InvoiceLine`s: quantity × unit price, whose net
amount is rounded once by the line (round_amount, 2 decimals, half up), so the invoice's
totals and VAT come from `billing.invoice_math.compute_totals`. Numbers are Decimal, int or
str, never float (`billing.money.to_decimal`); every rounding below is named.

Energy (`energy_lines`), by product:

- FIX: one line, month kWh × fixed price per kWh.
- Regulated tariff (eligible customers): the same as FIX with the regulated price; the line
  description says "regulated tariff" and `EnergyCharges.regulated` is True (InvoiceLine
  itself has no metadata field).
- TOU: one line per priced tariff zone (day / night / peak), zone kWh × zone price, also for
  a zone with 0 kWh. Zone kWh come as the DSO bills them (`Consumption.zone_kwh`) or are
  summed from hourly data by the *local* market hour of each interval (`TouTariff.hour_zones`
  and `TouTariff.timezone`), so a 23-hour spring-forward day has one night hour less and a
  25-hour autumn day one more. The lines' quantities add up to the month kWh.
- INDEX (day-ahead + margin): the month's cost is, exactly,
      C = Σ_h kWh_h × (DA_h / 1000 + margin)       (DA_h in currency per MWh, may be < 0)
  over every interval of the hourly data (instants, so 23 or 25 hours on DST days). It is
  invoiced as ONE line: quantity Q = Σ_h kWh_h, unit price p = round_unit_price(C / Q) —
  the consumption-weighted average price, rounded half up to 6 decimals (computed from
  exact fractions, no intermediate rounding). The line net is then round_amount(Q × p),
  which may differ from round_amount(C) by rounding: |Q × p − C| ≤ Q × 0.0000005, plus at
  most 0.005 for the rounding to cents. The exact C and the hour-by-hour figures are
  returned in `IndexPriceDetail` so the annex can show them. An interval of the hourly data
  without a day-ahead price is refused with a ValueError naming the intervals: money is
  never guessed. If the average price is negative the line is a credit: quantity −Q at unit
  price |p| (EN 16931 BR-27 forbids negative unit prices; the net is the same, half-up
  rounding being symmetric). With Q = 0 the average is undefined: the line is 0 kWh at 0.
  Hourly keys are timezone-aware interval starts (naive datetimes are refused: they are
  ambiguous on a 25-hour day); a day-ahead series is matched on the same instants.

Reactive energy (`reactive_energy_lines`): the threshold is a `ReactiveThreshold` given as
tan φ or as cos φ (tan φ = sqrt(1 − cos² φ) / cos φ, computed with 50 significant digits and
rounded half up to 6 decimals: cos φ 0.95 → 0.328684, 0.9 → 0.484322).
Billable inductive kvarh = max(0, inductive − tan φ_max × active kWh); billable capacitive
kvarh = max(0, capacitive − capacitive_threshold_share × active kWh), where the share is
kvarh allowed per kWh (default 0: all capacitive energy is billed). Billable quantities are
rounded half up to 3 decimals (round_quantity); a line is emitted only for a billable
quantity above 0.

Excise (`excise_line`): rate per MWh from a (country, customer class) table in the invoice
currency. MWh = kWh / 1000 rounded half up to 6 decimals (exact when kWh has at most 3
decimals). The exempt share is the larger of the class's share in `exemptions` (e.g.
household 100 %) and the customer's certificate (`exempt_share_pct`); the line quantity is
the taxable MWh = MWh × (100 − exempt share) / 100, rounded half up to 6 decimals. Fully
exempt: no line (None).

Green certificates (`green_certificate_line`): quantity = certificates = MWh × quota
(certificates per MWh), rounded half up to 6 decimals; unit price = certificate price.

Network fees (`network_fee_lines`): the DSO's rows (contract `dso_network_fees`) are passed
through as they are, one line each (quantity in the row's unit, kWh or kW); each row's
amount must equal round_amount(quantity × unit_price), or its negative for a credit row
(which becomes a line with negative quantity); otherwise the row is refused with a
ValueError naming the fee.

VAT: `vat_rate_for(country, on_date)` reads a small dated table (RO 19 % until 2025-07-31
and 21 % from 2025-08-01; BG 20 %); `standard_vat` makes the category S terms from it and
`VatTerms.exempt()` the category E terms for an exempt customer. Which date is the tax
point (period end, invoice date) is the caller's decision. Every function takes the
`VatTerms` its lines carry.

Pure Python: no Dagster, no database, no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Context, Decimal, DivisionByZero, InvalidOperation, Overflow
from fractions import Fraction
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo

from billing.invoice_math import InvoiceLine, VatCategory
from billing.money import (
    UNIT_PRICE_PLACES,
    decimal_places,
    exact_product,
    exact_sum,
    percent_of,
    round_amount,
    round_quantity,
    round_unit_price,
    to_decimal,
)

# Tariff zones in the order their lines are listed (others follow in the tariff's order).
TARIFF_ZONES: tuple[str, ...] = ("day", "night", "peak")
KWH_PER_MWH = Decimal(1000)
MWH_PLACES = 6
CERTIFICATE_PLACES = 6
REACTIVE_PLACES = 3
# tan φ from cos φ: 50 significant digits before rounding to 6 decimals.
_TRIG = Context(prec=50, rounding=ROUND_HALF_UP, traps=[InvalidOperation, DivisionByZero, Overflow])

# Standard VAT rates, per country: (valid from, rate %), in date order.
VAT_RATES: Mapping[str, tuple[tuple[date, Decimal], ...]] = MappingProxyType(
    {
        "RO": ((date.min, Decimal("19")), (date(2025, 8, 1), Decimal("21"))),
        "BG": ((date.min, Decimal("20")),),
    }
)


# --- small helpers ------------------------------------------------------------------------------


def _nonnegative(value: int | str | Decimal, field_name: str) -> Decimal:
    number = to_decimal(value, field_name)
    if number < 0:
        raise ValueError(f"{field_name} must not be negative, not {number}")
    return number


def _price(value: int | str | Decimal, field_name: str) -> Decimal:
    number = _nonnegative(value, field_name)
    if decimal_places(number) > UNIT_PRICE_PLACES:
        raise ValueError(f"{field_name} may have at most {UNIT_PRICE_PLACES} decimals, not {number}")
    return number


def _percent(value: int | str | Decimal, field_name: str) -> Decimal:
    number = _nonnegative(value, field_name)
    if number > 100:
        raise ValueError(f"{field_name} is a percentage between 0 and 100, not {number}")
    return number


def _kwh_to_mwh(kwh: Decimal) -> Decimal:
    """kWh / 1000 rounded half up to 6 decimals (exact for kWh with at most 3 decimals)."""
    return round_quantity(kwh.scaleb(-3), MWH_PLACES)


def _round_ratio_to_unit_price(numerator: Decimal, denominator: Decimal) -> Decimal:
    """round_unit_price(numerator / denominator) from exact fractions: half up (away from zero)."""
    scaled = Fraction(numerator) / Fraction(denominator) * 10**UNIT_PRICE_PLACES
    magnitude = abs(scaled)
    units = (2 * magnitude.numerator + magnitude.denominator) // (2 * magnitude.denominator)  # floor(|x| + ½)
    signed = -units if scaled < 0 else units
    return round_unit_price(Decimal(signed).scaleb(-UNIT_PRICE_PLACES))


def _instant(value: Any, field_name: str) -> datetime:
    if not isinstance(value, datetime):
        raise TypeError(f"{field_name} keys must be datetimes, not {type(value).__name__} ({value!r})")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(
            f"{field_name} key {value.isoformat()} is naive: give timezone-aware interval starts "
            "(a local clock time is ambiguous on a 25-hour day)"
        )
    return value


def _format_instants(instants: Iterable[datetime]) -> str:
    return ", ".join(instant.isoformat() for instant in sorted(instants))


# --- VAT ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VatTerms:
    """The VAT category and rate the lines carry (category S with its rate, or E/AE/... at 0)."""

    category: VatCategory
    rate_pct: Decimal

    def __post_init__(self) -> None:
        try:
            category = VatCategory(self.category)
        except ValueError:
            raise ValueError(f"category must be one of {', '.join(c.value for c in VatCategory)}, not {self.category!r}") from None
        rate = to_decimal(self.rate_pct, "rate_pct")
        if category is VatCategory.STANDARD and not Decimal(0) < rate < Decimal(100):
            raise ValueError(f"rate_pct must be between 0 and 100 (exclusive) for category S, not {rate}")
        if category is not VatCategory.STANDARD and rate != 0:
            raise ValueError(f"rate_pct must be 0 for category {category.value}, not {rate}")
        object.__setattr__(self, "category", category)
        object.__setattr__(self, "rate_pct", rate)

    @classmethod
    def exempt(cls) -> VatTerms:
        """Category E at 0 % (the invoice's breakdown then needs an exemption reason)."""
        return cls(VatCategory.EXEMPT, Decimal(0))


def vat_rate_for(country: str, on_date: date) -> Decimal:
    """Standard VAT rate (%) of `country` on `on_date`: RO 19 until 2025-07-31, 21 from 2025-08-01; BG 20."""
    if not isinstance(on_date, date):
        raise TypeError(f"on_date must be a date, not {type(on_date).__name__}")
    if isinstance(on_date, datetime):
        on_date = on_date.date()
    try:
        periods = VAT_RATES[country]
    except KeyError:
        raise ValueError(f"no VAT rate for country {country!r}; known: {', '.join(sorted(VAT_RATES))}") from None
    rate = periods[0][1]
    for valid_from, period_rate in periods:
        if on_date >= valid_from:
            rate = period_rate
    return rate


def standard_vat(country: str, on_date: date) -> VatTerms:
    """Category S at the country's standard rate on `on_date`."""
    return VatTerms(VatCategory.STANDARD, vat_rate_for(country, on_date))


def _line(description: str, quantity: Decimal, unit: str, unit_price: Decimal, vat: VatTerms) -> InvoiceLine:
    if not isinstance(vat, VatTerms):
        raise TypeError(f"vat must be VatTerms (see standard_vat, VatTerms.exempt), not {type(vat).__name__}")
    return InvoiceLine(description, quantity, unit, unit_price, vat.category, vat.rate_pct)


# --- consumption and energy tariffs -------------------------------------------------------------


@dataclass(frozen=True)
class Consumption:
    """Active energy of one metering point-month (or contract-month), in kWh (≥ 0).

    Give any of: month_kwh; zone_kwh (tariff zone → kWh, as the DSO bills it); hourly_kwh
    (timezone-aware interval start → kWh). Whichever are given must add up to the same month
    total, or the consumption is refused.
    """

    month_kwh: Decimal | None = None
    zone_kwh: Mapping[str, Decimal] | None = None
    hourly_kwh: Mapping[datetime, Decimal] | None = None

    def __post_init__(self) -> None:
        if self.month_kwh is None and self.zone_kwh is None and self.hourly_kwh is None:
            raise ValueError("consumption needs month_kwh, zone_kwh or hourly_kwh")
        totals: dict[str, Decimal] = {}
        if self.month_kwh is not None:
            object.__setattr__(self, "month_kwh", _nonnegative(self.month_kwh, "month_kwh"))
            totals["month_kwh"] = self.month_kwh  # type: ignore[assignment]
        if self.zone_kwh is not None:
            zones = {str(zone): _nonnegative(kwh, f"zone_kwh[{zone!r}]") for zone, kwh in self.zone_kwh.items()}
            object.__setattr__(self, "zone_kwh", MappingProxyType(zones))
            totals["Σ zone_kwh"] = exact_sum(zones.values(), Decimal(0))
        if self.hourly_kwh is not None:
            hours: dict[datetime, Decimal] = {}
            for start, kwh in self.hourly_kwh.items():
                hours[_instant(start, "hourly_kwh")] = _nonnegative(kwh, f"hourly_kwh[{start.isoformat()}]")
            object.__setattr__(self, "hourly_kwh", MappingProxyType(dict(sorted(hours.items()))))
            totals["Σ hourly_kwh"] = exact_sum(hours.values(), Decimal(0))
        if len(set(totals.values())) > 1:
            given = ", ".join(f"{name} = {value}" for name, value in totals.items())
            raise ValueError(f"consumption totals disagree: {given}")

    @property
    def total_kwh(self) -> Decimal:
        if self.month_kwh is not None:
            return self.month_kwh
        if self.zone_kwh is not None:
            return exact_sum(self.zone_kwh.values(), Decimal(0))
        assert self.hourly_kwh is not None
        return exact_sum(self.hourly_kwh.values(), Decimal(0))


@dataclass(frozen=True)
class FixedTariff:
    """FIX product (or, with regulated=True, the regulated tariff): one price per kWh."""

    price_per_kwh: Decimal
    regulated: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "price_per_kwh", _price(self.price_per_kwh, "price_per_kwh"))
        if not isinstance(self.regulated, bool):
            raise TypeError(f"regulated must be a bool, not {self.regulated!r}")

    @property
    def product_code(self) -> str:
        return "FIX"


def regulated_tariff(price_per_kwh: int | str | Decimal) -> FixedTariff:
    """The regulated tariff for eligible customers: a fixed regulated price per kWh."""
    return FixedTariff(to_decimal(price_per_kwh, "price_per_kwh"), regulated=True)


@dataclass(frozen=True)
class TouTariff:
    """TOU product: a price per kWh per tariff zone.

    hour_zones (local hour 0–23 → zone, all 24 hours) and timezone (IANA, e.g.
    Europe/Bucharest) are needed only to split hourly consumption into zones.
    """

    zone_prices: Mapping[str, Decimal]
    hour_zones: Mapping[int, str] | None = None
    timezone: str | None = None

    def __post_init__(self) -> None:
        if not self.zone_prices:
            raise ValueError("zone_prices must name at least one tariff zone")
        prices = {str(zone): _price(price, f"zone_prices[{zone!r}]") for zone, price in self.zone_prices.items()}
        object.__setattr__(self, "zone_prices", MappingProxyType(prices))
        if (self.hour_zones is None) != (self.timezone is None):
            raise ValueError("hour_zones and timezone go together: give both or neither")
        if self.hour_zones is not None:
            missing = sorted(set(range(24)) - set(self.hour_zones))
            if missing:
                raise ValueError(f"hour_zones must cover every local hour 0–23; missing {missing}")
            unpriced = sorted({zone for zone in self.hour_zones.values()} - set(prices))
            if unpriced:
                raise ValueError(f"hour_zones uses zones without a price: {unpriced}")
            object.__setattr__(self, "hour_zones", MappingProxyType(dict(self.hour_zones)))
            ZoneInfo(str(self.timezone))  # refuses an unknown time zone now rather than later

    @property
    def product_code(self) -> str:
        return "TOU"

    def zone_kwh_from_hourly(self, hourly_kwh: Mapping[datetime, Decimal]) -> dict[str, Decimal]:
        """kWh per priced zone, each interval assigned by its local start hour in `timezone`."""
        if self.hour_zones is None or self.timezone is None:
            raise ValueError("this TOU tariff has no hour_zones/timezone to split hourly consumption into zones")
        zone_info = ZoneInfo(self.timezone)
        sums: dict[str, list[Decimal]] = {zone: [] for zone in self.zone_prices}
        for start, kwh in hourly_kwh.items():
            local_hour = _instant(start, "hourly_kwh").astimezone(zone_info).hour
            sums[self.hour_zones[local_hour]].append(kwh)
        return {zone: exact_sum(values, Decimal(0)) for zone, values in sums.items()}


@dataclass(frozen=True)
class IndexTariff:
    """INDEX product: day-ahead price (per MWh) / 1000 + margin per kWh, hour by hour."""

    margin_per_kwh: Decimal

    def __post_init__(self) -> None:
        # A margin may be negative (a discount on the exchange price); at most 6 decimals.
        margin = to_decimal(self.margin_per_kwh, "margin_per_kwh")
        if decimal_places(margin) > UNIT_PRICE_PLACES:
            raise ValueError(f"margin_per_kwh may have at most {UNIT_PRICE_PLACES} decimals, not {margin}")
        object.__setattr__(self, "margin_per_kwh", margin)

    @property
    def product_code(self) -> str:
        return "INDEX"


EnergyTariff = FixedTariff | TouTariff | IndexTariff


@dataclass(frozen=True)
class IndexHour:
    """One interval of an INDEX month, exact (unrounded)."""

    start: datetime
    kwh: Decimal
    day_ahead_per_mwh: Decimal
    price_per_kwh: Decimal  # DA / 1000 + margin, exact
    cost: Decimal  # kwh × price_per_kwh, exact


@dataclass(frozen=True)
class IndexPriceDetail:
    """What the annex shows for an INDEX month: the exact hourly cost and the invoiced figures."""

    month_kwh: Decimal  # Q = Σ kWh_h
    exact_cost: Decimal  # C = Σ kWh_h × (DA_h/1000 + margin), unrounded
    average_price_per_kwh: Decimal  # round_unit_price(C / Q), may be negative
    line_net: Decimal  # round_amount(Q × average price)
    hours: tuple[IndexHour, ...]

    @property
    def rounding_difference(self) -> Decimal:
        """line_net − exact_cost: |·| ≤ Q × 0.0000005 + 0.005."""
        return exact_sum([self.line_net, self.exact_cost.copy_negate()])


@dataclass(frozen=True)
class EnergyCharges:
    """The energy lines of a month, with the product and, for INDEX, the hourly detail."""

    product_code: str
    regulated: bool
    lines: tuple[InvoiceLine, ...]
    index_detail: IndexPriceDetail | None = None

    @property
    def month_kwh(self) -> Decimal:
        return exact_sum((abs(line.quantity) for line in self.lines), Decimal(0))


def energy_lines(
    tariff: EnergyTariff,
    consumption: Consumption,
    *,
    vat: VatTerms,
    day_ahead_per_mwh: Mapping[datetime, Decimal] | None = None,
) -> EnergyCharges:
    """The active-energy lines of one month for a FIX, regulated, TOU or INDEX tariff.

    INDEX needs consumption.hourly_kwh and day_ahead_per_mwh (interval start → price per MWh)
    for every interval; TOU needs zone_kwh, or hourly_kwh plus the tariff's hour_zones.
    """
    if not isinstance(consumption, Consumption):
        raise TypeError(f"consumption must be a Consumption, not {type(consumption).__name__}")
    if isinstance(tariff, FixedTariff):
        if tariff.regulated:
            description = "Active energy, regulated tariff"
        else:
            description = "Active energy, fixed price"
        line = _line(description, consumption.total_kwh, "kWh", tariff.price_per_kwh, vat)
        return EnergyCharges(tariff.product_code, tariff.regulated, (line,))
    if isinstance(tariff, TouTariff):
        return EnergyCharges(tariff.product_code, False, tuple(_tou_lines(tariff, consumption, vat)))
    if isinstance(tariff, IndexTariff):
        line, detail = _index_line(tariff, consumption, day_ahead_per_mwh, vat)
        return EnergyCharges(tariff.product_code, False, (line,), detail)
    raise TypeError(f"tariff must be FixedTariff, TouTariff or IndexTariff, not {type(tariff).__name__}")


def _tou_lines(tariff: TouTariff, consumption: Consumption, vat: VatTerms) -> list[InvoiceLine]:
    if consumption.zone_kwh is not None:
        zone_kwh = dict(consumption.zone_kwh)
        unpriced = sorted(set(zone_kwh) - set(tariff.zone_prices))
        if unpriced:
            raise ValueError(f"consumption in tariff zones without a TOU price: {unpriced}")
        if consumption.hourly_kwh is not None and tariff.hour_zones is not None:
            derived = tariff.zone_kwh_from_hourly(consumption.hourly_kwh)
            for zone in tariff.zone_prices:
                if zone_kwh.get(zone, Decimal(0)) != derived[zone]:
                    raise ValueError(
                        f"zone {zone!r}: zone_kwh {zone_kwh.get(zone, Decimal(0))} != {derived[zone]} from hourly_kwh"
                    )
    elif consumption.hourly_kwh is not None:
        zone_kwh = tariff.zone_kwh_from_hourly(consumption.hourly_kwh)
    else:
        raise ValueError("a TOU month needs zone_kwh, or hourly_kwh with the tariff's hour_zones")
    order = [zone for zone in TARIFF_ZONES if zone in tariff.zone_prices]
    order += [zone for zone in tariff.zone_prices if zone not in TARIFF_ZONES]
    return [
        _line(f"Active energy, {zone} zone", zone_kwh.get(zone, Decimal(0)), "kWh", tariff.zone_prices[zone], vat)
        for zone in order
    ]


def _index_line(
    tariff: IndexTariff,
    consumption: Consumption,
    day_ahead_per_mwh: Mapping[datetime, Decimal] | None,
    vat: VatTerms,
) -> tuple[InvoiceLine, IndexPriceDetail]:
    if consumption.hourly_kwh is None:
        raise ValueError("an INDEX month needs hourly_kwh (interval start → kWh)")
    if day_ahead_per_mwh is None:
        raise ValueError("an INDEX month needs day_ahead_per_mwh (interval start → price per MWh)")
    prices: dict[datetime, Decimal] = {}
    for start, price in day_ahead_per_mwh.items():
        prices[_instant(start, "day_ahead_per_mwh")] = to_decimal(price, f"day_ahead_per_mwh[{start.isoformat()}]")
    missing = [start for start in consumption.hourly_kwh if start not in prices]
    if missing:
        raise ValueError(
            f"no day-ahead price for {len(missing)} interval(s) of the consumption: {_format_instants(missing)}; "
            "the INDEX price cannot be computed without them"
        )
    hours = []
    for start, kwh in consumption.hourly_kwh.items():
        price = exact_sum([prices[start].scaleb(-3), tariff.margin_per_kwh], Decimal(0))
        hours.append(IndexHour(start, kwh, prices[start], price, exact_product(kwh, price)))
    month_kwh = exact_sum((hour.kwh for hour in hours), Decimal(0))
    exact_cost = exact_sum((hour.cost for hour in hours), Decimal(0))
    if month_kwh == 0:
        average = round_unit_price(0)
    else:
        average = _round_ratio_to_unit_price(exact_cost, month_kwh)
    description = "Active energy, day-ahead + margin (consumption-weighted average price)"
    if average < 0:
        # Negative unit prices are not allowed (BR-27): invoice the negative cost as a credit.
        line = _line(description + ", credit", month_kwh.copy_negate(), "kWh", average.copy_abs(), vat)
    else:
        line = _line(description, month_kwh, "kWh", average, vat)
    detail = IndexPriceDetail(month_kwh, exact_cost, average, line.net_amount, tuple(hours))
    return line, detail


# --- reactive energy ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ReactiveThreshold:
    """Inductive reactive energy allowed per kWh of active energy, as tan φ_max (6 decimals).

    Build it with `from_tan` or `from_cos` so a contract's cos φ is never read as a tan φ.
    """

    tan_phi_max: Decimal

    def __post_init__(self) -> None:
        tan = _nonnegative(self.tan_phi_max, "tan_phi_max")
        if decimal_places(tan) > 6:
            raise ValueError(f"tan_phi_max may have at most 6 decimals, not {tan}")
        object.__setattr__(self, "tan_phi_max", tan)

    @classmethod
    def from_tan(cls, tan_phi: int | str | Decimal) -> ReactiveThreshold:
        return cls(to_decimal(tan_phi, "tan_phi"))

    @classmethod
    def from_cos(cls, cos_phi: int | str | Decimal) -> ReactiveThreshold:
        """tan φ = sqrt(1 − cos²φ) / cos φ (50 significant digits), rounded half up to 6 decimals."""
        cos = to_decimal(cos_phi, "cos_phi")
        if not Decimal(0) < cos <= Decimal(1):
            raise ValueError(f"cos_phi must be in (0, 1], not {cos}")
        tan = _TRIG.divide(_TRIG.sqrt(_TRIG.subtract(Decimal(1), _TRIG.multiply(cos, cos))), cos)
        return cls(round_unit_price(tan))


def _billable(measured: Decimal, allowed_per_kwh: Decimal, active_kwh: Decimal) -> Decimal:
    excess = exact_sum([measured, exact_product(allowed_per_kwh, active_kwh).copy_negate()], Decimal(0))
    return round_quantity(max(Decimal(0), excess), REACTIVE_PLACES)


def reactive_energy_lines(
    active_kwh: int | str | Decimal,
    inductive_kvarh: int | str | Decimal,
    capacitive_kvarh: int | str | Decimal,
    threshold: ReactiveThreshold,
    price_per_kvarh: int | str | Decimal,
    *,
    vat: VatTerms,
    capacitive_threshold_share: int | str | Decimal = Decimal(0),
    capacitive_price_per_kvarh: int | str | Decimal | None = None,
) -> list[InvoiceLine]:
    """Lines for reactive energy above the contract's threshold (none if nothing is billable).

    inductive: max(0, inductive − tan φ_max × active); capacitive: max(0, capacitive −
    capacitive_threshold_share × active), share in kvarh per kWh, default 0 (all billed).
    Quantities are rounded half up to 3 decimals; capacitive_price_per_kvarh defaults to
    price_per_kvarh.
    """
    if not isinstance(threshold, ReactiveThreshold):
        raise TypeError(
            "threshold must be a ReactiveThreshold (ReactiveThreshold.from_tan / from_cos), "
            f"not {type(threshold).__name__}"
        )
    active = _nonnegative(active_kwh, "active_kwh")
    inductive = _nonnegative(inductive_kvarh, "inductive_kvarh")
    capacitive = _nonnegative(capacitive_kvarh, "capacitive_kvarh")
    price = _price(price_per_kvarh, "price_per_kvarh")
    capacitive_price = price if capacitive_price_per_kvarh is None else _price(capacitive_price_per_kvarh, "capacitive_price_per_kvarh")
    share = _nonnegative(capacitive_threshold_share, "capacitive_threshold_share")
    if decimal_places(share) > 6:
        raise ValueError(f"capacitive_threshold_share may have at most 6 decimals, not {share}")

    lines = []
    billable_inductive = _billable(inductive, threshold.tan_phi_max, active)
    if billable_inductive > 0:
        lines.append(
            _line(f"Reactive energy, inductive above tan φ {threshold.tan_phi_max}", billable_inductive, "kvarh", price, vat)
        )
    billable_capacitive = _billable(capacitive, share, active)
    if billable_capacitive > 0:
        text = "Reactive energy, capacitive" if share == 0 else f"Reactive energy, capacitive above {share} kvarh/kWh"
        lines.append(_line(text, billable_capacitive, "kvarh", capacitive_price, vat))
    return lines


# --- excise and green certificates --------------------------------------------------------------


def excise_line(
    kwh: int | str | Decimal,
    country: str,
    customer_class: str,
    rates: Mapping[tuple[str, str], Decimal],
    exemptions: Mapping[tuple[str, str], Decimal] | None = None,
    *,
    vat: VatTerms,
    exempt_share_pct: int | str | Decimal = Decimal(0),
) -> InvoiceLine | None:
    """The excise line: taxable MWh × rate per MWh; None when the consumption is fully exempt.

    rates: (country, customer class) → rate per MWh in the invoice currency.
    exemptions: (country, customer class) → exempt share % for the whole class (100 = exempt).
    exempt_share_pct: the customer's exemption certificate; the larger share applies.
    """
    energy = _nonnegative(kwh, "kwh")
    key = (country, customer_class)
    class_share = _percent((exemptions or {}).get(key, Decimal(0)), f"exemptions[{key!r}]")
    share = max(class_share, _percent(exempt_share_pct, "exempt_share_pct"))
    if share == 100:
        return None
    try:
        rate = _price(rates[key], f"rates[{key!r}]")
    except KeyError:
        raise ValueError(f"no excise rate for country {country!r}, customer class {customer_class!r}") from None
    mwh = _kwh_to_mwh(energy)
    taxable = round_quantity(percent_of(mwh, Decimal(100) - share), MWH_PLACES)
    description = f"Excise duty ({country}, {customer_class})"
    if share:
        description += f", {share} % exempt"
    return _line(description, taxable, "MWh", rate, vat)


def green_certificate_line(
    kwh: int | str | Decimal,
    quota_share: int | str | Decimal,
    certificate_price: int | str | Decimal,
    *,
    vat: VatTerms,
) -> InvoiceLine:
    """Green certificates: (kWh / 1000) × quota (certificates per MWh), 6 decimals, × price."""
    mwh = _kwh_to_mwh(_nonnegative(kwh, "kwh"))
    quota = _nonnegative(quota_share, "quota_share")
    certificates = round_quantity(exact_product(mwh, quota), CERTIFICATE_PLACES)
    price = _price(certificate_price, "certificate_price")
    return _line(f"Green certificates, quota {quota} cert/MWh", certificates, "certificate", price, vat)


# --- network fees -------------------------------------------------------------------------------


@dataclass(frozen=True)
class NetworkFee:
    """One row of the `dso_network_fees` contract (ingestion.sources.DSO_NETWORK_FEES)."""

    fee_code: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    amount: Decimal
    currency: str
    billing_month: str = ""
    dso_id: str = ""
    metering_point_id: str = ""

    def __post_init__(self) -> None:
        name = self.label
        object.__setattr__(self, "quantity", _nonnegative(self.quantity, f"{name}: quantity"))
        object.__setattr__(self, "unit_price", _price(self.unit_price, f"{name}: unit_price"))
        amount = to_decimal(self.amount, f"{name}: amount")
        if decimal_places(amount) > 2:
            raise ValueError(f"{name}: amount may have at most 2 decimals, not {amount}")
        object.__setattr__(self, "amount", amount)

    @property
    def label(self) -> str:
        where = ", ".join(part for part in (self.metering_point_id, self.billing_month) if part)
        return f"network fee {self.fee_code!r}" + (f" ({where})" if where else "")

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> NetworkFee:
        """From a contract row (a mapping of column → value; numbers as str or Decimal)."""
        fields = ("fee_code", "quantity", "unit", "unit_price", "amount", "currency", "billing_month", "dso_id", "metering_point_id")
        return cls(**{name: row[name] for name in fields if name in row})


def network_fee_lines(
    fees: Iterable[NetworkFee | Mapping[str, Any]],
    *,
    vat: VatTerms,
    currency: str | None = None,
) -> list[InvoiceLine]:
    """The DSO's fee rows passed through, one line each, after checking each row's amount.

    amount must equal round_amount(quantity × unit_price), or its negative for a credit row
    (the line then has quantity −quantity); currency, if given, must match every row.
    """
    lines = []
    for fee in fees:
        row = fee if isinstance(fee, NetworkFee) else NetworkFee.from_row(fee)
        if currency is not None and row.currency != currency:
            raise ValueError(f"{row.label}: currency {row.currency} differs from the invoice currency {currency}")
        expected = round_amount(exact_product(row.quantity, row.unit_price))
        if row.amount == expected:
            quantity = row.quantity
        elif row.amount != 0 and row.amount == expected.copy_negate():
            quantity = row.quantity.copy_negate()
        else:
            raise ValueError(
                f"{row.label}: amount {row.amount} != round(quantity {row.quantity} × unit_price "
                f"{row.unit_price}, 2) = {expected}; the DSO row is refused"
            )
        description = f"Network fee: {row.fee_code}" + (f" ({row.dso_id})" if row.dso_id else "")
        lines.append(_line(description, quantity, row.unit, row.unit_price, vat))
    return lines
