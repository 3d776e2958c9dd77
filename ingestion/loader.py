"""Load partner files from the landing zone into `raw.*`, quarantining what breaks the contract.

For each file of a source, in file-name (delivery) order:

1. Skip it if its content hash is already in `raw.ingested_files` (same bytes, same result).
2. Reject the whole file if it is empty or its header is not the contract's.
3. Read it with DuckDB as text, recording structurally broken lines (wrong number of fields,
   bad quoting, bad encoding) with their physical line numbers.
4. Check every field against the contract in SQL (`ingestion.validation`), then reject a
   second row with the same key in the file, and the last line of a file that does not end
   with a newline (it was cut off mid-transfer).
5. Insert the good rows, typed, into the raw table with their file and line; insert the bad
   rows into `raw.rejected_rows`; register the file. Steps 3-5 are one transaction: a run
   stopped half-way leaves no half-loaded file behind.

A file that fails for an unexpected reason is rejected with the error as its reason and the
run goes on with the next file: one bad file never stops the others.

Price sources also take ENTSO-E XML documents (`*.xml`): `ingestion.price_documents` turns a
document into the same text fields, each with the line of its XML Point, and steps 4-5 run on
them unchanged. The EV-charging sources take OCPI 2.2.1 JSON (`*.json`) the same way through
`ingestion.ocpi_documents`, each row with the line its object starts on. A document rejected as a whole (hostile, malformed, the wrong type) registers the
file as `rejected` with the reason.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import duckdb
import pandas as pd

from ingestion.document_rows import DocumentRows
from ingestion.file_scan import FileScan, scan_file
from ingestion.ocpi_documents import ocpi_rows
from ingestion.price_documents import xml_price_rows
from ingestion.raw_schema import RejectedPart, create_raw_schema
from ingestion.sources import Source
from ingestion.validation import first_failure_sql, prepared_columns_sql, quote_identifier, sql_literal, typed_column

logger = logging.getLogger(__name__)

RECORD_MAX_CHARS = 2000
TRUNCATED_LINE_REASON = "the file does not end with a newline, so its last line was cut off in transfer"

# Errors that say nothing about the file: the load is retried on the next run instead of rejecting it.
ENVIRONMENT_ERRORS = (
    duckdb.OutOfMemoryException,
    duckdb.IOException,
    duckdb.InterruptException,
    duckdb.FatalException,
    duckdb.InternalException,
    duckdb.TransactionException,
    duckdb.PermissionException,
)

CSV_ERROR_REASONS: dict[str, tuple[str, str]] = {
    "MISSING COLUMNS": ("missing_columns", "line has fewer fields than the {n} columns of the contract"),
    "TOO MANY COLUMNS": ("too_many_columns", "line has more fields than the {n} columns of the contract"),
    "UNQUOTED VALUE": ("malformed_csv", "a quote is not closed or a quoted field is followed by text"),
    "INVALID STATE": ("malformed_csv", "the line is not valid CSV"),
    "INVALID ENCODING": ("invalid_encoding", "the line is not valid UTF-8"),
    "LINE SIZE OVER MAXIMUM": ("line_too_long", "the line is longer than the reader's maximum line size"),
    "CAST": ("malformed_csv", "a field could not be read"),
}


@dataclass(frozen=True)
class FileResult:
    """What happened to one delivered file."""

    source: str
    file_name: str
    ingestion_id: str
    status: str  # loaded | loaded_with_rejects | rejected | already_ingested | ignored
    rows_loaded: int = 0
    rows_rejected: int = 0
    message: str | None = None
    first_time: datetime | None = None
    last_time: datetime | None = None


@dataclass
class SourceResult:
    """What one ingestion pass over a source's folder did."""

    source: str
    files: list[FileResult] = field(default_factory=list)

    @property
    def new_files(self) -> list[FileResult]:
        return [result for result in self.files if result.status not in ("already_ingested", "ignored")]

    @property
    def ignored_files(self) -> list[FileResult]:
        return [result for result in self.files if result.status == "ignored"]

    @property
    def rows_loaded(self) -> int:
        return sum(result.rows_loaded for result in self.files)

    @property
    def rows_rejected(self) -> int:
        return sum(result.rows_rejected for result in self.files)

    @property
    def rejected_files(self) -> list[FileResult]:
        return [result for result in self.files if result.status == "rejected"]

    @property
    def time_range(self) -> tuple[datetime | None, datetime | None]:
        firsts = [result.first_time for result in self.files if result.first_time is not None]
        lasts = [result.last_time for result in self.files if result.last_time is not None]
        return (min(firsts) if firsts else None, max(lasts) if lasts else None)


