"""Hourly air temperature per market: actual observations and day-ahead forecasts.

Actual = seasonal cycle + diurnal cycle (wider in summer) + AR(1) weather anomaly, in UTC
hours, with the local hour driving the diurnal cycle. Forecasts for every hour of local day
D are issued at D-1 12:00 local; their error is a per-issue bias plus an autocorrelated
part whose spread grows with the lead time. Temperatures are integers in hundredths of a
degree, exactly what the weather files carry and what the consumption model uses.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from data.sample_portfolio.randomness import stream
from data.sample_portfolio.timegrid import local_midnight_utc, utc_offsets, Month

DAYS_PER_YEAR = 365.2425
COLDEST_DAY_OFFSET = 14  # days after 1 January (mid-January is coldest)


@dataclass(frozen=True)
class Climate:
    """Parameters of a market's temperature model, degrees Celsius."""

    annual_mean: float
    seasonal_amplitude: float
    diurnal_amplitude: float
    anomaly_phi: float
    anomaly_sigma: float


# Bucharest: warmer summers, colder winters (continental); Sofia: cooler (altitude 550 m), milder swings.
CLIMATES: dict[str, Climate] = {
    "RO": Climate(annual_mean=11.6, seasonal_amplitude=13.0, diurnal_amplitude=5.0, anomaly_phi=0.985, anomaly_sigma=0.45),
    "BG": Climate(annual_mean=10.6, seasonal_amplitude=11.0, diurnal_amplitude=4.6, anomaly_phi=0.985, anomaly_sigma=0.42),
}


@dataclass(frozen=True)
class WeatherSeries:
    """Hourly actuals and day-ahead forecasts of one market, from `start_utc` on."""

    market_code: str
    start_utc: int
    actual_centi: np.ndarray  # int64 hundredths of a degree
    forecast_centi: np.ndarray  # int64 hundredths of a degree, forecast for the same hour
    issued_utc: np.ndarray  # int64 epoch seconds the forecast for the hour was issued

    def hour_index(self, utc_seconds: np.ndarray) -> np.ndarray:
        index = (np.asarray(utc_seconds, dtype=np.int64) - self.start_utc) // 3600
        if index.size and (index.min() < 0 or index.max() >= len(self.actual_centi)):
            raise ValueError("instant outside the simulated weather period")
        return index

    def actual_c(self, utc_seconds: np.ndarray) -> np.ndarray:
        """Actual temperature in degrees for the hour containing each instant."""
        return self.actual_centi[self.hour_index(utc_seconds)] / 100.0


def simulate_weather(seed: int, market_code: str, timezone: str, months: tuple[Month, ...]) -> WeatherSeries:
    """Hourly weather from two days before the first month to one day after the last."""
    climate = CLIMATES[market_code]
    rng = stream(seed, "weather", ord(market_code[0]), ord(market_code[1]))
    start = local_midnight_utc(months[0].first_day, timezone) - 2 * 86400
    end = local_midnight_utc(months[-1].plus(1).first_day, timezone) + 86400
    hours = np.arange(start, end, 3600, dtype=np.int64)
    offsets = utc_offsets(hours, timezone)
    local_hour = ((hours + offsets) // 3600) % 24
    season_phase = 2 * np.pi * (hours / 86400 - COLDEST_DAY_OFFSET) / DAYS_PER_YEAR
    seasonal = climate.annual_mean - climate.seasonal_amplitude * np.cos(season_phase)
    diurnal_amplitude = climate.diurnal_amplitude * (1 - 0.3 * np.cos(season_phase))
    diurnal = diurnal_amplitude * (np.cos(2 * np.pi * (local_hour - 15) / 24) + 0.25 * np.cos(4 * np.pi * (local_hour - 15) / 24))
    innovations = rng.standard_normal(len(hours)) * climate.anomaly_sigma
    anomaly = np.empty(len(hours))
    level = rng.standard_normal() * climate.anomaly_sigma / np.sqrt(1 - climate.anomaly_phi**2)
    for i, shock in enumerate(innovations):
        level = climate.anomaly_phi * level + shock
        anomaly[i] = level
    actual = np.rint((seasonal + diurnal + anomaly) * 100).astype(np.int64)

    # Day-ahead forecasts: issued at 12:00 local on the previous local day.
    local_day = (hours + offsets) // 86400
    issue_local = (local_day - 1) * 86400 + 12 * 3600
    issued = issue_local - utc_offsets(issue_local - 3 * 3600, timezone)
    lead_hours = (hours - issued) / 3600
    day_bias = rng.standard_normal(int(local_day.max() - local_day.min()) + 1) * 0.4
    correlated = np.empty(len(hours))
    level = 0.0
    for i, shock in enumerate(rng.standard_normal(len(hours))):
        level = 0.8 * level + 0.6 * shock
        correlated[i] = level
    error = day_bias[local_day - local_day.min()] + (0.5 + 0.045 * lead_hours) * correlated
    forecast = actual + np.rint(error * 100).astype(np.int64)
    return WeatherSeries(market_code, int(start), actual, forecast, issued.astype(np.int64))
