"""OCPI 2.2.1 JSON files (CDRs, Tariffs) as the text fields of their source's contract, so JSON rows pass the CSV checks.

A file holds one object or an array of objects. Each object becomes one row of text fields with
the line where the object starts; an object that cannot become a row (not an object, a field of
the wrong kind, a Tariff that is not valid OCPI) is quarantined with its line and the JSON path
that is wrong, and the other objects load. The loader then checks the rows against the contract
exactly like CSV rows (a negative energy, an end before the start, a credit without reference).

CDR mapping (`charge_detail_records`): see the source's notes. Numbers are kept as written in the
JSON text (parsed as decimals, never floats), so `57.344` stays `57.344`.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any, Callable

from ingestion.document_rows import DocumentRow, DocumentRows
from ingestion.raw_schema import RejectedPart
from ingestion.source_contract import Source


class _FieldProblem(ValueError):
    """A CDR field that is missing or of the wrong JSON kind; the message names its JSON path."""


def _json_text(value: Any) -> str:
    """A JSON scalar as the text a CSV field would hold (decimals as written, booleans lower case)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (int, str)):
        return str(value)
    raise _FieldProblem(f"expected a text or a number, got {type(value).__name__}")


def _get(obj: dict[str, Any], path: str, required: bool = True) -> Any:
    value: Any = obj
    for part in path.split("."):
        if not isinstance(value, dict):
            raise _FieldProblem(f"{path}: expected an object above `{part}`")
        value = value.get(part)
        if value is None:
            if required:
                raise _FieldProblem(f"{path}: required field missing")
            return None
    return value


def _text(obj: dict[str, Any], path: str, required: bool = True) -> str:
    try:
        return _json_text(_get(obj, path, required))
    except _FieldProblem as problem:
        message = str(problem)
        raise _FieldProblem(message if message.startswith(path) else f"{path}: {message}") from None


def cdr_fields(cdr: dict[str, Any]) -> dict[str, str]:
    """The `charge_detail_records` fields of one OCPI 2.2.1 CDR object."""
    tariffs = cdr.get("tariffs") or []
    if not isinstance(tariffs, list):
        raise _FieldProblem("tariffs: expected an array")
    first_tariff = tariffs[0] if tariffs and isinstance(tariffs[0], dict) else {}
    tariff_id = _json_text(first_tariff.get("id"))
    periods = cdr.get("charging_periods")
    if periods is not None and not isinstance(periods, list):
        raise _FieldProblem("charging_periods: expected an array")
    token_country, token_party = _text(cdr, "cdr_token.country_code"), _text(cdr, "cdr_token.party_id")
    return {
        "cdr_id": _text(cdr, "id"),
        "start_date_time": _text(cdr, "start_date_time"),
        "end_date_time": _text(cdr, "end_date_time"),
        "evse_id": _text(cdr, "cdr_location.evse_id"),
        "emp_id": f"{token_country}-{token_party}",
        "product_id": tariff_id,
        "currency": _text(cdr, "currency"),
        "total_energy_kwh": _text(cdr, "total_energy"),
        "total_time_hours": _text(cdr, "total_time"),
        "total_parking_time_hours": _text(cdr, "total_parking_time", required=False),
        "credit": _json_text(bool(cdr.get("credit", False))),
        "credit_reference_id": _text(cdr, "credit_reference_id", required=False),
        "tariff_id": tariff_id,
        "charging_periods_json": json.dumps(periods, default=_decimal_json, separators=(",", ":")) if periods else "",
    }


def tariff_fields(tariff: dict[str, Any]) -> dict[str, str]:
    """The `ocpi_tariffs` fields of one OCPI 2.2.1 Tariff object, after checking the whole object against OCPI."""
    from rating.ocpi import OcpiFormatError, parse_tariff

    try:
        parse_tariff(tariff)
    except OcpiFormatError as error:
        raise _FieldProblem(str(error)) from None
    return {
        "tariff_id": _text(tariff, "id"),
        "country_code": _text(tariff, "country_code"),
        "party_id": _text(tariff, "party_id"),
        "currency": _text(tariff, "currency"),
        "last_updated": _text(tariff, "last_updated"),
        "tariff_json": json.dumps(tariff, default=_decimal_json, separators=(",", ":"), ensure_ascii=False),
    }


def _decimal_json(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value) if value != value.to_integral_value() else int(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


READERS: dict[str, Callable[[dict[str, Any]], dict[str, str]]] = {"CDR": cdr_fields, "Tariff": tariff_fields}


def _top_level_objects(text: str) -> list[tuple[Any, int]]:
    """The objects of a JSON document (one value, or the elements of a top-level array), each with its first line."""
    decoder = json.JSONDecoder(parse_float=Decimal)
    start = len(text) - len(text.lstrip())
    if not text[start:].startswith("["):
        value, _ = decoder.raw_decode(text, start)
        return [(value, text.count("\n", 0, start) + 1)]
    items: list[tuple[Any, int]] = []
    position = start + 1
    while True:
        while position < len(text) and text[position] in " \t\r\n,":
            position += 1
        if position >= len(text):
            raise json.JSONDecodeError("the array is not closed", text, position)
        if text[position] == "]":
            return items
        value, end = decoder.raw_decode(text, position)
        items.append((value, text.count("\n", 0, position) + 1))
        position = end


def ocpi_rows(source: Source, content: bytes, file_name: str) -> DocumentRows:
    """The contract rows of `source` in one OCPI JSON file, and what could not become a row."""
    result = DocumentRows()
    what = f"OCPI 2.2.1 {source.ocpi_object}"
    try:
        text = content.decode("utf-8-sig")
        objects = _top_level_objects(text)
    except UnicodeDecodeError:
        result.rejected.append(RejectedPart(None, "invalid_encoding", f"{file_name}: the file is not valid UTF-8; nothing loaded", ""))
        return result
    except json.JSONDecodeError as error:
        result.rejected.append(
            RejectedPart(error.lineno, "malformed_json", f"{file_name} line {error.lineno}: not valid JSON ({error.msg}); nothing loaded", "")
        )
        return result
    reader = READERS[source.ocpi_object or ""]
    for index, (value, line) in enumerate(objects):
        record = json.dumps(value, default=_decimal_json, ensure_ascii=False)[:2000]
        if not isinstance(value, dict):
            result.rejected.append(RejectedPart(line, "not_an_object", f"{file_name} line {line}: element {index} is not a JSON object", record))
            continue
        try:
            result.rows.append(DocumentRow(reader(value), line))
        except _FieldProblem as problem:
            result.rejected.append(
                RejectedPart(line, "invalid_ocpi_object", f"{file_name} line {line}: not a valid {what}: {problem}", record)
            )
    return result
