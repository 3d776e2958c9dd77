"""The TSO's settled volumes per balancing group and 15-minute ISP, built from the true readings.

Per market-month the true consumption of each group is accumulated, distributor by distributor,
in integer quarter-watt-hours per grid slot: a 15-minute reading adds 4 x its Wh to its slot,
an hourly reading adds its Wh to each of its four quarter-hours (spread evenly). Only rows of
supplied intervals exist in the readings, so only supplied points count. The settled volume of
a slot is that true energy in MWh rounded half up to 6 decimals (whole Wh), except for a few
seeded "settlement disputes" where the TSO's figure is off by `DISPUTE_FACTOR`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from data.sample_portfolio.balancing_groups import BalancingGroup, group_index, groups_of_market
from data.sample_portfolio.formatting import fixed_point_texts
from data.sample_portfolio.readings import MonthReadings
from data.sample_portfolio.timegrid import MonthGrid

QUARTERS_PER_HOUR = 4
DISPUTES_PER_MARKET = 2
DISPUTE_PERCENT = 108  # the disputed ISP is settled at 108 % of the true volume
DISPUTE_MIN_SHARE = 0.25


def mwh_text(wh: int) -> str:
    """Whole Wh as MWh with 6 decimals: 1234567 -> `1.234567`."""
    sign = "-" if wh < 0 else ""
    magnitude = abs(int(wh))
    return f"{sign}{magnitude // 1_000_000}.{magnitude % 1_000_000:06d}"


class GroupLoad:
    """True consumption of each balancing group of one market-month, per grid slot, in quarter-Wh."""

    def __init__(self, market_code: str, grid: MonthGrid) -> None:
        self.market_code = market_code
        self.grid = grid
        self.groups: tuple[BalancingGroup, ...] = groups_of_market(market_code)
        self.quarter_wh = np.zeros((len(self.groups), grid.slots), dtype=np.int64)

    def add(self, readings: MonthReadings) -> None:
        """Add one distributor-month's true readings (vectorised; exact in integers)."""
        if readings.rows == 0:
            return
        slots = self.grid.slots
        group = group_index(readings.meters, self.market_code)[readings.meter]
        index = group * slots + readings.slot
        minutes = readings.interval_minutes()
        size = len(self.groups) * slots
        quarter = minutes == 15
        # Float sums of integers are exact below 2**53 quarter-Wh (2 TWh per group and slot).
        weights = (readings.energy[quarter] * QUARTERS_PER_HOUR).astype(np.float64)
        total = np.rint(np.bincount(index[quarter], weights=weights, minlength=size)).astype(np.int64)
        hourly = ~quarter
        weights = readings.energy[hourly].astype(np.float64)
        for k in range(QUARTERS_PER_HOUR):
            total += np.rint(np.bincount(index[hourly] + k, weights=weights, minlength=size)).astype(np.int64)
        self.quarter_wh += total.reshape(len(self.groups), slots)

    def true_wh(self) -> np.ndarray:
        """(groups, slots) true energy rounded half up to whole Wh (the 6th decimal of MWh)."""
        return (self.quarter_wh + 2) // QUARTERS_PER_HOUR

    def month_true_wh(self) -> np.ndarray:
        """(groups,) exact true energy of the month in Wh (quarter-Wh sums are multiples of 4)."""
        return self.quarter_wh.sum(axis=1) // QUARTERS_PER_HOUR


@dataclass(frozen=True)
class Dispute:
    """An ISP whose settled volume the TSO got wrong."""

    group: int
    slot: int
    true_wh: int
    settled_wh: int


def choose_disputes(true_wh: np.ndarray, count: int, rng: np.random.Generator) -> list[Dispute]:
    """`count` distinct group-ISPs settled at DISPUTE_PERCENT of the true volume, among those with at least
    DISPUTE_MIN_SHARE of the market-month's largest ISP volume (so the difference is clear in MWh too)."""
    flat = true_wh.reshape(-1)
    candidates = np.flatnonzero((flat > 0) & (flat >= DISPUTE_MIN_SHARE * (flat.max() if len(flat) else 0)))
    chosen = np.sort(rng.choice(candidates, size=min(count, len(candidates)), replace=False)) if len(candidates) else candidates
    disputes = []
    for flat in chosen:
        group, slot = divmod(int(flat), true_wh.shape[1])
        true = int(true_wh[group, slot])
        disputes.append(Dispute(group, slot, true, (true * DISPUTE_PERCENT + 50) // 100))
    return disputes


def settled_wh(load: GroupLoad, disputes: list[Dispute]) -> np.ndarray:
    """(groups, slots) settled Wh: the true volume, except at the disputed ISPs."""
    settled = load.true_wh()
    for dispute in disputes:
        settled[dispute.group, dispute.slot] = dispute.settled_wh
    return settled


def settlement_rows(load: GroupLoad, settled: np.ndarray) -> list[list[str]]:
    """Rows of the settlement file, ordered by group then period start."""
    grid = load.grid
    rows: list[list[str]] = []
    for g, group in enumerate(load.groups):
        texts = fixed_point_texts(settled[g], 6)
        rows.extend([load.market_code, group.eic, iso, "15", text] for iso, text in zip(grid.iso.tolist(), texts))
    return rows


def dispute_records(load: GroupLoad, disputes: list[Dispute]) -> list[dict[str, str]]:
    """The truth's description of each dispute."""
    return [
        {
            "market_code": load.market_code,
            "balancing_group_id": load.groups[d.group].group_id,
            "balancing_group_eic": load.groups[d.group].eic,
            "period_start": str(load.grid.iso[d.slot]),
            "period_minutes": "15",
            "true_mwh": mwh_text(d.true_wh),
            "settled_mwh": mwh_text(d.settled_wh),
            "settled_percent_of_true": str(DISPUTE_PERCENT),
        }
        for d in disputes
    ]
