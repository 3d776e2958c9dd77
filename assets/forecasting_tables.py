"""DDL of the `forecasting` schema: the tables the forecasting assets write and dbt reads.

The dbt staging views `stg_forecasting__series_forecasts` and `stg_forecasting__purchase_plans` read
two of these tables (sources in dbt_project/models/staging/_forecasting_sources.yml). The
`forecasting/model_selection` asset creates them all, empty, and dbt's forecasting models depend on
it, so they exist before dbt first reads them; a test that builds the dbt project on its own
warehouse calls `create_forecasting_tables(con)` first:

    with duckdb.connect(str(path)) as con:
        create_forecasting_tables(con)

Columns and types are the interface agreed with the forecasting assets; keys are in the comments
(dbt tests them; no constraint is declared, so a rerun can delete and insert a day freely).
"""

from __future__ import annotations

import duckdb

# Key: (delivery_date, series_level, series_id, period_start_utc)
SERIES_FORECASTS_DDL = """
CREATE TABLE IF NOT EXISTS forecasting.series_forecasts (
    delivery_date       DATE NOT NULL,          -- local delivery day
    market_code         VARCHAR,
    company_id          VARCHAR,
    series_level        VARCHAR NOT NULL,       -- metering_point | customer_class | balancing_group | company
    series_id           VARCHAR NOT NULL,       -- metering point id, balancing_group_id, company_id or '<company_id>/<customer_class>'
    period_start_utc    TIMESTAMPTZ NOT NULL,
    period_start_local  TIMESTAMP,
    period_minutes      INTEGER,                -- 60
    p10_kwh             DOUBLE,
    p50_kwh             DOUBLE,                 -- NULL when no forecast could be made
    p90_kwh             DOUBLE,
    direct_p50_kwh      DOUBLE,                 -- groups: the group model's own P50 before reconciliation; NULL for meters
    members_count       INTEGER,                -- metering points in the series (1 for a metering point)
    members_without_forecast INTEGER,           -- of which had no P50 for the period
    model_name          VARCHAR,
    reconciliation      VARCHAR,                -- none (meters) | bottom_up (groups)
    fallback_reason     VARCHAR,
    flags               VARCHAR,
    forecast_cutoff_utc TIMESTAMPTZ,
    created_at          TIMESTAMPTZ,
    dagster_run_id      VARCHAR
)
"""

# Key: (delivery_date, balancing_group_id, period_start_utc)
PURCHASE_PLANS_DDL = """
CREATE TABLE IF NOT EXISTS forecasting.purchase_plans (
    delivery_date       DATE NOT NULL,
    market_code         VARCHAR,
    company_id          VARCHAR,
    balancing_group_id  VARCHAR NOT NULL,
    period_start_utc    TIMESTAMPTZ NOT NULL,
    period_start_local  TIMESTAMP,
    period_minutes      INTEGER,
    planned_mwh         DECIMAL(12,1),
    forecast_p10_mwh    DECIMAL(14,3),
    forecast_p50_mwh    DECIMAL(14,3),
    forecast_p90_mwh    DECIMAL(14,3),
    metering_points_count INTEGER,
    metering_points_without_forecast INTEGER,
    forecast_cutoff_utc TIMESTAMPTZ,
    created_at          TIMESTAMPTZ,
    dagster_run_id      VARCHAR
)
"""

SERIES_FORECASTS_COLUMNS = (
    "delivery_date", "market_code", "company_id", "series_level", "series_id", "period_start_utc", "period_start_local",
    "period_minutes", "p10_kwh", "p50_kwh", "p90_kwh", "direct_p50_kwh", "model_name", "reconciliation", "fallback_reason",
    "flags", "forecast_cutoff_utc", "created_at", "dagster_run_id",
)

PURCHASE_PLANS_COLUMNS = (
    "delivery_date", "market_code", "company_id", "balancing_group_id", "period_start_utc", "period_start_local",
    "period_minutes", "planned_mwh", "forecast_p10_mwh", "forecast_p50_mwh", "forecast_p90_mwh", "metering_points_count",
    "metering_points_without_forecast", "forecast_cutoff_utc", "created_at", "dagster_run_id",
)


# Key: (series_level, series_id). The model each series uses, chosen by the latest backtest.
MODEL_SELECTION_DDL = """
CREATE TABLE IF NOT EXISTS forecasting.model_selection (
    series_level        VARCHAR NOT NULL,
    series_id           VARCHAR NOT NULL,
    company_id          VARCHAR,
    chosen_model        VARCHAR,                -- NULL when no model forecast every test day
    reason              VARCHAR,
    first_test_day      DATE,
    last_test_day       DATE,
    selected_at         TIMESTAMPTZ,
    dagster_run_id      VARCHAR
)
"""

# Key: (series_level, series_id, model_name). Backtest metrics of every candidate model.
BACKTEST_METRICS_DDL = """
CREATE TABLE IF NOT EXISTS forecasting.backtest_metrics (
    series_level        VARCHAR NOT NULL,
    series_id           VARCHAR NOT NULL,
    model_name          VARCHAR NOT NULL,
    is_chosen           BOOLEAN,
    days_forecast       INTEGER,
    is_complete         BOOLEAN,
    periods             INTEGER,
    mape_pct            DOUBLE,
    wape_pct            DOUBLE,
    mae_kwh             DOUBLE,
    rmse_kwh            DOUBLE,
    bias_kwh            DOUBLE,
    skill_vs_seasonal_naive DOUBLE,
    pinball_kwh         DOUBLE,
    coverage_p10_p90_pct DOUBLE,
    fit_seconds         DOUBLE,
    predict_seconds     DOUBLE,
    not_forecast_reason VARCHAR,
    first_test_day      DATE,
    last_test_day       DATE,
    selected_at         TIMESTAMPTZ,
    dagster_run_id      VARCHAR
)
"""


def create_forecasting_tables(connection: duckdb.DuckDBPyConnection) -> None:
    """Create the `forecasting` schema and its tables, empty, if they do not exist (idempotent)."""
    connection.execute("CREATE SCHEMA IF NOT EXISTS forecasting")
    for ddl in (SERIES_FORECASTS_DDL, PURCHASE_PLANS_DDL, MODEL_SELECTION_DDL, BACKTEST_METRICS_DDL):
        connection.execute(ddl)
