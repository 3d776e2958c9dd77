"""Charts a trader opens: forecast vs actual with the P10–P90 band, and error by hour of day.

Matplotlib renders each chart to SVG text; `html_report` wraps charts and tables into one
self-contained HTML file (no server, no scripts) that opens from disk or goes by e-mail.
"""

from __future__ import annotations

import html
import io

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)
import matplotlib.dates as mdates  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402


def _svg(figure) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight")
    plt.close(figure)
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def forecast_vs_actual_svg(frame: pd.DataFrame, title: str, unit: str = "kWh") -> str:
    """`frame`: period_start_local, p10, p50, p90 and optionally actual, one row per period."""
    frame = frame.sort_values("period_start_local")
    figure, axes = plt.subplots(figsize=(10, 3.6))
    x = pd.to_datetime(frame["period_start_local"])
    axes.fill_between(x, frame["p10"], frame["p90"], step="post", alpha=0.25, label="P10–P90")
    axes.step(x, frame["p50"], where="post", label="forecast P50")
    if "actual" in frame and frame["actual"].notna().any():
        axes.step(x, frame["actual"], where="post", color="black", linewidth=1, label="actual")
    axes.set_title(title)
    axes.set_ylabel(unit)
    axes.legend(loc="upper left", fontsize="small")
    axes.grid(alpha=0.3)
    figure.autofmt_xdate()
    return _svg(figure)


def error_by_hour_svg(predictions: pd.DataFrame, title: str, unit: str = "kWh") -> str:
    """`predictions`: local_hour, actual, p50. Mean absolute error and bias per local hour."""
    table = error_by_hour(predictions)
    figure, axes = plt.subplots(figsize=(10, 3.2))
    axes.bar(table.index, table["mae"], label="mean absolute error")
    axes.plot(table.index, table["bias"], color="black", marker="o", linewidth=1, label="bias (actual − forecast)")
    axes.axhline(0, color="grey", linewidth=0.5)
    axes.set_xticks(range(24))
    axes.set_xlabel("local hour")
    axes.set_ylabel(unit)
    axes.set_title(title)
    axes.legend(fontsize="small")
    return _svg(figure)


def error_by_hour(predictions: pd.DataFrame) -> pd.DataFrame:
    """Per local hour: mean absolute error, bias (actual − forecast) and WAPE %."""
    known = predictions.dropna(subset=["actual", "p50"])
    error = known["actual"] - known["p50"]
    grouped = pd.DataFrame({"hour": known["local_hour"], "abs": error.abs(), "error": error, "actual": known["actual"].abs()}).groupby("hour")
    table = pd.DataFrame({"mae": grouped["abs"].mean(), "bias": grouped["error"].mean()})
    total = grouped["actual"].sum()
    table["wape_pct"] = np.where(total > 0, grouped["abs"].sum() / total.where(total > 0) * 100, np.nan)
    return table.reindex(range(24))


def html_report(title: str, sections: list[tuple[str, str]]) -> str:
    """One HTML page: a title and (heading, body HTML) sections; charts are inline SVG."""
    body = "\n".join(f"<section><h2>{html.escape(heading)}</h2>\n{content}</section>" for heading, content in sections)
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<meta name='viewport' content='width=device-width, initial-scale=1'><title>{html.escape(title)}</title>"
        "<style>body{font-family:sans-serif;margin:1.5rem;max-width:72rem}svg{max-width:100%;height:auto}"
        "table{border-collapse:collapse;font-size:.9rem}td,th{border:1px solid #ccc;padding:.2rem .5rem;text-align:right}"
        "th:first-child,td:first-child{text-align:left}</style></head><body>"
        f"<h1>{html.escape(title)}</h1>\n{body}\n</body></html>"
    )


def _floats(values) -> pd.Series:
    """Numbers (floats, Decimals or None) as floats for plotting, NaN where missing."""
    return pd.to_numeric(pd.Series(values), errors="coerce").astype(float)


