"""Publish a read-only copy of the marts for BI readers, so readers never block the pipeline.

After a run the mart and reference tables are copied into a fresh DuckDB file and Parquet
files, which then atomically replace the previous ones: a reader holding the old file keeps
reading it, the next one opens the new one, and the pipeline's writer is never locked out.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb

PUBLISHED_SCHEMAS = ("marts", "reference")
SERVING_DATABASE = "voltbill_serving.duckdb"


@dataclass(frozen=True)
class PublishedTable:
    schema: str
    name: str
    row_count: int


def publish_serving_copy(connection: duckdb.DuckDBPyConnection, serving_dir: Path) -> list[PublishedTable]:
    """Copy the published schemas of the warehouse on `connection` into `serving_dir`."""
    serving_dir.mkdir(parents=True, exist_ok=True)
    staging_database = serving_dir / f".{SERVING_DATABASE}.tmp"
    staging_parquet = serving_dir / ".parquet.tmp"
    staging_database.unlink(missing_ok=True)
    shutil.rmtree(staging_parquet, ignore_errors=True)
    tables = connection.execute(
        f"""
        SELECT table_schema, table_name FROM information_schema.tables
        WHERE table_catalog = current_database() AND table_schema IN ({", ".join("?" for _ in PUBLISHED_SCHEMAS)})
          AND table_type = 'BASE TABLE'
        ORDER BY 1, 2
        """,
        list(PUBLISHED_SCHEMAS),
    ).fetchall()
    published: list[PublishedTable] = []
    connection.execute(f"ATTACH '{staging_database}' AS serving_copy")
    try:
        for schema in PUBLISHED_SCHEMAS:
            connection.execute(f"CREATE SCHEMA IF NOT EXISTS serving_copy.{schema}")
        for schema, name in tables:
            connection.execute(f'CREATE TABLE serving_copy.{schema}."{name}" AS SELECT * FROM {schema}."{name}"')
            (staging_parquet / schema).mkdir(parents=True, exist_ok=True)
            connection.execute(f"COPY {schema}.\"{name}\" TO '{staging_parquet / schema / name}.parquet' (FORMAT parquet)")
            count = connection.execute(f'SELECT count(*) FROM {schema}."{name}"').fetchone()[0]
            published.append(PublishedTable(schema, name, int(count)))
    finally:
        connection.execute("DETACH serving_copy")
    os.replace(staging_database, serving_dir / SERVING_DATABASE)
    final_parquet = serving_dir / "parquet"
    previous = serving_dir / ".parquet.old"
    shutil.rmtree(previous, ignore_errors=True)
    if final_parquet.exists():
        os.replace(final_parquet, previous)
    os.replace(staging_parquet, final_parquet)
    shutil.rmtree(previous, ignore_errors=True)
    return published
