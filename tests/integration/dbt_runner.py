"""What the dbt integration tests share: run the real dbt CLI on a warehouse file of their own, and
insert hand-made rows into it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"


def dbt_executable() -> str:
    candidate = Path(sys.executable).parent / "dbt"
    return str(candidate) if candidate.exists() else (shutil.which("dbt") or "dbt")


def run_dbt(args: list[str], warehouse: Path, work: Path) -> subprocess.CompletedProcess:
    """`dbt <args>` on the project against `warehouse`, with target and logs under `work`."""
    env = {**os.environ, "VOLTBILL_WAREHOUSE_PATH": str(warehouse), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    command = [
        dbt_executable(), *args,
        "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
        "--target-path", str(work / "target"), "--log-path", str(work / "logs"),
    ]
    return subprocess.run(command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True)


def insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[tuple], columns: tuple[str, ...] | None = None) -> None:
    """Insert Python rows through a DataFrame (executemany inserts one row at a time). dtype object keeps
    None as NULL (not NaN) and Decimal and aware datetimes as they are; without `columns`, positionally."""
    frame = pd.DataFrame.from_records(rows, columns=list(columns or (f"c{i}" for i in range(len(rows[0]))))).astype(object)
    target = f"{table} ({', '.join(columns)})" if columns else table
    con.register("rows_frame", frame)
    con.execute(f"INSERT INTO {target} SELECT * FROM rows_frame")
    con.unregister("rows_frame")
