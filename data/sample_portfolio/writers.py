"""Writing partner files: small CSVs with the csv module, monthly readings with DuckDB COPY.

Every file is UTF-8 with `\\n` line ends, a header with exactly the contract's columns, and
(except the deliberately truncated readings file) a final newline.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Iterable, Sequence

import duckdb
import pandas as pd

from data.sample_portfolio.defects import EMPTY, Delivery
from ingestion.sources import METER_READINGS

_DECIMAL = "(({col}) * 0.001::DECIMAL(4,3))::DECIMAL(18,3)"
_READINGS_SELECT = {
    "metering_point_id": "point::VARCHAR",
    "interval_start": "ts::VARCHAR",
    "interval_minutes": "minutes",
    "energy_kwh": (
        "CASE WHEN energy_text IS NULL THEN " + _DECIMAL.format(col="energy") + "::VARCHAR "
        f"WHEN energy_text = '{EMPTY}' THEN NULL ELSE energy_text::VARCHAR END"
    ),
    "inductive_kvarh": _DECIMAL.format(col="inductive"),
    "capacitive_kvarh": _DECIMAL.format(col="capacitive"),
}
TRUNCATE_AFTER_DATE_CHARS = 13  # the cut line keeps its identifier and `YYYY-MM-DDTHH`-ish prefix


def _plain_text(header: Sequence[str], rows: list[Sequence[str]]) -> str | None:
    """The file as the csv module would write it, when no field needs quoting (checked on the result); else None."""
    columns = len(header)
    if columns < 2 or any(len(row) != columns for row in rows):
        return None
    try:
        text = "\n".join([",".join(header), *(",".join(row) for row in rows)]) + "\n"
    except TypeError:  # a field that is not a string
        return None
    lines = len(rows) + 1
    if text.count(",") != lines * (columns - 1) or text.count("\n") != lines or '"' in text or "\r" in text:
        return None
    return text


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[str]]) -> int:
    """Write a header and rows; returns the number of data rows.

    A list of string rows that need no quoting is joined directly (the same bytes, faster); anything
    else goes through the csv module."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(rows, list):
        text = _plain_text(header, rows)
        if text is not None:
            path.write_bytes(text.encode("utf-8"))
            return len(rows)
    count = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow(row)
            count += 1
    return count


def readings_frame(delivery: Delivery, lines: int | None = None) -> pd.DataFrame:
    """The delivery as a frame of categorical and integer columns (DuckDB reads categoricals as ENUMs)."""
    stop = len(delivery.point) if lines is None else lines
    return pd.DataFrame(
        {
            "point": pd.Categorical.from_codes(delivery.point[:stop], categories=delivery.point_ids),
            "ts": pd.Categorical.from_codes(delivery.timestamp[:stop], categories=delivery.timestamps),
            "minutes": delivery.interval_minutes[:stop].astype("int16"),
            "energy": delivery.energy[:stop],
            "energy_text": pd.Categorical.from_codes(delivery.energy_text[:stop], categories=delivery.number_texts),
            "inductive": delivery.inductive[:stop],
            "capacitive": delivery.capacitive[:stop],
        }
    )


def write_readings(connection: duckdb.DuckDBPyConnection, path: Path, delivery: Delivery) -> int:
    """Write a readings file via DuckDB COPY; a truncated delivery is cut inside its `cut_line`.
    Returns the number of data lines in the file (the cut line included)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = None if delivery.cut_line is None else delivery.cut_line + 1
    frame = readings_frame(delivery, lines)
    select = ", ".join(f"{expr} AS {name}" for name, expr in _READINGS_SELECT.items())
    assert tuple(_READINGS_SELECT) == METER_READINGS.column_names
    connection.register("delivery_frame", frame)
    try:
        target = str(path).replace("'", "''")
        connection.execute(f"COPY (SELECT {select} FROM delivery_frame) TO '{target}' (FORMAT csv, HEADER true, DELIMITER ',')")
    finally:
        connection.unregister("delivery_frame")
    if delivery.cut_line is not None:
        cut_last_line(path)
    return len(frame)


def cut_last_line(path: Path) -> None:
    """Cut the file inside its last line (after the identifier and part of the timestamp), no final newline."""
    size = path.stat().st_size
    with path.open("r+b") as handle:
        handle.seek(max(0, size - 4096))
        tail = handle.read()
        line_start = tail.rfind(b"\n", 0, len(tail) - 1) + 1
        last_line = tail[line_start:-1]
        keep = last_line.index(b",") + 1 + TRUNCATE_AFTER_DATE_CHARS
        handle.truncate(size - len(tail) + line_start + keep)
