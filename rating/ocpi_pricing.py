"""Price an OCPI 2.2.1 CDR against an OCPI 2.2.1 Tariff (the "Tariffs" module semantics), in Decimal.

`price_cdr(tariff, cdr, time_zone)` returns an `OcpiPrice`; it raises `NotRatedError` (with a reason
sentence) when the CDR cannot be rated against that tariff. The readings taken where the OCPI text is
ambiguous are listed in the README section "Rating against OCPI 2.2.1 tariffs"; in short:

* A charging period runs from its start to the next period's start (the last one to the session end).
  Restrictions are evaluated once per period, at its start: local time/date/weekday of that instant
  (`time_zone`, default UTC), energy charged before the period (min/max_kwh), seconds since the session
  start (min/max_duration), and the period's power/current (MIN_/MAX_POWER, MIN_/MAX_CURRENT, then
  POWER/CURRENT dimensions; power falls back to ENERGY / wall-clock hours of the period).
  Lower bounds are inclusive, upper bounds exclusive.
* Per dimension (ENERGY, TIME, PARKING_TIME, FLAT) the first element whose restrictions hold AND which has
  a component of that type is used. No such element: that dimension is free in that period (OCPI text).
  Elements with a `reservation` restriction describe reservation costs and never price a charging session.
* step_size: the billed volume of a dimension is rounded up to a multiple of the step size of the last
  component used, whenever a run of priced periods of that dimension ends (next period priced by no
  element, or session end); the extra volume is billed at that last component's price.
  TIME and PARKING_TIME totals are first rounded to whole seconds (OCPI hour volumes have 4 decimals).
* FLAT is billed once: the FLAT component of the first period that has one.
* Money: full precision inside; total_cost = total rounded ROUND_HALF_UP to `decimals`; the four
  dimension figures are apportioned (largest remainder) so they add up to that total exactly.
  min_price / max_price then bound the total only (excl. and incl. VAT independently, as OCPI notes).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rating.ocpi import DAYS_OF_WEEK, Cdr, ChargingPeriod, PriceComponent, Tariff, TariffRestrictions

PRICED_DIMENSIONS = ("ENERGY", "TIME", "PARKING_TIME")
# How many step_size units one CDR volume unit holds: kWh -> Wh, hours -> seconds.
_STEP_UNITS = {"ENERGY": Decimal(1000), "TIME": Decimal(3600), "PARKING_TIME": Decimal(3600)}
_VOLUME_QUANTUM = Decimal("0.0001")  # OCPI numbers carry 4 decimals
_HUNDRED = Decimal(100)


class NotRatedError(Exception):
    """The CDR cannot be rated against this tariff; `reason` is a sentence for the user."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


@dataclass(frozen=True)
class Amount:
    """A money amount excluding and including VAT (equal when no VAT is applicable)."""

    excl_vat: Decimal
    incl_vat: Decimal

    def to_json(self) -> dict[str, str]:
        """{"excl_vat": "12.34", "incl_vat": "14.68"} with decimal strings."""
        return {"excl_vat": str(self.excl_vat), "incl_vat": str(self.incl_vat)}


