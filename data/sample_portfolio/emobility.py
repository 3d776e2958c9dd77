"""EV-charging partner files of the sample and their truth: EVSEs, EMPs, offers, taxes, OCPI tariffs and CDRs.

`write_emobility_files(inbox, truth_dir, seed, months)` writes, under `inbox/<source>/`:

* `evse_data/evse_data.csv`, `e_mobility_providers/providers.csv`, `emp_offers/offers.csv`,
  `emp_tax_rates/tax_rates.csv` (see `emobility_master`);
* `ocpi_tariffs/tariffs.json` and `tariffs_broken.json` (see `emobility_tariffs`);
* `charge_detail_records/cdrs_RO_<YYYY-MM>.csv` and `cdrs_BG_<YYYY-MM>.json` per month: about 250
  CDRs a month with the defects of `emobility_sessions` (plus, from the second month, one CDR of the
  previous month's file of each country delivered again: a repeat);

and `truth_dir/emobility.json`: per CDR id its file, line, expected status (`rated`, `not_rated`
with a reason code, `rejected` with the loader's reason code) and for rated Standard and Product
Pricing CDRs the expected amounts (`emobility_truth`); the repeats; the tariff the loader rejects.
Same arguments, same bytes. `write_bulk_cdrs` (see `emobility_bulk`) writes a large benchmark file.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable, Sequence

from data.sample_portfolio.emobility_bulk import write_bulk_cdrs, write_bulk_reference
from data.sample_portfolio.emobility_cdrs import csv_row, ocpi_cdr
from data.sample_portfolio.emobility_master import (
    SUBSCRIPTIONS,
    build_evses,
    build_offers,
    build_providers,
    build_tax_rates,
    evse_weights,
    month_of,
)
from data.sample_portfolio.emobility_reference_files import write_reference_files
from data.sample_portfolio.emobility_sessions import Session, month_sessions
from data.sample_portfolio.emobility_tariffs import BROKEN_TARIFF_ID, json_array_text, tariff_files
from data.sample_portfolio.emobility_truth import cdr_entry, expected_amounts
from data.sample_portfolio.randomness import stream
from data.sample_portfolio.timegrid import Month
from data.sample_portfolio.writers import write_csv
from ingestion.emobility_sources import CHARGE_DETAIL_RECORDS, OCPI_TARIFFS

__all__ = ["write_emobility_files", "write_bulk_cdrs", "write_bulk_reference", "TRUTH_FILE"]

TRUTH_FILE = "emobility.json"
FileCallback = Callable[[str, int], None]


class _Writer:
    """Writes files under the inbox and remembers their rows (`inbox/<source>/<name>` -> rows)."""

    def __init__(self, inbox: Path, on_file: FileCallback | None) -> None:
        self.inbox, self.on_file = inbox, on_file
        self.files: dict[str, int] = {}

    def relative(self, source: str, name: str) -> str:
        return f"{self.inbox.name}/{source}/{name}"

    def record(self, source: str, name: str, rows: int) -> None:
        self.files[self.relative(source, name)] = rows
        if self.on_file is not None:
            self.on_file(self.relative(source, name), rows)

    def csv(self, source: str, name: str, header: tuple[str, ...], rows: list[list[str]]) -> None:
        self.record(source, name, write_csv(self.inbox / source / name, header, rows))

    def json(self, source: str, name: str, objects: list[dict[str, Any]]) -> list[int]:
        text, starts = json_array_text(objects)
        path = self.inbox / source / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
        self.record(source, name, len(objects))
        return starts


def _assign_ids(sessions: list[Session], country: str, month: Month) -> list[Session]:
    """CDR ids in file order; a credit CDR's reference follows its original's id."""
    assigned: dict[int, Session] = {}
    result = []
    for number, session in enumerate(sessions, start=1):
        new = replace(session, cdr_id=f"{country}-CDR-{month.year % 100:02d}{month.month:02d}-{number:05d}")
        if session.credit_of is not None:
            new = replace(new, credit_of=assigned[id(session.credit_of)])
        assigned[id(session)] = new
        result.append(new)
    return result


def _repeat_candidate(seed: int, country: str, month: Month, previous: list[Session]) -> Session | None:
    """A rated ordinary CDR of the previous month's file (not credited) that is delivered again."""
    credited = {s.credit_of.cdr_id for s in previous if s.credit_of is not None}
    candidates = [s for s in previous if s.kind == "clean" and s.cdr_id not in credited and s.emp_id in ("RO-EMO", "DE-ICE")]
    if not candidates:
        return None
    return candidates[int(stream(seed, "emobility_repeat", 0 if country == "RO" else 1, month.ordinal).integers(len(candidates)))]


