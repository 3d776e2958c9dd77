"""The traders' imbalance report: charts, per-group table and totals from hand-made mart frames, and the
`reports/imbalance_report` asset materialised against a small DuckDB file.

Figures are computed by hand in the comments: the report must show exactly those.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import duckdb
import pandas as pd
import pytest
from dagster import materialize

from assets.reports import imbalance_report
from forecasting import imbalance_report as report
from orchestration.resources import WarehouseResource

BERLIN, SOFIA = "Europe/Berlin", "Europe/Sofia"


def quarter_hours(day: str, timezone: str) -> pd.DatetimeIndex:
    """The UTC starts of a local day's quarter-hours (92, 96 or 100 of them)."""
    first = pd.Timestamp(day).tz_localize(timezone).tz_convert("UTC")
    after = (pd.Timestamp(day) + pd.Timedelta(days=1)).tz_localize(timezone).tz_convert("UTC")
    return pd.date_range(first, after, freq="15min", inclusive="left")


def periods_of(group: str, market: str, timezone: str, day: str, settled, nominated, forecast, price, currency, missing_price=0) -> pd.DataFrame:
    starts = quarter_hours(day, timezone)
    count = len(starts)
    settled_mwh = pd.Series([settled] * count, dtype=object)
    nominated_mwh = pd.Series([nominated] * count, dtype=object)
    imbalance = [s - (n if n is not None else Decimal(0)) for s, n in zip(settled_mwh, nominated_mwh)]
    prices = [None if index < missing_price or price is None else price for index in range(count)]
    return pd.DataFrame(
        {
            "market_code": market,
            "company_id": f"C-{market}",
            "balancing_group_id": group,
            "delivery_date": dt.date.fromisoformat(day),
            "period_start_utc": starts,
            "period_start_local": starts.tz_convert(timezone).tz_localize(None),
            "period_minutes": 15,
            "nominated_mwh": nominated_mwh,
            "forecast_mwh": pd.Series([forecast] * count, dtype=object),
            "settled_mwh": settled_mwh,
            "imbalance_mwh": imbalance,
            "imbalance_direction": ["short" if i > 0 else "long" if i < 0 else "balanced" for i in imbalance],
            "imbalance_cost": [Decimal("0.00") if i == 0 else None if p is None else (i * p).quantize(Decimal("0.01")) for i, p in zip(imbalance, prices)],
            "currency": [currency if p is not None else None for p in prices],
            "is_price_missing": [i != 0 and p is None for i, p in zip(imbalance, prices)],
        }
    )


D = Decimal
# BG-DE-1 (EUR): 26 Oct normal day (96 periods), 27 Oct the clocks go back (100 periods), 28 Oct no nomination.
# BG-BG-1 (BGN): 28 Oct balanced, 29 Oct short with no price published at all.
PERIODS = pd.concat(
    [
        periods_of("BG-DE-1", "DE", BERLIN, "2024-10-26", D("0.5"), D("0.55"), D("0.5"), D("80"), "EUR"),
        periods_of("BG-DE-1", "DE", BERLIN, "2024-10-27", D("0.5"), D("0.4"), D("0.45"), D("100"), "EUR"),
        periods_of("BG-DE-1", "DE", BERLIN, "2024-10-28", D("0.25"), None, None, D("100"), "EUR", missing_price=4),
        periods_of("BG-BG-1", "BG", SOFIA, "2024-10-28", D("1"), D("1"), D("1.02"), D("200"), "BGN"),
        periods_of("BG-BG-1", "BG", SOFIA, "2024-10-29", D("1.1"), D("1"), D("1"), None, "BGN"),
    ],
    ignore_index=True,
)

