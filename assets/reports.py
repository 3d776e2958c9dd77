"""Report assets: the serving copy of the marts that BI tools read."""

from __future__ import annotations

from dagster import AssetKey, MaterializeResult, MetadataValue, asset

from orchestration.dbt import warehouse_models
from orchestration.resources import WAREHOUSE_WRITER_POOL, ServingResource, WarehouseResource
from voltbill.serving import SERVING_DATABASE, publish_serving_copy

PUBLISHED_KEYS = sorted(
    (key for key in warehouse_models.keys if key.path[0] in ("marts", "reference")), key=lambda key: key.to_user_string()
)


@asset(
    key=AssetKey(["serving", "warehouse_copy"]),
    group_name="reports",
    pool=WAREHOUSE_WRITER_POOL,
    kinds={"duckdb", "parquet"},
    deps=PUBLISHED_KEYS,
    description=(
        "Read-only copy of the mart and reference tables (a DuckDB file and one Parquet file per table) "
        "for BI tools, swapped in atomically after each run so readers never block the pipeline."
    ),
)
def warehouse_copy(warehouse: WarehouseResource, serving: ServingResource) -> MaterializeResult:
    with warehouse.connect() as connection:
        published = publish_serving_copy(connection, serving.path)
    table = ["| table | rows |", "|---|---:|"] + [f"| {t.schema}.{t.name} | {t.row_count} |" for t in published]
    return MaterializeResult(
        metadata={
            "serving_database": MetadataValue.path(str(serving.path / SERVING_DATABASE)),
            "parquet_dir": MetadataValue.path(str(serving.path / "parquet")),
            "tables": MetadataValue.md("\n".join(table)),
        }
    )
