"""The one interface every model implements, and the forecast origin it is given.

A model sees a `ForecastOrigin`: the series, the delivery day D and the cutoff (12:00 local on
D-1 by default). It may read values only in cells known before the cutoff (`origin.known`) and
temperature for any time (the temperature of D is the weather forecast). `fit` returns a
`FittedModel` whose `predict` gives the point forecast (P50) for every interval of D, and whose
`residuals` are actual − fitted over the last `CALIBRATION_DAYS` known days, from which
`forecasting.quantiles` derives P10 and P90 the same way for every model.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd

from forecasting.series import SeriesFrame

CALIBRATION_DAYS = 28


class ModelNotApplicable(Exception):
    """The model cannot forecast this origin (missing weather, too little history); says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class ForecastOrigin:
    """Delivery day D of one series, and what is known at the cutoff."""

    series: SeriesFrame
    delivery_date: dt.date
    cutoff: pd.Timestamp
    known: np.ndarray  # day × slot: value known at the cutoff
    day: int  # position of D in the series' day axis
    target_rows: np.ndarray  # long-form rows of D (23, 24 or 25 hours of intervals)

    @classmethod
    def at(cls, series: SeriesFrame, delivery_date: dt.date) -> "ForecastOrigin":
        cutoff = series.spec.cutoff_utc(delivery_date)
        rows = series.rows_of_day(delivery_date)
        if len(rows) == 0:
            raise ValueError(f"the series does not extend to the delivery day {delivery_date}")
        known = series.known_before(cutoff) & ~np.isnan(series.values_by_day)
        return cls(series, delivery_date, cutoff, known, series.day_position(delivery_date), rows)

    @property
    def known_values(self) -> np.ndarray:
        """Day × slot values with everything not known at the cutoff set to NaN."""
        return np.where(self.known, self.series.values_by_day, np.nan)

    @property
    def target_slots(self) -> np.ndarray:
        return self.series.slot[self.target_rows]

    @property
    def lag_offsets(self) -> np.ndarray:
        """Per slot, how many days back its latest known value is: 1 if the slot of D-1 ended by
        the cutoff hour, else 2. The same rule applied to every training day keeps features honest."""
        spec = self.series.spec
        slot_end_minutes = (np.arange(spec.slots_per_day) + 1) * spec.freq_minutes
        return np.where(slot_end_minutes <= spec.cutoff_hour * 60, 1, 2)

    def history_days(self) -> int:
        return int(self.known[: self.day].any(axis=1).sum())

    def target_temperature_known(self) -> bool:
        """A temperature for every period of D, counting gaps the features interpolate."""
        filled = self.series.temperature_filled
        return filled is not None and not np.isnan(filled[self.target_rows]).any()

    def calibration_days(self) -> np.ndarray:
        """The last `CALIBRATION_DAYS` days before D with any known value."""
        days_with_data = np.flatnonzero(self.known[: self.day].any(axis=1))
        return days_with_data[-CALIBRATION_DAYS:]


class FittedModel(ABC):
    @abstractmethod
    def predict(self) -> np.ndarray:
        """Point forecast for each row of `origin.target_rows`."""

    @abstractmethod
    def residuals(self) -> tuple[np.ndarray, np.ndarray]:
        """Actual − fitted over the calibration days, and the local hour of each residual."""

    def predict_for(self, origin: "ForecastOrigin") -> np.ndarray:
        """Point forecast for a later origin without refitting. Only models without lagged
        load can (their features for a later day do not depend on the newer cutoff)."""
        raise NotImplementedError(f"{type(self).__name__} refits for every origin")

    @property
    def reusable(self) -> bool:
        return type(self).predict_for is not FittedModel.predict_for


class RowwiseFit(FittedModel):
    """A fit that predicts any rows of the series from their own features (no lagged load):
    it can serve later origins without refitting, and its residuals over the calibration rows
    are computed once however many days reuse it."""

    def __init__(self, origin: ForecastOrigin, calibration_rows: np.ndarray) -> None:
        self.origin = origin
        self.calibration_rows = calibration_rows
        self._residuals: tuple[np.ndarray, np.ndarray] | None = None

    @abstractmethod
    def predict_rows(self, rows: np.ndarray) -> np.ndarray:
        """Point forecasts for the given long-form rows of the series."""

    def predict(self) -> np.ndarray:
        return self.predict_rows(self.origin.target_rows)

    def predict_for(self, origin: ForecastOrigin) -> np.ndarray:
        return self.predict_rows(origin.target_rows)

    def residuals(self) -> tuple[np.ndarray, np.ndarray]:
        if self._residuals is None:
            rows = self.calibration_rows
            series = self.origin.series
            self._residuals = (series.value[rows] - self.predict_rows(rows), series.slot[rows] * series.spec.freq_minutes // 60)
        return self._residuals


class Forecaster(ABC):
    """A forecasting method. Subclasses set `name`, what they need, and implement `fit`."""

    name: ClassVar[str]
    requires_temperature: ClassVar[bool] = False
    min_history_days: ClassVar[int] = 7

    def check(self, origin: ForecastOrigin) -> None:
        """Raise ModelNotApplicable when this origin lacks what the model needs."""
        if self.requires_temperature and not origin.series.has_temperature:
            raise ModelNotApplicable("no temperature in the series")
        if self.requires_temperature and not origin.target_temperature_known():
            raise ModelNotApplicable("no temperature forecast for the delivery day")
        history = origin.history_days()
        if history < self.min_history_days:
            raise ModelNotApplicable(f"{history} days of history, {self.name} needs {self.min_history_days}")

    @abstractmethod
    def fit(self, origin: ForecastOrigin) -> FittedModel:
        """Fit on what is known at the origin's cutoff."""


def residuals_by_day_slot(origin: ForecastOrigin, fitted_by_day: np.ndarray, days: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Residuals of a day × slot fit on `days`, with the local hour of each slot."""
    actual = origin.known_values[days]
    residual = actual - fitted_by_day
    hours = np.broadcast_to(np.arange(actual.shape[1]) * origin.series.spec.freq_minutes // 60, actual.shape)
    keep = ~np.isnan(residual)
    return residual[keep], hours[keep]
