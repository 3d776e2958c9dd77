"""Seasonal naive across daylight-saving changes in Europe/Bucharest: the forecast of each
interval is the value of the same local wall-clock hour seven days earlier, falling back to
two (three, four) weeks earlier when that value is missing.

Expected values are looked up in the input frame by local wall-clock time with pandas' own
time-zone conversion, independently of the library's day × slot matrix. Every input value is
distinct (a daily shape plus 0.01 per hour since the start), so the wrong hour or the wrong
week would show.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from forecasting.day_ahead import forecast_day
from forecasting.models.base import ForecastOrigin
from forecasting.models.seasonal_naive import SeasonalNaive
from forecasting.series import SeriesSpec, build_series_frame

TZ = "Europe/Bucharest"
SPEC = SeriesSpec(60, TZ)


def hourly_frame(first_day: str, last_day: str) -> pd.DataFrame:
    """Every local hour from `first_day` through `last_day` (23- and 25-hour days included)."""
    start = pd.Timestamp(first_day, tz=TZ)
    end = pd.Timestamp(dt.date.fromisoformat(last_day) + dt.timedelta(days=1), tz=TZ)
    index = pd.date_range(start, end, freq="h", inclusive="left")
    values = 200 + 20 * np.sin(2 * np.pi * index.hour.to_numpy() / 24) + 0.01 * np.arange(len(index))
    return pd.DataFrame({"timestamp": index, "value": values})


def value_at(frame: pd.DataFrame, local: str, first_occurrence: bool = True) -> float:
    """The input value at a local wall-clock time (for the repeated hour: which occurrence)."""
    instant = pd.Timestamp(local).tz_localize(TZ, ambiguous=first_occurrence)
    matches = frame.loc[frame["timestamp"] == instant, "value"]
    assert len(matches) == 1, local
    return float(matches.iloc[0])


def seasonal_naive(frame: pd.DataFrame, day: dt.date) -> np.ndarray:
    series = build_series_frame(frame, SPEC, extend_to=day)
    return SeasonalNaive().fit(ForecastOrigin.at(series, day)).predict()


@pytest.fixture(scope="module")
def october() -> pd.DataFrame:
    return hourly_frame("2026-10-01", "2026-11-07")


def test_an_ordinary_day_repeats_the_same_local_hours_a_week_before(october: pd.DataFrame) -> None:
    forecast = seasonal_naive(october, dt.date(2026, 10, 22))
    expected = [value_at(october, f"2026-10-15 {hour:02d}:00") for hour in range(24)]
    np.testing.assert_allclose(forecast, expected, rtol=0, atol=1e-9)


def test_the_25_hour_day_gives_both_3_oclock_intervals_the_3_oclock_value_a_week_before(october: pd.DataFrame) -> None:
    forecast = seasonal_naive(october, dt.date(2026, 10, 25))
    assert len(forecast) == 25
    # Local hours of the 25 intervals: 0, 1, 2, 3 (summer), 3 (winter), 4 .. 23.
    hours = [0, 1, 2, 3, 3, *range(4, 24)]
    expected = [value_at(october, f"2026-10-18 {hour:02d}:00") for hour in hours]
    np.testing.assert_allclose(forecast, expected, rtol=0, atol=1e-9)
    assert forecast[3] == forecast[4]


def test_the_day_after_the_change_follows_local_time_not_utc(october: pd.DataFrame) -> None:
    # 2026-10-26 is on UTC+2, 2026-10-19 on UTC+3: the same local hour is 169 hours earlier.
    forecast = seasonal_naive(october, dt.date(2026, 10, 26))
    expected = np.array([value_at(october, f"2026-10-19 {hour:02d}:00") for hour in range(24)])
    np.testing.assert_allclose(forecast, expected, rtol=0, atol=1e-9)
    # 168 hours earlier in UTC would be the next local hour on 2026-10-19: a different value.
    next_hour = np.array([value_at(october, f"2026-10-19 {hour + 1:02d}:00") for hour in range(23)])
    assert not np.allclose(forecast[:23], next_hour)


def test_a_week_after_the_25_hour_day_the_3_oclock_forecast_is_the_mean_of_both_intervals(october: pd.DataFrame) -> None:
    forecast = seasonal_naive(october, dt.date(2026, 11, 1))
    summer = value_at(october, "2026-10-25 03:00", first_occurrence=True)
    winter = value_at(october, "2026-10-25 03:00", first_occurrence=False)
    assert summer != winter
    assert forecast[3] == pytest.approx((summer + winter) / 2, abs=1e-9)
    assert forecast[4] == pytest.approx(value_at(october, "2026-10-25 04:00"), abs=1e-9)


def test_a_missing_week_earlier_value_falls_back_to_two_weeks_earlier(october: pd.DataFrame) -> None:
    gap = pd.Timestamp("2026-10-19 14:00", tz=TZ)
    frame = october[october["timestamp"] != gap]
    forecast = seasonal_naive(frame, dt.date(2026, 10, 26))
    assert forecast[14] == pytest.approx(value_at(october, "2026-10-12 14:00"), abs=1e-9)
    # Every other hour still comes from one week earlier.
    others = [hour for hour in range(24) if hour != 14]
    np.testing.assert_allclose(forecast[others], [value_at(october, f"2026-10-19 {hour:02d}:00") for hour in others], atol=1e-9)


def test_two_missing_weeks_fall_back_to_three_weeks_earlier(october: pd.DataFrame) -> None:
    gaps = [pd.Timestamp("2026-10-19 14:00", tz=TZ), pd.Timestamp("2026-10-12 14:00", tz=TZ)]
    frame = october[~october["timestamp"].isin(gaps)]
    forecast = seasonal_naive(frame, dt.date(2026, 10, 26))
    assert forecast[14] == pytest.approx(value_at(october, "2026-10-05 14:00"), abs=1e-9)


def test_a_week_after_the_23_hour_day_the_missing_hour_comes_from_two_weeks_earlier() -> None:
    march = hourly_frame("2026-03-01", "2026-04-06")
    forecast = seasonal_naive(march, dt.date(2026, 4, 5))
    # 2026-03-29 has no 03:00, so 03:00 on 2026-04-05 repeats 03:00 on 2026-03-22.
    assert forecast[3] == pytest.approx(value_at(march, "2026-03-22 03:00"), abs=1e-9)
    assert forecast[2] == pytest.approx(value_at(march, "2026-03-29 02:00"), abs=1e-9)
    assert forecast[4] == pytest.approx(value_at(march, "2026-03-29 04:00"), abs=1e-9)


def test_the_23_hour_day_has_23_forecasts_of_its_own_hours() -> None:
    march = hourly_frame("2026-03-01", "2026-04-06")
    forecast = seasonal_naive(march, dt.date(2026, 3, 29))
    hours = [0, 1, 2, *range(4, 24)]
    np.testing.assert_allclose(forecast, [value_at(march, f"2026-03-22 {hour:02d}:00") for hour in hours], atol=1e-9)


def test_forecast_day_reports_seasonal_naive_on_the_delivery_grid(october: pd.DataFrame) -> None:
    day = dt.date(2026, 10, 25)
    series = build_series_frame(october, SPEC)
    forecast = forecast_day(series, day, "seasonal_naive")
    assert forecast.model_name == "seasonal_naive"
    assert forecast.fallback_reason is None
    assert list(forecast.timestamps) == list(SPEC.delivery_index(day))
    assert (forecast.p10 <= forecast.p50).all() and (forecast.p50 <= forecast.p90).all()