# By hand, as fct_imbalance_daily sums them:
#   26 Oct: settled 96 × 0.5 = 48, nominated 96 × 0.55 = 52.8, forecast 48, net −4.8, cost 96 × (−0.05 × 80 = −4.00) = −384.00,
#           deviation 0 %.
#   27 Oct: 100 periods: settled 50, nominated 40, forecast 45, net 10, cost 100 × 10.00 = 1,000.00, deviation 5 / 50 = 10 %.
#   28 Oct DE: settled 24, nothing nominated, net 24, cost 92 priced × 0.25 × 100 = 2,300.00, 4 periods without price,
#              no deviation (no forecast).
#   28 Oct BG: settled = nominated = 96, forecast 97.92, net 0, cost 0.00, deviation 1.92 / 96 = 2 %.
#   29 Oct BG: settled 105.6, nominated 96, forecast 96, net 9.6, cost missing (96 periods), deviation 9.6 / 105.6 = 9.0909 %.
DAILY = pd.DataFrame(
    [
        ("2024-10-26", "DE", "C-DE", "BG-DE-1", 96, D("48"), D("52.8"), D("48"), D("-4.8"), None, D("4.8"), D("-384.00"), "EUR", 0, D("0")),
        ("2024-10-27", "DE", "C-DE", "BG-DE-1", 100, D("50"), D("40"), D("45"), D("10"), D("10"), None, D("1000.00"), "EUR", 0, D("10")),
        ("2024-10-28", "DE", "C-DE", "BG-DE-1", 96, D("24"), None, None, D("24"), D("24"), None, D("2300.00"), "EUR", 4, None),
        ("2024-10-28", "BG", "C-BG", "BG-BG-1", 96, D("96"), D("96"), D("97.92"), D("0"), None, None, D("0.00"), "BGN", 0, D("2")),
        ("2024-10-29", "BG", "C-BG", "BG-BG-1", 96, D("105.6"), D("96"), D("96"), D("9.6"), D("9.6"), None, None, None, 96, D("9.0909")),
    ],
    columns=[
        "delivery_date", "market_code", "company_id", "balancing_group_id", "settlement_periods_count", "settled_mwh",
        "nominated_mwh", "forecast_mwh", "net_imbalance_mwh", "short_mwh", "long_mwh", "imbalance_cost", "currency",
        "periods_without_price_count", "forecast_deviation_pct",
    ],
).assign(delivery_date=lambda frame: pd.to_datetime(frame["delivery_date"]).dt.date)


def table_rows(page: str, group: str) -> list[list[str]]:
    """The cells of the last-days table in a group's section."""
    section = page[page.index(f"Balancing group {group}") :]
    table = section[section.index("<table") : section.index("</table>")]
    return [re.findall(r"<td>(.*?)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>", table, flags=re.S) if "<td>" in row]


def test_the_hand_made_frames_agree_with_the_daily_figures() -> None:
    counts = PERIODS.groupby(["balancing_group_id", "delivery_date"]).size()
    assert counts[("BG-DE-1", dt.date(2024, 10, 27))] == 100  # the 25-hour day
    for row in DAILY.itertuples():
        day = PERIODS[(PERIODS["balancing_group_id"] == row.balancing_group_id) & (PERIODS["delivery_date"] == row.delivery_date)]
        assert len(day) == row.settlement_periods_count
        assert sum(day["settled_mwh"]) == row.settled_mwh
        assert sum(day["imbalance_mwh"]) == row.net_imbalance_mwh
        costs = [cost for cost in day["imbalance_cost"] if cost is not None]
        assert (sum(costs) if costs else None) == row.imbalance_cost


def test_report_has_one_chart_each_group_names_and_the_hand_computed_table() -> None:
    page = report.build_report(PERIODS, DAILY)
    assert page.startswith("<!doctype html>") and "<script" not in page
    # two groups × (nominated/forecast/settled + daily cost)
    assert page.count("<svg") == 4
    assert "Balancing group BG-DE-1 — market DE, company C-DE" in page
    assert "Balancing group BG-BG-1 — market BG, company C-BG" in page
    assert table_rows(page, "BG-DE-1") == [
        ["2024-10-26", "96", "48.000", "52.800", "48.000", "-4.800", "-384.00 EUR", "0.00", "0"],
        ["2024-10-27", "100", "50.000", "40.000", "45.000", "10.000", "1,000.00 EUR", "10.00", "0"],
        ["2024-10-28", "96", "24.000", "–", "–", "24.000", "2,300.00 EUR", "–", "4"],
    ]
    assert table_rows(page, "BG-BG-1") == [
        ["2024-10-28", "96", "96.000", "96.000", "97.920", "0.000", "0.00 BGN", "2.00", "0"],
        # no priced period: the currency comes from the group's other days, the cost is not zero but missing
        ["2024-10-29", "96", "105.600", "96.000", "96.000", "9.600", "price missing", "9.09", "96"],
    ]
    assert "No nomination on 2024-10-28" in page
    assert "without a published imbalance price" in page
    # overview: totals per currency over all days; EUR −384.00 + 1,000.00 + 2,300.00
    assert "2,916.00 EUR" in page and "0.00 BGN" in page


