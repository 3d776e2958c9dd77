"""Where each deliberate imperfection goes, decided for the whole generation before any series exists.

Knowing every readings file's row count up front lets the generator spread defect counts
over files (each kind at least `minimum_events` times), pick the one truncated file and its
cut, the recalculated metering-point-days, the rows of unknown metering points and the
perturbed distributor totals, and then generate and write one distributor-month at a time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np

from data.sample_portfolio.defects import ROW_DEFECTS, DefectRates
from data.sample_portfolio.identifiers import bg_eic, ro_pod
from data.sample_portfolio.markets import DSOS_BY_ID
from data.sample_portfolio.portfolio import Portfolio
from data.sample_portfolio.randomness import stream
from data.sample_portfolio.readings import expected_rows
from data.sample_portfolio.timegrid import Month, MonthGrid

FileKey = tuple[str, Month]


@dataclass(frozen=True)
class UnknownMeter:
    """A few days of readings for a metering point the supplier was never confirmed."""

    metering_point_id: str
    interval_minutes: int
    first_day: date
    days: int


@dataclass
class FilePlan:
    """The imperfections of one monthly readings file (and its correction file)."""

    dso_id: str
    month: Month
    rows: int
    cut_row: int | None = None  # truncated file: the true row whose line is cut; later rows are lost
    corrections: list[tuple[str, date]] = field(default_factory=list)
    unknown: list[UnknownMeter] = field(default_factory=list)
    missing_events: int = 0
    row_defects: dict[str, int] = field(default_factory=dict)
    variant_start: dict[str, int] = field(default_factory=dict)  # running count of the kind in earlier files
    perturbations: int = 0  # distributor totals to perturb (chosen among complete point-months when written)


@dataclass(frozen=True)
class DeliveryPlan:
    files: dict[FileKey, FilePlan]
    truncated: FileKey | None


def _spread(rng: np.random.Generator, total: int, weights: np.ndarray) -> np.ndarray:
    if total <= 0 or weights.sum() <= 0:
        return np.zeros(len(weights), dtype=np.int64)
    return rng.multinomial(total, weights / weights.sum())


def plan_deliveries(portfolio: Portfolio, grids: dict[tuple[str, Month], MonthGrid], rates: DefectRates) -> DeliveryPlan:
    """Decide every file's imperfections from the seed."""
    rng = stream(portfolio.seed, "plan")
    files: dict[FileKey, FilePlan] = {}
    for month in portfolio.months:
        for dso in portfolio.dsos:
            meters = portfolio.meters_of(dso.dso_id, month)
            if meters:
                grid = grids[(dso.market_code, month)]
                files[(dso.dso_id, month)] = FilePlan(dso.dso_id, month, sum(expected_rows(m, grid) for m in meters))
    keys = list(files)

    truncated: FileKey | None = None
    candidates = [k for k in keys if files[k].rows >= 50]
    later = [k for k in candidates if k[1] != portfolio.months[0]]
    pool = later or candidates
    if pool:
        truncated = pool[int(rng.integers(len(pool)))]
        files[truncated].cut_row = int(files[truncated].rows * rng.uniform(0.55, 0.85))
    others = [k for k in keys if k != truncated]

    # Recalculated metering-point-days: a few, in up to two months, never in the truncated file.
    months_with_files = sorted({k[1] for k in others})
    for month in [months_with_files[i] for i in sorted(rng.permutation(len(months_with_files))[:2])]:
        in_month = [k for k in others if k[1] == month]
        key = in_month[int(rng.integers(len(in_month)))]
        meters = portfolio.meters_of(key[0], month)
        chosen: set[tuple[str, date]] = set()
        for _ in range(int(rng.integers(2, 6))):
            meter = meters[int(rng.integers(len(meters)))]
            first = max(meter.supply_start, month.first_day).day
            chosen.add((meter.metering_point_id, date(month.year, month.month, int(rng.integers(first, month.days + 1)))))
        files[key].corrections = sorted(chosen)

    # Unknown metering points: identifiers in the distributor's format that no confirmation lists.
    known = {m.metering_point_id for m in portfolio.metering_points}
    unknown_count = max(rates.minimum_events, round(rates.unknown_metering_point * len(portfolio.metering_points)))
    for _ in range(unknown_count if others else 0):
        key = others[int(rng.integers(len(others)))]
        dso = DSOS_BY_ID[key[0]]
        point_id = None
        while point_id is None or point_id in known:
            if dso.market_code == "RO":
                point_id = ro_pod(dso.area_code * 10_000_000 + int(rng.integers(0, 10_000_000)))
            else:
                point_id = bg_eic(dso.area_code, int(rng.integers(10**9, 10**11)))
        known.add(point_id)
        low, high = rates.unknown_days
        days = min(int(rng.integers(low, high + 1)), key[1].days)
        first = date(key[1].year, key[1].month, int(rng.integers(1, key[1].days - days + 2)))
        files[key].unknown.append(UnknownMeter(point_id, int(rng.choice([15, 60])), first, days))

    # Row defects and missing-interval events, spread over files by their defectable rows.
    weights = np.array([files[k].cut_row if files[k].cut_row is not None else files[k].rows for k in keys], dtype=np.float64)
    total_rows = int(weights.sum())
    for kind, rate in (("missing_interval", rates.missing_interval), *((k, getattr(rates, k)) for k in ROW_DEFECTS)):
        counts = _spread(rng, max(rates.minimum_events, round(rate * total_rows)), weights)
        running = 0
        for key, count in zip(keys, counts):
            if kind == "missing_interval":
                files[key].missing_events = int(count)
            else:
                files[key].row_defects[kind] = int(count)
                files[key].variant_start[kind] = running  # variants rotate over the whole generation
                running += int(count)

    # Distributor totals that deliberately differ from the readings, spread by full-month points per file.
    full_months = np.array(
        [sum(1 for m in portfolio.meters_of(*key) if m.supply_start <= key[1].first_day) for key in keys], dtype=np.float64
    )
    wanted = max(2, round(rates.dso_perturbation * full_months.sum()))
    for key, count in zip(keys, _spread(rng, wanted, full_months)):
        files[key].perturbations = int(count)
    return DeliveryPlan(files, truncated)
