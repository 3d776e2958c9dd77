"""day_ahead.forecast_day: the chosen model, or the fallback chain (calendar_arx, then
seasonal_naive, then the latest known day's profile) with the reason, and never an exception
for bad data: a series with no history gets model 'none' and NaN. Whatever model answers,
there is one row per interval of the local delivery day (23, 24 or 25 hours).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from forecasting.day_ahead import LAST_RESORT, NO_FORECAST, forecast_day
from forecasting.series import SeriesSpec, build_series_frame

TZ = "Europe/Bucharest"
SPEC = SeriesSpec(60, TZ, "RO")
DELIVERY = dt.date(2026, 6, 17)  # a Wednesday, no holiday nearby


def local_hours(first: dt.date, last: dt.date) -> pd.DatetimeIndex:
    return pd.date_range(pd.Timestamp(first, tz=TZ), pd.Timestamp(last + dt.timedelta(days=1), tz=TZ), freq="h", inclusive="left")


def history(days: int, delivery: dt.date = DELIVERY, temperature: bool = True, seed: int = 5) -> pd.DataFrame:
    """`days` whole days of hourly load before `delivery` (and temperature, if asked)."""
    index = local_hours(delivery - dt.timedelta(days=days), delivery - dt.timedelta(days=1))
    rng = np.random.default_rng(seed)
    hour = index.hour.to_numpy()
    temp = 20 + 6 * np.sin(2 * np.pi * (hour - 9) / 24) + rng.normal(0, 1, len(index))
    load = 80 + 25 * np.sin(2 * np.pi * (hour - 6) / 24) + 1.5 * temp + rng.normal(0, 1, len(index))
    frame = pd.DataFrame({"timestamp": index, "value": load})
    if temperature:
        frame["temperature"] = temp
    return frame


def with_weather_forecast(frame: pd.DataFrame, delivery: dt.date = DELIVERY) -> pd.DataFrame:
    """Add the delivery day's rows: temperature (the weather forecast), no load."""
    index = local_hours(delivery, delivery)
    weather = pd.DataFrame({"timestamp": index, "value": np.nan, "temperature": 22 + 6 * np.sin(2 * np.pi * (index.hour.to_numpy() - 9) / 24)})
    return pd.concat([frame, weather], ignore_index=True)


def value_at(frame: pd.DataFrame, day: dt.date, hour: int) -> float:
    stamp = pd.Timestamp(dt.datetime.combine(day, dt.time(hour)), tz=TZ)
    return float(frame.loc[frame["timestamp"] == stamp, "value"].iloc[0])


def test_the_chosen_model_answers_when_it_can() -> None:
    series = build_series_frame(with_weather_forecast(history(40)), SPEC)
    forecast = forecast_day(series, DELIVERY, "ridge_arx")
    assert forecast.model_name == "ridge_arx"
    assert forecast.fallback_reason is None
    assert len(forecast.p50) == 24 and not np.isnan(forecast.p50).any()


def test_ridge_without_a_temperature_column_falls_back_to_calendar_arx() -> None:
    series = build_series_frame(history(40, temperature=False), SPEC, extend_to=DELIVERY)
    forecast = forecast_day(series, DELIVERY, "ridge_arx")
    assert forecast.model_name == "calendar_arx"
    assert forecast.fallback_reason == "ridge_arx: no temperature in the series"
    assert not np.isnan(forecast.p50).any()


def test_ridge_without_temperature_for_the_delivery_day_falls_back_to_calendar_arx() -> None:
    # Temperature throughout the history, none for D (no weather forecast arrived).
    series = build_series_frame(history(40), SPEC, extend_to=DELIVERY)
    assert series.has_temperature
    forecast = forecast_day(series, DELIVERY, "ridge_arx")
    assert forecast.model_name == "calendar_arx"
    assert forecast.fallback_reason == "ridge_arx: no temperature forecast for the delivery day"


def test_vanilla_linear_without_temperature_falls_back_too() -> None:
    series = build_series_frame(history(40, temperature=False), SPEC, extend_to=DELIVERY)
    forecast = forecast_day(series, DELIVERY, "vanilla_linear")
    assert forecast.model_name == "calendar_arx"
    assert forecast.fallback_reason == "vanilla_linear: no temperature in the series"


