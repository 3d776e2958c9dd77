"""Turn one ENTSO-E Transparency Platform price document (XML) into price rows and rejected entries.

Supported documents
-------------------
* Day-ahead prices: `Publication_MarketDocument`, type A44. TimeSeries carry the bidding zone
  (`in_Domain.mRID`, equal to `out_Domain.mRID`), `currency_Unit.name`, `price_Measure_Unit.name`
  and `curveType`; each Period has a UTC `timeInterval` and a `resolution`; each Point a
  `position` and a `price.amount`.
* Imbalance prices: `Balancing_MarketDocument`, type A85. The area is `area_Domain.mRID`; Points
  carry `imbalance_Price.amount` and optionally `imbalance_Price.category` (on the Point or on
  its TimeSeries). A document that has both A04 (excess balance) and A05 (insufficient balance)
  prices has dual pricing: A04 is the `long` price and A05 the `short` price. Otherwise each
  position has one price, the `single` price, whatever its category says.

Rules
-----
* One row per delivery period: position p of a Period starts at `start + (p - 1) × resolution`
  (UTC, interval-start convention). Prices are `Decimal` exactly as written.
* Curve type A03 ("variable sized block") leaves out positions whose price equals the previous
  one: a left-out position repeats the previous point up to the next point or the end of the
  Period, and its row names that point in `filled_from_position`. Curve type A01 (or none) gives
  every position: a missing one is a gap, reported as a rejected entry and never filled.
* Bad input never raises. A document that is not XML, declares a DOCTYPE or entities, or is not
  a supported price document gives no rows and one rejected entry with the reason. A TimeSeries or
  Period missing what it needs is rejected as a whole (one entry); a bad Point (price not a plain
  decimal, position not in the Period) rejects that Point only, and in an A03 curve also the
  left-out positions that would have repeated it.
* Parsing is done by defusedxml over expat: entity declarations, external references and
  DOCTYPEs are refused before anything is expanded or fetched. Elements are matched on local
  names, so every version of the ENTSO-E namespaces is read alike.
"""

from __future__ import annotations

import logging
import re
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Literal

from defusedxml import DefusedXmlException, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.ElementTree import DefusedXMLParser

logger = logging.getLogger(__name__)

PriceCategory = Literal["single", "long", "short"]

# (root element, document type) -> the Point element holding the price.
SUPPORTED_DOCUMENTS: dict[tuple[str, str], str] = {
    ("Publication_MarketDocument", "A44"): "price.amount",
    ("Balancing_MarketDocument", "A85"): "imbalance_Price.amount",
}
# ENTSO-E bidding zone / market balance area EIC codes of the markets Voltbill supplies.
BIDDING_ZONE_MARKETS: dict[str, str] = {
    "10YRO-TEL------P": "RO",
    "10YCA-BULGARIA-R": "BG",
}
MARKET_BIDDING_ZONES: dict[str, str] = {market: eic for eic, market in BIDDING_ZONE_MARKETS.items()}
FILLED_CURVE_TYPES = frozenset({"A03"})
GAP_CURVE_TYPES = frozenset({"A01", None})
LONG_CATEGORY, SHORT_CATEGORY = "A04", "A05"
REASON_MAX_CHARS = 300

_PLAIN_DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
_POSITION = re.compile(r"\d+")
_RESOLUTION = re.compile(r"PT(?:(\d+)H)?(?:(\d+)M)?")


@dataclass(frozen=True)
class PriceRow:
    """The price of one delivery period of one area."""

    document_type: str
    area_eic: str
    period_start_utc: datetime
    resolution_minutes: int
    price: Decimal
    currency: str
    unit: str
    price_category: PriceCategory
    curve_type: str | None
    position: int
    filled_from_position: int | None
    time_series_id: str | None
    line: int | None = None  # line of the Point the price was read from (for a filled position, the repeated Point)


@dataclass(frozen=True)
class RejectedEntry:
    """Something in the document that could not become a row, and why."""

    source_file: str
    line: int | None
    reason_code: str
    reason: str

    @property
    def message(self) -> str:
        where = self.source_file if self.line is None else f"{self.source_file} line {self.line}"
        return f"{where}: {self.reason}"


@dataclass
class ParseResult:
    """The rows of one document and what was rejected from it."""

    source_file: str
    rows: list[PriceRow] = field(default_factory=list)
    rejected: list[RejectedEntry] = field(default_factory=list)

    def reject(self, line: int | None, reason_code: str, reason: str) -> None:
        self.rejected.append(RejectedEntry(self.source_file, line, reason_code, reason))


