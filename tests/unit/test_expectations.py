"""Great Expectations suites over raw tables built the way the loader builds them: a real
in-memory DuckDB table created from the raw DDL, filled from text rows, read back with `.df()`."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from ingestion.expectations import LINEAGE_COLUMNS, SOURCE_RULES, SuiteResult, build_suite, validate_frame
from ingestion.raw_schema import raw_table_ddl
from ingestion.sources import CONTRACTS, DSO_NETWORK_FEES, METER_READINGS, SOURCES, SOURCES_BY_NAME, WEATHER, Source

REPO = Path(__file__).resolve().parents[2]

# One clean row per source, as text the way it would appear in the partner file (empty = NULL).
CLEAN_ROW: dict[str, dict[str, str]] = {
    "companies": {
        "company_id": "VB-RO",
        "legal_name": "Voltbill Romania SRL",
        "country_code": "RO",
        "market_timezone": "Europe/Bucharest",
        "vat_number": "RO12345678",
    },
    "locations": {
        "location_id": "L-1",
        "company_id": "VB-RO",
        "parent_location_id": "",
        "location_type": "region",
        "name": "North",
        "address": "",
        "city": "",
    },
    "dso_confirmations": {
        "confirmation_month": "2026-01-01",
        "dso_id": "DSO-N",
        "company_id": "VB-RO",
        "customer_id": "K-1",
        "customer_name": "Acme SA",
        "customer_class": "commercial",
        "customer_vat_number": "RO999",
        "metering_point_id": "MP-1",
        "location_id": "L-1",
        "supply_start_date": "2026-01-01",
        "interval_minutes": "15",
        "connection_capacity_kw": "250.500",
        "voltage_level": "MV",
    },
    "contracts": {
        "contract_id": "C-1",
        "addendum_number": "0",
        "company_id": "VB-RO",
        "customer_id": "K-1",
        "product_code": "FIX",
        "energy_price_per_kwh": "0.512345",
        "currency": "RON",
        "ordered_monthly_kwh": "12000.000",
        "tolerance_pct": "10.00",
        "effective_from": "2026-01-01",
        "effective_to": "2026-12-31",
        "signed_date": "2025-12-01",
        "invoice_language": "ro",
        "invoice_email": "billing@acme.example",
        "payment_terms_days": "30",
    },
    "contract_billing_settings": {
        "contract_id": "C-1",
        "effective_from": "2026-01-01",
        "regulated_tariff": "no",
        "day_price_per_kwh": "",
        "night_price_per_kwh": "",
        "peak_price_per_kwh": "",
        "advance_invoices": "yes",
        "advance_basis": "ordered",
        "deviation_invoices": "yes",
        "deviation_price_per_kwh": "0.650000",
        "green_certificate_invoices": "yes",
        "due_date_rule": "eom+15",
        "grace_days_advance": "0",
        "grace_days_regularisation": "5",
        "grace_days_penalty": "0",
        "penalty_reference_rate": "ROBOR3M",
        "penalty_margin_pct": "2.0000",
        "penalty_day_count": "ACT/360",
        "reactive_threshold_tan_phi": "0.328684",
        "excise_exempt_share_pct": "0.00",
        "intermediary_id": "",
        "intermediary_commission_pct": "",
    },
    "customer_estimates": {
        "contract_id": "C-1",
        "estimate_month": "2026-03-01",
        "estimated_kwh": "11850.125",
        "submitted_on": "2026-02-14",
        "channel": "portal",
    },
    "meter_readings": {
        "metering_point_id": "MP-1",
        "interval_start": "2026-03-29T02:45:00+02:00",
        "interval_minutes": "15",
        "energy_kwh": "1.234",
        "inductive_kvarh": "0.100",
        "capacitive_kvarh": "0",
    },
    "dso_consumption": {
        "billing_month": "2026-01-01",
        "dso_id": "DSO-N",
        "metering_point_id": "MP-1",
        "tariff_zone": "day",
        "energy_kwh": "812.500",
        "inductive_kvarh": "12.000",
        "capacitive_kvarh": "0.000",
    },
    "dso_network_fees": {
        "billing_month": "2026-01-01",
        "dso_id": "DSO-N",
        "metering_point_id": "MP-1",
        "fee_code": "distribution",
        "quantity": "812.500",
        "unit": "kWh",
        "unit_price": "0.123456",
        "amount": "100.31",
        "currency": "RON",
    },
    "weather": {
        "market_code": "RO",
        "valid_at": "2026-01-01T00:00:00+02:00",
        "kind": "actual",
        "issued_at": "",
        "temperature_c": "-3.50",
    },
    "settlement_volumes": {
        "market_code": "RO",
        "balancing_group_eic": "30XVB-RO-CI----C",
        "period_start": "2026-01-01T00:00:00+02:00",
        "period_minutes": "15",
        "settled_mwh": "0.250000",
    },
    "day_ahead_prices": {
        "market_code": "BG",
        "period_start": "2026-01-01T00:00:00+02:00",
        "period_minutes": "15",
        "price_per_mwh": "95.31",
        "currency": "EUR",
    },
    "imbalance_prices": {
        "market_code": "RO",
        "period_start": "2026-01-01T00:00:00+02:00",
        "period_minutes": "15",
        "price_category": "single",
        "price_per_mwh": "-12.50",
        "currency": "RON",
    },
    "exchange_trades": {
        "trade_id": "OPCOM-DA-000001",
        "market_code": "RO",
        "exchange": "OPCOM",
        "market_segment": "day_ahead",
        "balancing_group_eic": "30XVB-RO-HH----K",
        "delivery_start": "2026-01-01T00:00:00+02:00",
        "delivery_minutes": "15",
        "side": "buy",
        "volume_mwh": "1.200",
        "price_per_mwh": "412.35",
        "currency": "RON",
        "executed_at": "2025-12-31T13:05:00+02:00",
    },
    "bilateral_purchases": {
        "contract_id": "BL-2026-001",
        "counterparty": "Hidroelectrica",
        "market_code": "RO",
        "balancing_group_eic": "30XVB-RO-CI----C",
        "delivery_start": "2026-01-01T00:00:00+02:00",
        "delivery_minutes": "60",
        "volume_mwh": "2.000",
        "price_per_mwh": "380.00",
        "currency": "RON",
    },
    "bank_statement_lines": {
        "statement_id": "VB-RO-RON-2026-03",
        "line_number": "1",
        "account_iban": "RO49AAAA1B31007593840000",
        "booking_date": "2026-03-16",
        "value_date": "2026-03-13",
        "amount": "1234.56",
        "currency": "RON",
        "payer_name": "Acme SA",
        "payer_iban": "",
        "remittance_info": "Plata factura VBR00000123 martie",
        "bank_reference": "",
    },
    "evse_data": {
        "evse_id": "RO*VBC*E00001",
        "operator_id": "RO*VBC",
        "country_code": "RO",
        "location_id": "LOC-1",
        "location_name": "Iulius Mall",
        "street": "Str. Alexandru Vaida Voevod 53B",
        "city": "Cluj-Napoca",
        "postal_code": "400436",
        "time_zone": "Europe/Bucharest",
        "power_type": "AC_3_PHASE",
        "max_power_kw": "22.0",
        "last_updated": "2026-01-05T10:00:00+02:00",
    },
    "e_mobility_providers": {
        "emp_id": "RO-EMO",
        "legal_name": "eMobility Romania SRL",
        "vat_number": "RO12345678",
        "street": "Bd. Unirii 1",
        "city": "Bucuresti",
        "postal_code": "030119",
        "country_code": "RO",
        "invoice_email": "billing@emo.example",
        "subscribed_on": "2025-01-01",
    },
    "emp_offers": {
        "offer_id": "OFF-1",
        "emp_id": "RO-EMO",
        "country_code": "RO",
        "pricing_methodology": "standard_pricing",
        "product_id": "",
        "reference_unit": "kWh",
        "price_per_unit": "0.330000",
        "price_per_session": "",
        "currency": "RON",
        "ocpi_tariff_id": "",
        "min_session_minutes": "",
        "min_session_energy_kwh": "",
        "valid_from": "2025-01-01",
        "valid_to": "",
    },
    "emp_tax_rates": {
        "emp_id": "RO-EMO",
        "country_code": "RO",
        "price_component": "energy",
        "vat_rate_pct": "21.00",
        "valid_from": "2025-08-01",
    },
    "ocpi_tariffs": {
        "tariff_id": "T-1",
        "country_code": "RO",
        "party_id": "VBC",
        "currency": "RON",
        "last_updated": "2026-01-05T10:00:00+00:00",
        "tariff_json": "{}",
    },
    "charge_detail_records": {
        "cdr_id": "CDR-1",
        "start_date_time": "2026-03-10T08:00:00+02:00",
        "end_date_time": "2026-03-10T09:30:00+02:00",
        "evse_id": "RO*VBC*E00001",
        "emp_id": "RO-EMO",
        "product_id": "",
        "currency": "RON",
        "total_energy_kwh": "57.344",
        "total_time_hours": "1.5",
        "total_parking_time_hours": "0.25",
        "credit": "false",
        "credit_reference_id": "",
        "tariff_id": "",
        "charging_periods_json": "",
    },
    "object_types": {"type_id": "building", "name": "Building", "is_reconciliation_source": "true", "is_reconciliation_target": "false"},
    "site_objects": {
        "object_id": "SC-B1",
        "parent_id": "SC",
        "type_id": "building",
        "name": "Building 1",
        "floor_area_m2": "1200.50",
        "currency": "CZK",
        "monthly_service_charge_advance": "",
        "email": "",
    },
    "billing_meters": {"meter_id": "SC-B1-EL", "object_id": "SC-B1", "energy_type": "electricity", "unit": "kWh", "is_invoiced": "false"},
    "meter_consumption": {"meter_id": "SC-B1-EL", "period_start": "2026-04-01", "period_end": "2026-04-30", "quantity": "25.000", "complete": "true"},
    "received_invoices": {
        "invoice_id": "EL-2026-04",
        "category": "electricity",
        "meter_id": "SC-EL",
        "object_id": "SC",
        "period_start": "2026-04-01",
        "period_end": "2026-04-30",
        "amount": "200.00",
        "consumption": "50.000",
        "unit": "kWh",
        "currency": "CZK",
        "note": "",
        "alert_threshold_amount": "250.00",
    },
    "price_lists": {
        "price_list_id": "PL-1",
        "energy_type": "electricity",
        "object_id": "SC",
        "valid_from": "2026-01-01",
        "valid_to": "",
        "unit_price": "4.000000",
        "unit": "kWh",
        "currency": "CZK",
    },
    "service_charge_reconciliations": {
        "spec_id": "R-1",
        "source_object_id": "SC-B1",
        "period_start": "2025-10-01",
        "period_end": "2026-09-30",
        "kind": "water",
        "name": "Water",
        "cost": "1234.56",
        "currency": "CZK",
        "consumption_share_pct": "",
        "template": "smart_cube",
    },
}

# A second clean row differs from the first in one key column, so keys stay unique per file.
SECOND_KEY: dict[str, tuple[str, str]] = {
    "companies": ("company_id", "VB-BG"),
    "locations": ("location_id", "L-2"),
    "dso_confirmations": ("metering_point_id", "MP-2"),
    "contracts": ("addendum_number", "1"),
    "contract_billing_settings": ("effective_from", "2026-03-01"),
    "customer_estimates": ("estimate_month", "2026-04-01"),
    "meter_readings": ("interval_start", "2026-03-29T04:00:00+03:00"),
    "dso_consumption": ("tariff_zone", "night"),
    "dso_network_fees": ("fee_code", "transmission"),
    "weather": ("valid_at", "2026-01-01T01:00:00+02:00"),
    "settlement_volumes": ("period_start", "2026-01-01T00:15:00+02:00"),
    "imbalance_prices": ("period_start", "2026-01-01T00:15:00+02:00"),
    "day_ahead_prices": ("period_start", "2026-01-01T00:15:00+02:00"),
    "exchange_trades": ("trade_id", "OPCOM-DA-000002"),
    "bilateral_purchases": ("delivery_start", "2026-01-01T01:00:00+02:00"),
    "bank_statement_lines": ("line_number", "2"),
    "evse_data": ("evse_id", "RO*VBC*E00002"),
    "e_mobility_providers": ("emp_id", "RO-NEW"),
    "emp_offers": ("offer_id", "OFF-2"),
    "emp_tax_rates": ("price_component", "time"),
    "ocpi_tariffs": ("tariff_id", "T-2"),
    "charge_detail_records": ("cdr_id", "CDR-2"),
    "object_types": ("type_id", "tenant"),
    "site_objects": ("object_id", "SC-B2"),
    "billing_meters": ("meter_id", "SC-B2-EL"),
    "meter_consumption": ("meter_id", "SC-B2-EL"),
    "received_invoices": ("invoice_id", "EL-2026-05"),
    "price_lists": ("price_list_id", "PL-2"),
    "service_charge_reconciliations": ("spec_id", "R-2"),
}


def clean_rows(source: Source, count: int = 2) -> list[dict[str, str]]:
    first = dict(CLEAN_ROW[source.name])
    column, value = SECOND_KEY[source.name]
    return [first, {**first, column: value}][:count]


def raw_frame(source: Source, rows: list[dict[str, str]], files: list[str] | None = None) -> pd.DataFrame:
    """The raw table of `source` holding `rows` (text values; "" is NULL), as `.df()` returns it.

    Row i comes from `files[i]` (default `f1.csv`) at physical line i + 2.
    """
    connection = duckdb.connect()
    try:
        connection.execute("CREATE SCHEMA raw")
        connection.execute(raw_table_ddl(source))
        columns = [*source.column_names, *LINEAGE_COLUMNS]
        placeholders = ", ".join("?" for _ in columns)
        statement = f"INSERT INTO {source.raw_table} ({', '.join(columns)}) VALUES ({placeholders})"
        for index, row in enumerate(rows):
            lineage = {
                "_source_file": (files or [])[index] if files else "f1.csv",
                "_source_line": index + 2,
                "_ingestion_id": "0123456789abcdef",
                "_ingestion_seq": 1,
                "_ingested_at": "2026-04-01T00:00:00+00:00",
            }
            values = {**{name: row.get(name, "") or None for name in source.column_names}, **lineage}
            connection.execute(statement, [values[name] for name in columns])
        return connection.sql(f"SELECT * FROM {source.raw_table}").df()
    finally:
        connection.close()


def with_values(source: Source, **changes: str) -> pd.DataFrame:
    """Two clean rows of `source`, the second one changed."""
    first, second = clean_rows(source)
    return raw_frame(source, [first, {**second, **changes}])


def only_failure(result: SuiteResult, expectation_type: str, column: str):
    matching = [f for f in result.failures if f.expectation_type == expectation_type and column in f.columns]
    assert matching, f"no {expectation_type} failure on {column}: {[f.summary for f in result.failures]}"
    return matching[0]


# --- clean data ------------------------------------------------------------------------------


def test_every_source_has_a_clean_fixture() -> None:
    assert set(CLEAN_ROW) == {source.name for source in SOURCES}


@pytest.mark.parametrize("source", SOURCES, ids=lambda source: source.name)
def test_clean_raw_table_passes(source: Source) -> None:
    result = validate_frame(source, raw_frame(source, clean_rows(source)))
    assert result.success, [failure.summary for failure in result.failures]
    assert (result.failed, result.failures, result.row_count) == (0, (), 2)
    assert result.evaluated == len(build_suite(source).expectations)


@pytest.mark.parametrize("source", SOURCES, ids=lambda source: source.name)
def test_empty_raw_table_passes(source: Source) -> None:
    result = validate_frame(source, raw_frame(source, []))
    assert result.success, [failure.summary for failure in result.failures]
    assert result.row_count == 0


def test_decimal_objects_in_object_columns_are_validated_without_touching_the_frame() -> None:
    frame = with_values(METER_READINGS, energy_kwh="2.5")
    frame["energy_kwh"] = pd.Series([Decimal("1.234"), Decimal("-2.500")], dtype=object)
    result = validate_frame(METER_READINGS, frame)
    failure = only_failure(result, "expect_column_values_to_be_between", "energy_kwh")
    assert failure.sample == ("-2.5",)
    assert [f.columns for f in result.failures] == [("energy_kwh",)]
    assert frame["energy_kwh"].dtype == object and frame["energy_kwh"].iloc[1] == Decimal("-2.500")


# --- each kind of violation ------------------------------------------------------------------


def test_null_in_required_column_fails_with_the_row_located() -> None:
    result = validate_frame(METER_READINGS, with_values(METER_READINGS, energy_kwh=""))
    assert not result.success
    failure = only_failure(result, "expect_column_values_to_not_be_null", "energy_kwh")
    assert (failure.unexpected_count, failure.unexpected_percent) == (1, 50.0)
    assert failure.sample == ("null",)
    assert failure.locations == ("f1.csv:3",)
    assert "1 of 2 rows" in failure.summary and "f1.csv:3" in failure.summary


def test_null_in_optional_column_passes() -> None:
    assert validate_frame(CONTRACTS, with_values(CONTRACTS, invoice_email="", effective_to="")).success


def test_text_value_outside_allowed_set_fails() -> None:
    result = validate_frame(CONTRACTS, with_values(CONTRACTS, currency="USD"))
    failure = only_failure(result, "expect_column_values_to_be_in_set", "currency")
    assert failure.sample == ("USD",)
    assert "USD" in failure.summary


def test_integer_value_outside_allowed_set_fails() -> None:
    result = validate_frame(METER_READINGS, with_values(METER_READINGS, interval_minutes="30"))
    assert [(f.expectation_type, f.columns, f.sample) for f in result.failures] == [
        ("expect_column_values_to_be_in_set", ("interval_minutes",), ("30",))
    ]


def test_negative_energy_fails() -> None:
    result = validate_frame(METER_READINGS, with_values(METER_READINGS, energy_kwh="-1.500"))
    failure = only_failure(result, "expect_column_values_to_be_between", "energy_kwh")
    assert failure.sample == ("-1.5",)
    assert failure.rule == "contract/range"


def test_energy_above_the_contract_maximum_fails() -> None:
    result = validate_frame(METER_READINGS, with_values(METER_READINGS, inductive_kvarh="250000"))
    failure = only_failure(result, "expect_column_values_to_be_between", "inductive_kvarh")
    assert failure.rule == "contract/range"
    assert failure.sample == ("250000",)


def test_temperature_outside_the_contract_range_fails() -> None:
    result = validate_frame(WEATHER, with_values(WEATHER, temperature_c="55.00"))
    failure = only_failure(result, "expect_column_values_to_be_between", "temperature_c")
    assert (failure.rule, failure.sample) == ("contract/range", ("55",))


def test_absurd_network_fee_amount_fails() -> None:
    result = validate_frame(DSO_NETWORK_FEES, with_values(DSO_NETWORK_FEES, amount="-2000000000.00"))
    failure = only_failure(result, "expect_column_values_to_be_between", "amount")
    assert failure.sample == ("-2000000000",)


def test_duplicate_key_within_one_file_fails() -> None:
    row = CLEAN_ROW["meter_readings"]
    result = validate_frame(METER_READINGS, raw_frame(METER_READINGS, [row, {**row, "energy_kwh": "9"}]))
    failure = only_failure(result, "expect_compound_columns_to_be_unique", "metering_point_id")
    assert failure.columns == ("metering_point_id", "interval_start", "_source_file")
    assert failure.unexpected_count == 2
    assert failure.locations == ("f1.csv:2", "f1.csv:3")
    assert "MP-1" in failure.sample[0] and "f1.csv" in failure.sample[0]


def test_same_key_in_two_files_is_a_revision_and_passes() -> None:
    row = CLEAN_ROW["meter_readings"]
    frame = raw_frame(METER_READINGS, [row, {**row, "energy_kwh": "9"}], files=["jan.csv", "jan-fix.csv"])
    assert validate_frame(METER_READINGS, frame).success


def test_duplicate_key_with_a_null_key_part_fails() -> None:
    # Weather actuals have no issued_at: two actuals for the same hour in one file are duplicates.
    row = CLEAN_ROW["weather"]
    result = validate_frame(WEATHER, raw_frame(WEATHER, [row, {**row, "temperature_c": "1.00"}]))
    only_failure(result, "expect_compound_columns_to_be_unique", "issued_at")


def test_effective_to_before_effective_from_fails() -> None:
    result = validate_frame(CONTRACTS, with_values(CONTRACTS, effective_from="2026-06-01", effective_to="2026-05-31"))
    failure = only_failure(result, "expect_column_pair_values_a_to_be_greater_than_b", "effective_to")
    assert failure.columns == ("effective_to", "effective_from")
    assert failure.sample == ("(effective_to=2026-05-31, effective_from=2026-06-01)",)
    assert failure.locations == ("f1.csv:3",)


@pytest.mark.parametrize("effective_to", ["2026-06-01", ""], ids=["same-day", "open-ended"])
def test_one_day_and_open_ended_terms_pass(effective_to: str) -> None:
    frame = with_values(CONTRACTS, effective_from="2026-06-01", effective_to=effective_to)
    assert validate_frame(CONTRACTS, frame).success


def test_missing_column_fails_and_names_it_without_raising() -> None:
    frame = raw_frame(METER_READINGS, clean_rows(METER_READINGS)).drop(columns=["capacitive_kvarh"])
    result = validate_frame(METER_READINGS, frame)
    assert not result.success
    failure = only_failure(result, "expect_table_columns_to_match_set", "capacitive_kvarh")
    assert "missing capacitive_kvarh" in failure.summary
    # The column's own expectations cannot run; they fail with a reason instead of raising.
    assert all("capacitive_kvarh" in f.columns for f in result.failures)
    assert any("could not be evaluated" in f.summary for f in result.failures)


def test_unexpected_column_fails() -> None:
    frame = raw_frame(WEATHER, clean_rows(WEATHER)).assign(humidity_pct=50)
    failure = only_failure(validate_frame(WEATHER, frame), "expect_table_columns_to_match_set", "humidity_pct")
    assert "unexpected humidity_pct" in failure.summary


def test_header_line_as_source_line_fails() -> None:
    frame = raw_frame(METER_READINGS, clean_rows(METER_READINGS))
    frame.loc[0, "_source_line"] = 1
    failure = only_failure(validate_frame(METER_READINGS, frame), "expect_column_values_to_be_between", "_source_line")
    assert failure.sample == ("1",)


def test_failures_are_located_in_a_filtered_frame() -> None:
    frame = with_values(METER_READINGS, energy_kwh="-1").iloc[1:]  # index starts at 1
    failure = only_failure(validate_frame(METER_READINGS, frame), "expect_column_values_to_be_between", "energy_kwh")
    assert failure.locations == ("f1.csv:3",)


# --- results ---------------------------------------------------------------------------------


def test_metadata_holds_only_plain_types() -> None:
    frame = with_values(CONTRACTS, currency="USD", payment_terms_days="", effective_to="2020-01-01")
    result = validate_frame(CONTRACTS, frame)
    assert result.failed == 3 == len(result.failures)
    metadata = result.to_metadata()
    assert all(isinstance(key, str) for key in metadata)
    assert {type(value) for value in metadata.values()} <= {str, int, float, bool}
    json.dumps(metadata)
    assert metadata["success"] is False
    assert metadata["row_count"] == 2 and metadata["expectations_failed"] == 3
    assert "USD" in metadata["failures"]
    assert metadata["failures"].count("\n") == 2  # one line per failure


def test_metadata_of_a_passing_run() -> None:
    metadata = validate_frame(WEATHER, raw_frame(WEATHER, clean_rows(WEATHER))).to_metadata()
    assert metadata["success"] is True and "failures" not in metadata
    assert metadata["suite"] == "raw.weather.contract"


def test_result_is_frozen() -> None:
    result = validate_frame(WEATHER, raw_frame(WEATHER, []))
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.success = False  # type: ignore[misc]


def test_suite_is_derived_from_the_contract_and_annotated() -> None:
    suite = build_suite(CONTRACTS)
    assert suite.name == "raw.contracts.contract"
    types_by_column: dict[str, set[str]] = {}
    for expectation in suite.expectations:
        assert expectation.meta["source"] == "contracts" and expectation.description
        for column in expectation.meta["columns"]:
            types_by_column.setdefault(column, set()).add(expectation.expectation_type)
    assert "expect_column_values_to_not_be_null" not in types_by_column["effective_to"]  # optional
    assert "expect_column_values_to_be_between" in types_by_column["tolerance_pct"]  # min/max
    assert "expect_column_values_to_be_in_set" in types_by_column["currency"]  # allowed
    assert {"expect_column_values_to_not_be_null"} <= types_by_column["_ingested_at"]  # lineage


def test_registry_rules_name_real_sources_and_columns() -> None:
    for source_name, rules in SOURCE_RULES.items():
        columns = set(SOURCES_BY_NAME[source_name].column_names)
        for rule in rules:
            named = {getattr(rule, attribute) for attribute in ("column", "later", "earlier") if hasattr(rule, attribute)}
            assert named and named <= columns, (source_name, rule)


def test_importing_the_module_does_not_import_great_expectations() -> None:
    code = "import sys, ingestion.expectations; sys.exit('great_expectations' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], cwd=REPO, check=False).returncode == 0


def test_a_file_that_fails_stays_pending_so_every_later_run_fails_too(tmp_path) -> None:
    """The blocking check must not pass on a rerun just because the bad file is no longer new."""
    from ingestion.expectations import validate_pending_files
    from ingestion.loader import ingest_source

    folder = tmp_path / "meter_readings"
    folder.mkdir()
    header = ",".join(METER_READINGS.column_names)
    (folder / "a.csv").write_text(f"{header}\nMP1,2026-01-01T00:00:00+02:00,60,1.000,0,0\n")
    (folder / "b.csv").write_text(f"{header}\nMP1,2026-01-01T01:00:00+02:00,60,2.000,0,0\n")
    with duckdb.connect() as connection:
        ingest_source(connection, METER_READINGS, tmp_path)
        # A row the loader's contract does not catch but the suite does (here: a line number the
        # loader would never write), standing for any gap between the two lines of defence.
        connection.execute("UPDATE raw.meter_readings SET _source_line = 1 WHERE _source_file = 'b.csv'")
        first = validate_pending_files(connection, METER_READINGS)
        second = validate_pending_files(connection, METER_READINGS)
        flags = connection.execute(
            "SELECT file_name, expectations_passed FROM raw.ingested_files ORDER BY file_name"
        ).fetchall()
    assert (first.success, first.row_count) == (False, 2)
    assert (second.success, second.row_count) == (False, 1)  # a.csv passed and is not re-validated
    assert flags == [("a.csv", True), ("b.csv", False)]
