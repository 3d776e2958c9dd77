"""Prophet with temperature and holiday regressors, configured for intraday load.

Load shape differs between working and non-working days, so the daily seasonality is two
conditional seasonalities (working days; weekends, holidays and bridge days) instead of one.
Temperature enters as regressors: the value, its square (heating and cooling both raise load),
24 h smoothed temperature (thermal inertia) and the day's maximum; Saturdays, Sundays or
holidays, and bridge days enter as day-level regressors. Time is local wall-clock time, so the daily
shape stays put across daylight-saving changes. Trend flexibility is kept low: day-ahead
forecasts suffer more from a trend that chases the last weeks than from one that is too stiff.
Yearly seasonality is left to temperature unless two years of history are there.

Prophet is slow to fit (seconds per series); it is meant for group series, not per meter.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from forecasting.calendar import SATURDAY, SUNDAY_OR_HOLIDAY, is_non_working
from forecasting.features import temperature_matrices
from forecasting.models.base import CALIBRATION_DAYS, Forecaster, ForecastOrigin, RowwiseFit


def _quiet_stan() -> None:
    """cmdstanpy logs two INFO lines per fit: its logger sets itself to DEBUG the first time it
    is fetched, so fetch it first, then raise its level (and prophet's) to WARNING."""
    from cmdstanpy.utils import get_logger

    get_logger().setLevel(logging.WARNING)
    logging.getLogger("prophet").setLevel(logging.WARNING)


DAILY_FOURIER_ORDER = 12
REGRESSORS = (
    "temperature",
    "temperature_squared",
    "temperature_smoothed",
    "temperature_day_max",
    "saturday",
    "sunday_or_holiday",
    "bridge_day",
)


class _FittedProphet(RowwiseFit):
    def __init__(self, origin: ForecastOrigin, model, frame: pd.DataFrame, calibration_rows: np.ndarray) -> None:
        super().__init__(origin, calibration_rows)
        self.model = model
        self.frame = frame

    def predict_rows(self, rows: np.ndarray) -> np.ndarray:
        return self.model.predict(self.frame.iloc[rows])["yhat"].to_numpy()


class ProphetModel(Forecaster):
    name = "prophet"
    requires_temperature = True
    min_history_days = 56

    def __init__(self, window_days: int = 365, changepoint_prior_scale: float = 0.01):
        self.window_days = window_days
        self.changepoint_prior_scale = changepoint_prior_scale

    def _frame(self, origin: ForecastOrigin) -> pd.DataFrame:
        series = origin.series
        temperature = temperature_matrices(series)
        day, slot = series.day_number, series.slot
        day_type = series.day_type[day]
        t = series.temperature
        return pd.DataFrame(
            {
                "ds": series.local_time,
                "y": series.value,
                "temperature": t,
                "temperature_squared": t**2,
                "temperature_smoothed": temperature.smoothed[-1][day, slot],
                "temperature_day_max": temperature.day_max[day, slot],
                "working_day": ~is_non_working(day_type),
                "non_working_day": is_non_working(day_type),
                "saturday": (day_type == SATURDAY).astype(float),
                "sunday_or_holiday": (day_type == SUNDAY_OR_HOLIDAY).astype(float),
                "bridge_day": series.is_bridge[day].astype(float),
            }
        )

    def fit(self, origin: ForecastOrigin) -> FittedModel:
        # Prophet's optional plotting (plotly) is not installed and not needed: say nothing about it.
        logging.getLogger("prophet.plot").setLevel(logging.CRITICAL)
        from prophet import Prophet  # slow import, only when Prophet is used

        _quiet_stan()

        series = origin.series
        frame = self._frame(origin)
        first_day = max(0, origin.day - self.window_days)
        rows = np.flatnonzero(
            (series.day_number >= first_day) & (series.index < origin.cutoff) & ~np.isnan(series.value) & ~np.isnan(series.temperature)
        )
        model = Prophet(
            growth="linear",
            changepoint_prior_scale=self.changepoint_prior_scale,
            yearly_seasonality=origin.history_days() >= 730,
            weekly_seasonality=3,
            daily_seasonality=False,
            uncertainty_samples=0,
        )
        model.add_seasonality("daily_working", period=1, fourier_order=DAILY_FOURIER_ORDER, condition_name="working_day")
        model.add_seasonality("daily_non_working", period=1, fourier_order=DAILY_FOURIER_ORDER, condition_name="non_working_day")
        for regressor in REGRESSORS:
            model.add_regressor(regressor)
        model.fit(frame.iloc[rows])
        calibration_rows = rows[series.day_number[rows] >= origin.day - CALIBRATION_DAYS]
        return _FittedProphet(origin, model, frame, calibration_rows)
