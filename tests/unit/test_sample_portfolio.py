"""Tests of the sample-portfolio generator: determinism, file contracts, physics, defects and truth."""

from __future__ import annotations

import csv
import json
import re
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from data.sample_portfolio import build_portfolio, generate
from data.sample_portfolio.generator import market_weather, month_grids
from data.sample_portfolio.readings import month_readings
from data.sample_portfolio.tariff_zones import TARIFF_ZONES
from data.sample_portfolio.timegrid import Month
from ingestion.sources import SOURCES_BY_NAME
from voltbill.cli import main

TIMEZONES = {"RO": "Europe/Bucharest", "BG": "Europe/Sofia"}
ISO_WITH_OFFSET = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}")
DECIMAL_TEXT = re.compile(r"-?\d+(\.\d+)?")


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


NOT_GENERATED_YET = {"settlement_volumes", "imbalance_prices", "day_ahead_prices", "exchange_trades", "bilateral_purchases"}


def test_every_file_has_the_contract_header_and_format(small: Path, truth: dict) -> None:
    inbox = small / "inbox"
    seen = set()
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
    # The market operator's and the exchange's files (settlement volumes, imbalance and day-ahead
    # prices) are not generated yet: the
    # settlement issue adds them to the generator. Listed here so the gap stays visible.
    assert seen == set(SOURCES_BY_NAME) - NOT_GENERATED_YET
    assert set(truth["files"]) == {f"inbox/{p.parent.name}/{p.name}" for p in inbox.rglob("*.csv")}


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
    for kind in (
        "duplicate_row",
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
    for record in listed:  # every listed line holds the metering point it names
        if record["line_number"]:
            if record["source_file"] not in lines_of:
                lines_of[record["source_file"]] = (small / record["source_file"]).read_text(encoding="utf-8").split("\n")
            line = lines_of[record["source_file"]][int(record["line_number"]) - 1]
            assert line.startswith(record["metering_point_id"] + ",")


def test_each_defect_kind_occurs_in_a_tiny_portfolio(tmp_path: Path) -> None:
    summary = generate(tmp_path, seed=1, meters=8, months=3)
    assert summary.defects["truncated_line"] == 1 and summary.defects["truncated_rows_lost"] > 0
    assert all(count >= 3 for kind, count in summary.defects.items() if not kind.startswith("truncated"))


def test_tariff_zones_equal_the_dbt_seed() -> None:
    seed = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds" / "tariff_zones.csv"
    # The seed is part of the repository: a missing seed is a failure, not a reason to skip.
    assert seed.is_file(), f"dbt seed {seed} is missing"
    with seed.open(encoding="utf-8", newline="") as handle:
        rows = [(r[0], r[1], int(r[2]), int(r[3])) for r in list(csv.reader(handle))[1:]]  # market, zone, from, to
    assert sorted(rows) == sorted(TARIFF_ZONES)
