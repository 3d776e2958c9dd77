"""The imbalance report traders open: per balancing group, nominated vs forecast vs settled per settlement
period over the last delivery days, the daily imbalance cost with the forecast's % deviation over the whole
range, and a table of the last days' figures, as one self-contained HTML page (`charts.html_report`).

Pure functions from frames of the marts `fct_imbalance_settlement_periods` and `fct_imbalance_daily` to
HTML and small tables: no Dagster, no database (the asset `reports/imbalance_report` reads the marts and
writes the file). Money stays `decimal.Decimal`, rounded half-up where shown; volumes are plotted as floats.
Costs are the balancing group's: positive is paid, negative is received.
"""

from __future__ import annotations

import datetime as dt
import html
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

from forecasting import charts

DEFAULT_DAYS = 7
UNKNOWN_GROUP = "(balancing group not ours)"
NO_CURRENCY = "(no currency)"
TITLE = "Imbalance: nominated vs forecast vs settled, and imbalance cost"

# The last days' figures, as the report's table and the asset's metadata show them.
TABLE_COLUMNS = {
    "delivery_date": "delivery date",
    "settlement_periods_count": "periods",
    "settled_mwh": "settled MWh",
    "nominated_mwh": "nominated MWh",
    "forecast_mwh": "forecast MWh",
    "net_imbalance_mwh": "net imbalance MWh",
    "imbalance_cost": "imbalance cost",
    "forecast_deviation_pct": "forecast deviation %",
    "periods_without_price_count": "periods without price",
}


def _decimal(value) -> Decimal | None:
    """A number of any type (Decimal, float, int) as a Decimal; None when missing."""
    if value is None or (not isinstance(value, Decimal) and pd.isna(value)):
        return None
    return value if isinstance(value, Decimal) else Decimal(str(value))


def fixed(value, places: int) -> str:
    """A number half up to `places` decimals with thousands separators (`12,409.79`); "–" when missing."""
    number = _decimal(value)
    if number is None:
        return "–"
    return f"{number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP):,.{places}f}"


def money(value, currency: str) -> str:
    """An amount to 2 decimals (half-up) with its currency; "price missing" when there is none."""
    return "price missing" if _decimal(value) is None else f"{fixed(value, 2)} {currency}"


def _is_empty(frame: pd.DataFrame | None) -> bool:
    return frame is None or frame.empty


def _prepared(frame: pd.DataFrame) -> pd.DataFrame:
    """Group ids filled (a settled EIC code that is not ours has none), delivery dates as dates, and the
    currency of days without a priced period taken from the group's other days."""
    frame = frame.assign(
        balancing_group_id=frame["balancing_group_id"].astype(object).where(frame["balancing_group_id"].notna(), UNKNOWN_GROUP),
        delivery_date=pd.to_datetime(frame["delivery_date"]).dt.date,
    )
    if "currency" in frame:
        known = frame["currency"].astype(object).where(frame["currency"].notna())
        usual = known.groupby(frame["balancing_group_id"]).transform(lambda values: values.mode().iloc[0] if values.notna().any() else None)
        frame = frame.assign(currency=known.fillna(usual).fillna(NO_CURRENCY))
    return frame


def recent_periods(periods: pd.DataFrame, days: int = DEFAULT_DAYS) -> pd.DataFrame:
    """Settlement periods of each group's most recent `days` delivery days that have settlement."""
    periods = _prepared(periods)
    settled_days = periods.loc[periods["settled_mwh"].notna(), ["balancing_group_id", "delivery_date"]].drop_duplicates()
    recent = settled_days.sort_values("delivery_date").groupby("balancing_group_id").tail(days)
    return periods.merge(recent, on=["balancing_group_id", "delivery_date"])


def last_days(daily: pd.DataFrame, days: int = DEFAULT_DAYS) -> pd.DataFrame:
    """Each group's last `days` delivery days of `fct_imbalance_daily`, oldest first (money as Decimal)."""
    if _is_empty(daily):
        return pd.DataFrame(columns=["balancing_group_id", "currency", *TABLE_COLUMNS])
    daily = _prepared(daily).sort_values(["balancing_group_id", "delivery_date"])
    recent = daily.groupby("balancing_group_id").tail(days)
    return recent.assign(imbalance_cost=recent["imbalance_cost"].map(_decimal)).reset_index(drop=True)