@dataclass(frozen=True)
class OcpiPrice:
    """The rated cost of one CDR.

    Amounts are rounded to the requested decimals. Without a min/max price limit, total_cost is exactly
    the sum of the energy, time, parking-time and fixed figures; `price_limit` names the limit
    ("min_price" / "max_price") that replaced the total, the dimension figures are then left as priced.
    Volumes (4 decimals): total_energy = sum of ENERGY volumes (kWh), total_parking_time = sum of
    PARKING_TIME volumes (hours), total_time = session duration end - start (hours, charging and not
    charging, as the OCPI CDR field).
    """

    currency: str
    total_cost: Amount
    total_energy_cost: Amount
    total_time_cost: Amount
    total_parking_time_cost: Amount
    total_fixed_cost: Amount
    total_energy: Decimal
    total_time: Decimal
    total_parking_time: Decimal
    price_limit: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The JSON-ready dict of the `voltbill rate-cdr` command (all numbers as decimal strings)."""
        return {
            "total_cost": self.total_cost.to_json(),
            "total_energy_cost": self.total_energy_cost.to_json(),
            "total_time_cost": self.total_time_cost.to_json(),
            "total_parking_time_cost": self.total_parking_time_cost.to_json(),
            "total_fixed_cost": self.total_fixed_cost.to_json(),
            "total_energy": str(self.total_energy),
            "total_time": str(self.total_time),
            "total_parking_time": str(self.total_parking_time),
            "currency": self.currency,
            "status": "rated",
        }


@dataclass(frozen=True)
class _Context:
    """What the restrictions of one charging period are evaluated against (at the period start)."""

    local: datetime
    seconds_since_start: Decimal
    energy_before: Decimal
    period: ChargingPeriod
    hours: Decimal


# --------------------------------------------------------------------------- restrictions


def _seconds(delta: timedelta) -> Decimal:
    return Decimal(delta.days * 86400 + delta.seconds) + Decimal(delta.microseconds).scaleb(-6)


def _in_window(moment: time, start: time | None, end: time | None) -> bool:
    if start is None and end is None:
        return True
    if start is None:
        return moment < end  # type: ignore[operator]
    if end is None:
        return moment >= start
    if start < end:
        return start <= moment < end
    if start > end:  # overnight, e.g. 22:00-06:00
        return moment >= start or moment < end
    return True  # start == end: a full-day window


def _measure(period: ChargingPeriod, dimensions: tuple[str, ...], hours: Decimal, *, power: bool) -> Decimal | None:
    for dimension in dimensions:
        value = period.volume(dimension)
        if value is not None:
            return value
    if power and hours > 0:
        return (period.volume("ENERGY") or Decimal(0)) / hours
    return None


def _between(value: Decimal | None, low: Decimal | None, high: Decimal | None) -> bool:
    if low is None and high is None:
        return True
    if value is None:
        return False
    return (low is None or value >= low) and (high is None or value < high)


def _restrictions_hold(restrictions: TariffRestrictions | None, ctx: _Context) -> bool:
    """True when every present restriction holds for the period (see the module docstring)."""
    if restrictions is None:
        return True
    r = restrictions
    if r.reservation is not None:
        return False
    if not _in_window(ctx.local.time(), r.start_time, r.end_time):
        return False
    today = ctx.local.date()
    if (r.start_date is not None and today < r.start_date) or (r.end_date is not None and today >= r.end_date):
        return False
    if r.day_of_week and DAYS_OF_WEEK[ctx.local.weekday()] not in r.day_of_week:
        return False
    if not _between(ctx.energy_before, r.min_kwh, r.max_kwh):
        return False
    duration_low = None if r.min_duration is None else Decimal(r.min_duration)
    duration_high = None if r.max_duration is None else Decimal(r.max_duration)
    if not _between(ctx.seconds_since_start, duration_low, duration_high):
        return False
    if r.min_power is not None or r.max_power is not None:
        low = _measure(ctx.period, ("MIN_POWER", "POWER"), ctx.hours, power=True)
        high = _measure(ctx.period, ("MAX_POWER", "POWER"), ctx.hours, power=True)
        if not (_between(low, r.min_power, None) and _between(high, None, r.max_power)):
            return False
    if r.min_current is not None or r.max_current is not None:
        low = _measure(ctx.period, ("MIN_CURRENT", "CURRENT"), ctx.hours, power=False)
        high = _measure(ctx.period, ("MAX_CURRENT", "CURRENT"), ctx.hours, power=False)
        if not (_between(low, r.min_current, None) and _between(high, None, r.max_current)):
            return False
    return True


def _applicable_component(tariff: Tariff, dimension: str, ctx: _Context) -> PriceComponent | None:
    """The component of the first element whose restrictions hold and which prices `dimension`."""
    for element in tariff.elements:
        component = element.component(dimension)
        if component is not None and _restrictions_hold(element.restrictions, ctx):
            return component
    return None


# --------------------------------------------------------------------------- money


def _with_vat(excl: Decimal, component: PriceComponent) -> Decimal:
    return excl if component.vat is None else excl * (1 + component.vat / _HUNDRED)


@dataclass
class _Cost:
    excl: Decimal = Decimal(0)
    incl: Decimal = Decimal(0)

    def add(self, volume: Decimal, component: PriceComponent) -> None:
        excl = volume * component.price
        self.excl += excl
        self.incl += _with_vat(excl, component)


def _dimension_cost(dimension: str, segments: list[tuple[Decimal, PriceComponent | None]]) -> _Cost:
    """Cost of one dimension from its (volume, component) segments, with the step_size rule."""
    unit = _STEP_UNITS[dimension]
    cost = _Cost()
    billed = Decimal(0)  # in step units (Wh or seconds), including earlier round-ups
    last: PriceComponent | None = None

    def close_run() -> None:
        nonlocal billed, last
        if last is None:
            return
        exact = billed if dimension == "ENERGY" else billed.quantize(Decimal(1), ROUND_HALF_UP)
        step = Decimal(last.step_size)
        target = (exact / step).to_integral_value(ROUND_CEILING) * step
        cost.add((target - billed) / unit, last)
        billed, last = target, None

    for volume, component in segments:
        if component is None:
            close_run()
            continue
        cost.add(volume, component)
        billed += volume * unit
        last = component
    close_run()
    return cost


def _apportion(exact: list[Decimal], quantum: Decimal) -> tuple[Decimal, list[Decimal]]:
    """Round the sum half-up; split it into figures within one quantum of each exact part (largest remainder)."""
    total = sum(exact, Decimal(0)).quantize(quantum, ROUND_HALF_UP)
    floors = [value.quantize(quantum, ROUND_FLOOR) for value in exact]
    spare = int((total - sum(floors, Decimal(0))) / quantum)
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:spare]:
        floors[i] += quantum
    return total, floors


def _limit(tariff: Tariff, excl: Decimal, incl: Decimal) -> tuple[Decimal, Decimal, str | None]:
    """Apply min_price / max_price to the full-precision totals (excl. and incl. VAT each bounded)."""
    applied: str | None = None
    low = tariff.min_price
    if low is not None:
        new_excl = max(excl, low.excl_vat)
        if low.incl_vat is not None:
            new_incl = max(incl, low.incl_vat)
        elif new_excl != excl:
            new_incl = incl * new_excl / excl if excl > 0 else new_excl
        else:
            new_incl = incl
        if (new_excl, new_incl) != (excl, incl):
            applied, excl, incl = "min_price", new_excl, new_incl
    high = tariff.max_price
    if high is not None:
        new_excl = min(excl, high.excl_vat)
        if high.incl_vat is not None:
            new_incl = min(incl, high.incl_vat)
        elif new_excl != excl:
            new_incl = incl * new_excl / excl
        else:
            new_incl = incl
        if (new_excl, new_incl) != (excl, incl):
            applied, excl, incl = "max_price", new_excl, new_incl
    return excl, incl, applied


# --------------------------------------------------------------------------- engine


def _zone(time_zone: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(time_zone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {time_zone!r} (expected an IANA name such as Europe/Berlin)") from None


def _check(tariff: Tariff, cdr: Cdr) -> None:
    if tariff.currency != cdr.currency:
        raise NotRatedError(f"The tariff is in {tariff.currency} but the CDR is in {cdr.currency}.")
    if not cdr.charging_periods:
        raise NotRatedError("The CDR has no charging periods, so there is nothing to price.")
    if tariff.start_date_time is not None and cdr.start_date_time < tariff.start_date_time:
        raise NotRatedError(f"The session started before tariff {tariff.id} became valid.")
    if tariff.end_date_time is not None and cdr.start_date_time >= tariff.end_date_time:
        raise NotRatedError(f"The session started after tariff {tariff.id} stopped being valid.")
    previous = cdr.start_date_time
    for index, period in enumerate(cdr.charging_periods):
        if period.tariff_id is not None and period.tariff_id != tariff.id:
            raise NotRatedError(
                f"Charging period {index} refers to tariff {period.tariff_id}, not to tariff {tariff.id}."
            )
        if period.start_date_time < previous or period.start_date_time > cdr.end_date_time:
            raise NotRatedError(
                f"Charging period {index} starts at {period.start_date_time.isoformat()}, out of order or "
                "outside the session."
            )
        previous = period.start_date_time


def price_cdr(tariff: Tariff, cdr: Cdr, time_zone: str | None = None, *, decimals: int = 2) -> OcpiPrice:
    """Rate `cdr` against `tariff`; `time_zone` (IANA, default UTC) is the location's local time.

    Raises NotRatedError (currency mismatch, no charging periods, tariff not valid at the session start,
    a period naming another tariff, periods out of order) and ValueError for an unknown time zone.
    A credit CDR is priced like any other; the caller negates it.
    """
    zone = _zone(time_zone)
    _check(tariff, cdr)
    periods = cdr.charging_periods
    segments: dict[str, list[tuple[Decimal, PriceComponent | None]]] = {d: [] for d in PRICED_DIMENSIONS}
    flat: PriceComponent | None = None
    energy_before = Decimal(0)
    for index, period in enumerate(periods):
        end = periods[index + 1].start_date_time if index + 1 < len(periods) else cdr.end_date_time
        ctx = _Context(
            local=period.start_date_time.astimezone(zone),
            seconds_since_start=_seconds(period.start_date_time - cdr.start_date_time),
            energy_before=energy_before,
            period=period,
            hours=_seconds(end - period.start_date_time) / 3600,
        )
        for dimension in PRICED_DIMENSIONS:
            volume = period.volume(dimension)
            if volume:
                segments[dimension].append((volume, _applicable_component(tariff, dimension, ctx)))
        if flat is None:
            flat = _applicable_component(tariff, "FLAT", ctx)
        energy_before += period.volume("ENERGY") or Decimal(0)

    costs = [_dimension_cost(d, segments[d]) for d in PRICED_DIMENSIONS]
    fixed = _Cost()
    if flat is not None:
        fixed.add(Decimal(1), flat)
    costs.append(fixed)

    quantum = Decimal(1).scaleb(-decimals)
    total_excl, parts_excl = _apportion([c.excl for c in costs], quantum)
    total_incl, parts_incl = _apportion([c.incl for c in costs], quantum)
    exact_excl = sum((c.excl for c in costs), Decimal(0))
    exact_incl = sum((c.incl for c in costs), Decimal(0))
    limited_excl, limited_incl, applied = _limit(tariff, exact_excl, exact_incl)
    if applied is not None:
        total_excl = limited_excl.quantize(quantum, ROUND_HALF_UP)
        total_incl = limited_incl.quantize(quantum, ROUND_HALF_UP)
    amounts = [Amount(e, i) for e, i in zip(parts_excl, parts_incl)]

    def volume_sum(dimension: str) -> Decimal:
        return sum((p.volume(dimension) or Decimal(0) for p in periods), Decimal(0)).quantize(
            _VOLUME_QUANTUM, ROUND_HALF_UP
        )

    return OcpiPrice(
        currency=cdr.currency,
        total_cost=Amount(total_excl, total_incl),
        total_energy_cost=amounts[0],
        total_time_cost=amounts[1],
        total_parking_time_cost=amounts[2],
        total_fixed_cost=amounts[3],
        total_energy=volume_sum("ENERGY"),
        total_time=(_seconds(cdr.end_date_time - cdr.start_date_time) / 3600).quantize(
            _VOLUME_QUANTUM, ROUND_HALF_UP
        ),
        total_parking_time=volume_sum("PARKING_TIME"),
        price_limit=applied,
    )
