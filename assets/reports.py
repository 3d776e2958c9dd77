"""Report assets: the serving copy of the marts that BI tools read, and the traders' imbalance report."""

import duckdb
import pandas as pd
from dagster import AssetKey, Config, MaterializeResult, MetadataValue, asset

from forecasting import imbalance_report as imbalance
from orchestration.dbt import warehouse_models
from orchestration.resources import WAREHOUSE_WRITER_POOL, ServingResource, WarehouseResource
from voltbill.paths import outputs_dir
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


IMBALANCE_MARTS = [AssetKey(["marts", "fct_imbalance_settlement_periods"]), AssetKey(["marts", "fct_imbalance_daily"])]
IMBALANCE_REPORT_FILE = "imbalance_report.html"


class ImbalanceReportConfig(Config):
    days: int = imbalance.DEFAULT_DAYS  # most recent delivery days with settlement, charted per period and tabled


def _records(connection: duckdb.DuckDBPyConnection, sql: str, parameters: list | None = None) -> pd.DataFrame:
    """Rows as a frame keeping DECIMAL columns as `decimal.Decimal` (`.df()` would make them floats)."""
    cursor = connection.execute(sql, parameters or [])
    return pd.DataFrame.from_records(cursor.fetchall(), columns=[column[0] for column in cursor.description])


@asset(
    key=AssetKey(["reports", "imbalance_report"]),
    group_name="reports",
    # DuckDB locks the file for any process that opens it, readers included: in the pool, this read
    # never collides with a writer if a deployment switches to a multi-process executor.
    pool=WAREHOUSE_WRITER_POOL,
    kinds={"duckdb", "html"},
    deps=IMBALANCE_MARTS,
    description=(
        "HTML report for traders (outputs/imbalance/imbalance_report.html): per balancing group, nominated vs "
        "forecast vs settled MWh per settlement period over the last 7 delivery days, the daily imbalance cost "
        "with the forecast's volume-weighted % deviation, and a table of the last days' figures."
    ),
)
def imbalance_report(config: ImbalanceReportConfig, warehouse: WarehouseResource) -> MaterializeResult:
    with warehouse.connect() as connection:
        periods = _records(
            connection,
            """
            SELECT * FROM marts.fct_imbalance_settlement_periods
            QUALIFY dense_rank() OVER (PARTITION BY balancing_group_id ORDER BY delivery_date DESC) <= ?
            ORDER BY balancing_group_id, period_start_utc
            """,
            [config.days],
        )
        daily = _records(connection, "SELECT * FROM marts.fct_imbalance_daily ORDER BY balancing_group_id, delivery_date")
    report = outputs_dir() / "imbalance" / IMBALANCE_REPORT_FILE
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(imbalance.build_report(periods, daily, config.days), encoding="utf-8")
    totals = imbalance.cost_totals(daily)
    return MaterializeResult(
        metadata={
            "report": MetadataValue.path(str(report)),
            "last_days": MetadataValue.md(imbalance.last_days_markdown(daily, config.days)),
            "imbalance_cost_total": MetadataValue.md(imbalance.cost_totals_markdown(totals)),
            **{f"imbalance_cost_total_{currency}": MetadataValue.float(float(total)) for currency, total in totals.items()},
            "delivery_days": f"{daily['delivery_date'].min()} … {daily['delivery_date'].max()}" if not daily.empty else "(none)",
            "periods_without_price": int(daily["periods_without_price_count"].sum()) if not daily.empty else 0,
        }
    )
