"""Tests of the sample's EV-charging files: determinism, contracts, OCPI objects, defects, truth amounts, bulk file."""

from __future__ import annotations

import csv
import json
from collections import Counter
from datetime import date, datetime
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest

from data.sample_portfolio import generate
from data.sample_portfolio.emobility import write_bulk_cdrs, write_bulk_reference, write_emobility_files
from ingestion.emobility_sources import (
    CHARGE_DETAIL_RECORDS,
    E_MOBILITY_PROVIDERS,
    EMOBILITY_SOURCES,
    EMP_OFFERS,
    EMP_TAX_RATES,
    EVSE_DATA,
    OCPI_TARIFFS,
)
from ingestion.loader import ingest_source

MONTHS = ["2025-11", "2025-12", "2026-01"]
REASON_CODES = {
    "methodology_not_supported",
    "product_id_missing",
    "product_id_unknown",
    "session_below_validity",
    "currency_not_supported",
    "no_evse_data",
    "tax_not_configured",
}
CSV_SOURCES = {
    source.name: source for source in (EVSE_DATA, E_MOBILITY_PROVIDERS, EMP_OFFERS, EMP_TAX_RATES, CHARGE_DETAIL_RECORDS)
}
CENT = Decimal("0.01")


def _write(out: Path, seed: int = 7) -> dict[str, int]:
    return write_emobility_files(out / "inbox", out / "truth", seed, MONTHS)


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("emobility")
    _write(out)
    return out


@pytest.fixture(scope="module")
def truth(sample: Path) -> dict:
    return json.loads((sample / "truth" / "emobility.json").read_text(encoding="utf-8"))


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    text = path.read_bytes().decode("utf-8")
    assert text.endswith("\n") and "\r" not in text, path.name
    rows = list(csv.reader(text.splitlines()))
    return rows[0], [dict(zip(rows[0], row)) for row in rows[1:]]


def cdr_rows(sample: Path) -> list[tuple[str, int, dict]]:
    """(file, line, row) of every delivered CDR; OCPI objects mapped to the CSV columns that matter here."""
    found = []
    folder = sample / "inbox" / CHARGE_DETAIL_RECORDS.name
    for path in sorted(folder.glob("*.csv")):
        _, rows = read_csv(path)
        found += [(path.name, line, row) for line, row in enumerate(rows, start=2)]
    for path in sorted(folder.glob("*.json")):
        text = path.read_text(encoding="utf-8")
        starts = [n for n, line in enumerate(text.split("\n"), start=1) if line == "  {"]
        for line, obj in zip(starts, json.loads(text, parse_float=Decimal)):
            row = {
                "cdr_id": obj["id"],
                "start_date_time": obj["start_date_time"],
                "end_date_time": obj["end_date_time"],
                "evse_id": obj["cdr_location"]["evse_id"],
                "emp_id": f"{obj['cdr_token']['country_code']}-{obj['cdr_token']['party_id']}",
                "product_id": obj["tariffs"][0]["id"] if obj.get("tariffs") else "",
                "currency": obj["currency"],
                "total_energy_kwh": str(obj["total_energy"]),
                "total_time_hours": str(obj["total_time"]),
                "credit": "true" if obj.get("credit") else "false",
                "credit_reference_id": obj.get("credit_reference_id", ""),
            }
            found.append((path.name, line, row))
    return found


# ---------------------------------------------------------------- determinism and contracts


