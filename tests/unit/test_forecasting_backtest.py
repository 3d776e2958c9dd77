"""backtest.backtest and choose_model: a rolling-origin day-ahead backtest on a series whose load
is driven by temperature picks ridge_arx over seasonal naive; a model that cannot run (no
temperature) is reported in `skipped` with the reason; the JSON summary has the documented
shape; seasonal naive has skill 0 against itself; the choice goes to the complete model with
the lowest MAE, ties to the simpler one.
"""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest

from forecasting.backtest import backtest, choose_model, last_days
from forecasting.series import SeriesSpec, build_series_frame

TZ = "Europe/Bucharest"
SPEC = SeriesSpec(60, TZ, "RO")
FIRST = dt.date(2026, 4, 6)  # a Monday; the RO holidays of Easter (04-10 … 04-13), 1 May and 1 June fall inside
LAST = dt.date(2026, 6, 14)  # 70 days
TEST_DAYS = [LAST - dt.timedelta(days=offset) for offset in range(6, -1, -1)]  # 2026-06-08 … 06-14


def temperature_driven(temperature: bool = True) -> pd.DataFrame:
    """Load = 150 − 4·T + a daily shape, T jumping ±5 °C from one day to the next: yesterday's
    or last week's load says little, the weather forecast says a lot."""
    index = pd.date_range(pd.Timestamp(FIRST, tz=TZ), pd.Timestamp(LAST + dt.timedelta(days=1), tz=TZ), freq="h", inclusive="left")
    rng = np.random.default_rng(21)
    hour = index.hour.to_numpy()
    day = (index.tz_localize(None).normalize() - pd.Timestamp(FIRST)).days.to_numpy()
    temp = 12 + 5 * np.sin(2 * np.pi * (hour - 9) / 24) + rng.normal(0, 5, day.max() + 1)[day] + rng.normal(0, 0.5, len(index))
    load = 150 - 4 * temp + 10 * np.sin(2 * np.pi * (hour - 6) / 24) + rng.normal(0, 0.5, len(index))
    frame = pd.DataFrame({"timestamp": index, "value": load})
    if temperature:
        frame["temperature"] = temp
    return frame


@pytest.fixture(scope="module")
def report():
    series = build_series_frame(temperature_driven(), SPEC)
    return backtest(series, ["ridge_arx"], TEST_DAYS)


def test_the_test_window_is_the_last_seven_days_with_data() -> None:
    series = build_series_frame(temperature_driven(), SPEC, extend_to=LAST + dt.timedelta(days=1))
    assert last_days(series, 7) == TEST_DAYS
    assert TEST_DAYS[0] == dt.date(2026, 6, 8) and TEST_DAYS[-1] == dt.date(2026, 6, 14)


def test_ridge_arx_is_chosen_over_seasonal_naive_when_load_follows_temperature(report) -> None:
    assert set(report.metrics) == {"seasonal_naive", "ridge_arx"}
    assert report.chosen_model == "ridge_arx"
    assert report.metrics["ridge_arx"]["mae"] < report.metrics["seasonal_naive"]["mae"]
    assert report.metrics["ridge_arx"]["skill_vs_seasonal_naive"] > 0.5
    assert report.skipped == {}


def test_seasonal_naive_has_zero_skill_against_itself(report) -> None:
    assert report.metrics["seasonal_naive"]["skill_vs_seasonal_naive"] == 0


def test_every_test_day_and_hour_is_forecast_by_every_model(report) -> None:
    # 7 days × 24 hours (no clock change in June) for each of the two models.
    for name in ("seasonal_naive", "ridge_arx"):
        values = report.metrics[name]
        assert values["periods"] == 7 * 24
        assert values["days_forecast"] == 7
        assert values["complete"] is True
    assert len(report.predictions) == 2 * 7 * 24
    assert set(report.predictions["delivery_date"]) == set(TEST_DAYS)


def test_actuals_in_the_predictions_are_the_series_values(report) -> None:
    frame = temperature_driven()
    rows = report.predictions[report.predictions["model"] == "seasonal_naive"]
    actual = frame.set_index(frame["timestamp"].dt.tz_convert("UTC"))["value"]
    np.testing.assert_allclose(rows["actual"].to_numpy(), actual.reindex(rows["period_start_utc"]).to_numpy())


def test_seasonal_naive_mae_recomputed_from_the_predictions(report) -> None:
    rows = report.predictions[report.predictions["model"] == "seasonal_naive"]
    mae = float(np.mean(np.abs(rows["actual"].to_numpy() - rows["p50"].to_numpy())))
    assert report.metrics["seasonal_naive"]["mae"] == pytest.approx(mae)


def test_summary_is_json_with_the_documented_keys(report) -> None:
    summary = report.as_dict()
    assert {"test_window", "models", "skipped", "chosen_model"} <= set(summary)
    assert summary["test_window"] == {"first_day": "2026-06-08", "last_day": "2026-06-14", "days": 7}
    assert summary["chosen_model"] == "ridge_arx"
    assert summary["skipped"] == {}
    assert set(summary["models"]) == {"seasonal_naive", "ridge_arx"}
    decoded = json.loads(json.dumps(summary))
    assert decoded["models"]["seasonal_naive"]["skill_vs_seasonal_naive"] == 0


def test_a_model_without_temperature_is_skipped_with_the_reason() -> None:
    series = build_series_frame(temperature_driven(temperature=False), SPEC)
    report = backtest(series, ["ridge_arx", "calendar_arx"], TEST_DAYS)
    assert report.skipped == {"ridge_arx": "no temperature in the series (7 days)"}
    assert "ridge_arx" not in report.metrics
    assert set(report.metrics) == {"seasonal_naive", "calendar_arx"}
    assert report.chosen_model in {"seasonal_naive", "calendar_arx"}
    assert report.as_dict()["skipped"] == {"ridge_arx": "no temperature in the series (7 days)"}


def test_backtest_needs_test_days() -> None:
    series = build_series_frame(temperature_driven(), SPEC)
    with pytest.raises(ValueError, match="no test days"):
        backtest(series, ["ridge_arx"], [])


# --- choose_model on hand-made metrics ------------------------------------------------------


def test_the_complete_model_with_the_lowest_mae_is_chosen() -> None:
    metrics = {
        "seasonal_naive": {"mae": 5.0, "complete": True},
        "calendar_arx": {"mae": 4.0, "complete": True},
        "ridge_arx": {"mae": 3.0, "complete": False},  # missed a day: not eligible
    }
    assert choose_model(metrics) == "calendar_arx"


def test_a_tie_goes_to_the_simpler_model() -> None:
    # Registration order: seasonal_naive, calendar_arx, ridge_arx, vanilla_linear, prophet.
    metrics = {
        "ridge_arx": {"mae": 4.0, "complete": True},
        "calendar_arx": {"mae": 4.0, "complete": True},
    }
    assert choose_model(metrics) == "calendar_arx"


def test_no_eligible_model_chooses_nothing() -> None:
    assert choose_model({"ridge_arx": {"mae": 1.0, "complete": False}, "seasonal_naive": {"periods": 0}}) is None
