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


def _imbalance_settlement_periods_suite() -> Any:
    import great_expectations as gx

    E = gx.expectations
    key = ["balancing_group_id", "period_start_utc"]
    expectations = [
        # No row-count minimum: a company without settlement data yet has an empty imbalance mart.
        E.ExpectColumnValuesToNotBeNull(
            column="balancing_group_id", description="every settled EIC code is a balancing group of the `balancing_groups` seed"
        ),
        E.ExpectColumnValuesToNotBeNull(column="period_start_utc", description="period_start_utc is always set"),
        E.ExpectCompoundColumnsToBeUnique(column_list=key, description="one row per balancing group and settlement period"),
        E.ExpectColumnValuesToBeInSet(column="period_minutes", value_set=[15, 60], description="settlement periods of 15 or 60 minutes"),
        E.ExpectColumnValuesToBeBetween(column="settled_mwh", min_value=0, description="settled consumption is never negative"),
        E.ExpectColumnValuesToBeInSet(
            column="imbalance_direction", value_set=["short", "long", "balanced"], description="the direction of every imbalance"
        ),
        E.ExpectColumnValuesToBeInSet(
            column="applied_price_category", value_set=["single", "long", "short"], description="the price the imbalance is settled at"
        ),
        E.ExpectColumnValuesToBeInSet(column="currency", value_set=["RON", "BGN", "EUR"], description="a currency of the markets"),
        E.ExpectColumnValuesToNotBeNull(
            column="imbalance_cost",
            mostly=1.0,
            row_condition='is_price_missing == False',
            condition_parser="pandas",
            description="every period whose price is known has a cost",
        ),
    ]
    return gx.ExpectationSuite(name="marts.fct_imbalance_settlement_periods", expectations=expectations)


def _invoices_suite() -> Any:
    import great_expectations as gx

    E = gx.expectations
    key = ["company_id", "invoice_number"]
    expectations = [
        # No row-count minimum: nothing is issued before the first billing day.
        *(E.ExpectColumnValuesToNotBeNull(column=column, description=f"{column} is always set") for column in (
            *key, "invoice_type", "customer_id", "issue_date", "due_date", "currency", "total_with_vat", "amount_due", "payment_status",
        )),
        E.ExpectCompoundColumnsToBeUnique(column_list=key, description="one row per issued number and company"),
        E.ExpectColumnValuesToBeInSet(
            column="invoice_type",
            value_set=["advance", "regularisation", "deviation", "green_certificate_regularisation", "penalty", "credit_note"],
            description="the document types the billing run issues",
        ),
        E.ExpectColumnValuesToBeInSet(column="currency", value_set=["RON", "BGN", "EUR"], description="a currency of the markets"),
        E.ExpectColumnValuesToBeInSet(
            column="payment_status", value_set=["paid", "partially_paid", "unpaid", "credit", "zero"], description="a known payment status"
        ),
        E.ExpectColumnValuesToBeBetween(column="paid_amount", min_value=0, description="payments never make a document's paid amount negative"),
        E.ExpectColumnValuesToBeBetween(column="open_amount", min_value=0, description="an open amount is never negative (credits are apart)"),
        E.ExpectColumnValuesToNotBeNull(
            column="corrects_invoice_number",
            mostly=1.0,
            row_condition='invoice_type == "credit_note"',
            condition_parser="pandas",
            description="a credit note names the invoice it corrects",
        ),
    ]
    return gx.ExpectationSuite(name="marts.fct_invoices", expectations=expectations)


# mart -> (suite factory, date columns shown as dates in failure samples)
MART_SUITES = {
    "fct_monthly_consumption": (_monthly_consumption_suite, frozenset({"consumption_month"})),
    "fct_imbalance_settlement_periods": (_imbalance_settlement_periods_suite, frozenset({"delivery_date"})),
    "fct_invoices": (_invoices_suite, frozenset({"issue_date", "due_date", "billing_month", "last_payment_value_date"})),
}


@functools.lru_cache(maxsize=None)
def _suite(mart: str) -> Any:
    factory, _ = MART_SUITES[mart]
    return factory()


def validate_mart(mart: str, frame: pandas.DataFrame) -> SuiteResult:
    """Validate a mart table (as a frame) against its suite."""
    prepared = frame.copy()
    for column in prepared.columns:
        if prepared[column].dtype == object:  # DECIMAL as Decimal objects: compare as floats, validation only
            try:
                prepared[column] = prepared[column].astype(float)
            except (TypeError, ValueError):
                pass
    return run_suite(_suite(mart), f"marts_{mart}", prepared, MART_SUITES[mart][1])
