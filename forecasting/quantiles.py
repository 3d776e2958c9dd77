"""P10 and P90 from each model's own recent errors, by local hour of day.

For every model alike: P10 = P50 + the 10th percentile, P90 = P50 + the 90th percentile of its
residuals (actual − fitted) over the last 28 known days, taken per local hour when an hour has
at least `MIN_RESIDUALS_PER_HOUR`, else over all hours. Empirical, distribution-free, cheap
enough for thousands of series, and checked by the pinball loss in every backtest. Bounds
never cross the median, and nothing is below zero for a series that has never been negative.
"""

from __future__ import annotations

import numpy as np

MIN_RESIDUALS_PER_HOUR = 20
QUANTILE_LEVELS = (0.1, 0.5, 0.9)


def residual_offsets(residuals: np.ndarray, hours: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per local hour 0-23: the 10th and 90th percentile offsets (NaN when no residuals)."""
    keep = ~np.isnan(residuals)
    residuals, hours = residuals[keep], np.asarray(hours)[keep].astype(np.int64)
    if len(residuals) == 0:
        return np.full(24, np.nan), np.full(24, np.nan)
    overall = np.quantile(residuals, [0.1, 0.9])
    low, high = np.full(24, overall[0]), np.full(24, overall[1])
    # All hours at once: sort by (hour, residual), then interpolate inside each hour's run
    # exactly as np.quantile's default (linear) method does.
    order = np.lexsort((residuals, hours))
    ordered, ordered_hours = residuals[order], hours[order]
    counts = np.bincount(ordered_hours, minlength=24)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    enough = counts >= MIN_RESIDUALS_PER_HOUR
    for level, target in ((0.1, low), (0.9, high)):
        position = (counts[enough] - 1) * level
        below = np.floor(position).astype(np.int64)
        above = np.minimum(below + 1, counts[enough] - 1)
        weight = position - below
        first = starts[enough]
        target[enough] = ordered[first + below] * (1 - weight) + ordered[first + above] * weight
    return low, high


def quantile_band(
    point: np.ndarray,
    target_hours: np.ndarray,
    residuals: np.ndarray,
    residual_hours: np.ndarray,
    non_negative: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """P10, P50 and P90: the band around the point forecast, equal to it when there is nothing
    to calibrate on. For a series that has never been negative, a negative point forecast (a
    regression can produce one at night) is raised to zero first, so P10 ≤ P50 ≤ P90 holds."""
    low, high = residual_offsets(residuals, residual_hours)
    if non_negative:
        point = np.maximum(point, 0.0)
    p10 = point + np.nan_to_num(np.minimum(low[target_hours], 0.0))
    p90 = point + np.nan_to_num(np.maximum(high[target_hours], 0.0))
    if non_negative:
        p10 = np.maximum(p10, 0.0)
    return p10, point, p90
