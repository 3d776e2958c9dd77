"""The dashboard's interactive charts: one Plotly figure per chart, built from the frames of
`dashboard.mart_reads`. Every plotted value is a mart value (amounts as exact decimals turned into numbers
only for the plot); a chart with nothing to show yet says so instead of disappearing.

Pure functions, frames in, `Chart`s out; `dashboard.page` lays them out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd
import plotly.graph_objects as go

from dashboard.mart_reads import DashboardData

CONSUMPTION_TYPES = ("achieved", "estimated", "recalculated", "ordered")
INVOICE_TYPES = ("advance", "regularisation", "deviation", "green_certificate_regularisation", "penalty", "credit_note")
AGEING_BUCKETS = ("not_due", "1-30", "31-60", "61-90", "91-180", "over_180")
CDR_STATUSES = (("cdrs_rated", "rated"), ("cdrs_not_rated", "not rated"), ("cdrs_repeated", "repeat"), ("cdrs_pending", "pending"))
MONTHLY_AXIS = {"automargin": True, "tickformat": "%b %Y", "hoverformat": "%B %Y"}
COLOURS = {
    "achieved": "#1f77b4", "estimated": "#ff7f0e", "recalculated": "#2ca02c", "ordered": "#7f7f7f",
    "rated": "#2ca02c", "not rated": "#d62728", "repeat": "#9467bd", "pending": "#bcbd22",
}


@dataclass(frozen=True)
class Chart:
    chart_id: str  # the page's element id is `chart-<chart_id>`
    section: str
    title: str
    source: str  # the mart(s) the values come from
    figure: go.Figure
    has_data: bool


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def number(value) -> float | None:
    """A mart value as a plot number; None stays a gap."""
    if value is None or (not isinstance(value, Decimal) and pd.isna(value)):
        return None
    return float(value)


def iso(value) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _layout(title: str, y_title: str, **extra) -> dict:
    return {
        "title": {"text": title, "font": {"size": 14}},
        "yaxis": {"title": {"text": y_title}, "automargin": True},
        "xaxis": {"automargin": True},
        "legend": {"orientation": "h", "y": -0.2},
        "margin": {"l": 10, "r": 10, "t": 40, "b": 10},
        "hovermode": "x unified",
        "autosize": True,
        **extra,
    }


def _empty_figure(title: str, message: str) -> go.Figure:
    figure = go.Figure(layout=_layout(title, ""))
    figure.add_annotation(text=message, showarrow=False, xref="paper", yref="paper", x=0.5, y=0.5, font={"size": 14})
    figure.update_xaxes(visible=False)
    figure.update_yaxes(visible=False)
    return figure


def _chart(chart_id: str, section: str, title: str, source: str, figure: go.Figure | None, empty_message: str) -> Chart:
    if figure is None or not figure.data:
        return Chart(chart_id, section, title, source, _empty_figure(title, empty_message), has_data=False)
    return Chart(chart_id, section, title, source, figure, has_data=True)


def consumption_by_type(frame: pd.DataFrame) -> list[Chart]:
    """Per company: kWh per consumption type and month, with the same month one and two years earlier."""
    charts = []
    for company, rows in frame.groupby("company_id", sort=True) if not frame.empty else []:
        figure = go.Figure(layout=_layout(f"{company}: consumption by type, kWh per month", "kWh", xaxis=MONTHLY_AXIS))
        for kind in CONSUMPTION_TYPES:
            of_type = rows[rows["consumption_type"] == kind]
            if of_type.empty:
                continue
            months = [iso(month) for month in of_type["consumption_month"]]
            colour = COLOURS[kind]
            figure.add_scatter(x=months, y=[number(v) for v in of_type["energy_kwh"]], name=kind, legendgroup=kind, mode="lines+markers", line={"color": colour})
            figure.add_scatter(
                x=months, y=[number(v) for v in of_type["previous_year_energy_kwh"]], name=f"{kind}, a year earlier", legendgroup=kind,
                mode="lines", line={"color": colour, "dash": "dash"},
            )
            figure.add_scatter(
                x=months, y=[number(v) for v in of_type["two_years_before_energy_kwh"]], name=f"{kind}, two years earlier", legendgroup=kind,
                mode="lines", line={"color": colour, "dash": "dot"}, visible="legendonly",
            )
        charts.append(_chart(f"consumption-{slug(company)}", "consumption", f"{company}: consumption by type", "fct_consumption_by_type_monthly", figure, ""))
    return charts or [_chart("consumption", "consumption", "Consumption by type", "fct_consumption_by_type_monthly", None, "No consumption yet")]


def billing_progress(frame: pd.DataFrame) -> list[Chart]:
    """Per company: the share of contract-months with consumption of each type that have been invoiced."""
    charts = []
    for company, rows in frame.groupby("company_id", sort=True) if not frame.empty else []:
        figure = go.Figure(layout=_layout(f"{company}: consumption invoiced, % of contract-months", "%", yaxis={"range": [0, 105], "title": {"text": "%"}}, xaxis=MONTHLY_AXIS))
        for kind in CONSUMPTION_TYPES:
            of_type = rows[rows["consumption_type"] == kind]
            if of_type.empty:
                continue
            figure.add_scatter(
                x=[iso(month) for month in of_type["consumption_month"]], y=[number(v) for v in of_type["share_invoiced_pct"]], name=kind,
                mode="lines+markers", line={"color": COLOURS[kind]},
                customdata=list(zip(of_type["contract_months_invoiced"], of_type["contract_months_with_consumption"])),
                hovertemplate="%{y:.2f} % (%{customdata[0]} of %{customdata[1]} contract-months)",
            )
        charts.append(_chart(f"billing-progress-{slug(company)}", "billing", f"{company}: billing progress", "fct_billing_progress", figure, ""))
    return charts or [_chart("billing-progress", "billing", "Billing progress", "fct_billing_progress", None, "Nothing billed yet")]


def billed_amounts(frame: pd.DataFrame) -> list[Chart]:
    """Per company and currency: gross amounts billed per issue month, stacked by invoice type (credit notes below zero)."""
    charts = []
    for (company, currency), rows in frame.groupby(["company_id", "currency"], sort=True) if not frame.empty else []:
        figure = go.Figure(layout=_layout(f"{company}: amounts billed per invoice type, {currency} with VAT", currency, barmode="relative", xaxis=MONTHLY_AXIS))
        for kind in INVOICE_TYPES:
            of_type = rows[rows["invoice_type"] == kind]
            if not of_type.empty:
                figure.add_bar(
                    x=[iso(month) for month in of_type["issue_month"]], y=[number(v) for v in of_type["gross_amount"]], name=kind.replace("_", " "),
                    customdata=list(of_type["documents_count"]), hovertemplate="%{y:,.2f} (%{customdata} documents)",
                )
        charts.append(_chart(f"billed-{slug(company)}-{slug(currency)}", "billing", f"{company}: billed amounts ({currency})", "fct_billed_amounts_monthly", figure, ""))
    return charts or [_chart("billed", "billing", "Billed amounts", "fct_billed_amounts_monthly", None, "Nothing billed yet")]


def receivables_ageing(frame: pd.DataFrame) -> Chart:
    """Open amounts per ageing bucket, one bar series per company and currency."""
    if frame.empty:
        return _chart("receivables-ageing", "billing", "Receivables ageing", "fct_receivables", None, "No open receivables")
    as_of = iso(frame["as_of_date"].iloc[0])
    figure = go.Figure(layout=_layout(f"Receivables ageing as of {as_of}, open amount per bucket", "open amount", barmode="group"))
    for (company, currency), rows in frame.groupby(["company_id", "currency"], sort=True):
        by_bucket = dict(zip(rows["ageing_bucket"], rows["open_amount"]))
        counts = dict(zip(rows["ageing_bucket"], rows["documents_count"]))
        buckets = [bucket for bucket in AGEING_BUCKETS if bucket in by_bucket]
        figure.add_bar(
            x=[bucket.replace("_", " ") for bucket in buckets], y=[number(by_bucket[b]) for b in buckets], name=f"{company} ({currency})",
            customdata=[counts[b] for b in buckets], hovertemplate="%{y:,.2f} " + currency + " (%{customdata} documents)",
        )
    return _chart("receivables-ageing", "billing", "Receivables ageing", "fct_receivables", figure, "")


def forecast_vs_actual(frame: pd.DataFrame) -> list[Chart]:
    """Per company: the hourly P50 with its P10–P90 band against the actual, over the last delivery days."""
    charts = []
    for company, rows in frame.groupby("company_id", sort=True) if not frame.empty else []:
        hours = [iso(value) for value in rows["period_start_local"]]
        figure = go.Figure(layout=_layout(f"{company}: forecast vs actual, kWh per hour (local time)", "kWh"))
        figure.add_scatter(x=hours, y=[number(v) for v in rows["p90_kwh"]], name="P90", mode="lines", line={"width": 0}, showlegend=False)
        figure.add_scatter(
            x=hours, y=[number(v) for v in rows["p10_kwh"]], name="P10–P90", mode="lines", line={"width": 0}, fill="tonexty", fillcolor="rgba(31,119,180,0.2)"
        )
        figure.add_scatter(x=hours, y=[number(v) for v in rows["p50_kwh"]], name="forecast P50", mode="lines", line={"color": "#1f77b4"})
        figure.add_scatter(x=hours, y=[number(v) for v in rows["actual_kwh"]], name="actual", mode="lines", line={"color": "black", "width": 1})
        charts.append(_chart(f"forecast-{slug(company)}", "trading", f"{company}: forecast vs actual", "fct_forecast_accuracy", figure, ""))
    return charts or [_chart("forecast", "trading", "Forecast vs actual", "fct_forecast_accuracy", None, "No forecast with an actual yet")]


def error_by_hour(frame: pd.DataFrame) -> pd.DataFrame:
    """Per company and local hour: mean absolute error and mean error (actual − P50), kWh, exact means rounded
    half up to 0.001."""
    if frame.empty:
        return pd.DataFrame(columns=["company_id", "local_hour", "hours_count", "mae_kwh", "bias_kwh"])
    rows = []
    for (company, hour), group in frame.groupby(["company_id", "local_hour"], sort=True):
        count = len(group)
        mae = (sum(group["absolute_error_kwh"], Decimal(0)) / count).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)
        bias = (sum(group["error_kwh"], Decimal(0)) / count).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)
        rows.append((company, int(hour), count, mae, bias))
    return pd.DataFrame(rows, columns=["company_id", "local_hour", "hours_count", "mae_kwh", "bias_kwh"])


def forecast_error_by_hour(frame: pd.DataFrame) -> list[Chart]:
    table = error_by_hour(frame)
    charts = []
    for company, rows in table.groupby("company_id", sort=True) if not table.empty else []:
        days = f"{iso(min(frame['delivery_date']))} – {iso(max(frame['delivery_date']))}"
        figure = go.Figure(layout=_layout(f"{company}: forecast error by local hour, {days}", "kWh", xaxis={"title": {"text": "local hour"}, "dtick": 2}))
        figure.add_bar(x=list(rows["local_hour"]), y=[number(v) for v in rows["mae_kwh"]], name="mean absolute error")
        figure.add_scatter(x=list(rows["local_hour"]), y=[number(v) for v in rows["bias_kwh"]], name="bias (actual − forecast)", mode="lines+markers", line={"color": "black"})
        charts.append(_chart(f"forecast-error-{slug(company)}", "trading", f"{company}: forecast error by hour", "fct_forecast_accuracy", figure, ""))
    return charts or [_chart("forecast-error", "trading", "Forecast error by hour", "fct_forecast_accuracy", None, "No forecast with an actual yet")]


def forecast_accuracy_daily(frame: pd.DataFrame) -> Chart:
    """Per company: WAPE per delivery day, the series the accuracy alert watches."""
    if frame.empty:
        return _chart("forecast-accuracy", "trading", "Forecast accuracy", "fct_forecast_accuracy_daily", None, "No forecast with an actual yet")
    figure = go.Figure(layout=_layout("Forecast WAPE per delivery day, % (company totals)", "%"))
    for company, rows in frame.groupby("company_id", sort=True):
        figure.add_scatter(x=[iso(d) for d in rows["delivery_date"]], y=[number(v) for v in rows["wape_pct"]], name=company, mode="lines+markers")
    return _chart("forecast-accuracy", "trading", "Forecast accuracy", "fct_forecast_accuracy_daily", figure, "")


def imbalance_volumes(frame: pd.DataFrame) -> Chart:
    """Per balancing group: nominated against settled MWh per delivery day."""
    if frame.empty:
        return _chart("imbalance-volumes", "trading", "Nominated vs settled", "fct_imbalance_daily", None, "No settlement yet")
    figure = go.Figure(layout=_layout("Nominated vs settled, MWh per delivery day", "MWh"))
    for group, rows in frame.groupby("balancing_group_id", sort=True):
        days = [iso(d) for d in rows["delivery_date"]]
        figure.add_scatter(x=days, y=[number(v) for v in rows["settled_mwh"]], name=f"{group} settled", legendgroup=group, mode="lines")
        figure.add_scatter(x=days, y=[number(v) for v in rows["nominated_mwh"]], name=f"{group} nominated", legendgroup=group, mode="lines", line={"dash": "dash"})
    return _chart("imbalance-volumes", "trading", "Nominated vs settled", "fct_imbalance_daily", figure, "")


def imbalance_cost(frame: pd.DataFrame) -> Chart:
    """Per balancing group: the daily imbalance cost (positive paid, negative received)."""
    if frame.empty:
        return _chart("imbalance-cost", "trading", "Daily imbalance cost", "fct_imbalance_daily", None, "No settlement yet")
    figure = go.Figure(layout=_layout("Daily imbalance cost per balancing group (paid > 0, received < 0)", "cost", barmode="relative"))
    for group, rows in frame.groupby("balancing_group_id", sort=True):
        currency = next((c for c in rows["currency"] if isinstance(c, str)), "")
        figure.add_bar(
            x=[iso(d) for d in rows["delivery_date"]], y=[number(v) for v in rows["imbalance_cost"]], name=f"{group} ({currency})".replace(" ()", ""),
            customdata=list(rows["periods_without_price_count"]), hovertemplate="%{y:,.2f} (%{customdata} periods without price)",
        )
    return _chart("imbalance-cost", "trading", "Daily imbalance cost", "fct_imbalance_daily", figure, "")


def imbalance_deviation(frame: pd.DataFrame) -> Chart:
    """Per balancing group: the forecast's volume-weighted % deviation from settlement per day."""
    if frame.empty or frame["forecast_deviation_pct"].isna().all():
        return _chart("imbalance-deviation", "trading", "Forecast deviation from settlement", "fct_imbalance_daily", None, "No forecast settled yet")
    figure = go.Figure(layout=_layout("Forecast deviation from settlement, % per delivery day", "%"))
    for group, rows in frame.groupby("balancing_group_id", sort=True):
        rows = rows[rows["forecast_deviation_pct"].notna()]
        if not rows.empty:
            figure.add_scatter(x=[iso(d) for d in rows["delivery_date"]], y=[number(v) for v in rows["forecast_deviation_pct"]], name=group, mode="lines+markers")
    return _chart("imbalance-deviation", "trading", "Forecast deviation from settlement", "fct_imbalance_daily", figure, "")


