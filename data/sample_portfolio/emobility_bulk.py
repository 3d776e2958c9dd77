"""A large CDR file for benchmarks: `count` ratable Standard Pricing CDRs, drawn with numpy and written by DuckDB.

`write_bulk_cdrs(path, count, seed)` writes one CSV of the `charge_detail_records` contract: sessions
at the sample's Romanian EVSEs by the two EMPs with a Standard Pricing offer and a tax configuration
there (RO-EMO per kWh, NL-PLG per hour; both EUR) from October 2025 to September 2026, no defects,
no credits, no charging periods. `write_bulk_reference(inbox, seed)` writes the EVSE registry,
providers, offers and tax rates the sample uses (and its valid OCPI tariffs), so a benchmark can load and
rate the file.
"""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import numpy as np
import pandas as pd

from data.sample_portfolio.emobility_master import (
    TIME_ZONES,
    build_evses,
    build_offers,
    build_providers,
    build_tax_rates,
)
from data.sample_portfolio.emobility_reference_files import write_reference_files
from data.sample_portfolio.emobility_tariffs import json_array_text, tariff_files
from data.sample_portfolio.randomness import stream
from data.sample_portfolio.timegrid import Month
from data.sample_portfolio.writers import write_csv
from ingestion.emobility_sources import CHARGE_DETAIL_RECORDS, OCPI_TARIFFS

BULK_FIRST_MONTH = Month(2025, 10)
BULK_MONTHS = 12
BULK_EMPS = ("RO-EMO", "NL-PLG")
STEP = 9  # seconds: durations in hours stay exact with at most 4 decimals

_SELECT = {
    "cdr_id": "'RO-BULK-' || lpad(CAST(n AS VARCHAR), 8, '0')",
    "start_date_time": "strftime(start_local, '%Y-%m-%dT%H:%M:%S') || start_offset",
    "end_date_time": "strftime(end_local, '%Y-%m-%dT%H:%M:%S') || end_offset",
    "evse_id": "CAST(evse AS VARCHAR)",
    "emp_id": "CAST(emp AS VARCHAR)",
    "product_id": "CAST(NULL AS VARCHAR)",
    "currency": "'EUR'",
    "total_energy_kwh": "CAST(CAST(energy_wh AS DECIMAL(18,0)) / 1000 AS DECIMAL(18,3))",
    "total_time_hours": "CAST(CAST(seconds * 2500 // 9 AS DECIMAL(18,0)) / 1000000 AS DECIMAL(18,6))",
    "total_parking_time_hours": (
        "CASE WHEN parking = 0 THEN NULL ELSE CAST(CAST(parking * 2500 // 9 AS DECIMAL(18,0)) / 1000000 AS DECIMAL(18,6)) END"
    ),
    "credit": "'false'",
    "credit_reference_id": "CAST(NULL AS VARCHAR)",
    "tariff_id": "CAST(NULL AS VARCHAR)",
    "charging_periods_json": "CAST(NULL AS VARCHAR)",
}


def write_bulk_reference(inbox: Path, seed: int = 42) -> dict[str, int]:
    """The sample's EVSE data, providers, offers, tax rates and valid OCPI tariffs under `inbox/<source>/`; rows per file."""
    inbox = Path(inbox)
    written: dict[str, int] = {}

    def write(source: str, name: str, header: tuple[str, ...], rows: list[list[str]]) -> None:
        written[f"{source}/{name}"] = write_csv(inbox / source / name, header, rows)

    write_reference_files(
        write,
        build_evses(seed),
        build_providers(BULK_FIRST_MONTH),
        build_offers(BULK_FIRST_MONTH),
        build_tax_rates(),
        BULK_FIRST_MONTH,
    )
    for name, objects in tariff_files().items():
        if name != "tariffs.json":  # the broken tariff is a defect of the sample, not of a benchmark
            continue
        path = inbox / OCPI_TARIFFS.name / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(json_array_text(objects)[0].encode("utf-8"))
        written[f"{OCPI_TARIFFS.name}/{name}"] = len(objects)
    return written