def test_totals_and_metadata_tables() -> None:
    assert report.cost_totals(DAILY) == {"BGN": D("0.00"), "EUR": D("2916.00")}
    assert report.cost_totals(DAILY, since=dt.date(2024, 10, 27)) == {"BGN": D("0.00"), "EUR": D("3300.00")}
    markdown = report.last_days_markdown(DAILY, days=2)
    assert "| BG-DE-1 | 2024-10-26 |" not in markdown  # only the last two days per group
    assert "| BG-DE-1 | 2024-10-27 | 10.000 | 1,000.00 EUR | 10.00 |" in markdown
    assert "| BG-DE-1 | 2024-10-28 | 24.000 | 2,300.00 EUR | – |" in markdown
    assert "| BG-BG-1 | 2024-10-29 | 9.600 | price missing | 9.09 |" in markdown
    assert "| EUR | 2,916.00 EUR |" in report.cost_totals_markdown(report.cost_totals(DAILY))


def test_recent_days_are_the_last_days_with_settlement_per_group() -> None:
    recent = report.recent_periods(PERIODS, days=2)
    days = recent.groupby("balancing_group_id")["delivery_date"].unique().map(sorted).to_dict()
    assert days == {"BG-DE-1": [dt.date(2024, 10, 27), dt.date(2024, 10, 28)], "BG-BG-1": [dt.date(2024, 10, 28), dt.date(2024, 10, 29)]}
    page = report.build_report(PERIODS, DAILY, days=2)
    assert [row[0] for row in table_rows(page, "BG-DE-1")] == ["2024-10-27", "2024-10-28"]


def test_float_frames_as_duckdb_df_returns_them_give_the_same_figures() -> None:
    as_floats = DAILY.assign(**{column: DAILY[column].map(lambda v: None if v is None else float(v)) for column in ("imbalance_cost", "settled_mwh", "forecast_deviation_pct")})
    assert report.cost_totals(as_floats) == {"BGN": D("0.00"), "EUR": D("2916.00")}
    assert table_rows(report.build_report(PERIODS, as_floats), "BG-DE-1")[1][6] == "1,000.00 EUR"


def test_a_group_that_was_never_nominated_charts_settled_only() -> None:
    settled_only = PERIODS[PERIODS["delivery_date"] == dt.date(2024, 10, 28)]
    settled_only = settled_only[settled_only["balancing_group_id"] == "BG-DE-1"]
    page = report.build_report(settled_only, DAILY[(DAILY["balancing_group_id"] == "BG-DE-1")].tail(1))
    assert page.count("<svg") == 2
    assert "No nomination on 2024-10-28" in page


@pytest.mark.parametrize("periods, daily", [(None, None), (PERIODS.iloc[0:0], DAILY.iloc[0:0]), (pd.DataFrame(), pd.DataFrame())])
def test_no_data_gives_a_report_that_says_so(periods, daily) -> None:
    page = report.build_report(periods, daily)
    assert "No imbalance settlement yet" in page and "<svg" not in page
    assert report.cost_totals(daily) == {}
    assert report.last_days_markdown(daily) == "(no imbalance settlement yet)"


MART_DDL = """
CREATE SCHEMA marts;
CREATE TABLE marts.fct_imbalance_settlement_periods (
    market_code VARCHAR, company_id VARCHAR, balancing_group_id VARCHAR, balancing_group_eic VARCHAR,
    delivery_date DATE, period_start_utc TIMESTAMPTZ, period_start_local TIMESTAMP, period_minutes INTEGER,
    nominated_mwh DECIMAL(38,6), nominated_minutes BIGINT, forecast_mwh DECIMAL(38,6), settled_mwh DECIMAL(18,6),
    imbalance_mwh DECIMAL(38,6), imbalance_direction VARCHAR, imbalance_pricing VARCHAR, applied_price_category VARCHAR,
    applied_price_per_mwh DECIMAL(18,2), currency VARCHAR, imbalance_cost DECIMAL(38,2), is_price_missing BOOLEAN,
    forecast_deviation_mwh DECIMAL(38,6), forecast_absolute_deviation_mwh DECIMAL(38,6), forecast_deviation_pct DECIMAL(38,4)
);
CREATE TABLE marts.fct_imbalance_daily (
    delivery_date DATE, market_code VARCHAR, company_id VARCHAR, balancing_group_id VARCHAR,
    settlement_periods_count BIGINT, settled_mwh DECIMAL(38,6), nominated_mwh DECIMAL(38,6), forecast_mwh DECIMAL(38,6),
    net_imbalance_mwh DECIMAL(38,6), short_mwh DECIMAL(38,6), long_mwh DECIMAL(38,6), imbalance_cost DECIMAL(38,2),
    currency VARCHAR, periods_without_price_count BIGINT, forecast_deviation_pct DECIMAL(38,4)
);
"""