def cdrs_by_status(frame: pd.DataFrame) -> Chart:
    """CDR rows received per session day, stacked by rating status, with the CPO notifications."""
    if frame.empty:
        return _chart("cdr-status", "emobility", "CDRs by rating status", "fct_cdr_rating_daily", None, "No CDRs yet")
    figure = go.Figure(layout=_layout("CDRs per session day by rating status", "CDRs", barmode="stack"))
    days = [iso(d) for d in frame["session_day"]]
    for column, label in CDR_STATUSES:
        figure.add_bar(x=days, y=[int(v) for v in frame[column]], name=label, marker={"color": COLOURS[label]})
    figure.add_scatter(x=days, y=[int(v) for v in frame["notifications"]], name="notifications to the CPO", mode="lines", line={"color": "black", "width": 1})
    return _chart("cdr-status", "emobility", "CDRs by rating status", "fct_cdr_rating_daily", figure, "")


def cdr_reasons(frame: pd.DataFrame) -> Chart:
    """Delivered CDR rows per rating status and reason."""
    if frame.empty:
        return _chart("cdr-reasons", "emobility", "Why CDRs are not rated", "fct_cdr_control_center", None, "No CDRs yet")
    # short labels (the reason code) keep the bars wide on a phone; the seed's wording is in the hover text
    labels = [f"{status}: {code}" if code and code != status else status for status, code in zip(frame["rating_status"], frame["reason_code"])]
    figure = go.Figure(layout=_layout("CDRs per rating status and reason", "", hovermode="closest", yaxis={"automargin": True, "autorange": "reversed"}, xaxis={"title": {"text": "CDRs (log scale: the reasons stay visible beside the rated)"}, "type": "log"}))
    figure.add_bar(
        y=labels, x=[int(v) for v in frame["cdrs_count"]], orientation="h", name="CDRs", customdata=list(frame["rating_reason"]),
        hovertemplate="%{x} CDRs<br>%{customdata}<extra></extra>",
        marker={"color": [COLOURS.get(status.replace("_", " "), "#d62728") for status in frame["rating_status"]]},
    )
    return _chart("cdr-reasons", "emobility", "CDRs by status and reason", "fct_cdr_control_center", figure, "")


