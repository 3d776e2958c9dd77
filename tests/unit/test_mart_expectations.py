"""The mart suites pass a well-formed mart and name what is wrong with a bad one."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pandas

from ingestion.mart_expectations import MAX_INTERVALS_PER_MONTH, validate_mart


def monthly_rows(**overrides) -> pandas.DataFrame:
    row = {
        "consumption_month": date(2026, 3, 1),
        "metering_point_id": "MP1",
        "consumption_type": "achieved",
        "energy_kwh": Decimal("1234.567"),
        "inductive_kvarh": Decimal("12.000"),
        "capacitive_kvarh": Decimal("0.000"),
        "intervals_count": 2972,  # March: 31 days x 96 quarter-hours - 4 for the spring-forward hour
    }
    estimated = {**row, "consumption_type": "estimated", "energy_kwh": Decimal("3.250"), "intervals_count": 4}
    return pandas.DataFrame([{**row, **overrides}, estimated])


def failed_columns(result) -> set[tuple[str, ...]]:
    return {failure.columns for failure in result.failures}


def test_a_well_formed_month_passes() -> None:
    result = validate_mart("fct_monthly_consumption", monthly_rows())
    assert result.success and result.row_count == 2


def test_negative_energy_unknown_type_and_impossible_interval_count_fail() -> None:
    assert failed_columns(validate_mart("fct_monthly_consumption", monthly_rows(energy_kwh=Decimal("-0.001")))) == {("energy_kwh",)}
    assert failed_columns(validate_mart("fct_monthly_consumption", monthly_rows(consumption_type="ordered"))) == {("consumption_type",)}
    too_many = monthly_rows(intervals_count=MAX_INTERVALS_PER_MONTH + 1)
    assert failed_columns(validate_mart("fct_monthly_consumption", too_many)) == {("intervals_count",)}


def test_a_repeated_key_and_an_empty_mart_fail() -> None:
    repeated = monthly_rows(consumption_type="estimated")
    assert not validate_mart("fct_monthly_consumption", repeated).success
    empty = monthly_rows().iloc[0:0]
    assert not validate_mart("fct_monthly_consumption", empty).success
