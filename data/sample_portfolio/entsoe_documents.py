"""ENTSO-E Transparency Platform price documents (XML) as the platform publishes them, and one hostile file.

* Day-ahead prices: `Publication_MarketDocument` type A44, one document per market-month, one
  TimeSeries with one Period per local delivery day (UTC `timeInterval`, resolution PT15M), in
  the market currency of that day. Curve type A01 gives every position; A03 leaves out a
  position whose price equals the previous one (the reader repeats the previous point).
* Imbalance prices: `Balancing_MarketDocument` type A85, one document per market-month, one
  TimeSeries per day with a single price per position (single pricing, curve type A01).
* `hostile_document`: a "billion laughs" A85 document that declares nested entities in a
  DOCTYPE; a safe reader must refuse it unread.

Documents are built as text (every value is a fixed-format string), UTF-8, `\\n` line ends.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

import numpy as np

from data.sample_portfolio.formatting import fixed_point_texts
from data.sample_portfolio.market_prices import day_bounds
from data.sample_portfolio.timegrid import SLOT_SECONDS, MonthGrid
from ingestion.entsoe_xml import MARKET_BIDDING_ZONES

NS_PUBLICATION = "urn:iec62325.351:tc57wg16:451-3:publicationdocument:7:3"
NS_BALANCING = "urn:iec62325.351:tc57wg16:451-6:balancingdocument:4:4"
PLATFORM_EIC = "10X1001A1001A450"  # ENTSO-E Transparency Platform
A03_DAY_SHARE = 0.4
HOSTILE_ENTITY_LINE = 3  # the line of the first entity declaration, where a safe reader stops


@dataclass(frozen=True)
class Document:
    """A written document: its text and the number of price rows a reader gets from it."""

    text: str
    rows: int


def utc_minute(epoch_seconds: int) -> str:
    """ENTSO-E's UTC instant form, `2026-03-28T22:00Z`."""
    return datetime.fromtimestamp(int(epoch_seconds), timezone.utc).strftime("%Y-%m-%dT%H:%MZ")


