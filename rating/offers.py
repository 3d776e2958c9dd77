"""Rate one charging session under the CPO's offer to its EMP: Standard Pricing, Product Pricing or an OCPI tariff.

The checks run in this order, and the first that fails gives the CDR's reason (`rating_status`):
EVSE data → a CPO subsidiary in the EVSE's country (else the tax is not configured) → currency supported → an offer for the EMP in the EVSE's country on the session's local
day → its methodology → (Product Pricing) the product → the charging session validity → the offer's
currency → a tax rate for every price component the offer charges. Then each price component is
priced: net = quantity × price, rounded by the subsidiary's `RoundingRule`; VAT = net × rate,
rounded; gross = net + VAT. The CDR's totals are sums of its rounded components, so they add up.

Quantities: `kWh` is the session's energy, `minute`/`hour` its duration (start to end, parking
included, as the CDR's `total_time`), `session` is 1. A credit CDR is priced like the session it
reverses and its amounts negated. Sessions under an `ocpi_tariff` offer are priced by
`rating.ocpi_pricing` against the tariff; VAT comes from the tariff's price component when it has
one and from the tax configuration otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Callable, Mapping

from rating.rating_status import NOT_RATED, RATED, REASONS, SUPPORTED_CURRENCIES
from rating.rounding import SEED_ROUNDING, RoundingRule

STANDARD_PRICING = "standard_pricing"
PRODUCT_PRICING = "product_pricing"
OCPI_TARIFF = "ocpi_tariff"
METHODOLOGIES = (STANDARD_PRICING, PRODUCT_PRICING, OCPI_TARIFF)

COMPONENTS = ("session_fee", "energy", "time", "parking")
UNIT_COMPONENT = {"kWh": "energy", "minute": "time", "hour": "time", "session": "session_fee"}
ZERO = Decimal(0)
ONE = Decimal(1)
HUNDRED = Decimal(100)
SIXTY = Decimal(60)


@dataclass(frozen=True)
class Offer:
    """One offer row: how sessions of `emp_id`'s customers in `country_code` are priced while it is valid."""

    offer_id: str
    emp_id: str
    country_code: str
    pricing_methodology: str
    currency: str
    valid_from: date
    valid_to: date | None = None
    product_id: str | None = None
    reference_unit: str | None = None
    price_per_unit: Decimal | None = None
    price_per_session: Decimal | None = None
    ocpi_tariff_id: str | None = None
    min_session_minutes: Decimal | None = None
    min_session_energy_kwh: Decimal | None = None

    def valid_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    def charged_components(self) -> tuple[str, ...]:
        """The price components this offer charges (they need a tax rate); OCPI tariffs decide per session."""
        components: list[str] = []
        if self.price_per_session is not None and self.pricing_methodology == PRODUCT_PRICING:
            components.append("session_fee")
        if self.reference_unit in UNIT_COMPONENT and self.price_per_unit is not None:
            components.append(UNIT_COMPONENT[self.reference_unit])
        return tuple(dict.fromkeys(components))


@dataclass(frozen=True)
class Session:
    """What the rating needs of one CDR (and of its EVSE): all instants already turned into the local day."""

    cdr_id: str
    emp_id: str
    currency: str
    energy_kwh: Decimal
    time_hours: Decimal
    parking_hours: Decimal = ZERO
    product_id: str | None = None
    credit: bool = False
    country_code: str | None = None  # of the EVSE; None when the EVSE is not in the registry
    local_start_day: date | None = None  # in the EVSE's time zone
    # Only what an OCPI tariff needs (restrictions by time, charging periods):
    start_epoch_ms: int | None = None  # session start, milliseconds since 1970-01-01 UTC
    end_epoch_ms: int | None = None
    time_zone: str | None = None  # the EVSE's IANA time zone
    charging_periods_json: str | None = None  # OCPI charging periods as delivered; None: one period with the totals


@dataclass(frozen=True)
class ComponentAmount:
    """One priced component of a rated CDR."""

    component: str  # session_fee, energy, time, parking
    quantity: Decimal
    unit: str  # kWh, minute, hour, session
    unit_price: Decimal
    net_amount: Decimal
    vat_rate_pct: Decimal
    vat_amount: Decimal

    @property
    def gross_amount(self) -> Decimal:
        return self.net_amount + self.vat_amount


@dataclass(frozen=True)
class Rating:
    """The outcome for one CDR: `rated` with its components and their sums, or `not_rated` with the reason code."""

    cdr_id: str
    status: str
    reason_code: str | None = None
    offer: Offer | None = None
    components: tuple[ComponentAmount, ...] = ()
    net_amount: Decimal = ZERO  # sum of the components' rounded nets
    vat_amount: Decimal = ZERO  # sum of the components' rounded VAT

    @property
    def reason(self) -> str | None:
        return REASONS[self.reason_code] if self.reason_code else None

    @property
    def gross_amount(self) -> Decimal:
        return self.net_amount + self.vat_amount

    def component(self, name: str) -> ComponentAmount | None:
        return next((c for c in self.components if c.component == name), None)


class TaxRates:
    """The tax configuration: VAT rates per (EMP, country, component), each valid from a day on."""

    def __init__(self, rows: list[tuple[str, str, str, date, Decimal]] = ()) -> None:
        self._rates: dict[tuple[str, str, str], list[tuple[date, Decimal]]] = {}
        for emp_id, country_code, component, valid_from, rate in rows:
            self._rates.setdefault((emp_id, country_code, component), []).append((valid_from, rate))
        for history in self._rates.values():
            history.sort()

    def rate(self, emp_id: str, country_code: str, component: str, day: date) -> Decimal | None:
        """The rate in force on `day`, or None when none is configured."""
        found = None
        for valid_from, rate in self._rates.get((emp_id, country_code, component), ()):
            if valid_from > day:
                break
            found = rate
        return found


