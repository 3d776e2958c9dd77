"""Tests of the sample's cost-allocation files (seed 002): determinism, contracts, physics, truth recomputed by hand."""

from __future__ import annotations

import csv
import json
import re
from collections import defaultdict
from datetime import date
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, localcontext
from pathlib import Path

import duckdb
import pytest

from data.sample_portfolio import generate
from data.sample_portfolio.allocation import write_allocation_files
from data.sample_portfolio.generator import TRUTH_FILES
from ingestion.allocation_sources import (
    ALLOCATION_SOURCES,
    BILLING_METERS,
    METER_CONSUMPTION,
    OBJECT_TYPES,
    PRICE_LISTS,
    RECEIVED_INVOICES,
    SERVICE_CHARGE_RECONCILIATIONS,
    SITE_OBJECTS,
)
from ingestion.loader import ingest_source
from ingestion.raw_schema import create_raw_schema, raw_table_ddl

MONTHS = [f"{2025 + (9 + i) // 12}-{(9 + i) % 12 + 1:02d}" for i in range(13)]  # 2025-10 .. 2026-10, the default sample
CENT = Decimal("0.01")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
DECIMAL_TEXT = re.compile(r"\d+(\.(\d+))?")


def _write(out: Path, seed: int = 42, months: list[str] = MONTHS) -> dict[str, int]:
    return write_allocation_files(out / "inbox", out / "truth", seed, months)


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("allocation")
    _write(out)
    return out


@pytest.fixture(scope="module")
def truth(sample: Path) -> dict:
    return json.loads((sample / "truth" / "allocation.json").read_text(encoding="utf-8"))


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    text = path.read_bytes().decode("utf-8")
    assert text.endswith("\n") and "\r" not in text, path.name
    rows = list(csv.reader(text.splitlines()))
    return rows[0], [dict(zip(rows[0], row)) for row in rows[1:]]


def rows_of(sample: Path, source_name: str, pattern: str = "*.csv") -> list[dict[str, str]]:
    return [row for path in sorted((sample / "inbox" / source_name).glob(pattern)) for row in read_csv(path)[1]]


