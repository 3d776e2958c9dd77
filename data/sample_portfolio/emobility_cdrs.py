"""CDR file content: sessions as rows of the `charge_detail_records` CSV contract and as OCPI 2.2.1 CDR objects.

Romanian sessions are delivered as CSV (local instants with offset; `charging_periods_json` filled for
some rows, compact JSON), Bulgarian ones as OCPI CDR objects (UTC instants, `Z`). Charging periods:
ENERGY volumes add up to `total_energy`, PARKING_TIME volumes to `total_parking_time`, and TIME
(charging) plus PARKING_TIME volumes to `total_time` (OCPI: TIME is time charging, total_time the
whole session). Quarantine defects replace the texts of one CSV row (`Session.overrides`).
"""

from __future__ import annotations

import json
import zlib
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from data.sample_portfolio.emobility_master import TIME_ZONES, Offer, offer_for
from data.sample_portfolio.emobility_sessions import STEP, UNKNOWN_PRODUCT, Period, Session

ALPHA3 = {"RO": "ROU", "BG": "BGR"}


def hours(seconds: int) -> Decimal:
    """Seconds as exact hours (a multiple of 9 s has at most 4 decimals)."""
    assert seconds % STEP == 0, seconds
    return Decimal(seconds * 2500 // 9).scaleb(-6).normalize() if seconds else Decimal(0)


def hours_text(seconds: int) -> str:
    return format(hours(seconds).quantize(Decimal("0.000001")), "f")


def kwh(energy_wh: int) -> Decimal:
    return Decimal(energy_wh).scaleb(-3)


def kwh_text(energy_wh: int) -> str:
    return format(kwh(energy_wh), "f")


def local_instant(epoch: int, country: str) -> str:
    return datetime.fromtimestamp(epoch, ZoneInfo(TIME_ZONES[country])).isoformat()


def utc_instant(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def number(value: Decimal) -> float | int:
    """A JSON number for an exact decimal of at most 4 places (its shortest float repr is the same digits)."""
    return int(value) if value == value.to_integral_value() else float(value)


def periods_json(session: Session) -> list[dict[str, Any]]:
    """The OCPI charging periods of a session."""
    return [_period(session.start, period) for period in session.periods]


def _period(start: int, period: Period) -> dict[str, Any]:
    if period.parking:
        dimensions = [{"type": "PARKING_TIME", "volume": number(hours(period.seconds))}]
    else:
        dimensions = [
            {"type": "ENERGY", "volume": number(kwh(period.energy_wh))},
            {"type": "TIME", "volume": number(hours(period.seconds))},
        ]
    return {"start_date_time": utc_instant(start + period.offset), "dimensions": dimensions}


def csv_row(session: Session) -> list[str]:
    """The session as a row of the `charge_detail_records` contract."""
    reference = session.credit_of.cdr_id if session.credit_of is not None else ""
    texts = {
        "start": local_instant(session.start, session.country),
        "end": local_instant(session.end, session.country),
        "energy": kwh_text(session.energy_wh),
        "credit": "true" if session.credit else "false",
    }
    if session.kind == "end_before_start":
        texts["end"] = local_instant(session.start - session.seconds, session.country)
    if session.kind == "negative_energy":
        texts["energy"] = "-" + texts["energy"]
    periods = json.dumps(periods_json(session), separators=(",", ":")) if session.with_periods else ""
    return [
        session.cdr_id,
        texts["start"],
        texts["end"],
        session.evse_id,
        session.emp_id,
        session.product_id,
        session.currency,
        texts["energy"],
        hours_text(session.seconds),
        hours_text(session.parking_seconds) if session.parking_seconds else "",
        texts["credit"],
        reference,
        session.tariff_id,
        periods,
    ]


def token(emp_id: str, driver: int) -> dict[str, str]:
    """The RFID token of one of the EMP's drivers (stable per EMP and driver)."""
    country, party = emp_id.split("-")
    code = zlib.crc32(f"{emp_id}/{driver}".encode("utf-8"))
    return {
        "country_code": country,
        "party_id": party,
        "uid": f"{code:08X}",
        "type": "RFID",
        "contract_id": f"{country}-{party}-C{code % 10**8:08d}-{chr(65 + code % 26)}",
    }


def _location(session: Session) -> dict[str, Any]:
    evse = session.evse
    dc = evse.is_dc
    return {
        "id": evse.location_id,
        "name": evse.location_name,
        "address": evse.street,
        "city": evse.city,
        "postal_code": evse.postal_code,
        "country": ALPHA3[evse.country_code],
        "coordinates": {"latitude": evse.latitude, "longitude": evse.longitude},
        "evse_uid": session.evse_id.replace("*", "-"),
        "evse_id": session.evse_id,
        "connector_id": "1",
        "connector_standard": "IEC_62196_T2_COMBO" if dc else "IEC_62196_T2",
        "connector_format": "CABLE" if dc else "SOCKET",
        "connector_power_type": evse.power_type,
    }


def _product_tariff(session: Session, offers: list[Offer], updated: str) -> list[dict[str, Any]]:
    """OCPI has no product id: the tariff a product session was sold under carries it as its id."""
    if not session.product_id:
        return []
    known = session.product_id if session.product_id != UNKNOWN_PRODUCT else "AC_STD"
    offer = offer_for(offers, session.emp_id, session.country, session.local_day(), known)
    assert offer is not None and offer.price_per_unit is not None and offer.price_per_session is not None
    return [
        {
            "country_code": "BG",
            "party_id": "VBC",
            "id": session.product_id,
            "currency": session.currency,
            "elements": [
                {"price_components": [{"type": "FLAT", "price": number(offer.price_per_session.normalize()), "step_size": 1}]},
                {"price_components": [{"type": "ENERGY", "price": number(offer.price_per_unit.normalize()), "step_size": 1}]},
            ],
            "last_updated": updated,
        }
    ]


def ocpi_cdr(session: Session, offers: list[Offer], amounts: dict[str, str] | None) -> dict[str, Any]:
    """The session as an OCPI 2.2.1 CDR object (as the Bulgarian CPMS sends it)."""
    updated = utc_instant(session.end + (5 * 86400 if session.credit else 600))
    cost: dict[str, Any] = {"excl_vat": 0}
    if amounts is not None and not session.credit:
        cost = {"excl_vat": number(Decimal(amounts["net"])), "incl_vat": number(Decimal(amounts["gross"]))}
    cdr: dict[str, Any] = {
        "country_code": session.country,
        "party_id": "VBC",
        "id": session.cdr_id,
        "start_date_time": utc_instant(session.start),
        "end_date_time": utc_instant(session.end),
        "cdr_token": token(session.emp_id, session.driver),
        "auth_method": "WHITELIST" if session.driver % 3 else "AUTH_REQUEST",
        "cdr_location": _location(session),
        "currency": session.currency,
    }
    tariffs = _product_tariff(session, offers, utc_instant(int(datetime(2025, 9, 1, tzinfo=UTC).timestamp())))
    if tariffs:
        cdr["tariffs"] = tariffs
    cdr |= {
        "charging_periods": periods_json(session),
        "total_cost": cost,
        "total_energy": number(kwh(session.energy_wh)),
        "total_time": number(hours(session.seconds)),
        "total_parking_time": number(hours(session.parking_seconds)),
    }
    if session.credit:
        assert session.credit_of is not None
        cdr |= {"credit": True, "credit_reference_id": session.credit_of.cdr_id}
    cdr["last_updated"] = updated
    return cdr