def _bytes(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_seed_gives_identical_bytes_and_another_seed_differs(tmp_path: Path) -> None:
    for name, seed in (("a", 3), ("b", 3), ("c", 4)):
        _write(tmp_path / name, seed)
    a, b, c = _bytes(tmp_path / "a"), _bytes(tmp_path / "b"), _bytes(tmp_path / "c")
    assert a == b
    assert a["inbox/charge_detail_records/cdrs_RO_2025-11.csv"] != c["inbox/charge_detail_records/cdrs_RO_2025-11.csv"]


def test_every_csv_has_the_contract_header_and_the_truth_counts_every_file(sample: Path, truth: dict) -> None:
    inbox = sample / "inbox"
    for path in sorted(inbox.rglob("*.csv")):
        header, rows = read_csv(path)
        assert tuple(header) == CSV_SOURCES[path.parent.name].column_names, path.name
        assert truth["files"][f"inbox/{path.parent.name}/{path.name}"] == len(rows)
    for path in sorted(inbox.rglob("*.json")):
        assert truth["files"][f"inbox/{path.parent.name}/{path.name}"] == len(json.loads(path.read_text(encoding="utf-8")))
    assert {p.parent.name for p in inbox.rglob("*.*")} == {source.name for source in EMOBILITY_SOURCES}
    assert len(truth["files"]) == len(list(inbox.rglob("*.*")))


def test_reference_data_is_plausible(sample: Path) -> None:
    inbox = sample / "inbox"
    _, evses = read_csv(inbox / "evse_data" / "evse_data.csv")
    by_country = Counter(e["country_code"] for e in evses)
    assert by_country == {"RO": 24, "BG": 16}
    for evse in evses:
        assert evse["evse_id"].startswith(evse["operator_id"] + "*E")
        assert evse["time_zone"] == {"RO": "Europe/Bucharest", "BG": "Europe/Sofia"}[evse["country_code"]]
        assert (evse["power_type"], evse["max_power_kw"]) in {
            ("AC_3_PHASE", "11.0"),
            ("AC_3_PHASE", "22.0"),
            ("DC", "50.0"),
            ("DC", "150.0"),
        }
    _, offers = read_csv(inbox / "emp_offers" / "offers.csv")
    standard_units = {o["reference_unit"] for o in offers if o["pricing_methodology"] == "standard_pricing"}
    assert standard_units == {"kWh", "minute", "hour", "session"}
    assert {o["product_id"] for o in offers if o["pricing_methodology"] == "product_pricing"} == {"AC_STD", "DC_FAST"}
    assert {o["pricing_methodology"] for o in offers} == {"standard_pricing", "product_pricing", "ocpi_tariff", "individual_pdf"}
    for offer in (o for o in offers if o["country_code"] == "BG"):  # the euro changeover
        assert (offer["currency"], offer["valid_to"] or offer["valid_from"]) in {("BGN", "2025-12-31"), ("EUR", "2026-01-01")}
    _, taxes = read_csv(inbox / "emp_tax_rates" / "tax_rates.csv")
    assert not [t for t in taxes if t["emp_id"] == "RO-NEW"]
    assert {(t["vat_rate_pct"], t["valid_from"]) for t in taxes if t["country_code"] == "RO"} == {
        ("19.00", "2017-01-01"),
        ("21.00", "2025-08-01"),
    }
    assert {t["vat_rate_pct"] for t in taxes if t["country_code"] == "BG"} == {"20.00"}


def test_ocpi_tariffs_are_json_arrays_and_one_lacks_its_currency(sample: Path, truth: dict) -> None:
    folder = sample / "inbox" / OCPI_TARIFFS.name
    tariffs = {path.name: json.loads(path.read_text(encoding="utf-8")) for path in folder.glob("*.json")}
    assert sorted(tariffs) == ["tariffs.json", "tariffs_broken.json"]
    broken = [t for objects in tariffs.values() for t in objects if "currency" not in t]
    assert [t["id"] for t in broken] == [entry["tariff_id"] for entry in truth["rejected_tariffs"]]
    for tariff in (t for objects in tariffs.values() for t in objects if "currency" in t):
        assert {"id", "country_code", "party_id", "currency", "elements", "last_updated"} <= set(tariff)
    priced = tariffs["tariffs.json"][0]
    components = {
        c["type"]: (c["step_size"], element.get("restrictions"))
        for element in priced["elements"]
        for c in element["price_components"]
    }
    assert set(components) == {"ENERGY", "TIME", "PARKING_TIME", "FLAT"}
    assert components["ENERGY"][0] == 1 and components["TIME"][0] == 60 and "start_time" in components["TIME"][1]


def test_every_ocpi_cdr_parses_and_its_charging_periods_add_up_to_its_totals(sample: Path, truth: dict) -> None:
    files = sorted((sample / "inbox" / CHARGE_DETAIL_RECORDS.name).glob("*.json"))
    assert [p.name for p in files] == [f"cdrs_BG_{month}.json" for month in MONTHS]
    checked = 0
    for path in files:
        for cdr in json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal):
            assert cdr["start_date_time"].endswith("Z") and cdr["end_date_time"] >= cdr["start_date_time"]
            assert set(cdr["cdr_token"]) == {"country_code", "party_id", "uid", "type", "contract_id"}
            assert cdr["cdr_token"]["type"] == "RFID" and cdr["cdr_location"]["country"] == "BGR"
            volumes: Counter[str] = Counter()
            for period in cdr["charging_periods"]:
                for dimension in period["dimensions"]:
                    volumes[dimension["type"]] += Decimal(dimension["volume"])
            assert volumes["ENERGY"] == Decimal(cdr["total_energy"]), cdr["id"]
            assert volumes["PARKING_TIME"] == Decimal(cdr["total_parking_time"]), cdr["id"]
            assert volumes["TIME"] + volumes["PARKING_TIME"] == Decimal(cdr["total_time"]), cdr["id"]
            duration = datetime.fromisoformat(cdr["end_date_time"]) - datetime.fromisoformat(cdr["start_date_time"])
            assert Decimal(int(duration.total_seconds())) / 3600 == Decimal(cdr["total_time"]), cdr["id"]
            checked += 1
    assert checked > 200


