"""What a trader reads: summaries and HTML report sections of forecasts and backtests.

Pure functions from frames to small tables and HTML; the assets write the files.
"""

from __future__ import annotations

import datetime as dt
import html

import pandas as pd

from forecasting import charts
from forecasting.portfolio import PortfolioInputs, SeriesKey


def fallback_summary(rows: pd.DataFrame) -> pd.DataFrame:
    """Series that did not use their chosen model, and why (one row per level and reason)."""
    fell_back = rows[rows["fallback_reason"].notna()]
    if fell_back.empty:
        return pd.DataFrame(columns=["series_level", "fallback_reason", "series"])
    return (
        fell_back.groupby(["series_level", "fallback_reason"])["series_id"].nunique().reset_index(name="series").sort_values("series", ascending=False)
    )


def daily_totals(rows: pd.DataFrame, level: str) -> pd.DataFrame:
    """Forecast MWh per delivery day and series of one level (P10, P50, P90)."""
    chosen = rows[rows["series_level"] == level]
    totals = chosen.groupby(["delivery_date", "series_id"])[["p10_kwh", "p50_kwh", "p90_kwh"]].sum() / 1000
    return totals.rename(columns=lambda name: name.replace("_kwh", "_mwh")).reset_index()


def day_sections(forecast: pd.DataFrame, inputs: PortfolioInputs, levels: tuple[str, ...]) -> list[tuple[str, str]]:
    """Per delivery day and group: a chart of the forecast band and, once metered, the actual."""
    sections = []
    for (level, series_id, day), frame in forecast[forecast["series_level"].isin(levels)].groupby(["series_level", "series_id", "delivery_date"], sort=True):
        key = SeriesKey(level, series_id, frame["company_id"].iloc[0], frame["market_code"].iloc[0])
        frame = frame.assign(actual=inputs.actual(key, pd.DatetimeIndex(frame["period_start_utc"]).as_unit("ns")))
        title = f"{level.replace('_', ' ')} {series_id} — delivery {day} ({len(frame)} hours, {frame['model_name'].iloc[0]})"
        note = ""
        if frame["fallback_reason"].notna().any():
            note = f"<p>Fallback: {html.escape(str(frame['fallback_reason'].dropna().iloc[0]))}</p>"
        sections.append((title, note + charts.forecast_vs_actual_svg(frame, title)))
    return sections


def backtest_report(predictions: pd.DataFrame, metrics: pd.DataFrame, levels: tuple[str, ...]) -> str:
    """HTML: per group, the chosen model's last two weeks of backtest forecasts against actuals,
    its error by local hour over the whole window, and every candidate's metrics."""
    sections = []
    columns = ["model_name", "is_chosen", "mape_pct", "wape_pct", "mae_kwh", "rmse_kwh", "skill_vs_seasonal_naive", "pinball_kwh", "coverage_p10_p90_pct", "fit_seconds"]
    for (level, series_id), chosen in predictions[predictions["series_level"].isin(levels)].groupby(["series_level", "series_id"], sort=True):
        recent = chosen[chosen["delivery_date"] >= chosen["delivery_date"].max() - dt.timedelta(days=13)]
        model = chosen["model"].iloc[0]
        table = metrics[(metrics["series_level"] == level) & (metrics["series_id"] == series_id)][columns]
        body = (
            charts.forecast_vs_actual_svg(recent, f"{series_id}: {model}, last 14 backtest days")
            + charts.error_by_hour_svg(chosen, f"{series_id}: error by local hour over the backtest")
            + table.to_html(index=False, float_format=lambda value: f"{value:.3f}", na_rep="–")
        )
        sections.append((f"{level.replace('_', ' ')} {series_id}", body))
    overview = metrics[metrics["is_chosen"]].groupby(["series_level", "model_name"]).agg(series=("series_id", "nunique"), median_wape_pct=("wape_pct", "median")).reset_index()
    sections.insert(0, ("Chosen models", overview.to_html(index=False, float_format=lambda value: f"{value:.2f}")))
    return charts.html_report("Day-ahead backtest: forecast vs actual", sections)
