"""Report assets: the serving copy of the marts that BI tools read, the traders' imbalance report and the
dashboard for traders and finance."""

from datetime import date, datetime, timezone
from decimal import Decimal

import duckdb
import pandas as pd
from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    Config,
    MaterializeResult,
    MetadataValue,
    asset,
)

from dashboard import mart_reads as dashboard_marts
from dashboard.alerts import AlertSettings
from dashboard.page import build_dashboard
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


DASHBOARD_FILE = "dashboard.html"


class DashboardConfig(Config):
    as_of: str = ""  # YYYY-MM-DD the alerts are judged on (consumption due for invoicing); empty: today (UTC)
    forecast_days: int = 14  # last delivery days charted hour by hour (forecast vs actual, error by hour)
    invoicing_grace_days: int = AlertSettings.invoicing_grace_days
    recent_days: int = AlertSettings.recent_days
    baseline_days: int = AlertSettings.baseline_days
    wape_rise_points: float = float(AlertSettings.wape_rise_points)
    wape_ceiling_pct: float = float(AlertSettings.wape_ceiling_pct)

    def alert_settings(self) -> AlertSettings:
        return AlertSettings(
            invoicing_grace_days=self.invoicing_grace_days,
            recent_days=self.recent_days,
            baseline_days=self.baseline_days,
            wape_rise_points=Decimal(str(self.wape_rise_points)),
            wape_ceiling_pct=Decimal(str(self.wape_ceiling_pct)),
        )


DASHBOARD_KEY = AssetKey(["reports", "dashboard"])
DASHBOARD_INPUTS = frozenset(AssetKey(["marts", mart]) for mart in dashboard_marts.MARTS)


@asset(
    key=DASHBOARD_KEY,
    group_name="reports",
    pool=WAREHOUSE_WRITER_POOL,  # a reader of the DuckDB file, like the imbalance report
    kinds={"duckdb", "html", "plotly"},
    deps=sorted(DASHBOARD_INPUTS, key=AssetKey.to_user_string),
    check_specs=[
        AssetCheckSpec(
            "no_risk_alerts", asset=DASHBOARD_KEY,
            description="Warns while the dashboard shows an alert that puts the company at risk (the page lists them).",
        )
    ],
    description=(
        "The dashboard for traders and finance (outputs/dashboard/dashboard.html): one self-contained HTML page with "
        "interactive charts of consumption by type against earlier years, billing progress, amounts billed per invoice "
        "type, receivables ageing, forecast vs actual and error by hour, nominated vs settled with the imbalance cost "
        "and % deviation, CDRs by rating status, energy cost per object, and the alerts that put the company at risk."
    ),
)
def dashboard(context: AssetExecutionContext, config: DashboardConfig, warehouse: WarehouseResource) -> MaterializeResult:
    as_of = date.fromisoformat(config.as_of) if config.as_of else datetime.now(timezone.utc).date()
    settings = config.alert_settings()
    with warehouse.connect() as connection:
        data = dashboard_marts.read_dashboard_data(connection, as_of, config.forecast_days)
    built = build_dashboard(data, settings, datetime.now(timezone.utc), warehouse.path)
    path = outputs_dir() / "dashboard" / DASHBOARD_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".html.tmp")
    temporary.write_text(built.html, encoding="utf-8")
    temporary.replace(path)  # a reader (or a mail job) never sees half a page
    for alert in built.alerts:
        context.log.warning(f"{alert.title}: {alert.count}")
    return MaterializeResult(
        metadata={
            "dashboard": MetadataValue.path(str(path)),
            "charts": len(built.charts),
            "charts_without_data": MetadataValue.md(", ".join(c.chart_id for c in built.charts if not c.has_data) or "(none)"),
            "alerts": MetadataValue.md("\n".join(f"- **{a.title}**: {a.count}" for a in built.alerts) or "(none)"),
            "marts_not_built": MetadataValue.md(", ".join(data.missing_marts) or "(none)"),
            "size_bytes": path.stat().st_size,
        },
        check_results=[
            AssetCheckResult(
                check_name="no_risk_alerts",
                passed=not built.alerts,
                severity=AssetCheckSeverity.WARN,
                metadata={alert.code: alert.count for alert in built.alerts},
            )
        ],
    )