def source_files(inbox_dir: Path, source: Source) -> list[Path]:
    """The files of a source in the landing zone, in delivery (file-name) order."""
    folder = inbox_dir / source.name
    if not folder.is_dir():
        return []
    return sorted({path for pattern in source.file_patterns for path in folder.glob(pattern) if path.is_file()})


def unmatched_files(inbox_dir: Path, source: Source) -> list[Path]:
    """Files in the source's folder that do not match its pattern (hidden files aside): never loaded, always reported."""
    folder = inbox_dir / source.name
    if not folder.is_dir():
        return []
    matched = set(source_files(inbox_dir, source))
    return sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".") and p not in matched)


def ingest_source(connection: duckdb.DuckDBPyConnection, source: Source, inbox_dir: Path) -> SourceResult:
    """Load every new file of `source` from `inbox_dir/<source>/` into the warehouse."""
    create_raw_schema(connection)
    connection.execute("SET TimeZone = 'UTC'")
    result = SourceResult(source=source.name)
    for path in source_files(inbox_dir, source):
        result.files.append(ingest_file(connection, source, path))
    for path in unmatched_files(inbox_dir, source):
        expected = " or ".join(source.file_patterns)
        logger.warning("Not loading %s: its name does not match %s", path, expected)
        result.files.append(FileResult(source.name, path.name, "", "ignored", message=f"name does not match {expected}; not loaded"))
    return result


def ingest_file(connection: duckdb.DuckDBPyConnection, source: Source, path: Path) -> FileResult:
    """Load one file (idempotent: a file whose content was loaded before changes nothing)."""
    scan = scan_file(path)
    already = connection.execute(
        "SELECT file_name FROM raw.ingested_files WHERE source = ? AND sha256 = ?", [source.name, scan.sha256]
    ).fetchone()
    if already is not None:
        return FileResult(source.name, path.name, scan.ingestion_id, "already_ingested", message=f"same content as {already[0]}")

    document_reader = _document_reader(source, path)
    problem = None if document_reader else _file_level_problem(source, scan)
    if problem is not None:
        return _reject_file(connection, source, path, scan, *problem)
    try:
        connection.execute("BEGIN TRANSACTION")
        if document_reader:
            result = _load_document_rows(connection, source, path, scan, document_reader(source, path.read_bytes(), path.name))
        else:
            result = _load_rows(connection, source, path, scan)
        connection.execute("COMMIT")
        return result
    except ENVIRONMENT_ERRORS:
        # Not the file's fault (memory, disk, interruption): leave it unregistered so the next run retries it.
        connection.execute("ROLLBACK")
        raise
    except duckdb.Error as error:
        connection.execute("ROLLBACK")
        logger.exception("Unexpected error loading %s", path)
        first_line = str(error).splitlines()[0][:300]
        return _reject_file(connection, source, path, scan, "unreadable_file", f"the file could not be read: {first_line}")
    finally:
        for table in ("staged_file", "staged_rejects", "staged_document_rows"):
            connection.execute(f"DROP TABLE IF EXISTS temp.{table}")


def _file_level_problem(source: Source, scan: FileScan) -> tuple[str, str] | None:
    if scan.size_bytes == 0:
        return "empty_file", "the file is empty"
    expected = ",".join(source.column_names)
    found = ",".join(part.strip().strip('"') for part in scan.header.split(","))
    if found != expected:
        return "header_mismatch", f"the header is '{scan.header[:300]}' but the contract expects '{expected}'"
    return None


