"""forecasting.quantiles: P10/P90 offsets from residual percentiles per local hour (overall when
an hour has fewer than 20 residuals), bounds that never cross P50, and P10 not below zero for a
non-negative series.

Percentiles are numpy's default (linear interpolation, "type 7"): for n sorted values x[0..n-1]
the q-quantile is x[k] + f·(x[k+1] − x[k]) with k + f = q·(n − 1). The worked numbers in the
comments follow that formula; `type7` below is the same formula written out independently.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forecasting.quantiles import MIN_RESIDUALS_PER_HOUR, quantile_band, residual_offsets


def type7(values: list[float], q: float) -> float:
    ordered = sorted(values)
    position = q * (len(ordered) - 1)
    k = math.floor(position)
    f = position - k
    return ordered[k] if f == 0 else ordered[k] + f * (ordered[k + 1] - ordered[k])


HOUR0 = [float(r) for r in range(-10, 10)]  # 20 residuals: −10 … 9
HOUR1 = [-40.0, -20.0, 0.0, 20.0, 40.0]  # 5 residuals: too few for an hour of its own


def example_residuals() -> tuple[np.ndarray, np.ndarray]:
    residuals = np.array(HOUR0 + HOUR1)
    hours = np.array([0] * len(HOUR0) + [1] * len(HOUR1))
    return residuals, hours


def test_the_threshold_for_an_hour_of_its_own_is_20() -> None:
    assert MIN_RESIDUALS_PER_HOUR == 20


def test_offsets_per_hour_by_hand() -> None:
    residuals, hours = example_residuals()
    low, high = residual_offsets(residuals, hours)
    # Hour 0 has 20 residuals −10 … 9: q·(n−1) = 0.1·19 = 1.9 → −9 + 0.9·1 = −8.1,
    #                                          0.9·19 = 17.1 → 7 + 0.1·1 = 7.1.
    assert low[0] == pytest.approx(-8.1)
    assert high[0] == pytest.approx(7.1)
    # Hour 1 (5 residuals) and every hour without residuals use all 25 residuals:
    # sorted −40, −20, −10, −9, …, −1, 0, 0, 1, …, 9, 20, 40.
    # 0.1·24 = 2.4 → x[2] = −10, x[3] = −9 → −9.6;   0.9·24 = 21.6 → x[21] = 8, x[22] = 9 → 8.6.
    for hour in (1, 2, 23):
        assert low[hour] == pytest.approx(-9.6)
        assert high[hour] == pytest.approx(8.6)
    # The same numbers from the formula written out.
    assert low[0] == pytest.approx(type7(HOUR0, 0.1))
    assert high[1] == pytest.approx(type7(HOUR0 + HOUR1, 0.9))


def test_band_around_the_point_by_hand() -> None:
    residuals, hours = example_residuals()
    point = np.array([100.0, 100.0, 100.0])
    p10, _, p90 = quantile_band(point, np.array([0, 1, 2]), residuals, hours, non_negative=True)
    np.testing.assert_allclose(p10, [100 - 8.1, 100 - 9.6, 100 - 9.6])
    np.testing.assert_allclose(p90, [100 + 7.1, 100 + 8.6, 100 + 8.6])


def test_nan_residuals_are_ignored() -> None:
    residuals, hours = example_residuals()
    with_nan = np.concatenate([residuals, [np.nan, np.nan]])
    low, high = residual_offsets(with_nan, np.concatenate([hours, [0, 1]]))
    assert low[0] == pytest.approx(-8.1) and high[1] == pytest.approx(8.6)


def test_offsets_that_would_cross_the_median_are_cut_to_zero() -> None:
    # Residuals 1 … 20 at hour 5: 10th percentile 2 + 0.9 = 2.9 (> 0), 90th 18 + 0.1 = 18.1.
    residuals = np.arange(1.0, 21.0)
    hours = np.full(20, 5)
    p10, _, p90 = quantile_band(np.array([50.0]), np.array([5]), residuals, hours, non_negative=False)
    assert p10.tolist() == [50.0]  # not 52.9: P10 never above P50
    assert p90[0] == pytest.approx(68.1)


def test_p10_is_not_below_zero_when_non_negative() -> None:
    residuals, hours = example_residuals()
    point = np.array([5.0])
    # 5 − 8.1 = −3.1 → 0 for a non-negative series, kept for a series that may be negative.
    p10, _, p90 = quantile_band(point, np.array([0]), residuals, hours, non_negative=True)
    assert p10.tolist() == [0.0]
    assert p90[0] == pytest.approx(12.1)
    p10, _, _ = quantile_band(point, np.array([0]), residuals, hours, non_negative=False)
    assert p10[0] == pytest.approx(-3.1)


def test_no_residuals_give_a_band_of_zero_width() -> None:
    point = np.array([3.0, 4.0])
    p10, _, p90 = quantile_band(point, np.array([0, 1]), np.array([]), np.array([], dtype=int), non_negative=True)
    assert p10.tolist() == [3.0, 4.0]
    assert p90.tolist() == [3.0, 4.0]


finite = st.floats(min_value=-1e4, max_value=1e4, allow_nan=False, allow_infinity=False)


residual_lists = st.lists(st.tuples(finite, st.integers(0, 23)), max_size=80)


def band(point: list[float], residuals: list[tuple[float, int]], target_hours: list[int], non_negative: bool):
    values = np.array([r for r, _ in residuals], dtype=float)
    hours = np.array([h for _, h in residuals], dtype=int)
    return quantile_band(np.array(point), np.array(target_hours), values, hours, non_negative)


@settings(max_examples=150, deadline=None)
@given(point=st.lists(finite, min_size=1, max_size=25), residuals=residual_lists, data=st.data())
def test_p10_p50_p90_are_ordered(point, residuals, data) -> None:
    """P10 ≤ P50 ≤ P90 for any point forecast and any residuals."""
    target_hours = data.draw(st.lists(st.integers(0, 23), min_size=len(point), max_size=len(point)))
    p10, p50, p90 = band(point, residuals, target_hours, non_negative=False)
    assert p50.tolist() == point  # the median is the model's point forecast, untouched
    assert (p10 <= p50).all() and (p50 <= p90).all()


@settings(max_examples=150, deadline=None)
@given(point=st.lists(finite, min_size=1, max_size=25), residuals=residual_lists, data=st.data())
def test_p10_p50_p90_are_ordered_with_p10_not_below_zero_for_a_non_negative_series(point, residuals, data) -> None:
    """The same ordering when the series is non-negative ("bounds never cross the median"),
    and nothing below zero. A model's point forecast can come out negative (a regression
    extrapolating a low load): P50 is raised to zero, and P10 is not lifted above it."""
    target_hours = data.draw(st.lists(st.integers(0, 23), min_size=len(point), max_size=len(point)))
    p10, p50, p90 = band(point, residuals, target_hours, non_negative=True)
    assert p50.tolist() == [max(value, 0.0) for value in point]
    assert (p10 >= 0).all()
    assert (p10 <= p50).all(), f"P10 {p10} above P50 {p50}"
    assert (p50 <= p90).all()
