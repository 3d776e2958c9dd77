"""Day-ahead and imbalance prices per market and 15-minute interval: a seeded, realistic shape.

Day-ahead price of a quarter-hour, in EUR before conversion to the market currency of the day:

    base(market) x season(month) x level(day) x shape(day type, local time) (+ noise)

The shape has a morning and a higher evening peak, a solar dip at midday and a low, flat
night: night hours (00-06) have one price for all their quarter-hours, and on some days one
price for 01:00-05:00, so curve type A03 documents have positions to leave out. Weekends and
public holidays are cheaper; on some spring and summer weekend or holiday days the hours
around solar noon clear below zero. The imbalance price (single pricing) is the day-ahead
price plus a spread when the simulated system is short, minus it when the system is long.

Prices are integers in hundredths of the currency (cents): the float model is rounded half up
once, to cents, and every later step (imbalance spread, means, discounts) is integer or Decimal
arithmetic. Each local day draws from its own stream keyed by the day number, so a day's prices
do not depend on the period generated.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import numpy as np

from data.sample_portfolio.markets import Market
from data.sample_portfolio.randomness import stream
from data.sample_portfolio.timegrid import DAY_WORKING, MonthGrid

MARKET_KEYS: dict[str, int] = {"RO": 0, "BG": 1}  # stable integers keying the price streams
BASE_EUR_PER_MWH: dict[str, float] = {"RO": 100.0, "BG": 97.0}
CURRENCY_PER_EUR: dict[str, Decimal] = {"RON": Decimal("4.97"), "BGN": Decimal("1.95583"), "EUR": Decimal("1")}
SEASON: tuple[float, ...] = (1.18, 1.10, 0.98, 0.86, 0.82, 0.90, 1.05, 1.08, 0.97, 1.00, 1.08, 1.15)  # Jan..Dec
WORKING_SHAPE: tuple[float, ...] = (
    0.78, 0.74, 0.72, 0.71, 0.72, 0.78, 0.92, 1.12, 1.22, 1.15, 1.02, 0.93,
    0.88, 0.86, 0.90, 0.98, 1.08, 1.25, 1.42, 1.50, 1.38, 1.18, 1.02, 0.90,
)  # fmt: skip
WEEKEND_FACTOR = {1: 0.86, 2: 0.78}  # Saturday, Sunday or holiday (timegrid day types)
FLAT_NIGHT_HOURS = 6  # local hours 00-05: one price per hour
FLAT_NIGHT_BLOCK = (1, 5)  # on some days one price for 01:00-05:00
FLAT_NIGHT_SHARE = 0.5
NEGATIVE_MONTHS = frozenset({4, 5, 6, 7, 8, 9})
NEGATIVE_HOURS = (11, 15)  # local hours around solar noon
NEGATIVE_DAY_SHARE = 0.45
DAILY_LEVEL_SIGMA = 0.12
QUARTER_NOISE_SIGMA = 0.015
IMBALANCE_PERSISTENCE = 0.85  # AR(1) coefficient of the system imbalance over the ISPs of a day
IMBALANCE_SPREAD_EUR = (3.0, 12.0)  # spread = a + b x |system state|
IMBALANCE_SPIKE_SHARE = 0.003
IMBALANCE_SPIKE_FACTOR = 3.0


def to_cents(values: np.ndarray) -> np.ndarray:
    """Round float amounts to integer hundredths, half up (ties towards +infinity)."""
    return np.floor(np.asarray(values, dtype=np.float64) * 100.0 + 0.5).astype(np.int64)


def day_numbers(grid: MonthGrid) -> np.ndarray:
    """(slots,) local day as days since 1970-01-01."""
    return grid.local_day.astype(np.int64)


def day_bounds(grid: MonthGrid) -> list[tuple[date, int, int]]:
    """(local date, first slot, end slot) of every local day of the grid, in order."""
    days = day_numbers(grid)
    starts = np.flatnonzero(np.r_[True, days[1:] != days[:-1]])
    ends = np.r_[starts[1:], len(days)]
    return [(grid.local_day[s].astype(object), int(s), int(e)) for s, e in zip(starts, ends)]


def slot_currencies(market: Market, grid: MonthGrid) -> np.ndarray:
    """(slots,) market currency of each slot's local day, as an object array."""
    currencies = np.empty(grid.slots, dtype=object)
    for day, start, end in day_bounds(grid):
        currencies[start:end] = market.currency_on(day)
    return currencies