def _next_sequence(connection: duckdb.DuckDBPyConnection, source: Source) -> int:
    row = connection.execute(
        "SELECT coalesce(max(ingestion_seq), 0) + 1 FROM raw.ingested_files WHERE source = ?", [source.name]
    ).fetchone()
    return int(row[0])


def _register(
    connection: duckdb.DuckDBPyConnection,
    source: Source,
    path: Path,
    scan: FileScan,
    sequence: int,
    loaded: int,
    rejected: int,
    status: str,
    message: str | None,
    ingested_at: datetime,
) -> None:
    connection.execute(
        "INSERT INTO raw.ingested_files VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)",
        [scan.ingestion_id, sequence, source.name, path.name, scan.sha256, scan.size_bytes, loaded, rejected, status, message, ingested_at],
    )


def _reject_file(
    connection: duckdb.DuckDBPyConnection, source: Source, path: Path, scan: FileScan, code: str, reason: str
) -> FileResult:
    now = datetime.now(timezone.utc)
    sequence = _next_sequence(connection, source)
    connection.execute("BEGIN TRANSACTION")
    connection.execute(
        "INSERT INTO raw.rejected_rows VALUES (?, ?, NULL, ?, ?, ?, ?, ?, ?)",
        [source.name, path.name, code, f"{path.name}: {reason}", scan.header[:RECORD_MAX_CHARS], scan.ingestion_id, sequence, now],
    )
    _register(connection, source, path, scan, sequence, 0, 0, "rejected", reason, now)
    connection.execute("COMMIT")
    logger.warning("Rejected file %s: %s", path, reason)
    return FileResult(source.name, path.name, scan.ingestion_id, "rejected", message=reason)


def _csv_reader_sql(source: Source, path: Path) -> str:
    columns = ", ".join(f"{sql_literal(name)}: 'VARCHAR'" for name in source.column_names)
    return (
        f"read_csv({sql_literal(str(path))}, columns = {{{columns}}}, header = true, auto_detect = false, "
        "delim = ',', quote = '\"', escape = '\"', store_rejects = true, "
        "rejects_table = 'staged_csv_errors', rejects_scan = 'staged_csv_scans', max_line_size = 1048576)"
    )


def _load_rows(connection: duckdb.DuckDBPyConnection, source: Source, path: Path, scan: FileScan) -> FileResult:
    """Read a CSV file as text, give every row its physical line, then check and load it."""
    # Text of every field, in file order (insertion order is preserved, so rowid is the row's position).
    connection.execute(f"CREATE OR REPLACE TEMP TABLE staged_file AS SELECT * FROM {_csv_reader_sql(source, path)}")
    # One entry per line: the reader may report a cut-off last line more than once.
    csv_errors = connection.execute(
        """
        SELECT line, arg_min(error_type::VARCHAR, error_message), arg_min(csv_line, error_message), min(error_message)
        FROM staged_csv_errors GROUP BY line ORDER BY line
        """
    ).fetchall()
    connection.execute("DROP TABLE IF EXISTS staged_csv_errors")
    connection.execute("DROP TABLE IF EXISTS staged_csv_scans")

    # Physical line of each good row: lines not returned as rows are the header, blank lines and
    # structurally broken lines; the k-th returned row sits on the k-th remaining line.
    skipped_lines = sorted({int(line) for line, *_ in csv_errors} | set(scan.blank_lines))
    first_row_to_shift: dict[int, int] = {}
    for index, line in enumerate(skipped_lines):
        first_row_to_shift[line - 2 - index] = index + 1  # consecutive skipped lines share a first row
    thresholds = sorted(first_row_to_shift.items())
    first_rowid = connection.execute("SELECT coalesce(min(rowid), 0) FROM staged_file").fetchone()[0]
    connection.execute("CREATE OR REPLACE TEMP TABLE line_shifts (first_row BIGINT, shift BIGINT)")
    if thresholds:
        connection.executemany("INSERT INTO line_shifts VALUES (?, ?)", thresholds)
    positioned_sql = f"""
        SELECT f.* EXCLUDE (_row), f._row AS _row_id, f._row + 2 + coalesce(s.shift, 0) AS _source_line
        FROM (SELECT *, rowid - {first_rowid} AS _row, {prepared_columns_sql(source)} FROM staged_file) AS f
        ASOF LEFT JOIN line_shifts AS s ON f._row >= s.first_row
    """
    last_line_cut = not scan.ends_with_newline
    unreadable: list[RejectedPart] = []
    for line, error_type, csv_line, error_message in csv_errors:
        code, reason = CSV_ERROR_REASONS.get(error_type, ("malformed_csv", "the line is not valid CSV"))
        if last_line_cut and int(line) == scan.line_count:
            code, reason = "truncated_line", TRUNCATED_LINE_REASON
        reason = reason.format(n=len(source.columns))
        detail = error_message.splitlines()[0][:200] if error_message else error_type
        unreadable.append(
            RejectedPart(
                int(line), code, f"{path.name} line {line}: {reason} ({detail})", (csv_line or "").strip("\r\n")
            )
        )
    try:
        return _check_and_load(connection, source, path, scan, positioned_sql, unreadable, last_line_cut)
    finally:
        connection.execute("DROP TABLE IF EXISTS line_shifts")