class _DocumentRejected(Exception):
    """The whole document is rejected: no rows, one entry."""

    def __init__(self, line: int | None, reason_code: str, reason: str) -> None:
        super().__init__(reason)
        self.line = line
        self.reason_code = reason_code
        self.reason = reason


class _Doctype(DefusedXmlException):
    """The document has a DOCTYPE (without entity declarations, which are refused earlier)."""


def parse_price_document(content: bytes, source_file: str) -> ParseResult:
    """Parse one ENTSO-E A44 or A85 document; never raises for bad input."""
    result = ParseResult(source_file)
    try:
        root, lines = _parse_xml(content)
        _read_document(root, lines, result)
    except _DocumentRejected as rejection:
        result.rows.clear()
        result.rejected[:] = [RejectedEntry(source_file, rejection.line, rejection.reason_code, rejection.reason)]
    except MemoryError:
        raise
    except Exception as error:  # a bug must not stop the other files of the run
        logger.exception("Unexpected error parsing %s", source_file)
        result.rows.clear()
        detail = str(error).splitlines()[0][:REASON_MAX_CHARS] if str(error) else type(error).__name__
        result.rejected[:] = [
            RejectedEntry(source_file, None, "unreadable_document", f"the document could not be read: {detail}")
        ]
    return result


# --- XML -------------------------------------------------------------------------------------


class _LineRecordingBuilder:
    """Tree builder target that remembers the line each element starts on (expat's position)."""

    def __init__(self) -> None:
        self.builder = ElementTree.TreeBuilder()
        self.lines: dict[ElementTree.Element, int] = {}
        self.expat = None

    def start(self, tag: str, attrs: dict[str, str]) -> ElementTree.Element:
        element = self.builder.start(tag, attrs)
        self.lines[element] = self.expat.CurrentLineNumber
        return element

    def end(self, tag: str) -> ElementTree.Element:
        return self.builder.end(tag)

    def data(self, text: str) -> None:
        self.builder.data(text)

    def close(self) -> ElementTree.Element:
        return self.builder.close()