def object_costs(frame: pd.DataFrame) -> list[Chart]:
    """Per currency: the cost per object, stacked by energy type (allocated and price-list estimates), with the
    loss under each object and the other expenses as their own series."""
    charts = []
    for currency, rows in frame.groupby("currency", sort=True) if not frame.empty else []:
        figure = go.Figure(layout=_layout(f"Energy cost per object, {currency}", currency, barmode="stack", hovermode="closest"))
        objects = list(dict.fromkeys(rows.sort_values("object_id")["object_id"]))
        names = dict(zip(rows["object_id"], rows["object_name"]))
        series = {}
        for row in rows.itertuples():
            label = {"allocated": row.category, "estimated": f"{row.category} (price list)", "loss": "loss / unmetered", "expense": f"{row.category}"}[row.kind]
            series.setdefault(label, {}).setdefault(row.object_id, Decimal(0))
            series[label][row.object_id] += row.amount
        for label, amounts in sorted(series.items()):
            figure.add_bar(x=[names[o] for o in objects if o in amounts], y=[number(amounts[o]) for o in objects if o in amounts], name=label)
        charts.append(_chart(f"object-costs-{slug(currency)}", "allocation", f"Energy cost per object ({currency})", "fct_object_energy_costs", figure, ""))
    return charts or [_chart("object-costs", "allocation", "Energy cost per object", "fct_object_energy_costs", None, "No invoice received yet")]


def all_charts(data: DashboardData) -> list[Chart]:
    return [
        *consumption_by_type(data["consumption_by_type"]),
        *billing_progress(data["billing_progress"]),
        *billed_amounts(data["billed_amounts"]),
        receivables_ageing(data["receivables_ageing"]),
        *forecast_vs_actual(data["forecast_hours"]),
        *forecast_error_by_hour(data["forecast_hours"]),
        forecast_accuracy_daily(data["forecast_days"]),
        imbalance_volumes(data["imbalance_days"]),
        imbalance_cost(data["imbalance_days"]),
        imbalance_deviation(data["imbalance_days"]),
        cdrs_by_status(data["cdr_days"]),
        cdr_reasons(data["cdr_reasons"]),
        *object_costs(data["object_costs"]),
    ]
