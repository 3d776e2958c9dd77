"""The day-ahead purchase plan: MWh to buy per balancing group and period of delivery day D.

The plan is the reconciled (bottom-up) group forecast at the chosen quantile, P50 by default,
converted from kWh to MWh and rounded half-up to the exchange's volume step (0.1 MWh on OPCOM
and IBEX). Rounding is explicit and per period; the unrounded forecast travels with the plan,
so the rounding difference is visible. Quantities are `Decimal`, never floats.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd

KWH_PER_MWH = Decimal(1000)
DEFAULT_VOLUME_STEP_MWH = Decimal("0.1")
FORECAST_PRECISION_MWH = Decimal("0.001")
PLAN_QUANTILES = ("p10", "p50", "p90")


def to_mwh(kwh: float, step: Decimal) -> Decimal | None:
    """kWh as MWh rounded half-up to `step`; None for a missing forecast."""
    if kwh is None or np.isnan(kwh):
        return None
    return (Decimal(repr(float(kwh))) / KWH_PER_MWH).quantize(step, rounding=ROUND_HALF_UP)


def purchase_plan(
    group_forecast: pd.DataFrame,
    quantile: str = "p50",
    volume_step_mwh: Decimal = DEFAULT_VOLUME_STEP_MWH,
) -> pd.DataFrame:
    """One balancing group's reconciled forecast (p10/p50/p90 kWh per period) as a plan.

    Adds planned_mwh (the chosen quantile, rounded to the volume step) and the forecast
    quantiles in MWh to three decimals. A period without a forecast plans nothing (None) and
    keeps its row, so a missing hour shows up instead of disappearing from the nomination.
    """
    if quantile not in PLAN_QUANTILES:
        raise ValueError(f"plan quantile must be one of {', '.join(PLAN_QUANTILES)}, not {quantile!r}")
    plan = group_forecast.copy()
    plan["planned_mwh"] = [to_mwh(value, volume_step_mwh) for value in plan[quantile]]
    for level in PLAN_QUANTILES:
        plan[f"forecast_{level}_mwh"] = [to_mwh(value, FORECAST_PRECISION_MWH) for value in plan[level]]
    plan["plan_quantile"] = quantile
    return plan


def plan_rows(group_forecasts: pd.DataFrame, quantile: str = "p50", volume_step_mwh: Decimal = DEFAULT_VOLUME_STEP_MWH) -> pd.DataFrame:
    """Purchase-plan rows from the balancing-group rows of `forecasting.series_forecasts`
    (p10_kwh, p50_kwh, p90_kwh per period), in the layout of `forecasting.purchase_plans`."""
    renamed = group_forecasts.rename(columns={"p10_kwh": "p10", "p50_kwh": "p50", "p90_kwh": "p90", "series_id": "balancing_group_id"})
    plan = purchase_plan(renamed, quantile, volume_step_mwh)
    return plan.rename(columns={"members_count": "metering_points_count", "members_without_forecast": "metering_points_without_forecast"})
