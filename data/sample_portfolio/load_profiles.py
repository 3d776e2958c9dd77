"""Consumption physics: class load shapes, weather sensitivity and the vectorised interval simulation.

Power of a metering point at an interval =
    base_kw x shape(class, day type, local time) x (1 + heating + cooling) x noise
where the shape is an hour-of-day profile (working day, Saturday, Sunday/holiday) with a
weekly mean of 1, heating/cooling are linear in degrees below/above the class's base
temperatures, and noise is a clipped lognormal. Reactive energy follows tan phi; some
points with capacitor banks deliver a little capacitive energy at night. Energy values are
integers in thousandths (Wh, varh) so that every later sum is exact.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

import numpy as np

from data.sample_portfolio.randomness import stream
from data.sample_portfolio.timegrid import MonthGrid

if TYPE_CHECKING:
    from data.sample_portfolio.portfolio import MeteringPoint

CLASSES: tuple[str, ...] = ("household", "commercial", "industrial")
HOURS_PER_MONTH = 730.5
TEMPERATURE_RANGE_C = (-25.0, 40.0)  # temperatures are clipped to this range before use


def _flat(value: float, **hours: float) -> tuple[float, ...]:
    """24 hourly values equal to `value`, except `h<N>=v` overrides."""
    values = [value] * 24
    for key, v in hours.items():
        values[int(key[1:])] = v
    return tuple(values)


@dataclass(frozen=True)
class ClassProfile:
    """Load shape and sensitivities of a customer class (typical values; each point varies around them)."""

    working: tuple[float, ...]
    saturday: tuple[float, ...]
    sunday: tuple[float, ...]
    saturday_ratio: float  # daily energy relative to a working day
    sunday_ratio: float
    monthly_kwh: tuple[float, float, float, float]  # lognormal median, sigma, clip low, clip high
    heating_base_c: float
    heating_per_c: float
    cooling_base_c: float
    cooling_per_c: float
    noise_sigma: float
    tan_phi: tuple[float, float]
    capacitor_share: float

    def day_curves(self) -> np.ndarray:
        """(3, 24) hourly factors for working day, Saturday, Sunday/holiday, weekly mean 1."""
        working = np.array(self.working)
        saturday = np.array(self.saturday) * working.sum() * self.saturday_ratio / sum(self.saturday)
        sunday = np.array(self.sunday) * working.sum() * self.sunday_ratio / sum(self.sunday)
        curves = np.vstack([working, saturday, sunday])
        weekly_mean = (5 * working.mean() + saturday.mean() + sunday.mean()) / 7
        return curves / weekly_mean


# fmt: off
_HOUSEHOLD_WEEKEND = (
    0.50, 0.42, 0.38, 0.36, 0.36, 0.38, 0.50, 0.75, 0.95, 1.00, 0.95, 0.95,
    1.00, 0.95, 0.85, 0.80, 0.85, 1.05, 1.35, 1.55, 1.50, 1.35, 1.05, 0.75,
)
PROFILES: dict[str, ClassProfile] = {
    "household": ClassProfile(
        working=(
            0.45, 0.40, 0.38, 0.37, 0.38, 0.45, 0.75, 1.10, 1.05, 0.80, 0.70, 0.70,
            0.75, 0.75, 0.70, 0.72, 0.85, 1.15, 1.50, 1.70, 1.65, 1.45, 1.05, 0.70,
        ),
        saturday=_HOUSEHOLD_WEEKEND,
        sunday=_HOUSEHOLD_WEEKEND,
        saturday_ratio=0.94,
        sunday_ratio=0.88,
        monthly_kwh=(250.0, 0.20, 200.0, 400.0),
        heating_base_c=16.5,
        heating_per_c=0.030,
        cooling_base_c=24.0,
        cooling_per_c=0.020,
        noise_sigma=0.16,
        tan_phi=(0.10, 0.25),
        capacitor_share=0.0,
    ),
    "commercial": ClassProfile(
        working=_flat(0.30, h6=0.45, h7=0.85, h8=1.45, h9=1.7, h10=1.7, h11=1.7, h12=1.7, h13=1.7, h14=1.7,
                      h15=1.7, h16=1.7, h17=1.5, h18=1.05, h19=0.70, h20=0.50, h21=0.35, h22=0.35, h23=0.35),
        saturday=_flat(0.32, h8=0.70, h9=1.0, h10=1.0, h11=1.0, h12=1.0, h13=1.0, h14=0.60),
        sunday=_flat(0.30, h10=0.34, h11=0.34, h12=0.34, h13=0.34, h14=0.34, h15=0.34),
        saturday_ratio=0.55,
        sunday_ratio=0.32,
        monthly_kwh=(7000.0, 0.45, 3000.0, 15000.0),
        heating_base_c=17.0,
        heating_per_c=0.012,
        cooling_base_c=22.0,
        cooling_per_c=0.030,
        noise_sigma=0.07,
        tan_phi=(0.20, 0.45),
        capacitor_share=0.25,
    ),
    "industrial": ClassProfile(
        working=_flat(0.80, h6=1.10, h7=1.3, h8=1.3, h9=1.3, h10=1.3, h11=1.3, h12=1.3, h13=1.3, h14=1.15,
                      h15=1.2, h16=1.2, h17=1.2, h18=1.2, h19=1.2, h20=1.2, h21=1.2, h22=0.95, h23=0.82),
        saturday=_flat(0.72, h0=0.70, h1=0.70, h2=0.70, h3=0.70, h4=0.70, h5=0.70, h6=1.1, h7=1.1, h8=1.1,
                       h9=1.1, h10=1.1, h11=1.1, h12=1.1, h13=1.1),
        sunday=_flat(0.60, h10=0.62, h11=0.62, h12=0.62, h13=0.62, h14=0.62, h15=0.62),
        saturday_ratio=0.72,
        sunday_ratio=0.55,
        monthly_kwh=(130000.0, 0.50, 50000.0, 300000.0),
        heating_base_c=16.0,
        heating_per_c=0.004,
        cooling_base_c=24.0,
        cooling_per_c=0.008,
        noise_sigma=0.05,
        tan_phi=(0.28, 0.62),
        capacitor_share=0.5,
    ),
}
# fmt: on
_CURVES = np.stack([PROFILES[c].day_curves() for c in CLASSES])  # (class, day type, hour)
_HOUR_CENTRES = np.arange(24) + 0.5


def max_interval_power_kw(
    customer_class: str, monthly_kwh: float, heating_per_c: float, cooling_per_c: float, noise_sigma: float
) -> float:
    """Upper bound of the point's power in any interval (the connection capacity is sized from it)."""
    profile = PROFILES[customer_class]
    low, high = TEMPERATURE_RANGE_C
    weather = 1 + heating_per_c * (profile.heating_base_c - low) + cooling_per_c * (high - profile.cooling_base_c)
    shape = float(_CURVES[CLASSES.index(customer_class)].max())
    return monthly_kwh / HOURS_PER_MONTH * shape * weather * float(np.exp(3 * noise_sigma))


