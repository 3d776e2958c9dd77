"""Unit tests for the dashboard's pure decision functions over mart frames.

Covers `dashboard.alerts` (consumption not invoiced on time, forecast accuracy trend and alert, unmatched
payments, rejected rows, overcharged invoices, CPO notifications, and the ordering of `risk_alerts`),
`dashboard.charts.error_by_hour` (exact Decimal means, half up to 0.001) and
`dashboard.page.headline_figures` (receivables, last month billed, 30-day imbalance cost, CDRs rated, rows
quarantined).

Frames are built by hand with the columns `dashboard.mart_reads.QUERIES` selects, amounts as
`decimal.Decimal` and dates as `datetime.date`, the way `mart_reads._frame` returns them. Every expected
value is worked out by hand in a comment next to it.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pandas as pd
import pytest

from dashboard.alerts import (
    Alert,
    AlertSettings,
    consumption_not_invoiced,
    cpo_notifications,
    forecast_accuracy_dropping,
    forecast_accuracy_trend,
    month_end,
    overcharged_invoices,
    rejected_rows,
    risk_alerts,
    unmatched_payments,
)
from dashboard.charts import error_by_hour
from dashboard.mart_reads import QUERIES, DashboardData
from dashboard.page import headline_figures

D = Decimal

BILLING_COLUMNS = [
    "company_id", "consumption_month", "consumption_type", "contract_months_with_consumption",
    "contract_months_invoiced", "share_invoiced_pct", "consumption_kwh", "invoiced_kwh",
]
FORECAST_DAY_COLUMNS = ["company_id", "delivery_date", "actual_kwh", "absolute_error_kwh", "wape_pct", "mape_pct", "periods_count"]
FORECAST_HOUR_COLUMNS = [
    "company_id", "delivery_date", "period_start_utc", "period_start_local", "local_hour", "actual_kwh", "p10_kwh",
    "p50_kwh", "p90_kwh", "error_kwh", "absolute_error_kwh",
]
PAYMENT_COLUMNS = ["payment_status", "currency", "lines_count", "unmatched_amount"]
REJECTED_COLUMNS = ["source", "detected_by", "rows_count", "files_count"]
OVERCHARGE_COLUMNS = ["invoice_id", "object_name", "category", "amount", "excess_amount", "currency", "message"]
CPO_COLUMNS = ["reason_code", "rating_reason", "cdrs_count"]
RECEIVABLES_COLUMNS = ["company_id", "currency", "ageing_bucket", "documents_count", "open_amount", "as_of_date"]
BILLED_COLUMNS = ["company_id", "issue_month", "invoice_type", "currency", "documents_count", "gross_amount"]
IMBALANCE_COLUMNS = [
    "delivery_date", "company_id", "balancing_group_id", "settled_mwh", "nominated_mwh", "imbalance_cost", "currency",
    "forecast_deviation_pct", "periods_without_price_count",
]
CDR_DAY_COLUMNS = ["session_day", "cdrs_received", "cdrs_rated", "cdrs_not_rated", "cdrs_repeated", "cdrs_pending", "notifications"]


def frame(columns: list[str], rows: list[tuple]) -> pd.DataFrame:
    """Like mart_reads._frame: records as they come from DuckDB (Decimals stay Decimals)."""
    return pd.DataFrame.from_records(rows, columns=columns)


def progress_row(company, month, kind, with_consumption, invoiced, consumption_kwh, invoiced_kwh):
    share = (D(invoiced) * 100 / D(with_consumption)).quantize(D("0.01")) if with_consumption else None
    return (company, month, kind, with_consumption, invoiced, share, D(consumption_kwh), D(invoiced_kwh))


def dashboard_data(as_of: date = date(2026, 4, 1), **frames: pd.DataFrame) -> DashboardData:
    """A DashboardData holding a frame for every query; the ones not given are empty (as for a missing mart)."""
    unknown = set(frames) - set(QUERIES)
    assert not unknown, unknown
    return DashboardData(frames={name: frames.get(name, pd.DataFrame()) for name in QUERIES}, as_of=as_of)


# --------------------------------------------------------------------------------------------------------------
# consumption_not_invoiced
# --------------------------------------------------------------------------------------------------------------


def test_month_end_handles_month_lengths():
    assert month_end(date(2026, 1, 1)) == date(2026, 1, 31)
    assert month_end(date(2026, 2, 1)) == date(2026, 2, 28)
    assert month_end(date(2024, 2, 1)) == date(2024, 2, 29)  # leap year
    assert month_end(date(2026, 4, 1)) == date(2026, 4, 30)


def test_consumption_not_invoiced_reports_late_contract_months_per_company_and_type():
    # as_of 2026-03-16, grace 15 days:
    #   January: 2026-01-31 + 15 = 2026-02-15 < 2026-03-16 -> due
    #   February: 2026-02-28 + 15 = 2026-03-15 < 2026-03-16 -> due
    #   March: 2026-03-31 + 15 = 2026-04-15 >= 2026-03-16 -> not due yet
    progress = frame(BILLING_COLUMNS, [
        # C0 estimated, January: 2 with consumption, 0 invoiced -> 2 missing, 1000.5 - 0 = 1,000.500 kWh
        progress_row("C0", date(2026, 1, 1), "estimated", 2, 0, "1000.5", "0"),
        # C1 achieved, January: 10 - 7 = 3 missing; 12345.6785 - 1000 = 11345.6785 kWh
        progress_row("C1", date(2026, 1, 1), "achieved", 10, 7, "12345.6785", "1000.0000"),
        # C1 achieved, February: 5 - 4 = 1 missing; 500 - 400 = 100 kWh
        progress_row("C1", date(2026, 2, 1), "achieved", 5, 4, "500.000", "400.000"),
        # C1 achieved, March: not due yet (would add 6 missing if it were)
        progress_row("C1", date(2026, 3, 1), "achieved", 6, 0, "700.000", "0.000"),
        # C1 estimated, January: fully invoiced -> not reported
        progress_row("C1", date(2026, 1, 1), "estimated", 3, 3, "90.000", "90.000"),
        # C2 ordered, March only: not due -> not reported
        progress_row("C2", date(2026, 3, 1), "ordered", 4, 0, "40.000", "0.000"),
    ])

    alert = consumption_not_invoiced(progress, as_of=date(2026, 3, 16), grace_days=15)

    assert alert is not None
    assert alert.code == "consumption_not_invoiced"
    assert alert.source == "fct_billing_progress"
    assert "15 days" in alert.title
    # C0 estimated 2 + C1 achieved (3 + 1) = 6 contract-months
    assert alert.count == 6
    # C1 achieved kWh: 11345.6785 + 100 = 11445.6785 -> 3 decimals half up -> 11,445.679
    assert alert.details == (
        "C0, estimated: 2 contract-months (1,000.500 kWh) not invoiced — 2026-01",
        "C1, achieved: 4 contract-months (11,445.679 kWh) not invoiced — 2026-01, 2026-02",
    )


@pytest.mark.parametrize(
    ("month", "grace_days", "as_of", "reported"),
    [
        # 2026-02-28 + 15 = 2026-03-15: equal to as_of is not yet due, the day after it is
        (date(2026, 2, 1), 15, date(2026, 3, 15), False),
        (date(2026, 2, 1), 15, date(2026, 3, 16), True),
        # leap February: 2024-02-29 + 15 = 2024-03-15
        (date(2024, 2, 1), 15, date(2024, 3, 15), False),
        (date(2024, 2, 1), 15, date(2024, 3, 16), True),
        # 30-day month, other grace: 2026-04-30 + 10 = 2026-05-10
        (date(2026, 4, 1), 10, date(2026, 5, 10), False),
        (date(2026, 4, 1), 10, date(2026, 5, 11), True),
        # grace 0: 2026-01-31 + 0 = 2026-01-31
        (date(2026, 1, 1), 0, date(2026, 1, 31), False),
        (date(2026, 1, 1), 0, date(2026, 2, 1), True),
    ],
)
def test_consumption_not_invoiced_is_due_only_after_month_end_plus_grace(month, grace_days, as_of, reported):
    progress = frame(BILLING_COLUMNS, [progress_row("C1", month, "achieved", 4, 1, "40.000", "10.000")])

    alert = consumption_not_invoiced(progress, as_of=as_of, grace_days=grace_days)

    if not reported:
        assert alert is None
    else:
        # 4 - 1 = 3 missing; 40 - 10 = 30.000 kWh
        assert alert is not None
        assert alert.count == 3
        assert alert.details == (f"C1, achieved: 3 contract-months (30.000 kWh) not invoiced — {month:%Y-%m}",)


def test_consumption_not_invoiced_none_when_all_due_months_are_fully_invoiced():
    progress = frame(BILLING_COLUMNS, [
        progress_row("C1", date(2025, 11, 1), "achieved", 8, 8, "800.000", "800.000"),
        progress_row("C1", date(2025, 12, 1), "estimated", 2, 2, "20.000", "20.000"),
        # late but not yet due (2026-03-31 + 15 > 2026-04-01)
        progress_row("C1", date(2026, 3, 1), "achieved", 8, 0, "800.000", "0.000"),
    ])

    assert consumption_not_invoiced(progress, as_of=date(2026, 4, 1), grace_days=15) is None


def test_consumption_not_invoiced_none_for_empty_frame():
    assert consumption_not_invoiced(pd.DataFrame(), as_of=date(2026, 4, 1), grace_days=15) is None
    assert consumption_not_invoiced(frame(BILLING_COLUMNS, []), as_of=date(2026, 4, 1), grace_days=15) is None


def test_consumption_not_invoiced_formats_large_kwh_with_thousands_separators():
    # 1234567.8904 - 0.0004 = 1234567.89 -> 1,234,567.890
    progress = frame(BILLING_COLUMNS, [progress_row("C9", date(2025, 6, 1), "recalculated", 1, 0, "1234567.8904", "0.0004")])

    alert = consumption_not_invoiced(progress, as_of=date(2026, 1, 1), grace_days=15)

    assert alert is not None
    assert alert.details == ("C9, recalculated: 1 contract-months (1,234,567.890 kWh) not invoiced — 2025-06",)


# --------------------------------------------------------------------------------------------------------------
# forecast_accuracy_trend / forecast_accuracy_dropping
# --------------------------------------------------------------------------------------------------------------


def day_rows(company: str, first: date, values: list[tuple[str, str]]) -> list[tuple]:
    """Consecutive delivery days from `first`, each (actual_kwh, absolute_error_kwh)."""
    rows = []
    for offset, (actual, error) in enumerate(values):
        actual, error = D(actual), D(error)
        wape = (error * 100 / abs(actual)).quantize(D("0.01")) if actual else None
        rows.append((company, first + timedelta(days=offset), actual, error, wape, wape, 96))
    return rows


def forecast_days(*row_lists: list[tuple]) -> pd.DataFrame:
    return frame(FORECAST_DAY_COLUMNS, [row for rows in row_lists for row in rows])


def test_forecast_trend_splits_recent_and_baseline_windows():
    # Defaults: recent 3 days, baseline 28 days before them.
    # Company A: 2025-12-31 (outside both windows, huge error), then 2026-01-01 .. 2026-01-31.
    #   last = 01-31 -> recent = 01-29..01-31, baseline = 01-01..01-28, 12-31 excluded.
    #   baseline: 28 days x (100, 5) -> 140 * 100 / 2800 = 5.00
    #   recent: 3 days x (100, 7) -> 21 * 100 / 300 = 7.00
    a = (
        day_rows("A", date(2025, 12, 31), [("100", "1000")])
        + day_rows("A", date(2026, 1, 1), [("100", "5")] * 28)
        + day_rows("A", date(2026, 1, 29), [("100", "7")] * 3)
    )
    trend = forecast_accuracy_trend(forecast_days(a), AlertSettings())

    assert trend == [("A", D("7.00"), D("5.00"))]


def test_forecast_trend_is_volume_weighted_over_absolute_actuals():
    # Recent days only (no baseline): actual 100, -50, 50 -> Σ|actual| = 200; errors 10 + 10 + 11 = 31
    #   -> 31 * 100 / 200 = 15.50 (a signed sum, 100, would give 31.00; a mean of daily WAPEs would give
    #      (10 + 20 + 22) / 3 = 17.33)
    b = day_rows("B", date(2026, 2, 1), [("100", "10"), ("-50", "10"), ("50", "11")])

    assert forecast_accuracy_trend(forecast_days(b), AlertSettings()) == [("B", D("15.50"), None)]


def test_forecast_trend_rounds_wape_half_up():
    # recent: Σ error 123.45 over Σ actual 1000 -> 12.345 exactly -> half up 12.35 (half even would give 12.34)
    # baseline: Σ error 0.01 over Σ actual 200 -> 0.005 exactly -> half up 0.01 (half even would give 0.00)
    c = (
        day_rows("C", date(2026, 1, 1), [("100", "0.005"), ("100", "0.005")])
        + day_rows("C", date(2026, 1, 3), [("400", "50"), ("300", "40"), ("300", "33.45")])
    )

    assert forecast_accuracy_trend(forecast_days(c), AlertSettings()) == [("C", D("12.35"), D("0.01"))]


def test_forecast_trend_with_custom_windows_and_no_volume():
    settings = AlertSettings(recent_days=2, baseline_days=3)
    # Company D: 2026-03-01 .. 2026-03-06; last 03-06 -> recent 03-05..03-06, baseline 03-02..03-04, 03-01 out.
    #   recent: (50 + 30) * 100 / (200 + 200) = 20.00
    #   baseline: (10 + 20 + 30) * 100 / 600 = 10.00
    d = day_rows("D", date(2026, 3, 1), [("100", "99"), ("200", "10"), ("200", "20"), ("200", "30"), ("200", "50"), ("200", "30")])
    # Company E: no volume in the recent days -> WAPE None; baseline 10 * 100 / 100 = 10.00
    e = day_rows("E", date(2026, 3, 1), [("100", "10"), ("0", "0"), ("0", "0")])

    assert forecast_accuracy_trend(forecast_days(e, d), settings) == [("D", D("20.00"), D("10.00")), ("E", None, D("10.00"))]


def test_forecast_accuracy_dropping_alerts_on_rise_and_on_ceiling_only():
    settings = AlertSettings()  # rise 2 points, ceiling 15 %
    # A: recent 7.00, baseline 5.00 -> rise 2.00 >= 2 -> alert (boundary included)
    a = day_rows("A", date(2026, 1, 1), [("100", "5")] * 28) + day_rows("A", date(2026, 1, 29), [("100", "7")] * 3)
    # B: recent 20.97 * 100 / 300 = 6.99, baseline 5.00 -> rise 1.99 < 2 -> steady, no alert
    b = day_rows("B", date(2026, 1, 1), [("100", "5")] * 28) + day_rows("B", date(2026, 1, 29), [("100", "7"), ("100", "7"), ("100", "6.97")])
    # C: no baseline; 31 * 100 / 200 = 15.50 > 15 -> alert
    c = day_rows("C", date(2026, 1, 29), [("100", "10"), ("-50", "10"), ("50", "11")])
    # E: no baseline; 30 * 100 / 200 = 15.00, not above 15 -> no alert
    e = day_rows("E", date(2026, 1, 30), [("100", "15"), ("100", "15")])
    # F: recent has no volume -> no WAPE -> no alert even with a baseline
    f = day_rows("F", date(2026, 1, 1), [("100", "1")] * 28) + day_rows("F", date(2026, 1, 29), [("0", "0")] * 3)

    alert = forecast_accuracy_dropping(forecast_days(a, b, c, e, f), settings)

    assert alert == Alert(
        "forecast_accuracy_dropping",
        "Forecast accuracy dropping",
        2,
        (
            "A: WAPE 7.00 % over the last 3 days, 5.00 % the 28 days before",
            "C: WAPE 15.50 % over the last 3 days (no earlier days to compare)",
        ),
        "fct_forecast_accuracy_daily",
    )


def test_forecast_accuracy_dropping_none_when_steady_or_improving():
    # A steady at 5.00 vs 5.00; B improving 3.00 vs 9.00
    a = day_rows("A", date(2026, 1, 1), [("100", "5")] * 31)
    b = day_rows("B", date(2026, 1, 1), [("100", "9")] * 28) + day_rows("B", date(2026, 1, 29), [("100", "3")] * 3)

    assert forecast_accuracy_dropping(forecast_days(a, b), AlertSettings()) is None


def test_forecast_accuracy_dropping_respects_settings():
    # recent 7.00 vs baseline 5.00 -> rise 2.00: alerts at a 2-point threshold, not at 2.01
    a = day_rows("A", date(2026, 1, 1), [("100", "5")] * 28) + day_rows("A", date(2026, 1, 29), [("100", "7")] * 3)
    assert forecast_accuracy_dropping(forecast_days(a), AlertSettings(wape_rise_points=D("2.01"))) is None
    # no baseline at 12.00: above a 10 % ceiling
    c = day_rows("C", date(2026, 1, 1), [("100", "12")] * 3)
    assert forecast_accuracy_dropping(forecast_days(c), AlertSettings()) is None
    alert = forecast_accuracy_dropping(forecast_days(c), AlertSettings(wape_ceiling_pct=D("10")))
    assert alert is not None
    assert alert.details == ("C: WAPE 12.00 % over the last 3 days (no earlier days to compare)",)


def test_forecast_accuracy_dropping_none_for_empty_frame():
    assert forecast_accuracy_dropping(pd.DataFrame(), AlertSettings()) is None


# --------------------------------------------------------------------------------------------------------------
# unmatched_payments, rejected_rows, overcharged_invoices, cpo_notifications
# --------------------------------------------------------------------------------------------------------------


def test_unmatched_payments_counts_lines_and_formats_amounts():
    payments = frame(PAYMENT_COLUMNS, [
        # -15.005 -> half up (away from zero) -> -15.01
        ("inconsistent", "EUR", 2, D("-15.005")),
        # 12409.785 -> 12,409.79
        ("queued", "RON", 3, D("12409.785")),
        ("unprocessed", "EUR", 1, D("0")),
    ])

    alert = unmatched_payments(payments)

    # 2 + 3 + 1 = 6 lines
    assert alert == Alert(
        "unmatched_payments",
        "Payments not matched",
        6,
        (
            "inconsistent: 2 lines, -15.01 EUR not allocated",
            "queued: 3 lines, 12,409.79 RON not allocated",
            "unprocessed: 1 lines, 0.00 EUR not allocated",
        ),
        "fct_payments",
    )
    assert unmatched_payments(pd.DataFrame()) is None
    assert unmatched_payments(frame(PAYMENT_COLUMNS, [])) is None


def test_rejected_rows_counts_rows():
    rejected = frame(REJECTED_COLUMNS, [("meter_readings", "schema", 7, 2), ("ocpi_cdrs", "duplicate", 3, 1)])

    alert = rejected_rows(rejected)

    # 7 + 3 = 10 rows
    assert alert == Alert(
        "rejected_rows",
        "Input rows quarantined",
        10,
        ("meter_readings (schema): 7 rows in 2 files", "ocpi_cdrs (duplicate): 3 rows in 1 files"),
        "fct_rejected_rows",
    )
    assert rejected_rows(pd.DataFrame()) is None


def test_overcharged_invoices_counts_invoices_and_keeps_messages():
    overcharges = frame(OVERCHARGE_COLUMNS, [
        ("INV-1", "Depot", "electricity", D("120.00"), D("20.00"), "EUR", "Depot: electricity 120.00 EUR, 20.00 above"),
        ("INV-2", "Office", "gas", D("50.00"), D("5.00"), "EUR", "Office: gas 50.00 EUR, 5.00 above"),
    ])

    alert = overcharged_invoices(overcharges)

    assert alert == Alert(
        "overcharged_invoices",
        "Invoices received above their alert amount",
        2,
        ("Depot: electricity 120.00 EUR, 20.00 above", "Office: gas 50.00 EUR, 5.00 above"),
        "fct_overcharge_alerts",
    )
    assert overcharged_invoices(pd.DataFrame()) is None


def test_cpo_notifications_counts_cdrs():
    notifications = frame(CPO_COLUMNS, [("TARIFF_MISSING", "no tariff", 4), ("LOCATION_UNKNOWN", "unknown location", 1)])

    alert = cpo_notifications(notifications)

    # 4 + 1 = 5 CDRs
    assert alert == Alert(
        "cpo_notifications",
        "CDRs not rated until the CPO acts",
        5,
        ("no tariff: 4 CDRs", "unknown location: 1 CDRs"),
        "fct_cpo_notifications",
    )
    assert cpo_notifications(pd.DataFrame()) is None


# --------------------------------------------------------------------------------------------------------------
# risk_alerts
# --------------------------------------------------------------------------------------------------------------


def _all_alert_frames() -> dict[str, pd.DataFrame]:
    return {
        # January 2026 due on 2026-04-01 (01-31 + 15 < 04-01), 1 contract-month missing
        "billing_progress": frame(BILLING_COLUMNS, [progress_row("C1", date(2026, 1, 1), "achieved", 2, 1, "20.000", "10.000")]),
        # no baseline, 20.00 % > 15 %
        "forecast_days": forecast_days(day_rows("A", date(2026, 3, 29), [("100", "20")] * 3)),
        "payments_open": frame(PAYMENT_COLUMNS, [("queued", "EUR", 1, D("5.00"))]),
        "rejected_rows": frame(REJECTED_COLUMNS, [("meter_readings", "schema", 1, 1)]),
        "overcharges": frame(OVERCHARGE_COLUMNS, [("INV-1", "Depot", "gas", D("1"), D("1"), "EUR", "over")]),
        "cpo_notifications": frame(CPO_COLUMNS, [("X", "no tariff", 1)]),
    }


def test_risk_alerts_in_fixed_order_most_pressing_first():
    # frames given in reverse so the order can only come from risk_alerts itself
    frames = dict(reversed(list(_all_alert_frames().items())))
    data = dashboard_data(as_of=date(2026, 4, 1), **frames)

    alerts = risk_alerts(data, AlertSettings())

    assert [alert.code for alert in alerts] == [
        "consumption_not_invoiced",
        "forecast_accuracy_dropping",
        "unmatched_payments",
        "rejected_rows",
        "overcharged_invoices",
        "cpo_notifications",
    ]


def test_risk_alerts_leaves_out_absent_alerts():
    frames = _all_alert_frames()
    data = dashboard_data(
        as_of=date(2026, 4, 1),
        billing_progress=frames["billing_progress"],
        rejected_rows=frames["rejected_rows"],
        cpo_notifications=frames["cpo_notifications"],
        # present but not alerting: steady forecast (no baseline, 5.00 % <= 15 %)
        forecast_days=forecast_days(day_rows("A", date(2026, 3, 29), [("100", "5")] * 3)),
    )

    alerts = risk_alerts(data, AlertSettings())

    assert [alert.code for alert in alerts] == ["consumption_not_invoiced", "rejected_rows", "cpo_notifications"]
    assert [alert.count for alert in alerts] == [1, 1, 1]


def test_risk_alerts_empty_when_every_mart_is_empty():
    assert risk_alerts(dashboard_data(), AlertSettings()) == []


def test_risk_alerts_uses_data_as_of_and_settings_grace():
    progress = frame(BILLING_COLUMNS, [progress_row("C1", date(2026, 2, 1), "achieved", 2, 1, "20.000", "10.000")])
    # 2026-02-28 + 15 = 2026-03-15: not due on 03-15, due on 03-16; with grace 20 (-> 03-20) not due on 03-16
    assert risk_alerts(dashboard_data(as_of=date(2026, 3, 15), billing_progress=progress), AlertSettings()) == []
    assert [a.code for a in risk_alerts(dashboard_data(as_of=date(2026, 3, 16), billing_progress=progress), AlertSettings())] == [
        "consumption_not_invoiced"
    ]
    assert risk_alerts(dashboard_data(as_of=date(2026, 3, 16), billing_progress=progress), AlertSettings(invoicing_grace_days=20)) == []


# --------------------------------------------------------------------------------------------------------------
# error_by_hour
# --------------------------------------------------------------------------------------------------------------


def hour_row(company: str, hour: int, error: str, absolute_error: str) -> tuple:
    day = date(2026, 3, 1)
    return (company, day, None, None, hour, D("10"), D("8"), D("10"), D("12"), D(error), D(absolute_error))


def test_error_by_hour_exact_means_half_up_per_company_and_hour():
    hours = frame(FORECAST_HOUR_COLUMNS, [
        # rows deliberately out of order
        hour_row("B", 23, "0.1234", "0.1234"),
        hour_row("A", 1, "1.000", "1.000"),
        hour_row("A", 0, "-0.001", "0.001"),
        hour_row("A", 1, "-2.000", "2.000"),
        hour_row("A", 0, "0.000", "0.000"),
        hour_row("A", 1, "-2.000", "2.000"),
        hour_row("A", 10, "0.001", "0.001"),
        hour_row("A", 10, "0.002", "0.002"),
    ])

    table = error_by_hour(hours)

    assert list(table.columns) == ["company_id", "local_hour", "hours_count", "mae_kwh", "bias_kwh"]
    assert list(table.itertuples(index=False, name=None)) == [
        # A 0h: mae (0.001 + 0.000) / 2 = 0.0005 -> 0.001 (half up; half even gives 0.000)
        #       bias (-0.001 + 0.000) / 2 = -0.0005 -> -0.001 (half up rounds away from zero)
        ("A", 0, 2, D("0.001"), D("-0.001")),
        # A 1h: mae (1 + 2 + 2) / 3 = 1.6666... -> 1.667; bias (1 - 2 - 2) / 3 = -1 -> -1.000
        ("A", 1, 3, D("1.667"), D("-1.000")),
        # A 10h sorted numerically after 1h: (0.001 + 0.002) / 2 = 0.0015 -> 0.002
        ("A", 10, 2, D("0.002"), D("0.002")),
        # B 23h: 0.1234 -> 0.123
        ("B", 23, 1, D("0.123"), D("0.123")),
    ]
    assert all(isinstance(value, Decimal) for value in table["mae_kwh"])
    assert all(isinstance(value, Decimal) for value in table["bias_kwh"])
    # exactly three decimals
    assert [value.as_tuple().exponent for value in table["mae_kwh"]] == [-3, -3, -3, -3]


def test_error_by_hour_empty_frame():
    table = error_by_hour(pd.DataFrame())

    assert table.empty
    assert list(table.columns) == ["company_id", "local_hour", "hours_count", "mae_kwh", "bias_kwh"]


# --------------------------------------------------------------------------------------------------------------
# headline_figures
# --------------------------------------------------------------------------------------------------------------


def _figures_by_key(figures) -> dict:
    keys = [figure.key for figure in figures]
    assert len(keys) == len(set(keys)), keys
    return {figure.key: figure for figure in figures}


def test_headline_figures_receivables_open_and_overdue_per_currency():
    as_of = date(2026, 4, 1)
    receivables = frame(RECEIVABLES_COLUMNS, [
        ("C1", "EUR", "1-30", 1, D("50.25"), as_of),
        ("C1", "EUR", "not_due", 2, D("100.00"), as_of),
        ("C1", "EUR", "over_180", 1, D("10.10"), as_of),
        ("C2", "EUR", "31-60", 1, D("0.01"), as_of),
        ("C2", "EUR", "61-90", 1, D("1.00"), as_of),
        ("C2", "EUR", "91-180", 1, D("2.00"), as_of),
        ("C1", "RON", "not_due", 3, D("200.00"), as_of),
    ])

    figures = _figures_by_key(headline_figures(dashboard_data(as_of, receivables_ageing=receivables), AlertSettings()))

    # EUR open: 50.25 + 100.00 + 10.10 + 0.01 + 1.00 + 2.00 = 163.36 (both companies)
    # EUR overdue: all but not_due -> 163.36 - 100.00 = 63.36
    assert figures["receivables-open-EUR"].value == D("163.36")
    assert figures["receivables-overdue-EUR"].value == D("63.36")
    assert figures["receivables-open-EUR"].source == "fct_receivables"
    # RON: only not_due -> open 200.00, overdue 0
    assert figures["receivables-open-RON"].value == D("200.00")
    assert figures["receivables-overdue-RON"].value == D("0")
    assert figures["receivables-open-EUR"].label == "Open receivables, EUR"
    assert figures["receivables-overdue-RON"].label == "Overdue, RON"
    # English money format of the exact value
    assert figures["receivables-open-EUR"].display == "€163.36"


def test_headline_figures_last_issue_month_billed_per_company_and_currency():
    billed = frame(BILLED_COLUMNS, [
        ("C1", date(2026, 1, 1), "advance", "EUR", 1, D("100.00")),
        ("C1", date(2026, 2, 1), "advance", "EUR", 2, D("200.10")),
        ("C1", date(2026, 2, 1), "regularisation", "EUR", 1, D("-50.05")),
        ("C1", date(2026, 1, 1), "advance", "RON", 1, D("300.00")),
        ("C2", date(2026, 3, 1), "credit_note", "EUR", 1, D("-20.00")),
        ("C2", date(2025, 12, 1), "advance", "EUR", 1, D("999.00")),
    ])

    figures = _figures_by_key(headline_figures(dashboard_data(billed_amounts=billed), AlertSettings()))

    # C1 EUR: last month 2026-02 -> 200.10 - 50.05 = 150.05 (January's 100.00 left out)
    assert figures["billed-C1-EUR"].value == D("150.05")
    assert figures["billed-C1-EUR"].label == "C1 billed in 2026-02"
    # C1 RON: its own last month is 2026-01 -> 300.00
    assert figures["billed-C1-RON"].value == D("300.00")
    assert figures["billed-C1-RON"].label == "C1 billed in 2026-01"
    # C2 EUR: last month 2026-03 -> -20.00
    assert figures["billed-C2-EUR"].value == D("-20.00")
    assert figures["billed-C2-EUR"].label == "C2 billed in 2026-03"
    assert figures["billed-C2-EUR"].source == "fct_billed_amounts_monthly"


def imbalance_row(day: date, cost, currency, group="BG1") -> tuple:
    return (day, "C1", group, D("1.000"), D("1.000"), cost, currency, D("0"), 0)


def test_headline_figures_imbalance_cost_last_30_delivery_days_per_currency():
    days = frame(IMBALANCE_COLUMNS, [
        # last delivery day 2026-03-31 -> the 30 days are 2026-03-02 .. 2026-03-31
        imbalance_row(date(2026, 3, 31), D("10.50"), "EUR"),
        imbalance_row(date(2026, 3, 2), D("1.25"), "EUR"),  # 30th day: in
        imbalance_row(date(2026, 3, 1), D("1000.00"), "EUR"),  # 31st day: out
        imbalance_row(date(2026, 2, 1), D("5000.00"), "EUR"),  # long before: out
        imbalance_row(date(2026, 3, 15), None, "EUR"),  # no price: left out
        imbalance_row(date(2026, 3, 20), D("7.00"), "RON", group="BG2"),
        imbalance_row(date(2026, 3, 20), D("-2.50"), "RON", group="BG3"),
        imbalance_row(date(2026, 3, 21), D("99.00"), None, group="(not ours)"),  # no currency: left out
    ])

    figures = _figures_by_key(headline_figures(dashboard_data(imbalance_days=days), AlertSettings()))

    # EUR: 10.50 + 1.25 = 11.75
    assert figures["imbalance-cost-EUR"].value == D("11.75")
    # RON: 7.00 - 2.50 = 4.50
    assert figures["imbalance-cost-RON"].value == D("4.50")
    assert figures["imbalance-cost-EUR"].label == "Imbalance cost, last 30 days, EUR"
    assert figures["imbalance-cost-EUR"].source == "fct_imbalance_daily"
    assert not any(key.startswith("imbalance-cost-") and key not in ("imbalance-cost-EUR", "imbalance-cost-RON") for key in figures)


def test_headline_figures_cdrs_rated_and_rows_quarantined():
    cdrs = frame(CDR_DAY_COLUMNS, [
        (date(2026, 3, 1), 12, 5, 4, 2, 1, 0),
        (date(2026, 3, 2), 8, 7, 1, 0, 0, 1),
    ])
    rejected = frame(REJECTED_COLUMNS, [("meter_readings", "schema", 1200, 2), ("ocpi_cdrs", "duplicate", 34, 1)])

    figures = _figures_by_key(headline_figures(dashboard_data(cdr_days=cdrs, rejected_rows=rejected), AlertSettings()))

    # rated 5 + 7 = 12 of received 12 + 8 = 20
    assert figures["cdrs-rated"].value == 12
    assert figures["cdrs-rated"].display == "12 of 20"
    # 1200 + 34 = 1234 rows, shown with a thousands separator
    assert figures["rows-quarantined"].value == 1234
    assert figures["rows-quarantined"].display == "1,234"


def test_headline_figures_with_every_mart_empty_shows_zero_rows_quarantined_only():
    figures = headline_figures(dashboard_data(), AlertSettings())

    assert [(figure.key, figure.value) for figure in figures] == [("rows-quarantined", 0)]
    assert figures[0].display == "0"


def test_headline_figures_order_and_recent_wape():
    as_of = date(2026, 4, 1)
    data = dashboard_data(
        as_of,
        receivables_ageing=frame(RECEIVABLES_COLUMNS, [("C1", "EUR", "not_due", 1, D("1.00"), as_of)]),
        billed_amounts=frame(BILLED_COLUMNS, [("C1", date(2026, 3, 1), "advance", "EUR", 1, D("2.00"))]),
        imbalance_days=frame(IMBALANCE_COLUMNS, [imbalance_row(date(2026, 3, 31), D("3.00"), "EUR")]),
        # recent 3 days: 12.345 * 100 / 300 -> 4.115 -> half up 4.12
        forecast_days=forecast_days(day_rows("A", date(2026, 3, 29), [("100", "4"), ("100", "4"), ("100", "4.345")])),
        cdr_days=frame(CDR_DAY_COLUMNS, [(date(2026, 3, 1), 1, 1, 0, 0, 0, 0)]),
    )

    figures = headline_figures(data, AlertSettings())

    assert [figure.key for figure in figures] == [
        "receivables-open-EUR",
        "receivables-overdue-EUR",
        "billed-C1-EUR",
        "imbalance-cost-EUR",
        "wape-A",
        "cdrs-rated",
        "rows-quarantined",
    ]
    wape = figures[4]
    assert wape.value == D("4.12")
    assert wape.display == "4.12 %"
    assert figures[-1].value == 0