def half_up(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def largest_remainder(total: Decimal, weights: dict[str, Decimal]) -> dict[str, Decimal]:
    """By hand: floor each exact share to the cent, then one cent each to the largest remainders (ties: lower id)."""
    with localcontext() as context:
        context.prec = 60
        weight_sum = sum(weights.values())
        exact = {key: total * weight / weight_sum for key, weight in weights.items()}
        floors = {key: value.quantize(CENT, rounding=ROUND_DOWN) for key, value in exact.items()}
        left = int((total - sum(floors.values())) / CENT)
        for key in sorted(weights, key=lambda k: (-(exact[k] - floors[k]), k))[:left]:
            floors[key] += CENT
    return floors


# ---------------------------------------------------------------- determinism and format


def _file_bytes(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_arguments_give_the_same_bytes_and_another_seed_differs(tmp_path: Path) -> None:
    for name, seed in (("a", 3), ("b", 3), ("c", 4)):
        _write(tmp_path / name, seed, MONTHS[:3])
    a, b, c = (_file_bytes(tmp_path / name) for name in "abc")
    assert a == b
    assert a.keys() == c.keys() and a != c


def test_a_second_run_replaces_the_files_of_an_earlier_one(tmp_path: Path) -> None:
    _write(tmp_path, 1, MONTHS[:4])
    _write(tmp_path, 1, MONTHS[:2])
    assert sorted(p.name for p in (tmp_path / "inbox" / RECEIVED_INVOICES.name).glob("*.csv")) == ["2025-10.csv", "2025-11.csv"]


def test_every_source_has_files_with_the_contract_header_and_format(sample: Path, truth: dict) -> None:
    written = {}
    for source in ALLOCATION_SOURCES:
        paths = sorted((sample / "inbox" / source.name).glob("*.csv"))
        assert paths, source.name
        for path in paths:
            header, rows = read_csv(path)
            assert tuple(header) == source.column_names, path.name
            written[f"inbox/{source.name}/{path.name}"] = len(rows)
            for row in rows:
                for column in source.columns:
                    value = row[column.name]
                    if value == "":
                        assert not column.required, (path.name, column.name)
                        continue
                    if column.allowed:
                        assert value in column.allowed, (path.name, column.name, value)
                    if column.type == "date":
                        assert DATE.fullmatch(value) and date.fromisoformat(value), (path.name, value)
                    if column.type == "decimal":
                        match = DECIMAL_TEXT.fullmatch(value)
                        assert match, (path.name, column.name, value)
                        assert len(match.group(2) or "") <= (column.decimal_places or 0), (path.name, column.name, value)
                for later, earlier in ((r.later, r.earlier) for r in source.row_rules):
                    assert row[earlier] <= row[later] or row[later] == "", (path.name, row)
    assert truth["files"] == written
    assert sum(written.values()) == sum(truth["rows_per_source"].values())


def test_the_loader_loads_every_row(sample: Path, truth: dict) -> None:
    with duckdb.connect() as connection:
        create_raw_schema(connection)
        for source in ALLOCATION_SOURCES:  # raw tables of sources that may not be in ingestion.sources.SOURCES yet
            connection.execute(raw_table_ddl(source))
        loaded = {source.name: ingest_source(connection, source, sample / "inbox") for source in ALLOCATION_SOURCES}
        assert connection.execute("SELECT count(*) FROM raw.rejected_rows").fetchone() == (0,)
    for name, result in loaded.items():
        assert sum(f.rows_loaded for f in result.files) == truth["rows_per_source"][name]


# ---------------------------------------------------------------- the site and its readings


def test_the_site_has_the_types_objects_and_meters_described(sample: Path, truth: dict) -> None:
    types = {row["type_id"]: row for row in rows_of(sample, OBJECT_TYPES.name)}
    assert [(t["is_reconciliation_source"], t["is_reconciliation_target"]) for t in types.values()] == [
        ("false", "false"), ("true", "false"), ("false", "true")
    ]
    objects = {row["object_id"]: row for row in rows_of(sample, SITE_OBJECTS.name)}
    complex_ = [o for o in objects.values() if o["type_id"] == "complex"]
    assert len(complex_) == 1 and complex_[0]["name"] == "Smart Cube" and complex_[0]["currency"] == "CZK"
    buildings = sorted(o for o, row in objects.items() if row["type_id"] == "building")
    assert len(buildings) == 3 and all(objects[b]["parent_id"] == complex_[0]["object_id"] for b in buildings)
    for number, building in enumerate(buildings):
        tenants = [row for row in objects.values() if row["parent_id"] == building]
        assert 3 + (number == 2) <= len(tenants) <= 5 + (number == 2)
        for tenant in tenants:
            assert tenant["type_id"] == "tenant" and tenant["currency"] == "CZK" and "@" in tenant["email"]
            assert Decimal(tenant["floor_area_m2"]) > 0 and Decimal(tenant["monthly_service_charge_advance"]) > 0
    meters = rows_of(sample, BILLING_METERS.name)
    invoiced = {(m["object_id"], m["energy_type"]) for m in meters if m["is_invoiced"] == "true"}
    assert invoiced == {("SC", "electricity")} | {(b, e) for b in buildings for e in ("heat", "water")}
    no_water = [t for t, row in objects.items() if row["type_id"] == "tenant"
                and not any(m["object_id"] == t and m["energy_type"] == "water" for m in meters)]
    assert no_water == [truth["site"]["tenant_without_water_meter"]] and objects[no_water[0]]["parent_id"] == buildings[2]


def test_every_level_meters_less_than_the_level_above_every_month(sample: Path) -> None:
    objects = {row["object_id"]: row for row in rows_of(sample, SITE_OBJECTS.name)}
    meters = {row["meter_id"]: row for row in rows_of(sample, BILLING_METERS.name)}
    checked = 0
    for month in MONTHS:
        _, rows = read_csv(sample / "inbox" / METER_CONSUMPTION.name / f"{month}.csv")
        assert {(r["period_start"], r["period_end"]) for r in rows} == {(f"{month}-01", rows[0]["period_end"])}
        assert set(r["meter_id"] for r in rows) == set(meters)
        reading = {(meters[r["meter_id"]]["object_id"], meters[r["meter_id"]]["energy_type"]): Decimal(r["quantity"]) for r in rows}
        for (object_id, energy_type), quantity in reading.items():
            children = [reading[(o, energy_type)] for o, row in objects.items() if row["parent_id"] == object_id
                        and (o, energy_type) in reading]
            if children:
                assert 0 < sum(children) < quantity, (month, object_id, energy_type)
                checked += 1
    assert checked == len(MONTHS) * (1 + 3 * 3)  # complex electricity; per building electricity, heat, water


def test_one_monthly_reading_is_incomplete_and_the_reconciliation_readings_are_complete(sample: Path, truth: dict) -> None:
    rows = rows_of(sample, METER_CONSUMPTION.name)
    incomplete = [r for r in rows if r["complete"] == "false"]
    assert len(incomplete) == 1 and incomplete[0]["meter_id"] == truth["incomplete_readings"][0]["meter_id"]
    period = truth["reconciliation_period"]
    assert (period["period_start"], period["period_end"]) == ("2025-10-01", "2026-09-30")
    yearly = [r for r in rows if (r["period_start"], r["period_end"]) == (period["period_start"], period["period_end"])]
    assert yearly and all(r["complete"] == "true" for r in yearly)
    monthly = defaultdict(Decimal)
    for r in rows:
        if r["period_start"][:7] == r["period_end"][:7] and r["period_end"] <= period["period_end"]:
            monthly[r["meter_id"]] += Decimal(r["quantity"])
    assert all(Decimal(r["quantity"]) == monthly[r["meter_id"]] for r in yearly)


# ---------------------------------------------------------------- invoices


def test_the_electricity_invoices_match_the_complex_readings_and_a_unit_price(sample: Path) -> None:
    invoices = [r for r in rows_of(sample, RECEIVED_INVOICES.name) if r["category"] == "electricity"]
    readings = {(r["meter_id"], r["period_start"], r["period_end"]): Decimal(r["quantity"]) for r in rows_of(sample, METER_CONSUMPTION.name)}
    elapsed = [i for i in invoices if (i["meter_id"], i["period_start"], i["period_end"]) in readings]
    assert len(elapsed) == len(MONTHS) and len(invoices) == len(MONTHS) + 1
    for invoice in elapsed:
        consumption = Decimal(invoice["consumption"])
        assert consumption == readings[(invoice["meter_id"], invoice["period_start"], invoice["period_end"])]
        assert Decimal("3.80") < Decimal(invoice["amount"]) / consumption < Decimal("4.20")


def test_the_truth_of_one_invoice_recomputed_by_hand(sample: Path, truth: dict) -> None:
    """The month with the incomplete reading: every object's amount and each parent's loss from the CSV rows alone."""
    month = truth["incomplete_readings"][0]["period_start"][:7]
    invoice = next(r for r in rows_of(sample, RECEIVED_INVOICES.name, f"{month}.csv") if r["category"] == "electricity")
    objects = {row["object_id"]: row for row in rows_of(sample, SITE_OBJECTS.name)}
    meters = {row["meter_id"]: row for row in rows_of(sample, BILLING_METERS.name)}
    _, rows = read_csv(sample / "inbox" / METER_CONSUMPTION.name / f"{month}.csv")
    kwh = {meters[r["meter_id"]]["object_id"]: Decimal(r["quantity"]) for r in rows if meters[r["meter_id"]]["energy_type"] == "electricity"}
    amount, consumption = Decimal(invoice["amount"]), Decimal(invoice["consumption"])
    with localcontext() as context:
        context.prec = 60
        expected = {o: half_up(kwh[o] * amount / consumption) for o in kwh if o != invoice["object_id"]}
    expected[invoice["object_id"]] = amount
    expected_truth = truth["allocations"][invoice["invoice_id"]]
    assert {o: Decimal(v["amount"]) for o, v in expected_truth["objects"].items()} == expected
    for parent, loss in expected_truth["losses"].items():
        children = [o for o, row in objects.items() if row["parent_id"] == parent]
        assert Decimal(loss["amount"]) == expected[parent] - sum(expected[c] for c in children)
        assert Decimal(loss["consumption"]) == kwh[parent] - sum(kwh[c] for c in children) > 0
    assert set(expected_truth["losses"]) == {"SC", *truth["site"]["buildings"]}
    assert expected_truth["incomplete_objects"] == [truth["incomplete_readings"][0]["object_id"]]


def test_one_invoice_is_overcharged_and_the_others_are_below_their_alert_amount(sample: Path, truth: dict) -> None:
    invoices = rows_of(sample, RECEIVED_INVOICES.name)
    with_threshold = [i for i in invoices if i["alert_threshold_amount"]]
    over = [i["invoice_id"] for i in with_threshold if Decimal(i["amount"]) > Decimal(i["alert_threshold_amount"])]
    assert over == truth["overcharged_invoice_ids"] and len(over) == 1
    assert len(with_threshold) == truth["invoices_with_alert_threshold"] > 1
    categories = {i["category"] for i in invoices}
    assert {"telecommunication", "maintenance", "salaries", "heat", "electricity"} <= categories
    assert {e["invoice_id"] for e in truth["expenses"]} == {i["invoice_id"] for i in invoices if not i["meter_id"]}


def test_the_future_invoice_ends_after_the_last_month_and_a_price_list_covers_it(sample: Path, truth: dict) -> None:
    invoice = next(i for i in rows_of(sample, RECEIVED_INVOICES.name) if i["invoice_id"] == truth["future_invoice_id"])
    assert invoice["period_start"] == "2026-11-01" and invoice["period_end"] == "2026-12-31" > truth["as_of"] == "2026-11-01"
    assert invoice["invoice_id"] not in truth["allocations"]
    assert not [r for r in rows_of(sample, METER_CONSUMPTION.name) if r["period_end"] >= invoice["period_start"]]
    (price,) = rows_of(sample, PRICE_LISTS.name)
    assert price["energy_type"] == "electricity" and price["object_id"] == invoice["object_id"]
    assert price["valid_from"] <= MONTHS[0] + "-01" and price["valid_to"] == ""


# ---------------------------------------------------------------- reconciliations


def test_the_three_reconciliations_have_the_described_outcomes(sample: Path, truth: dict) -> None:
    specs = rows_of(sample, SERVICE_CHARGE_RECONCILIATIONS.name)
    b1, b2, b3 = truth["site"]["buildings"]
    by_building = defaultdict(list)
    for spec in specs:
        by_building[spec["source_object_id"]].append(spec)
    assert sorted(s["kind"] for s in by_building[b1]) == ["heating", "non_energy", "water"]
    assert {s["template"] for s in by_building[b1]} == {s["template"] for s in by_building[b2]} == {"smart_cube"}
    assert "heating" not in {s["kind"] for s in by_building[b2]} and "water" in {s["kind"] for s in by_building[b2]}
    assert [(s["kind"], s["template"]) for s in by_building[b3]] == [("water", "generic")]
    outcomes = truth["reconciliations"]
    assert outcomes[b1]["status"] == "ok"
    assert (outcomes[b2]["status"], outcomes[b2]["error_kind"]) == ("error", "template_missing_heating")
    assert (outcomes[b3]["status"], outcomes[b3]["error_kind"]) == ("error", "tenant_without_water_meter")
    assert outcomes[b3]["tenant_id"] == truth["site"]["tenant_without_water_meter"]


def test_the_successful_reconciliation_recomputed_by_hand(sample: Path, truth: dict) -> None:
    building = truth["site"]["buildings"][0]
    objects = {row["object_id"]: row for row in rows_of(sample, SITE_OBJECTS.name)}
    tenants = sorted(o for o, row in objects.items() if row["parent_id"] == building)
    specs = [s for s in rows_of(sample, SERVICE_CHARGE_RECONCILIATIONS.name) if s["source_object_id"] == building]
    period = (specs[0]["period_start"], specs[0]["period_end"])
    meters = {row["meter_id"]: row for row in rows_of(sample, BILLING_METERS.name)}
    yearly = {(meters[r["meter_id"]]["object_id"], meters[r["meter_id"]]["energy_type"]): Decimal(r["quantity"])
              for r in rows_of(sample, METER_CONSUMPTION.name)
              if (r["period_start"], r["period_end"]) == period and r["complete"] == "true"}
    expected: dict[str, dict[str, Decimal]] = {t: {} for t in tenants}
    for spec in specs:
        cost = Decimal(spec["cost"])
        if spec["kind"] == "non_energy":
            shares = largest_remainder(cost, {t: Decimal(1) for t in tenants})
        elif spec["kind"] == "water":
            shares = largest_remainder(cost, {t: yearly[(t, "water")] for t in tenants})
        else:
            by_heat = half_up(cost * Decimal(spec["consumption_share_pct"]) / 100)
            heat = largest_remainder(by_heat, {t: yearly[(t, "heat")] for t in tenants})
            area = largest_remainder(cost - by_heat, {t: Decimal(objects[t]["floor_area_m2"]) for t in tenants})
            shares = {t: heat[t] + area[t] for t in tenants}
            for t in tenants:
                line = truth["reconciliations"][building]["tenants"][t]["shares"][spec["spec_id"]]
                assert (Decimal(line["consumption_part"]), Decimal(line["area_part"])) == (heat[t], area[t])
        assert sum(shares.values()) == cost
        for t in tenants:
            expected[t][spec["spec_id"]] = shares[t]
    months = truth["reconciliation_period"]["months"]
    assert months == 12
    for t in tenants:
        got = truth["reconciliations"][building]["tenants"][t]
        assert {k: Decimal(v["amount"]) for k, v in got["shares"].items()} == expected[t]
        total = sum(expected[t].values())
        advances = Decimal(objects[t]["monthly_service_charge_advance"]) * months
        assert (Decimal(got["total"]), Decimal(got["advances_paid"]), Decimal(got["balance"])) == (total, advances, total - advances)


# ---------------------------------------------------------------- the library agrees with the truth


def test_the_allocation_library_reproduces_the_truth(sample: Path, truth: dict) -> None:
    from allocation.cost_allocation import Consumption, PriceListEntry, ReceivedInvoice, allocate_invoice, energy_costs, overcharge_alerts
    from allocation.hierarchy import ObjectTree, ObjectType, SiteObject
    from allocation.service_charges import (
        GENERIC, SMART_CUBE, ReconciliationError, ReconciliationSpec, TemplateError, TenantReading, advances_from_parameters, reconcile,
    )

    def opt(value: str) -> str | None:
        return value or None

    tree = ObjectTree(
        [ObjectType(r["type_id"], r["name"], r["is_reconciliation_source"] == "true", r["is_reconciliation_target"] == "true")
         for r in rows_of(sample, OBJECT_TYPES.name)],
        [SiteObject(r["object_id"], opt(r["parent_id"]), r["type_id"], r["name"], opt(r["floor_area_m2"]), opt(r["currency"]),
                    opt(r["monthly_service_charge_advance"])) for r in rows_of(sample, SITE_OBJECTS.name)],
    )
    meters = {row["meter_id"]: row for row in rows_of(sample, BILLING_METERS.name)}
    readings = rows_of(sample, METER_CONSUMPTION.name)
    consumption = [Consumption(meters[r["meter_id"]]["object_id"], meters[r["meter_id"]]["energy_type"], date.fromisoformat(r["period_start"]),
                               date.fromisoformat(r["period_end"]), r["quantity"], r["complete"] == "true", meters[r["meter_id"]]["unit"])
                   for r in readings]
    invoices = [ReceivedInvoice(r["invoice_id"], opt(r["meter_id"]), r["object_id"], r["category"], date.fromisoformat(r["period_start"]),
                                date.fromisoformat(r["period_end"]), r["amount"], opt(r["consumption"]), opt(r["unit"]), r["currency"],
                                r["note"], opt(r["alert_threshold_amount"])) for r in rows_of(sample, RECEIVED_INVOICES.name)]
    for invoice in invoices:
        if invoice.invoice_id in truth["allocations"]:
            expected = truth["allocations"][invoice.invoice_id]
            result = allocate_invoice(invoice, tree, consumption)
            assert {row.object_id: str(row.amount) for row in result.rows} == {o: v["amount"] for o, v in expected["objects"].items()}
            assert {loss.parent_id: str(loss.loss_amount) for loss in result.losses} == {p: v["amount"] for p, v in expected["losses"].items()}
            assert bool(result.warnings) == bool(expected["incomplete_objects"])
    assert [a.invoice_id for a in overcharge_alerts(invoices, tree)] == truth["overcharged_invoice_ids"]
    prices = [PriceListEntry(r["price_list_id"], r["energy_type"], r["object_id"], date.fromisoformat(r["valid_from"]),
                             date.fromisoformat(r["valid_to"]) if r["valid_to"] else None, r["unit_price"], r["currency"], r["unit"])
              for r in rows_of(sample, PRICE_LISTS.name)]
    report = energy_costs(invoices, prices, tree, consumption, date.fromisoformat(truth["as_of"]))
    assert not [row for row in report.rows if row.invoice_id == truth["future_invoice_id"]]
    assert any(truth["future_invoice_id"] in note for note in report.notes)

    specs = [ReconciliationSpec(r["spec_id"], r["kind"], r["source_object_id"], date.fromisoformat(r["period_start"]),
                                date.fromisoformat(r["period_end"]), r["cost"], r["currency"], opt(r["consumption_share_pct"]), r["name"])
             for r in rows_of(sample, SERVICE_CHARGE_RECONCILIATIONS.name)]
    templates = {r["source_object_id"]: r["template"] for r in rows_of(sample, SERVICE_CHARGE_RECONCILIATIONS.name)}
    tenant_data = [TenantReading(meters[r["meter_id"]]["object_id"], r["meter_id"], meters[r["meter_id"]]["energy_type"],
                                 date.fromisoformat(r["period_start"]), date.fromisoformat(r["period_end"]), r["quantity"], r["complete"] == "true")
                   for r in readings if meters[r["meter_id"]]["energy_type"] in ("water", "heat")
                   and tree.object_type(meters[r["meter_id"]]["object_id"]).is_reconciliation_target]
    for building, expected in truth["reconciliations"].items():
        own = [s for s in specs if s.source_object_id == building]
        targets = set(tree.reconciliation_targets(building))
        data = [r for r in tenant_data if r.tenant_id in targets]
        advances = advances_from_parameters(tree, building, truth["reconciliation_period"]["months"])
        template = SMART_CUBE if templates[building] == "smart_cube" else GENERIC
        if expected["status"] == "ok":
            result = reconcile(own, tree, building, data, advances, template)
            for tenant in result.tenants:
                want = expected["tenants"][tenant.tenant_id]
                assert {line.spec_id: str(line.amount) for line in tenant.shares} == {k: v["amount"] for k, v in want["shares"].items()}
                assert (str(tenant.advances_paid), str(tenant.balance)) == (want["advances_paid"], want["balance"])
        elif expected["error_kind"] == "template_missing_heating":
            with pytest.raises(TemplateError, match="heating"):
                reconcile(own, tree, building, data, advances, template)
        else:
            with pytest.raises(ReconciliationError, match=expected["tenant_id"]) as error:
                reconcile(own, tree, building, data, advances, template)
            assert len(error.value.problems) == 1


# ---------------------------------------------------------------- generate-sample


def test_generate_sample_writes_the_allocation_files_and_their_truth(tmp_path: Path) -> None:
    generate(tmp_path, seed=2, meters=3, months=2)
    truth = json.loads((tmp_path / "truth" / "truth.json").read_text(encoding="utf-8"))
    allocation = json.loads((tmp_path / "truth" / "allocation.json").read_text(encoding="utf-8"))
    assert "allocation.json" in TRUTH_FILES
    assert allocation["parameters"] == {"seed": 2, "months": ["2025-10", "2025-11"]}
    for relative, rows in allocation["files"].items():
        assert truth["files"][relative] == rows
    for source in ALLOCATION_SOURCES:
        assert truth["rows_per_source"][source.name] == allocation["rows_per_source"][source.name] > 0