# Two hours of one group on two days, and one other group. 0.1 + 0.2 of a float would not be 0.3: the totals
# must be exact sums of the decimal costs.
MART_ROWS = """
INSERT INTO marts.fct_imbalance_settlement_periods
    (market_code, company_id, balancing_group_id, delivery_date, period_start_utc, period_start_local, period_minutes,
     nominated_mwh, forecast_mwh, settled_mwh, imbalance_mwh, imbalance_direction, currency, imbalance_cost, is_price_missing)
VALUES
    ('DE', 'C1', 'BG-A', '2024-03-30', '2024-03-30 10:00+00', '2024-03-30 11:00', 15, 1.0, 1.1, 1.2, 0.2, 'short', 'EUR', 10.10, false),
    ('DE', 'C1', 'BG-A', '2024-03-30', '2024-03-30 10:15+00', '2024-03-30 11:15', 15, 1.0, 1.0, 0.9, -0.1, 'long', 'EUR', -5.20, false),
    ('DE', 'C1', 'BG-A', '2024-03-31', '2024-03-31 00:45+00', '2024-03-31 01:45', 15, NULL, NULL, 0.5, 0.5, 'short', NULL, NULL, true),
    ('DE', 'C1', 'BG-A', '2024-03-31', '2024-03-31 01:00+00', '2024-03-31 03:00', 15, NULL, NULL, 0.5, 0.5, 'short', 'EUR', 20.20, false),
    ('BG', 'C2', 'BG-B', '2024-03-31', '2024-03-31 06:00+00', '2024-03-31 09:00', 15, 2.0, 2.0, 2.0, 0.0, 'balanced', 'BGN', 0.00, false),
    ('BG', 'C2', 'BG-B', '2024-03-31', '2024-03-31 06:15+00', '2024-03-31 09:15', 15, 2.0, 2.0, 2.3, 0.3, 'short', 'BGN', 30.03, false);
INSERT INTO marts.fct_imbalance_daily VALUES
    ('2024-03-30', 'DE', 'C1', 'BG-A', 2, 2.1, 2.0, 2.1, 0.1, 0.2, 0.1, 4.90, 'EUR', 0, 9.5238),
    ('2024-03-31', 'DE', 'C1', 'BG-A', 2, 1.0, NULL, NULL, 1.0, 1.0, NULL, 20.20, 'EUR', 1, NULL),
    ('2024-03-31', 'BG', 'C2', 'BG-B', 2, 4.3, 4.0, 4.0, 0.3, 0.3, NULL, 30.03, 'BGN', 0, 6.9767);
"""


def test_the_asset_writes_the_report_and_totals_its_metadata(tmp_path, monkeypatch) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute("SET TimeZone = 'UTC'")
        connection.execute(MART_DDL)
        connection.execute(MART_ROWS)
    monkeypatch.setenv("VOLTBILL_OUTPUTS_DIR", str(tmp_path / "outputs"))

    result = materialize([imbalance_report], resources={"warehouse": WarehouseResource(path=str(warehouse))})

    assert result.success
    written = tmp_path / "outputs" / "imbalance" / "imbalance_report.html"
    page = written.read_text(encoding="utf-8")
    assert page.count("<svg") == 4 and "BG-A" in page and "BG-B" in page
    (event,) = result.get_asset_materialization_events()
    metadata = event.materialization.metadata
    assert metadata["report"].value == str(written)
    # EUR: 4.90 + 20.20 = 25.10 (the day's unpriced period not included); BGN: 30.03
    assert metadata["imbalance_cost_total_EUR"].value == pytest.approx(25.10)
    assert metadata["imbalance_cost_total_BGN"].value == pytest.approx(30.03)
    assert "| EUR | 25.10 EUR |" in metadata["imbalance_cost_total"].value
    assert "| BGN | 30.03 BGN |" in metadata["imbalance_cost_total"].value
    last_days = metadata["last_days"].value
    assert "| BG-A | 2024-03-30 | 0.100 | 4.90 EUR | 9.52 |" in last_days
    assert "| BG-A | 2024-03-31 | 1.000 | 20.20 EUR | – |" in last_days
    assert "| BG-B | 2024-03-31 | 0.300 | 30.03 BGN | 6.98 |" in last_days
    assert metadata["periods_without_price"].value == 1
