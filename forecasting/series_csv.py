"""Day-ahead backtest of one series delivered as a CSV file: what `voltbill backtest` runs.

The file has a header and the columns `timestamp,value`, optionally `temperature` and
`is_working_day` (1/0, true/false), in any order; other columns are ignored and named in the
output. Timestamps are ISO 8601 interval starts: one with a UTC offset (`+02:00`, `Z`) is an
instant; one without is local wall-clock time in the series' time zone, where the repeated
hour of the autumn change is resolved by the order of the rows and a time skipped in spring is
a bad row. An empty field is a missing measurement (a gap), not an error.

Bad input never stops the run and is never dropped unseen: a row that cannot be read (wrong
number of fields, a timestamp or number that does not parse, a timestamp off the grid, an
instant given twice) is rejected with its physical line number and a reason naming the value,
and the good rows are used. Only a file that cannot be used at all (missing, empty, without a
required column, without one usable row) raises `SeriesFileError`, whose message names the file.

Records are split with the standard `csv` module, which knows each record's physical line
(pandas does not report it); pandas parses the timestamps and numbers, column by column.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from forecasting import models
from forecasting.backtest import BacktestReport, backtest, last_days
from forecasting.series import SeriesFrame, SeriesSpec, build_series_frame

REQUIRED_COLUMNS = ("timestamp", "value")
OPTIONAL_COLUMNS = ("temperature", "is_working_day")
REPORTED_REJECTS = 20  # rejected rows listed in the output; all are counted
WORKING_DAY_TEXT = {"1": 1.0, "0": 0.0, "1.0": 1.0, "0.0": 0.0, "true": 1.0, "false": 0.0, "yes": 1.0, "no": 0.0}
# A UTC offset after the time of day: Z, +02, +0200, +02:00.
_OFFSET = re.compile(r"\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:[zZ]|[+-]\d{2}(?::?\d{2})?)$")


class SeriesFileError(ValueError):
    """The file cannot be used at all; the message names the file and says why."""


@dataclass(frozen=True)
class RejectedRow:
    file: str
    line: int  # physical line in the file, the header being line 1
    reason: str


@dataclass
class SeriesFile:
    """The usable rows of a series file, and what was rejected."""

    path: Path
    frame: pd.DataFrame  # timestamp (UTC), value, and the optional columns present
    rows_read: int  # data records in the file (blank lines not counted)
    rejected: list[RejectedRow] = field(default_factory=list)
    optional_columns: tuple[str, ...] = ()
    ignored_columns: tuple[str, ...] = ()


def read_series_csv(path: Path | str, spec: SeriesSpec) -> SeriesFile:
    """Read a `timestamp,value[,temperature][,is_working_day]` CSV; bad rows are rejected, not raised."""
    path = Path(path)
    header, header_line, records, rejected = _split_records(path)
    columns = [name.strip().lower() for name in header]
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        raise SeriesFileError(
            f"{path}: missing required column{'s' if len(missing) > 1 else ''} {', '.join(missing)} in the header on line "
            f"{header_line} (found: {', '.join(columns)}; expected timestamp,value and optionally temperature,is_working_day)"
        )
    if not records and not rejected:
        raise SeriesFileError(f"{path}: the file has a header but no data rows")
    rows_read = len(records) + len(rejected)
    used = [name for name in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS) if name in columns]
    text = pd.DataFrame(
        [[fields[columns.index(name)].strip() for name in used] for _, fields in records], columns=used, dtype=object
    ).astype(str)
    lines = np.array([line for line, _ in records], dtype=np.int64)
    reasons = np.full(len(text), None, dtype=object)  # the first reason found per row

    parsed = {"timestamp": _parse_timestamps(text["timestamp"], spec, reasons)}
    parsed["value"] = _parse_numbers(text["value"], "value", reasons)
    if "temperature" in used:
        parsed["temperature"] = _parse_numbers(text["temperature"], "temperature", reasons)
    if "is_working_day" in used:
        parsed["is_working_day"] = _parse_working_day(text["is_working_day"], reasons)
    _reject_off_grid(parsed["timestamp"], text["timestamp"], spec, reasons)
    _reject_duplicates(parsed["timestamp"], lines, reasons)

    bad = reasons != None  # noqa: E711 (element-wise)
    rejected += [RejectedRow(str(path), int(line), str(reason)) for line, reason in zip(lines[bad], reasons[bad])]
    rejected.sort(key=lambda row: row.line)
    frame = pd.DataFrame(parsed)[~bad].reset_index(drop=True)
    if frame.empty:
        first = "; ".join(f"line {row.line}: {row.reason}" for row in rejected[:3])
        raise SeriesFileError(f"{path}: none of the {rows_read} data rows is usable ({first})")
    return SeriesFile(
        path=path,
        frame=frame,
        rows_read=rows_read,
        rejected=rejected,
        optional_columns=tuple(name for name in OPTIONAL_COLUMNS if name in used),
        ignored_columns=tuple(name for name in columns if name not in used),
    )


def backtest_series_file(
    path: Path | str,
    spec: SeriesSpec,
    model_names: Sequence[str],
    test_days: int,
    last_day: dt.date | None = None,
) -> dict[str, Any]:
    """Read the file, backtest the models over `test_days` days ending on `last_day` (default: the
    last day with data), and return the JSON-ready result: input summary, rejected rows, and the
    backtest report (metrics per model, skipped models with the reason, the chosen model)."""
    series_file = read_series_csv(path, spec)
    try:
        series = build_series_frame(series_file.frame, spec)
    except ValueError as error:
        raise SeriesFileError(f"{series_file.path}: {error}") from error
    window = _test_window(series, series_file.path, test_days, last_day)
    report = backtest(series, model_names, window)
    return result_dict(series_file, series, report)


def result_dict(series_file: SeriesFile, series: SeriesFrame, report: BacktestReport) -> dict[str, Any]:
    """Input summary and rejected rows, followed by `BacktestReport.as_dict()`; NaN becomes null."""
    spec = series.spec
    frame = series_file.frame
    result = {
        "input": {
            "file": str(series_file.path),
            "rows": series_file.rows_read,
            "rows_used": len(frame),
            "freq": f"{spec.freq_minutes}min",
            "timezone": spec.timezone,
            "country": spec.country,
            "cutoff_hour": spec.cutoff_hour,
            "optional_columns": {name: name in series_file.optional_columns for name in OPTIONAL_COLUMNS},
            "ignored_columns": list(series_file.ignored_columns),
            "first_timestamp_utc": frame["timestamp"].min().isoformat(),
            "last_timestamp_utc": frame["timestamp"].max().isoformat(),
            "local_days": series.days,
            "quality": asdict(series.quality),
        },
        "rejected_rows": {
            "count": len(series_file.rejected),
            "first": [asdict(row) for row in series_file.rejected[:REPORTED_REJECTS]],
        },
        **report.as_dict(),
    }
    return _json_ready(result)


def _split_records(path: Path) -> tuple[list[str], int, list[tuple[int, list[str]]], list[RejectedRow]]:
    """Header, its line, the data records with their physical first line, and records with the
    wrong number of fields (rejected). Undecodable bytes become U+FFFD, so the row they are in
    fails to parse and is rejected naming the value."""
    if not path.exists():
        raise SeriesFileError(f"{path}: no such file")
    header: list[str] | None = None
    header_line = 0
    records: list[tuple[int, list[str]]] = []
    rejected: list[RejectedRow] = []
    try:
        with path.open(newline="", encoding="utf-8-sig", errors="replace") as handle:
            reader = csv.reader(handle)
            line_after_previous = 1
            try:
                for fields in reader:
                    first_line, line_after_previous = line_after_previous, reader.line_num + 1
                    if not fields:
                        continue  # blank line
                    if header is None:
                        header, header_line = fields, first_line
                    elif len(fields) != len(header):
                        rejected.append(RejectedRow(str(path), first_line, f"the line has {len(fields)} fields, the header has {len(header)}"))
                    else:
                        records.append((first_line, fields))
            except csv.Error as error:
                raise SeriesFileError(f"{path}: line {reader.line_num} is not valid CSV ({error})") from error
    except OSError as error:
        raise SeriesFileError(f"{path}: cannot be read ({error.strerror or error})") from error
    if header is None:
        raise SeriesFileError(f"{path}: the file is empty")
    return header, header_line, records, rejected


def _note(reasons: np.ndarray, failed: np.ndarray, message: Callable[[int], str]) -> None:
    """Record `message(row)` for the failed rows that have no reason yet (the first reason wins)."""
    for row in np.flatnonzero(failed & (reasons == None)):  # noqa: E711 (element-wise)
        reasons[row] = message(int(row))


def _parse_timestamps(text: pd.Series, spec: SeriesSpec, reasons: np.ndarray) -> pd.Series:
    """UTC instants; NaT, with a reason, where unparseable, skipped in spring or left ambiguous."""
    values = text.to_numpy()
    result = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns, UTC]")
    empty = values == ""
    with_offset = text.str.contains(_OFFSET).to_numpy() & ~empty
    naive = ~with_offset & ~empty
    if with_offset.any():
        result[with_offset] = pd.to_datetime(text[with_offset], format="ISO8601", utc=True, errors="coerce").dt.as_unit("ns")
    if naive.any():
        wall_clock = pd.DatetimeIndex(pd.to_datetime(text[naive], format="ISO8601", errors="coerce"))
        localised, skipped, ambiguous = _localise(wall_clock, spec.timezone)
        result[naive] = localised.tz_convert("UTC").as_unit("ns")
        rows = np.flatnonzero(naive)
        _note(reasons, np.isin(np.arange(len(values)), rows[skipped]), lambda row: (
            f"local time {values[row]!r} does not exist in {spec.timezone} (the clocks jump forward over it)"
        ))
        _note(reasons, np.isin(np.arange(len(values)), rows[ambiguous]), lambda row: (
            f"local time {values[row]!r} occurs twice in {spec.timezone} (the clocks go back) and the order of the rows "
            "does not tell which; give it a UTC offset"
        ))
    _note(reasons, empty, lambda row: "the timestamp is empty")
    _note(reasons, result.isna().to_numpy(), lambda row: f"the timestamp {values[row]!r} is not an ISO 8601 date and time")
    return result


def _localise(wall_clock: pd.DatetimeIndex, timezone: str) -> tuple[pd.DatetimeIndex, np.ndarray, np.ndarray]:
    """Local wall-clock times to aware ones, and which were skipped (spring) or left ambiguous.

    The repeated autumn hour is resolved by order (`ambiguous="infer"`) over the whole file; if
    that fails (a fall-back day is incomplete or out of order), each fall-back day is inferred on
    its own, so only the days that still cannot be resolved stay ambiguous."""
    parsed = np.asarray(wall_clock.notna())
    as_summer = wall_clock.tz_localize(timezone, ambiguous=np.ones(len(wall_clock), dtype=bool), nonexistent="NaT")
    skipped = parsed & np.asarray(as_summer.isna())
    try:
        localised = wall_clock.tz_localize(timezone, ambiguous="infer", nonexistent="NaT")
    except ValueError:
        localised = wall_clock.tz_localize(timezone, ambiguous="NaT", nonexistent="NaT")
        unresolved = parsed & np.asarray(localised.isna()) & ~skipped
        instants = localised.to_numpy(dtype="datetime64[ns]")  # UTC
        days = np.asarray(wall_clock.normalize())
        for day in np.unique(days[unresolved]):
            rows = np.flatnonzero(unresolved & (days == day))
            try:
                instants[rows] = wall_clock[rows].tz_localize(timezone, ambiguous="infer").tz_convert("UTC").tz_localize(None).to_numpy(dtype="datetime64[ns]")
            except ValueError:
                continue  # stays NaT: ambiguous
        localised = pd.DatetimeIndex(instants).tz_localize("UTC")
    ambiguous = parsed & np.asarray(localised.isna()) & ~skipped
    return localised, skipped, ambiguous


def _parse_numbers(text: pd.Series, column: str, reasons: np.ndarray) -> pd.Series:
    """Floats; empty is a gap (NaN), anything else that is not a finite number is rejected."""
    values = text.to_numpy()
    numbers = pd.to_numeric(text.where(text != ""), errors="coerce").astype(float)
    _note(reasons, (values != "") & ~np.isfinite(numbers.to_numpy()), lambda row: f"{column} {values[row]!r} is not a number")
    return numbers


def _parse_working_day(text: pd.Series, reasons: np.ndarray) -> pd.Series:
    """1.0 working, 0.0 not, NaN unknown (empty); anything else is rejected."""
    values = text.to_numpy()
    flags = text.str.lower().map(WORKING_DAY_TEXT).astype(float)
    _note(reasons, (values != "") & flags.isna().to_numpy(), lambda row: f"is_working_day {values[row]!r} is not 1/0 or true/false")
    return flags


def _reject_off_grid(timestamps: pd.Series, text: pd.Series, spec: SeriesSpec, reasons: np.ndarray) -> None:
    """The grid rule of `build_series_frame`: whole intervals from local midnight of the first day."""
    known = timestamps.notna().to_numpy()
    if not known.any():
        return
    first_day = timestamps[known].min().tz_convert(spec.timezone).date()
    start, _ = spec.day_bounds_utc(first_day)
    nanoseconds = timestamps.to_numpy(dtype="datetime64[ns]").astype(np.int64)
    off_grid = known & ((nanoseconds - start.as_unit("ns").value) % spec.freq.value != 0)
    values = text.to_numpy()
    _note(reasons, off_grid, lambda row: f"the timestamp {values[row]!r} is not on the {spec.freq_minutes}-minute grid")


def _reject_duplicates(timestamps: pd.Series, lines: np.ndarray, reasons: np.ndarray) -> None:
    """A second row for the same instant is rejected; the first one is kept."""
    candidates = np.flatnonzero((reasons == None) & timestamps.notna().to_numpy())  # noqa: E711 (element-wise)
    instants = timestamps.iloc[candidates].reset_index(drop=True)
    duplicate = instants.duplicated(keep="first").to_numpy()
    if not duplicate.any():
        return
    first_line = pd.Series(lines[candidates]).groupby(instants.to_numpy()).transform("first").to_numpy()
    for position in np.flatnonzero(duplicate):
        reasons[candidates[position]] = f"duplicate of line {first_line[position]} (same instant {instants[position].isoformat()})"


def _test_window(series: SeriesFrame, path: Path, test_days: int, last_day: dt.date | None) -> list[dt.date]:
    """The delivery days to backtest; raises SeriesFileError when the series is too short for them."""
    if test_days < 1:
        raise SeriesFileError(f"{path}: the test window needs at least one day, not {test_days}")
    days_with_values = ~np.isnan(series.values_by_day).all(axis=1)
    if not days_with_values.any():
        raise SeriesFileError(f"{path}: no row has a usable value (all empty, negative or outliers)")
    if last_day is None:
        window = last_days(series, test_days)
    else:
        window = [last_day - dt.timedelta(days=offset) for offset in range(test_days - 1, -1, -1)]
    last_date = series.dates[-1].astype(dt.date)
    needed = models.MODEL_CLASSES[models.BASELINE].min_history_days
    history = int(days_with_values[: max(0, series.day_position(window[0]))].sum())
    if history < needed:
        raise SeriesFileError(
            f"{path}: {history} day{'' if history == 1 else 's'} with values before {window[0]}, the first day of the "
            f"{test_days}-day test window ending {window[-1]}; the baseline ({models.BASELINE}) needs {needed}"
        )
    if window[-1] > last_date:
        raise SeriesFileError(f"{path}: the series ends on {last_date}, before the last test day {window[-1]}")
    return window


def _json_ready(value: Any) -> Any:
    """NaN and infinities become null (JSON has no such numbers); numpy scalars become Python ones."""
    if isinstance(value, dict):
        return {str(key): _json_ready(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_ready(item) for item in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
