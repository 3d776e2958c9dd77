"""Tests of the sample-portfolio generator: determinism, file contracts, physics, defects and truth."""

from __future__ import annotations

import csv
import json
import re
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import numpy as np
import pytest

from data.sample_portfolio import build_portfolio, generate
from data.sample_portfolio.generator import market_weather, month_grids
from data.sample_portfolio.readings import month_readings
from data.sample_portfolio.tariff_zones import TARIFF_ZONES
from data.sample_portfolio.timegrid import Month
from ingestion.ocpi_documents import ocpi_rows
from ingestion.entsoe_xml import MARKET_BIDDING_ZONES, parse_price_document
from ingestion.loader import ingest_source
from ingestion.sources import SOURCES_BY_NAME
from voltbill.cli import main

TIMEZONES = {"RO": "Europe/Bucharest", "BG": "Europe/Sofia"}
ISO_WITH_OFFSET = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}")
DECIMAL_TEXT = re.compile(r"-?\d+(\.\d+)?")
# Sources `generate-sample` deliberately writes no files for, with the reason. Every other source must have files.
NOT_WRITTEN_BY_GENERATE_SAMPLE: dict[str, str] = {
    "bank_statement_lines": (
        "payments can only be made once invoices are issued: `voltbill generate-payments` writes the bank statements "
        "from the warehouse after a pipeline run (data/sample_portfolio/payments.py, tests/unit/test_sample_payments.py)"
    ),
}


# ---------------------------------------------------------------- helpers (independent of the generator)


def read_rows(path: Path) -> tuple[list[str], list[list[str]], bool]:
    """Header, data rows and whether the file ends with a newline."""
    text = path.read_bytes().decode("utf-8")
    rows = list(csv.reader(text.splitlines()))
    return rows[0], rows[1:], text.endswith("\n")


def market_of(point_id: str) -> str:
    return "RO" if point_id.startswith("RO") else "BG"


def parse_instant(text: str) -> float | None:
    """Epoch seconds of a well-formed ISO timestamp with offset, else None."""
    if not ISO_WITH_OFFSET.fullmatch(text):
        return None
    try:
        return datetime.fromisoformat(text).timestamp()
    except ValueError:
        return None


