"""forecasting.metrics.accuracy on a small example worked out by hand: MAPE (zero actuals left
out and counted), WAPE, MAE, RMSE, bias, pinball loss, P10-P90 coverage and skill against the
seasonal-naive baseline; periods with an unknown actual or forecast are left out."""

from __future__ import annotations

import math

import numpy as np
import pytest

from forecasting.metrics import accuracy, pinball_loss

NAN = float("nan")

# Four known periods (one with a zero actual) and a fifth whose actual is unknown.
ACTUAL = np.array([100.0, 50.0, 0.0, 200.0, NAN])
P10 = np.array([80.0, 55.0, 0.0, 150.0, 1.0])
P50 = np.array([90.0, 60.0, 10.0, 200.0, 1.0])
P90 = np.array([110.0, 70.0, 20.0, 190.0, 1.0])
BASELINE = np.array([100.0, 40.0, 20.0, 180.0, 1.0])


@pytest.fixture(scope="module")
def result() -> dict:
    return accuracy(ACTUAL, P10, P50, P90, BASELINE)


def test_periods_leave_out_the_unknown_actual(result: dict) -> None:
    assert result["periods"] == 4


def test_mae_rmse_bias(result: dict) -> None:
    # actual − P50 = [10, −10, −10, 0]
    # MAE  = (10 + 10 + 10 + 0) / 4 = 7.5
    # RMSE = sqrt((100 + 100 + 100 + 0) / 4) = sqrt(75)
    # bias = mean(P50 − actual) = (−10 + 10 + 10 + 0) / 4 = 2.5
    assert result["mae"] == pytest.approx(7.5)
    assert result["rmse"] == pytest.approx(math.sqrt(75))
    assert result["bias"] == pytest.approx(2.5)


def test_mape_leaves_out_zero_actuals_and_counts_them(result: dict) -> None:
    # Non-zero actuals: |10|/100 = 0.1, |−10|/50 = 0.2, |0|/200 = 0 → mean 0.1 → 10 %.
    assert result["mape_pct"] == pytest.approx(10.0)
    assert result["periods_left_out_of_mape"] == 1


def test_wape(result: dict) -> None:
    # Σ|error| / Σ|actual| = 30 / 350 → 8.5714… %
    assert result["wape_pct"] == pytest.approx(30 / 350 * 100)


def test_pinball(result: dict) -> None:
    # Loss at level q for d = actual − forecast is max(q·d, (q − 1)·d).
    # P10: d = [20, −5, 0, 50]     → [2, 4.5, 0, 5]   → mean 11.5 / 4 = 2.875
    # P50: d = [10, −10, −10, 0]   → [5, 5, 5, 0]     → mean 15 / 4   = 3.75
    # P90: d = [−10, −20, −20, 10] → [1, 2, 2, 9]     → mean 14 / 4   = 3.5
    # mean over the three levels: (2.875 + 3.75 + 3.5) / 3 = 3.375
    assert result["pinball"] == pytest.approx(3.375)


def test_coverage(result: dict) -> None:
    # 100 in [80, 110] yes · 50 in [55, 70] no · 0 in [0, 20] yes (bounds inclusive) · 200 in [150, 190] no
    assert result["coverage_p10_p90_pct"] == pytest.approx(50.0)


def test_skill_against_the_baseline(result: dict) -> None:
    # Baseline |actual − baseline| = [0, 10, 20, 20] → MAE 12.5; skill = 1 − 7.5 / 12.5 = 0.4
    assert result["skill_vs_seasonal_naive"] == pytest.approx(0.4)


def test_the_baseline_scored_against_itself_has_zero_skill() -> None:
    result = accuracy(ACTUAL, BASELINE, BASELINE, BASELINE, BASELINE)
    assert result["skill_vs_seasonal_naive"] == 0


def test_skill_is_left_out_without_a_baseline() -> None:
    assert "skill_vs_seasonal_naive" not in accuracy(ACTUAL, P10, P50, P90)


def test_periods_without_a_baseline_forecast_are_left_out_everywhere() -> None:
    baseline = BASELINE.copy()
    baseline[1] = NAN  # drops the second period: errors [10, −10, 0] on actuals [100, 0, 200]
    result = accuracy(ACTUAL, P10, P50, P90, baseline)
    assert result["periods"] == 3
    assert result["mae"] == pytest.approx(20 / 3)
    # MAPE over 100 and 200 only: (0.1 + 0) / 2 = 5 %
    assert result["mape_pct"] == pytest.approx(5.0)
    # baseline errors [0, 20, 20] → MAE 40/3; skill = 1 − (20/3) / (40/3) = 0.5
    assert result["skill_vs_seasonal_naive"] == pytest.approx(0.5)


def test_all_zero_actuals_have_no_mape_or_wape() -> None:
    zeros = np.zeros(3)
    forecast = np.array([1.0, 2.0, 3.0])
    result = accuracy(zeros, forecast, forecast, forecast)
    assert result["mape_pct"] is None
    assert result["wape_pct"] is None
    assert result["periods_left_out_of_mape"] == 3
    assert result["mae"] == pytest.approx(2.0)


def test_nothing_known_gives_zero_periods() -> None:
    nan = np.full(2, NAN)
    assert accuracy(nan, nan, nan, nan) == {"periods": 0}


def test_pinball_loss_at_the_median_is_half_the_absolute_error() -> None:
    actual = np.array([3.0, -1.0, 7.0])
    forecast = np.array([1.0, 2.0, 7.0])
    # |d| = [2, 3, 0] → 0.5 · mean = 0.5 · 5/3
    assert pinball_loss(actual, forecast, 0.5) == pytest.approx(5 / 6)