def write_emobility_files(
    inbox: Path, truth_dir: Path, seed: int, months: Sequence[Month | str], on_file: FileCallback | None = None
) -> dict[str, int]:
    """Write the EV-charging files of `months` and `truth_dir/emobility.json`; returns rows per source.

    `on_file(relative_path, rows)` is called for every file written (`inbox/<source>/<name>`)."""
    periods = [month_of(m) for m in months]
    if not periods:
        raise ValueError("at least one month is needed")
    inbox, truth_dir = Path(inbox), Path(truth_dir)
    writer = _Writer(inbox, on_file)
    evses, offers, rates = build_evses(seed), build_offers(periods[0]), build_tax_rates()
    write_reference_files(writer.csv, evses, build_providers(periods[0]), offers, rates, periods[0])

    tariff_truth = []
    for name, objects in tariff_files().items():
        starts = writer.json(OCPI_TARIFFS.name, name, objects)
        for obj, line in zip(objects, starts):
            if obj["id"] == BROKEN_TARIFF_ID:
                tariff_truth.append(
                    {
                        "file": writer.relative(OCPI_TARIFFS.name, name),
                        "line": line,
                        "tariff_id": obj["id"],
                        "json_path": "currency",
                        "reason_code": "invalid_ocpi_object",
                        "reason": "required field is missing",
                    }
                )

    cdrs: dict[str, dict[str, Any]] = {}
    repeats: list[dict[str, Any]] = []
    per_month: dict[str, Counter[str]] = {}
    previous: dict[str, list[Session]] = {}
    for month in periods:
        counts = per_month.setdefault(month.label, Counter())
        for country in ("RO", "BG"):
            chosen, weights = evse_weights(evses, country, seed)
            sessions = _assign_ids(month_sessions(seed, country, month, chosen, weights, offers), country, month)
            repeat = _repeat_candidate(seed, country, month, previous.get(country, []))
            previous[country] = sessions
            delivered = sessions + ([repeat] if repeat is not None else [])
            name = f"cdrs_{country}_{month.label}.{'csv' if country == 'RO' else 'json'}"
            relative = writer.relative(CHARGE_DETAIL_RECORDS.name, name)
            amounts = [expected_amounts(s, offers, rates) for s in delivered]
            if country == "RO":
                writer.csv(CHARGE_DETAIL_RECORDS.name, name, CHARGE_DETAIL_RECORDS.column_names, [csv_row(s) for s in delivered])
                lines = list(range(2, len(delivered) + 2))
            else:
                lines = writer.json(
                    CHARGE_DETAIL_RECORDS.name, name, [ocpi_cdr(s, offers, a) for s, a in zip(delivered, amounts)]
                )
            for session, line in zip(sessions, lines):
                cdrs[session.cdr_id] = cdr_entry(session, relative, line, offers, rates)
                counts[session.kind] += 1
            if repeat is not None:
                first = cdrs[repeat.cdr_id]
                repeats.append(
                    {
                        "cdr_id": repeat.cdr_id,
                        "file": relative,
                        "line": lines[-1],
                        "status": "repeat",
                        "reason_code": "repeat",
                        "first_file": first["file"],
                        "first_line": first["line"],
                    }
                )
                counts["repeat"] += 1

    rows_per_source = Counter[str]()
    for path, rows in writer.files.items():
        rows_per_source[path.split("/")[1]] += rows
    document = _truth_document(seed, periods, writer.files, dict(rows_per_source), cdrs, repeats, per_month, tariff_truth)
    truth_dir.mkdir(parents=True, exist_ok=True)
    (truth_dir / TRUTH_FILE).write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return dict(rows_per_source)


def _truth_document(
    seed: int,
    periods: list[Month],
    files: dict[str, int],
    rows_per_source: dict[str, int],
    cdrs: dict[str, dict[str, Any]],
    repeats: list[dict[str, Any]],
    per_month: dict[str, Counter[str]],
    rejected_tariffs: list[dict[str, Any]],
) -> dict[str, Any]:
    statuses = Counter(entry["status"] for entry in cdrs.values())
    reasons = Counter(entry["reason_code"] for entry in cdrs.values() if entry["status"] != "rated")
    return {
        "generator": "data.sample_portfolio.emobility",
        "parameters": {"seed": seed, "months": [m.label for m in periods]},
        "files": dict(sorted(files.items())),
        "rows_per_source": rows_per_source,
        "subscriptions": {f"{emp} in {country}": text for (country, emp), text in SUBSCRIPTIONS.items()},
        "counts": {
            "cdr_rows": sum(rows for path, rows in files.items() if f"/{CHARGE_DETAIL_RECORDS.name}/" in path),
            "cdr_ids": len(cdrs),
            "by_status": dict(sorted({**statuses, "repeat": len(repeats)}.items())),
            "by_reason_code": dict(sorted(reasons.items())),
            "credits": sum(1 for entry in cdrs.values() if entry["defect"] == "credit"),
            "with_amounts": sum(1 for entry in cdrs.values() if "amounts" in entry),
        },
        "defects_per_month": {
            month: dict(sorted((k, v) for k, v in counts.items() if k != "clean")) for month, counts in per_month.items()
        },
        "rejected_tariffs": rejected_tariffs,
        "notes": {
            "status": "rated | not_rated (reason_code one of rating.rating_status.REASONS) | rejected (reason_code: the "
            "loader's quarantine code for that row). A repeat (a CDR id delivered again in the next month's file) is "
            "listed under repeats, not under cdrs: it is loaded but never rated a second time.",
            "amounts": "rated Standard and Product Pricing CDRs only (OCPI-tariff sessions: status only). Per component "
            "net = quantity x price rounded up to the cent, VAT = net x rate / 100 rounded half up; net, vat and gross "
            "are sums over components; credit CDRs carry the negated figures of the CDR they reverse.",
            "lines": "1-based; a CSV's header is line 1; a JSON CDR's line is the line its object starts on.",
            "files": "rows per file: CSV data rows (rows to be rejected included), JSON objects (the broken tariff included)",
            "charging_periods": "sum of ENERGY volumes = total_energy, of PARKING_TIME = total_parking_time, "
            "of TIME + PARKING_TIME = total_time (OCPI: TIME is time charging)",
            "instants": "CSV: local time of the EVSE with offset; OCPI JSON: UTC with Z. Durations are multiples of 9 s.",
        },
        "cdrs": cdrs,
        "repeats": repeats,
    }