def cost_totals(daily: pd.DataFrame, since: dt.date | None = None) -> dict[str, Decimal]:
    """Σ imbalance cost per currency over the priced periods of every day (from `since` on, if given)."""
    if _is_empty(daily):
        return {}
    daily = _prepared(daily)
    if since is not None:
        daily = daily[daily["delivery_date"] >= since]
    totals: dict[str, Decimal] = {}
    for currency, cost in zip(daily["currency"], daily["imbalance_cost"].map(_decimal)):
        if cost is not None:
            totals[currency] = totals.get(currency, Decimal("0.00")) + cost
    return dict(sorted(totals.items()))


def cost_totals_markdown(totals: dict[str, Decimal]) -> str:
    """Markdown: the imbalance cost total per currency (from `cost_totals`)."""
    if not totals:
        return "(no priced period yet)"
    lines = ["| currency | imbalance cost, all days (+ paid / − received) |", "|---|---:|"]
    return "\n".join(lines + [f"| {currency} | {money(total, currency)} |" for currency, total in totals.items()])


def _table(rows: pd.DataFrame) -> pd.DataFrame:
    """The last days' figures as display strings."""
    shown = pd.DataFrame(
        {
            "delivery date": rows["delivery_date"].astype(str),
            "periods": rows["settlement_periods_count"].map(lambda value: fixed(value, 0)),
            **{TABLE_COLUMNS[column]: rows[column].map(lambda value: fixed(value, 3)) for column in ("settled_mwh", "nominated_mwh", "forecast_mwh", "net_imbalance_mwh")},
            "imbalance cost": [money(cost, currency) for cost, currency in zip(rows["imbalance_cost"], rows["currency"])],
            "forecast deviation %": rows["forecast_deviation_pct"].map(lambda value: fixed(value, 2)),
            "periods without price": rows["periods_without_price_count"].map(lambda value: fixed(value, 0)),
        }
    )
    return shown


def last_days_markdown(daily: pd.DataFrame, days: int = DEFAULT_DAYS) -> str:
    """Markdown: per group and day of the last `days`, net imbalance, cost and % deviation."""
    rows = last_days(daily, days)
    if rows.empty:
        return "(no imbalance settlement yet)"
    lines = ["| balancing group | delivery date | net imbalance MWh | imbalance cost | forecast deviation % |", "|---|---|---:|---:|---:|"]
    for row in rows.itertuples(index=False):
        lines.append(
            f"| {row.balancing_group_id} | {row.delivery_date} | {fixed(row.net_imbalance_mwh, 3)} "
            f"| {money(row.imbalance_cost, row.currency)} | {fixed(row.forecast_deviation_pct, 2)} |"
        )
    return "\n".join(lines)


def _notes(periods: pd.DataFrame, daily: pd.DataFrame) -> str:
    notes = []
    if not periods.empty:
        nominated = periods.groupby("delivery_date")["nominated_mwh"].apply(lambda values: values.notna().any())
        without = [str(day) for day, has_nomination in nominated.items() if not has_nomination]
        if without:
            notes.append(
                f"No nomination on {', '.join(without)}: settled only (no purchase plan or forecast); "
                "the whole settled volume counts as imbalance."
            )
    if not daily.empty:
        unpriced = daily[pd.to_numeric(daily["periods_without_price_count"], errors="coerce").fillna(0) > 0]
        if not unpriced.empty:
            count = int(pd.to_numeric(unpriced["periods_without_price_count"]).sum())
            notes.append(
                f"{count} out-of-balance period(s) without a published imbalance price on {len(unpriced)} day(s) "
                f"(last {unpriced['delivery_date'].max()}): their cost is not included until the price arrives."
            )
    return "".join(f"<p>{html.escape(note)}</p>" for note in notes)


