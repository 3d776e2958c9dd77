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