def _document_reader(source: Source, path: Path) -> Callable[[Source, bytes, str], DocumentRows] | None:
    """The reader that turns a structured document of this folder into contract rows, or None for CSV."""
    suffix = path.suffix.lower()
    if source.xml_document_types and suffix == ".xml":
        return xml_price_rows
    if source.ocpi_object and suffix == ".json":
        return ocpi_rows
    return None


def _load_document_rows(
    connection: duckdb.DuckDBPyConnection, source: Source, path: Path, scan: FileScan, parsed: DocumentRows
) -> FileResult:
    """Stage the text fields a document reader produced (ENTSO-E XML, OCPI JSON), then check and load them like CSV rows."""
    columns = ", ".join(f"{quote_identifier(name)} VARCHAR" for name in source.column_names)
    connection.execute(f"CREATE OR REPLACE TEMP TABLE staged_document_rows ({columns}, _source_line BIGINT, _row_id BIGINT)")
    if parsed.rows:
        frame = pd.DataFrame(
            [[row.fields[name] for name in source.column_names] + [row.line, index] for index, row in enumerate(parsed.rows)],
            columns=[*source.column_names, "_source_line", "_row_id"],
        ).astype({name: "object" for name in source.column_names})
        connection.register("document_rows_frame", frame)
        try:
            connection.execute("INSERT INTO staged_document_rows SELECT * FROM document_rows_frame")
        finally:
            connection.unregister("document_rows_frame")
    positioned_sql = f"SELECT *, {prepared_columns_sql(source)} FROM staged_document_rows"
    return _check_and_load(
        connection, source, path, scan, positioned_sql, parsed.rejected, last_line_cut=False, whole_file_rejected=not parsed.rows
    )