@dataclass(frozen=True)
class SeriesBlock:
    """True interval values of points that share one interval length, for one local month."""

    meters: tuple["MeteringPoint", ...]
    interval_minutes: int
    slots: np.ndarray  # (t,) grid slot index of each interval
    active: np.ndarray  # (n, t) bool: interval at or after the point's supply start
    energy: np.ndarray  # (n, t) int64 Wh
    inductive: np.ndarray  # (n, t) int64 varh
    capacitive: np.ndarray  # (n, t) int64 varh


def class_shape(grid: MonthGrid, slots: np.ndarray, interval_minutes: int) -> np.ndarray:
    """(class, t) shape factor at the midpoint of each interval, by the local day type."""
    midpoint = grid.local_hour[slots] + (grid.local_minute[slots] + interval_minutes / 2) / 60
    day_type = grid.day_type[slots].astype(np.int64)
    shapes = np.empty((len(CLASSES), len(slots)))
    for c in range(len(CLASSES)):
        curves = np.stack([np.interp(midpoint, _HOUR_CENTRES, _CURVES[c, d], period=24) for d in range(3)])
        shapes[c] = np.take_along_axis(curves, day_type[None, :], axis=0)[0]
    return shapes


def simulate(
    meters: Sequence["MeteringPoint"],
    grid: MonthGrid,
    interval_minutes: int,
    temperature_c: np.ndarray,
    seed: int,
) -> SeriesBlock:
    """Simulate one month of points with the same interval; `temperature_c` is given per grid slot."""
    slots = grid.interval_slots(interval_minutes)
    n, t = len(meters), len(slots)
    hours = interval_minutes / 60
    profiles = [PROFILES[m.customer_class] for m in meters]
    column = lambda values: np.asarray(values, dtype=np.float64)[:, None]  # noqa: E731
    class_index = np.array([CLASSES.index(m.customer_class) for m in meters], dtype=np.int64)
    shape = class_shape(grid, slots, interval_minutes)[class_index]
    temperature = np.clip(np.asarray(temperature_c, dtype=np.float64)[slots], *TEMPERATURE_RANGE_C)[None, :]
    weather = (
        1
        + column([m.heating_per_c for m in meters]) * np.maximum(0.0, column([p.heating_base_c for p in profiles]) - temperature)
        + column([m.cooling_per_c for m in meters]) * np.maximum(0.0, temperature - column([p.cooling_base_c for p in profiles]))
    )
    z_active = np.empty((n, t))
    z_reactive = np.empty((n, t))
    for i, meter in enumerate(meters):
        rng = stream(seed, "load", meter.serial, grid.month.ordinal)
        z_active[i] = rng.standard_normal(t)
        z_reactive[i] = rng.standard_normal(t)
    sigma = column([m.noise_sigma for m in meters])
    noise = np.exp(np.clip(sigma * z_active, -3 * sigma, 3 * sigma) - sigma**2 / 2)
    power_kw = column([m.monthly_kwh / HOURS_PER_MONTH for m in meters]) * shape * weather * noise
    energy = np.rint(power_kw * hours * 1000).astype(np.int64)

    local_hour = grid.local_hour[slots]
    night = ((local_hour < 6) | (local_hour >= 23))[None, :]
    ratio = column([m.capacitive_night_ratio for m in meters])
    capacitor_night = (ratio > 0) & night
    inductive = energy * column([m.tan_phi for m in meters]) * np.clip(1 + 0.06 * z_reactive, 0.7, 1.3)
    inductive = np.rint(np.where(capacitor_night, inductive * 0.25, inductive)).astype(np.int64)
    capacitive = np.rint(np.where(capacitor_night, energy * ratio * np.clip(1 - 0.1 * z_reactive, 0.6, 1.4), 0.0))
    start_slot = np.array([grid.first_slot_at(m.supply_start_utc) for m in meters], dtype=np.int64)
    return SeriesBlock(
        meters=tuple(meters),
        interval_minutes=interval_minutes,
        slots=slots,
        active=slots[None, :] >= start_slot[:, None],
        energy=energy,
        inductive=inductive,
        capacitive=capacitive.astype(np.int64),
    )
