"""ENTSO-E price documents as the text fields of a price source's contract, so XML rows pass the CSV checks.

`ingestion.entsoe_xml` reads a document into `PriceRow`s. Here each row becomes the fields a CSV
row of the same source would have (`day_ahead_prices` or `imbalance_prices`):

* `market_code` from the bidding zone (`BIDDING_ZONE_MARKETS`); a zone Voltbill does not supply
  rejects the row with the zone's code in the reason.
* `period_start` as the UTC instant in ISO 8601 (`2026-03-29T22:00:00+00:00`), `period_minutes`
  from the resolution, `price_per_mwh` exactly as written, `currency` from `currency_Unit.name`.
* `price_category` (imbalance only) from the document: `single`, or `long` / `short`.

Then the loader checks them against the contract like any CSV row: a PT30M resolution, an unknown
currency or a price out of range is quarantined with the XML line of its Point. A price per unit
other than MWh, or a document of a type the folder does not take (a day-ahead A44 among the
imbalance prices), is rejected here with the reason. Rows keep the line of their Point; a position
an A03 curve leaves out carries the line of the Point it repeats.
"""

from __future__ import annotations

from ingestion.document_rows import DocumentRow, DocumentRows
from ingestion.entsoe_xml import BIDDING_ZONE_MARKETS, PriceRow, parse_price_document
from ingestion.raw_schema import RejectedPart
from ingestion.sources import Source

PRICE_UNIT = "MWH"
DOCUMENT_NAMES = {"A44": "day-ahead prices (A44)", "A85": "imbalance prices (A85)"}


def xml_price_rows(source: Source, content: bytes, file_name: str) -> DocumentRows:
    """The contract rows of `source` in one ENTSO-E price document, and what could not become a row."""
    parsed = parse_price_document(content, file_name)
    result = DocumentRows()
    for entry in parsed.rejected:
        result.rejected.append(RejectedPart(entry.line, entry.reason_code, entry.message, ""))
    wrong_types = sorted({row.document_type for row in parsed.rows} - set(source.xml_document_types))
    if wrong_types:
        found = ", ".join(DOCUMENT_NAMES.get(t, t) for t in wrong_types)
        wanted = ", ".join(DOCUMENT_NAMES.get(t, t) for t in source.xml_document_types)
        result.rejected.append(
            RejectedPart(
                None,
                "wrong_document_type",
                f"{file_name}: the document holds {found}, but the {source.name} folder takes {wanted}; nothing loaded",
                "",
            )
        )
        return result
    for row in parsed.rows:
        problem = _row_problem(row)
        if problem is not None:
            code, reason = problem
            where = file_name if row.line is None else f"{file_name} line {row.line}"
            result.rejected.append(RejectedPart(row.line, code, f"{where}: {reason}", _record(row)))
            continue
        result.rows.append(DocumentRow(_fields(source, row), row.line))
    return result


def _row_problem(row: PriceRow) -> tuple[str, str] | None:
    if row.area_eic not in BIDDING_ZONE_MARKETS:
        known = ", ".join(f"{eic} ({market})" for eic, market in BIDDING_ZONE_MARKETS.items())
        return "unknown_bidding_zone", f"bidding zone {row.area_eic!r} is not a market Voltbill supplies ({known})"
    if (row.unit or "").upper() != PRICE_UNIT:
        return "unsupported_unit", f"price is per {row.unit!r}; only prices per MWH are accepted"
    return None


def _fields(source: Source, row: PriceRow) -> dict[str, str]:
    values = {
        "market_code": BIDDING_ZONE_MARKETS[row.area_eic],
        "period_start": row.period_start_utc.isoformat(),
        "period_minutes": str(row.resolution_minutes),
        "price_category": row.price_category,
        "price_per_mwh": str(row.price),
        "currency": row.currency or "",
    }
    return {name: values[name] for name in source.column_names}


def _record(row: PriceRow) -> str:
    return (
        f"{row.document_type} {row.area_eic} {row.period_start_utc.isoformat()} PT{row.resolution_minutes}M "
        f"position {row.position} {row.price} {row.currency}/{row.unit}"
    )
