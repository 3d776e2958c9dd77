"""The regression models recover a known relation from noise-free synthetic data.

Load is synthesised as   load = base(weekday, hour) + b · temperature
with temperature moving from day to day (so yesterday's load is not today's), and the forecast
of a delivery day is compared with the same formula evaluated independently for that day.
Both ridge_arx (lags, day type and temperature) and Tao Hong's vanilla model (day type × hour
dummies and temperature) contain this relation, so both should reproduce it closely. The
vanilla test also guards the day type × hour dummies on Sundays (day type 6 × 24 hours does not
fit in an int8: with int8 day types every dummy of day type 6 came out empty).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from forecasting.day_ahead import forecast_day
from forecasting.models.base import ForecastOrigin
from forecasting.models.vanilla_linear import VanillaLinear
from forecasting.series import SeriesSpec, build_series_frame

TZ = "Europe/Bucharest"
SPEC = SeriesSpec(60, TZ)  # no country: the day type is the weekday
FIRST = dt.date(2026, 1, 5)  # a Monday
INTERCEPT = 90.0
SLOPE = -2.5  # per °C: heating load
WEEKDAY_EFFECT = np.array([0.0, 2.0, 4.0, 6.0, 8.0, -25.0, -35.0])  # Monday … Sunday


def local_hours(first: dt.date, last: dt.date) -> pd.DatetimeIndex:
    return pd.date_range(pd.Timestamp(first, tz=TZ), pd.Timestamp(last + dt.timedelta(days=1), tz=TZ), freq="h", inclusive="left")


def temperature_of(index: pd.DatetimeIndex, seed: int) -> np.ndarray:
    """A daily cycle plus a random level per day and a little hourly noise."""
    rng = np.random.default_rng(seed)
    day = (index.tz_localize(None).normalize() - pd.Timestamp(FIRST)).days.to_numpy()
    hour = index.hour.to_numpy()
    return 4 + 4 * np.sin(2 * np.pi * (hour - 9) / 24) + rng.normal(0, 4, day.max() + 1)[day] + rng.normal(0, 1, len(index))


def truth(index: pd.DatetimeIndex, temperature: np.ndarray) -> np.ndarray:
    """base(weekday, hour) + SLOPE · temperature, from Python's own calendar."""
    hour = index.hour.to_numpy()
    weekday = np.array([stamp.weekday() for stamp in index])
    shape = 15 * np.sin(2 * np.pi * (hour - 6) / 24)
    return INTERCEPT + shape + WEEKDAY_EFFECT[weekday] + SLOPE * temperature


def synthetic(last: dt.date, seed: int = 11) -> tuple[pd.DataFrame, np.ndarray]:
    index = local_hours(FIRST, last)
    temperature = temperature_of(index, seed)
    load = truth(index, temperature)
    return pd.DataFrame({"timestamp": index, "value": load, "temperature": temperature}), load


@pytest.mark.parametrize(
    "delivery",
    [dt.date(2026, 4, 29), dt.date(2026, 5, 2), dt.date(2026, 5, 3)],  # Wednesday, Saturday, Sunday
    ids=["wednesday", "saturday", "sunday"],
)
def test_ridge_arx_recovers_a_linear_temperature_and_weekday_relation(delivery: dt.date) -> None:
    frame, load = synthetic(dt.date(2026, 5, 3))
    series = build_series_frame(frame, SPEC)
    forecast = forecast_day(series, delivery, "ridge_arx")
    assert forecast.model_name == "ridge_arx"
    assert forecast.fallback_reason is None
    rows = series.rows_of_day(delivery)
    expected = truth(pd.DatetimeIndex(frame["timestamp"].iloc[rows]), frame["temperature"].to_numpy()[rows])
    # Loads run from about 15 to 140. The ridge penalty and the down-weighting of older days
    # cost a little accuracy, so allow 1.0 per hour and 0.5 on average.
    error = np.abs(forecast.p50 - expected)
    assert error.max() < 1.0, error
    assert error.mean() < 0.5, error
    np.testing.assert_allclose(expected, load[rows])


def test_ridge_arx_beats_the_calendar_only_model_when_load_follows_temperature() -> None:
    frame, load = synthetic(dt.date(2026, 5, 3))
    series = build_series_frame(frame, SPEC)
    delivery = dt.date(2026, 4, 29)
    rows = series.rows_of_day(delivery)
    ridge = forecast_day(series, delivery, "ridge_arx").p50
    calendar = forecast_day(series, delivery, "calendar_arx").p50
    assert np.abs(ridge - load[rows]).mean() < np.abs(calendar - load[rows]).mean()


@pytest.mark.parametrize("delivery", [dt.date(2026, 2, 26), dt.date(2026, 3, 1)], ids=["thursday", "sunday"])
def test_vanilla_linear_recovers_a_day_type_by_hour_and_temperature_relation(delivery: dt.date) -> None:
    """The vanilla model has one dummy per (day type, hour) and a temperature term, so the
    relation is inside it. Fitted on a 21-day window (fast) straight through `fit`."""
    frame, load = synthetic(delivery)
    series = build_series_frame(frame, SPEC)
    origin = ForecastOrigin.at(series, delivery)
    point = VanillaLinear(window_days=21).fit(origin).predict()
    rows = series.rows_of_day(delivery)
    np.testing.assert_allclose(point, load[rows], rtol=0, atol=0.5)
