"""A small SVG bar chart of daily consumption for the invoice annex (vector, so it prints sharp).

Drawn as plain SVG text (WeasyPrint renders inline SVG): one bar per day of the period, weekends in
a lighter tone, a labelled y axis with round steps, the day of month under the 1st, every 5th and the last day
(SVG text is the costly part of rendering a chart in WeasyPrint). Heights are
proportional to kWh; the chart shows what the data says and an empty period gives no chart.
"""

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from xml.sax.saxutils import escape

WIDTH = 520.0
HEIGHT = 150.0
LEFT = 44.0
BOTTOM = 18.0
TOP = 8.0


def _nice_step(maximum: float, ticks: int = 4) -> float:
    raw = maximum / ticks if maximum > 0 else 1.0
    magnitude = 10 ** (len(str(int(raw))) - 1) if raw >= 1 else 1.0
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude


def daily_bars_svg(days: Sequence[tuple[date, Decimal]], axis_label: str, format_tick) -> str:
    """SVG markup of one bar per (day, kWh); `format_tick(value)` formats y-axis values per locale."""
    if not days:
        return ""
    values = [float(kwh) for _, kwh in days]
    step = _nice_step(max(max(values), 0.0))
    top_value = step * max(1, -(-max(max(values), 0.0) // step))
    plot_width = WIDTH - LEFT - 4
    plot_height = HEIGHT - TOP - BOTTOM
    slot = plot_width / len(days)
    bar = max(slot * 0.72, 0.5)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH:.0f}" height="{HEIGHT:.0f}" '
        f'viewBox="0 0 {WIDTH:.0f} {HEIGHT:.0f}" role="img" aria-label="{escape(axis_label)}">'
    ]
    tick = 0.0
    while tick <= top_value + 1e-9:
        y = TOP + plot_height * (1 - tick / top_value)
        parts.append(f'<line x1="{LEFT:.1f}" y1="{y:.1f}" x2="{WIDTH - 4:.1f}" y2="{y:.1f}" stroke="#d9dde3" stroke-width="0.5"/>')
        parts.append(
            f'<text x="{LEFT - 4:.1f}" y="{y + 3:.1f}" font-size="7" text-anchor="end" fill="#555">{escape(format_tick(tick))}</text>'
        )
        tick += step
    for index, ((day, _), value) in enumerate(zip(days, values, strict=True)):
        height = plot_height * max(value, 0.0) / top_value
        x = LEFT + index * slot + (slot - bar) / 2
        y = TOP + plot_height - height
        colour = "#8fb3d9" if day.weekday() >= 5 else "#2f6fae"
        parts.append(f'<rect x="{x:.2f}" y="{y:.2f}" width="{bar:.2f}" height="{height:.2f}" fill="{colour}"/>')
        if day.day == 1 or day.day % 5 == 0 or index == len(days) - 1:
            parts.append(
                f'<text x="{x + bar / 2:.2f}" y="{HEIGHT - BOTTOM + 10:.1f}" font-size="6" text-anchor="middle" fill="#555">{day.day}</text>'
            )
    parts.append(
        f'<line x1="{LEFT:.1f}" y1="{TOP + plot_height:.1f}" x2="{WIDTH - 4:.1f}" y2="{TOP + plot_height:.1f}" stroke="#555" stroke-width="0.7"/>'
    )
    parts.append("</svg>")
    return "".join(parts)