def _utc_second(epoch_seconds: int) -> str:
    return datetime.fromtimestamp(int(epoch_seconds), timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _interval(start: int, end: int) -> str:
    return f"<start>{utc_minute(start)}</start><end>{utc_minute(end)}</end>"


def _header(
    market_code: str, document_id: str, document_type: str, grid: MonthGrid, slots: np.ndarray, created: int
) -> list[str]:
    start, end = int(grid.utc[slots[0]]), int(grid.utc[slots[-1]]) + SLOT_SECONDS
    lines = [
        f"  <mRID>{document_id}</mRID>",
        "  <revisionNumber>1</revisionNumber>",
        f"  <type>{document_type}</type>",
    ]
    if document_type == "A85":
        lines.append("  <process.processType>A16</process.processType>")
    lines += [
        f'  <sender_MarketParticipant.mRID codingScheme="A01">{PLATFORM_EIC}</sender_MarketParticipant.mRID>',
        "  <sender_MarketParticipant.marketRole.type>A32</sender_MarketParticipant.marketRole.type>",
        f'  <receiver_MarketParticipant.mRID codingScheme="A01">{PLATFORM_EIC}</receiver_MarketParticipant.mRID>',
        "  <receiver_MarketParticipant.marketRole.type>A33</receiver_MarketParticipant.marketRole.type>",
        f"  <createdDateTime>{_utc_second(created)}</createdDateTime>",
        f"  <period.timeInterval>{_interval(start, end)}</period.timeInterval>",
    ]
    if document_type == "A85":
        lines.append(f'  <area_Domain.mRID codingScheme="A01">{MARKET_BIDDING_ZONES[market_code]}</area_Domain.mRID>')
    return lines


def _days(grid: MonthGrid, slots: np.ndarray) -> list[tuple[int, int]]:
    """(first slot, end slot) of each local day among `slots` (whole days, contiguous)."""
    chosen = set(slots.tolist())
    return [(s, e) for _, s, e in day_bounds(grid) if s in chosen]


def day_ahead_document(
    market_code: str,
    grid: MonthGrid,
    slots: np.ndarray,
    cents: np.ndarray,
    currencies: np.ndarray,
    rng: np.random.Generator,
) -> Document:
    """An A44 document for the whole local days in `slots` (ascending grid slots); A03 on some days."""
    zone = MARKET_BIDDING_ZONES[market_code]
    created = int(grid.utc[slots[0]]) - 12 * 3600
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', f'<Publication_MarketDocument xmlns="{NS_PUBLICATION}">']
    lines += _header(market_code, f"VB-DA-{market_code}-{grid.month.label}", "A44", grid, slots, created)
    rows = 0
    for number, (start, end) in enumerate(_days(grid, slots), start=1):
        curve = "A03" if rng.random() < A03_DAY_SHARE else "A01"
        lines += [
            "  <TimeSeries>",
            f"    <mRID>{number}</mRID>",
            "    <businessType>A62</businessType>",
            f'    <in_Domain.mRID codingScheme="A01">{zone}</in_Domain.mRID>',
            f'    <out_Domain.mRID codingScheme="A01">{zone}</out_Domain.mRID>',
            f"    <currency_Unit.name>{currencies[start]}</currency_Unit.name>",
            "    <price_Measure_Unit.name>MWH</price_Measure_Unit.name>",
            f"    <curveType>{curve}</curveType>",
            "    <Period>",
            f"      <timeInterval>{_interval(int(grid.utc[start]), int(grid.utc[end - 1]) + SLOT_SECONDS)}</timeInterval>",
            "      <resolution>PT15M</resolution>",
        ]
        day = cents[start:end].tolist()
        for position, (value, text) in enumerate(zip(day, fixed_point_texts(day, 2)), start=1):
            if curve == "A03" and position > 1 and value == day[position - 2]:
                continue
            lines.append(f"      <Point><position>{position}</position><price.amount>{text}</price.amount></Point>")
        lines += ["    </Period>", "  </TimeSeries>"]
        rows += end - start
    lines.append("</Publication_MarketDocument>")
    return Document("\n".join(lines) + "\n", rows)


def imbalance_document(
    market_code: str, grid: MonthGrid, slots: np.ndarray, cents: np.ndarray, currencies: np.ndarray
) -> Document:
    """An A85 document with one single imbalance price per ISP, one TimeSeries per local day."""
    zone = MARKET_BIDDING_ZONES[market_code]
    created = int(grid.utc[slots[-1]]) + SLOT_SECONDS + 6 * 3600
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', f'<Balancing_MarketDocument xmlns="{NS_BALANCING}">']
    lines += _header(market_code, f"VB-IMB-{market_code}-{grid.month.label}", "A85", grid, slots, created)
    rows = 0
    for number, (start, end) in enumerate(_days(grid, slots), start=1):
        lines += [
            "  <TimeSeries>",
            f"    <mRID>{number}</mRID>",
            "    <businessType>A19</businessType>",
            f'    <area_Domain.mRID codingScheme="A01">{zone}</area_Domain.mRID>',
            f"    <currency_Unit.name>{currencies[start]}</currency_Unit.name>",
            "    <price_Measure_Unit.name>MWH</price_Measure_Unit.name>",
            "    <curveType>A01</curveType>",
            "    <Period>",
            f"      <timeInterval>{_interval(int(grid.utc[start]), int(grid.utc[end - 1]) + SLOT_SECONDS)}</timeInterval>",
            "      <resolution>PT15M</resolution>",
        ]
        for position, text in enumerate(fixed_point_texts(cents[start:end], 2), start=1):
            amount = f"<imbalance_Price.amount>{text}</imbalance_Price.amount>"
            lines.append(f"      <Point><position>{position}</position>{amount}</Point>")
        lines += ["    </Period>", "  </TimeSeries>"]
        rows += end - start
    lines.append("</Balancing_MarketDocument>")
    return Document("\n".join(lines) + "\n", rows)


def hostile_document(market_code: str) -> str:
    """A "billion laughs" imbalance document: nested entity declarations that would expand to 3 GB."""
    entities = ['  <!ENTITY lol "lol">'] + [
        f'  <!ENTITY lol{level} "{("&lol" + (str(level - 1) if level > 1 else "") + ";") * 10}">' for level in range(1, 10)
    ]
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        "<!DOCTYPE Balancing_MarketDocument [",
        *entities,
        "]>",
        f'<Balancing_MarketDocument xmlns="{NS_BALANCING}">',
        "  <type>A85</type>",
        "  <TimeSeries>",
        f'    <area_Domain.mRID codingScheme="A01">{MARKET_BIDDING_ZONES[market_code]}</area_Domain.mRID>',
        "    <currency_Unit.name>&lol9;</currency_Unit.name>",
        "    <price_Measure_Unit.name>MWH</price_Measure_Unit.name>",
        "  </TimeSeries>",
        "</Balancing_MarketDocument>",
    ]
    assert lines[HOSTILE_ENTITY_LINE - 1].lstrip().startswith("<!ENTITY")
    return "\n".join(lines) + "\n"