def _check_and_load(
    connection: duckdb.DuckDBPyConnection,
    source: Source,
    path: Path,
    scan: FileScan,
    positioned_sql: str,
    unreadable: list[RejectedPart],
    last_line_cut: bool,
    whole_file_rejected: bool = False,
) -> FileResult:
    """Check every row of text fields against the contract, reject in-file duplicates, insert the good rows
    and quarantine the rest. `positioned_sql` gives the fields, their prepared columns, `_source_line` and a
    unique `_row_id` in file order. `whole_file_rejected`: nothing in the file could be read (the file's
    status becomes `rejected` when `unreadable` says why)."""
    sequence = _next_sequence(connection, source)
    now = datetime.now(timezone.utc)
    rule_sql, reason_code_sql, reason_sql = first_failure_sql(source)
    connection.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE staged_rejects AS
        WITH positioned AS ({positioned_sql}),
        checked AS (
            SELECT * EXCLUDE (_rule), {reason_code_sql} AS reason_code, {reason_sql} AS reason
            FROM (SELECT *, {rule_sql} AS _rule FROM positioned)
        )
        SELECT * FROM checked
        """
    )

    key_typed = [typed_column(column) for column in source.columns if column.name in source.key]
    key_columns = ", ".join(key_typed)
    key_names = ", ".join(source.key)
    record_sql = "concat_ws(',', " + ", ".join(f"coalesce({quote_identifier(name)}, '')" for name in source.column_names) + ")"
    # Second and later rows with the same key in this file are duplicates of the first one. Keys
    # that occur more than once are found first (a cheap aggregate), so only their rows are ranked.
    key_match = " AND ".join(f"rows.{name} IS NOT DISTINCT FROM repeated.{name}" for name in key_typed)
    connection.execute(
        f"""
        UPDATE staged_rejects AS target
        SET reason_code = 'duplicate_row',
            reason = 'duplicate of line ' || dup.first_line || ' (same {key_names})'
        FROM (
            SELECT rows._row_id,
                   first_value(rows._row_id) OVER (PARTITION BY {key_columns} ORDER BY rows._row_id) AS first_row_id,
                   first_value(rows._source_line) OVER (PARTITION BY {key_columns} ORDER BY rows._row_id) AS first_line
            FROM staged_rejects AS rows
            SEMI JOIN (
                SELECT {key_columns} FROM staged_rejects WHERE reason_code IS NULL GROUP BY ALL HAVING count(*) > 1
            ) AS repeated ON {key_match}
            WHERE rows.reason_code IS NULL
        ) AS dup
        WHERE target._row_id = dup._row_id AND dup.first_row_id <> dup._row_id
        """
    )
    if last_line_cut:
        connection.execute(
            f"""
            UPDATE staged_rejects
            SET reason_code = 'truncated_line', reason = {sql_literal(TRUNCATED_LINE_REASON)}
            WHERE _source_line = {scan.line_count}
            """
        )

    typed_columns = ", ".join(f"{typed_column(column)} AS {quote_identifier(column.name)}" for column in source.columns)
    connection.execute(
        f"""
        INSERT INTO {source.raw_table}
        SELECT {typed_columns}, ? AS _source_file, _source_line, ? AS _ingestion_id, ? AS _ingestion_seq, ? AS _ingested_at
        FROM staged_rejects WHERE reason_code IS NULL ORDER BY _row_id
        """,
        [path.name, scan.ingestion_id, sequence, now],
    )
    connection.execute(
        f"""
        INSERT INTO raw.rejected_rows
        SELECT ?, ?, _source_line, reason_code, ? || ' line ' || _source_line || ': ' || reason,
               left({record_sql}, {RECORD_MAX_CHARS}), ?, ?, ?
        FROM staged_rejects WHERE reason_code IS NOT NULL ORDER BY _row_id
        """,
        [source.name, path.name, path.name, scan.ingestion_id, sequence, now],
    )
    for entry in unreadable:
        connection.execute(
            "INSERT INTO raw.rejected_rows VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                source.name,
                path.name,
                entry.line,
                entry.reason_code,
                entry.message,
                entry.record[:RECORD_MAX_CHARS],
                scan.ingestion_id,
                sequence,
                now,
            ],
        )

    loaded, rejected_in_rows = connection.execute(
        "SELECT count(*) FILTER (WHERE reason_code IS NULL), count(*) FILTER (WHERE reason_code IS NOT NULL) FROM staged_rejects"
    ).fetchone()
    rejected = int(rejected_in_rows) + len(unreadable)
    first_time = last_time = None
    if source.time_column is not None and loaded:
        time_column = next(column for column in source.columns if column.name == source.time_column)
        first_time, last_time = connection.execute(
            f"SELECT min({typed_column(time_column)}), max({typed_column(time_column)}) FROM staged_rejects WHERE reason_code IS NULL"
        ).fetchone()
    status, message = ("loaded_with_rejects" if rejected else "loaded"), None
    if whole_file_rejected and unreadable:
        status, message = "rejected", "; ".join(entry.message for entry in unreadable[:3])[:1000]
    _register(connection, source, path, scan, sequence, int(loaded), rejected, status, message, now)
    return FileResult(source.name, path.name, scan.ingestion_id, status, int(loaded), rejected, message, first_time, last_time)