def test_csv_cdrs_are_realistic_and_their_charging_periods_add_up(sample: Path, truth: dict) -> None:
    with_periods = 0
    for name, _, row in cdr_rows(sample):
        if not name.endswith(".csv") or truth["cdrs"][row["cdr_id"]]["status"] == "rejected":
            continue
        start, end = datetime.fromisoformat(row["start_date_time"]), datetime.fromisoformat(row["end_date_time"])
        hours = Decimal(row["total_time_hours"])
        assert Decimal(int((end - start).total_seconds())) / 3600 == hours
        energy = Decimal(row["total_energy_kwh"])
        assert len(row["total_energy_kwh"].split(".")[1]) == 3
        if truth["cdrs"][row["cdr_id"]]["defect"] in ("clean", "credit"):
            seconds = hours * 3600
            if seconds >= 3600:  # AC: 1-6 h, 5-40 kWh
                assert seconds <= 6 * 3600 and Decimal(5) <= energy <= 40, row["cdr_id"]
            else:  # DC: 15-50 min, 15-70 kWh
                assert 900 <= seconds <= 3000 and Decimal(15) <= energy <= 70, row["cdr_id"]
        if row["charging_periods_json"]:
            with_periods += 1
            periods = json.loads(row["charging_periods_json"], parse_float=Decimal)
            energy_sum = sum(
                (Decimal(d["volume"]) for p in periods for d in p["dimensions"] if d["type"] == "ENERGY"), Decimal(0)
            )
            time_sum = sum(
                (Decimal(d["volume"]) for p in periods for d in p["dimensions"] if d["type"] in ("TIME", "PARKING_TIME")),
                Decimal(0),
            )
            assert (energy_sum, time_sum) == (energy, hours), row["cdr_id"]
    assert with_periods > 50


# ---------------------------------------------------------------- defects and truth


def test_every_defect_kind_appears_and_is_visible_in_the_files(sample: Path, truth: dict) -> None:
    rows = cdr_rows(sample)
    inbox = sample / "inbox"
    _, evses = read_csv(inbox / "evse_data" / "evse_data.csv")
    registered = {e["evse_id"] for e in evses}
    by_id = {row["cdr_id"]: row for _, _, row in rows}
    cdrs = truth["cdrs"]
    reasons = Counter(entry["reason_code"] for entry in cdrs.values() if entry["status"] == "not_rated")
    assert set(reasons) == REASON_CODES
    assert Counter(e["reason_code"] for e in cdrs.values() if e["status"] == "rejected") == {
        "inconsistent_row": 6,
        "negative_value": 3,
    }
    for month, kinds in truth["defects_per_month"].items():
        assert kinds["no_evse_data"] == 2 and kinds["credit"] == 2 and kinds["negative_energy"] == 1, month
        assert kinds.get("repeat", 0) == (0 if month == MONTHS[0] else 2), month
    for cdr_id, entry in cdrs.items():
        row = by_id[cdr_id]
        reason = entry["reason_code"]
        assert (row["evse_id"] in registered) == (reason != "no_evse_data"), cdr_id
        assert (row["currency"] == "USD") == (reason == "currency_not_supported"), cdr_id
        if reason == "product_id_missing":
            assert row["emp_id"] == "AT-SMT" and row["product_id"] == ""
        if reason == "product_id_unknown":
            assert row["emp_id"] == "AT-SMT" and row["product_id"] not in ("AC_STD", "DC_FAST", "")
        if reason == "session_below_validity":
            assert Decimal(row["total_time_hours"]) * 60 < 2
        if reason == "tax_not_configured":
            assert (row["emp_id"], entry["country_code"]) in {("RO-NEW", "RO"), ("NL-PLG", "BG")}
        if reason == "methodology_not_supported":
            assert entry["methodology"] == "individual_pdf"
        if entry["defect"] == "credit":
            original = by_id[row["credit_reference_id"]]
            assert row["credit"] == "true" and original["emp_id"] == row["emp_id"] and original["credit"] == "false"
            assert row["cdr_id"] > original["cdr_id"]  # an earlier CDR of the same file
            for column in ("total_energy_kwh", "total_time_hours", "start_date_time", "end_date_time"):
                assert row[column] == original[column], (cdr_id, column)
    kinds = {entry["defect"] for entry in cdrs.values()}
    assert {"end_before_start", "negative_energy", "credit_without_reference"} <= kinds


