"""The dbt project as Dagster assets: one graph from partner file to mart.

The manifest is prepared ahead of time (`make manifest`, which runs `dbt parse`), not parsed on
every import; `dagster dev` re-parses it on load so model edits show up at once. Source tables
map to the ingest assets' keys (`raw/<table>`, from the `meta.dagster.asset_key` of each dbt
source), and models map to `<layer>/<model>`, mirroring their warehouse schema and name.
"""


import os
import sys
from pathlib import Path
from collections.abc import Mapping
from typing import Any

from dagster import AssetExecutionContext, AssetKey
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, DbtProject, dbt_assets

from assets.forecasting_tables import create_forecasting_tables
from allocation.ledger_tables import create_allocation_tables
from billing.ledger_tables import create_billing_ledger_tables
from rating.ledger_tables import create_emobility_tables
from orchestration.resources import WAREHOUSE_WRITER_POOL, WarehouseResource
from voltbill.paths import PROJECT_ROOT

DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
dbt_project.prepare_if_dev()

if not dbt_project.manifest_path.exists():
    raise FileNotFoundError(
        f"The dbt manifest {dbt_project.manifest_path} is missing: run `make manifest` "
        "(or `dbt parse --project-dir dbt_project --profiles-dir dbt_project`) before loading the definitions."
    )

LAYERS = ("staging", "intermediate", "marts")


class VoltbillDbtTranslator(DagsterDbtTranslator):
    """Asset keys `<layer>/<model>` and groups by layer (marts: by domain sub-folder)."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        resource_type = dbt_resource_props["resource_type"]
        if resource_type == "source":
            return super().get_asset_key(dbt_resource_props)  # meta.dagster.asset_key: raw/<table>
        if resource_type == "seed":
            return AssetKey(["reference", dbt_resource_props["name"]])
        fqn = dbt_resource_props["fqn"]
        layer = fqn[1] if len(fqn) > 2 and fqn[1] in LAYERS else "models"
        return AssetKey([layer, dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "reference"
        fqn = dbt_resource_props["fqn"]
        if len(fqn) > 3 and fqn[1] == "marts":
            return fqn[2]  # marts/<domain>/model.sql -> group <domain>
        return fqn[1] if len(fqn) > 2 else "models"


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=VoltbillDbtTranslator(settings=DagsterDbtTranslatorSettings(enable_code_references=False)),
    pool=WAREHOUSE_WRITER_POOL,
)
def warehouse_models(context: AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource):
    """Seeds, staging, intermediate and mart models with their tests, built by `dbt build`."""
    # The dbt profile reads the warehouse path from the environment: hand it the resource's path
    # so dbt and the Python writers always use the same file.
    os.environ["VOLTBILL_WAREHOUSE_PATH"] = warehouse.path
    # The forecasting models read tables the forecasting assets write; on a new warehouse they
    # exist, empty, before the first forecast.
    with warehouse.connect() as connection:
        create_forecasting_tables(connection)
        create_billing_ledger_tables(connection)  # likewise for the billing marts and the ledger
        create_emobility_tables(connection)  # and for the e-mobility marts
        create_allocation_tables(connection)  # and the allocation marts
    # Dagster may run the dbt models in two steps around a Python asset (forecasting, billing): a test whose
    # parents are not all in the step (a relationship to a model of the other step) runs in the step that
    # builds its last parent, instead of failing on a model not built yet.
    yield from dbt.cli(["build", "--indirect-selection", "buildable"], context=context).stream()


def dbt_resource() -> DbtCliResource:
    # The dbt of this interpreter's environment (the project's venv), whether or not it is on PATH:
    # sys.prefix is the venv even when the interpreter was started through a resolved symlink.
    dbt_executable = Path(sys.prefix) / "bin" / "dbt"
    return DbtCliResource(
        project_dir=dbt_project,
        profiles_dir=str(DBT_PROJECT_DIR),
        dbt_executable=str(dbt_executable) if dbt_executable.exists() else "dbt",
    )