def _group_section(group: str, periods: pd.DataFrame, daily: pd.DataFrame, days: int) -> tuple[str, str]:
    source = periods if not periods.empty else daily
    market, company = source["market_code"].iloc[0], source["company_id"].iloc[0]
    heading = f"Balancing group {group} — market {market}" + (f", company {company}" if pd.notna(company) else "")
    body = [_notes(periods, daily[daily["delivery_date"] >= periods["delivery_date"].min()] if not periods.empty else daily)]
    if periods.empty:
        body.append("<p>No settlement periods in the last delivery days.</p>")
    else:
        first, last = periods["delivery_date"].min(), periods["delivery_date"].max()
        body.append(charts.nominated_vs_settled_svg(periods, f"{group}: nominated, forecast and settled MWh per period, {first} – {last}"))
    if daily.empty:
        body.append("<p>No daily imbalance figures.</p>")
    else:
        currency = daily["currency"].iloc[0]
        first, last = daily["delivery_date"].min(), daily["delivery_date"].max()
        body.append(charts.daily_imbalance_cost_svg(daily, f"{group}: daily imbalance cost and forecast deviation, {first} – {last}", currency))
        rows = last_days(daily, days)
        body.append(f"<h3>Last {len(rows)} delivery day(s)</h3>")
        body.append(_table(rows).to_html(index=False, escape=True))
    return heading, "\n".join(part for part in body if part)


def _overview(daily: pd.DataFrame, days: int) -> tuple[str, str]:
    first, last = daily["delivery_date"].min(), daily["delivery_date"].max()
    recent_since = last - dt.timedelta(days=days - 1)
    everything, recent = cost_totals(daily), cost_totals(daily, since=recent_since)
    unpriced = pd.to_numeric(daily["periods_without_price_count"], errors="coerce").fillna(0).groupby(daily["currency"]).sum()
    rows = pd.DataFrame(
        {
            "currency": list(everything),
            f"imbalance cost {first} – {last}": [money(everything[currency], currency) for currency in everything],
            f"imbalance cost {recent_since} – {last}": [money(recent.get(currency, Decimal("0.00")), currency) for currency in everything],
            "periods without price": [fixed(unpriced.get(currency, 0), 0) for currency in everything],
        }
    )
    groups = daily["balancing_group_id"].nunique()
    text = (
        f"<p>{groups} balancing group(s), delivery days {first} – {last}. Imbalance = settled − nominated "
        "(short when positive); cost is paid when positive and received when negative; the forecast deviation "
        "is volume-weighted, Σ|forecast − settled| ÷ Σ settled.</p>"
    )
    return "Overview", text + (rows.to_html(index=False, escape=True) if not rows.empty else "<p>No priced period yet.</p>")


def build_report(periods: pd.DataFrame | None, daily: pd.DataFrame | None, days: int = DEFAULT_DAYS) -> str:
    """The HTML report from frames of the two marts (the columns of their `_imbalance.yml`): `days` is how
    many of each group's most recent delivery days with settlement are charted per period and tabled."""
    if _is_empty(periods) and _is_empty(daily):
        message = (
            "<p>No imbalance settlement yet: the marts fct_imbalance_settlement_periods and fct_imbalance_daily "
            "are empty. They fill once the market operator's settlement volumes have been ingested.</p>"
        )
        return charts.html_report(TITLE, [("No data", message)])
    recent = recent_periods(periods, days) if not _is_empty(periods) else pd.DataFrame(columns=["balancing_group_id", "delivery_date"])
    daily = _prepared(daily) if not _is_empty(daily) else pd.DataFrame(columns=["balancing_group_id", "delivery_date", "currency"])
    sections = [_overview(daily, days)] if not daily.empty else []
    for group in sorted(set(recent["balancing_group_id"]) | set(daily["balancing_group_id"])):
        sections.append(
            _group_section(group, recent[recent["balancing_group_id"] == group], daily[daily["balancing_group_id"] == group], days)
        )
    return charts.html_report(TITLE, sections)
