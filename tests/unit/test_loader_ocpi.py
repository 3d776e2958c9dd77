"""OCPI 2.2.1 JSON files through the landing zone: CDR and Tariff objects become the same raw rows as CSV, each
with the line its object starts on; a bad object is quarantined with its line and JSON path, the others load;
a file that is not JSON is rejected whole; the same file twice changes nothing."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from ingestion.emobility_sources import CHARGE_DETAIL_RECORDS, OCPI_TARIFFS
from ingestion.loader import ingest_source


def cdr(cdr_id: str, energy: str = "57.344", **changes) -> dict:
    value = {
        "country_code": "RO",
        "party_id": "VBC",
        "id": cdr_id,
        "start_date_time": "2026-03-10T08:00:00Z",
        "end_date_time": "2026-03-10T09:30:00Z",
        "cdr_token": {"country_code": "DE", "party_id": "ICE", "uid": "012345678", "type": "RFID", "contract_id": "DE-ICE-C1"},
        "auth_method": "WHITELIST",
        "cdr_location": {"id": "LOC1", "evse_uid": "E1", "evse_id": "RO*VBC*E00001", "connector_id": "1"},
        "currency": "EUR",
        "tariffs": [{"id": "AC_STD"}],
        "charging_periods": [{"start_date_time": "2026-03-10T08:00:00Z", "dimensions": [{"type": "ENERGY", "volume": 57.344}]}],
        "total_cost": {"excl_vat": 0},
        "total_energy": "ENERGY",
        "total_time": 1.5,
        "last_updated": "2026-03-10T09:31:00Z",
    }
    value["total_energy"] = json.loads(energy)
    value.update(changes)
    return value


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture()
def connection(tmp_path: Path):
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        yield con


def rejected(con) -> list[tuple]:
    return con.execute("select source_file, line_number, reason_code, reason from raw.rejected_rows order by line_number").fetchall()


def test_cdr_objects_load_with_their_lines_and_bad_ones_are_quarantined(tmp_path: Path, connection) -> None:
    objects = [cdr("C1"), cdr("C2", energy="-1"), cdr("C3", cdr_token={"uid": "x"}), cdr("C4", credit=True)]
    text = json.dumps(objects, indent=2)
    starts = [index + 1 for index, line in enumerate(text.splitlines()) if line == "  {"]
    write(tmp_path / "charge_detail_records", "cdrs.json", text)
    result = ingest_source(connection, CHARGE_DETAIL_RECORDS, tmp_path)
    assert (result.rows_loaded, result.rows_rejected) == (1, 3)
    row = connection.execute(
        "select cdr_id, emp_id, evse_id, product_id, total_energy_kwh, total_time_hours, credit, charging_periods_json, _source_line "
        "from raw.charge_detail_records"
    ).fetchone()
    assert row[:8] == ("C1", "DE-ICE", "RO*VBC*E00001", "AC_STD", Decimal("57.3440"), Decimal("1.500000"), "false",
                       '[{"start_date_time":"2026-03-10T08:00:00Z","dimensions":[{"type":"ENERGY","volume":57.344}]}]')
    assert row[8] == starts[0]
    bad = rejected(connection)
    assert [(line, code) for _, line, code, _ in bad] == [
        (starts[1], "negative_value"),  # the contract's minimum 0 on total_energy_kwh
        (starts[2], "invalid_ocpi_object"),  # no cdr_token.country_code
        (starts[3], "inconsistent_row"),  # credit without credit_reference_id
    ]
    assert "cdr_token.country_code: required field missing" in bad[1][3]
    assert all(name == "cdrs.json" for name, *_ in bad)


def test_the_same_json_file_twice_changes_nothing_and_a_broken_one_is_rejected_whole(tmp_path: Path, connection) -> None:
    write(tmp_path / "charge_detail_records", "a.json", json.dumps(cdr("C1")))
    write(tmp_path / "charge_detail_records", "b.json", '[{"id": "C2",')
    first = ingest_source(connection, CHARGE_DETAIL_RECORDS, tmp_path)
    second = ingest_source(connection, CHARGE_DETAIL_RECORDS, tmp_path)
    assert [f.status for f in first.files] == ["loaded", "rejected"]
    assert [f.status for f in second.files] == ["already_ingested", "already_ingested"]
    assert connection.execute("select count(*) from raw.charge_detail_records").fetchone() == (1,)
    (name, line, code, reason), = rejected(connection)
    assert (name, code) == ("b.json", "malformed_json") and "not valid JSON" in reason


def test_a_tariff_that_is_not_valid_ocpi_is_rejected_with_its_path_and_the_valid_one_loads(tmp_path: Path, connection) -> None:
    good = {
        "country_code": "RO", "party_id": "VBC", "id": "T1", "currency": "RON", "last_updated": "2026-01-05T10:00:00Z",
        "elements": [{"price_components": [{"type": "ENERGY", "price": 1.4, "vat": 21, "step_size": 1}]}],
    }
    bad = {**good, "id": "T2", "elements": [{"price_components": [{"type": "ENERGY", "price": 1.4, "step_size": -5}]}]}
    text = json.dumps([good, bad], indent=2)
    second_start = [index + 1 for index, line in enumerate(text.splitlines()) if line == "  {"][1]
    write(tmp_path / "ocpi_tariffs", "tariffs.json", text)
    result = ingest_source(connection, OCPI_TARIFFS, tmp_path)
    assert (result.rows_loaded, result.rows_rejected) == (1, 1)
    tariff_id, currency, tariff_json = connection.execute("select tariff_id, currency, tariff_json from raw.ocpi_tariffs").fetchone()
    assert (tariff_id, currency) == ("T1", "RON")
    assert json.loads(tariff_json)["elements"][0]["price_components"][0]["price"] == 1.4
    (_, line, code, reason), = rejected(connection)
    assert (code, line) == ("invalid_ocpi_object", second_start)
    assert "elements[0].price_components[0].step_size" in reason
