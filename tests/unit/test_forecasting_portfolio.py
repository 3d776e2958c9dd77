"""Portfolio forecasting: what is known at the cutoff, bottom-up reconciliation, the purchase plan.

Every expected number is worked out by hand in the comments.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from forecasting.portfolio import PortfolioInputs, forecast_portfolio, known_at_cutoff
from forecasting.purchase_plan import purchase_plan, to_mwh
from forecasting.reconciliation import bottom_up

UTC = "UTC"
TZ = "Europe/Bucharest"


def utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz=UTC)


def test_bottom_up_median_is_the_sum_of_members_and_the_band_comes_from_the_direct_model() -> None:
    periods = [utc("2026-01-05 00:00"), utc("2026-01-05 01:00")]
    members = pd.DataFrame(
        {
            "period_start_utc": periods * 2,
            "p10": [0.5, 1.5, 2.0, np.nan],
            "p50": [1.0, 2.0, 3.0, np.nan],
            "p90": [1.5, 3.0, 4.5, np.nan],
        }
    )
    direct = pd.DataFrame({"period_start_utc": periods, "p10": [8.0, 1.0], "p50": [10.0, 2.5], "p90": [13.0, 4.0]})
    result = bottom_up(members, direct).set_index("period_start_utc")
    # Hour 0: 1 + 3 = 4; band from the direct model: 4 - (10 - 8) = 2 and 4 + (13 - 10) = 7.
    # Hour 1: only the first member is known: 2; 2 - (2.5 - 1) = 0.5 and 2 + (4 - 2.5) = 3.5.
    assert result["p50"].tolist() == [4.0, 2.0]
    assert result["p10"].tolist() == [2.0, 0.5]
    assert result["p90"].tolist() == [7.0, 3.5]
    assert result["direct_p50"].tolist() == [10.0, 2.5]
    assert result["members_count"].tolist() == [2, 2]
    assert result["members_without_forecast"].tolist() == [0, 1]


def test_without_a_direct_forecast_the_band_is_the_sum_of_the_members_bands() -> None:
    period = utc("2026-01-05 00:00")
    members = pd.DataFrame({"period_start_utc": [period, period], "p10": [0.5, 2.0], "p50": [1.0, 3.0], "p90": [1.5, 4.5]})
    result = bottom_up(members, None)
    # P50 1 + 3 = 4; P10 = 4 - ((1 - 0.5) + (3 - 2)) = 2.5; P90 = 4 + (0.5 + 1.5) = 6.
    assert result[["p10", "p50", "p90"]].iloc[0].tolist() == [2.5, 4.0, 6.0]


@pytest.mark.parametrize(
    ("kwh", "mwh"),
    [
        (1234.56, Decimal("1.2")),  # 1.23456 MWh
        (1250.0, Decimal("1.3")),  # exactly half a step: half-up
        (1249.999, Decimal("1.2")),
        (0.0, Decimal("0.0")),
        (49.9, Decimal("0.0")),
        (50.0, Decimal("0.1")),
    ],
)
def test_planned_volume_is_mwh_rounded_half_up_to_a_tenth(kwh: float, mwh: Decimal) -> None:
    assert to_mwh(kwh, Decimal("0.1")) == mwh


def test_a_period_without_a_forecast_keeps_its_row_and_plans_nothing() -> None:
    frame = pd.DataFrame({"p10": [900.0, np.nan], "p50": [1000.04, np.nan], "p90": [1100.0, np.nan]})
    plan = purchase_plan(frame)
    assert plan["planned_mwh"].tolist() == [Decimal("1.0"), None]
    assert plan["forecast_p50_mwh"].tolist() == [Decimal("1.000"), None]  # 1.00004 MWh to 0.001
    with pytest.raises(ValueError, match="p50"):
        purchase_plan(frame, quantile="p75")


def metering_points(**overrides) -> pd.DataFrame:
    row = {
        "metering_point_id": "MP1",
        "company_id": "C1",
        "market_code": "RO",
        "market_timezone": TZ,
        "country_code": "RO",
        "balancing_group_id": "BG1",
        "customer_class": "household",
        "supply_start_date": dt.date(2026, 1, 1),
    }
    row.update(overrides)
    return pd.DataFrame([row])


def test_only_what_is_known_at_noon_of_the_day_before_is_used() -> None:
    # Delivery 2026-01-10; cutoff 2026-01-09 12:00 in Bucharest (UTC+2) = 10:00 UTC.
    hours = pd.date_range(utc("2026-01-09 08:00"), utc("2026-01-09 12:00"), freq="h", inclusive="left")
    consumption = pd.DataFrame({"metering_point_id": "MP1", "period_start_utc": hours, "energy_kwh": [1.0, 2.0, 3.0, 4.0]})
    weather = pd.DataFrame(
        {
            "market_code": "RO",
            "period_start_utc": [utc("2026-01-09 09:00"), utc("2026-01-09 10:00"), utc("2026-01-10 00:00"), utc("2026-01-10 01:00")],
            "actual_temperature_c": [5.0, 6.0, 7.0, 8.0],
            "forecast_temperature_c": [4.0, 5.5, 6.5, 9.0],
            "forecast_issued_at_utc": [utc("2026-01-08 10:00"), utc("2026-01-08 10:00"), utc("2026-01-09 10:00"), utc("2026-01-09 10:01")],
        }
    )
    points = pd.concat([metering_points(), metering_points(metering_point_id="MP2", supply_start_date=dt.date(2026, 1, 11))])
    inputs = known_at_cutoff(consumption, weather, points, dt.date(2026, 1, 10))
    # 08:00 and 09:00 UTC end by 10:00 UTC; the 10:00 and 11:00 hours end after the cutoff.
    assert inputs.consumption["energy_kwh"].tolist() == [1.0, 2.0]
    temperature = dict(zip(inputs.temperature["period_start_utc"], inputs.temperature["temperature_c"]))
    # 09:00 observed (ends at the cutoff); 10:00 not observed yet, so its forecast issued on
    # the 8th; D's 00:00 from the forecast issued at the cutoff; D's 01:00 forecast was issued
    # a minute late: unknown.
    assert temperature == {utc("2026-01-09 09:00"): 5.0, utc("2026-01-09 10:00"): 5.5, utc("2026-01-10 00:00"): 6.5}
    assert inputs.metering_points["metering_point_id"].tolist() == ["MP1"]  # MP2 is supplied from the 11th


def test_portfolio_forecast_reconciles_groups_and_covers_the_25_hour_day() -> None:
    # Two metering points with 60 days of the same daily shape; the delivery day is the
    # 25-hour 2026-10-25. Each group's P50 must be the members' sum, period by period.
    hours = pd.date_range(utc("2026-08-25 21:00"), utc("2026-10-24 10:00"), freq="h", inclusive="left")
    local_hour = hours.tz_convert(TZ).hour.to_numpy()
    consumption = pd.concat(
        [
            pd.DataFrame({"metering_point_id": point, "period_start_utc": hours, "energy_kwh": scale * (1.0 + (local_hour >= 8) * (local_hour < 20))})
            for point, scale in (("MP1", 1.0), ("MP2", 3.0))
        ]
    )
    points = pd.concat([metering_points(), metering_points(metering_point_id="MP2", customer_class="commercial", balancing_group_id="BG2")])
    inputs = PortfolioInputs(consumption, pd.DataFrame(columns=["market_code", "period_start_utc", "temperature_c"]), points)
    forecast = forecast_portfolio(inputs, dt.date(2026, 10, 25), {}, workers=1)
    per_series = forecast.groupby(["series_level", "series_id"]).size()
    assert set(per_series) == {25}
    assert set(per_series.index) == {
        ("metering_point", "MP1"), ("metering_point", "MP2"), ("company", "C1"),
        ("balancing_group", "BG1"), ("balancing_group", "BG2"), ("customer_class", "C1/household"), ("customer_class", "C1/commercial"),
    }
    meters = forecast[forecast["series_level"] == "metering_point"].groupby("period_start_utc")["p50"].sum()
    company = forecast[forecast["series_level"] == "company"].set_index("period_start_utc")["p50"]
    np.testing.assert_allclose(company.loc[meters.index].to_numpy(), meters.to_numpy())
    # No temperature at all: the chosen default (ridge_arx) cannot run and says why.
    assert forecast["fallback_reason"].str.contains("ridge_arx: no temperature in the series").all()
    assert set(forecast["model_name"]) == {"calendar_arx"}
