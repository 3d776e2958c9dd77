"""The mart suites pass a well-formed mart and name what is wrong with a bad one."""

from __future__ import annotations

from datetime import UTC, date, datetime
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


def imbalance_rows(**overrides) -> pandas.DataFrame:
    row = {
        "balancing_group_id": "VB-RO-CI",
        "period_start_utc": datetime(2026, 3, 28, 22, 0, tzinfo=UTC),
        "delivery_date": date(2026, 3, 29),
        "period_minutes": 15,
        "settled_mwh": Decimal("0.250000"),
        "imbalance_direction": "short",
        "applied_price_category": "single",
        "currency": "RON",
        "imbalance_cost": Decimal("12.50"),
        "is_price_missing": False,
    }
    unpriced = {**row, "period_start_utc": datetime(2026, 3, 28, 22, 15, tzinfo=UTC), "imbalance_cost": None, "is_price_missing": True}
    return pandas.DataFrame([{**row, **overrides}, unpriced])


def test_imbalance_periods_pass_with_an_unpriced_period_flagged() -> None:
    result = validate_mart("fct_imbalance_settlement_periods", imbalance_rows())
    assert result.success and result.row_count == 2


def test_imbalance_periods_fail_on_unknown_group_direction_or_a_known_price_without_cost() -> None:
    assert failed_columns(validate_mart("fct_imbalance_settlement_periods", imbalance_rows(balancing_group_id=None))) == {("balancing_group_id",)}
    assert failed_columns(validate_mart("fct_imbalance_settlement_periods", imbalance_rows(imbalance_direction="up"))) == {("imbalance_direction",)}
    assert failed_columns(validate_mart("fct_imbalance_settlement_periods", imbalance_rows(imbalance_cost=None))) == {("imbalance_cost",)}
    assert failed_columns(validate_mart("fct_imbalance_settlement_periods", imbalance_rows(settled_mwh=Decimal("-0.1")))) == {("settled_mwh",)}
    empty = imbalance_rows().iloc[0:0]
    assert validate_mart("fct_imbalance_settlement_periods", empty).success  # no settlement data yet is not an error


def invoice_rows(**overrides) -> pandas.DataFrame:
    row = {
        "company_id": "VB-RO", "invoice_number": "VBR00000001", "invoice_type": "advance", "customer_id": "CU-1",
        "issue_date": date(2026, 3, 5), "due_date": date(2026, 3, 20), "billing_month": date(2026, 3, 1), "currency": "RON",
        "total_with_vat": Decimal("121.00"), "amount_due": Decimal("121.00"), "paid_amount": Decimal("21.00"),
        "open_amount": Decimal("100.00"), "payment_status": "partially_paid", "corrects_invoice_number": None,
        "last_payment_value_date": date(2026, 3, 19),
    }
    credit = {**row, "invoice_number": "VBR00000002", "invoice_type": "credit_note", "total_with_vat": Decimal("-121.00"),
              "amount_due": Decimal("-121.00"), "paid_amount": Decimal("0.00"), "open_amount": Decimal("0.00"),
              "payment_status": "credit", "corrects_invoice_number": "VBR00000001", "last_payment_value_date": None}
    return pandas.DataFrame([{**row, **overrides}, credit])


def test_issued_documents_pass_and_broken_ones_fail() -> None:
    assert validate_mart("fct_invoices", invoice_rows()).success
    assert failed_columns(validate_mart("fct_invoices", invoice_rows(invoice_type="storno"))) == {("invoice_type",)}
    assert failed_columns(validate_mart("fct_invoices", invoice_rows(open_amount=Decimal("-0.01")))) == {("open_amount",)}
    assert failed_columns(validate_mart("fct_invoices", invoice_rows(invoice_number="VBR00000002"))) == {("company_id", "invoice_number")}
    orphan_credit = invoice_rows()
    orphan_credit.loc[1, "corrects_invoice_number"] = None
    assert failed_columns(validate_mart("fct_invoices", orphan_credit)) == {("corrects_invoice_number",)}
    assert validate_mart("fct_invoices", invoice_rows().iloc[0:0]).success  # nothing issued yet is not an error
