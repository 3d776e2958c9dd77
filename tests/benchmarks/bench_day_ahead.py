"""Day-ahead speed benchmark: forecast one delivery day for a 1,000-meter portfolio.

    python -m tests.benchmarks.bench_day_ahead [--meters 1000] [--workers N]

Needs the warehouse `make run` builds (the sample portfolio's hourly consumption, weather,
metering points and, if present, the model choices). Its metering points are replicated up to
--meters series, each copy scaled by a random factor (0.5–2) with 3 % multiplicative noise per
hour, so every series is as long and as irregular as a real one; groups stay the sample's
(companies, balancing groups, customer classes), now with ~6× the members.

Then it times, in the same run, what the `forecasting/series_forecasts` asset does for one
delivery day (the last metered day, whose weather forecast exists): selecting what is known at
the cutoff, forecasting every metering point and group, reconciling bottom-up — once on all
cores (the asset's default) and once in one process (the baseline), and prints both and the
ratio. Target: under 2 minutes for 1,000 meters on 2 cores. Not a test: nothing asserts.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time

import duckdb
import numpy as np
import pandas as pd

from assets.forecasting_warehouse import last_metered_day, model_choices, read_history
from forecasting.parallel import default_workers
from forecasting.portfolio import forecast_portfolio, known_at_cutoff
from orchestration.partitions import DELIVERY_TIMEZONE
from voltbill.paths import warehouse_path

SEED = 7


def replicate(history: dict[str, pd.DataFrame], meters: int) -> dict[str, pd.DataFrame]:
    """The sample's metering points copied up to `meters` series, each scaled and noised."""
    rng = np.random.default_rng(SEED)
    points = history["metering_points"]
    consumption = history["consumption"]
    by_point = dict(tuple(consumption.groupby("metering_point_id")))
    copies, point_rows = [], []
    for number in range(meters):
        source = points.iloc[number % len(points)]
        series = by_point.get(source["metering_point_id"])
        if series is None:
            continue
        new_id = f"{source['metering_point_id']}-{number:04d}"
        factor = rng.uniform(0.5, 2.0) * rng.normal(1.0, 0.03, len(series))
        copies.append(series.assign(metering_point_id=new_id, energy_kwh=series["energy_kwh"].to_numpy() * factor))
        point_rows.append(source.to_dict() | {"metering_point_id": new_id})
    return {"consumption": pd.concat(copies, ignore_index=True), "weather": history["weather"], "metering_points": pd.DataFrame(point_rows)}


def time_day_ahead(history: dict[str, pd.DataFrame], day: dt.date, chosen: dict, workers: int) -> tuple[float, pd.DataFrame]:
    started = time.perf_counter()
    inputs = known_at_cutoff(history["consumption"], history["weather"], history["metering_points"], day)
    forecast = forecast_portfolio(inputs, day, chosen, workers=workers)
    return time.perf_counter() - started, forecast


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--meters", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=default_workers())
    args = parser.parse_args(argv)
    path = warehouse_path()
    if not path.exists():
        parser.error(f"no warehouse at {path}: run `make run` first")
    with duckdb.connect(str(path), read_only=True) as connection:
        history = read_history(connection)
        day = last_metered_day(connection, DELIVERY_TIMEZONE)
        chosen = model_choices(connection)
    portfolio = replicate(history, args.meters)
    meters = portfolio["metering_points"]["metering_point_id"].nunique()
    print(f"Delivery day {day}: {meters} metering points, {len(portfolio['consumption']):,} hourly values")
    parallel_seconds, forecast = time_day_ahead(portfolio, day, chosen, args.workers)
    single_seconds, _ = time_day_ahead(portfolio, day, chosen, 1)
    models = forecast.groupby(["series_level", "model_name"])["series_id"].nunique().reset_index(name="series")
    print()
    print("| run | seconds |")
    print("|---|---:|")
    print(f"| day-ahead, {args.workers} worker processes | {parallel_seconds:.1f} |")
    print(f"| day-ahead, one process (baseline) | {single_seconds:.1f} |")
    print(f"| speed-up | {single_seconds / parallel_seconds:.2f}× |")
    print()
    print(models.to_markdown(index=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
