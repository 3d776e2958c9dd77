"""Price a session under an `ocpi_tariff` offer: the OCPI 2.2.1 engine (`rating.ocpi_pricing`) behind the offer rating.

The session becomes an OCPI CDR: its charging periods as delivered, or, when the CDR came without
them (a CSV row), one period from the start with the session's energy, its charging time (duration
minus parking) and its parking time. The engine's dimension costs become the offer components:
ENERGY → `energy` (kWh), TIME → `time` (hours), PARKING_TIME → `parking` (hours), FLAT → `session_fee`.
A min or max price that replaced the total is shown as a `session_fee` adjustment, so the
components still add up to what the tariff bills.

VAT: the rate of the tariff's price components of that type when they state one (all the same);
otherwise none is given here and the offer rating takes the tax configuration.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

from rating.ocpi import OcpiFormatError, Tariff, load_json, parse_cdr, parse_tariff
from rating.ocpi_pricing import NotRatedError, price_cdr
from rating.offers import ComponentAmount, Offer, Session

DIMENSIONS = (("total_fixed_cost", "FLAT", "session_fee", "session"), ("total_energy_cost", "ENERGY", "energy", "kWh"),
              ("total_time_cost", "TIME", "time", "hour"), ("total_parking_time_cost", "PARKING_TIME", "parking", "hour"))
PRICE_PLACES = Decimal("0.000001")


class OcpiTariffPricer:
    """Callable for `OfferRater.ocpi_pricer`: tariffs by id (OCPI JSON objects read with `rating.ocpi.load_json`)."""

    def __init__(self, tariffs: dict[str, dict[str, Any]]) -> None:
        self._raw = tariffs
        self._parsed: dict[str, Tariff | None] = {}

    def tariff(self, tariff_id: str | None) -> Tariff | None:
        if tariff_id is None or tariff_id not in self._raw:
            return None
        if tariff_id not in self._parsed:
            try:
                self._parsed[tariff_id] = parse_tariff(self._raw[tariff_id])
            except OcpiFormatError:
                self._parsed[tariff_id] = None
        return self._parsed[tariff_id]

    def __call__(self, offer: Offer, session: Session) -> tuple[ComponentAmount, ...] | None:
        tariff = self.tariff(offer.ocpi_tariff_id)
        if tariff is None or session.start_epoch_ms is None or session.end_epoch_ms is None:
            return None
        try:
            price = price_cdr(tariff, parse_cdr(_cdr_object(session)), session.time_zone)
        except (NotRatedError, OcpiFormatError, ValueError):
            return None
        quantities = {
            "session_fee": Decimal(1),
            "energy": price.total_energy,
            "time": price.total_time - price.total_parking_time,
            "parking": price.total_parking_time,
        }
        components: list[ComponentAmount] = []
        for field, dimension, component, unit in DIMENSIONS:
            net = getattr(price, field).excl_vat
            if component == "session_fee" and price.price_limit:
                dimensions_sum = sum((getattr(price, f).excl_vat for f, *_ in DIMENSIONS), Decimal(0))
                net += price.total_cost.excl_vat - dimensions_sum
            if net == 0 and not (component == "session_fee" and price.price_limit):
                continue
            quantity = quantities[component]
            unit_price = (net / quantity).quantize(PRICE_PLACES) if quantity else net
            components.append(ComponentAmount(component, quantity, unit, unit_price, net, _vat(tariff, dimension), Decimal(0)))
        return tuple(components)


def _vat(tariff: Tariff, dimension: str) -> Decimal | None:
    rates = {component.vat for element in tariff.elements for component in element.price_components if component.type == dimension}
    return rates.pop() if len(rates) == 1 else None


def _instant(epoch_ms: int) -> str:
    return datetime.fromtimestamp(epoch_ms / 1000, timezone.utc).isoformat()


def _cdr_object(session: Session) -> dict[str, Any]:
    """The session as an OCPI 2.2.1 CDR object, for the engine."""
    start, end = _instant(session.start_epoch_ms or 0), _instant(session.end_epoch_ms or 0)
    charging_time = session.time_hours - session.parking_hours
    if session.charging_periods_json:
        periods = load_json(session.charging_periods_json)
    else:
        dimensions = [{"type": "ENERGY", "volume": session.energy_kwh}, {"type": "TIME", "volume": charging_time}]
        if session.parking_hours:
            dimensions.append({"type": "PARKING_TIME", "volume": session.parking_hours})
        periods = [{"start_date_time": start, "dimensions": dimensions}]
    return {
        "country_code": "XX",
        "party_id": "XXX",
        "id": session.cdr_id,
        "start_date_time": start,
        "end_date_time": end,
        "currency": session.currency,
        "cdr_token": {"country_code": "XX", "party_id": "XXX", "uid": session.emp_id, "type": "OTHER", "contract_id": session.emp_id},
        "auth_method": "WHITELIST",
        "cdr_location": {"id": "-", "address": "-", "city": "-", "country": "XXX", "evse_uid": "-", "evse_id": "-",
                         "connector_id": "1", "connector_standard": "IEC_62196_T2", "connector_format": "SOCKET",
                         "connector_power_type": "AC_3_PHASE", "coordinates": {"latitude": "0.0", "longitude": "0.0"}},
        "charging_periods": periods,
        "total_cost": {"excl_vat": Decimal(0)},
        "total_energy": session.energy_kwh,
        "total_time": session.time_hours,
        "total_parking_time": session.parking_hours,
        "last_updated": end,
    }