def test_a_repeat_is_the_same_cdr_delivered_again_in_the_next_months_file(sample: Path, truth: dict) -> None:
    rows = cdr_rows(sample)
    occurrences: dict[str, list[tuple[str, int, dict]]] = {}
    for name, line, row in rows:
        occurrences.setdefault(row["cdr_id"], []).append((name, line, row))
    repeated = {cdr_id: found for cdr_id, found in occurrences.items() if len(found) > 1}
    assert len(repeated) == len(truth["repeats"]) == 2 * (len(MONTHS) - 1)
    for entry in truth["repeats"]:
        (first_file, first_line, first), (file, line, again) = repeated[entry["cdr_id"]]
        assert (first_file, first_line) == (Path(entry["first_file"]).name, entry["first_line"])
        assert (file, line) == (Path(entry["file"]).name, entry["line"])
        assert first == again and file.split("_")[1] == first_file.split("_")[1] and file > first_file
        assert truth["cdrs"][entry["cdr_id"]]["status"] == "rated"
    assert sum(1 for _ in rows) == truth["counts"]["cdr_rows"] == len(truth["cdrs"]) + len(truth["repeats"])


def test_the_loader_rejects_exactly_the_rows_the_truth_marks_rejected(sample: Path, truth: dict) -> None:
    with duckdb.connect() as connection:
        results = {source.name: ingest_source(connection, source, sample / "inbox") for source in EMOBILITY_SOURCES}
        rejected = set(connection.execute("SELECT source_file, line_number, reason_code FROM raw.rejected_rows").fetchall())
    expected = {(Path(e["file"]).name, e["line"], e["reason_code"]) for e in truth["cdrs"].values() if e["status"] == "rejected"}
    expected |= {(Path(e["file"]).name, e["line"], e["reason_code"]) for e in truth["rejected_tariffs"]}
    assert rejected == expected
    rejected_cdrs = sum(1 for e in truth["cdrs"].values() if e["status"] == "rejected")
    assert results[CHARGE_DETAIL_RECORDS.name].rows_loaded == truth["counts"]["cdr_rows"] - rejected_cdrs


def _by_hand(
    row: dict[str, str], offers: list[dict[str, str]], taxes: list[dict[str, str]], country: str
) -> tuple[Decimal, Decimal, Decimal]:
    """Net, VAT and gross of a Standard or Product Pricing CSV row, from the offer and tax files alone."""
    zone = ZoneInfo({"RO": "Europe/Bucharest", "BG": "Europe/Sofia"}[country])
    day = datetime.fromisoformat(row["start_date_time"]).astimezone(zone).date().isoformat()
    offer = next(
        o
        for o in offers
        if o["emp_id"] == row["emp_id"]
        and o["country_code"] == country
        and o["product_id"] == row["product_id"]
        and o["valid_from"] <= day
        and (not o["valid_to"] or day <= o["valid_to"])
    )
    hours = Decimal(row["total_time_hours"])
    quantity = {"kWh": Decimal(row["total_energy_kwh"]), "minute": hours * 60, "hour": hours, "session": Decimal(1)}[
        offer["reference_unit"]
    ]
    parts = [
        (
            {"kWh": "energy", "minute": "time", "hour": "time", "session": "session_fee"}[offer["reference_unit"]],
            quantity * Decimal(offer["price_per_unit"]),
        )
    ]
    if offer["pricing_methodology"] == "product_pricing":
        parts.append(("session_fee", Decimal(offer["price_per_session"])))
    net = vat = Decimal(0)
    for component, amount in parts:
        rates = [
            t
            for t in taxes
            if (t["emp_id"], t["country_code"], t["price_component"]) == (row["emp_id"], country, component)
            and t["valid_from"] <= day
        ]
        rate = Decimal(max(rates, key=lambda t: t["valid_from"])["vat_rate_pct"])
        component_net = amount.quantize(CENT, rounding=ROUND_CEILING)
        net += component_net
        vat += (component_net * rate / 100).quantize(CENT, rounding=ROUND_HALF_UP)
    sign = -1 if row["credit"] == "true" else 1
    return sign * net, sign * vat, sign * (net + vat)