def _parse_xml(content: bytes) -> tuple[ElementTree.Element, dict[ElementTree.Element, int]]:
    """Parse with entities, external references and DOCTYPEs refused; elements keep their line."""
    if not content or not content.strip():
        raise _DocumentRejected(None, "empty_file", "the file is empty")
    target = _LineRecordingBuilder()
    parser = DefusedXMLParser(target=target, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    expat = parser.parser
    target.expat = expat
    expat.EndDoctypeDeclHandler = _refuse_doctype
    try:
        parser.feed(content)
        root = parser.close()
    except (EntitiesForbidden, ExternalReferenceForbidden) as error:
        raise _DocumentRejected(
            expat.CurrentLineNumber,
            "xml_entity_declaration",
            f"the document declares or references an XML entity ({_entity_name(error)}); "
            "entities are refused so that nothing is expanded or fetched",
        ) from None
    except _Doctype:
        raise _DocumentRejected(
            expat.CurrentLineNumber,
            "xml_doctype",
            "the document has a DOCTYPE declaration, which ENTSO-E documents never have; it is refused unread",
        ) from None
    except ElementTree.ParseError as error:
        line = error.position[0] if getattr(error, "position", None) else None
        cut_off = str(error).startswith(("no element found", "unclosed token"))
        what = (
            "the document ends before its elements are closed, so it was probably cut off"
            if cut_off
            else "the document is not well-formed XML"
        )
        raise _DocumentRejected(line, "malformed_xml", f"{what} ({error})") from None
    return root, target.lines


def _refuse_doctype() -> None:
    raise _Doctype()


def _entity_name(error: DefusedXmlException) -> str:
    name = getattr(error, "name", None)
    sysid = getattr(error, "sysid", None)
    described = f"entity '{name}'" if name else "an external reference"
    return f"{described} pointing to {sysid}" if sysid else described


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _child(element: ElementTree.Element, name: str) -> ElementTree.Element | None:
    return next((child for child in element if _local(child.tag) == name), None)


def _children(element: ElementTree.Element, name: str) -> list[ElementTree.Element]:
    return [child for child in element if _local(child.tag) == name]


def _text(element: ElementTree.Element | None, name: str) -> str | None:
    """The stripped text of the first child called `name`; None when absent or empty."""
    if element is None:
        return None
    child = _child(element, name)
    if child is None or child.text is None or not child.text.strip():
        return None
    return child.text.strip()


# --- document and time series ----------------------------------------------------------------


@dataclass(frozen=True)
class _Series:
    """What a TimeSeries says about all its points."""

    document_type: str
    price_element: str
    area_eic: str
    currency: str
    unit: str
    curve_type: str | None
    time_series_id: str | None
    category: str | None


def _read_document(root: ElementTree.Element, lines: dict[ElementTree.Element, int], result: ParseResult) -> None:
    root_name = _local(root.tag)
    if root_name == "Acknowledgement_MarketDocument":
        said = " ".join(text for reason in _children(root, "Reason") if (text := _text(reason, "text")))
        raise _DocumentRejected(
            lines.get(root),
            "acknowledgement_document",
            f"the platform sent an acknowledgement instead of prices: {said[:REASON_MAX_CHARS] or 'no reason given'}",
        )
    document_type = _text(root, "type")
    if document_type is None and root_name in {name for name, _ in SUPPORTED_DOCUMENTS}:
        raise _DocumentRejected(lines.get(root), "missing_element", f"the {root_name} has no <type>")
    price_element = SUPPORTED_DOCUMENTS.get((root_name, document_type or ""))
    if price_element is None:
        supported = " and ".join(f"{name} {kind}" for name, kind in SUPPORTED_DOCUMENTS)
        raise _DocumentRejected(
            lines.get(root),
            "unsupported_document_type",
            f"the document is a {root_name} of type {document_type or '(none)'}; only {supported} are read",
        )
    all_series = _children(root, "TimeSeries")
    if not all_series:
        raise _DocumentRejected(lines.get(root), "missing_element", f"the {root_name} has no <TimeSeries>")
    dual_pricing = _has_dual_pricing(all_series)
    for element in all_series:
        series = _read_series(element, document_type, price_element, lines, result)
        if series is not None:
            for period in _children(element, "Period"):
                _read_period(period, series, dual_pricing, lines, result)


def _has_dual_pricing(all_series: list[ElementTree.Element]) -> bool:
    """Whether the document has both A04 (long) and A05 (short) prices."""
    categories = set()
    for series in all_series:
        categories.add(_text(series, "imbalance_Price.category"))
        for period in _children(series, "Period"):
            categories.update(_text(point, "imbalance_Price.category") for point in _children(period, "Point"))
    return {LONG_CATEGORY, SHORT_CATEGORY} <= categories


def _read_series(
    element: ElementTree.Element,
    document_type: str,
    price_element: str,
    lines: dict[ElementTree.Element, int],
    result: ParseResult,
) -> _Series | None:
    """The series' common attributes, or None (and one rejected entry) when it cannot be read."""
    series_id = _text(element, "mRID")
    label = f"TimeSeries {series_id}" if series_id else "a TimeSeries"
    if document_type == "A44":
        area = _text(element, "in_Domain.mRID")
        out_area = _text(element, "out_Domain.mRID")
        if area and out_area and area != out_area:
            result.reject(
                lines.get(element),
                "inconsistent_domain",
                f"{label} has in_Domain {area} and out_Domain {out_area}; a day-ahead price belongs to one bidding zone",
            )
            return None
        area = area or out_area
        area_names = "in_Domain.mRID"
    else:
        area = _text(element, "area_Domain.mRID")
        area_names = "area_Domain.mRID"
    required = {
        area_names: area,
        "currency_Unit.name": _text(element, "currency_Unit.name"),
        "price_Measure_Unit.name": _text(element, "price_Measure_Unit.name"),
    }
    missing = [name for name, value in required.items() if value is None]
    if not _children(element, "Period"):
        missing.append("Period")
    if missing:
        points = sum(len(_children(period, "Point")) for period in _children(element, "Period"))
        result.reject(
            lines.get(element),
            "missing_element",
            f"{label} has no <{'>, <'.join(missing)}>, so {_points(points)} not read",
        )
        return None
    return _Series(
        document_type=document_type,
        price_element=price_element,
        area_eic=area,
        currency=required["currency_Unit.name"],
        unit=required["price_Measure_Unit.name"],
        curve_type=_text(element, "curveType"),
        time_series_id=series_id,
        category=_text(element, "imbalance_Price.category"),
    )


# --- period and points -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Point:
    position: int
    price: Decimal
    line: int | None


def _read_period(
    period: ElementTree.Element,
    series: _Series,
    dual_pricing: bool,
    lines: dict[ElementTree.Element, int],
    result: ParseResult,
) -> None:
    period_line = lines.get(period)
    label = f"TimeSeries {series.time_series_id}" if series.time_series_id else "a TimeSeries"
    points = _children(period, "Point")
    problem = _period_problem(period, points)
    if isinstance(problem, str):
        result.reject(period_line, "invalid_period", f"a Period of {label} {problem}, so {_points(len(points))} not read")
        return
    start, resolution_minutes, count = problem
    if series.curve_type not in FILLED_CURVE_TYPES | GAP_CURVE_TYPES:
        result.reject(
            period_line,
            "unsupported_curve_type",
            f"{label} has curve type {series.curve_type}; only A01 and A03 are read, so {_points(len(points))} not read",
        )
        return

    by_category: dict[PriceCategory, dict[int, _Point | None]] = {}
    position_unknown = False
    for point in points:
        read = _read_point(point, series, dual_pricing, count, lines, result)
        if read is _POSITION_UNKNOWN:
            position_unknown = True
            continue
        if read is None:
            continue
        category, position, value = read
        group = by_category.setdefault(category, {})
        if position in group:
            first = group[position]
            first_line = f"line {first.line}" if first is not None and first.line else "an earlier point"
            result.reject(
                lines.get(point),
                "duplicate_position",
                f"position {position} of {label} ({category} price) is given twice; the one on {first_line} is kept",
            )
            continue
        group[position] = value  # None: the point was there but rejected

    # Each price category present in the Period must cover every position. A Period (or TimeSeries) that
    # carries one side only is not expected to carry the other: documents put long and short prices in one
    # TimeSeries or in one TimeSeries each. A side missing from the whole document shows downstream as an
    # unpriced settlement period.
    # In an A03 curve a point whose position cannot be read starts a block nobody can place, so no
    # left-out position of the Period can be filled with confidence.
    fill_blocked = (
        "a point of this Period has an unreadable position, so the block they belong to is unknown"
        if position_unknown
        else None
    )
    for category, group in by_category.items():
        _emit_period(group, category, series, start, resolution_minutes, count, period_line, label, fill_blocked, result)


def _period_problem(period: ElementTree.Element, points: list[ElementTree.Element]) -> str | tuple[datetime, int, int]:
    """(start, resolution in minutes, number of positions), or what is wrong with the Period."""
    interval = _child(period, "timeInterval")
    start_text, end_text = _text(interval, "start"), _text(interval, "end")
    resolution_text = _text(period, "resolution")
    if start_text is None or end_text is None:
        return "has no <timeInterval> with <start> and <end>"
    if resolution_text is None:
        return "has no <resolution>"
    start, end = _utc_instant(start_text), _utc_instant(end_text)
    if start is None or end is None:
        return f"has a time interval {start_text}/{end_text} that is not two UTC instants"
    if end <= start:
        return f"ends ({end_text}) before it starts ({start_text})"
    minutes = _resolution_minutes(resolution_text)
    if minutes is None:
        return f"has resolution {resolution_text}; only whole minutes or hours (PT15M, PT60M, ...) are read"
    span = end - start
    if span % timedelta(minutes=minutes):
        return f"covers {start_text} to {end_text}, which is not a whole number of {resolution_text} intervals"
    if not points:
        return "has no <Point>"
    return start, minutes, span // timedelta(minutes=minutes)


def _utc_instant(text: str) -> datetime | None:
    """An instant with a UTC offset (ENTSO-E writes `2026-10-24T21:00Z`); None for anything else."""
    try:
        instant = datetime.fromisoformat(text)
    except ValueError:
        return None
    if instant.tzinfo is None:
        return None
    return instant.astimezone(timezone.utc)


def _resolution_minutes(text: str) -> int | None:
    match = _RESOLUTION.fullmatch(text)
    if match is None or not any(match.groups()):
        return None
    minutes = int(match.group(1) or 0) * 60 + int(match.group(2) or 0)
    return minutes or None


_POSITION_UNKNOWN = object()


def _read_point(
    point: ElementTree.Element,
    series: _Series,
    dual_pricing: bool,
    count: int,
    lines: dict[ElementTree.Element, int],
    result: ParseResult,
) -> tuple[PriceCategory, int, _Point | None] | object | None:
    """(category, position, point), point None when its price is rejected; `_POSITION_UNKNOWN` when
    the position cannot be read; None when the point belongs to no price category."""
    line = lines.get(point)
    label = f"TimeSeries {series.time_series_id}" if series.time_series_id else "a TimeSeries"
    position_text = _text(point, "position")
    if position_text is None:
        result.reject(line, "missing_element", f"a Point of {label} has no <position>")
        return _POSITION_UNKNOWN
    if not _POSITION.fullmatch(position_text) or not 1 <= int(position_text) <= count:
        result.reject(
            line, "position_out_of_range", f"position '{position_text[:40]}' of {label} is not a whole number from 1 to {count}"
        )
        return _POSITION_UNKNOWN
    position = int(position_text)
    category = _category(_text(point, "imbalance_Price.category") or series.category, dual_pricing)
    if category is None:
        code = _text(point, "imbalance_Price.category") or series.category
        result.reject(
            line,
            "unknown_price_category",
            f"position {position} of {label} has price category '{code[:40]}'; only A04 and A05 are known",
        )
        return None
    price_text = _text(point, series.price_element)
    if price_text is None:
        result.reject(line, "missing_element", f"position {position} of {label} has no <{series.price_element}>")
        return category, position, None
    if not _PLAIN_DECIMAL.fullmatch(price_text):
        result.reject(
            line, "invalid_price", f"the price '{price_text[:40]}' at position {position} of {label} is not a decimal number"
        )
        return category, position, None
    return category, position, _Point(position, Decimal(price_text), line)


def _category(code: str | None, dual_pricing: bool) -> PriceCategory | None:
    if code is None:
        return "single"
    if code not in (LONG_CATEGORY, SHORT_CATEGORY):
        return None
    if not dual_pricing:
        return "single"
    return "long" if code == LONG_CATEGORY else "short"


def _emit_period(
    group: dict[int, _Point | None],
    category: PriceCategory,
    series: _Series,
    start: datetime,
    resolution_minutes: int,
    count: int,
    period_line: int | None,
    label: str,
    fill_blocked: str | None,
    result: ParseResult,
) -> None:
    """Rows for positions 1..count of one price category: given, filled (A03), or rejected as gaps."""
    fills = series.curve_type in FILLED_CURVE_TYPES
    previous: int | None = None  # the last position given in the document (good or rejected)
    gaps: list[int] = []
    unfillable: dict[int, list[int]] = {}  # rejected point's position -> left-out positions after it
    for position in range(1, count + 1):
        if position in group:
            previous = position
            point = group[position]
            if point is not None:
                result.rows.append(_row(series, category, start, resolution_minutes, position, point.price, None, point.line))
        elif not fills or previous is None:
            gaps.append(position)
        elif fill_blocked is None and (source := group[previous]) is not None:
            result.rows.append(
                _row(series, category, start, resolution_minutes, position, source.price, source.position, source.line)
            )
        else:
            unfillable.setdefault(previous, []).append(position)

    suffix = "" if category == "single" else f" ({category} price)"
    if gaps:
        why = (
            "curve type A03 has no earlier point to repeat"
            if fills
            else f"curve type {series.curve_type or 'A01'} gives every position"
        )
        result.reject(
            period_line,
            "missing_position",
            f"{label}{suffix} has no price for position{_plural(gaps)} {_ranges(gaps)} of {count} ({why})",
        )
    if fill_blocked is not None and unfillable:
        left_out = sorted(position for positions in unfillable.values() for position in positions)
        result.reject(
            period_line,
            "unfillable_position",
            f"{label}{suffix} leaves out position{_plural(left_out)} {_ranges(left_out)}, which cannot be filled: {fill_blocked}",
        )
        return
    for rejected_position, left_out in unfillable.items():
        result.reject(
            period_line,
            "unfillable_position",
            f"{label}{suffix} leaves out position{_plural(left_out)} {_ranges(left_out)}, which would repeat position "
            f"{rejected_position}, but that point was rejected",
        )


def _row(
    series: _Series,
    category: PriceCategory,
    start: datetime,
    resolution_minutes: int,
    position: int,
    price: Decimal,
    filled_from: int | None,
    line: int | None,
) -> PriceRow:
    """The row of `position` of a Period that starts at `start` (interval-start convention)."""
    return PriceRow(
        document_type=series.document_type,
        area_eic=series.area_eic,
        period_start_utc=start + (position - 1) * timedelta(minutes=resolution_minutes),
        resolution_minutes=resolution_minutes,
        price=price,
        currency=series.currency,
        unit=series.unit,
        price_category=category,
        curve_type=series.curve_type,
        position=position,
        filled_from_position=filled_from,
        time_series_id=series.time_series_id,
        line=line,
    )


def _points(count: int) -> str:
    return "its point was" if count == 1 else f"its {count} points were"


def _plural(positions: list[int]) -> str:
    return "s" if len(positions) > 1 else ""


def _ranges(positions: list[int]) -> str:
    """`[1, 2, 3, 7]` -> `1-3, 7`."""
    parts: list[str] = []
    first = last = positions[0]
    for position in positions[1:]:
        if position == last + 1:
            last = position
            continue
        parts.append(str(first) if first == last else f"{first}-{last}")
        first = last = position
    parts.append(str(first) if first == last else f"{first}-{last}")
    return ", ".join(parts)
