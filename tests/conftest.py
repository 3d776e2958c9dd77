"""Test session set-up: the dbt manifest the Dagster definitions load is prepared once, up front.

`make test` prepares it already (`make manifest`); this keeps a bare `pytest` working too.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
MANIFEST = PROJECT_ROOT / "dbt_project" / "target" / "manifest.json"


def manifest_is_current() -> bool:
    """True when the manifest is newer than every model, macro, seed, test and config file of the project."""
    if not MANIFEST.exists():
        return False
    built = MANIFEST.stat().st_mtime
    project = PROJECT_ROOT / "dbt_project"
    sources = [p for p in project.rglob("*") if p.suffix in {".sql", ".yml", ".csv"} and "target" not in p.parts]
    return all(path.stat().st_mtime <= built for path in sources)


def pytest_configure(config) -> None:
    if manifest_is_current():
        return
    env = {**os.environ}
    env.setdefault("VOLTBILL_WAREHOUSE_PATH", str(PROJECT_ROOT / "data" / "warehouse" / "voltbill.duckdb"))
    subprocess.run(
        [str(Path(sys.executable).parent / "dbt"), "parse", "--project-dir", str(PROJECT_ROOT / "dbt_project"),
         "--profiles-dir", str(PROJECT_ROOT / "dbt_project"), "--quiet"],
        cwd=PROJECT_ROOT,
        env=env,
        check=True,
    )
