"""Warehouse reads and writes of the forecasting assets (plain DuckDB; no Dagster, no modelling).

Reads the marts the forecasts start from; writes forecasts, purchase plans and model choices,
replacing what an earlier run wrote for the same delivery days in one transaction, so a rerun of a
partition gives the same rows and a failed run leaves the previous ones in place.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable

import duckdb
import pandas as pd

from assets.forecasting_tables import create_forecasting_tables


def read_history(connection: duckdb.DuckDBPyConnection, until_utc: pd.Timestamp | None = None) -> dict[str, pd.DataFrame]:
    """Hourly consumption, hourly weather and the metering points with their groups."""
    until = "" if until_utc is None else f"WHERE hour_start_utc < TIMESTAMPTZ '{until_utc.isoformat()}'"
    consumption = connection.execute(
        f"SELECT metering_point_id, hour_start_utc AS period_start_utc, energy_kwh::DOUBLE AS energy_kwh "
        f"FROM marts.fct_hourly_consumption {until}"
    ).df()
    weather = connection.execute(
        """
        SELECT market_code, valid_at_utc AS period_start_utc,
               actual_temperature_c::DOUBLE AS actual_temperature_c,
               forecast_temperature_c::DOUBLE AS forecast_temperature_c,
               forecast_issued_at_utc
        FROM marts.fct_hourly_weather
        """
    ).df()
    metering_points = connection.execute(
        """
        SELECT points.metering_point_id, points.company_id, points.market_code, points.market_timezone,
               companies.country_code, points.balancing_group_id, customers.customer_class,
               points.supply_start_date
        FROM marts.dim_metering_points AS points
        JOIN marts.dim_companies AS companies USING (company_id)
        JOIN marts.dim_customers AS customers USING (customer_id)
        ORDER BY points.metering_point_id
        """
    ).df()
    return {"consumption": consumption, "weather": weather, "metering_points": metering_points}


def last_metered_day(connection: duckdb.DuckDBPyConnection, timezone: str) -> dt.date | None:
    value = connection.execute(
        "SELECT max(hour_start_utc AT TIME ZONE ?)::DATE FROM marts.fct_hourly_consumption", [timezone]
    ).fetchone()[0]
    return value


def model_choices(connection: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], str]:
    """The model chosen per (series_level, series_id); empty before the first model selection."""
    exists = connection.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'forecasting' AND table_name = 'model_selection'"
    ).fetchone()[0]
    if not exists:
        return {}
    rows = connection.execute(
        "SELECT series_level, series_id, chosen_model FROM forecasting.model_selection WHERE chosen_model IS NOT NULL"
    ).fetchall()
    return {(level, series_id): model for level, series_id, model in rows}


def _replace(connection: duckdb.DuckDBPyConnection, replacements: list[tuple[str, pd.DataFrame, str, list]]) -> None:
    """For each (table, frame, WHERE clause, parameters): delete the matching rows and insert
    the frame by column name — all in one transaction. The tables must exist."""
    connection.execute("BEGIN TRANSACTION")
    try:
        for table, frame, where, parameters in replacements:
            connection.execute(f"DELETE FROM forecasting.{table} WHERE {where}", parameters)
            connection.register("incoming", frame)
            connection.execute(f"INSERT INTO forecasting.{table} BY NAME SELECT * FROM incoming")
            connection.unregister("incoming")
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise


def replace_days(connection: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame, days: Iterable[dt.date]) -> None:
    """Replace the delivery days' rows of `table` with `frame` (its columns that the table has)."""
    create_forecasting_tables(connection)
    columns = [row[0] for row in connection.execute(f"DESCRIBE forecasting.{table}").fetchall()]
    _replace(connection, [(table, frame[[column for column in columns if column in frame]], "delivery_date IN (SELECT unnest(?::DATE[]))", [list(days)])])


def replace_model_selection(connection: duckdb.DuckDBPyConnection, selection: pd.DataFrame, metrics: pd.DataFrame) -> None:
    """The latest backtest replaces the previous one (history of choices is in Dagster's metadata)."""
    create_forecasting_tables(connection)
    _replace(connection, [("model_selection", selection, "true", []), ("backtest_metrics", metrics, "true", [])])


def group_forecasts(connection: duckdb.DuckDBPyConnection, delivery_date: dt.date, level: str) -> pd.DataFrame:
    frame = connection.execute(
        "SELECT * FROM forecasting.series_forecasts WHERE delivery_date = ? AND series_level = ? ORDER BY series_id, period_start_utc",
        [delivery_date, level],
    ).df()
    return frame.assign(delivery_date=pd.to_datetime(frame["delivery_date"]).dt.date)


def to_json(value) -> str:
    return json.dumps(value, default=str, sort_keys=True)