def _local(epochs: np.ndarray, time_zone: str) -> tuple[np.ndarray, np.ndarray]:
    """Local wall-clock datetime64[s] and the `+HH:MM` offset text of epoch seconds."""
    utc = pd.to_datetime(epochs, unit="s", utc=True)
    local = utc.tz_convert(time_zone).tz_localize(None).values.astype("datetime64[s]")
    offset_minutes = (local.astype(np.int64) - epochs) // 60
    texts = np.array([f"{'+' if m >= 0 else '-'}{abs(m) // 60:02d}:{abs(m) % 60:02d}" for m in np.unique(offset_minutes)])
    return local, pd.Categorical.from_codes(np.searchsorted(np.unique(offset_minutes), offset_minutes), categories=texts)


def bulk_frame(count: int, seed: int) -> pd.DataFrame:
    """The sessions as integer and categorical columns (start/end local times, durations, energy)."""
    rng = stream(seed, "emobility_bulk")
    evses = [e for e in build_evses(seed) if e.country_code == "RO"]
    evse = rng.integers(len(evses), size=count)
    dc = np.array([e.is_dc for e in evses])[evse]
    power_w = np.array([e.max_power_kw * 1000 for e in evses], dtype=np.int64)[evse]
    zone = ZoneInfo(TIME_ZONES["RO"])
    first = int(datetime(BULK_FIRST_MONTH.year, BULK_FIRST_MONTH.month, 1, tzinfo=zone).timestamp())
    after_month = BULK_FIRST_MONTH.plus(BULK_MONTHS)
    last = int(datetime(after_month.year, after_month.month, 1, tzinfo=zone).timestamp())
    start = np.sort(rng.integers(first, last, size=count))
    # AC: 1-6 h, 45 % parked for up to 40 % of it; DC: 15-50 min, never parked
    seconds = np.where(dc, STEP * rng.integers(100, 334, size=count), STEP * rng.integers(400, 2401, size=count))
    parked = ~dc & (rng.random(count) < 0.45)
    parking = np.where(parked, (rng.random(count) * 0.4 * seconds).astype(np.int64) // STEP * STEP, 0)
    # energy: AC 5-40 kWh within 92 % of the charger's power; DC 15-70 kWh (35 on 50 kW) within 85 %
    cap_wh = (seconds - parking) * power_w * np.where(dc, 85, 92) // (100 * 3600)
    high = np.minimum(np.where(dc, np.where(power_w <= 50_000, 35_000, 70_000), 40_000), cap_wh)
    low = np.minimum(np.where(dc, 15_000, 5_000), high)
    energy_wh = low + (rng.random(count) * (high - low + 1)).astype(np.int64)
    emp = rng.integers(len(BULK_EMPS), size=count)
    start_local, start_offset = _local(start, TIME_ZONES["RO"])
    end_local, end_offset = _local(start + seconds, TIME_ZONES["RO"])
    return pd.DataFrame(
        {
            "n": np.arange(1, count + 1, dtype=np.int64),
            "start_local": start_local,
            "start_offset": start_offset,
            "end_local": end_local,
            "end_offset": end_offset,
            "evse": pd.Categorical.from_codes(evse, categories=[e.evse_id for e in evses]),
            "emp": pd.Categorical.from_codes(emp, categories=list(BULK_EMPS)),
            "energy_wh": energy_wh.astype(np.int64),
            "seconds": seconds.astype(np.int64),
            "parking": parking.astype(np.int64),
        }
    )


def write_bulk_cdrs(path: Path, count: int, seed: int = 42) -> dict[str, Any]:
    """Write `count` ratable Standard Pricing CDRs to one CSV; returns rows, bytes, seconds and what it contains."""
    started = time.perf_counter()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    frame = bulk_frame(count, seed)
    assert tuple(_SELECT) == CHARGE_DETAIL_RECORDS.column_names
    select = ", ".join(f"{expression} AS {name}" for name, expression in _SELECT.items())
    target = str(path).replace("'", "''")
    with duckdb.connect() as connection:
        connection.register("bulk_frame", frame)
        connection.execute(
            f"COPY (SELECT {select} FROM bulk_frame ORDER BY n) TO '{target}' (FORMAT csv, HEADER true, DELIMITER ',', QUOTE '\"')"
        )
    return {
        "path": str(path),
        "rows": count,
        "bytes": path.stat().st_size,
        "seconds": round(time.perf_counter() - started, 3),
        "emp_ids": list(BULK_EMPS),
        "evses": int(frame["evse"].nunique()),
        "first_month": BULK_FIRST_MONTH.label,
        "months": BULK_MONTHS,
    }
