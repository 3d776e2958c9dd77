"""Great Expectations suites for the key marts: what billing and BI rely on, re-checked after dbt.

dbt tests guard model logic (keys, relationships, accepted values); these suites are the
independent second line on the tables money is computed from, run as blocking Dagster asset
checks so a bad mart never reaches the serving copy. Each suite is declared here, table by table.
"""

from __future__ import annotations

import functools
from typing import Any

import pandas

from ingestion.expectations import SuiteResult, run_suite

# Upper bound of intervals in one local month: 31 days x 24 hours x 4 quarter-hours, plus the
# extra hour of the autumn daylight-saving day.
MAX_INTERVALS_PER_MONTH = 31 * 24 * 4 + 4


def _monthly_consumption_suite() -> Any:
    import great_expectations as gx

    E = gx.expectations
    key = ["consumption_month", "metering_point_id", "consumption_type"]
    expectations = [
        E.ExpectTableRowCountToBeBetween(min_value=1, description="the mart is not empty after a build"),
        *(E.ExpectColumnValuesToNotBeNull(column=column, description=f"{column} is always set") for column in key),
        E.ExpectCompoundColumnsToBeUnique(column_list=key, description="one row per month, metering point and type"),
        E.ExpectColumnValuesToBeInSet(
            column="consumption_type",
            value_set=["achieved", "estimated", "recalculated"],
            description="metered consumption types (ordered quantities live at contract level)",
        ),
        *(
            E.ExpectColumnValuesToBeBetween(column=column, min_value=0, description=f"{column} is never negative")
            for column in ("energy_kwh", "inductive_kvarh", "capacitive_kvarh")
        ),
        E.ExpectColumnValuesToBeBetween(
            column="intervals_count",
            min_value=1,
            max_value=MAX_INTERVALS_PER_MONTH,
            description="a month holds at least one and at most 2,980 metering intervals",
        ),
    ]
    return gx.ExpectationSuite(name="marts.fct_monthly_consumption", expectations=expectations)


MART_SUITES = {"fct_monthly_consumption": _monthly_consumption_suite}


@functools.lru_cache(maxsize=None)
def _suite(mart: str) -> Any:
    return MART_SUITES[mart]()


def validate_mart(mart: str, frame: pandas.DataFrame) -> SuiteResult:
    """Validate a mart table (as a frame) against its suite."""
    prepared = frame.copy()
    for column in prepared.columns:
        if prepared[column].dtype == object:  # DECIMAL as Decimal objects: compare as floats, validation only
            try:
                prepared[column] = prepared[column].astype(float)
            except (TypeError, ValueError):
                pass
    return run_suite(_suite(mart), f"marts_{mart}", prepared, frozenset({"consumption_month"}))
