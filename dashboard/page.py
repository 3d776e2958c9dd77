"""The dashboard page: the headline figures, the alerts and every chart in one self-contained HTML file.

Plotly's JavaScript is inlined once (no server, no network: the file opens from disk and can be e-mailed);
each chart's figure is embedded as JSON and drawn on load. Every headline figure carries its exact mart
value in `data-value`, every chart its mart in `data-source`, so a test (or a curious analyst) can hold
the page against the warehouse.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import plotly.graph_objects as go
import plotly.io
import plotly.offline
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from dashboard.alerts import Alert, AlertSettings, forecast_accuracy_trend, risk_alerts
from dashboard.charts import AGEING_BUCKETS, Chart, all_charts
from dashboard.mart_reads import DashboardData
from invoice_rendering import formatting

TEMPLATES = Path(__file__).parent / "templates"
SECTIONS = {
    "consumption": "Consumption",
    "billing": "Billing and receivables",
    "trading": "Forecast and imbalance",
    "emobility": "EV charging",
    "allocation": "Cost allocation",
}
IMBALANCE_COST_DAYS = 30


@dataclass(frozen=True)
class Figure:
    key: str  # data-figure on the page
    label: str
    value: Decimal | int
    display: str
    source: str


@dataclass(frozen=True)
class Dashboard:
    html: str
    charts: list[Chart]
    figures: list[Figure]
    alerts: list[Alert]


def _sum(values) -> Decimal:
    return sum(values, Decimal(0))


def headline_figures(data: DashboardData, settings: AlertSettings) -> list[Figure]:
    """Open and overdue receivables per currency, the last issue month billed per company and currency,
    imbalance cost of the last 30 delivery days per currency, CDRs rated, rows quarantined, recent WAPE."""
    figures: list[Figure] = []
    receivables = data["receivables_ageing"]
    if not receivables.empty:
        for currency, rows in receivables.groupby("currency", sort=True):
            open_amount = _sum(rows["open_amount"])
            overdue = _sum(rows.loc[rows["ageing_bucket"] != AGEING_BUCKETS[0], "open_amount"])
            figures.append(Figure(f"receivables-open-{currency}", f"Open receivables, {currency}", open_amount, formatting.money(open_amount, currency, "en"), "fct_receivables"))
            figures.append(Figure(f"receivables-overdue-{currency}", f"Overdue, {currency}", overdue, formatting.money(overdue, currency, "en"), "fct_receivables"))
    billed = data["billed_amounts"]
    if not billed.empty:
        for (company, currency), rows in billed.groupby(["company_id", "currency"], sort=True):
            month = max(rows["issue_month"])
            gross = _sum(rows.loc[rows["issue_month"] == month, "gross_amount"])
            figures.append(
                Figure(f"billed-{company}-{currency}", f"{company} billed in {month:%Y-%m}", gross, formatting.money(gross, currency, "en"), "fct_billed_amounts_monthly")
            )
    days = data["imbalance_days"]
    if not days.empty:
        since = max(days["delivery_date"]) - timedelta(days=IMBALANCE_COST_DAYS - 1)
        recent = days[(days["delivery_date"] >= since) & days["currency"].notna()]
        for currency, rows in recent.groupby("currency", sort=True):
            cost = _sum(value for value in rows["imbalance_cost"] if value is not None)
            figures.append(
                Figure(f"imbalance-cost-{currency}", f"Imbalance cost, last {IMBALANCE_COST_DAYS} days, {currency}", cost, formatting.money(cost, currency, "en"), "fct_imbalance_daily")
            )
    for company, recent, _ in forecast_accuracy_trend(data["forecast_days"], settings) if not data["forecast_days"].empty else []:
        if recent is not None:
            figures.append(Figure(f"wape-{company}", f"{company} forecast WAPE, last {settings.recent_days} days", recent, f"{recent} %", "fct_forecast_accuracy_daily"))
    cdrs = data["cdr_days"]
    if not cdrs.empty:
        rated, received = int(cdrs["cdrs_rated"].sum()), int(cdrs["cdrs_received"].sum())
        figures.append(Figure("cdrs-rated", "CDRs rated", rated, f"{formatting.number(Decimal(rated), 'en')} of {formatting.number(Decimal(received), 'en')}", "fct_cdr_rating_daily"))
    rejected = data["rejected_rows"]
    quarantined = int(rejected["rows_count"].sum()) if not rejected.empty else 0
    figures.append(Figure("rows-quarantined", "Input rows quarantined", quarantined, formatting.number(Decimal(quarantined), "en"), "fct_rejected_rows"))
    return figures


def heading(chart: Chart) -> str:
    """The chart's title, shown above it as HTML so that it wraps on a phone instead of being cut off."""
    return chart.figure.layout.title.text or chart.title


def _spec(chart: Chart) -> str:
    """The figure (title left to the page) as JSON safe inside a <script> element."""
    figure = go.Figure(chart.figure).update_layout(template="plotly_white", title=None, margin={"t": 10})
    return plotly.io.to_json(figure, validate=False).replace("</", "<\\/")


def build_dashboard(data: DashboardData, settings: AlertSettings, generated_at: datetime, warehouse: str) -> Dashboard:
    charts = all_charts(data)
    figures = headline_figures(data, settings)
    alerts = risk_alerts(data, settings)
    environment = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined)
    page = environment.get_template("dashboard.html.j2").render(
        charts=charts,
        specs={chart.chart_id: _spec(chart) for chart in charts},
        headings={chart.chart_id: heading(chart) for chart in charts},
        sections=[(key, title, [chart for chart in charts if chart.section == key]) for key, title in SECTIONS.items()],
        figures=figures,
        alerts=alerts,
        as_of=data.as_of.isoformat(),
        generated_at=generated_at.strftime("%Y-%m-%d %H:%M UTC"),
        warehouse=warehouse,
        missing_marts=data.missing_marts,
        plotly_js=plotly.offline.get_plotlyjs(),
    )
    return Dashboard(page, charts, figures, alerts)
