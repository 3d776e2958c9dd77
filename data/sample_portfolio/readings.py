"""The true interval readings of one distributor for one local month, as flat row arrays.

Rows are ordered by metering point identifier, then interval start: the order of the
delivered file. Values are integers in thousandths (Wh, varh) and are the final values:
what a distributor's correction file, if any, eventually delivers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from data.sample_portfolio.load_profiles import simulate
from data.sample_portfolio.portfolio import MeteringPoint, Portfolio
from data.sample_portfolio.tariff_zones import zone_index_by_hour, zones_of_market
from data.sample_portfolio.timegrid import MonthGrid
from data.sample_portfolio.weather import WeatherSeries


@dataclass(frozen=True)
class MonthReadings:
    """All true readings of one distributor-month."""

    dso_id: str
    grid: MonthGrid
    meters: tuple[MeteringPoint, ...]  # sorted by identifier
    meter: np.ndarray  # (rows,) index into `meters`
    slot: np.ndarray  # (rows,) grid slot of the interval start
    energy: np.ndarray  # (rows,) int64 Wh
    inductive: np.ndarray  # (rows,) int64 varh
    capacitive: np.ndarray  # (rows,) int64 varh
    meter_start: np.ndarray  # (len(meters) + 1,) first row of each meter; rows of meter i are [start[i], start[i+1])

    @property
    def rows(self) -> int:
        return len(self.slot)

    def interval_minutes(self) -> np.ndarray:
        """(rows,) interval length of each row."""
        return np.array([m.interval_minutes for m in self.meters], dtype=np.int64)[self.meter]

    def per_meter(self, values: np.ndarray) -> np.ndarray:
        """Exact sum of a row-aligned integer array per meter (rows of a meter are contiguous)."""
        running = np.concatenate([[0], np.cumsum(values, dtype=np.int64)])
        return running[self.meter_start[1:]] - running[self.meter_start[:-1]]

    def per_meter_and_zone(self, values: np.ndarray) -> np.ndarray:
        """(meters, zones) sums by the tariff zone of the local hour of each interval start."""
        zones = zones_of_market(self.grid.market_code)
        zone = zone_index_by_hour(self.grid.market_code)[self.grid.local_hour[self.slot]]
        # Float sums of integers stay exact below 2**53 thousandths (9 TWh), far above any point-month.
        sums = np.bincount(
            self.meter * len(zones) + zone, weights=values.astype(np.float64), minlength=len(self.meters) * len(zones)
        )
        return np.rint(sums).astype(np.int64).reshape(len(self.meters), len(zones))


def month_temperatures(grid: MonthGrid, weather: WeatherSeries) -> np.ndarray:
    """Actual temperature (degrees) per grid slot: the value of the slot's hour."""
    return weather.actual_c(grid.utc)


def month_readings(
    portfolio: Portfolio, dso_id: str, grid: MonthGrid, weather: WeatherSeries, temperature_c: np.ndarray | None = None
) -> MonthReadings:
    """Simulate every point of a distributor active in the grid's month; 15- and 60-minute points together."""
    meters = portfolio.meters_of(dso_id, grid.month)
    temperatures = month_temperatures(grid, weather) if temperature_c is None else temperature_c
    parts: list[tuple[np.ndarray, ...]] = []
    for minutes in (15, 60):
        group = [i for i, m in enumerate(meters) if m.interval_minutes == minutes]
        if not group:
            continue
        block = simulate([meters[i] for i in group], grid, minutes, temperatures, portfolio.seed)
        rows, cols = np.nonzero(block.active)
        parts.append(
            (
                np.asarray(group, dtype=np.int64)[rows],
                block.slots[cols],
                block.energy[rows, cols],
                block.inductive[rows, cols],
                block.capacitive[rows, cols],
            )
        )
    if parts:
        meter, slot, energy, inductive, capacitive = (np.concatenate(c) for c in zip(*parts))
        order = np.lexsort((slot, meter))
        meter, slot, energy, inductive, capacitive = (a[order] for a in (meter, slot, energy, inductive, capacitive))
    else:
        meter = slot = energy = inductive = capacitive = np.zeros(0, dtype=np.int64)
    meter_start = np.searchsorted(meter, np.arange(len(meters) + 1), side="left")
    return MonthReadings(dso_id, grid, meters, meter, slot, energy, inductive, capacitive, meter_start)


def expected_rows(point: MeteringPoint, grid: MonthGrid) -> int:
    """Number of intervals a point has in the month (from its supply start)."""
    slots = grid.interval_slots(point.interval_minutes)
    return int(len(slots) - np.searchsorted(slots, grid.first_slot_at(point.supply_start_utc), side="left"))
