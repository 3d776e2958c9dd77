"""Expected rating of the sample's CDRs: status, reason and (Standard and Product Pricing) the amounts, in Decimal.

Computed here from the generator's own offers and tax rates, independently of `rating/`. Per price
component: net = quantity × price rounded up (ROUND_CEILING) to the cent; VAT = net × rate / 100
rounded half up; the CDR's net, VAT and gross are sums of its components (gross = nets + VATs).
Quantities: kWh → total_energy_kwh, minute → total_time_hours × 60, hour → total_time_hours,
session → 1; Product Pricing adds a `session_fee` component at `price_per_session`. A credit CDR
has the figures of the session it reverses, negated. OCPI-tariff sessions get a status only.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from typing import Any

from data.sample_portfolio.emobility_cdrs import hours, kwh
from data.sample_portfolio.emobility_master import UNIT_COMPONENT, Offer, TaxRate, offer_for, tax_rate_for
from data.sample_portfolio.emobility_sessions import Session

CENT = Decimal("0.01")
PRICED_METHODOLOGIES = ("standard_pricing", "product_pricing")


def _quantity(unit: str, session: Session) -> Decimal:
    return {
        "kWh": kwh(session.energy_wh),
        "minute": hours(session.seconds) * 60,
        "hour": hours(session.seconds),
        "session": Decimal(1),
    }[unit]


def _component(name: str, unit: str, quantity: Decimal, price: Decimal, rate: Decimal, sign: int) -> dict[str, str]:
    net = (quantity * price).quantize(CENT, rounding=ROUND_CEILING)
    vat = (net * rate / 100).quantize(CENT, rounding=ROUND_HALF_UP)
    return {
        "component": name,
        "unit": unit,
        "quantity": str(sign * quantity),
        "unit_price": format(price.normalize(), "f"),
        "net": str(sign * net),
        "vat_rate_pct": format(rate.normalize(), "f"),
        "vat": str(sign * vat),
    }


def expected_amounts(session: Session, offers: list[Offer], rates: list[TaxRate]) -> dict[str, Any] | None:
    """The amounts of a rated Standard or Product Pricing CDR; None for any other."""
    if session.status != "rated":
        return None
    day = session.local_day()
    offer = offer_for(offers, session.emp_id, session.country, day, session.product_id)
    if offer is None or offer.pricing_methodology not in PRICED_METHODOLOGIES:
        return None
    assert offer.price_per_unit is not None
    sign = -1 if session.credit else 1
    parts: list[tuple[str, str, Decimal, Decimal]] = []
    if offer.pricing_methodology == "product_pricing" and offer.price_per_session is not None:
        parts.append(("session_fee", "session", Decimal(1), offer.price_per_session))
    parts.append(
        (
            UNIT_COMPONENT[offer.reference_unit],
            offer.reference_unit,
            _quantity(offer.reference_unit, session),
            offer.price_per_unit,
        )
    )
    components = []
    for name, unit, quantity, price in parts:
        rate = tax_rate_for(rates, session.emp_id, session.country, name, day)
        assert rate is not None, (session.emp_id, session.country, name)
        components.append(_component(name, unit, quantity, price, rate, sign))
    net = sum((Decimal(c["net"]) for c in components), Decimal(0))
    vat = sum((Decimal(c["vat"]) for c in components), Decimal(0))
    return {
        "offer_id": offer.offer_id,
        "currency": offer.currency,
        "net": str(net),
        "vat": str(vat),
        "gross": str(net + vat),
        "components": components,
    }


def methodology_of(session: Session, offers: list[Offer]) -> str | None:
    """The methodology of the subscription the session falls under (None without an offer or EVSE data)."""
    if session.kind == "no_evse_data":
        return None
    candidates = [
        o for o in offers if o.emp_id == session.emp_id and o.country_code == session.country and o.valid_on(session.local_day())
    ]
    return candidates[0].pricing_methodology if candidates else None


def cdr_entry(session: Session, file: str, line: int, offers: list[Offer], rates: list[TaxRate]) -> dict[str, Any]:
    """The truth of one delivered CDR row."""
    entry: dict[str, Any] = {
        "file": file,
        "line": line,
        "status": session.status,
        "reason_code": session.reason,
        "defect": session.kind,
        "emp_id": session.emp_id,
        "country_code": session.country,
        "evse_id": session.evse_id,
        "currency": session.currency,
        "methodology": methodology_of(session, offers),
        "credit": session.credit,
        "credit_reference_id": session.credit_of.cdr_id if session.credit_of is not None else None,
        "local_start_day": session.local_day().isoformat(),
    }
    amounts = expected_amounts(session, offers, rates)
    if amounts is not None:
        entry["amounts"] = amounts
    return entry
