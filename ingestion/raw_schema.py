"""DDL of the `raw` schema: one typed table per source, the rejected-rows quarantine and the file registry.

Every raw table has the contract's columns plus lineage columns that say where each row came
from, so any figure in a mart can be traced back to a partner file and line:

* `_source_file`   file name as delivered (relative to the source folder)
* `_source_line`   1-based physical line number in that file (the header is line 1)
* `_ingestion_id`  first 16 hex digits of the file's SHA-256: the same content, the same id
* `_ingestion_seq` position of the file in delivery order (a later file supersedes an earlier one)
* `_ingested_at`   when the file was loaded
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from ingestion.sources import SOURCES, Source

LINEAGE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("_source_file", "VARCHAR NOT NULL"),
    ("_source_line", "BIGINT NOT NULL"),
    ("_ingestion_id", "VARCHAR NOT NULL"),
    ("_ingestion_seq", "BIGINT NOT NULL"),
    ("_ingested_at", "TIMESTAMPTZ NOT NULL"),
)

@dataclass(frozen=True)
class RejectedPart:
    """A `raw.rejected_rows` entry for part of a file that never became a row of text fields: a broken
    CSV line, an XML element the document parser could not read. `message` already names the file and
    line; `record` is the text to show (may be empty)."""

    line: int | None
    reason_code: str
    message: str
    record: str


REJECTED_ROWS_DDL = """
CREATE TABLE IF NOT EXISTS raw.rejected_rows (
    source          VARCHAR NOT NULL,   -- source (landing-zone folder) the file belongs to
    source_file     VARCHAR NOT NULL,   -- file name as delivered
    line_number     BIGINT,             -- 1-based physical line; NULL when the whole file is rejected
    reason_code     VARCHAR NOT NULL,   -- machine-readable kind, e.g. malformed_number
    reason          VARCHAR NOT NULL,   -- sentence a person understands
    record          VARCHAR,            -- the offending line as delivered (may be cut to 2,000 characters)
    ingestion_id    VARCHAR NOT NULL,
    ingestion_seq   BIGINT NOT NULL,
    rejected_at     TIMESTAMPTZ NOT NULL
)
"""

INGESTED_FILES_DDL = """
CREATE TABLE IF NOT EXISTS raw.ingested_files (
    ingestion_id    VARCHAR NOT NULL,   -- first 16 hex digits of sha256
    ingestion_seq   BIGINT NOT NULL,    -- delivery order across all sources
    source          VARCHAR NOT NULL,
    file_name       VARCHAR NOT NULL,
    sha256          VARCHAR NOT NULL,
    size_bytes      BIGINT NOT NULL,
    rows_loaded     BIGINT NOT NULL,
    rows_rejected   BIGINT NOT NULL,
    status          VARCHAR NOT NULL,   -- loaded | loaded_with_rejects | rejected
    message         VARCHAR,            -- why a whole file was rejected
    ingested_at     TIMESTAMPTZ NOT NULL,
    expectations_passed BOOLEAN,        -- GX suite result for the file's rows; NULL until validated
    PRIMARY KEY (source, sha256)
)
"""


def raw_table_ddl(source: Source) -> str:
    """CREATE TABLE statement for one source's raw table."""
    columns = [f"{column.name} {column.sql_type}" for column in source.columns]
    columns += [f"{name} {sql_type}" for name, sql_type in LINEAGE_COLUMNS]
    body = ",\n    ".join(columns)
    return f"CREATE TABLE IF NOT EXISTS {source.raw_table} (\n    {body}\n)"


def create_raw_schema(connection: duckdb.DuckDBPyConnection) -> None:
    """Create the raw schema and all its tables if they do not exist (idempotent)."""
    connection.execute("CREATE SCHEMA IF NOT EXISTS raw")
    connection.execute(REJECTED_ROWS_DDL)
    connection.execute(INGESTED_FILES_DDL)
    for source in SOURCES:
        connection.execute(raw_table_ddl(source))
