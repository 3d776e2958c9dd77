"""The truth of a generation: what an end-to-end test needs to check the pipeline exactly.

`truth.json` holds the parameters, companies, row counts per file (for an XML price document:
the price rows a reader gets from it), per defect kind the exact number of affected rows, the
truncated file, recalculations, unknown metering points, the distributor perturbations, and for
the market side: settled and true MWh per balancing group and month, the settlement disputes,
price rows per source and market, the files a reader must reject, and the procurement results
(last procured delivery day, the bilateral contract and trade counts per group and month), and the
customers' monthly estimates in force (with the corrected keys and the months without an estimate).
`meter_monthly.csv` holds per metering point and local month the true final totals and what
the pipeline can load (valid intervals and their energy).
`defects.csv` lists every affected row with its file and line.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from data.sample_portfolio.defects import DEFECT_KINDS, DefectRates, Delivery
from data.sample_portfolio.formatting import thousandths
from data.sample_portfolio.portfolio import Portfolio
from data.sample_portfolio.readings import MonthReadings
from data.sample_portfolio.writers import write_csv

METER_MONTHLY_COLUMNS: tuple[str, ...] = (
    "metering_point_id",
    "month",
    "dso_id",
    "company_id",
    "customer_id",
    "interval_minutes",
    "expected_intervals",
    "valid_intervals",
    "recalculated_intervals",
    "energy_kwh",
    "inductive_kvarh",
    "capacitive_kvarh",
    "valid_energy_kwh",
    "valid_inductive_kvarh",
    "valid_capacitive_kvarh",
)
DEFECTS_COLUMNS: tuple[str, ...] = ("source_file", "line_number", "defect_kind", "detail", "metering_point_id", "interval_start")


class TruthBook:
    """Collects the truth while files are written, then writes it."""

    def __init__(self) -> None:
        self.files: dict[str, int] = {}
        self.meter_months: list[list[str]] = []
        self.defect_rows: list[list[str]] = []
        self.defects: dict[str, int] = {k: 0 for k in DEFECT_KINDS}
        self.details: dict[str, dict[str, int]] = {}
        self.truncated_file: str | None = None
        self.recalculated: list[dict[str, Any]] = []
        self.unknown_points: list[dict[str, Any]] = []
        self.perturbations: list[dict[str, str]] = []
        self.settlement: list[dict[str, Any]] = []
        self.settlement_disputes: list[dict[str, str]] = []
        self.price_rows: dict[str, dict[str, int]] = {}
        self.rejected_files: list[dict[str, Any]] = []
        self.procurement_groups: list[dict[str, Any]] = []
        self.procurement_days: dict[str, dict[str, str]] = {}
        self.customer_estimates: dict[str, Any] = {}

    def add_file(self, relative_path: str, rows: int) -> None:
        self.files[relative_path] = rows

    def add_defect(
        self, relative_path: str, line: int | None, kind: str, detail: str = "", metering_point_id: str = "", interval_start: str = ""
    ) -> None:
        """Record one affected row of a file other than a readings file (e.g. a duplicated trade)."""
        self.defect_rows.append([relative_path, "" if line is None else str(line), kind, detail, metering_point_id, interval_start])
        self.defects[kind] = self.defects.get(kind, 0) + 1
        if detail:
            by_detail = self.details.setdefault(kind, {})
            by_detail[detail] = by_detail.get(detail, 0) + 1

    def add_price_rows(self, source_name: str, market_code: str, rows: int) -> None:
        by_market = self.price_rows.setdefault(source_name, {})
        by_market[market_code] = by_market.get(market_code, 0) + rows

    def add_readings(
        self,
        relative_path: str,
        readings: MonthReadings,
        delivery: Delivery,
        recalculated: np.ndarray,
        correction_path: str | None,
    ) -> None:
        """Record a delivered readings file and the truth of its metering-point-months."""
        for record in delivery.records:
            line = "" if record.line is None else str(record.line)
            self.defect_rows.append(
                [relative_path, line, record.kind, record.detail, record.metering_point_id, record.interval_start]
            )
            if record.detail:
                by_detail = self.details.setdefault(record.kind, {})
                by_detail[record.detail] = by_detail.get(record.detail, 0) + 1
        for kind, count in delivery.counts.items():
            self.defects[kind] += count
        if delivery.cut_line is not None:
            self.truncated_file = relative_path
        unknown: dict[str, int] = {}
        for record in delivery.records:
            if record.kind == "unknown_metering_point":
                unknown[record.metering_point_id] = unknown.get(record.metering_point_id, 0) + 1
        self.unknown_points.extend({"metering_point_id": k, "file": relative_path, "rows": v} for k, v in sorted(unknown.items()))
        if correction_path is not None:
            days = readings.grid.local_day[readings.slot]
            for meter, day in sorted({(int(m), d) for m, d in zip(readings.meter[recalculated], days[recalculated])}):
                self.recalculated.append(
                    {
                        "file": correction_path,
                        "metering_point_id": readings.meters[meter].metering_point_id,
                        "date": str(day),
                        "intervals": int(((readings.meter == meter) & (days == day) & recalculated).sum()),
                    }
                )

        valid = delivery.valid
        per_meter = {
            "expected": readings.per_meter(np.ones(readings.rows, dtype=np.int64)),
            "valid": readings.per_meter(valid.astype(np.int64)),
            "recalculated": readings.per_meter(recalculated.astype(np.int64)),
            "energy": readings.per_meter(readings.energy),
            "inductive": readings.per_meter(readings.inductive),
            "capacitive": readings.per_meter(readings.capacitive),
            "valid_energy": readings.per_meter(np.where(valid, readings.energy, 0)),
            "valid_inductive": readings.per_meter(np.where(valid, readings.inductive, 0)),
            "valid_capacitive": readings.per_meter(np.where(valid, readings.capacitive, 0)),
        }
        for i, meter in enumerate(readings.meters):
            self.meter_months.append(
                [
                    meter.metering_point_id,
                    readings.grid.month.label,
                    readings.dso_id,
                    meter.company_id,
                    meter.customer_id,
                    str(meter.interval_minutes),
                    str(int(per_meter["expected"][i])),
                    str(int(per_meter["valid"][i])),
                    str(int(per_meter["recalculated"][i])),
                    *(thousandths(int(per_meter[k][i])) for k in ("energy", "inductive", "capacitive")),
                    *(thousandths(int(per_meter[k][i])) for k in ("valid_energy", "valid_inductive", "valid_capacitive")),
                ]
            )

    def write(self, truth_dir: Path, header: dict[str, Any]) -> list[Path]:
        """Write truth.json, meter_monthly.csv and defects.csv; returns their paths."""
        truth_dir.mkdir(parents=True, exist_ok=True)
        document = {
            **header,
            "files": dict(sorted(self.files.items())),
            "rows_per_source": self.rows_per_source(),
            "defects": self.defects,
            "defect_details": {kind: dict(sorted(v.items())) for kind, v in sorted(self.details.items())},
            "truncated_file": self.truncated_file,
            "recalculated_intervals": sum(r["intervals"] for r in self.recalculated),
            "recalculated_days": self.recalculated,
            "unknown_metering_points": self.unknown_points,
            "dso_perturbations": self.perturbations,
            "settlement": self.settlement,
            "settlement_disputes": self.settlement_disputes,
            "price_rows": {source: dict(sorted(v.items())) for source, v in sorted(self.price_rows.items())},
            "rejected_files": self.rejected_files,
            "procurement": {"days": self.procurement_days, "groups": self.procurement_groups},
            "customer_estimates": self.customer_estimates,
            "truth_files": {
                "meter_monthly": {"file": "meter_monthly.csv", "columns": list(METER_MONTHLY_COLUMNS)},
                "defects": {"file": "defects.csv", "columns": list(DEFECTS_COLUMNS)},
            },
        }
        paths = [truth_dir / "truth.json", truth_dir / "meter_monthly.csv", truth_dir / "defects.csv"]
        paths[0].write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        write_csv(paths[1], METER_MONTHLY_COLUMNS, self.meter_months)
        write_csv(paths[2], DEFECTS_COLUMNS, self.defect_rows)
        return paths

    def rows_per_source(self) -> dict[str, int]:
        totals: dict[str, int] = {}
        for path, rows in self.files.items():
            source = path.split("/")[1]
            totals[source] = totals.get(source, 0) + rows
        return totals


def truth_header(portfolio: Portfolio, parameters: dict[str, Any], rates: DefectRates) -> dict[str, Any]:
    """The first part of truth.json: parameters, period, companies, portfolio counts and notes."""
    first_day = portfolio.months[0].first_day
    return {
        "generator": "data.sample_portfolio",
        "parameters": {**parameters, "defect_rates": jsonable(rates)},
        "period": {"first_month": portfolio.months[0].label, "last_month": portfolio.months[-1].label},
        "companies": [
            {
                "company_id": m.company_id,
                "legal_name": m.legal_name,
                "country_code": m.code,
                "market_timezone": m.timezone,
                "currency": (
                    "RON" if m.code == "RO" else {"before_2026_01_01": "BGN", "from_2026_01_01": "EUR", "bgn_per_eur": "1.95583"}
                ),
                "dso_ids": [d.dso_id for d in m.dsos],
            }
            for m in portfolio.markets
        ],
        "counts": {
            "customers": len(portfolio.customers),
            "metering_points": len(portfolio.metering_points),
            "metering_points_joining_later": sum(1 for p in portfolio.metering_points if p.supply_start > first_day),
            "contracts": len({c.contract_id for c in portfolio.contracts}),
            "contract_addenda": len(portfolio.contracts),
            "locations": len(portfolio.locations),
        },
        "notes": {
            "defects": "affected rows per kind; missing_interval counts omitted rows, duplicate_row the extra copies; "
            "malformed_number includes empty energy fields (detail `empty`), which a loader may report as a missing value; "
            "duplicate_row also counts the duplicated exchange trade (detail `exchange_trade`, a copy of the row before it); "
            "xml_entity_declaration is the hostile XML document (listed in rejected_files too), rejected whole at that line",
            "valid_intervals": "intervals with a valid reading delivered: a duplicate's first copy is valid, "
            "recalculated days count with the correction file's value",
            "dso_perturbations": "chosen among complete full-month point-months: the largest zone x factor",
            "fee_quantity_basis": "energy fees are billed on the distributor's reported monthly kWh (sum of its zone rows)",
            "files": "data rows per file; the truncated file counts its cut line; an XML price document counts "
            "the price rows it gives (A03 positions left out included); a file to be rejected counts 0",
            "settlement": "per balancing group and local month: settled_mwh = sum of the settlement file's rows, "
            "true_mwh = exact sum of the members' true interval energy (hourly points spread over 4 quarter-hours); "
            "they differ by the 6-decimal rounding of each row and by the disputes",
            "settlement_disputes": "ISPs where the TSO's settled volume is off (settled_percent_of_true of the true volume)",
            "procurement": "results are recorded up to days.<market>.last_procured_day; later days (the last of the period) "
            "have no bilateral or exchange rows; volumes are in lots of lot_mwh",
            "customer_estimates": "only contracts with advance_basis = estimate (contracts), for the months of supply from "
            "first_month to last_month (the period and the month after it); estimates holds the estimate in force per "
            "key (versions 2: corrected in correction_file, replaced_kwh was the first value), missing the months "
            "without one (billing falls back to the ordered quantity); estimate = the load model's expected monthly kWh "
            "of the contract's points (prorated by supplied days) x a noise factor 0.8-1.2, rounded half up to 3 decimals",
        },
    }


def jsonable(value: Any) -> Any:
    """Dataclasses and Decimals as JSON-friendly values."""
    if hasattr(value, "__dataclass_fields__"):
        return {k: jsonable(v) for k, v in asdict(value).items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)
