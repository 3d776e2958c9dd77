"""Tests of allocation.hierarchy and allocation.cost_allocation (seed 002, Enectiva: invoices received and their allocation)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from allocation.cost_allocation import (
    AllocationResult,
    Consumption,
    PriceListEntry,
    ReceivedInvoice,
    allocate_invoice,
    energy_costs,
    largest_remainder,
    overcharge_alerts,
)
from allocation.hierarchy import ObjectTree, ObjectType, SiteObject, TreeError

D = Decimal
APRIL = (date(2024, 4, 1), date(2024, 4, 30))
MAY = (date(2024, 5, 1), date(2024, 5, 31))

TYPES = [
    ObjectType("complex", "Complex"),
    ObjectType("building", "Building", is_reconciliation_source=True),
    ObjectType("tenant", "Tenant", is_reconciliation_target=True),
]


def obj(object_id: str, parent_id: str | None, type_id: str) -> SiteObject:
    return SiteObject(object_id, parent_id, type_id, f"{type_id.title()} {object_id}", currency="CZK")


def invoice(amount: str, consumption: str, period: tuple[date, date] = APRIL, object_id: str = "C",
            invoice_id: str = "INV-1", threshold: str | None = None) -> ReceivedInvoice:
    return ReceivedInvoice(invoice_id, "M-C-EL", object_id, "electricity", period[0], period[1], D(amount), D(consumption),
                           "kWh", "CZK", alert_threshold_amount=None if threshold is None else D(threshold))


def used(object_id: str, quantity: str, period: tuple[date, date] = APRIL, complete: bool = True) -> Consumption:
    return Consumption(object_id, "electricity", period[0], period[1], D(quantity), complete)


def assert_adds_up(result: AllocationResult) -> None:
    """At every parent: Σ children amounts + its loss amount = its amount; leaves + losses = the invoice."""
    assert result.rows[0].amount == result.amount
    parents = {row.parent_id for row in result.rows if row.depth > 0}
    for row in result.rows:
        kids = result.children_of(row.object_id)
        loss = result.loss_of(row.object_id)
        if kids:
            assert sum(k.amount for k in kids) + (loss.loss_amount if loss else 0) == row.amount, row.object_id
        else:
            assert loss is None
        assert row.amount >= 0 and row.amount == row.amount.quantize(D("0.01"))
    leaves = [row for row in result.rows if row.object_id not in parents]
    assert sum(r.amount for r in leaves) + sum(loss.loss_amount for loss in result.losses) == result.amount
    assert all(loss.loss_amount >= 0 and loss.loss_consumption > 0 for loss in result.losses)


# --- hierarchy ----------------------------------------------------------------------------------


def seed_tree() -> ObjectTree:
    return ObjectTree(TYPES, [
        obj("C", None, "complex"),
        obj("B1", "C", "building"), obj("B2", "C", "building"),
        obj("T11", "B1", "tenant"), obj("T12", "B1", "tenant"), obj("T13", "B1", "tenant"),
        obj("T21", "B2", "tenant"), obj("T22", "B2", "tenant"),
    ])


def test_tree_navigation() -> None:
    tree = seed_tree()
    assert tree.roots() == ("C",)
    assert tree.children("C") == ("B1", "B2")
    assert tree.descendants("C") == ("B1", "T11", "T12", "T13", "B2", "T21", "T22")
    assert tree.depth("C") == 0 and tree.depth("T12") == 2
    assert tree.path("T12") == ("C", "B1", "T12")
    assert tree.reconciliation_targets("B1") == ("T11", "T12", "T13")
    with pytest.raises(ValueError, match="does not have the 'reconciliation source' function"):
        tree.reconciliation_targets("C")


def test_tree_reports_every_problem() -> None:
    with pytest.raises(TreeError) as error:
        ObjectTree(TYPES, [
            obj("C", None, "complex"),
            obj("B1", "C", "building"),
            obj("X", "Y", "building"), obj("Y", "X", "building"),  # a cycle
            obj("T9", "B7", "tenant"),  # unknown parent
            obj("W", "C", "warehouse"),  # unknown type
        ])
    problems = error.value.problems
    assert len(problems) == 3
    assert any("Building X (X) → Building Y (Y) → Building X (X)" in p and "cycle" in p for p in problems)
    assert any("Tenant T9 (T9) has parent 'B7', which is not in the object list" in p for p in problems)
    assert any("type 'warehouse', which is not a defined object type" in p for p in problems)
    assert "T9" in str(error.value) and "cycle" in str(error.value)


def test_tree_self_parent_and_duplicate_id() -> None:
    with pytest.raises(TreeError) as error:
        ObjectTree(TYPES, [obj("C", "C", "complex"), obj("B1", None, "building"), obj("B1", None, "building")])
    assert any("is set as its own parent" in p for p in error.value.problems)
    assert any("object id 'B1' is used twice" in p for p in error.value.problems)


# --- the seed's example -------------------------------------------------------------------------


def test_seed_example_exactly() -> None:
    # 200 CZK for 50 kWh → 4 CZK/kWh. B1 25/50 × 200 = 100, B2 20/50 × 200 = 80, 5 kWh loss = 20.
    # B1's tenants 5, 8, 12 kWh → 20, 32, 48 (25 kWh: no loss in B1).
    tree = seed_tree()
    data = [used("B1", "25"), used("B2", "20"), used("T11", "5"), used("T12", "8"), used("T13", "12")]
    result = allocate_invoice(invoice("200", "50"), tree, data)
    assert result.unit_price == D("4")
    assert result.amount_of("B1") == D("100.00") and result.amount_of("B2") == D("80.00")
    loss = result.loss_of("C")
    assert loss is not None and loss.loss_consumption == D("5") and loss.loss_amount == D("20.00")
    assert [result.amount_of(t) for t in ("T11", "T12", "T13")] == [D("20.00"), D("32.00"), D("48.00")]
    assert result.loss_of("B1") is None
    # B2's tenants meter nothing: B2 keeps its 80 as a leaf, no loss row.
    assert result.children_of("B2") == () and result.loss_of("B2") is None
    assert [r.depth for r in result.rows] == [0, 1, 1, 2, 2, 2]
    assert result.warnings == ()
    assert_adds_up(result)


def test_three_levels_with_loss_at_each_level() -> None:
    tree = seed_tree()
    data = [used("B1", "131"), used("B2", "137"),
            used("T11", "40.1"), used("T12", "45.2"), used("T13", "41"),
            used("T21", "60"), used("T22", "70.5")]
    result = allocate_invoice(invoice("1000.00", "300"), tree, data)  # 10/3 CZK/kWh
    # Level 1: B1 131 × 10/3 = 436.666… → 436.67; B2 137 × 10/3 = 456.666… → 456.67; Σ 893.34.
    #          loss 300 − 268 = 32 kWh, 1000.00 − 893.34 = 106.66 (exactly 106.666…: the loss absorbs rounding).
    assert result.amount_of("B1") == D("436.67") and result.amount_of("B2") == D("456.67")
    assert result.loss_of("C") == result.losses[0]
    assert (result.losses[0].loss_consumption, result.losses[0].loss_amount) == (D("32"), D("106.66"))
    # Level 2, B1: 40.1 × 10/3 = 133.666… → 133.67; 45.2 × 10/3 = 150.666… → 150.67; 41 × 10/3 = 136.666… → 136.67;
    #          Σ 421.01; loss 131 − 126.3 = 4.7 kWh, 436.67 − 421.01 = 15.66.
    assert [result.amount_of(t) for t in ("T11", "T12", "T13")] == [D("133.67"), D("150.67"), D("136.67")]
    b1_loss = result.loss_of("B1")
    assert b1_loss is not None and (b1_loss.loss_consumption, b1_loss.loss_amount) == (D("4.7"), D("15.66"))
    # Level 2, B2: 60 × 10/3 = 200.00; 70.5 × 10/3 = 235.00; loss 137 − 130.5 = 6.5 kWh, 456.67 − 435.00 = 21.67.
    assert [result.amount_of(t) for t in ("T21", "T22")] == [D("200.00"), D("235.00")]
    b2_loss = result.loss_of("B2")
    assert b2_loss is not None and (b2_loss.loss_consumption, b2_loss.loss_amount) == (D("6.5"), D("21.67"))
    # Everything: tenants 856.01 + losses 143.99 = 1000.00.
    assert_adds_up(result)


def test_object_without_own_meter_is_the_sum_below_it() -> None:
    tree = seed_tree()
    data = [used("B2", "20"), used("T11", "5"), used("T12", "8"), used("T13", "12")]
    result = allocate_invoice(invoice("200", "50"), tree, data)
    row = result.row("B1")
    assert (row.basis, row.consumption, row.amount) == ("aggregated", D("25"), D("100.00"))
    assert result.loss_of("B1") is None
    assert_adds_up(result)


def test_children_metering_more_than_parent_are_scaled_with_a_warning() -> None:
    tree = seed_tree()
    data = [used("B1", "30"), used("B2", "20"), used("T11", "20"), used("T12", "20"), used("T13", "20")]
    result = allocate_invoice(invoice("200", "50"), tree, data)
    # B1 = 120.00 for 30 kWh, but its tenants meter 60 kWh: 120.00 shared 1:1:1 = 40.00 each, no loss row.
    assert [result.amount_of(t) for t in ("T11", "T12", "T13")] == [D("40.00")] * 3
    assert result.loss_of("B1") is None and result.row("T11").scaled
    assert len(result.warnings) == 1 and "Building B1 (B1)" in result.warnings[0] and "60" in result.warnings[0]
    assert_adds_up(result)


def test_rounding_never_makes_a_negative_loss() -> None:
    # 0.10 CZK for 1 kWh; two tenants of 0.495 kWh each: 0.0495 → 0.05 each, Σ 0.10 > 0.10 − loss.
    tree = ObjectTree(TYPES, [obj("B", None, "building"), obj("T1", "B", "tenant"), obj("T2", "B", "tenant")])
    result = allocate_invoice(invoice("0.10", "1", object_id="B"), tree, [used("T1", "0.495"), used("T2", "0.495")])
    assert_adds_up(result)
    assert sum(r.amount for r in result.children_of("B")) + result.losses[0].loss_amount == D("0.10")


def test_incomplete_consumption_is_used_with_a_warning() -> None:
    result = allocate_invoice(invoice("200", "50"), seed_tree(), [used("B1", "25", complete=False)])
    assert result.amount_of("B1") == D("100.00")
    assert "Building B1 (B1)" in result.warnings[0] and "does not cover the whole period" in result.warnings[0]


def test_non_energy_invoice_cannot_be_allocated() -> None:
    maintenance = ReceivedInvoice("INV-M", None, "C", "maintenance", *APRIL, D("500.00"), None, None, "CZK")
    with pytest.raises(ValueError, match="maintenance, which has no consumption"):
        allocate_invoice(maintenance, seed_tree(), [])


def test_invoice_validation() -> None:
    with pytest.raises(ValueError, match="more than 2 decimals"):
        invoice("200.005", "50")
    with pytest.raises(TypeError):
        ReceivedInvoice("I", "M", "C", "electricity", *APRIL, 200.0, D(50), "kWh", "CZK")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="neither an energy type nor an expense category"):
        ReceivedInvoice("I", "M", "C", "coal", *APRIL, D(1), D(1), "kWh", "CZK")


# --- energy costs: elapsed invoices and price lists ---------------------------------------------

PRICE = PriceListEntry("PL-1", "electricity", "C", date(2024, 1, 1), None, D("4.50"), "CZK")


def test_future_invoice_uses_the_price_list() -> None:
    tree = seed_tree()
    mid_may = (date(2024, 5, 1), date(2024, 5, 19))
    data = [used("B1", "10", mid_may, complete=False), used("T11", "3.333", mid_may, complete=False)]
    report = energy_costs([invoice("250", "60", MAY)], [PRICE], tree, data, as_of=date(2024, 5, 20))
    # 10 × 4.50 = 45.00; 3.333 × 4.50 = 14.9985 → 15.00.
    assert [(r.object_id, r.amount, r.basis) for r in report] == [("B1", D("45.00"), "price_list"), ("T11", D("15.00"), "price_list")]
    assert all(r.price_list_id == "PL-1" for r in report)


def test_future_invoice_without_price_list_has_no_cost_and_a_note() -> None:
    data = [used("B1", "10", (date(2024, 5, 1), date(2024, 5, 19)))]
    report = energy_costs([invoice("250", "60", MAY)], [], seed_tree(), data, as_of=date(2024, 5, 20))
    assert len(report) == 0
    assert len(report.notes) == 1
    assert "INV-1" in report.notes[0] and "no electricity price list covers Building B1 (B1)" in report.notes[0]
    assert "2024-06-01" in report.notes[0]


def test_invoice_counts_only_after_its_last_day() -> None:
    tree = seed_tree()
    data = [used("B1", "25", MAY), used("B2", "20", MAY)]
    # On its last day (31 May) the period has not elapsed: price list.
    on_last_day = energy_costs([invoice("200", "50", MAY)], [PRICE], tree, data, as_of=date(2024, 5, 31))
    assert {r.basis for r in on_last_day} == {"price_list"}
    assert [r.amount for r in on_last_day] == [D("112.50"), D("90.00")]
    # From 1 June: the invoice, allocated, with its loss.
    after = energy_costs([invoice("200", "50", MAY)], [PRICE], tree, data, as_of=date(2024, 6, 1))
    assert {r.basis for r in after} == {"invoice"}
    assert [(r.object_id, r.kind, r.amount) for r in after] == [
        ("C", "allocated", D("200.00")), ("B1", "allocated", D("100.00")), ("B2", "allocated", D("80.00")), ("C", "loss", D("20.00"))]


def test_nearest_price_list_wins_and_non_energy_invoice_is_an_expense() -> None:
    tree = seed_tree()
    b1_price = PriceListEntry("PL-B1", "electricity", "B1", date(2024, 5, 1), date(2024, 5, 31), D("5"), "CZK")
    data = [used("T11", "2", MAY), used("T21", "2", MAY)]
    maintenance = ReceivedInvoice("INV-M", None, "B1", "maintenance", *APRIL, D("500.00"), None, None, "CZK")
    report = energy_costs([invoice("250", "60", MAY), maintenance], [PRICE, b1_price], tree, data, as_of=date(2024, 5, 15))
    assert [(r.object_id, r.amount, r.price_list_id) for r in report if r.basis == "price_list"] == [
        ("T11", D("10.00"), "PL-B1"), ("T21", D("9.00"), "PL-1")]
    assert [(r.object_id, r.kind, r.amount) for r in report if r.basis == "invoice"] == [("B1", "expense", D("500.00"))]


# --- overcharge alerts --------------------------------------------------------------------------


def test_overcharge_alert() -> None:
    over = invoice("250.00", "50", invoice_id="INV-OVER", threshold="200.00")
    equal = invoice("200.00", "50", invoice_id="INV-EQUAL", threshold="200.00")
    unset = invoice("999.00", "50", invoice_id="INV-UNSET")
    alerts = overcharge_alerts([over, equal, unset], seed_tree())
    assert len(alerts) == 1
    alert = alerts[0]
    assert (alert.invoice_id, alert.meter_id, alert.object_id, alert.amount, alert.threshold) == (
        "INV-OVER", "M-C-EL", "C", D("250.00"), D("200.00"))
    assert "INV-OVER" in alert.message and "M-C-EL" in alert.message and "Complex C (C)" in alert.message
    assert "50.00 CZK above the alert amount of 200.00 CZK" in alert.message


# --- properties ---------------------------------------------------------------------------------


@st.composite
def trees_and_consumption(draw: st.DrawFn) -> tuple[ObjectTree, list[Consumption], ReceivedInvoice]:
    size = draw(st.integers(min_value=1, max_value=14))
    objects = [obj("O00", None, "complex")]
    for i in range(1, size):
        parent = draw(st.integers(min_value=0, max_value=i - 1))
        objects.append(obj(f"O{i:02d}", f"O{parent:02d}", "building"))
    tree = ObjectTree(TYPES, objects)
    quantities = st.decimals(min_value=0, max_value=500, places=3, allow_nan=False, allow_infinity=False)
    data = [used(o.object_id, str(q)) for o in objects[1:] if (q := draw(st.one_of(st.none(), quantities))) is not None]
    amount = draw(st.decimals(min_value=0, max_value=100000, places=2))
    total = draw(st.decimals(min_value=D("0.001"), max_value=2000, places=3))
    return tree, data, invoice(str(amount), str(total), object_id="O00")


@settings(max_examples=300, deadline=None)
@given(trees_and_consumption())
def test_property_allocation_adds_up_at_every_level(case: tuple[ObjectTree, list[Consumption], ReceivedInvoice]) -> None:
    tree, data, inv = case
    assert_adds_up(allocate_invoice(inv, tree, data))


@settings(max_examples=300, deadline=None)
@given(st.decimals(min_value=0, max_value=1000000, places=2),
       st.dictionaries(st.text("abcdef", min_size=1, max_size=3), st.integers(min_value=0, max_value=1000), min_size=1))
def test_property_largest_remainder_adds_up(total: Decimal, weights: dict[str, int]) -> None:
    if sum(weights.values()) == 0:
        weights = {key: 1 for key in weights}
    parts = largest_remainder(total, weights)
    assert sum(parts.values()) == total and all(p >= 0 for p in parts.values())


def test_largest_remainder_equal_split() -> None:
    assert largest_remainder(D("100.00"), {"c": 1, "a": 1, "b": 1}) == {"a": D("33.34"), "b": D("33.33"), "c": D("33.33")}
