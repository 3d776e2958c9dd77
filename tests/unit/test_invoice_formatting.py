"""Locale formatting of invoice figures, the label sets, the template in every language, and the daily chart.

Expected strings are written by hand from the locales' conventions: en_GB "12,345.67" and the currency
code in front, ro_RO "12.345,67 RON", bg_BG a (non-breaking) space between thousands, "12 345,67 €".
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import jinja2
import pytest

from invoice_rendering import formatting
from invoice_rendering.chart import daily_bars_svg
from invoice_rendering.invoice_view import INVOICE_TYPES, LANGUAGES
from invoice_rendering.labels import LABELS
from invoice_rendering.pdf import INVOICE_TEMPLATE, TEMPLATES_DIR, InvoiceRenderer
from tests import invoice_samples as samples

D = Decimal
SVG = "{http://www.w3.org/2000/svg}"


def _plain(text: str) -> str:
    """Non-breaking spaces (U+00A0, U+202F) as plain spaces, to compare with hand-written strings."""
    return text.replace("\xa0", " ").replace("\u202f", " ")


# --- numbers, amounts, dates ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "minimum", "en", "ro", "bg"),
    [
        ("12345.678", 0, "12,345.678", "12.345,678", "12 345,678"),
        ("6.1728", 0, "6.1728", "6,1728", "6,1728"),
        ("12.346", 0, "12.346", "12,346", "12,346"),
        ("0.185432", 2, "0.185432", "0,185432", "0,185432"),  # a unit price keeps its 6 decimals
        ("0.000001", 0, "0.000001", "0,000001", "0,000001"),
        ("0.6512", 2, "0.6512", "0,6512", "0,6512"),
        ("145.500000", 2, "145.50", "145,50", "145,50"),  # trailing zeros beyond the minimum dropped
        ("2.85", 2, "2.85", "2,85", "2,85"),
        ("350", 0, "350", "350", "350"),
        ("1", 0, "1", "1", "1"),
        ("21", 0, "21", "21", "21"),
        ("-412.500", 0, "-412.5", "-412,5", "-412,5"),
        ("1234567.1234567", 0, "1,234,567.1234567", "1.234.567,1234567", "1 234 567,1234567"),
    ],
)
def test_number_keeps_its_decimals(value, minimum, en, ro, bg):
    assert formatting.number(D(value), "en", minimum) == en
    assert formatting.number(D(value), "ro", minimum) == ro
    assert _plain(formatting.number(D(value), "bg", minimum)) == bg


@pytest.mark.parametrize(
    ("value", "en", "ro", "bg"),
    [
        ("8039.51", "8,039.51", "8.039,51", "8 039,51"),
        ("0", "0.00", "0,00", "0,00"),
        ("35.19", "35.19", "35,19", "35,19"),
        ("-39.19", "-39.19", "-39,19", "-39,19"),
        ("1234.5", "1,234.50", "1.234,50", "1 234,50"),
        ("11226.94", "11,226.94", "11.226,94", "11 226,94"),
    ],
)
def test_amount_has_two_decimals(value, en, ro, bg):
    assert formatting.amount(D(value), "en") == en
    assert formatting.amount(D(value), "ro") == ro
    assert _plain(formatting.amount(D(value), "bg")) == bg


@pytest.mark.parametrize(
    ("value", "currency", "language", "expected"),
    [
        ("12409.79", "RON", "ro", "12.409,79 RON"),
        ("13619.79", "RON", "ro", "13.619,79 RON"),
        ("-1210.00", "RON", "ro", "-1.210,00 RON"),
        ("15.39", "RON", "ro", "15,39 RON"),
        ("53.76", "EUR", "bg", "53,76 €"),
        ("1234567.5", "EUR", "bg", "1 234 567,50 €"),
        ("12409.79", "RON", "en", "RON12,409.79"),
        ("-47.42", "RON", "en", "-RON47.42"),
        ("53.76", "EUR", "en", "€53.76"),
        ("677.6", "RON", "en", "RON677.60"),
    ],
)
def test_money(value, currency, language, expected):
    formatted = formatting.money(D(value), currency, language)
    assert _plain(formatted) == expected
    # amount and currency never split across lines: no breaking space inside a money figure
    assert " " not in formatted


@pytest.mark.parametrize(
    ("day", "language", "short", "long"),
    [
        (date(2026, 4, 20), "en", "20/04/2026", "20 April 2026"),
        (date(2026, 4, 20), "ro", "20.04.2026", "20 aprilie 2026"),
        (date(2026, 4, 20), "bg", "20.04.2026", "20 април 2026 г."),
        (date(2026, 2, 5), "en", "05/02/2026", "5 February 2026"),
        (date(2026, 2, 5), "ro", "05.02.2026", "5 februarie 2026"),
        (date(2026, 2, 19), "bg", "19.02.2026", "19 февруари 2026 г."),
        (date(2026, 12, 31), "ro", "31.12.2026", "31 decembrie 2026"),
    ],
)
def test_dates(day, language, short, long):
    assert formatting.day(day, language) == short
    assert _plain(formatting.long_day(day, language)) == long


def test_percent():
    assert formatting.percent(D("21"), "ro") == "21 %"
    assert formatting.percent(D("20.5"), "ro") == "20,5 %"
    assert formatting.percent(D("20.5"), "en") == "20.5 %"


@pytest.mark.parametrize(
    ("iban", "expected"),
    [
        ("RO22BTRLRONCRT0V8B240001", "RO22 BTRL RONC RT0V 8B24 0001"),
        ("BG43UNCR700015V8B24001", "BG43 UNCR 7000 15V8 B240 01"),
        ("RO22 BTRL RONC RT0V 8B24 0001", "RO22 BTRL RONC RT0V 8B24 0001"),
    ],
)
def test_iban_in_groups_of_four(iban, expected):
    assert formatting.iban_groups(iban) == expected


def test_unknown_language_is_an_error():
    with pytest.raises(ValueError, match="de"):
        formatting.number(D("1"), "de")
    with pytest.raises(ValueError):
        formatting.money(D("1"), "EUR", "fr")


# --- labels and template -----------------------------------------------------------------------------


def test_label_sets_are_complete():
    assert set(LABELS) == set(LANGUAGES)
    reference = set(LABELS["en"])
    for language, labels in LABELS.items():
        assert set(labels) == reference, language
        assert all(isinstance(text, str) and text.strip() for text in labels.values()), language
    for invoice_type in INVOICE_TYPES:
        assert f"doc_{invoice_type}" in reference
    for consumption_type in ("estimated", "ordered", "achieved", "recalculated"):
        assert f"ct_{consumption_type}" in reference


def test_languages_have_their_own_texts():
    for key in ("total_with_vat", "amount_due", "amount_to_refund", "doc_credit_note", "pay_by"):
        assert len({LABELS[language][key] for language in LANGUAGES}) == len(LANGUAGES), key


def test_every_label_the_template_uses_exists():
    source = (TEMPLATES_DIR / INVOICE_TEMPLATE).read_text(encoding="utf-8")
    used = set(re.findall(r"\bt\.([a-z_]+)", source))
    assert {"total_with_vat", "amount_due", "amount_to_refund", "payment"} <= used
    for language in LANGUAGES:
        assert used <= set(LABELS[language]), (language, used - set(LABELS[language]))


@pytest.fixture(scope="module")
def renderer() -> InvoiceRenderer:
    return InvoiceRenderer()


def test_template_environment_is_strict(renderer):
    assert renderer.environment.undefined is jinja2.StrictUndefined
    with pytest.raises(jinja2.UndefinedError):
        renderer.environment.from_string("{{ t.no_such_label }}").render(t=LABELS["en"])


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("view", samples.all_samples(), ids=lambda view: view.invoice_number)
def test_template_renders_in_every_language(renderer, view, language):
    translated = replace(view, language=language)
    html = renderer.html(translated)  # StrictUndefined: a missing variable or label raises here
    labels = LABELS[language]
    assert f'<html lang="{language}">' in html
    assert labels[f"doc_{view.invoice_type}"] in html
    assert labels["total_with_vat"] in html
    assert labels["amount_to_refund" if view.amount_due < 0 else "amount_due"] in html
    assert view.invoice_number in html
    for other in LANGUAGES:
        if other != language and LABELS[other]["total_with_vat"] != labels["total_with_vat"]:
            assert LABELS[other]["total_with_vat"] not in html, other


def test_html_embeds_one_chart_per_metering_point_with_one_bar_per_day(renderer):
    view = samples.ro_regularisation()
    html = renderer.html(view)
    charts = re.findall(r"<svg.*?</svg>", html, flags=re.S)
    assert len(charts) == 2  # two metering points with daily data
    for chart in charts:
        assert len(ET.fromstring(chart).findall(f"{SVG}rect")) == 31  # March


# --- chart -------------------------------------------------------------------------------------------


def _bars(svg: str) -> list[dict[str, float]]:
    root = ET.fromstring(svg)
    return [{key: float(rect.get(key)) for key in ("x", "y", "width", "height")} for rect in root.iter(f"{SVG}rect")]


def _day_labels(svg: str) -> list[str]:
    root = ET.fromstring(svg)
    return [text.text for text in root.iter(f"{SVG}text") if text.get("text-anchor") == "middle"]


def test_chart_has_one_bar_per_day_with_height_proportional_to_kwh():
    start = date(2026, 4, 1)
    kwh = ["10", "20", "35.5", "0", "7.25", "100", "50.002"]
    days = [(start + timedelta(days=index), D(value)) for index, value in enumerate(kwh)]
    svg = daily_bars_svg(days, "Daily consumption (kWh)", str)
    bars = _bars(svg)
    assert len(bars) == len(days)
    # day-of-month labels under the 1st, every 5th and the last bar (the days here start on the 1st)
    assert _day_labels(svg) == [str(d) for d in range(1, len(days) + 1) if d == 1 or d % 5 == 0 or d == len(days)]
    per_kwh = [bar["height"] / float(value) for bar, value in zip(bars, kwh) if D(value) != 0]
    for ratio in per_kwh:
        assert ratio == pytest.approx(per_kwh[0], rel=0.01)
    assert bars[3]["height"] == 0
    # the highest bar is drawn to scale, not clipped, and every bar stands on the same base line
    assert bars[5]["height"] / bars[0]["height"] == pytest.approx(10, rel=0.01)
    bases = {round(bar["y"] + bar["height"], 1) for bar in bars}
    assert len(bases) == 1
    assert all(bar["y"] >= 0 for bar in bars)
    # bars left to right in date order, without overlapping
    for left, right in zip(bars, bars[1:]):
        assert left["x"] + left["width"] <= right["x"]


def test_chart_of_a_sample_period():
    view = samples.ro_refund_regularisation()
    days = [(item.day, item.energy_kwh) for item in sorted(view.daily_consumption, key=lambda item: item.day)]
    svg = daily_bars_svg(days, "Daily consumption (kWh)", str)
    bars = _bars(svg)
    assert len(bars) == 30  # April 2026
    # weekdays 26 kWh, weekends 26 × 0.7 = 18.2 kWh: Saturday 4 April vs Friday 3 April
    assert bars[3]["height"] / bars[2]["height"] == pytest.approx(18.2 / 26, rel=0.01)
    # the chart text is well-formed SVG even with markup characters in the label
    assert ET.fromstring(daily_bars_svg(days, "kWh <daily> & more", str)).get("aria-label") == "kWh <daily> & more"


def test_chart_axis_covers_the_highest_day():
    start = date(2026, 3, 1)
    days = [(start + timedelta(days=index), D(value)) for index, value in enumerate(["280", "196", "281.5"])]
    svg = daily_bars_svg(days, "kWh", lambda value: f"{value:g}")
    ticks = [float(text.text) for text in ET.fromstring(svg).iter(f"{SVG}text") if text.get("text-anchor") == "end"]
    assert ticks[0] == 0
    assert max(ticks) >= 281.5


def test_empty_chart():
    assert daily_bars_svg([], "Daily consumption (kWh)", str) == ""
