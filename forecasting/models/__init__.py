"""The forecasting models, each behind `forecasting.models.base.Forecaster`, by name.

| name | what | needs | speed |
|---|---|---|---|
| `seasonal_naive` | same local period one week earlier (the baseline) | 7 days | instant |
| `calendar_arx` | per-period ridge on lagged load and day type | 28 days | fast |
| `ridge_arx` | the same plus temperature with thermal inertia | 28 days, temperature | fast |
| `vanilla_linear` | Tao Hong's vanilla benchmark, statsmodels OLS | 56 days, temperature | ~1 s |
| `prophet` | Prophet with temperature and day-type regressors | 56 days, temperature | seconds |
"""

from __future__ import annotations

from forecasting.models.base import Forecaster, ForecastOrigin, ModelNotApplicable
from forecasting.models.prophet_model import ProphetModel
from forecasting.models.ridge_arx import CalendarARX, RidgeARX
from forecasting.models.seasonal_naive import SeasonalNaive
from forecasting.models.vanilla_linear import VanillaLinear

MODEL_CLASSES: dict[str, type[Forecaster]] = {
    model.name: model for model in (SeasonalNaive, CalendarARX, RidgeARX, VanillaLinear, ProphetModel)
}
BASELINE = SeasonalNaive.name
# Candidates per metering point: fast enough for thousands of series. Groups also try the slow ones.
METERING_POINT_CANDIDATES = (SeasonalNaive.name, CalendarARX.name, RidgeARX.name)
GROUP_CANDIDATES = tuple(MODEL_CLASSES)
# Tried in this order when the chosen model cannot forecast an origin.
FALLBACK_CHAIN = (CalendarARX.name, SeasonalNaive.name)


def build(name: str) -> Forecaster:
    try:
        return MODEL_CLASSES[name]()
    except KeyError:
        raise ValueError(f"unknown model {name!r}; known: {', '.join(MODEL_CLASSES)}") from None


__all__ = ["ProphetModel", "VanillaLinear", "RidgeARX", "CalendarARX", "SeasonalNaive", "BASELINE", "FALLBACK_CHAIN", "GROUP_CANDIDATES", "METERING_POINT_CANDIDATES", "MODEL_CLASSES", "Forecaster", "ForecastOrigin", "ModelNotApplicable", "build"]