def test_ten_days_of_history_fall_back_to_seasonal_naive() -> None:
    frame = history(10)
    series = build_series_frame(with_weather_forecast(frame), SPEC)
    forecast = forecast_day(series, DELIVERY, "ridge_arx")
    assert forecast.model_name == "seasonal_naive"
    assert forecast.fallback_reason == (
        "ridge_arx: 10 days of history, ridge_arx needs 28; calendar_arx: 10 days of history, calendar_arx needs 28"
    )
    # Seasonal naive: the same hours a week earlier (2026-06-10).
    expected = [value_at(frame, DELIVERY - dt.timedelta(days=7), hour) for hour in range(24)]
    np.testing.assert_allclose(forecast.p50, expected)


def test_three_days_of_history_fall_back_to_the_latest_known_day() -> None:
    frame = history(3)
    series = build_series_frame(frame, SPEC, extend_to=DELIVERY)
    forecast = forecast_day(series, DELIVERY, "ridge_arx")
    assert forecast.model_name == LAST_RESORT == "latest_known_day"
    reason = forecast.fallback_reason
    assert reason.startswith("ridge_arx: no temperature forecast for the delivery day; calendar_arx: 3 days of history")
    assert "seasonal_naive: 3 days of history, seasonal_naive needs 7" in reason
    assert reason.endswith("latest_known_day used")
    # At the cutoff (12:00 on D-1) hours 00-11 of D-1 are known, hours 12-23 only from D-2.
    yesterday, day_before = DELIVERY - dt.timedelta(days=1), DELIVERY - dt.timedelta(days=2)
    expected = [value_at(frame, yesterday, hour) for hour in range(12)] + [value_at(frame, day_before, hour) for hour in range(12, 24)]
    np.testing.assert_allclose(forecast.p50, expected)
    np.testing.assert_array_equal(forecast.p10, forecast.p50)
    np.testing.assert_array_equal(forecast.p90, forecast.p50)


def test_a_series_with_no_history_gets_nan_and_model_none() -> None:
    frame = history(5)
    frame["value"] = np.nan
    series = build_series_frame(frame, SPEC, extend_to=DELIVERY)
    forecast = forecast_day(series, DELIVERY, "ridge_arx")
    assert forecast.model_name == NO_FORECAST == "none"
    assert forecast.fallback_reason.endswith("no history at all")
    assert len(forecast.p50) == 24
    assert np.isnan(forecast.p10).all() and np.isnan(forecast.p50).all() and np.isnan(forecast.p90).all()
    table = forecast.to_frame()
    assert len(table) == 24
    assert (table["model_name"] == "none").all()


def test_quality_findings_travel_with_the_forecast() -> None:
    frame = history(20)
    frame.loc[30, "value"] = -4.0
    series = build_series_frame(with_weather_forecast(frame), SPEC)
    forecast = forecast_day(series, DELIVERY, "seasonal_naive")
    assert "negative_values_ignored:1" in forecast.flags
    assert "negative_values_ignored:1" in forecast.to_frame()["flags"].iloc[0]


@pytest.mark.parametrize(
    "delivery, hours",
    [(dt.date(2026, 3, 29), 23), (dt.date(2026, 10, 25), 25), (dt.date(2026, 6, 17), 24)],
    ids=["23-hour day", "25-hour day", "24-hour day"],
)
@pytest.mark.parametrize(
    "days, model",
    [(40, "ridge_arx"), (10, "seasonal_naive"), (3, "latest_known_day"), (0, "none")],
)
def test_one_row_per_interval_of_the_delivery_day(delivery: dt.date, hours: int, days: int, model: str) -> None:
    if days:
        frame = with_weather_forecast(history(days, delivery), delivery)
    else:  # nothing known: three days of empty load, weather only
        frame = history(3, delivery)
        frame["value"] = np.nan
        frame = with_weather_forecast(frame, delivery)
    series = build_series_frame(frame, SPEC)
    forecast = forecast_day(series, delivery, "ridge_arx")
    assert forecast.model_name == model
    assert len(forecast.p50) == len(forecast.p10) == len(forecast.p90) == hours
    assert list(forecast.timestamps) == list(SPEC.delivery_index(delivery))
    table = forecast.to_frame()
    assert len(table) == hours
    assert (table["delivery_date"] == delivery).all()
    assert table["period_start_local"].dt.date.eq(delivery).all()
    if model != "none":
        assert not np.isnan(forecast.p50).any()
        assert (forecast.p10 <= forecast.p50).all() and (forecast.p50 <= forecast.p90).all()