def parse_decimal(text: str) -> Decimal | None:
    if not DECIMAL_TEXT.fullmatch(text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def local_month(instant: float, market: str) -> str:
    return datetime.fromtimestamp(instant, ZoneInfo(TIMEZONES[market])).strftime("%Y-%m")


def expected_instants(supply_start: date, minutes: int, month: str, market: str) -> list[float]:
    zone = ZoneInfo(TIMEZONES[market])
    year, number = int(month[:4]), int(month[5:])
    first = datetime(year, number, 1, tzinfo=zone)
    after = datetime(year + number // 12, number % 12 + 1, 1, tzinfo=zone)
    start = max(first, datetime(supply_start.year, supply_start.month, supply_start.day, tzinfo=zone))
    return [float(s) for s in range(int(start.timestamp()), int(after.timestamp()), minutes * 60)]


def round_half_up(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """8 metering points, October 2025 to January 2026; 15-minute and hourly readings."""
    out = tmp_path_factory.mktemp("small")
    generate(out, seed=42, meters=8, months=4)
    return out


@pytest.fixture(scope="module")
def truth(small: Path) -> dict:
    return json.loads((small / "truth" / "truth.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def confirmed(small: Path) -> dict[str, dict[str, str]]:
    points = {}
    for path in sorted((small / "inbox" / "dso_confirmations").glob("*.csv")):
        header, rows, _ = read_rows(path)
        points.update({row[7]: dict(zip(header, row)) for row in rows})
    return points


# ---------------------------------------------------------------- determinism and file format


def _file_bytes(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_seed_gives_identical_bytes_and_another_seed_differs(tmp_path: Path) -> None:
    first, second, other = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    for out, seed in ((first, 5), (second, 5), (other, 6)):
        generate(out, seed=seed, meters=8, months=2)
    a, b, c = _file_bytes(first), _file_bytes(second), _file_bytes(other)
    assert a == b
    readings = [name for name in a if "meter_readings" in name]
    assert readings and any(a[name] != c.get(name) for name in readings)
    assert a["truth/truth.json"] != c["truth/truth.json"]


def test_every_file_has_the_contract_header_and_format(small: Path, truth: dict) -> None:
    inbox = small / "inbox"
    seen = set()
    rejected_files = {entry["file"] for entry in truth["rejected_files"]}
    for folder in sorted(p for p in inbox.iterdir() if p.is_dir()):
        contract = SOURCES_BY_NAME[folder.name]
        for path in sorted(folder.glob("*.csv")):
            raw = path.read_bytes()
            assert b"\r" not in raw
            header, rows, ends_with_newline = read_rows(path)
            assert tuple(header) == contract.column_names, path.name
            relative = f"inbox/{folder.name}/{path.name}"
            assert ends_with_newline == (relative != truth["truncated_file"]), path.name
            assert truth["files"][relative] == len(rows)
            seen.add(folder.name)
        for path in sorted(folder.glob("*.xml")):
            # ENTSO-E documents have no header: they must read without a single rejected entry
            # (except the deliberately hostile file, which must be refused whole).
            relative = f"inbox/{folder.name}/{path.name}"
            result = parse_price_document(path.read_bytes(), path.name)
            if relative in rejected_files:
                assert result.rows == [] and len(result.rejected) == 1, path.name
            else:
                assert result.rejected == [], (path.name, result.rejected[:3])
                assert result.rows, path.name
            assert truth["files"][relative] == len(result.rows)
            seen.add(folder.name)
        for path in sorted(folder.glob("*.json")):
            # OCPI objects: every one reads into a contract row, except the deliberately broken tariff.
            relative = f"inbox/{folder.name}/{path.name}"
            result = ocpi_rows(contract, path.read_bytes(), path.name)
            expected_rejects = 1 if path.name == "tariffs_broken.json" else 0
            assert len(result.rejected) == expected_rejects, (path.name, result.rejected[:3])
            assert result.rows, path.name
            assert truth["files"][relative] == len(result.rows) + len(result.rejected)
            seen.add(folder.name)
    assert seen == set(SOURCES_BY_NAME) - set(NOT_WRITTEN_BY_GENERATE_SAMPLE)
    for name in NOT_WRITTEN_BY_GENERATE_SAMPLE:
        assert name in SOURCES_BY_NAME  # the exception names a real source
        assert not list((inbox / name).glob("*.*")), f"{name}: written by generate-sample after all"
    written = {f"inbox/{p.parent.name}/{p.name}" for pattern in ("*.csv", "*.xml", "*.json") for p in inbox.rglob(pattern)}
    assert set(truth["files"]) == written
    assert any(name.endswith(".xml") for name in written)


def test_a_new_generation_removes_the_csv_and_xml_files_of_an_earlier_one(tmp_path: Path) -> None:
    stale = [tmp_path / "inbox" / "day_ahead_prices" / "day_ahead_BG_1999-01.xml", tmp_path / "inbox" / "weather" / "old.csv"]
    for path in stale:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("stale\n", encoding="utf-8")
    generate(tmp_path, seed=2, meters=3, months=1)
    assert not any(path.exists() for path in stale)


def test_cli_generates_and_reports_where_the_truth_is(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "cli"
    assert (
        main(["generate-sample", "--out", str(out), "--seed", "3", "--meters", "4", "--months", "1", "--interval", "60min"]) == 0
    )
    printed = capsys.readouterr().out
    assert str(out / "truth") in printed and "meter_readings" in printed
    assert (out / "truth" / "truth.json").exists()
    assert json.loads((out / "truth" / "truth.json").read_text())["parameters"]["seed"] == 3


# ---------------------------------------------------------------- portfolio


def test_default_portfolio_has_enough_customers_and_realistic_identifiers() -> None:
    portfolio = build_portfolio()
    points = portfolio.metering_points
    assert len(points) == 160 and len(portfolio.customers) >= 100
    assert len({p.metering_point_id for p in points}) == 160
    for p in points:
        pattern = r"RO005E5\d{8}" if p.market_code == "RO" else r"32Z\d{12}[0-9A-Z]"
        assert re.fullmatch(pattern, p.metering_point_id)
    assert {c.customer_class for c in portfolio.customers} == {"household", "commercial", "industrial"}
    assert max(Counter(p.customer_id for p in points).values()) > 1
    late = [p for p in points if p.supply_start > portfolio.months[0].first_day]
    assert 5 <= len(late) <= 32
    assert all(portfolio.months[1].first_day <= p.supply_start <= portfolio.months[5].last_day for p in late)
    assert {p.interval_minutes for p in points if p.customer_class == "household"} == {60}
    assert {p.interval_minutes for p in points if p.customer_class != "household"} == {15}
    assert len({c.contract_id for c in portfolio.contracts}) == len(portfolio.customers)


def test_bulgarian_contracts_spanning_the_changeover_convert_to_euro() -> None:
    portfolio = build_portfolio()
    by_contract = defaultdict(list)
    for addendum in portfolio.contracts:
        by_contract[addendum.contract_id].append(addendum)
    changeover = date(2026, 1, 1)
    checked = 0
    for addenda in by_contract.values():
        addenda.sort(key=lambda a: a.addendum_number)
        if addenda[0].company_id != "VB-BG" or addenda[0].effective_from >= changeover:
            continue
        euro = [a for a in addenda if a.effective_from == changeover]
        assert len(euro) == 1 and euro[0].currency == "EUR"
        before = [a for a in addenda if a.effective_from < changeover][-1]
        assert before.currency == "BGN"
        assert euro[0].energy_price_per_kwh == round_half_up(before.energy_price_per_kwh / Decimal("1.95583"), 6)
        assert all(a.currency == "EUR" for a in addenda if a.effective_from >= changeover)
        checked += 1
    assert checked > 10


# ---------------------------------------------------------------- consumption physics


@pytest.fixture(scope="module")
def winter_portfolio():
    """A 15-minute portfolio from October 2025 to March 2026 with its grids and weather."""
    portfolio = build_portfolio(seed=11, meters=40, months=6, interval="15min")
    return portfolio, month_grids(portfolio), market_weather(portfolio)


def _daily(portfolio, grids, weather, dso_id: str, month: Month, temperature=None) -> dict[str, dict[np.datetime64, int]]:
    market = dso_id[:2]
    grid = grids[(market, month)]
    readings = month_readings(portfolio, dso_id, grid, weather[market], temperature)
    days = grid.local_day[readings.slot]
    totals: dict[str, dict[np.datetime64, int]] = defaultdict(lambda: defaultdict(int))
    counts: dict[str, Counter] = defaultdict(Counter)
    for meter, day, energy in zip(readings.meter, days, readings.energy):
        point = readings.meters[meter].metering_point_id
        totals[point][day] += int(energy)
        counts[point][day] += 1
    return totals, counts, readings


@pytest.mark.parametrize("dso_id", ["RO-DSO-SUD", "BG-DSO-YUG"])
def test_daylight_saving_days_have_92_and_100_quarter_hours(winter_portfolio, dso_id: str) -> None:
    portfolio, grids, weather = winter_portfolio
    for month, day, expected in ((Month(2025, 10), "2025-10-26", 100), (Month(2026, 3), "2026-03-29", 92)):
        _, counts, readings = _daily(portfolio, grids, weather, dso_id, month)
        full = [m.metering_point_id for m in readings.meters if m.supply_start <= month.first_day]
        assert full
        for point in full:
            assert counts[point][np.datetime64(day)] == expected
            assert counts[point][np.datetime64(day) - 1] == 96


def test_connection_capacity_is_well_above_the_highest_hourly_demand(winter_portfolio) -> None:
    portfolio, grids, weather = winter_portfolio
    for dso in portfolio.dsos:
        grid = grids[(dso.market_code, Month(2026, 1))]
        readings = month_readings(portfolio, dso.dso_id, grid, weather[dso.market_code])
        hour = grid.utc[readings.slot] // 3600
        for i, meter in enumerate(readings.meters):
            rows = readings.meter == i
            hourly = np.bincount(hour[rows] - hour[rows].min(), weights=readings.energy[rows])
            assert meter.connection_capacity_w >= 1.5 * hourly.max()


def test_holidays_lower_household_and_commercial_load(winter_portfolio) -> None:
    """At a constant temperature, a public holiday uses less than the same weekday one and two weeks before."""
    portfolio, grids, weather = winter_portfolio
    cases = (
        ("RO-DSO-SUD", "2025-12-01"),
        ("RO-DSO-VEST", "2025-12-01"),
        ("BG-DSO-SEVER", "2025-12-24"),
        ("BG-DSO-YUG", "2025-12-24"),
    )
    for customer_class in ("household", "commercial"):
        holiday_total = working_total = 0.0
        for dso_id, holiday in cases:
            totals: dict[str, dict[np.datetime64, int]] = defaultdict(dict)
            for month in (Month(2025, 11), Month(2025, 12)):
                constant = np.full(grids[(dso_id[:2], month)].slots, 12.0)
                daily, _, readings = _daily(portfolio, grids, weather, dso_id, month, constant)
                for point, days in daily.items():
                    totals[point].update(days)
            day = np.datetime64(holiday)
            for meter in readings.meters:
                if meter.customer_class == customer_class and meter.supply_start <= date(2025, 11, 1):
                    point = meter.metering_point_id
                    holiday_total += totals[point][day]
                    working_total += (totals[point][day - 7] + totals[point][day - 14]) / 2
        assert working_total > 0
        assert holiday_total < 0.93 * working_total, customer_class


def test_colder_days_raise_household_consumption(winter_portfolio) -> None:
    portfolio, grids, weather = winter_portfolio
    daily_energy: dict[np.datetime64, int] = defaultdict(int)
    daily_temperature: dict[np.datetime64, list[float]] = defaultdict(list)
    for month in portfolio.months[:3]:
        for dso in portfolio.dsos:
            grid = grids[(dso.market_code, month)]
            readings = month_readings(portfolio, dso.dso_id, grid, weather[dso.market_code])
            households = np.array(
                [m.customer_class == "household" and m.supply_start <= portfolio.months[0].first_day for m in readings.meters]
            )
            rows = households[readings.meter]
            for day, energy in zip(grid.local_day[readings.slot[rows]], readings.energy[rows]):
                daily_energy[day] += int(energy)
        for market in ("RO", "BG"):
            grid = grids[(market, month)]
            for day, value in zip(grid.local_day, weather[market].actual_c(grid.utc)):
                daily_temperature[day].append(float(value))
    working = [d for d in daily_energy if np.is_busday(d)]
    energy = np.array([daily_energy[d] for d in working], dtype=float)
    temperature = np.array([np.mean(daily_temperature[d]) for d in working])
    correlation = np.corrcoef(energy, temperature)[0, 1]
    assert correlation < -0.6
    cold, warm = temperature < np.quantile(temperature, 0.25), temperature > np.quantile(temperature, 0.75)
    assert energy[cold].mean() > 1.1 * energy[warm].mean()


# ---------------------------------------------------------------- tariff zones, DSO files, fees


def test_tariff_zones_cover_each_hour_exactly_once_per_market() -> None:
    for market in ("RO", "BG"):
        hours = Counter(h for m, _, start, end in TARIFF_ZONES if m == market for h in range(start, end))
        assert hours == Counter(range(24))
    assert {z for m, z, _, _ in TARIFF_ZONES if m == "RO"} == {"day", "night"}
    assert {z for m, z, _, _ in TARIFF_ZONES if m == "BG"} == {"day", "night", "peak"}


def test_dso_consumption_sums_the_true_values_except_the_recorded_perturbations(small: Path, truth: dict) -> None:
    totals: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for path in sorted((small / "inbox" / "dso_consumption").glob("*.csv")):
        _, rows, _ = read_rows(path)
        for month, _, point, zone, energy, _, _ in rows:
            assert zone in ({"day", "night"} if market_of(point) == "RO" else {"day", "night", "peak"})
            totals[(point, month)] += Decimal(energy)
    perturbed = {(p["metering_point_id"], p["month"]): p for p in truth["dso_perturbations"]}
    assert len(perturbed) >= 2
    with (small / "truth" / "meter_monthly.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            key = (row["metering_point_id"], row["month"])
            expected = Decimal(row["energy_kwh"])
            if key in perturbed:
                p = perturbed[key]
                difference = Decimal(p["reported_energy_kwh"]) - Decimal(p["true_energy_kwh"])
                expected += difference
                assert Decimal(p["reported_energy_kwh"]) == round_half_up(Decimal(p["true_energy_kwh"]) * Decimal("1.03"), 3)
                # Perturbed point-months are complete and differ clearly (> 1 kWh and > 0.5 %) from the readings.
                assert row["valid_intervals"] == row["expected_intervals"]
                assert difference > max(Decimal(1), Decimal("0.005") * (expected)), key
            assert totals[key] == expected, key


def test_network_fee_amounts_are_rounded_half_up_and_in_the_right_currency(small: Path, confirmed: dict) -> None:
    fee_files = sorted((small / "inbox" / "dso_network_fees").glob("*.csv"))
    currencies = set()
    for path in fee_files:
        _, rows, _ = read_rows(path)
        for month, _, point, fee, quantity, unit, price, amount, currency in rows:
            assert re.fullmatch(r"\d+\.\d{6}", price) and re.fullmatch(r"-?\d+\.\d{2}", amount)
            assert Decimal(amount) == round_half_up(Decimal(quantity) * Decimal(price), 2)
            if market_of(point) == "RO":
                assert currency == "RON"
            else:
                assert currency == ("EUR" if month >= "2026-01" else "BGN")
            currencies.add((market_of(point), currency))
            if fee == "capacity":
                assert unit == "kW" and Decimal(quantity) == Decimal(confirmed[point]["connection_capacity_kw"])
                assert confirmed[point]["voltage_level"] in ("MV", "HV")
            else:
                assert unit == "kWh"
    assert currencies == {("RO", "RON"), ("BG", "BGN"), ("BG", "EUR")}


def test_weather_has_actuals_and_day_ahead_forecasts_for_every_hour(small: Path) -> None:
    for path in sorted((small / "inbox" / "weather").glob("*.csv")):
        _, rows, _ = read_rows(path)
        kinds = Counter((r[1], r[2]) for r in rows)
        assert set(kinds.values()) == {1} and len(kinds) == len(rows)
        for market, valid_at, kind, issued_at, temperature in rows:
            assert -60 <= Decimal(temperature) <= 60
            if kind == "actual":
                assert issued_at == ""
            else:
                issued, valid = datetime.fromisoformat(issued_at), datetime.fromisoformat(valid_at)
                assert issued.hour == 12 and issued.date() == valid.date() - timedelta(days=1)


# ---------------------------------------------------------------- defects and truth, checked against the files


def _classify_readings(small: Path, confirmed: dict) -> dict:
    """Independent classification of every readings row, and what a loader could load from the files."""
    counts: Counter = Counter()
    final: dict[tuple[str, float], Decimal] = {}  # valid key -> latest delivered valid energy
    any_key: set[tuple[str, float]] = set()
    truncated_files = []
    paths = sorted((small / "inbox" / "meter_readings").glob("*.csv"))  # originals sort before corrections
    for path in paths:
        _, rows, ends_with_newline = read_rows(path)
        if not ends_with_newline:
            truncated_files.append(f"inbox/meter_readings/{path.name}")
        previous = None
        in_file: set[tuple[str, float]] = set()
        for number, row in enumerate(rows):
            if len(row) != 6:
                assert not ends_with_newline and number == len(rows) - 1
                counts["truncated_line"] += 1
                continue
            point, start, minutes, energy_text = row[0], row[1], row[2], row[3]
            instant = parse_instant(start)
            if instant is not None:
                any_key.add((point, instant))
            energy = parse_decimal(energy_text)
            if "correction" in path.name:
                assert point in confirmed and instant is not None and energy is not None and energy >= 0
            if point not in confirmed:
                counts["unknown_metering_point"] += 1
            elif instant is None:
                counts["malformed_date"] += 1
            elif energy is None:
                counts["malformed_number"] += 1
            elif energy < 0:
                counts["negative_value"] += 1
            elif energy > Decimal(confirmed[point]["connection_capacity_kw"]) * int(minutes) / 60:
                counts["spike"] += 1
            elif row == previous:
                counts["duplicate_row"] += 1
            else:
                market = market_of(point)
                assert datetime.fromtimestamp(instant, ZoneInfo(TIMEZONES[market])).isoformat() == start
                assert (point, instant) not in in_file
                in_file.add((point, instant))
                final[(point, instant)] = energy
            previous = row
    return {"counts": counts, "final": final, "any_key": any_key, "truncated_files": truncated_files}


def test_defect_counts_in_the_truth_match_the_files(small: Path, truth: dict, confirmed: dict) -> None:
    found = _classify_readings(small, confirmed)
    defects = truth["defects"]
    # The exchange-trades file carries one duplicated trade, counted with the readings' duplicates.
    trade_duplicates = truth["defect_details"]["duplicate_row"]["exchange_trade"]
    assert trade_duplicates == 1
    assert found["counts"]["duplicate_row"] == defects["duplicate_row"] - trade_duplicates
    for kind in (
        "negative_value",
        "spike",
        "malformed_date",
        "malformed_number",
        "unknown_metering_point",
        "truncated_line",
    ):
        assert found["counts"][kind] == defects[kind], kind
        assert defects[kind] >= (1 if kind == "truncated_line" else 3), kind
    assert found["truncated_files"] == [truth["truncated_file"]]
    assert defects["missing_interval"] >= 3

    # Intervals no row (with a readable date) delivers: missing + malformed dates + the cut line + lost rows.
    expected: dict[tuple[str, str], list[float]] = {}
    for month in ("2025-10", "2025-11", "2025-12", "2026-01"):
        for point, info in confirmed.items():
            instants = expected_instants(
                date.fromisoformat(info["supply_start_date"]), int(info["interval_minutes"]), month, market_of(point)
            )
            if instants:
                expected[(point, month)] = instants
    absent = sum(1 for (point, _), instants in expected.items() for t in instants if (point, t) not in found["any_key"])
    assert (
        absent
        == defects["missing_interval"] + defects["malformed_date"] + defects["truncated_line"] + defects["truncated_rows_lost"]
    )

    # The truth's per-point-month loadable intervals and energy equal what the files allow.
    valid_count: Counter = Counter()
    valid_energy: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for (point, instant), energy in found["final"].items():
        key = (point, local_month(instant, market_of(point)))
        valid_count[key] += 1
        valid_energy[key] += energy
    lost = 0
    with (small / "truth" / "meter_monthly.csv").open(encoding="utf-8", newline="") as handle:
        monthly = list(csv.DictReader(handle))
    assert {(r["metering_point_id"], r["month"]) for r in monthly} == set(expected)
    for row in monthly:
        key = (row["metering_point_id"], row["month"])
        assert int(row["expected_intervals"]) == len(expected[key])
        assert int(row["valid_intervals"]) == valid_count[key], key
        assert Decimal(row["valid_energy_kwh"]) == valid_energy[key], key
        assert Decimal(row["valid_energy_kwh"]) <= Decimal(row["energy_kwh"])
        lost += int(row["expected_intervals"]) - int(row["valid_intervals"])
    invalidating = (
        "missing_interval",
        "negative_value",
        "spike",
        "malformed_date",
        "malformed_number",
        "truncated_line",
        "truncated_rows_lost",
    )
    assert lost == sum(defects[k] for k in invalidating)
    assert truth["recalculated_intervals"] == sum(int(r["recalculated_intervals"]) for r in monthly) > 0

    with (small / "truth" / "defects.csv").open(encoding="utf-8", newline="") as handle:
        listed = list(csv.DictReader(handle))
    assert all(sum(r["defect_kind"] == k for r in listed) == defects[k] for k in defects if k != "truncated_rows_lost")
    for kind, variants in (
        ("malformed_date", {"impossible_date", "day_first", "no_offset"}),
        ("malformed_number", {"decimal_comma", "text", "empty"}),
    ):
        assert truth["defect_details"][kind] == dict(Counter(r["detail"] for r in listed if r["defect_kind"] == kind))
        assert set(truth["defect_details"][kind]) == variants
    lines_of: dict[str, list[str]] = {}
    for record in listed:  # every listed line of a readings file holds the metering point it names
        if record["line_number"] and record["metering_point_id"]:
            if record["source_file"] not in lines_of:
                lines_of[record["source_file"]] = (small / record["source_file"]).read_text(encoding="utf-8").split("\n")
            line = lines_of[record["source_file"]][int(record["line_number"]) - 1]
            assert line.startswith(record["metering_point_id"] + ",")


def test_each_defect_kind_occurs_in_a_tiny_portfolio(tmp_path: Path) -> None:
    summary = generate(tmp_path, seed=1, meters=8, months=3)
    assert summary.defects["truncated_line"] == 1 and summary.defects["truncated_rows_lost"] > 0
    assert summary.defects["xml_entity_declaration"] == 1  # the one hostile price document
    readings_kinds = {k: v for k, v in summary.defects.items() if k not in ("xml_entity_declaration",)}
    assert all(count >= 3 for kind, count in readings_kinds.items() if not kind.startswith("truncated"))


def test_tariff_zones_equal_the_dbt_seed() -> None:
    seed = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds" / "tariff_zones.csv"
    # The seed is part of the repository: a missing seed is a failure, not a reason to skip.
    assert seed.is_file(), f"dbt seed {seed} is missing"
    with seed.open(encoding="utf-8", newline="") as handle:
        rows = [(r[0], r[1], int(r[2]), int(r[3])) for r in list(csv.reader(handle))[1:]]  # market, zone, from, to
    assert sorted(rows) == sorted(TARIFF_ZONES)


# ---------------------------------------------------------------- market side: settlement, prices, procurement

GROUP_EIC = {"RO-household": "30XVB-RO-HH----K", "RO-other": "30XVB-RO-CI----C", "BG": "32XVB-BG-ALL---Q"}
GROUP_ID_EIC = {"VB-RO-HH": "30XVB-RO-HH----K", "VB-RO-CI": "30XVB-RO-CI----C", "VB-BG-ALL": "32XVB-BG-ALL---Q"}
EIC_MARKET = {eic: ("RO" if eic.startswith("30X") else "BG") for eic in GROUP_EIC.values()}
NEW_SOURCES = ("settlement_volumes", "imbalance_prices", "day_ahead_prices", "exchange_trades", "bilateral_purchases")
ZONE_MARKET = {eic: market for market, eic in MARKET_BIDDING_ZONES.items()}


def group_eic(point: str, confirmed: dict[str, dict[str, str]]) -> str:
    """The balancing group of a metering point, from its confirmation (the `balancing_groups` seed's rule)."""
    if market_of(point) == "BG":
        return GROUP_EIC["BG"]
    return GROUP_EIC["RO-household" if confirmed[point]["customer_class"] == "household" else "RO-other"]


def local_date(instant: float, market: str) -> date:
    return datetime.fromtimestamp(instant, ZoneInfo(TIMEZONES[market])).date()


def expected_currency(market: str, day: date) -> str:
    if market == "RO":
        return "RON"
    return "EUR" if day >= date(2026, 1, 1) else "BGN"


def quarter_hours_of(day: date, market: str) -> int:
    zone = ZoneInfo(TIMEZONES[market])
    start = datetime(day.year, day.month, day.day, tzinfo=zone)
    following = day + timedelta(days=1)
    end = datetime(following.year, following.month, following.day, tzinfo=zone)
    return int(end.timestamp() - start.timestamp()) // 900


def period_days(truth: dict) -> list[date]:
    first = date.fromisoformat(truth["period"]["first_month"] + "-01")
    last_month = date.fromisoformat(truth["period"]["last_month"] + "-01")
    after = date(last_month.year + last_month.month // 12, last_month.month % 12 + 1, 1)
    return [first + timedelta(days=n) for n in range((after - first).days)]


@lru_cache(maxsize=None)
def price_rows(inbox: Path, source: str) -> list[tuple[str, float, str, Decimal, str]]:
    """(market, period start, category, price, currency) from the CSV and XML files of a price source (read once)."""
    rows = []
    for path in sorted((inbox / source).glob("*.csv")):
        header, data, _ = read_rows(path)
        for row in data:
            record = dict(zip(header, row))
            assert record["period_minutes"] == "15"
            category = record.get("price_category", "single")
            instant, price = parse_instant(record["period_start"]), Decimal(record["price_per_mwh"])
            rows.append((record["market_code"], instant, category, price, record["currency"]))
    for path in sorted((inbox / source).glob("*.xml")):
        result = parse_price_document(path.read_bytes(), path.name)
        for row in result.rows:
            assert row.resolution_minutes == 15 and row.unit == "MWH"
            market = ZONE_MARKET[row.area_eic]
            rows.append((market, row.period_start_utc.timestamp(), row.price_category, row.price, row.currency))
    return rows


def settlement_file_rows(inbox: Path) -> list[dict[str, str]]:
    rows = []
    for path in sorted((inbox / "settlement_volumes").glob("*.csv")):
        header, data, _ = read_rows(path)
        rows.extend(dict(zip(header, row), file=path.name) for row in data)
    return rows


@pytest.fixture(scope="module")
def spring(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny portfolio over March and April 2026: the spring daylight-saving day and spring weekends."""
    out = tmp_path_factory.mktemp("spring")
    generate(out, seed=7, meters=4, months=2, start_month="2026-03")
    return out


def test_every_new_source_has_files_for_both_markets(small: Path) -> None:
    inbox = small / "inbox"
    for source in NEW_SOURCES:
        markets = set()
        for path in sorted((inbox / source).glob("*.*")):
            if "extra_entities" in path.name:
                continue  # the hostile document
            market = path.stem.split("_")[-2]
            assert market in ("RO", "BG"), path.name
            markets.add(market)
        assert markets == {"RO", "BG"}, source
    # RO day-ahead as CSV and BG as ENTSO-E XML; BG imbalance as CSV and RO as XML.
    assert {p.stem.split("_")[-2] for p in (inbox / "day_ahead_prices").glob("*.xml")} == {"BG"}
    assert {p.stem.split("_")[-2] for p in (inbox / "day_ahead_prices").glob("*.csv")} == {"RO"}
    assert {p.stem.split("_")[-2] for p in (inbox / "imbalance_prices").glob("*.csv")} == {"BG"}
    assert {p.stem.split("_")[1] for p in (inbox / "imbalance_prices").glob("*.xml")} == {"RO"}
    pattern = re.compile(r"(settlement|imbalance|day_ahead|trades|bilateral)_(RO|BG)_\d{4}-\d{2}\.(csv|xml)")
    names = [p.name for source in NEW_SOURCES for p in (inbox / source).iterdir()]
    assert all(pattern.fullmatch(name) for name in names if "extra_entities" not in name)


def test_settled_volumes_equal_the_true_consumption_of_the_members_except_the_disputes(
    small: Path, truth: dict, confirmed: dict
) -> None:
    true_mwh: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    with (small / "truth" / "meter_monthly.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            true_mwh[(group_eic(row["metering_point_id"], confirmed), row["month"])] += Decimal(row["energy_kwh"]) / 1000
    settled: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    periods: Counter = Counter()
    by_period: dict[tuple[str, str], Decimal] = {}
    for row in settlement_file_rows(small / "inbox"):
        assert re.fullmatch(r"\d+\.\d{6}", row["settled_mwh"]) and row["period_minutes"] == "15"
        assert EIC_MARKET[row["balancing_group_eic"]] == row["market_code"]
        instant = parse_instant(row["period_start"])
        assert instant is not None
        month = local_month(instant, row["market_code"])
        assert row["file"] == f"settlement_{row['market_code']}_{month}.csv"
        key = (row["balancing_group_eic"], month)
        settled[key] += Decimal(row["settled_mwh"])
        periods[key] += 1
        by_period[(row["balancing_group_eic"], row["period_start"])] = Decimal(row["settled_mwh"])

    disputes = truth["settlement_disputes"]
    assert Counter(d["market_code"] for d in disputes) == {"RO": 2, "BG": 2}
    disputed: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for d in disputes:
        true, reported = Decimal(d["true_mwh"]), Decimal(d["settled_mwh"])
        assert by_period[(d["balancing_group_eic"], d["period_start"])] == reported
        assert reported == round_half_up(true * Decimal(d["settled_percent_of_true"]) / 100, 6)
        assert reported - true > Decimal("0.05") * true > 0  # a clear difference
        month = local_month(parse_instant(d["period_start"]), d["market_code"])
        disputed[(d["balancing_group_eic"], month)] += reported - true

    assert set(settled) == {(eic, month) for eic in GROUP_EIC.values() for month in ("2025-10", "2025-11", "2025-12", "2026-01")}
    recorded = {(GROUP_ID_EIC[r["balancing_group_id"]], r["month"]): r for r in truth["settlement"]}
    assert set(recorded) == set(settled)
    for key, total in settled.items():
        # Each row is the true quarter-hour energy rounded half up to 6 decimals (whole Wh).
        assert abs(total - disputed[key] - true_mwh[key]) <= periods[key] * Decimal("0.0000005"), key
        assert true_mwh[key] > 0, key
        assert Decimal(recorded[key]["settled_mwh"]) == total, key
        assert Decimal(recorded[key]["true_mwh"]) == true_mwh[key], key


def _per_local_day(instants: list[tuple[str, str, float]]) -> dict[tuple[str, str, date], int]:
    counts: Counter = Counter()
    for key, market, instant in instants:
        counts[(key, market, local_date(instant, market))] += 1
    return counts


def test_every_local_day_has_its_quarter_hours_per_group_and_market_on_daylight_saving_days(small: Path, spring: Path) -> None:
    for out, dst_day, expected_dst in ((small, date(2025, 10, 26), 100), (spring, date(2026, 3, 29), 92)):
        truth = json.loads((out / "truth" / "truth.json").read_text(encoding="utf-8"))
        days = period_days(truth)
        settlement = _per_local_day(
            [
                (r["balancing_group_eic"], r["market_code"], parse_instant(r["period_start"]))
                for r in settlement_file_rows(out / "inbox")
            ]
        )
        assert {(eic, day) for eic, _, day in settlement} == {(eic, day) for eic in GROUP_EIC.values() for day in days}
        for source, extra_days in (("day_ahead_prices", 1), ("imbalance_prices", 0)):
            rows = price_rows(out / "inbox", source)
            assert len({(m, t) for m, t, _, _, _ in rows}) == len(rows), source  # one price per market and MTU
            counts = _per_local_day([(source, market, instant) for market, instant, _, _, _ in rows])
            covered = days + [days[-1] + timedelta(days=n) for n in range(1, extra_days + 1)]
            assert {(market, day) for _, market, day in counts} == {(m, d) for m in ("RO", "BG") for d in covered}, source
            for (_, market, day), count in counts.items():
                assert count == quarter_hours_of(day, market), (source, market, day)
            for market in ("RO", "BG"):
                assert counts[(source, market, dst_day)] == expected_dst
                assert sum(truth["price_rows"][source].values()) == len(rows)
        for (eic, market, day), count in settlement.items():
            assert count == quarter_hours_of(day, market), (eic, day)
            if day == dst_day:
                assert count == expected_dst


def test_prices_are_in_the_market_currency_and_have_a_realistic_shape(small: Path, spring: Path) -> None:
    for out in (small, spring):
        day_ahead = price_rows(out / "inbox", "day_ahead_prices")
        imbalance = price_rows(out / "inbox", "imbalance_prices")
        for market, instant, category, price, currency in day_ahead + imbalance:
            assert category == "single"
            assert currency == expected_currency(market, local_date(instant, market))
            assert price == price.quantize(Decimal("0.01"))
        # RO prices in RON are about five times the BG ones in EUR-equivalents; the evening beats the night.
        by_hour: dict[tuple[str, int], list[Decimal]] = defaultdict(list)
        for market, instant, _, price, currency in day_ahead:
            euro = price / {"RON": Decimal("4.97"), "BGN": Decimal("1.95583"), "EUR": Decimal(1)}[currency]
            by_hour[(market, datetime.fromtimestamp(instant, ZoneInfo(TIMEZONES[market])).hour)].append(euro)
        for market in ("RO", "BG"):
            mean = {h: sum(by_hour[(market, h)]) / len(by_hour[(market, h)]) for h in range(24)}
            assert 50 < sum(mean.values()) / 24 < 200
            assert mean[19] > Decimal("1.3") * mean[3] and mean[8] > mean[3]
        by_key = {(m, t): p for m, t, _, p, _ in day_ahead}
        assert all((m, t) in by_key for m, t, _, _, _ in imbalance)
        assert any(p != by_key[(m, t)] for m, t, _, p, _ in imbalance)
    # Negative prices only around solar noon, and only on spring or summer weekends and holidays.
    negative = [(m, t) for m, t, _, p, _ in price_rows(spring / "inbox", "day_ahead_prices") if p < 0]
    assert negative
    for market, instant in negative:
        local = datetime.fromtimestamp(instant, ZoneInfo(TIMEZONES[market]))
        assert 10 <= local.hour <= 15 and local.month == 4, local
    assert not [p for m, t, _, p, _ in price_rows(small / "inbox", "day_ahead_prices") if p < 0]


def test_xml_documents_parse_completely_and_some_day_ahead_days_leave_out_repeated_prices(small: Path) -> None:
    curves = Counter()
    filled = 0
    for path in sorted((small / "inbox").rglob("*.xml")):
        if "extra_entities" in path.name:
            continue
        content = path.read_bytes()
        assert not content.lstrip().startswith(b"<!DOCTYPE") and b"<!ENTITY" not in content
        result = parse_price_document(content, path.name)
        assert result.rejected == []
        kind = "A44" if path.parent.name == "day_ahead_prices" else "A85"
        assert {row.document_type for row in result.rows} == {kind}
        market = path.stem.split("_")[-2] if kind == "A44" else path.stem.split("_")[1]
        assert {row.area_eic for row in result.rows} == {MARKET_BIDDING_ZONES[market]}
        curves.update(row.curve_type for row in result.rows)
        filled += sum(row.filled_from_position is not None for row in result.rows)
    assert curves["A03"] > 0 and curves["A01"] > 0 and filled > 0


def test_the_hostile_document_is_refused_and_recorded(small: Path, truth: dict) -> None:
    assert len(truth["rejected_files"]) == 1
    entry = truth["rejected_files"][0]
    path = small / entry["file"]
    assert path.parent.name == "imbalance_prices" and path.suffix == ".xml"
    content = path.read_bytes()
    assert b"<!ENTITY" in content
    result = parse_price_document(content, path.name)
    assert result.rows == []
    assert [(r.reason_code, r.line) for r in result.rejected] == [(entry["reason_code"], entry["line"])]
    with (small / "truth" / "defects.csv").open(encoding="utf-8", newline="") as handle:
        listed = [r for r in csv.DictReader(handle) if r["source_file"] == entry["file"]]
    assert [(r["defect_kind"], r["line_number"]) for r in listed] == [(entry["reason_code"], str(entry["line"]))]


def _procurement(small: Path) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    trades, bilateral = [], []
    for source, target in (("exchange_trades", trades), ("bilateral_purchases", bilateral)):
        for path in sorted((small / "inbox" / source).glob("*.csv")):
            header, data, _ = read_rows(path)
            target.extend(dict(zip(header, row), file=path.name, line=str(n + 2)) for n, row in enumerate(data))
    return trades, bilateral


def test_no_procurement_results_on_the_last_three_days(small: Path, truth: dict) -> None:
    trades, bilateral = _procurement(small)
    days = period_days(truth)
    last_procured = days[-1] - timedelta(days=3)
    assert truth["procurement"]["days"] == {
        m: {
            "first_delivery_day": days[0].isoformat(),
            "last_procured_day": last_procured.isoformat(),
            "last_day_of_period": days[-1].isoformat(),
        }
        for m in ("RO", "BG")
    }
    delivered: dict[str, set[date]] = defaultdict(set)
    for row in trades + bilateral:
        day = local_date(parse_instant(row["delivery_start"]), row["market_code"])
        assert day <= last_procured, row
        delivered[row["balancing_group_eic"]].add(day)
    # Groups big enough to trade whole kWh have results on every day up to the last procured one.
    procured_days = {d for d in days if d <= last_procured}
    assert delivered[GROUP_EIC["RO-other"]] == procured_days
    assert delivered[GROUP_EIC["BG"]] == procured_days


def test_trades_and_bilateral_schedules_follow_the_contract_and_track_the_true_load(small: Path, truth: dict) -> None:
    trades, bilateral = _procurement(small)
    inbox = small / "inbox"
    day_ahead = {(m, t): p for m, t, _, p, _ in price_rows(inbox, "day_ahead_prices")}

    # One duplicated trade (same trade_id twice, the copy right after the original), recorded as a defect.
    counts = Counter(row["trade_id"] for row in trades)
    duplicated = [trade_id for trade_id, n in counts.items() if n > 1]
    assert len(duplicated) == 1 and counts[duplicated[0]] == 2
    copies = [row for row in trades if row["trade_id"] == duplicated[0]]
    assert {k: v for k, v in copies[0].items() if k != "line"} == {k: v for k, v in copies[1].items() if k != "line"}
    assert int(copies[1]["line"]) == int(copies[0]["line"]) + 1
    with (small / "truth" / "defects.csv").open(encoding="utf-8", newline="") as handle:
        recorded = [r for r in csv.DictReader(handle) if r["detail"] == "exchange_trade"]
    assert [(r["source_file"], r["line_number"], r["defect_kind"]) for r in recorded] == [
        (f"inbox/exchange_trades/{copies[1]['file']}", copies[1]["line"], "duplicate_row")
    ]

    position: dict[tuple[str, float], Decimal] = defaultdict(Decimal)
    seen = set()
    for row in trades:
        market, start = row["market_code"], parse_instant(row["delivery_start"])
        delivery_day = local_date(start, market)
        executed = datetime.fromisoformat(row["executed_at"])
        assert row["exchange"] == {"RO": "OPCOM", "BG": "IBEX"}[market]
        assert row["trade_id"].startswith(f"{row['exchange']}-")
        assert row["delivery_minutes"] == "15" and row["side"] in ("buy", "sell")
        assert row["currency"] == expected_currency(market, delivery_day)
        assert Decimal(row["volume_mwh"]) > 0 and re.fullmatch(r"\d+\.\d{3}", row["volume_mwh"])
        local_executed = executed.astimezone(ZoneInfo(TIMEZONES[market]))
        assert executed.isoformat() == row["executed_at"] and local_executed.utcoffset() == executed.utcoffset()
        if row["market_segment"] == "day_ahead":
            assert Decimal(row["price_per_mwh"]) == day_ahead[(market, start)]
            assert (local_executed.date(), local_executed.hour, local_executed.minute) == (delivery_day - timedelta(days=1), 13, 5)
        else:
            assert row["market_segment"] == "intraday"
            assert local_executed.date() == delivery_day and 0 < start - executed.timestamp() <= 4 * 3600
            spread = Decimal(row["price_per_mwh"]) - day_ahead[(market, start)]
            assert spread != 0 and (spread > 0) == (row["side"] == "buy")
        if row["trade_id"] in seen:
            continue  # the duplicate is rejected by a loader: it does not count
        seen.add(row["trade_id"])
        volume = Decimal(row["volume_mwh"])
        position[(row["balancing_group_eic"], start)] += volume if row["side"] == "buy" else -volume
    assert {r["market_segment"] for r in trades} == {"day_ahead", "intraday"}

    contracts: dict[str, set[tuple[str, str, str, str]]] = defaultdict(set)
    for row in bilateral:
        market, start = row["market_code"], parse_instant(row["delivery_start"])
        local = datetime.fromtimestamp(start, ZoneInfo(TIMEZONES[market]))
        assert row["delivery_minutes"] == "60" and local.minute == 0
        assert row["currency"] == expected_currency(market, local.date())
        month = local.strftime("%Y-%m")
        group = {v: k for k, v in GROUP_ID_EIC.items()}[row["balancing_group_eic"]]
        assert row["contract_id"] == f"BL-{group}-{month}"
        contracts[row["contract_id"]].add((row["counterparty"], row["volume_mwh"], row["price_per_mwh"], row["currency"]))
        for quarter in range(4):
            position[(row["balancing_group_eic"], start + quarter * 900)] += Decimal(row["volume_mwh"]) / 4
    assert contracts and all(len(terms) == 1 for terms in contracts.values())  # flat baseload, one price
    for contract_id, ((_, volume, price, _),) in contracts.items():
        market, month = contract_id.split("-")[2], contract_id[-7:]
        month_prices = [p for (m, t), p in day_ahead.items() if m == market and local_month(t, m) == month]
        mean = sum(month_prices) / len(month_prices)
        assert Decimal("0.9") * mean < Decimal(price) < mean, contract_id
        assert Decimal(volume) > 0

    # Against the true load (the settled volumes, which equal it except at the disputes): within 25 %,
    # give or take the traded lot. Only procured days count.
    disputed = {(d["balancing_group_eic"], d["period_start"]) for d in truth["settlement_disputes"]}
    lots = {(GROUP_ID_EIC[g["balancing_group_id"]], g["month"]): Decimal(g["lot_mwh"]) for g in truth["procurement"]["groups"]}
    last_procured = date.fromisoformat(truth["procurement"]["days"]["RO"]["last_procured_day"])
    errors = []
    checked = 0
    for row in settlement_file_rows(inbox):
        eic, market, start = row["balancing_group_eic"], row["market_code"], parse_instant(row["period_start"])
        if (eic, row["period_start"]) in disputed or local_date(start, market) > last_procured:
            continue
        true = Decimal(row["settled_mwh"])
        lot = lots[(eic, local_month(start, market))]
        held = position.get((eic, start), Decimal(0))
        assert abs(held - true) <= Decimal("0.25") * true + lot, (eic, row["period_start"], held, true)
        if true >= 20 * lot:
            errors.append(abs(held - true) / true)
        checked += 1
    assert checked > 0 and len(errors) > 1000
    assert sorted(errors)[len(errors) // 2] < Decimal("0.06")


# ---------------------------------------------------------------- customer estimates


def csv_dicts(path: Path) -> list[dict[str, str]]:
    header, rows, _ = read_rows(path)
    return [dict(zip(header, row)) for row in rows]


@pytest.fixture(scope="module")
def with_estimates(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """24 metering points over two months: enough customers for contracts priced on the customer's estimate
    (the 8-point `small` portfolio has none, so its estimates file is header only)."""
    out = tmp_path_factory.mktemp("estimates")
    generate(out, seed=42, meters=24, months=2)
    return out


def test_small_portfolio_without_estimate_contracts_writes_a_header_only_estimates_file(small: Path, truth: dict) -> None:
    settings = csv_dicts(small / "inbox" / "contract_billing_settings" / "billing_settings.csv")
    assert not any(row["advance_basis"] == "estimate" for row in settings)
    header, rows, ends_with_newline = read_rows(small / "inbox" / "customer_estimates" / "customer_estimates.csv")
    assert tuple(header) == SOURCES_BY_NAME["customer_estimates"].column_names and rows == [] and ends_with_newline
    assert truth["customer_estimates"]["contracts"] == [] and truth["customer_estimates"]["correction_file"] is None


def test_customer_estimates_cover_the_estimate_contracts_with_gaps_and_corrections(with_estimates: Path) -> None:
    inbox = with_estimates / "inbox"
    truth = json.loads((with_estimates / "truth" / "truth.json").read_text(encoding="utf-8"))
    recorded = truth["customer_estimates"]
    folder = inbox / "customer_estimates"
    assert sorted(p.name for p in folder.glob("*.csv")) == ["customer_estimates.csv", "customer_estimates_correction_01.csv"]
    first = csv_dicts(folder / "customer_estimates.csv")
    corrections = csv_dicts(folder / "customer_estimates_correction_01.csv")

    settings = csv_dicts(inbox / "contract_billing_settings" / "billing_settings.csv")
    estimate_contracts = sorted({row["contract_id"] for row in settings if row["advance_basis"] == "estimate"})
    assert estimate_contracts and recorded["contracts"] == estimate_contracts
    contracts = [row for row in csv_dicts(inbox / "contracts" / "contracts.csv") if row["addendum_number"] == "0"]
    contract_of = {row["contract_id"]: row for row in contracts}
    starts: dict[str, list[date]] = defaultdict(list)  # supply start of each point, per customer
    for path in sorted((inbox / "dso_confirmations").glob("*.csv")):
        for row in csv_dicts(path):
            starts[row["customer_id"]].append(date.fromisoformat(row["supply_start_date"]))

    # The period (October and November 2025) and the month after it, from each contract's first month of supply.
    months = [date(2025, 10, 1), date(2025, 11, 1), date(2025, 12, 1)]
    supplied = {
        (c, m)
        for c in estimate_contracts
        for m in months
        if m >= date.fromisoformat(contract_of[c]["effective_from"]).replace(day=1)
    }
    keys = [(row["contract_id"], date.fromisoformat(row["estimate_month"])) for row in first]
    assert len(keys) == len(set(keys)) and keys == sorted(keys)  # one row per key in a file, sorted
    assert set(keys) < supplied  # only estimate contracts, only months of supply, and some months left out
    missing = {(m["contract_id"], date.fromisoformat(m["estimate_month"])) for m in recorded["missing"]}
    assert missing and missing == supplied - set(keys)

    for row in first + corrections:
        assert date.fromisoformat(row["estimate_month"]).day == 1
        assert re.fullmatch(r"\d+\.\d{3}", row["estimated_kwh"]), row
        assert row["channel"] in {"portal", "phone", "email", "meter_reading_app"}
        assert date.fromisoformat(row["submitted_on"]) >= date.fromisoformat(contract_of[row["contract_id"]]["signed_date"])
    # Against the ordered quantity (the load model's expected kWh x 0.92-1.08): estimate = expected kWh x 0.8-1.2,
    # in months when all the customer's points are supplied the whole month.
    checked = 0
    for row in first + corrections:
        contract, month = contract_of[row["contract_id"]], date.fromisoformat(row["estimate_month"])
        if max(starts[contract["customer_id"]]) > month:
            continue
        ratio = Decimal(row["estimated_kwh"]) / Decimal(contract["ordered_monthly_kwh"])
        assert Decimal("0.8") / Decimal("1.08") <= ratio <= Decimal("1.2") / Decimal("0.92"), row
        checked += 1
    assert checked > 0

    # Corrections: a later file, keys of the first file, a new value given later; the later version wins.
    by_key = dict(zip(keys, first))
    assert corrections
    for row in corrections:
        original = by_key[(row["contract_id"], date.fromisoformat(row["estimate_month"]))]
        assert row["estimated_kwh"] != original["estimated_kwh"]
        assert row["submitted_on"] > original["submitted_on"]
    latest = {(e["contract_id"], e["estimate_month"]): e for e in recorded["estimates"]}
    expected = {(r["contract_id"], r["estimate_month"]): r for r in first}
    expected.update({(r["contract_id"], r["estimate_month"]): r for r in corrections})
    assert {k: v["estimated_kwh"] for k, v in latest.items()} == {k: v["estimated_kwh"] for k, v in expected.items()}
    assert sum(e["versions"] == 2 for e in latest.values()) == len(corrections) == recorded["corrected_rows"]
    assert recorded["rows"] == len(first)

    # Loaded in delivery order, every row is accepted and the correction is the latest version of its key.
    with duckdb.connect() as connection:
        result = ingest_source(connection, SOURCES_BY_NAME["customer_estimates"], inbox)
        assert (result.rows_loaded, result.rows_rejected) == (len(first) + len(corrections), 0)
        loaded = connection.execute(
            """
            SELECT contract_id, strftime(estimate_month, '%Y-%m-%d'), estimated_kwh::VARCHAR FROM (
                SELECT *, row_number() OVER (
                    PARTITION BY contract_id, estimate_month ORDER BY _ingestion_seq DESC, _source_line DESC) AS rank
                FROM raw.customer_estimates
            ) WHERE rank = 1
            """
        ).fetchall()
    assert {(c, m): kwh for c, m, kwh in loaded} == {k: v["estimated_kwh"] for k, v in latest.items()}