def test_truth_amounts_match_a_computation_by_hand_from_the_csv_rows(sample: Path, truth: dict) -> None:
    inbox = sample / "inbox"
    _, offers = read_csv(inbox / "emp_offers" / "offers.csv")
    _, taxes = read_csv(inbox / "emp_tax_rates" / "tax_rates.csv")
    _, rows = read_csv(inbox / CHARGE_DETAIL_RECORDS.name / f"cdrs_RO_{MONTHS[0]}.csv")
    entries = [(row, truth["cdrs"][row["cdr_id"]]) for row in rows]
    picks = [
        next(row for row, e in entries if e["status"] == "rated" and row["emp_id"] == "RO-EMO" and row["credit"] == "false"),
        next(row for row, e in entries if e["status"] == "rated" and row["emp_id"] == "NL-PLG" and row["credit"] == "false"),
        next(row for row, e in entries if e["status"] == "rated" and row["emp_id"] == "AT-SMT" and row["credit"] == "false"),
        next(row for row, e in entries if e["status"] == "rated" and row["credit"] == "true"),
    ]
    for row in picks:
        amounts = truth["cdrs"][row["cdr_id"]]["amounts"]
        expected = _by_hand(row, offers, taxes, "RO")
        assert (Decimal(amounts["net"]), Decimal(amounts["vat"]), Decimal(amounts["gross"])) == expected, row["cdr_id"]
        assert expected[2] != 0
    credit = picks[-1]
    original = truth["cdrs"][credit["credit_reference_id"]]["amounts"]
    assert Decimal(truth["cdrs"][credit["cdr_id"]]["amounts"]["gross"]) == -Decimal(original["gross"])
    # every priced CDR of the sample: net + vat = gross and components add up
    for entry in truth["cdrs"].values():
        if "amounts" in entry:
            a = entry["amounts"]
            assert Decimal(a["net"]) + Decimal(a["vat"]) == Decimal(a["gross"])
            assert sum(Decimal(c["net"]) for c in a["components"]) == Decimal(a["net"])
    assert date.fromisoformat(truth["cdrs"][picks[0]["cdr_id"]]["local_start_day"]).strftime("%Y-%m") == MONTHS[0]


# ---------------------------------------------------------------- generator and bulk file


def test_generate_writes_the_emobility_files_and_removes_stale_json(tmp_path: Path) -> None:
    stale = tmp_path / "inbox" / CHARGE_DETAIL_RECORDS.name / "cdrs_BG_1999-01.json"
    stale.parent.mkdir(parents=True)
    stale.write_text("[]\n", encoding="utf-8")
    summary = generate(tmp_path, seed=2, meters=3, months=1)
    assert not stale.exists()
    assert (tmp_path / "truth" / "emobility.json").exists()
    truth = json.loads((tmp_path / "truth" / "truth.json").read_text(encoding="utf-8"))
    assert "inbox/charge_detail_records/cdrs_BG_2025-10.json" in truth["files"]
    assert summary.rows_per_source[CHARGE_DETAIL_RECORDS.name] > 200
    assert summary.rows_per_source[EVSE_DATA.name] == 40


def test_bulk_cdrs_are_unique_ratable_and_load_without_rejections(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    write_bulk_reference(inbox, seed=5)
    written = write_bulk_cdrs(inbox / CHARGE_DETAIL_RECORDS.name / "bulk.csv", 1_000, seed=5)
    header, rows = read_csv(inbox / CHARGE_DETAIL_RECORDS.name / "bulk.csv")
    assert tuple(header) == CHARGE_DETAIL_RECORDS.column_names
    assert written["rows"] == len(rows) == len({row["cdr_id"] for row in rows}) == 1_000
    _, evses = read_csv(inbox / "evse_data" / "evse_data.csv")
    _, offers = read_csv(inbox / "emp_offers" / "offers.csv")
    standard = {
        (o["emp_id"], o["currency"])
        for o in offers
        if o["country_code"] == "RO" and o["pricing_methodology"] == "standard_pricing"
    }
    ro_evses = {e["evse_id"] for e in evses if e["country_code"] == "RO"}
    for row in rows:
        assert row["evse_id"] in ro_evses and (row["emp_id"], row["currency"]) in standard and row["emp_id"] != "RO-NEW"
        assert row["credit"] == "false" and not row["charging_periods_json"] and not row["product_id"]
    with duckdb.connect() as connection:
        result = ingest_source(connection, CHARGE_DETAIL_RECORDS, inbox)
    assert (result.rows_loaded, result.rows_rejected) == (1_000, 0)
    write_bulk_cdrs(tmp_path / "again.csv", 1_000, seed=5)
    assert (tmp_path / "again.csv").read_bytes() == (inbox / CHARGE_DETAIL_RECORDS.name / "bulk.csv").read_bytes()
