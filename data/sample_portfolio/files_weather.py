"""Rows of a market's monthly weather file: hourly actuals and day-ahead forecasts."""

from __future__ import annotations

from data.sample_portfolio.formatting import hundredths
from data.sample_portfolio.timegrid import MonthGrid, iso_local
from data.sample_portfolio.weather import WeatherSeries


def weather_rows(weather: WeatherSeries, grid: MonthGrid) -> list[list[str]]:
    """For every local hour of the month: the actual row, then the forecast row (sorted by valid_at)."""
    hours = grid.interval_slots(60)
    index = weather.hour_index(grid.utc[hours])
    issued = iso_local(weather.issued_utc[index], grid.timezone)
    rows = []
    for k, slot in enumerate(hours):
        valid_at = grid.iso[slot]
        rows.append([weather.market_code, valid_at, "actual", "", hundredths(int(weather.actual_centi[index[k]]))])
        rows.append([weather.market_code, valid_at, "forecast", issued[k], hundredths(int(weather.forecast_centi[index[k]]))])
    return rows
