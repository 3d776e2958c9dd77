"""forecasting.series: the delivery-day grid across daylight-saving changes, the cutoff instant,
input validation, and cleaning (gaps, negative values, outliers) in Europe/Bucharest.

Bucharest is UTC+2 in winter (EET) and UTC+3 in summer (EEST). In 2026 the clocks go forward
on Sunday 29 March at 03:00 local (01:00 UTC: 03:00 does not exist, the day has 23 hours) and
back on Sunday 25 October at 04:00 local (01:00 UTC: 03:00-04:00 happens twice, 25 hours).
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd
import pytest

from forecasting.series import SeriesSpec, build_series_frame, parse_frequency

TZ = "Europe/Bucharest"


def utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def local_hours(first_day: str, days: int) -> pd.DatetimeIndex:
    """Every hour of `days` whole local days in Bucharest, as tz-aware local timestamps."""
    start = pd.Timestamp(first_day, tz=TZ)
    end = pd.Timestamp(dt.date.fromisoformat(first_day) + dt.timedelta(days=days), tz=TZ)
    return pd.date_range(start, end, freq="h", inclusive="left")


def daily_profile(index: pd.DatetimeIndex) -> np.ndarray:
    """A smooth daily shape between 30 and 70: nothing in it is an outlier."""
    return 50 + 20 * np.sin(2 * np.pi * index.hour.to_numpy() / 24)


# --- the grid of a delivery day -------------------------------------------------------------


@pytest.mark.parametrize(
    "day, freq, count, first_utc, last_utc",
    [
        # 23 hours: 00:00 EET = 22:00 UTC the day before, to 24:00 EEST = 21:00 UTC.
        ("2026-03-29", 60, 23, "2026-03-28 22:00", "2026-03-29 20:00"),
        ("2026-03-29", 15, 23 * 4, "2026-03-28 22:00", "2026-03-29 20:45"),
        ("2026-03-29", 30, 23 * 2, "2026-03-28 22:00", "2026-03-29 20:30"),
        # 25 hours: 00:00 EEST = 21:00 UTC the day before, to 24:00 EET = 22:00 UTC.
        ("2026-10-25", 60, 25, "2026-10-24 21:00", "2026-10-25 21:00"),
        ("2026-10-25", 15, 25 * 4, "2026-10-24 21:00", "2026-10-25 21:45"),
        # An ordinary winter and summer day.
        ("2026-10-26", 60, 24, "2026-10-25 22:00", "2026-10-26 21:00"),
        ("2026-06-15", 15, 96, "2026-06-14 21:00", "2026-06-15 20:45"),
    ],
)
def test_delivery_index_covers_the_local_day(day: str, freq: int, count: int, first_utc: str, last_utc: str) -> None:
    index = SeriesSpec(freq, TZ).delivery_index(dt.date.fromisoformat(day))
    assert len(index) == count
    assert index[0] == utc(first_utc)
    assert index[-1] == utc(last_utc)
    assert (index[1:] - index[:-1] == pd.Timedelta(minutes=freq)).all()


def test_the_repeated_hour_appears_twice_in_local_time_on_the_25_hour_day() -> None:
    index = SeriesSpec(60, TZ).delivery_index(dt.date(2026, 10, 25))
    local_hours_of_day = index.tz_convert(TZ).hour.tolist()
    assert local_hours_of_day == [0, 1, 2, 3, 3] + list(range(4, 24))


def test_the_missing_hour_is_absent_on_the_23_hour_day() -> None:
    index = SeriesSpec(60, TZ).delivery_index(dt.date(2026, 3, 29))
    assert index.tz_convert(TZ).hour.tolist() == [0, 1, 2] + list(range(4, 24))


@pytest.mark.parametrize(
    "delivery, cutoff",
    [
        # D-1 = 2026-10-25, after the change at 04:00 local: 12:00 EET = 10:00 UTC.
        ("2026-10-26", "2026-10-25 10:00"),
        # D-1 = 2026-10-24, still summer: 12:00 EEST = 09:00 UTC.
        ("2026-10-25", "2026-10-24 09:00"),
        # D-1 = 2026-03-29, after the change at 03:00 local: 12:00 EEST = 09:00 UTC.
        ("2026-03-30", "2026-03-29 09:00"),
        # D-1 = 2026-03-28, still winter: 12:00 EET = 10:00 UTC.
        ("2026-03-29", "2026-03-28 10:00"),
    ],
)
def test_cutoff_is_noon_local_on_the_day_before(delivery: str, cutoff: str) -> None:
    assert SeriesSpec(60, TZ).cutoff_utc(dt.date.fromisoformat(delivery)) == utc(cutoff)


def test_cutoff_hour_is_configurable() -> None:
    # 09:00 EET on 2026-01-14 = 07:00 UTC.
    assert SeriesSpec(15, TZ, cutoff_hour=9).cutoff_utc(dt.date(2026, 1, 15)) == utc("2026-01-14 07:00")


@pytest.mark.parametrize("freq", [5, 20, 45, 120])
def test_unsupported_resolution_is_rejected(freq: int) -> None:
    with pytest.raises(ValueError, match=str(freq)):
        SeriesSpec(freq, TZ)


def test_cutoff_hour_outside_the_day_is_rejected() -> None:
    with pytest.raises(ValueError, match="24"):
        SeriesSpec(60, TZ, cutoff_hour=24)


@pytest.mark.parametrize("text, minutes", [("15min", 15), ("30min", 30), ("60min", 60), (" 1H ", 60)])
def test_parse_frequency(text: str, minutes: int) -> None:
    assert parse_frequency(text) == minutes


def test_parse_frequency_rejects_unknown_text() -> None:
    with pytest.raises(ValueError, match="'10min'"):
        parse_frequency("10min")


# --- building a series ----------------------------------------------------------------------


def test_off_grid_timestamp_raises_naming_it() -> None:
    index = local_hours("2026-01-05", 2)
    # 2026-01-05 10:07 EET = 08:07 UTC, off the hourly grid.
    stamps = list(index[:10]) + [pd.Timestamp("2026-01-05 10:07", tz=TZ)] + list(index[11:])
    frame = pd.DataFrame({"timestamp": stamps, "value": 1.0})
    with pytest.raises(ValueError, match=re.escape("2026-01-05T08:07:00+00:00")) as raised:
        build_series_frame(frame, SeriesSpec(60, TZ))
    assert "60-minute grid" in str(raised.value)


def test_quarter_hours_are_on_a_15_minute_grid_but_off_an_hourly_one() -> None:
    index = pd.date_range(pd.Timestamp("2026-01-05", tz=TZ), periods=96, freq="15min")
    frame = pd.DataFrame({"timestamp": index, "value": 1.0})
    assert len(build_series_frame(frame, SeriesSpec(15, TZ)).index) == 96
    with pytest.raises(ValueError, match=re.escape("2026-01-04T22:15:00+00:00")):
        build_series_frame(frame, SeriesSpec(60, TZ))


def test_hourly_data_in_a_half_hour_time_zone_is_on_the_grid() -> None:
    """The grid is whole local days from local midnight (`day_bounds_utc`). In Adelaide
    (UTC+10:30 in January) local hours start at half past the UTC hour, so the grid check must
    follow the local day, not multiples of an hour since the UTC epoch."""
    spec = SeriesSpec(60, "Australia/Adelaide", "AU-SA")
    index = pd.date_range(pd.Timestamp("2026-01-05", tz="Australia/Adelaide"), periods=48, freq="h")
    series = build_series_frame(pd.DataFrame({"timestamp": index, "value": 1.0}), spec)
    # 2026-01-05 00:00 ACDT = 2026-01-04 13:30 UTC
    assert series.index[0] == utc("2026-01-04 13:30")
    assert len(series.index) == 48
    assert series.quality.missing_values == 0


def test_naive_timestamps_raise() -> None:
    frame = pd.DataFrame({"timestamp": pd.date_range("2026-01-05", periods=24, freq="h"), "value": 1.0})
    with pytest.raises(ValueError, match="time zone|UTC offset"):
        build_series_frame(frame, SeriesSpec(60, TZ))


def test_empty_frame_raises() -> None:
    with pytest.raises(ValueError, match="empty"):
        build_series_frame(pd.DataFrame({"timestamp": [], "value": []}), SeriesSpec(60, TZ))


def test_series_is_put_on_whole_local_days_in_utc() -> None:
    # Data from 2026-01-05 06:00 to 2026-01-06 17:00 local: the grid covers both whole days.
    index = local_hours("2026-01-05", 2)[6:-6]
    series = build_series_frame(pd.DataFrame({"timestamp": index, "value": 5.0}), SeriesSpec(60, TZ))
    assert len(series.index) == 48
    assert series.index[0] == utc("2026-01-04 22:00")
    assert str(series.index.tz) == "UTC"
    assert series.days == 2
    # The 12 hours outside the data are unknown; only the 6 before the last value are gaps
    # (the hours after it are the future, not missing data).
    assert np.isnan(series.value).sum() == 12
    assert series.quality.missing_values == 6


def test_extend_to_adds_the_delivery_day_as_unknown() -> None:
    index = local_hours("2026-01-05", 3)
    series = build_series_frame(pd.DataFrame({"timestamp": index, "value": 5.0}), SeriesSpec(60, TZ), extend_to=dt.date(2026, 1, 8))
    assert series.days == 4
    rows = series.rows_of_day(dt.date(2026, 1, 8))
    assert len(rows) == 24
    assert np.isnan(series.value[rows]).all()
    assert series.index[rows[0]] == utc("2026-01-07 22:00")


def test_gaps_are_nan_and_counted() -> None:
    index = local_hours("2026-01-05", 3)
    frame = pd.DataFrame({"timestamp": index, "value": daily_profile(index)}).drop(index=[5, 30, 31])
    series = build_series_frame(frame, SeriesSpec(60, TZ))
    assert len(series.index) == 72
    assert np.flatnonzero(np.isnan(series.value)).tolist() == [5, 30, 31]
    assert np.flatnonzero(np.isnan(series.raw_value)).tolist() == [5, 30, 31]
    assert series.quality.missing_values == 3
    assert series.quality.flags() == ["gaps:3"]


def test_a_duplicated_timestamp_keeps_its_last_value() -> None:
    index = local_hours("2026-01-05", 1)
    frame = pd.DataFrame({"timestamp": list(index) + [index[3]], "value": [1.0] * 24 + [9.0]})
    series = build_series_frame(frame, SeriesSpec(60, TZ))
    assert series.raw_value[3] == 9.0
    assert len(series.index) == 24


def test_timestamps_with_a_fixed_offset_are_accepted() -> None:
    # "+02:00" strings on a winter day are the same instants as Bucharest local time.
    frame = pd.DataFrame({"timestamp": pd.to_datetime([f"2026-01-05T{h:02d}:00:00+02:00" for h in range(24)]), "value": 1.0})
    series = build_series_frame(frame, SeriesSpec(60, TZ))
    assert series.index[0] == utc("2026-01-04 22:00")
    assert series.quality.missing_values == 0


def test_negative_values_are_left_out_of_value_but_kept_in_raw_value() -> None:
    # 2 negative hours out of 240 (0.8 %, under the 1 % error share): readings errors.
    index = local_hours("2026-01-05", 10)
    values = daily_profile(index)
    values[[7, 40]] = [-3.0, -0.5]
    series = build_series_frame(pd.DataFrame({"timestamp": index, "value": values}), SeriesSpec(60, TZ))
    assert np.isnan(series.value[[7, 40]]).all()
    assert series.raw_value[7] == -3.0 and series.raw_value[40] == -0.5
    assert series.quality.negative_values == 2
    assert "negative_values_ignored:2" in series.quality.flags()
    # Everything else is untouched.
    others = np.setdiff1d(np.arange(240), [7, 40])
    np.testing.assert_array_equal(series.value[others], values[others])


def test_a_series_that_is_often_negative_is_a_net_series_and_keeps_its_negatives() -> None:
    # A prosumer exporting at midday: 3 negative hours a day (12.5 %) are real, not errors.
    index = local_hours("2026-01-05", 10)
    values = daily_profile(index)
    values[index.tz_convert(TZ).hour.isin([11, 12, 13])] = -2.0
    series = build_series_frame(pd.DataFrame({"timestamp": index, "value": values}), SeriesSpec(60, TZ))
    np.testing.assert_array_equal(series.value, values)
    assert series.quality.negative_values == 0


def test_a_huge_spike_is_flagged_as_an_outlier() -> None:
    index = local_hours("2026-01-05", 28)
    values = daily_profile(index)
    spike = 14 * 24 + 10  # 2026-01-19 10:00, mid-series so the 28-day window is full
    values[spike] = 5000.0
    series = build_series_frame(pd.DataFrame({"timestamp": index, "value": values}), SeriesSpec(60, TZ))
    assert np.isnan(series.value[spike])
    assert series.raw_value[spike] == 5000.0
    assert series.quality.outliers == 1
    assert series.quality.flags() == ["outliers_ignored:1"]
    assert np.isnan(series.value).sum() == 1


def test_a_regular_profile_with_a_low_night_load_has_no_outliers() -> None:
    """Cleaning removes values 'far from the same slot's recent median' (series.clean_values).
    A shop that draws 5 kW at night and 100 kW from 08:00 to 18:00, identically every day, has
    every slot exactly at its own median: nothing is an outlier and nothing may be dropped."""
    index = local_hours("2026-01-05", 42)
    hour = index.hour.to_numpy()
    values = np.where((hour >= 8) & (hour < 18), 100.0, 5.0)
    series = build_series_frame(pd.DataFrame({"timestamp": index, "value": values}), SeriesSpec(60, TZ))
    assert series.quality.outliers == 0
    np.testing.assert_array_equal(series.value, values)


def test_temperature_and_its_gaps_are_carried() -> None:
    index = local_hours("2026-01-05", 2)
    temperature = np.linspace(-5, 5, 48)
    temperature[[3, 4]] = np.nan
    series = build_series_frame(pd.DataFrame({"timestamp": index, "value": 1.0, "temperature": temperature}), SeriesSpec(60, TZ))
    assert series.has_temperature
    assert series.quality.missing_temperature == 2
    np.testing.assert_array_equal(series.temperature, temperature)


def test_an_all_empty_temperature_column_counts_as_no_temperature() -> None:
    index = local_hours("2026-01-05", 2)
    series = build_series_frame(pd.DataFrame({"timestamp": index, "value": 1.0, "temperature": np.nan}), SeriesSpec(60, TZ))
    assert not series.has_temperature


# --- the day × slot matrix across daylight saving ----------------------------------------------


def test_day_matrix_puts_local_hours_in_slots_across_both_changes() -> None:
    spec = SeriesSpec(60, TZ)
    index = pd.concat([local_hours("2026-03-29", 1).to_series(), local_hours("2026-10-25", 1).to_series()]).index
    values = np.arange(len(index), dtype=float) + 100  # 23 + 25 distinct values
    series = build_series_frame(pd.DataFrame({"timestamp": index, "value": values}), spec)
    march = series.day_position(dt.date(2026, 3, 29))
    october = series.day_position(dt.date(2026, 10, 25))
    # 23-hour day: slots 0..2 then 4..23 hold the 23 values in order, slot 3 is empty.
    assert np.isnan(series.values_by_day[march, 3])
    np.testing.assert_array_equal(series.values_by_day[march, [0, 1, 2]], [100, 101, 102])
    np.testing.assert_array_equal(series.values_by_day[march, 4:], np.arange(103, 123))
    # 25-hour day: values 123.. ; both 03:00 intervals (126 and 127) share slot 3 as their mean.
    np.testing.assert_array_equal(series.values_by_day[october, [0, 1, 2]], [123, 124, 125])
    assert series.values_by_day[october, 3] == (126 + 127) / 2
    np.testing.assert_array_equal(series.values_by_day[october, 4:], np.arange(128, 148))
    assert len(series.rows_of_day(dt.date(2026, 3, 29))) == 23
    assert len(series.rows_of_day(dt.date(2026, 10, 25))) == 25
