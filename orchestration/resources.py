"""Resources: where the warehouse file and the landing zone are, configured from the environment.

Defaults come from `voltbill.paths` (environment variables with local defaults), so the same
code runs on a laptop and in a deployment that sets `VOLTBILL_DATA_DIR` and friends.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
from dagster import ConfigurableResource

# DuckDB allows one writing process: every asset that writes the warehouse runs in this pool,
# whose limit is 1 (dagster.yaml), so writers queue instead of failing on the file lock.
WAREHOUSE_WRITER_POOL = "duckdb_writer"


class WarehouseResource(ConfigurableResource):
    """The single DuckDB warehouse file."""

    path: str
    # DuckDB spills to disk beyond this; keeps the pipeline's footprint bounded on large portfolios.
    memory_limit: str = os.environ.get("VOLTBILL_DUCKDB_MEMORY_LIMIT", "3GB")

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-write connection, closed on exit so the next writer (or dbt) can open the file."""
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        connection = duckdb.connect(self.path)
        try:
            connection.execute("SET TimeZone = 'UTC'")
            connection.execute(f"SET memory_limit = '{self.memory_limit}'")
            yield connection
        finally:
            connection.close()


class LandingZoneResource(ConfigurableResource):
    """The folder partners deliver into: one sub-folder per source."""

    inbox_dir: str

    @property
    def path(self) -> Path:
        return Path(self.inbox_dir)


class ServingResource(ConfigurableResource):
    """Where the read-only copy of the marts for BI readers is published."""

    serving_dir: str

    @property
    def path(self) -> Path:
        return Path(self.serving_dir)
