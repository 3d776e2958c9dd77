"""DDL of the `forecasting` schema the forecasting assets write and the dbt project reads, for tests.

The dbt staging views `stg_forecasting__series_forecasts` and `stg_forecasting__purchase_plans` read
these two tables (sources in dbt_project/models/staging/_forecasting_sources.yml). In the pipeline
the forecasting assets create them, empty, before dbt first runs; a test that builds the dbt project
on its own warehouse calls `create_forecasting_tables(con)` first:

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


def create_forecasting_tables(connection: duckdb.DuckDBPyConnection) -> None:
    """Create the `forecasting` schema and its two tables, empty, if they do not exist (idempotent)."""
    connection.execute("CREATE SCHEMA IF NOT EXISTS forecasting")
    connection.execute(SERIES_FORECASTS_DDL)
    connection.execute(PURCHASE_PLANS_DDL)
