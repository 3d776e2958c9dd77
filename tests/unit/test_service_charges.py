"""Tests of allocation.service_charges (seed 002, Enectiva: service-charge reconciliations and the Smart Cube template)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from allocation.hierarchy import ObjectTree, ObjectType, SiteObject
from allocation.service_charges import (
    GENERIC,
    SMART_CUBE,
    ReconciliationError,
    ReconciliationSpec,
    TemplateError,
    TenantReading,
    advances_from_parameters,
    check_template,
    reconcile,
)

D = Decimal
YEAR = (date(2024, 1, 1), date(2024, 12, 31))
TYPES = [
    ObjectType("building", "Building", is_reconciliation_source=True),
    ObjectType("floor", "Floor"),
    ObjectType("tenant", "Tenant", is_reconciliation_target=True),
]


def building(areas: dict[str, str | None], advance: str | None = None) -> ObjectTree:
    objects = [SiteObject("B", None, "building", "Smart Cube House", currency="CZK"), SiteObject("F1", "B", "floor", "Floor 1")]
    for tenant_id, area in areas.items():
        objects.append(SiteObject(tenant_id, "F1", "tenant", f"Tenant {tenant_id}", None if area is None else D(area), "CZK",
                                  None if advance is None else D(advance)))
    return ObjectTree(TYPES, objects)


TREE = building({"T1": "50", "T2": "30", "T3": "20"})


def spec(spec_id: str, kind: str, cost: str, pct: str | None = None) -> ReconciliationSpec:
    return ReconciliationSpec(spec_id, kind, "B", *YEAR, D(cost), "CZK", None if pct is None else D(pct))


def water(tenant_id: str, quantity: str, meter: str | None = None, period: tuple[date, date] = YEAR,
          complete: bool = True) -> TenantReading:
    return TenantReading(tenant_id, meter or f"W-{tenant_id}", "water", *period, D(quantity), complete)


def heat(tenant_id: str, quantity: str) -> TenantReading:
    return TenantReading(tenant_id, f"H-{tenant_id}", "heat", *YEAR, D(quantity))


def shares(result, spec_id: str) -> list[Decimal]:  # type: ignore[no-untyped-def]
    return [t.share(spec_id).amount for t in result.tenants]


def test_targets_skip_intermediate_objects() -> None:
    assert TREE.reconciliation_targets("B") == ("T1", "T2", "T3")


def test_non_energy_split_equally_adds_up() -> None:
    result = reconcile([spec("CLEAN", "non_energy", "100.00")], TREE, "B", [], {})
    # 100.00 / 3 = 33.333…: floors 33.33 × 3 = 99.99, the cent left goes to the lowest id (T1).
    assert shares(result, "CLEAN") == [D("33.34"), D("33.33"), D("33.33")]
    assert result.spec_total("CLEAN") == D("100.00")


def test_water_by_meter() -> None:
    readings = [water("T1", "6"), water("T1", "4", meter="W-T1b"), water("T2", "20"), water("T3", "7")]
    result = reconcile([spec("W", "water", "1234.56")], TREE, "B", readings, {})
    # T1 has two meters: 6 + 4 = 10 m3; total 37 m3. In cents: 123456 × 10/37 = 33366.486…,
    # × 20/37 = 66732.972…, × 7/37 = 23356.540…; floors sum to 123454, the 2 cents left go to the
    # largest remainders (T2 .972, T3 .540): 333.66, 667.33, 233.57.
    assert shares(result, "W") == [D("333.66"), D("667.33"), D("233.57")]
    assert result.tenant("T1").share("W").basis_quantity == D("10")
    assert result.spec_total("W") == D("1234.56")


def test_heating_half_by_consumption_half_by_floor_area() -> None:
    readings = [heat("T1", "100"), heat("T2", "300"), heat("T3", "100")]
    result = reconcile([spec("H", "heating", "1000.01", pct="50")], TREE, "B", readings, {})
    # Consumption part: 1000.01 × 50 % = 500.005 → 500.01 (half up); area part: 1000.01 − 500.01 = 500.00.
    # By heat 100:300:100 of 500.01 → 100.002, 300.006, 100.002 → 100.00, 300.00, 100.00 + 1 cent to T2 (.6).
    # By area 50:30:20 m² of 500.00 → 250.00, 150.00, 100.00.
    t1, t2, t3 = result.tenants
    assert (t1.share("H").consumption_part, t1.share("H").area_part) == (D("100.00"), D("250.00"))
    assert (t2.share("H").consumption_part, t2.share("H").area_part) == (D("300.01"), D("150.00"))
    assert (t3.share("H").consumption_part, t3.share("H").area_part) == (D("100.00"), D("100.00"))
    assert shares(result, "H") == [D("350.00"), D("450.01"), D("200.00")]
    assert result.spec_total("H") == D("1000.01")


def test_heating_without_floor_area_is_an_error() -> None:
    tree = building({"T1": "50", "T2": None})
    with pytest.raises(ReconciliationError, match=r"Tenant Tenant T2 \(T2\) has no floor area"):
        reconcile([spec("H", "heating", "100.00", pct="30")], tree, "B", [heat("T1", "1"), heat("T2", "1")], {})
    # Entirely by consumption: no floor area needed.
    result = reconcile([spec("H", "heating", "100.00", pct="100")], tree, "B", [heat("T1", "1"), heat("T2", "3")], {})
    assert shares(result, "H") == [D("25.00"), D("75.00")]


def test_balances_against_advances() -> None:
    readings = [water("T1", "10"), water("T2", "20"), water("T3", "10"), heat("T1", "100"), heat("T2", "300"), heat("T3", "100")]
    specs = [spec("W", "water", "400.00"), spec("H", "heating", "1000.00", pct="50"), spec("N", "non_energy", "90.00")]
    advances = {"T1": D("500.00"), "T2": D("500.00"), "T3": D("300.00")}
    result = reconcile(specs, TREE, "B", readings, advances, template=SMART_CUBE)
    # T1: water 100.00 + heating 100.00 + 250.00 + non-energy 30.00 = 480.00; paid 500.00 → refund 20.00.
    # T2: 200.00 + 300.00 + 150.00 + 30.00 = 680.00; paid 500.00 → pays 180.00.
    # T3: 100.00 + 100.00 + 100.00 + 30.00 = 330.00; paid 300.00 → pays 30.00.
    assert [(t.total, t.advances_paid, t.balance) for t in result.tenants] == [
        (D("480.00"), D("500.00"), D("-20.00")), (D("680.00"), D("500.00"), D("180.00")), (D("330.00"), D("300.00"), D("30.00"))]
    assert [t.pays for t in result.tenants] == [False, True, True]
    assert sum(t.total for t in result.tenants) == D("1490.00")


def test_advances_from_billing_parameters() -> None:
    tree = building({"T1": "50", "T2": "30"}, advance="120.50")
    assert advances_from_parameters(tree, "B", 12) == {"T1": D("1446.00"), "T2": D("1446.00")}


# --- errors a facility manager reads ------------------------------------------------------------


def test_tenant_without_water_meter() -> None:
    with pytest.raises(ReconciliationError) as error:
        reconcile([spec("W", "water", "300.00")], TREE, "B", [water("T1", "10"), water("T3", "5")], {})
    assert error.value.problems == (
        "Tenant Tenant T2 (T2) has no water meter; every tenant needs one with consumption for the whole period "
        "2024-01-01 – 2024-12-31 (water reconciliation W)",)


def test_water_meter_not_covering_the_whole_period() -> None:
    half = (date(2024, 1, 1), date(2024, 6, 30))
    readings = [water("T1", "10", period=half), water("T2", "5", complete=False), water("T3", "5")]
    with pytest.raises(ReconciliationError) as error:
        reconcile([spec("W", "water", "300.00")], TREE, "B", readings, {})
    assert len(error.value.problems) == 2
    assert "Tenant T1 (T1): water meter W-T1 has consumption for 2024-01-01 – 2024-06-30, not for the whole period" in str(error.value)
    assert "Tenant T2 (T2): water meter W-T2 has gaps" in str(error.value)


def test_smart_cube_missing_heating() -> None:
    with pytest.raises(TemplateError) as error:
        reconcile([spec("W", "water", "300.00")], TREE, "B", [], {}, template=SMART_CUBE)
    assert str(error.value) == ("The Smart Cube template needs one heating reconciliation; none is included, "
                                "so no document was produced.")


def test_smart_cube_missing_water() -> None:
    with pytest.raises(TemplateError, match="needs one water reconciliation; none is included"):
        check_template(SMART_CUBE, [spec("H", "heating", "300.00", pct="50"), spec("N", "non_energy", "10.00")])


def test_smart_cube_both_missing_and_duplicated() -> None:
    with pytest.raises(TemplateError) as error:
        check_template(SMART_CUBE, [spec("N", "non_energy", "10.00")])
    assert len(error.value.problems) == 2
    with pytest.raises(TemplateError, match=r"exactly one water reconciliation; 2 are included \(W1, W2\)"):
        check_template(SMART_CUBE, [spec("W1", "water", "1.00"), spec("W2", "water", "1.00"), spec("H", "heating", "1.00", pct="0")])
    check_template(GENERIC, [])


def test_source_without_the_function_and_missing_billing_information() -> None:
    with pytest.raises(ReconciliationError, match="does not have the 'reconciliation source' function"):
        reconcile([spec("N", "non_energy", "10.00")], TREE, "F1", [], {})
    tree = ObjectTree(TYPES, [SiteObject("B", None, "building", "House"), SiteObject("T1", "B", "tenant", "Shop")])
    with pytest.raises(ReconciliationError, match=r"Tenant Shop \(T1\) has no billing information"):
        reconcile([spec("N", "non_energy", "10.00")], tree, "B", [], {})


def test_spec_validation() -> None:
    with pytest.raises(ValueError, match="needs the share of the cost split by consumption"):
        spec("H", "heating", "1.00")
    with pytest.raises(ValueError, match="only heating takes a consumption share"):
        spec("W", "water", "1.00", pct="50")


# --- properties ---------------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(
    cost=st.decimals(min_value=0, max_value=1000000, places=2),
    pct=st.integers(min_value=0, max_value=100),
    tenants=st.lists(st.tuples(st.integers(min_value=1, max_value=500), st.integers(min_value=0, max_value=1000),
                               st.integers(min_value=1, max_value=300)), min_size=1, max_size=12),
)
def test_property_shares_sum_to_the_cost(cost: Decimal, pct: int, tenants: list[tuple[int, int, int]]) -> None:
    ids = [f"T{i:02d}" for i in range(len(tenants))]
    tree = building({t: str(area) for t, (area, _, _) in zip(ids, tenants)})
    readings = [water(t, str(w + 1)) for t, (_, w, _) in zip(ids, tenants)]
    readings += [heat(t, str(h)) for t, (_, _, h) in zip(ids, tenants)]
    specs = [spec("N", "non_energy", str(cost)), spec("W", "water", str(cost)), spec("H", "heating", str(cost), pct=str(pct))]
    result = reconcile(specs, tree, "B", readings, {})
    for s in specs:
        assert result.spec_total(s.spec_id) == cost
        assert all(t.share(s.spec_id).amount >= 0 for t in result.tenants)
    for t in result.tenants:
        line = t.share("H")
        assert line.consumption_part is not None and line.area_part is not None
        assert line.consumption_part + line.area_part == line.amount
