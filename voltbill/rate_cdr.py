"""The `voltbill rate-cdr` command: rate one OCPI 2.2.1 CDR file against one OCPI 2.2.1 Tariff file.

`rate_cdr_files` returns the JSON-ready result; `main_rate_cdr` prints it and returns the exit code:
0 rated (status "rated"), 1 not rated (status "not_rated" + reason), 2 invalid input (status
"invalid_input" + reason naming the file and the JSON path). All amounts are decimal strings.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rating.ocpi import OcpiFormatError, load_json, parse_cdr, parse_tariff
from rating.ocpi_pricing import NotRatedError, price_cdr

EXIT_RATED, EXIT_NOT_RATED, EXIT_INVALID_INPUT = 0, 1, 2


class InvalidInputError(ValueError):
    """A file is unreadable, not JSON, or not a valid OCPI object; the message names file and JSON path."""


def _load(path: Path, what: str) -> Any:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InvalidInputError(f"{what} file {path}: cannot be read ({error.__class__.__name__}: {error})") from None
    try:
        return load_json(text)
    except json.JSONDecodeError as error:
        raise InvalidInputError(f"{what} file {path}: not valid JSON ({error})") from None


def rate_cdr_files(tariff_path: Path, cdr_path: Path, time_zone: str | None = None) -> dict[str, Any]:
    """Rate the CDR at `cdr_path` against the tariff at `tariff_path`; never raises for bad input.

    Returns the rated dict (status "rated"), or {"status": "not_rated" | "invalid_input", "reason": ...}.
    """
    try:
        tariff_json = _load(tariff_path, "tariff")
        cdr_json = _load(cdr_path, "CDR")
        try:
            tariff = parse_tariff(tariff_json)
        except OcpiFormatError as error:
            raise InvalidInputError(f"tariff file {tariff_path}: {error}") from None
        try:
            cdr = parse_cdr(cdr_json)
        except OcpiFormatError as error:
            raise InvalidInputError(f"CDR file {cdr_path}: {error}") from None
        try:
            return price_cdr(tariff, cdr, time_zone).to_json()
        except NotRatedError as error:
            return {"status": "not_rated", "reason": error.reason}
        except ValueError as error:  # unknown time zone
            raise InvalidInputError(f"--time-zone: {error}") from None
    except InvalidInputError as error:
        return {"status": "invalid_input", "reason": str(error)}


def main_rate_cdr(tariff_path: Path, cdr_path: Path, time_zone: str | None = None) -> int:
    """Print the result as indented JSON on stdout; return 0 rated, 1 not rated, 2 invalid input."""
    result = rate_cdr_files(Path(tariff_path), Path(cdr_path), time_zone)
    print(json.dumps(result, indent=2))
    status = result["status"]
    return EXIT_RATED if status == "rated" else EXIT_NOT_RATED if status == "not_rated" else EXIT_INVALID_INPUT