def currency_rates(currencies: np.ndarray) -> np.ndarray:
    """(slots,) units of each slot's currency per EUR, as floats (for the float price model only)."""
    names, inverse = np.unique(currencies.astype(str), return_inverse=True)
    return np.array([float(CURRENCY_PER_EUR[name]) for name in names], dtype=np.float64)[inverse.reshape(-1)]


def day_ahead_cents(seed: int, market: Market, grid: MonthGrid) -> np.ndarray:
    """(slots,) day-ahead clearing price of every quarter-hour of the grid, in cents of the day's currency."""
    shape = np.asarray(WORKING_SHAPE)
    hour_of_day = grid.local_hour + grid.local_minute / 60.0
    base = BASE_EUR_PER_MWH[market.code] * SEASON[grid.month.month - 1]
    eur = np.empty(grid.slots, dtype=np.float64)
    for day, start, end in day_bounds(grid):
        rng = stream(seed, "day_ahead", MARKET_KEYS[market.code], int(np.datetime64(day, "D").astype(np.int64)))
        level = base * float(np.exp(rng.normal(0.0, DAILY_LEVEL_SIGMA)))
        hours = grid.local_hour[start:end]
        day_type = int(grid.day_type[start])
        # Between hour centres the price moves linearly; the curve wraps around midnight.
        centres = np.arange(-1, 25) + 0.5
        curve = np.interp(hour_of_day[start:end] + 0.125, centres, np.r_[shape[-1], shape, shape[0]])
        if day_type != DAY_WORKING:
            curve = WEEKEND_FACTOR[day_type] * (0.6 * curve + 0.4 * shape.mean())
        noise = rng.normal(0.0, QUARTER_NOISE_SIGMA, end - start)
        values = level * curve * (1.0 + noise)
        hourly = level * shape * (WEEKEND_FACTOR.get(day_type, 1.0)) * np.exp(rng.normal(0.0, 0.02, 24))
        night = hours < FLAT_NIGHT_HOURS
        values[night] = hourly[hours[night]]
        if rng.random() < FLAT_NIGHT_SHARE:
            first, stop = FLAT_NIGHT_BLOCK
            block = (hours >= first) & (hours < stop)
            values[block] = hourly[first:stop].min()
        negative_draws = -rng.uniform(0.5, 12.0, 24)
        negative_day = rng.random() < NEGATIVE_DAY_SHARE
        if negative_day and day_type != DAY_WORKING and grid.month.month in NEGATIVE_MONTHS:
            solar = (hours >= NEGATIVE_HOURS[0]) & (hours < NEGATIVE_HOURS[1])
            values[solar] = negative_draws[hours[solar]]
        eur[start:end] = values
    return to_cents(eur * currency_rates(slot_currencies(market, grid)))


def imbalance_cents(seed: int, market: Market, grid: MonthGrid, day_ahead: np.ndarray) -> np.ndarray:
    """(slots,) single imbalance price per ISP in cents: day-ahead plus a spread (system short) or minus it (long)."""
    spread_eur = np.empty(grid.slots, dtype=np.float64)
    direction = np.empty(grid.slots, dtype=np.int64)
    for day, start, end in day_bounds(grid):
        rng = stream(seed, "imbalance", MARKET_KEYS[market.code], int(np.datetime64(day, "D").astype(np.int64)))
        shocks = rng.normal(0.0, np.sqrt(1.0 - IMBALANCE_PERSISTENCE**2), end - start)
        state = np.empty(end - start, dtype=np.float64)
        previous = rng.normal()
        for k, shock in enumerate(shocks):
            previous = IMBALANCE_PERSISTENCE * previous + shock
            state[k] = previous
        spikes = np.where(rng.random(end - start) < IMBALANCE_SPIKE_SHARE, IMBALANCE_SPIKE_FACTOR, 1.0)
        spread_eur[start:end] = (IMBALANCE_SPREAD_EUR[0] + IMBALANCE_SPREAD_EUR[1] * np.abs(state)) * spikes
        direction[start:end] = np.where(state >= 0, 1, -1)
    spread = to_cents(spread_eur * currency_rates(slot_currencies(market, grid)))
    return day_ahead + direction * spread
