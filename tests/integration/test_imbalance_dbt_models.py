"""The imbalance marts on hand-made settlement, price and purchase-plan rows, against values computed by hand.

One warehouse, one `dbt seed`, then Bulgaria is switched to dual pricing in the `markets` reference
table (what an operator does when a TSO changes its rules), then the imbalance models are built:

* a normal day, RO, single pricing — 2026-10-24, the first two local hours (21:00Z and 22:00Z on the
  23rd), plans of 1.0 and 0.8 MWh (forecast 1.2 and 0.9) split into quarter-hours of 0.25 and 0.2;
* a period with a missing price (the first quarter-hour of the second hour);
* the 25-hour day, BG — 2026-10-25, 100 quarter-hours, all balanced;
* dual pricing, BG — 2026-10-26, one short and one long quarter-hour;
* purchases: the RO C&I plan at the day-ahead quarter-hour prices, one quarter-hour unpriced;
* procurement, RO households, the same first hour: a bilateral hour, day-ahead buys and a sell, an intraday
  buy, recorded against a plan of 2.8 MWh; the imbalance is settled against what was bought.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb
import pytest

from assets.forecasting_tables import PURCHASE_PLANS_COLUMNS, create_forecasting_tables
from billing.ledger_tables import create_billing_ledger_tables
from ingestion.raw_schema import create_raw_schema
from tests.integration.dbt_runner import insert, run_dbt

D = Decimal
INGESTED_AT = datetime(2026, 10, 28, 6, 0, tzinfo=UTC)
RO_EIC, BG_EIC, HH_EIC = "30XVB-RO-CI----C", "32XVB-BG-ALL---Q", "30XVB-RO-HH----K"
NORMAL_DAY_START = datetime(2026, 10, 23, 21, 0, tzinfo=UTC)  # 2026-10-24 00:00 in Bucharest (UTC+3)
DST_DAY_START = datetime(2026, 10, 24, 21, 0, tzinfo=UTC)  # 2026-10-25 00:00 in Sofia; 25 hours to 22:00Z
DUAL_DAY_START = datetime(2026, 10, 25, 22, 0, tzinfo=UTC)  # 2026-10-26 00:00 in Sofia (UTC+2)
QUARTER = timedelta(minutes=15)
HOUR = timedelta(hours=1)

# Normal day, RO: settled quarter-hours of the two hours.
RO_SETTLED = [D("0.25"), D("0.30"), D("0.20"), D("0.25"), D("0.30"), D("0.20"), D("0.20"), D("0.20")]
RO_PLANNED = [D("1.0"), D("0.8")]
RO_FORECAST = [D("1.200"), D("0.900")]
# Day-ahead quarter-hour prices of the two hours; the last quarter-hour of the second is not published.
RO_DAY_AHEAD = [D("400.00"), D("410.00"), D("420.00"), D("430.00"), D("350.00"), D("355.00"), D("360.00"), None]
RO_PRICES = {1: D("500.00"), 2: D("480.50"), 4: None}  # quarter-hour index -> single price (4: not published)
# Households, first hour: plan 2.8 MWh (0.7 a quarter-hour); bilateral 2.000 MWh for the hour at 380.00 (0.5 a
# quarter-hour); day-ahead buy 0.3 @ 400.00, buy 0.2 @ 410.00, sell 0.1 @ 420.00; intraday buy 0.1 @ 450.00.
HH_PLANNED, HH_BILATERAL = D("2.8"), (D("2.000"), D("380.00"))
HH_TRADES = [  # (trade id, segment, quarter-hour, side, MWh, price)
    ("DA-1", "day_ahead", 0, "buy", D("0.300"), D("400.00")),
    ("DA-2", "day_ahead", 1, "buy", D("0.200"), D("410.00")),
    ("DA-3", "day_ahead", 2, "sell", D("0.100"), D("420.00")),
    ("ID-1", "intraday", 3, "buy", D("0.100"), D("450.00")),
]
HH_SETTLED = [D("0.85"), D("0.70"), D("0.35"), D("0.60")]
# Households, third hour (23:00Z): settled as one 60-minute period at 0.9 MWh (single price 250.00 for the hour)
# against four 15-minute day-ahead buys of 0.2, 0.3, 0.1 and 0.2 MWh: the quarter-hours add up to their hour.
HH_HOURLY_START = NORMAL_DAY_START + 2 * HOUR
HH_HOURLY_TRADES = [D("0.200"), D("0.300"), D("0.100"), D("0.200")]
HH_HOURLY_SETTLED, HH_HOURLY_PRICE = D("0.9"), D("250.00")


def plan_row(day: date, market: str, company: str, group: str, start: datetime, local: datetime, planned: Decimal, forecast: Decimal) -> tuple:
    return (day, market, company, group, start, local, 60, planned, forecast, forecast, forecast, 1, 0, start - timedelta(hours=12),
            start - timedelta(hours=11), "run-1")


def lineage(name: str, line: int) -> tuple:
    return (name, line, "0000000000000001", 1, INGESTED_AT)


def load(con: duckdb.DuckDBPyConnection) -> None:
    create_raw_schema(con)
    create_forecasting_tables(con)
    create_billing_ledger_tables(con)
    plans = [
        plan_row(date(2026, 10, 24), "RO", "VB-RO", "VB-RO-CI", NORMAL_DAY_START + hour * HOUR, datetime(2026, 10, 24, hour), RO_PLANNED[hour], RO_FORECAST[hour])
        for hour in range(2)
    ]
    plans += [
        plan_row(date(2026, 10, 25), "BG", "VB-BG", "VB-BG-ALL", DST_DAY_START + hour * HOUR, datetime(2026, 10, 25, 0) + hour * HOUR, D("0.1"), D("0.100"))
        for hour in range(25)
    ]
    plans.append(plan_row(date(2026, 10, 26), "BG", "VB-BG", "VB-BG-ALL", DUAL_DAY_START, datetime(2026, 10, 26, 0), D("0.1"), D("0.120")))
    plans.append(plan_row(date(2026, 10, 24), "RO", "VB-RO", "VB-RO-HH", NORMAL_DAY_START, datetime(2026, 10, 24, 0), HH_PLANNED, D("3.000")))
    insert(con, "forecasting.purchase_plans", plans, PURCHASE_PLANS_COLUMNS)
    trades = [
        (trade_id, "RO", "OPCOM", segment, HH_EIC, NORMAL_DAY_START + quarter * QUARTER, 15, side, mwh, price, "RON", NORMAL_DAY_START - HOUR * 8)
        for trade_id, segment, quarter, side, mwh, price in HH_TRADES
    ]
    trades += [
        (f"DA-H{quarter}", "RO", "OPCOM", "day_ahead", HH_EIC, HH_HOURLY_START + quarter * QUARTER, 15, "buy", mwh, D("400.00"), "RON",
         NORMAL_DAY_START - HOUR * 8)
        for quarter, mwh in enumerate(HH_HOURLY_TRADES)
    ]
    insert(con, "raw.exchange_trades", [row + lineage("trades.csv", line) for line, row in enumerate(trades, start=2)])
    bilateral = [("BL-1", "Hidro SA", "RO", HH_EIC, NORMAL_DAY_START, 60, *HH_BILATERAL, "RON")]
    insert(con, "raw.bilateral_purchases", [row + lineage("bilateral.csv", 2) for row in bilateral])
    settled = [("RO", RO_EIC, NORMAL_DAY_START + index * QUARTER, 15, value) for index, value in enumerate(RO_SETTLED)]
    settled += [("RO", HH_EIC, NORMAL_DAY_START + index * QUARTER, 15, value) for index, value in enumerate(HH_SETTLED)]
    settled.append(("RO", HH_EIC, HH_HOURLY_START, 60, HH_HOURLY_SETTLED))
    settled += [("BG", BG_EIC, DST_DAY_START + index * QUARTER, 15, D("0.025")) for index in range(100)]
    settled += [("BG", BG_EIC, DUAL_DAY_START, 15, D("0.035")), ("BG", BG_EIC, DUAL_DAY_START + QUARTER, 15, D("0.015"))]
    insert(con, "raw.settlement_volumes", [row + lineage("settlement.csv", line) for line, row in enumerate(settled, start=2)])
    prices = [("RO", NORMAL_DAY_START + index * QUARTER, 15, "single", price, "RON") for index, price in RO_PRICES.items() if price is not None]
    prices += [("RO", NORMAL_DAY_START + index * QUARTER, 15, "single", D("300.00"), "RON") for index in (0, 3, 5, 6, 7)]
    prices.append(("RO", HH_HOURLY_START, 60, "single", HH_HOURLY_PRICE, "RON"))
    prices += [("BG", DST_DAY_START + index * QUARTER, 15, "single", D("100.00"), "EUR") for index in range(100)]
    prices += [
        ("BG", DUAL_DAY_START, 15, "short", D("120.00"), "EUR"),
        ("BG", DUAL_DAY_START, 15, "long", D("80.00"), "EUR"),
        ("BG", DUAL_DAY_START + QUARTER, 15, "short", D("120.00"), "EUR"),
        ("BG", DUAL_DAY_START + QUARTER, 15, "long", D("80.00"), "EUR"),
    ]
    insert(con, "raw.imbalance_prices", [row + lineage("prices.csv", line) for line, row in enumerate(prices, start=2)])
    day_ahead = [("RO", NORMAL_DAY_START + index * QUARTER, 15, price, "RON") for index, price in enumerate(RO_DAY_AHEAD) if price is not None]
    insert(con, "raw.day_ahead_prices", [row + lineage("day_ahead.csv", line) for line, row in enumerate(day_ahead, start=2)])


def build(args: list[str], warehouse: Path, work: Path) -> None:
    completed = run_dbt(args, warehouse, work)
    assert completed.returncode == 0, completed.stdout[-8000:] + completed.stderr[-4000:]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory):
    work = tmp_path_factory.mktemp("imbalance")
    path = work / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        load(con)
    build(["seed"], path, work)
    with duckdb.connect(str(path)) as con:
        con.execute("UPDATE reference.markets SET imbalance_pricing = 'dual' WHERE market_code = 'BG'")
    build(["build", "--select", "+fct_imbalance_daily", "+fct_purchases", "+fct_imbalance_companies_monthly", "--exclude", "resource_type:seed", "--indirect-selection", "cautious"], path, work)
    with duckdb.connect(str(path), read_only=True) as con:
        con.execute("SET TimeZone = 'UTC'")
        yield con


def cost(mwh: Decimal, price: Decimal) -> Decimal:
    return (mwh * price).quantize(D("0.01"), rounding=ROUND_HALF_UP)  # half away from zero


def test_normal_day_single_price_quarter_hours(warehouse) -> None:
    got = warehouse.execute(
        "SELECT nominated_mwh, forecast_mwh, settled_mwh, imbalance_mwh, imbalance_direction, applied_price_per_mwh, imbalance_cost, "
        "is_price_missing FROM marts.fct_imbalance_settlement_periods WHERE balancing_group_id = 'VB-RO-CI' ORDER BY period_start_utc"
    ).fetchall()
    assert len(got) == 8
    for index, row in enumerate(got):
        hour = index // 4
        nominated = RO_PLANNED[hour] / 4  # 0.25, then 0.2
        forecast = RO_FORECAST[hour] / 4  # 0.3, then 0.225
        imbalance = RO_SETTLED[index] - nominated
        direction = "short" if imbalance > 0 else "long" if imbalance < 0 else "balanced"
        price = RO_PRICES.get(index, D("300.00"))
        expected_cost = D("0.00") if direction == "balanced" else (None if price is None else cost(imbalance, price))
        assert row == (nominated, forecast, RO_SETTLED[index], imbalance, direction, price, expected_cost, direction != "balanced" and price is None), index
    # The two priced out-of-balance quarter-hours by hand: +0.05 × 500.00 = 25.00; −0.05 × 480.50 = −24.025 → −24.03.
    assert [row[6] for row in got[1:3]] == [D("25.00"), D("-24.03")]


def test_normal_day_totals_and_volume_weighted_deviation(warehouse) -> None:
    got = warehouse.execute(
        "SELECT settlement_periods_count, settled_mwh, nominated_mwh, forecast_mwh, net_imbalance_mwh, short_mwh, long_mwh, imbalance_cost, "
        "currency, periods_without_price_count, forecast_deviation_pct FROM marts.fct_imbalance_daily WHERE balancing_group_id = 'VB-RO-CI'"
    ).fetchall()
    # settled 1.9, nominated 1.8, forecast 2.1; short 0.05 + 0.1 = 0.15, long 0.05; cost 25.00 − 24.03 (the
    # missing price is not priced) = 0.97; Σ|forecast − settled| = (0.05 + 0 + 0.1 + 0.05) + (0.075 + 3 × 0.025)
    # = 0.35, and 0.35 × 100 / 1.9 = 18.42105… → 18.4211.
    assert got == [(8, D("1.9"), D("1.8"), D("2.1"), D("0.1"), D("0.15"), D("0.05"), D("0.97"), "RON", 1, D("18.4211"))]


def test_the_25_hour_day_has_100_balanced_quarter_hours(warehouse) -> None:
    got = warehouse.execute(
        "SELECT delivery_date, settlement_periods_count, settled_mwh, nominated_mwh, net_imbalance_mwh, imbalance_cost "
        "FROM marts.fct_imbalance_daily WHERE market_code = 'BG' ORDER BY delivery_date"
    ).fetchall()
    # 25 hourly plans of 0.1 MWh → 100 quarter-hours of 0.025, all settled at 0.025: 2.5 MWh each way.
    assert got[0] == (date(2026, 10, 25), 100, D("2.5"), D("2.5"), D("0"), D("0.00"))
    repeated = warehouse.execute(
        "SELECT count(*) FROM marts.fct_imbalance_settlement_periods WHERE period_start_local = TIMESTAMP '2026-10-25 03:00:00'"
    ).fetchone()[0]
    assert repeated == 2  # 03:00 happens twice in Sofia


def test_dual_pricing_charges_the_short_price_and_pays_the_long_price(warehouse) -> None:
    got = warehouse.execute(
        "SELECT imbalance_mwh, imbalance_direction, applied_price_category, applied_price_per_mwh, imbalance_cost "
        "FROM marts.fct_imbalance_settlement_periods WHERE delivery_date = DATE '2026-10-26' ORDER BY period_start_utc"
    ).fetchall()
    # Nominated 0.1 / 4 = 0.025 each. 0.035 − 0.025 = +0.010 short at 120.00 → 1.20; 0.015 − 0.025 = −0.010 long at 80.00 → −0.80.
    assert got == [
        (D("0.010"), "short", "short", D("120.00"), D("1.20")),
        (D("-0.010"), "long", "long", D("80.00"), D("-0.80")),
    ]


def test_purchases_are_the_plan_at_the_day_ahead_quarter_hour_prices(warehouse) -> None:
    got = warehouse.execute(
        "SELECT purchased_mwh, planned_mwh, price_per_mwh, purchase_cost, currency, is_price_missing, purchase_source "
        "FROM marts.fct_purchases WHERE balancing_group_id = 'VB-RO-CI' ORDER BY period_start_utc"
    ).fetchall()
    # Hour 1: 1.0 MWh → 0.25 a quarter-hour at 400, 410, 420, 430: 100.00, 102.50, 105.00, 107.50 (415.00 for the hour).
    # Hour 2: 0.8 MWh → 0.2 a quarter-hour at 350, 355, 360: 70.00, 71.00, 72.00; the last quarter-hour has no price.
    quarters = [D("0.25")] * 4 + [D("0.2")] * 4
    expected = []
    for quarter, price in zip(quarters, RO_DAY_AHEAD):
        amount = None if price is None else cost(quarter, price)
        expected.append((quarter, quarter, price, amount, "RON" if price else None, price is None, "purchase_plan"))
    assert got == expected
    assert sum(row[3] for row in got[:4]) == D("415.00")


def test_procurement_results_are_what_was_bought_and_what_is_nominated(warehouse) -> None:
    got = warehouse.execute(
        "SELECT day_ahead_mwh, intraday_mwh, bilateral_mwh, purchased_mwh, planned_mwh, difference_from_plan_mwh, "
        "purchase_cost, price_per_mwh, purchase_source FROM marts.fct_purchases WHERE balancing_group_id = 'VB-RO-HH' "
        "AND period_start_utc < ? ORDER BY period_start_utc",
        [NORMAL_DAY_START + HOUR],
    ).fetchall()
    # Each quarter-hour: bilateral 2.000 × 15/60 = 0.5 at 380.00 = 190.00; plan 2.8 / 4 = 0.7.
    # q0: 0.5 + 0.3 = 0.8, cost 190 + 120 = 310.00, 387.50/MWh, +0.1 over plan
    # q1: 0.5 + 0.2 = 0.7, cost 190 + 82 = 272.00, 272 / 0.7 = 388.571… → 388.57, on plan
    # q2: 0.5 − 0.1 = 0.4, cost 190 − 42 = 148.00, 370.00/MWh, −0.3
    # q3: 0.5 + 0.1 intraday = 0.6, cost 190 + 45 = 235.00, 391.666… → 391.67, −0.1
    assert got == [
        (D("0.3"), D("0"), D("0.5"), D("0.8"), D("0.7"), D("0.1"), D("310.00"), D("387.50"), "procurement"),
        (D("0.2"), D("0"), D("0.5"), D("0.7"), D("0.7"), D("0"), D("272.00"), D("388.57"), "procurement"),
        (D("-0.1"), D("0"), D("0.5"), D("0.4"), D("0.7"), D("-0.3"), D("148.00"), D("370.00"), "procurement"),
        (D("0"), D("0.1"), D("0.5"), D("0.6"), D("0.7"), D("-0.1"), D("235.00"), D("391.67"), "procurement"),
    ]
    nominated = warehouse.execute(
        "SELECT nominated_mwh, nomination_source, imbalance_mwh, imbalance_cost FROM marts.fct_imbalance_settlement_periods "
        "WHERE balancing_group_id = 'VB-RO-HH' ORDER BY period_start_utc"
    ).fetchall()
    # Settled 0.85, 0.70, 0.35, 0.60 against 0.8, 0.7, 0.4, 0.6: +0.05 at 300.00 = 15.00; 0; −0.05 at 480.50 = −24.025 → −24.03; 0.
    # The hourly period: 0.2 + 0.3 + 0.1 + 0.2 = 0.8 nominated, 0.9 settled: +0.1 short at 250.00 = 25.00.
    assert nominated == [
        (D("0.8"), "procurement", D("0.05"), D("15.00")),
        (D("0.7"), "procurement", D("0"), D("0.00")),
        (D("0.4"), "procurement", D("-0.05"), D("-24.03")),
        (D("0.6"), "procurement", D("0"), D("0.00")),
        (sum(HH_HOURLY_TRADES), "procurement", HH_HOURLY_SETTLED - sum(HH_HOURLY_TRADES), D("25.00")),
    ]


def test_company_month_sums_its_groups_and_weights_the_deviation_by_volume(warehouse) -> None:
    got = warehouse.execute(
        "SELECT balancing_groups_count, settled_mwh, nominated_mwh, net_imbalance_mwh, imbalance_cost, settled_with_forecast_mwh, "
        "forecast_absolute_deviation_mwh, forecast_deviation_pct FROM marts.fct_imbalance_companies_monthly WHERE company_id = 'VB-RO'"
    ).fetchall()
    # C&I: settled 1.9, nominated 1.8, cost 0.97, Σ|forecast − settled| 0.35 over 1.9 (every period has a forecast).
    # Households: settled 0.85 + 0.70 + 0.35 + 0.60 + 0.9 = 3.4, nominated 0.8 + 0.7 + 0.4 + 0.6 + 0.8 = 3.3,
    # cost 15.00 − 24.03 + 25.00 = 15.97; forecast 3.000 / 4 = 0.75 in the first hour only:
    # |0.75 − 0.85| + |0.75 − 0.70| + |0.75 − 0.35| + |0.75 − 0.60| = 0.7 over 2.5 settled.
    # Company: 1.05 × 100 / 4.4 = 23.8636… → 23.8636 (not the mean of 18.42 % and 28 %).
    assert got == [(2, D("5.3"), D("5.1"), D("0.2"), D("16.94"), D("4.4"), D("1.05"), D("23.8636"))]
