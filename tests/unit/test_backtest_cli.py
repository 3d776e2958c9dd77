"""`voltbill backtest` end to end: the installed console script on small CSV files, its JSON read back.

The synthetic series is hourly in Europe/Bucharest from 2025-08-20 to 2025-11-07 (80 local days),
so the 14-day test window (2025-10-25 to 2025-11-07) holds the 25-hour day of 2025-10-26: with
wall-clock timestamps its repeated 03:00 is resolved by the order of the rows.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

VOLTBILL = Path(sys.executable).parent / "voltbill"
TIMEZONE = "Europe/Bucharest"
FAST_MODELS = "seasonal_naive,calendar_arx,ridge_arx"
TEST_DAYS = 14
TEST_PERIODS = TEST_DAYS * 24 + 1  # the window holds the 25-hour day of 2025-10-26


def synthetic_series(with_temperature: bool = True) -> pd.DataFrame:
    """Hourly load with a working-day shape and a temperature response; whole local days."""
    index = pd.date_range("2025-08-20", "2025-11-08", freq="h", tz=TIMEZONE, inclusive="left")
    rng = np.random.default_rng(3)
    hour = index.hour.to_numpy()
    weekday = index.day_of_week.to_numpy()
    temperature = 14 + 7 * np.sin(2 * np.pi * (hour - 9) / 24) + rng.normal(0, 1, len(index))
    shape = np.clip(np.sin(np.pi * (hour - 6) / 16), 0, None) * np.where(weekday < 5, 40, 15)
    value = 100 + shape + 1.5 * np.abs(temperature - 18) + rng.normal(0, 2, len(index))
    frame = pd.DataFrame({"timestamp": index, "value": value.round(3)})
    if with_temperature:
        frame["temperature"] = temperature.round(1)
    return frame


def write_csv(path: Path, frame: pd.DataFrame, offset: bool = False) -> Path:
    """Wall-clock local timestamps (`2025-10-26 03:00`), or ISO 8601 with the UTC offset."""
    timestamps = frame["timestamp"]
    text = timestamps.map(lambda t: t.isoformat()) if offset else timestamps.dt.strftime("%Y-%m-%d %H:%M")
    frame.assign(timestamp=text).to_csv(path, index=False, lineterminator="\n")
    return path


def run_backtest(series: Path, *options: str) -> subprocess.CompletedProcess[str]:
    command = [str(VOLTBILL), "backtest", "--series", str(series), "--freq", "60min", "--timezone", TIMEZONE, "--country", "RO"]
    return subprocess.run([*command, *options], capture_output=True, text=True, timeout=300, check=False)


def backtest_json(series: Path, *options: str) -> dict:
    completed = run_backtest(series, "--test-days", str(TEST_DAYS), *options)
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


def test_without_temperature_the_models_that_need_it_are_skipped_with_the_reason(tmp_path: Path) -> None:
    result = backtest_json(write_csv(tmp_path / "load.csv", synthetic_series(with_temperature=False)), "--models", FAST_MODELS)

    assert result["input"]["optional_columns"] == {"temperature": False, "is_working_day": False}
    assert "ridge_arx" not in result["models"]
    assert "temperature" in result["skipped"]["ridge_arx"]
    assert set(result["models"]) == {"seasonal_naive", "calendar_arx"}
    assert result["chosen_model"] in {name for name, metrics in result["models"].items() if metrics["complete"]}
    assert result["rejected_rows"] == {"count": 0, "first": []}
    assert result["test_window"] == {"first_day": "2025-10-25", "last_day": "2025-11-07", "days": TEST_DAYS}
    assert result["models"]["seasonal_naive"]["periods"] == TEST_PERIODS


def test_with_temperature_every_model_forecasts_and_a_complete_one_is_chosen(tmp_path: Path) -> None:
    result = backtest_json(write_csv(tmp_path / "load.csv", synthetic_series()), "--models", FAST_MODELS)

    assert result["input"]["optional_columns"]["temperature"] is True
    assert result["input"]["rows"] == result["input"]["rows_used"] == 80 * 24 + 1
    assert result["skipped"] == {}
    assert set(result["models"]) == {"seasonal_naive", "calendar_arx", "ridge_arx"}
    assert all(metrics["complete"] and metrics["periods"] == TEST_PERIODS for metrics in result["models"].values())
    assert result["chosen_model"] in result["models"]
    assert result["models"]["ridge_arx"]["skill_vs_seasonal_naive"] > 0


def test_bad_rows_are_reported_with_their_physical_line_and_the_good_rows_used(tmp_path: Path) -> None:
    good = write_csv(tmp_path / "good.csv", synthetic_series(with_temperature=False))
    header, first, second, third, *rest = good.read_text().splitlines()
    lines = [
        header,  # line 1
        first,  # line 2
        second,  # line 3
        "",  # line 4: a blank line is not a row
        third.split(",")[0] + ",n/a",  # line 5: the value does not parse
        "2025-03-30 03:30,100.0",  # line 6: clocks jumped from 03:00 to 04:00 that night
        *rest,
    ]
    path = tmp_path / "with_bad_rows.csv"
    path.write_text("\n".join(lines) + "\n")

    result = backtest_json(path, "--models", "seasonal_naive")

    rejected = result["rejected_rows"]
    assert rejected["count"] == 2
    assert [(row["file"], row["line"]) for row in rejected["first"]] == [(str(path), 5), (str(path), 6)]
    assert "'n/a'" in rejected["first"][0]["reason"]
    assert "'2025-03-30 03:30'" in rejected["first"][1]["reason"] and "does not exist" in rejected["first"][1]["reason"]
    assert result["input"]["rows"] == 80 * 24 + 1 + 1
    assert result["input"]["rows_used"] == 80 * 24 + 1 - 1
    assert result["models"]["seasonal_naive"]["complete"]


def test_timestamps_with_a_utc_offset_give_the_same_backtest_as_wall_clock_ones(tmp_path: Path) -> None:
    frame = synthetic_series(with_temperature=False)
    offset = write_csv(tmp_path / "offset.csv", frame, offset=True)
    assert "2025-10-26T03:00:00+03:00" in offset.read_text() and "2025-10-26T03:00:00+02:00" in offset.read_text()
    wall_clock = write_csv(tmp_path / "wall_clock.csv", frame)

    from_offset = backtest_json(offset, "--models", "seasonal_naive")
    from_wall_clock = backtest_json(wall_clock, "--models", "seasonal_naive")

    assert from_offset["rejected_rows"]["count"] == 0
    assert from_offset["input"]["first_timestamp_utc"] == "2025-08-19T21:00:00+00:00"
    assert from_offset["input"]["first_timestamp_utc"] == from_wall_clock["input"]["first_timestamp_utc"]
    timing = ("fit_seconds", "predict_seconds")
    strip = lambda metrics: {key: value for key, value in metrics.items() if key not in timing}  # noqa: E731
    assert strip(from_offset["models"]["seasonal_naive"]) == strip(from_wall_clock["models"]["seasonal_naive"])
    assert from_offset["models"]["seasonal_naive"]["periods"] == TEST_PERIODS


def test_a_missing_value_column_stops_with_exit_code_2_naming_the_file(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "no_value.csv", synthetic_series().drop(columns="value"))

    completed = run_backtest(path)

    assert completed.returncode == 2
    assert completed.stdout == ""
    assert str(path) in completed.stderr and "value" in completed.stderr
    assert "Traceback" not in completed.stderr


def test_an_empty_file_stops_with_exit_code_2_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_text("")

    completed = run_backtest(path)

    assert completed.returncode == 2
    assert str(path) in completed.stderr and "empty" in completed.stderr
    assert "Traceback" not in completed.stderr