class OfferBook:
    """The offers, looked up by EMP, country and day (and product, for Product Pricing)."""

    def __init__(self, offers: list[Offer] = ()) -> None:
        self._by_subscription: dict[tuple[str, str], list[Offer]] = {}
        for offer in offers:
            self._by_subscription.setdefault((offer.emp_id, offer.country_code), []).append(offer)
        for candidates in self._by_subscription.values():
            candidates.sort(key=lambda offer: (offer.valid_from, offer.offer_id), reverse=True)

    def valid(self, emp_id: str, country_code: str, day: date) -> list[Offer]:
        """The offers of the subscription valid on `day`, latest start first."""
        return [offer for offer in self._by_subscription.get((emp_id, country_code), ()) if offer.valid_on(day)]


OcpiPricer = Callable[[Offer, Session], "tuple[ComponentAmount, ...] | None"]
"""Prices a session under an `ocpi_tariff` offer (components before tax defaults), None when it cannot."""


@dataclass
class OfferRater:
    """Rates sessions against the offers and the tax configuration, with each country's rounding rule."""

    offers: OfferBook
    taxes: TaxRates
    rounding_by_country: Mapping[str, RoundingRule] = field(default_factory=dict)
    ocpi_pricer: OcpiPricer | None = None
    subsidiary_countries: frozenset[str] | None = None
    """Countries the CPO has a subsidiary in; a session elsewhere is `tax_not_configured` (None: no check)."""

    def rate(self, session: Session) -> Rating:
        """The rating of one session (never raises for a business reason: those give `not_rated`)."""
        cdr_id = session.cdr_id
        if session.country_code is None or session.local_start_day is None:
            return Rating(cdr_id, NOT_RATED, "no_evse_data")
        if self.subsidiary_countries is not None and session.country_code not in self.subsidiary_countries:
            return Rating(cdr_id, NOT_RATED, "tax_not_configured")
        if session.currency not in SUPPORTED_CURRENCIES:
            return Rating(cdr_id, NOT_RATED, "currency_not_supported")
        candidates = self.offers.valid(session.emp_id, session.country_code, session.local_start_day)
        if not candidates:
            return Rating(cdr_id, NOT_RATED, "no_offer")
        methodology = candidates[0].pricing_methodology
        if methodology not in METHODOLOGIES:
            return Rating(cdr_id, NOT_RATED, "methodology_not_supported", candidates[0])
        offer = candidates[0]
        if methodology == PRODUCT_PRICING:
            if not session.product_id:
                return Rating(cdr_id, NOT_RATED, "product_id_missing", offer)
            offer = next((o for o in candidates if o.pricing_methodology == PRODUCT_PRICING and o.product_id == session.product_id), None)
            if offer is None:
                return Rating(cdr_id, NOT_RATED, "product_id_unknown", candidates[0])
        if _below_validity(offer, session):
            return Rating(cdr_id, NOT_RATED, "session_below_validity", offer)
        if session.currency != offer.currency:
            return Rating(cdr_id, NOT_RATED, "offer_currency_mismatch", offer)
        rounding = self.rounding_by_country.get(session.country_code, SEED_ROUNDING)
        if methodology == OCPI_TARIFF:
            priced = self.ocpi_pricer(offer, session) if self.ocpi_pricer else None
            if priced is None:
                return Rating(cdr_id, NOT_RATED, "ocpi_tariff_unusable", offer)
            drafts = [(c.component, c.quantity, c.unit, c.unit_price, c.net_amount, c.vat_rate_pct) for c in priced]
        else:
            drafts = [(*_quantity(offer, session, component), None, None) for component in offer.charged_components()]
        components: list[ComponentAmount] = []
        net_total = vat_total = ZERO
        for component, quantity, unit, unit_price, net_exact, tariff_vat in drafts:
            rate = tariff_vat if tariff_vat is not None else self.taxes.rate(session.emp_id, session.country_code, component, session.local_start_day)
            if rate is None:
                return Rating(cdr_id, NOT_RATED, "tax_not_configured", offer)
            net = rounding.round_net(quantity * unit_price if net_exact is None else net_exact)
            vat = rounding.round_vat(net * rate / HUNDRED)
            if session.credit:
                quantity, net, vat = -quantity, -net, -vat
            components.append(ComponentAmount(component, quantity, unit, unit_price, net, rate, vat))
            net_total += net
            vat_total += vat
        return Rating(cdr_id, RATED, None, offer, tuple(components), net_total, vat_total)


def _below_validity(offer: Offer, session: Session) -> bool:
    if offer.min_session_minutes is not None and session.time_hours * SIXTY < offer.min_session_minutes:
        return True
    return offer.min_session_energy_kwh is not None and session.energy_kwh < offer.min_session_energy_kwh


def _quantity(offer: Offer, session: Session, component: str) -> tuple[str, Decimal, str, Decimal]:
    """(component, quantity, unit, unit price) of one component of a Standard or Product Pricing offer."""
    if component == "session_fee" and offer.pricing_methodology == PRODUCT_PRICING:
        return component, ONE, "session", offer.price_per_session or ZERO
    unit = offer.reference_unit or ""
    quantity = {
        "kWh": session.energy_kwh,
        "minute": session.time_hours * SIXTY,
        "hour": session.time_hours,
        "session": ONE,
    }[unit]
    return component, quantity, unit, offer.price_per_unit or ZERO
