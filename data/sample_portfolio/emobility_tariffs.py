"""OCPI 2.2.1 Tariff objects of the sample: the tariff BG-ELC's Romanian sessions are priced by, and a broken one.

`tariffs.json` holds two valid tariffs; `tariffs_broken.json` holds a valid tariff and one without
`currency`, which the loader must reject while the valid one loads. Prices are numbers with at
most 4 decimals, as OCPI numbers are; VAT in percent.
"""

from __future__ import annotations

import json
from typing import Any

from data.sample_portfolio.emobility_master import OCPI_TARIFF_ID

LAST_UPDATED = "2025-09-01T06:00:00Z"
BROKEN_TARIFF_ID = "RO-VBC-T-BROKEN"


def _element(kind: str, price: float, vat: float, step_size: int, restrictions: dict[str, Any] | None = None) -> dict[str, Any]:
    element: dict[str, Any] = {"price_components": [{"type": kind, "price": price, "vat": vat, "step_size": step_size}]}
    if restrictions:
        element["restrictions"] = restrictions
    return element


def priced_tariff() -> dict[str, Any]:
    """BG-ELC's tariff in Romania (RON): a start fee, energy per kWh, daytime charging time, parking time."""
    return {
        "country_code": "RO",
        "party_id": "VBC",
        "id": OCPI_TARIFF_ID,
        "currency": "RON",
        "type": "REGULAR",
        "tariff_alt_text": [
            {"language": "en", "text": "2.00 RON per session, 1.40 RON/kWh, 3.00 RON/h charging 08-20, 6.00 RON/h parking"}
        ],
        "elements": [
            _element("FLAT", 2.0, 21.0, 1),
            _element("ENERGY", 1.4, 21.0, 1),
            _element("TIME", 3.0, 21.0, 60, {"start_time": "08:00", "end_time": "20:00"}),
            _element("PARKING_TIME", 6.0, 21.0, 300),
        ],
        "last_updated": LAST_UPDATED,
    }


def bg_tariff() -> dict[str, Any]:
    """A second valid tariff (Bulgaria, EUR, ad hoc), referred to by no offer."""
    return {
        "country_code": "BG",
        "party_id": "VBC",
        "id": "BG-VBC-T-ADHOC",
        "currency": "EUR",
        "type": "AD_HOC_PAYMENT",
        "elements": [
            _element("FLAT", 0.5, 20.0, 1),
            _element("ENERGY", 0.39, 20.0, 1),
            _element(
                "TIME",
                0.9,
                20.0,
                60,
                {
                    "start_time": "07:00",
                    "end_time": "22:00",
                    "day_of_week": ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY"],
                },
            ),
            _element("PARKING_TIME", 2.4, 20.0, 300),
        ],
        "min_price": {"excl_vat": 1.0, "incl_vat": 1.2},
        "last_updated": LAST_UPDATED,
    }


def night_tariff() -> dict[str, Any]:
    """A valid tariff delivered alongside the broken one."""
    return {
        "country_code": "RO",
        "party_id": "VBC",
        "id": "RO-VBC-T-NIGHT",
        "currency": "RON",
        "elements": [
            _element("ENERGY", 1.1, 21.0, 1, {"start_time": "22:00", "end_time": "06:00"}),
            _element("ENERGY", 1.6, 21.0, 1),
        ],
        "last_updated": LAST_UPDATED,
    }


def broken_tariff() -> dict[str, Any]:
    """Not valid OCPI 2.2.1: `currency` is missing."""
    tariff = priced_tariff()
    del tariff["currency"]
    tariff["id"] = BROKEN_TARIFF_ID
    tariff.pop("tariff_alt_text")
    return tariff


def tariff_files() -> dict[str, list[dict[str, Any]]]:
    """File name -> the Tariff objects of the file."""
    return {"tariffs.json": [priced_tariff(), bg_tariff()], "tariffs_broken.json": [night_tariff(), broken_tariff()]}


def json_array_text(objects: list[dict[str, Any]]) -> tuple[str, list[int]]:
    """The objects as a pretty-printed JSON array (indent 2, final newline) and the 1-based line each object starts on."""
    text = json.dumps(objects, indent=2, ensure_ascii=False) + "\n"
    starts = [number for number, line in enumerate(text.split("\n"), start=1) if line == "  {"]
    assert len(starts) == len(objects)
    return text, starts
