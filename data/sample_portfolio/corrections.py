"""Recalculations: the preliminary values a distributor first delivers for a few metering-point-days.

The monthly file carries the preliminary values for the chosen days; a later correction
file re-delivers those days with the final (true) values, which supersede the first ones.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Sequence

import numpy as np

from data.sample_portfolio.readings import MonthReadings

if TYPE_CHECKING:
    from data.sample_portfolio.defects import Delivery


def correction_mask(readings: MonthReadings, days: Sequence[tuple[str, date]]) -> np.ndarray:
    """(rows,) True for the rows of the recalculated metering-point-days."""
    mask = np.zeros(readings.rows, dtype=bool)
    index = {m.metering_point_id: i for i, m in enumerate(readings.meters)}
    row_day = readings.grid.local_day[readings.slot]
    for point_id, day in days:
        i = index[point_id]
        rows = slice(readings.meter_start[i], readings.meter_start[i + 1])
        mask[rows] |= row_day[rows] == np.datetime64(day, "D")
    return mask


def preliminary_values(
    readings: MonthReadings, days: Sequence[tuple[str, date]], rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Copies of the energy arrays with each recalculated day scaled by a preliminary factor of 0.75-0.95."""
    energy, inductive, capacitive = readings.energy.copy(), readings.inductive.copy(), readings.capacitive.copy()
    for point_id, day in days:
        rows = correction_mask(readings, [(point_id, day)])
        factor = rng.uniform(0.75, 0.95)
        for values in (energy, inductive, capacitive):
            values[rows] = np.rint(values[rows] * factor).astype(np.int64)
    return energy, inductive, capacitive


def correction_delivery(readings: MonthReadings, mask: np.ndarray) -> "Delivery":
    """The correction file: the final values of the recalculated rows, clean, in file order."""
    from data.sample_portfolio.defects import EMPTY, Delivery

    rows = np.flatnonzero(mask)
    return Delivery(
        point_ids=[m.metering_point_id for m in readings.meters],
        timestamps=list(readings.grid.iso),
        number_texts=[EMPTY],
        point=readings.meter[rows],
        timestamp=readings.slot[rows],
        interval_minutes=readings.interval_minutes()[rows],
        energy=readings.energy[rows],
        energy_text=np.full(len(rows), -1, dtype=np.int64),
        inductive=readings.inductive[rows],
        capacitive=readings.capacitive[rows],
        cut_line=None,
        valid=np.ones(len(rows), dtype=bool),
    )
