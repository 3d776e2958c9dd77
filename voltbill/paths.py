"""Default locations of the landing zone, warehouse and outputs, overridable by environment variables.

Every path the project writes to is derived here, so a deployment moves them all by setting
`VOLTBILL_DATA_DIR` (or one of the specific variables) instead of editing code.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def data_dir() -> Path:
    """Root of the landing zone, warehouse and outputs (`VOLTBILL_DATA_DIR`, default `./data`)."""
    return Path(os.environ.get("VOLTBILL_DATA_DIR", PROJECT_ROOT / "data")).resolve()


def inbox_dir() -> Path:
    """Landing zone: partner files arrive in `<inbox>/<source>/` (`VOLTBILL_INBOX_DIR`)."""
    return Path(os.environ.get("VOLTBILL_INBOX_DIR", data_dir() / "inbox")).resolve()


def warehouse_path() -> Path:
    """The single DuckDB file the pipeline writes (`VOLTBILL_WAREHOUSE_PATH`)."""
    return Path(os.environ.get("VOLTBILL_WAREHOUSE_PATH", data_dir() / "warehouse" / "voltbill.duckdb")).resolve()


def serving_dir() -> Path:
    """Where the read-only serving copy and Parquet exports for BI are published (`VOLTBILL_SERVING_DIR`)."""
    return Path(os.environ.get("VOLTBILL_SERVING_DIR", data_dir() / "serving")).resolve()


def outputs_dir() -> Path:
    """Reports, charts and documents produced by the pipeline (`VOLTBILL_OUTPUTS_DIR`)."""
    return Path(os.environ.get("VOLTBILL_OUTPUTS_DIR", data_dir() / "outputs")).resolve()
