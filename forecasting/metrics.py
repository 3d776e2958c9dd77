"""Forecast accuracy metrics for the backtest.

- MAPE: mean of |actual − P50| / |actual| in %, over periods whose actual is not zero (the
  number of zero periods left out is reported);
- WAPE: Σ|actual − P50| / Σ|actual| in %, the volume-weighted error a trader pays for;
- MAE and RMSE in the series' unit;
- skill: 1 − MAE / MAE of seasonal naive on the same periods (0 = no better, 1 = perfect);
- pinball: mean pinball (quantile) loss over P10, P50 and P90;
- coverage: share of actuals between P10 and P90 (80 % for a calibrated band).
"""

from __future__ import annotations

import numpy as np


def pinball_loss(actual: np.ndarray, forecast: np.ndarray, level: float) -> float:
    difference = actual - forecast
    return float(np.mean(np.maximum(level * difference, (level - 1) * difference)))


def accuracy(
    actual: np.ndarray,
    p10: np.ndarray,
    p50: np.ndarray,
    p90: np.ndarray,
    baseline_p50: np.ndarray | None = None,
) -> dict[str, float | int | None]:
    """Metrics over the periods where the actual and the forecast are both known."""
    known = ~np.isnan(actual) & ~np.isnan(p50)
    if baseline_p50 is not None:
        known &= ~np.isnan(baseline_p50)
    actual, p10, p50, p90 = actual[known], p10[known], p50[known], p90[known]
    if len(actual) == 0:
        return {"periods": 0}
    error = actual - p50
    nonzero = actual != 0
    mae = float(np.mean(np.abs(error)))
    result: dict[str, float | int | None] = {
        "periods": int(len(actual)),
        "mape_pct": float(np.mean(np.abs(error[nonzero] / actual[nonzero])) * 100) if nonzero.any() else None,
        "periods_left_out_of_mape": int((~nonzero).sum()),
        "wape_pct": float(np.sum(np.abs(error)) / np.sum(np.abs(actual)) * 100) if np.any(actual) else None,
        "mae": mae,
        "rmse": float(np.sqrt(np.mean(error**2))),
        "bias": float(np.mean(-error)),
        "pinball": float(np.mean([pinball_loss(actual, forecast, level) for forecast, level in ((p10, 0.1), (p50, 0.5), (p90, 0.9))])),
        "coverage_p10_p90_pct": float(np.mean((actual >= p10) & (actual <= p90)) * 100),
    }
    if baseline_p50 is not None:
        baseline_mae = float(np.mean(np.abs(actual - baseline_p50[known])))
        result["skill_vs_seasonal_naive"] = 1 - mae / baseline_mae if baseline_mae > 0 else None
    return result
