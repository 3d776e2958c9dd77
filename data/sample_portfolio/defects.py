"""Known defects in delivered meter readings, at configurable rates, applied to one monthly file.

Kinds (each counted in affected rows in the truth): `missing_interval` (rows omitted, single
intervals or runs of several hours), `duplicate_row` (an exact copy right after the
original), `negative_value`, `spike` (5 x connection capacity x interval hours: physically
impossible), `unknown_metering_point` (rows for identifiers no confirmation lists),
`malformed_date`, `malformed_number`, and one truncated file (`truncated_line`,
`truncated_rows_lost`). Defects never touch recalculated days or correction files, never
share a row, and never fall after the cut of the truncated file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

import numpy as np

from data.sample_portfolio.formatting import thousandths
from data.sample_portfolio.readings import MonthReadings

if TYPE_CHECKING:
    from data.sample_portfolio.plan import FilePlan

ROW_DEFECTS: tuple[str, ...] = ("duplicate_row", "negative_value", "spike", "malformed_date", "malformed_number")
DEFECT_KINDS: tuple[str, ...] = (
    "missing_interval",
    *ROW_DEFECTS,
    "unknown_metering_point",
    "truncated_line",
    "truncated_rows_lost",
)
_CLEAN, _MISSING = 0, 1
_CODE = {kind: i + 2 for i, kind in enumerate(ROW_DEFECTS)}
SPIKE_CAPACITY_MULTIPLE = 5
EMPTY = "<empty>"  # marks an energy value written as an empty field
TEXT_NUMBERS = ("abc", "n/a", "#VALUE!")
DATE_VARIANTS = ("impossible_date", "day_first", "no_offset")  # 2026-02-30T..+02:00, 30/01/2026 10:00, no offset
NUMBER_VARIANTS = ("decimal_comma", "text", "empty")  # 12,5 / abc / empty field (a loader may call it missing)


@dataclass(frozen=True)
class DefectRates:
    """How often each defect occurs; row rates are per delivered row, over the whole generation."""

    missing_interval: float = 3e-4  # missing events (a single interval or a run) per row
    missing_run_share: float = 0.5  # share of missing events that are runs of several hours
    missing_run_hours: tuple[int, int] = (2, 8)
    duplicate_row: float = 2e-4
    negative_value: float = 1e-4
    spike: float = 1e-4
    malformed_date: float = 1e-4
    malformed_number: float = 1e-4
    unknown_metering_point: float = 0.01  # unknown identifiers per metering point of the portfolio
    unknown_days: tuple[int, int] = (2, 4)
    dso_perturbation: float = 0.005  # perturbed distributor totals per metering-point-month
    dso_perturbation_factor: Decimal = Decimal("1.03")
    minimum_events: int = 3  # every kind occurs at least this often, however small the portfolio


@dataclass(frozen=True)
class DefectRecord:
    """One affected row; `line` is the 1-based line in the file (None for rows that are not in it)."""

    kind: str
    line: int | None
    metering_point_id: str
    interval_start: str
    detail: str = ""  # the variant of a malformed date or number


@dataclass
class Delivery:
    """The rows of a monthly readings file as delivered, in file order, plus what they mean for the truth."""

    point_ids: list[str]  # categories of `point`
    timestamps: list[str]  # categories of `timestamp`
    number_texts: list[str]  # categories of `energy_text` (EMPTY means an empty field)
    point: np.ndarray  # (lines,) index into point_ids
    timestamp: np.ndarray  # (lines,) index into timestamps
    interval_minutes: np.ndarray
    energy: np.ndarray  # int64 Wh; ignored where energy_text >= 0
    energy_text: np.ndarray  # -1, or index into number_texts
    inductive: np.ndarray
    capacitive: np.ndarray
    cut_line: int | None  # 0-based data line that is cut in the middle; later lines are not written
    valid: np.ndarray  # (true rows,) a valid reading for the interval is delivered
    records: list[DefectRecord] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


def _malformed_date(iso: str, variant: int, days_in_month: int) -> str:
    year, month, day, clock, offset = iso[0:4], iso[5:7], iso[8:10], iso[11:19], iso[19:]
    if variant == 0:
        impossible = 30 if month == "02" else days_in_month + 1
        return f"{year}-{month}-{impossible:02d}T{clock}{offset}"
    if variant == 1:
        return f"{day}/{month}/{year} {clock[:5]}"
    return f"{year}-{month}-{day}T{clock}"


def _malformed_number(value: int, variant: int) -> str:
    if variant == 0:
        whole, fraction = thousandths(value).split(".")
        return f"{whole},{fraction.rstrip('0') or '0'}"
    if variant == 1:
        return TEXT_NUMBERS[(value // 7) % len(TEXT_NUMBERS)]
    return EMPTY


def _choose_rows(
    readings: MonthReadings, plan: "FilePlan", rates: DefectRates, blocked: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """(rows,) int8 defect code of each true row: missing runs first, then single-row defects on free rows."""
    n = readings.rows
    minutes = readings.interval_minutes()
    kind = np.zeros(n, dtype=np.int8)
    for event in range(plan.missing_events):
        is_run = event == 0 or rng.random() < rates.missing_run_share
        hours = int(rng.integers(rates.missing_run_hours[0], rates.missing_run_hours[1] + 1))
        for _ in range(100):
            start = int(rng.integers(n))
            length = hours * 60 // int(minutes[start]) if is_run else 1
            end = min(start + length, int(readings.meter_start[readings.meter[start] + 1]))  # within one point
            if not blocked[start:end].any() and not kind[start:end].any():
                kind[start:end] = _MISSING
                break
    wanted = [k for k in ROW_DEFECTS for _ in range(plan.row_defects.get(k, 0))]
    free = np.flatnonzero((kind == _CLEAN) & ~blocked)
    chosen = rng.choice(free, size=min(len(wanted), len(free)), replace=False) if len(free) else free
    for row, defect in zip(chosen, wanted):
        kind[row] = _CODE[defect]
    return kind


def _unknown_rows(plan: "FilePlan", readings: MonthReadings, rng: np.random.Generator) -> list[dict[str, np.ndarray]]:
    """A few days of plausible readings for each unknown metering point of the file."""
    parts = []
    for unknown in plan.unknown:
        days = [unknown.first_day.replace(day=unknown.first_day.day + d) for d in range(unknown.days)]
        day_slots = np.concatenate([readings.grid.day_slots(day) for day in days])
        slots = day_slots[day_slots % (unknown.interval_minutes // 15) == 0]
        energy = np.rint(rng.lognormal(np.log(0.35), 0.4, len(slots)) * unknown.interval_minutes / 60 * 1000).astype(np.int64)
        parts.append(
            {
                "origin": np.full(len(slots), -1, dtype=np.int64),
                "slot": slots,
                "timestamp": slots,
                "minutes": np.full(len(slots), unknown.interval_minutes, dtype=np.int64),
                "energy": energy,
                "energy_text": np.full(len(slots), -1, dtype=np.int64),
                "inductive": np.rint(energy * 0.2).astype(np.int64),
                "capacitive": np.zeros(len(slots), dtype=np.int64),
            }
        )
    return parts


def apply_defects(
    readings: MonthReadings,
    plan: "FilePlan",
    rates: DefectRates,
    values: tuple[np.ndarray, np.ndarray, np.ndarray],
    protected: np.ndarray,
    rng: np.random.Generator,
) -> Delivery:
    """Turn a distributor-month's rows into the delivered file; `values` are the (preliminary) values to
    deliver and `protected` marks rows that must stay clean (recalculated days)."""
    n = readings.rows
    grid = readings.grid
    blocked = protected.copy()
    if plan.cut_row is not None:
        blocked[plan.cut_row :] = True
    kind = _choose_rows(readings, plan, rates, blocked, rng)

    # Corrupt the chosen rows' values and texts.
    energy, inductive, capacitive = (v.copy() for v in values)
    timestamps = list(grid.iso)
    extra_timestamps: dict[str, int] = {}  # malformed texts -> category index after the grid's timestamps
    timestamp = readings.slot.copy()
    number_texts = [EMPTY]
    energy_text = np.full(n, -1, dtype=np.int64)
    date_variant = plan.variant_start.get("malformed_date", 0)
    number_variant = plan.variant_start.get("malformed_number", 0)
    details: dict[int, str] = {}
    for row in np.flatnonzero(kind >= 2):
        code = kind[row]
        if code == _CODE["negative_value"]:
            energy[row] = -max(int(energy[row]), 1)
        elif code == _CODE["spike"]:
            meter = readings.meters[readings.meter[row]]
            energy[row] = SPIKE_CAPACITY_MULTIPLE * meter.connection_capacity_w * meter.interval_minutes // 60
        elif code == _CODE["malformed_date"]:
            text = _malformed_date(grid.iso[readings.slot[row]], date_variant % 3, grid.month.days)
            details[int(row)] = DATE_VARIANTS[date_variant % 3]
            date_variant += 1
            extra_timestamps.setdefault(text, len(timestamps) + len(extra_timestamps))
            timestamp[row] = extra_timestamps[text]
        elif code == _CODE["malformed_number"]:
            text = _malformed_number(int(energy[row]), number_variant % 3)
            details[int(row)] = NUMBER_VARIANTS[number_variant % 3]
            number_variant += 1
            if text not in number_texts:
                number_texts.append(text)
            energy_text[row] = number_texts.index(text)
    timestamps.extend(extra_timestamps)

    # Assemble the file: drop missing rows, repeat duplicates, merge unknown points in identifier order.
    known_ids = [m.metering_point_id for m in readings.meters]
    point_ids = sorted(set(known_ids) | {u.metering_point_id for u in plan.unknown})
    code_of = {p: i for i, p in enumerate(point_ids)}
    repeat = np.ones(n, dtype=np.int64)
    repeat[kind == _MISSING] = 0
    repeat[kind == _CODE["duplicate_row"]] = 2
    origin = np.repeat(np.arange(n, dtype=np.int64), repeat)
    known_code = np.array([code_of[p] for p in known_ids], dtype=np.int64)
    parts = [
        {
            "origin": origin,
            "point": known_code[readings.meter[origin]],
            "slot": readings.slot[origin],
            "timestamp": timestamp[origin],
            "minutes": readings.interval_minutes()[origin],
            "energy": energy[origin],
            "energy_text": energy_text[origin],
            "inductive": inductive[origin],
            "capacitive": capacitive[origin],
        }
    ]
    for unknown, part in zip(plan.unknown, _unknown_rows(plan, readings, rng)):
        parts.append({**part, "point": np.full(len(part["slot"]), code_of[unknown.metering_point_id], dtype=np.int64)})
    if len(parts) > 1:
        merged = {name: np.concatenate([part[name] for part in parts]) for name in parts[0]}
        order = np.lexsort((np.arange(len(merged["origin"])), merged["slot"], merged["point"]))
        out = {name: values[order] for name, values in merged.items()}
    else:  # known rows are already in file order
        out = parts[0]

    valid = (kind == _CLEAN) | (kind == _CODE["duplicate_row"])
    cut_line = None
    if plan.cut_row is not None:
        valid[plan.cut_row :] = False
        cut_line = int(np.flatnonzero(out["origin"] == plan.cut_row)[0])
    records, counts = _records(readings, kind, out, point_ids, details, cut_line, plan.cut_row)
    return Delivery(
        point_ids=point_ids,
        timestamps=timestamps,
        number_texts=number_texts,
        point=out["point"],
        timestamp=out["timestamp"],
        interval_minutes=out["minutes"],
        energy=out["energy"],
        energy_text=out["energy_text"],
        inductive=out["inductive"],
        capacitive=out["capacitive"],
        cut_line=cut_line,
        valid=valid,
        records=records,
        counts=counts,
    )


def _records(
    readings: MonthReadings,
    kind: np.ndarray,
    out: dict[str, np.ndarray],
    point_ids: list[str],
    details: dict[int, str],
    cut_line: int | None,
    cut_row: int | None,
) -> tuple[list[DefectRecord], dict[str, int]]:
    """One record per affected row with its 1-based line (header is line 1), and counts per kind."""
    grid = readings.grid
    known_ids = [m.metering_point_id for m in readings.meters]
    delivered = np.flatnonzero(out["origin"] >= 0)
    delivered_origin = out["origin"][delivered]  # non-decreasing: file order follows the true rows
    first = np.flatnonzero(np.r_[True, delivered_origin[1:] != delivered_origin[:-1]])
    line_of_origin = np.full(readings.rows, -1, dtype=np.int64)
    line_of_origin[delivered_origin[first]] = delivered[first] + 2
    line_of_origin[kind == _CODE["duplicate_row"]] += 1  # the copy is the affected line
    names = {_MISSING: "missing_interval", **{code: name for name, code in _CODE.items()}}
    records = []
    for row in np.flatnonzero(kind != _CLEAN):
        name = names[int(kind[row])]
        line = None if name == "missing_interval" else int(line_of_origin[row])
        point, start = known_ids[readings.meter[row]], grid.iso[readings.slot[row]]
        records.append(DefectRecord(name, line, point, start, details.get(int(row), "")))
    for position in np.flatnonzero(out["origin"] < 0):
        point, start = point_ids[out["point"][position]], grid.iso[out["slot"][position]]
        records.append(DefectRecord("unknown_metering_point", int(position) + 2, point, start))
    counts = {k: 0 for k in DEFECT_KINDS}
    for record in records:
        counts[record.kind] += 1
    if cut_line is not None and cut_row is not None:
        point, start = known_ids[readings.meter[cut_row]], grid.iso[readings.slot[cut_row]]
        records.append(DefectRecord("truncated_line", cut_line + 2, point, start))
        counts["truncated_line"] = 1
        counts["truncated_rows_lost"] = len(out["origin"]) - cut_line - 1
    records.sort(key=lambda r: (r.line is None, r.line or 0))  # stable: missing rows stay in file order
    return records, counts
