"""What puts the company at risk, decided from the dashboard's frames: consumption not invoiced on time,
forecast accuracy dropping, unmatched payments, rejected input rows, overcharged invoices received and
CDRs the CPO must act on.

Pure functions: frames in (dashboard.mart_reads), `Alert`s out. The thresholds are `AlertSettings`, which
the asset takes from its run configuration.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

from dashboard.mart_reads import DashboardData
from forecasting.imbalance_report import fixed


@dataclass(frozen=True)
class AlertSettings:
    # A month's consumption must be invoiced within this many days after the month ends.
    invoicing_grace_days: int = 15
    # Forecast accuracy: WAPE of the last `recent_days` delivery days against the `baseline_days` before them.
    recent_days: int = 3
    baseline_days: int = 28
    # An alert when the recent WAPE is this many percentage points above the baseline's ...
    wape_rise_points: Decimal = Decimal("2")
    # ... or, with no baseline yet, above this level.
    wape_ceiling_pct: Decimal = Decimal("15")


@dataclass(frozen=True)
class Alert:
    code: str  # consumption_not_invoiced | forecast_accuracy_dropping | unmatched_payments | rejected_rows | overcharged_invoices | cpo_notifications
    title: str
    count: int  # how many things are at risk (contract-months, series, payment lines, rows, invoices, CDRs)
    details: tuple[str, ...]
    source: str  # the mart it comes from


def month_end(month: date) -> date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def consumption_not_invoiced(progress: pd.DataFrame, as_of: date, grace_days: int) -> Alert | None:
    """Contract-months with consumption whose month ended more than `grace_days` before `as_of` and that have no
    regularisation yet (fct_billing_progress), per company and type."""
    if progress.empty:
        return None
    due = progress[[month_end(month) + timedelta(days=grace_days) < as_of for month in progress["consumption_month"]]]
    late = due[due["contract_months_invoiced"] < due["contract_months_with_consumption"]]
    if late.empty:
        return None
    details = []
    count = 0
    for (company, kind), rows in late.groupby(["company_id", "consumption_type"], sort=True):
        missing = int((rows["contract_months_with_consumption"] - rows["contract_months_invoiced"]).sum())
        kwh = sum(rows["consumption_kwh"] - rows["invoiced_kwh"], Decimal(0))
        months = ", ".join(f"{month:%Y-%m}" for month in rows["consumption_month"])
        count += missing
        details.append(f"{company}, {kind}: {missing} contract-months ({fixed(kwh, 3)} kWh) not invoiced — {months}")
    return Alert(
        "consumption_not_invoiced",
        f"Consumption not invoiced {grace_days} days after its month",
        count,
        tuple(details),
        "fct_billing_progress",
    )


def _wape(days: pd.DataFrame) -> Decimal | None:
    actual = sum((abs(value) for value in days["actual_kwh"]), Decimal(0))
    if actual == 0:
        return None
    return (sum(days["absolute_error_kwh"], Decimal(0)) * 100 / actual).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def forecast_accuracy_trend(days: pd.DataFrame, settings: AlertSettings) -> list[tuple[str, Decimal | None, Decimal | None]]:
    """Per company: the WAPE of its last `recent_days` delivery days and of the `baseline_days` before them,
    volume-weighted (Σ|error| × 100 / Σ|actual|, half up to 0.01) from fct_forecast_accuracy_daily."""
    trend = []
    for company, rows in days.groupby("company_id", sort=True):
        last = max(rows["delivery_date"])
        recent_from = last - timedelta(days=settings.recent_days - 1)
        baseline_from = recent_from - timedelta(days=settings.baseline_days)
        recent = rows[rows["delivery_date"] >= recent_from]
        baseline = rows[(rows["delivery_date"] < recent_from) & (rows["delivery_date"] >= baseline_from)]
        trend.append((company, _wape(recent), _wape(baseline) if not baseline.empty else None))
    return trend


def forecast_accuracy_dropping(days: pd.DataFrame, settings: AlertSettings) -> Alert | None:
    if days.empty:
        return None
    details = []
    for company, recent, baseline in forecast_accuracy_trend(days, settings):
        if recent is None:
            continue
        if baseline is not None and recent - baseline >= settings.wape_rise_points:
            details.append(f"{company}: WAPE {recent} % over the last {settings.recent_days} days, {baseline} % the {settings.baseline_days} days before")
        elif baseline is None and recent > settings.wape_ceiling_pct:
            details.append(f"{company}: WAPE {recent} % over the last {settings.recent_days} days (no earlier days to compare)")
    if not details:
        return None
    return Alert("forecast_accuracy_dropping", "Forecast accuracy dropping", len(details), tuple(details), "fct_forecast_accuracy_daily")


def unmatched_payments(payments: pd.DataFrame) -> Alert | None:
    """Bank lines waiting for finance (queued, with their queued amount) or not processed by the matching yet."""
    if payments.empty:
        return None
    details = tuple(
        f"{row.payment_status}: {row.lines_count} lines, {fixed(row.unmatched_amount, 2)} {row.currency} not allocated"
        for row in payments.itertuples()
    )
    return Alert("unmatched_payments", "Payments not matched", int(payments["lines_count"].sum()), details, "fct_payments")


def rejected_rows(rejected: pd.DataFrame) -> Alert | None:
    if rejected.empty:
        return None
    details = tuple(
        f"{row.source} ({row.detected_by}): {row.rows_count} rows in {row.files_count} files" for row in rejected.itertuples()
    )
    return Alert("rejected_rows", "Input rows quarantined", int(rejected["rows_count"].sum()), details, "fct_rejected_rows")


def overcharged_invoices(overcharges: pd.DataFrame) -> Alert | None:
    if overcharges.empty:
        return None
    return Alert(
        "overcharged_invoices", "Invoices received above their alert amount", len(overcharges), tuple(overcharges["message"]), "fct_overcharge_alerts"
    )


def cpo_notifications(notifications: pd.DataFrame) -> Alert | None:
    if notifications.empty:
        return None
    details = tuple(f"{row.rating_reason}: {row.cdrs_count} CDRs" for row in notifications.itertuples())
    return Alert("cpo_notifications", "CDRs not rated until the CPO acts", int(notifications["cdrs_count"].sum()), details, "fct_cpo_notifications")


def risk_alerts(data: DashboardData, settings: AlertSettings) -> list[Alert]:
    """Every alert that applies, most pressing first (the order of the list below)."""
    candidates = [
        consumption_not_invoiced(data["billing_progress"], data.as_of, settings.invoicing_grace_days),
        forecast_accuracy_dropping(data["forecast_days"], settings),
        unmatched_payments(data["payments_open"]),
        rejected_rows(data["rejected_rows"]),
        overcharged_invoices(data["overcharges"]),
        cpo_notifications(data["cpo_notifications"]),
    ]
    return [alert for alert in candidates if alert is not None]
