"""Ingest assets: one per partner source, loading new landing-zone files into `raw.<source>`.

Each asset is thin: it calls `ingestion.loader` and reports what happened. Two checks run in
the same step (so they read the warehouse through the writer's own connection):

* `<source>_expectations` -- the Great Expectations suite of the source over every loaded file
  not yet validated (new files, and files that failed before); blocking, so a file whose rows
  fail stops the marts on this run and every later one until the data is fixed.
* `no_quarantined_rows` -- warns while rows of this source sit in `raw.rejected_rows`, with
  the counts per reason, so a data engineer sees at a glance what partners got wrong.
"""


from collections.abc import Iterator

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    MaterializeResult,
    MetadataValue,
    TableColumn,
    TableSchema,
    asset,
)

from ingestion.expectations import validate_pending_files
from ingestion.loader import SourceResult, ingest_source
from ingestion.sources import SOURCES, Source
from orchestration.resources import WAREHOUSE_WRITER_POOL, LandingZoneResource, WarehouseResource

INGEST_GROUP = "ingest"


def raw_asset_key(source_name: str) -> AssetKey:
    """Asset keys mirror warehouse names: `raw/<table>`."""
    return AssetKey(["raw", source_name])


def _contract_schema(source: Source) -> TableSchema:
    return TableSchema(
        columns=[
            TableColumn(
                name=column.name,
                type=column.sql_type,
                description=column.description,
            )
            for column in source.columns
        ]
    )


def _files_table(result: SourceResult) -> str:
    lines = ["| file | status | rows loaded | rows rejected | note |", "|---|---|---:|---:|---|"]
    for file in result.files:
        lines.append(f"| {file.file_name} | {file.status} | {file.rows_loaded} | {file.rows_rejected} | {file.message or ''} |")
    return "\n".join(lines)


def build_ingest_asset(source: Source) -> AssetsDefinition:
    """The ingest asset of one source, with its quality checks."""
    key = raw_asset_key(source.name)
    expectations_check = f"{source.name}_expectations"

    @asset(
        key=key,
        group_name=INGEST_GROUP,
        pool=WAREHOUSE_WRITER_POOL,
        kinds={"duckdb", "csv"},
        description=f"{source.description} Delivered by {source.delivered_by} into `inbox/{source.name}/`.",
        metadata={"dagster/column_schema": _contract_schema(source), "dagster/table_name": source.raw_table},
        check_specs=[
            AssetCheckSpec(
                expectations_check,
                asset=key,
                blocking=True,
                description=f"Great Expectations suite for {source.raw_table}, derived from the file contract.",
            ),
            AssetCheckSpec(
                "no_quarantined_rows",
                asset=key,
                description="Warns while rows of this source are quarantined in raw.rejected_rows.",
            ),
        ],
    )
    def ingest(
        context: AssetExecutionContext, warehouse: WarehouseResource, landing_zone: LandingZoneResource
    ) -> Iterator[MaterializeResult | AssetCheckResult]:
        with warehouse.connect() as connection:
            result = ingest_source(connection, source, landing_zone.path)
            suite = validate_pending_files(connection, source)
            table_rows = connection.execute(f"SELECT count(*) FROM {source.raw_table}").fetchone()[0]
            quarantined = connection.execute(
                "SELECT reason_code, count(*) FROM raw.rejected_rows WHERE source = ? GROUP BY ALL ORDER BY 2 DESC",
                [source.name],
            ).fetchall()
        for problem in [*result.rejected_files, *result.ignored_files]:
            context.log.warning(f"{source.name}: {problem.status} file {problem.file_name}: {problem.message}")
        first, last = result.time_range
        yield MaterializeResult(
            metadata={
                "files_new": len(result.new_files),
                "files_already_ingested": sum(1 for file in result.files if file.status == "already_ingested"),
                "files_rejected": len(result.rejected_files),
                "files_ignored": len(result.ignored_files),
                "rows_loaded": result.rows_loaded,
                "rows_rejected": result.rows_rejected,
                "dagster/row_count": int(table_rows),
                "time_range_start": str(first) if first else "",
                "time_range_end": str(last) if last else "",
                "files": MetadataValue.md(_files_table(result)) if result.files else "no files in the landing zone",
            }
        )
        yield AssetCheckResult(
            check_name=expectations_check,
            passed=suite.success,
            severity=AssetCheckSeverity.ERROR,
            metadata=suite.to_metadata(),
        )
        quarantined_total = sum(count for _, count in quarantined)
        yield AssetCheckResult(
            check_name="no_quarantined_rows",
            passed=quarantined_total == 0,
            severity=AssetCheckSeverity.WARN,
            metadata={
                "quarantined_rows": quarantined_total,
                "by_reason": MetadataValue.json({code: count for code, count in quarantined}),
            },
        )

    return ingest


INGEST_ASSETS: list[AssetsDefinition] = [build_ingest_asset(source) for source in SOURCES]


def _count_summary(warehouse: WarehouseResource, sql: str, headers: tuple[str, str, str], label: str) -> MaterializeResult:
    """Row count and a Markdown table of `sql`'s (dimension, dimension, count) rows as asset metadata."""
    with warehouse.connect() as connection:
        counts = connection.execute(sql).fetchall()
    table = [f"| {' | '.join(headers)} |", "|---|---|---:|"] + [f"| {a} | {b} | {n} |" for a, b, n in counts]
    return MaterializeResult(
        metadata={"dagster/row_count": sum(n for *_, n in counts), label: MetadataValue.md("\n".join(table))}
    )


@asset(
    key=AssetKey(["raw", "rejected_rows"]),
    group_name=INGEST_GROUP,
    pool=WAREHOUSE_WRITER_POOL,
    kinds={"duckdb"},
    deps=[raw_asset_key(source.name) for source in SOURCES],
    description=(
        "Quarantine: every row or file the loaders refused, with source file, line and reason. "
        "Written by the ingest assets; this asset publishes the counts per source and reason."
    ),
)
def rejected_rows(warehouse: WarehouseResource) -> MaterializeResult:
    return _count_summary(
        warehouse,
        "SELECT source, reason_code, count(*) FROM raw.rejected_rows GROUP BY ALL ORDER BY 1, 3 DESC",
        ("source", "reason", "rows"),
        "by_source_and_reason",
    )


@asset(
    key=AssetKey(["raw", "ingested_files"]),
    group_name=INGEST_GROUP,
    pool=WAREHOUSE_WRITER_POOL,
    kinds={"duckdb"},
    deps=[raw_asset_key(source.name) for source in SOURCES],
    description="Registry of every file ingested, by content hash: what makes re-ingesting a file a no-op.",
)
def ingested_files(warehouse: WarehouseResource) -> MaterializeResult:
    return _count_summary(
        warehouse,
        "SELECT source, status, count(*) FROM raw.ingested_files GROUP BY ALL ORDER BY 1, 2",
        ("source", "status", "files"),
        "by_source_and_status",
    )