def _period_steps(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Settlement periods on a continuous UTC axis (so the repeated local hour of a 25-hour day is not
    drawn over itself), with a closing point at the end of each run of contiguous periods and a gap
    (NaN) before the next run, so step lines and shading end where the last period ends."""
    frame = frame.sort_values("period_start_utc")
    start = pd.to_datetime(frame["period_start_utc"], utc=True).dt.tz_convert(None).reset_index(drop=True)
    local = pd.to_datetime(frame["period_start_local"]).reset_index(drop=True)
    if "period_minutes" in frame:
        minutes = _floats(frame["period_minutes"].to_numpy()).fillna(15)
    else:
        minutes = pd.Series(15.0, index=start.index)
    end = start + pd.to_timedelta(minutes.to_numpy(), unit="min")
    values = pd.DataFrame({column: _floats(frame[column].to_numpy()) for column in columns})
    steps = values.assign(x=start, local=local)
    breaks = end[end.ne(start.shift(-1))].index
    closing = values.loc[breaks].assign(x=end[breaks], local=local[breaks] + (end[breaks] - start[breaks]))
    gaps = closing.assign(**{column: np.nan for column in columns})
    steps = pd.concat([steps.assign(order=0), closing.assign(order=1), gaps.assign(order=2)])
    return steps.sort_values(["x", "order"], kind="stable").drop(columns="order").reset_index(drop=True)


def _local_time_ticks(axes, steps: pd.DataFrame) -> None:
    """Ticks at whole local hours, labelled with the local wall-clock time of that instant."""
    span_hours = (steps["x"].max() - steps["x"].min()) / pd.Timedelta(hours=1)
    every = 3 if span_hours <= 26 else 6 if span_hours <= 74 else 12 if span_hours <= 98 else 24
    marks = steps[(steps["local"].dt.minute == 0) & (steps["local"].dt.hour % every == 0)].drop_duplicates("x")
    labels = [f"{stamp:%a %d %b}" if every == 24 else f"{stamp:%d %b %H:%M}" for stamp in marks["local"]]
    axes.set_xticks(list(marks["x"]), labels)
    axes.set_xlabel("local time of the market")


def nominated_vs_settled_svg(frame: pd.DataFrame, title: str, unit: str = "MWh") -> str:
    """`frame`: period_start_utc, period_start_local, nominated_mwh, forecast_mwh, settled_mwh and optionally
    period_minutes and imbalance_mwh, one row per settlement period. Step lines of the three volumes; the
    imbalance (settled − nominated, a missing nomination counting as 0) shaded between nomination and
    settlement, short (deficit) and long (surplus) in their own colours."""
    steps = _period_steps(frame, ["nominated_mwh", "forecast_mwh", "settled_mwh"] + (["imbalance_mwh"] if "imbalance_mwh" in frame else []))
    figure, axes = plt.subplots(figsize=(10, 3.6))
    settled = steps["settled_mwh"]
    baseline = settled - steps["imbalance_mwh"] if "imbalance_mwh" in steps else steps["nominated_mwh"].fillna(0).where(settled.notna())
    axes.fill_between(steps["x"], baseline, np.fmax(settled, baseline), step="post", color="tab:red", alpha=0.25, linewidth=0, label="short (settled > nominated)")
    axes.fill_between(steps["x"], np.fmin(settled, baseline), baseline, step="post", color="tab:green", alpha=0.25, linewidth=0, label="long (settled < nominated)")
    if steps["nominated_mwh"].notna().any():
        axes.step(steps["x"], steps["nominated_mwh"], where="post", color="tab:blue", label="nominated")
    if steps["forecast_mwh"].notna().any():
        axes.step(steps["x"], steps["forecast_mwh"], where="post", color="tab:orange", linestyle="--", linewidth=1, label="forecast P50")
    axes.step(steps["x"], settled, where="post", color="black", linewidth=1, label="settled")
    _local_time_ticks(axes, steps)
    axes.set_title(title)
    axes.set_ylabel(unit)
    axes.legend(loc="best", fontsize="small")
    axes.grid(alpha=0.3)
    figure.autofmt_xdate()
    return _svg(figure)


def daily_imbalance_cost_svg(frame: pd.DataFrame, title: str, currency: str) -> str:
    """`frame`: delivery_date, imbalance_cost, forecast_deviation_pct and optionally
    periods_without_price_count, one row per day. Bars of the day's imbalance cost (positive is paid,
    negative received), a cross on days with unpriced periods, and the volume-weighted % deviation of
    the forecast from settlement on a second axis."""
    frame = frame.sort_values("delivery_date")
    x = pd.to_datetime(frame["delivery_date"]).reset_index(drop=True)
    cost = _floats(frame["imbalance_cost"].to_numpy())
    deviation = _floats(frame["forecast_deviation_pct"].to_numpy())
    unpriced = _floats(frame["periods_without_price_count"].to_numpy()).fillna(0) > 0 if "periods_without_price_count" in frame else cost.isna()
    figure, axes = plt.subplots(figsize=(10, 3.6))
    colours = np.where(cost.fillna(0) >= 0, "tab:red", "tab:green")
    axes.bar(x, cost.fillna(0), width=0.8, color=colours)
    paid = Patch(color="tab:red", label=f"imbalance cost paid, {currency}")
    received = Patch(color="tab:green", label=f"imbalance revenue received, {currency}")
    if (unpriced | cost.isna()).any():
        missing = unpriced | cost.isna()
        axes.plot(x[missing], [0] * int(missing.sum()), linestyle="none", marker="x", color="black", label="periods without price")
    axes.axhline(0, color="grey", linewidth=0.5)
    if len(x) <= 14:
        axes.set_xticks(list(x), [f"{day:%d %b}" for day in x])
    else:
        axes.xaxis.set_major_locator(mdates.AutoDateLocator(minticks=4, maxticks=12))
        axes.xaxis.set_major_formatter(mdates.DateFormatter("%d %b %Y"))
    axes.set_ylabel(currency)
    axes.set_title(title)
    axes.grid(alpha=0.3)
    handles, labels = axes.get_legend_handles_labels()
    handles, labels = [paid, received, *handles], [paid.get_label(), received.get_label(), *labels]
    top = axes
    if deviation.notna().any():
        second = axes.twinx()
        second.plot(x, deviation, color="black", marker="o" if len(x) <= 62 else None, markersize=3, linewidth=1, label="forecast deviation % (volume-weighted)")
        second.set_ylabel("% of settled")
        second.set_ylim(bottom=0)
        more_handles, more_labels = second.get_legend_handles_labels()
        handles, labels = handles + more_handles, labels + more_labels
        top = second
    # beside the chart: bars of any height and the deviation line never run under it
    top.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.08, 1), fontsize="small")
    figure.autofmt_xdate()
    return _svg(figure)
