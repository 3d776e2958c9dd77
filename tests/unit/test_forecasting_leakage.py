"""No look-ahead: a forecast for delivery day D uses only load known at the cutoff (12:00 local
on D-1), and the lag rule that decides which day's load is "the latest known".

- A property test (hypothesis) changes load values at or after the cutoff in any way (new
  values, scaling, gaps, negative values) and checks that no model's P10/P50/P90 for D moves
  (seasonal_naive, calendar_arx, ridge_arx; vanilla_linear is too slow to refit per example);
  changing values before the cutoff does move them.
- Cleaning must not look ahead either: whether a value before the cutoff is thrown away as an
  outlier may not depend on what comes after the cutoff (a backtest would otherwise see a
  different history than the live forecast did). That is tested on its own, with values near
  the outlier threshold; the property test's series has none, so it isolates the models.
- `ForecastOrigin.lag_offsets` is 1 for a slot of D-1 that ends by the cutoff hour and 2 after,
  and agrees with what `ForecastOrigin.known` says is known.

Temperature is not subject to the cutoff: the temperature of D is the weather forecast.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forecasting import models
from forecasting.day_ahead import run_model
from forecasting.models.base import ForecastOrigin
from forecasting.models.seasonal_naive import SeasonalNaive
from forecasting.models.vanilla_linear import VanillaLinear
from forecasting.series import SeriesSpec, build_series_frame

TZ = "Europe/Bucharest"
SPEC = SeriesSpec(60, TZ, "RO")
DELIVERY = dt.date(2026, 3, 5)  # a Thursday; history from Monday 2026-01-05: 59 days
# vanilla_linear is left out: one fit takes seconds (statsmodels OLS on ~300 columns), too slow
# to refit for every example of a property test.
MODELS = ("seasonal_naive", "calendar_arx", "ridge_arx")


def local_range(first: dt.date, last: dt.date, freq: str = "h") -> pd.DatetimeIndex:
    start = pd.Timestamp(first, tz=TZ)
    end = pd.Timestamp(last + dt.timedelta(days=1), tz=TZ)
    return pd.date_range(start, end, freq=freq, inclusive="left")


def synthetic_frame(last: dt.date, seed: int = 7) -> pd.DataFrame:
    """Hourly load with a daily shape, weekday effects and temperature dependence, and noise."""
    index = local_range(dt.date(2026, 1, 5), last)
    rng = np.random.default_rng(seed)
    hour = index.hour.to_numpy()
    day = (index.tz_localize(None).normalize() - pd.Timestamp("2026-01-05")).days.to_numpy()
    temperature = 3 + 5 * np.sin(2 * np.pi * (hour - 9) / 24) + rng.normal(0, 3, day.max() + 1)[day] + rng.normal(0, 0.5, len(index))
    weekday_effect = np.array([0, 1, 2, 3, 2, -10, -15.0])[index.day_of_week]
    load = 60 + 20 * np.sin(2 * np.pi * (hour - 6) / 24) - 1.5 * temperature + weekday_effect + rng.normal(0, 1, len(index))
    return pd.DataFrame({"timestamp": index, "value": load, "temperature": temperature})


def forecasts(frame: pd.DataFrame, names=MODELS) -> dict[str, np.ndarray]:
    """P10, P50 and P90 of each model for DELIVERY, stacked: 3 × intervals."""
    series = build_series_frame(frame, SPEC)
    origin = ForecastOrigin.at(series, DELIVERY)
    result = {}
    for name in names:
        forecast = run_model(models.build(name), origin)
        result[name] = np.vstack([forecast.p10, forecast.p50, forecast.p90])
    return result


BASE = synthetic_frame(DELIVERY + dt.timedelta(days=6))  # a backtest sees days after D too
CUTOFF = SPEC.cutoff_utc(DELIVERY)
FIRST_AFTER_CUTOFF = int((BASE["timestamp"] < CUTOFF).sum())  # rows are in time order


@pytest.fixture(scope="module")
def base_forecasts() -> dict[str, np.ndarray]:
    return forecasts(BASE)


def test_the_cutoff_row_is_noon_local_on_d_minus_1() -> None:
    # 2026-03-04 12:00 EET = 10:00 UTC; the row before it is 11:00-12:00 local, the last one known.
    assert CUTOFF == pd.Timestamp("2026-03-04 10:00", tz="UTC")
    assert BASE["timestamp"].iloc[FIRST_AFTER_CUTOFF] == pd.Timestamp("2026-03-04 12:00", tz=TZ)
    assert BASE["timestamp"].iloc[FIRST_AFTER_CUTOFF - 1] == pd.Timestamp("2026-03-04 11:00", tz=TZ)


def test_every_model_forecasts_the_base_case(base_forecasts) -> None:
    for name in MODELS:
        assert base_forecasts[name].shape == (3, 24)
        assert not np.isnan(base_forecasts[name]).any(), name


@settings(max_examples=40, deadline=None)
@given(
    first=st.integers(FIRST_AFTER_CUTOFF, len(BASE) - 1),
    length=st.integers(1, 24 * 8),
    change=st.sampled_from(["set", "scale", "gap", "negative"]),
    amount=st.floats(min_value=0.0, max_value=1e4, allow_nan=False),
)
def test_values_at_or_after_the_cutoff_do_not_change_any_forecast(base_forecasts, first, length, change, amount) -> None:
    frame = BASE.copy()
    rows = frame.index[first : first + length]
    if change == "set":
        frame.loc[rows, "value"] = amount
    elif change == "scale":
        frame.loc[rows, "value"] *= amount
    elif change == "gap":  # the load is missing; the temperature (weather) is still there
        frame.loc[rows, "value"] = np.nan
    else:
        frame.loc[rows, "value"] = -1 - amount
    changed = forecasts(frame)
    for name in MODELS:
        np.testing.assert_allclose(changed[name], base_forecasts[name], rtol=1e-12, atol=1e-9, err_msg=name)


def test_vanilla_linear_ignores_values_after_the_cutoff() -> None:
    """vanilla_linear reads the long form (`series.value`, rows starting before the cutoff), not
    the known-cell matrix, so it gets its own check: one change, on a 21-day window for speed."""

    def vanilla(frame: pd.DataFrame) -> np.ndarray:
        origin = ForecastOrigin.at(build_series_frame(frame, SPEC), DELIVERY)
        forecast = run_model(VanillaLinear(window_days=21), origin)
        return np.vstack([forecast.p10, forecast.p50, forecast.p90])

    changed = BASE.copy()
    changed.loc[changed.index[FIRST_AFTER_CUTOFF:], "value"] = 5000.0
    np.testing.assert_allclose(vanilla(changed), vanilla(BASE), rtol=1e-9, atol=1e-6)


def test_a_value_a_week_before_changes_every_model(base_forecasts) -> None:
    frame = BASE.copy()
    row = frame.index[frame["timestamp"] == pd.Timestamp("2026-02-26 10:00", tz=TZ)]  # D-7, 10:00
    frame.loc[row, "value"] += 30.0
    changed = forecasts(frame)
    for name in MODELS:
        assert not np.allclose(changed[name], base_forecasts[name]), name
    # Seasonal naive repeats D-7: its P50 at 10:00 moves by exactly the change, nothing else does.
    moved = changed["seasonal_naive"][1] - base_forecasts["seasonal_naive"][1]
    assert moved[10] == pytest.approx(30.0)
    assert np.allclose(np.delete(moved, 10), 0.0)


def test_the_last_interval_before_the_cutoff_is_used_by_the_lagged_models(base_forecasts) -> None:
    # 11:00-12:00 local on D-1 ends exactly at the cutoff: known, and the latest lag of slot 11.
    frame = BASE.copy()
    frame.loc[frame.index[FIRST_AFTER_CUTOFF - 1], "value"] += 25.0
    changed = forecasts(frame, ("calendar_arx", "ridge_arx"))
    for name in ("calendar_arx", "ridge_arx"):
        assert not np.isclose(changed[name][1][11], base_forecasts[name][1][11]), name


# --- cleaning must not look past the cutoff ---------------------------------------------------


def spiky_frame() -> tuple[pd.DataFrame, np.ndarray]:
    """A daily shape with noise through D+14, and on D-7 one raised value per hour (100, 112,
    … 376): around the outlier threshold, so cleaning has decisions to make about them."""
    index = local_range(dt.date(2026, 1, 5), DELIVERY + dt.timedelta(days=14))
    rng = np.random.default_rng(3)
    load = 50 + 20 * np.sin(2 * np.pi * index.hour.to_numpy() / 24) + rng.normal(0, 1, len(index))
    spikes = np.flatnonzero(index.tz_localize(None).normalize() == pd.Timestamp(DELIVERY - dt.timedelta(days=7)))
    load[spikes] = 100 + 12 * np.arange(24)
    return pd.DataFrame({"timestamp": index, "value": load}), spikes


@pytest.mark.parametrize("factor", [0.0, 2.0], ids=["meter reads zero after the cutoff", "load doubles after the cutoff"])
def test_outlier_cleaning_before_the_cutoff_ignores_values_after_it(factor: float) -> None:
    spec = SeriesSpec(60, TZ)
    frame, spikes = spiky_frame()
    after = frame["timestamp"] >= spec.cutoff_utc(DELIVERY)
    changed = frame.copy()
    changed.loc[after, "value"] *= factor
    before = ~after.to_numpy()

    original_series = build_series_frame(frame, spec)
    changed_series = build_series_frame(changed, spec)
    # The history as cleaned for a forecast of D is the same, whatever happened after the cutoff …
    np.testing.assert_array_equal(np.isnan(changed_series.value[before]), np.isnan(original_series.value[before]))
    # … and so is the seasonal-naive forecast, which repeats D-7.
    original = SeasonalNaive().fit(ForecastOrigin.at(original_series, DELIVERY)).predict()
    moved = SeasonalNaive().fit(ForecastOrigin.at(changed_series, DELIVERY)).predict()
    np.testing.assert_array_equal(moved, original)


# --- the lag rule -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "freq, cutoff_hour, latest_is_yesterday",
    [
        # Slots ending by 12:00: 12 hours, 24 half hours, 48 quarter hours.
        (60, 12, 12),
        (30, 12, 24),
        (15, 12, 48),
        # Cutoff at 09:00: 9 hours, 18 half hours, 36 quarter hours.
        (60, 9, 9),
        (30, 9, 18),
        (15, 9, 36),
    ],
)
def test_lag_offsets_are_1_for_slots_ending_by_the_cutoff_and_2_after(freq: int, cutoff_hour: int, latest_is_yesterday: int) -> None:
    spec = SeriesSpec(freq, TZ, None, cutoff_hour)
    index = local_range(dt.date(2026, 1, 5), dt.date(2026, 1, 8), f"{freq}min")
    series = build_series_frame(pd.DataFrame({"timestamp": index, "value": 10.0}), spec)
    delivery = dt.date(2026, 1, 8)
    origin = ForecastOrigin.at(series, delivery)
    slots = 24 * 60 // freq
    expected = [1] * latest_is_yesterday + [2] * (slots - latest_is_yesterday)
    assert origin.lag_offsets.tolist() == expected
    # The rule agrees with what is known at the cutoff: D-1 up to the cutoff, all of D-2, none of D.
    day = origin.day
    assert origin.known[day - 1].tolist() == [offset == 1 for offset in expected]
    assert origin.known[day - 2].all()
    assert not origin.known[day].any()


def test_lag_offsets_on_the_day_after_the_autumn_change() -> None:
    # D-1 = 2026-10-25 has 25 hours; the cutoff is still 12:00 local (10:00 UTC), so the slots
    # of D-1 known at the cutoff are again 00:00 … 11:00 local.
    spec = SeriesSpec(60, TZ)
    index = local_range(dt.date(2026, 10, 20), dt.date(2026, 10, 26))
    series = build_series_frame(pd.DataFrame({"timestamp": index, "value": 10.0}), spec)
    origin = ForecastOrigin.at(series, dt.date(2026, 10, 26))
    assert origin.lag_offsets.tolist() == [1] * 12 + [2] * 12
    assert origin.known[origin.day - 1].tolist() == [True] * 12 + [False] * 12
