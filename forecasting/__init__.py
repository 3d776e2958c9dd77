"""Forecasting library (features, models, backtests, purchase plans); built in the forecasting issue. No Dagster import."""
