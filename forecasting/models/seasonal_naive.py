"""Seasonal naive: the same local period one week earlier. The baseline every model must beat.

Where that week's value is missing, the week before it is used (up to four weeks back).
"""

from __future__ import annotations

import numpy as np

from forecasting.models.base import FittedModel, Forecaster, ForecastOrigin, residuals_by_day_slot

SEASON_DAYS = 7
WEEKS_TO_LOOK_BACK = 4


def same_slot_weeks_before(values: np.ndarray, days: np.ndarray) -> np.ndarray:
    """Day × slot values one week before each day in `days`, falling back to earlier weeks."""
    result = np.full((len(days), values.shape[1]), np.nan)
    for weeks in range(1, WEEKS_TO_LOOK_BACK + 1):
        source = days - weeks * SEASON_DAYS
        valid = source >= 0
        candidate = np.full_like(result, np.nan)
        candidate[valid] = values[source[valid]]
        result = np.where(np.isnan(result), candidate, result)
    return result


class _FittedSeasonalNaive(FittedModel):
    def __init__(self, origin: ForecastOrigin) -> None:
        self.origin = origin

    def predict(self) -> np.ndarray:
        by_slot = same_slot_weeks_before(self.origin.known_values, np.array([self.origin.day]))[0]
        return by_slot[self.origin.target_slots]

    def residuals(self) -> tuple[np.ndarray, np.ndarray]:
        days = self.origin.calibration_days()
        fitted = same_slot_weeks_before(self.origin.known_values, days)
        return residuals_by_day_slot(self.origin, fitted, days)


class SeasonalNaive(Forecaster):
    name = "seasonal_naive"
    min_history_days = SEASON_DAYS

    def fit(self, origin: ForecastOrigin) -> FittedModel:
        return _FittedSeasonalNaive(origin)
