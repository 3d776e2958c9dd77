"""EV-charging master data of the sample: the CPO's EVSEs, the e-mobility providers, their offers and tax rates.

The CPO (subsidiaries VB-RO with operator `RO*VBC`, VB-BG with `BG*VBC`, seed `cpo_subsidiaries`)
runs 24 EVSEs in Romania and 16 in Bulgaria, two per charging site. Six EMPs are subscribed; the
offers cover every pricing methodology, and a few subscriptions are deliberately broken so that
their sessions are not rated (see `SUBSCRIPTIONS`): DE-ICE in RO is priced `individual_pdf`
(unsupported), NL-PLG in BG has no VAT rate for `time` although its offer charges per hour, and
RO-NEW subscribed recently and has no tax configuration at all.

Bulgaria adopted the euro on 2026-01-01: every BG offer comes as a BGN row valid to 2025-12-31 and
an EUR row valid from 2026-01-01, and BG sessions are in the currency of their local start day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import numpy as np

from data.sample_portfolio.names import STREETS
from data.sample_portfolio.randomness import stream
from data.sample_portfolio.timegrid import Month

TIME_ZONES = {"RO": "Europe/Bucharest", "BG": "Europe/Sofia"}
OPERATORS = {"RO": "RO*VBC", "BG": "BG*VBC"}
EURO_CHANGEOVER = date(2026, 1, 1)  # Bulgaria's first euro day
OFFERS_VALID_FROM = date(2024, 1, 1)
RO_VAT_CHANGE = date(2025, 8, 1)  # 19 % until 2025-07-31, 21 % from 2025-08-01
UNIT_COMPONENT = {"kWh": "energy", "minute": "time", "hour": "time", "session": "session_fee"}

# (city, postal code, latitude, longitude); two EVSEs per site.
SITES: dict[str, tuple[tuple[str, str, str, str], ...]] = {
    "RO": (
        ("București", "010011", "44.426800", "26.102500"),
        ("București", "030167", "44.418900", "26.126400"),
        ("București", "061344", "44.434400", "26.040100"),
        ("Ploiești", "100001", "44.941900", "26.022500"),
        ("Pitești", "110001", "44.856500", "24.869200"),
        ("Constanța", "900001", "44.159800", "28.634800"),
        ("Timișoara", "300001", "45.748900", "21.208700"),
        ("Oradea", "410001", "47.046500", "21.918900"),
        ("Arad", "310001", "46.186600", "21.312300"),
        ("Târgoviște", "130001", "44.925200", "25.456700"),
        ("Lugoj", "305500", "45.688600", "21.903100"),
        ("Tulcea", "820001", "45.171600", "28.791400"),
    ),
    "BG": (
        ("Sofia", "1000", "42.697700", "23.321900"),
        ("Sofia", "1784", "42.650500", "23.379100"),
        ("Plovdiv", "4000", "42.135400", "24.745300"),
        ("Varna", "9000", "43.214100", "27.914700"),
        ("Ruse", "7000", "43.835600", "25.965700"),
        ("Veliko Tarnovo", "5000", "43.075700", "25.617200"),
        ("Blagoevgrad", "2700", "42.020900", "23.094300"),
        ("Shumen", "9700", "43.270600", "26.922900"),
    ),
}
DC_SITES = {"RO": frozenset({1, 5, 6, 9}), "BG": frozenset({1, 3, 6})}  # site indexes with fast chargers


@dataclass(frozen=True)
class Evse:
    """One charging point of the CPO."""

    evse_id: str
    country_code: str
    location_id: str
    location_name: str
    street: str
    city: str
    postal_code: str
    latitude: str
    longitude: str
    power_type: str
    max_power_kw: int

    @property
    def time_zone(self) -> str:
        return TIME_ZONES[self.country_code]

    @property
    def operator_id(self) -> str:
        return OPERATORS[self.country_code]

    @property
    def is_dc(self) -> bool:
        return self.power_type == "DC"


@dataclass(frozen=True)
class Provider:
    """An e-mobility provider subscribed to the CPO's offers."""

    emp_id: str
    legal_name: str
    vat_number: str
    street: str
    city: str
    postal_code: str
    country_code: str
    invoice_email: str
    subscribed_on: date


@dataclass(frozen=True)
class Offer:
    """One row of `emp_offers`."""

    offer_id: str
    emp_id: str
    country_code: str
    pricing_methodology: str
    currency: str
    valid_from: date
    valid_to: date | None = None
    product_id: str = ""
    reference_unit: str = ""
    price_per_unit: Decimal | None = None
    price_per_session: Decimal | None = None
    ocpi_tariff_id: str = ""
    min_session_minutes: Decimal | None = None
    min_session_energy_kwh: Decimal | None = None

    def valid_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


@dataclass(frozen=True)
class TaxRate:
    """One row of `emp_tax_rates`."""

    emp_id: str
    country_code: str
    price_component: str
    vat_rate_pct: Decimal
    valid_from: date


OCPI_TARIFF_ID = "RO-VBC-T-BGELC"  # the tariff BG-ELC's sessions in Romania are priced by (ocpi_tariffs)
# Who charges where in ordinary months (weights of the clean sessions), per EVSE country.
CLEAN_EMPS: dict[str, tuple[tuple[str, float], ...]] = {
    "RO": (("RO-EMO", 0.35), ("AT-SMT", 0.30), ("NL-PLG", 0.20), ("BG-ELC", 0.15)),
    "BG": (("RO-EMO", 0.30), ("BG-ELC", 0.30), ("DE-ICE", 0.25), ("AT-SMT", 0.15)),
}
SUBSCRIPTIONS = {
    ("RO", "RO-EMO"): "standard_pricing per kWh, EUR",
    ("RO", "DE-ICE"): "individual_pdf (not supported): every session not rated",
    ("RO", "NL-PLG"): "standard_pricing per hour, EUR, validity 2 minutes",
    ("RO", "AT-SMT"): "product_pricing AC_STD/DC_FAST, RON, validity 2 minutes and 0.2 kWh",
    ("RO", "BG-ELC"): f"ocpi_tariff {OCPI_TARIFF_ID}, RON",
    ("RO", "RO-NEW"): "standard_pricing per kWh, RON; no tax configuration: every session not rated",
    ("BG", "RO-EMO"): "standard_pricing per kWh, BGN then EUR",
    ("BG", "DE-ICE"): "standard_pricing per minute, BGN then EUR",
    ("BG", "BG-ELC"): "standard_pricing per session, BGN then EUR",
    ("BG", "AT-SMT"): "product_pricing AC_STD/DC_FAST, BGN then EUR, validity 2 minutes and 0.2 kWh",
    ("BG", "NL-PLG"): "standard_pricing per hour, BGN then EUR; no VAT rate for time: every session not rated",
}


def month_of(value: Month | str) -> Month:
    return value if isinstance(value, Month) else Month.parse(value)


def build_evses(seed: int) -> list[Evse]:
    """24 EVSEs in RO and 16 in BG, two per site; AC sites 11 or 22 kW, DC sites 50 or 150 kW."""
    evses: list[Evse] = []
    for country, sites in SITES.items():
        rng = stream(seed, "emobility_evses", 0 if country == "RO" else 1)
        party = OPERATORS[country].split("*")[1]
        for index, (city, postal_code, latitude, longitude) in enumerate(sites):
            dc = index in DC_SITES[country]
            power = int(rng.choice([50, 150] if dc else [11, 22]))
            street = f"{STREETS[country][int(rng.integers(len(STREETS[country])))]} {int(rng.integers(1, 180))}"
            location_id = f"{country}-{party}-L{index + 1:03d}"
            name = f"VoltCharge {city} {'Hub' if dc else 'Park'} {index + 1}"
            for plug in range(2):
                number = index * 2 + plug + 1
                evses.append(
                    Evse(
                        evse_id=f"{OPERATORS[country]}*E{number:05d}",
                        country_code=country,
                        location_id=location_id,
                        location_name=name,
                        street=street,
                        city=city,
                        postal_code=postal_code,
                        latitude=latitude,
                        longitude=longitude,
                        power_type="DC" if dc else "AC_3_PHASE",
                        max_power_kw=power,
                    )
                )
    return evses


# emp_id, legal name, VAT number, street, city, postal code, country, invoice e-mail, subscribed on (None: recently)
# fmt: off
_PROVIDERS: tuple[tuple[str, str, str, str, str, str, str, str, date | None], ...] = (
    ("RO-EMO", "EMotion Mobilitate SRL", "RO22771234", "Str. Fabrica de Glucoză 11", "București", "020331", "RO",
     "facturi@emotion-mobilitate.example", date(2023, 6, 1)),
    ("DE-ICE", "IceCharge Mobility GmbH", "DE312345678", "Leopoldstraße 21", "München", "80802", "DE",
     "billing@icecharge.example", date(2024, 2, 15)),
    ("BG-ELC", "ElektroKarta EOOD", "BG205123456", "bul. Tsarigradsko shose 115", "Sofia", "1784", "BG",
     "fakturi@elektrokarta.example", date(2024, 5, 1)),
    ("NL-PLG", "PlugLine B.V.", "NL861234567B01", "Keizersgracht 400", "Amsterdam", "1016 GC", "NL",
     "ap@plugline.example", date(2024, 3, 1)),
    ("AT-SMT", "SmartMobil Austria GmbH", "ATU71234567", "Mariahilfer Straße 88", "Wien", "1070", "AT",
     "rechnung@smartmobil.example", date(2024, 9, 1)),
    ("RO-NEW", "NewWave Charging SRL", "RO49876543", "Bd. Iuliu Maniu 7", "Cluj-Napoca", "400095", "RO",
     "facturi@newwave-charging.example", None),
)
# fmt: on
# emp_id, country, id suffix, methodology, product, unit, price per unit, per session, currency, validity (min, kWh).
# BG prices are "BGN/EUR": one row in BGN to 2025-12-31 and one in EUR from 2026-01-01.
_OFFERS: tuple[tuple[str, ...], ...] = (
    ("RO-EMO", "RO", "STD", "standard_pricing", "", "kWh", "0.33", "", "EUR", ""),
    ("DE-ICE", "RO", "PDF", "individual_pdf", "", "", "", "", "EUR", ""),
    ("NL-PLG", "RO", "STD", "standard_pricing", "", "hour", "2.40", "", "EUR", "2"),
    ("AT-SMT", "RO", "AC_STD", "product_pricing", "AC_STD", "kWh", "1.45", "2.00", "RON", "2/0.2"),
    ("AT-SMT", "RO", "DC_FAST", "product_pricing", "DC_FAST", "kWh", "2.10", "3.50", "RON", "2/0.2"),
    ("BG-ELC", "RO", "OCPI", "ocpi_tariff", "", "", "", "", "RON", ""),
    ("RO-NEW", "RO", "STD", "standard_pricing", "", "kWh", "1.70", "", "RON", ""),
    ("RO-EMO", "BG", "STD", "standard_pricing", "", "kWh", "0.62/0.32", "", "BGN/EUR", ""),
    ("DE-ICE", "BG", "STD", "standard_pricing", "", "minute", "0.0300/0.0155", "", "BGN/EUR", ""),
    ("BG-ELC", "BG", "STD", "standard_pricing", "", "session", "9.50/4.90", "", "BGN/EUR", ""),
    ("AT-SMT", "BG", "AC_STD", "product_pricing", "AC_STD", "kWh", "0.55/0.28", "1.00/0.50", "BGN/EUR", "2/0.2"),
    ("AT-SMT", "BG", "DC_FAST", "product_pricing", "DC_FAST", "kWh", "0.85/0.44", "1.50/0.80", "BGN/EUR", "2/0.2"),
    ("NL-PLG", "BG", "STD", "standard_pricing", "", "hour", "4.50/2.30", "", "BGN/EUR", ""),
)


def recently_subscribed(first_month: Month) -> date:
    """RO-NEW's subscription (and offer) day: 20 days before the first month."""
    return first_month.first_day - timedelta(days=20)


def build_providers(first_month: Month) -> list[Provider]:
    """The six EMPs; RO-NEW subscribed recently and has no tax configuration yet."""
    return [Provider(*row[:8], subscribed_on=row[8] or recently_subscribed(first_month)) for row in _PROVIDERS]


def _part(text: str, index: int) -> Decimal | None:
    """Side `index` of a `BGN/EUR` pair (or the single value); None when empty."""
    if not text:
        return None
    parts = text.split("/")
    return Decimal(parts[index] if len(parts) > 1 else parts[0])


def build_offers(first_month: Month) -> list[Offer]:
    """Every subscription's offer rows (see `SUBSCRIPTIONS`)."""
    offers = []
    for emp, country, suffix, methodology, product, unit, per_unit, per_session, currencies, validity in _OFFERS:
        minutes, energy = (validity.split("/") + [""])[:2] if validity else ("", "")
        if country == "BG":
            sides = [
                (0, "BGN", OFFERS_VALID_FROM, EURO_CHANGEOVER - timedelta(days=1), f"OF-{emp}-BG-{suffix}-BGN"),
                (1, "EUR", EURO_CHANGEOVER, None, f"OF-{emp}-BG-{suffix}-EUR"),
            ]
        else:
            start = recently_subscribed(first_month) if emp == "RO-NEW" else OFFERS_VALID_FROM
            sides = [(0, currencies, start, None, f"OF-{emp}-RO-{suffix}")]
        for index, currency, valid_from, valid_to, offer_id in sides:
            offers.append(
                Offer(
                    offer_id,
                    emp,
                    country,
                    methodology,
                    currency,
                    valid_from,
                    valid_to,
                    product_id=product,
                    reference_unit=unit,
                    price_per_unit=_part(per_unit, index),
                    price_per_session=_part(per_session, index),
                    ocpi_tariff_id=OCPI_TARIFF_ID if methodology == "ocpi_tariff" else "",
                    min_session_minutes=Decimal(minutes) if minutes else None,
                    min_session_energy_kwh=Decimal(energy) if energy else None,
                )
            )
    return offers


def build_tax_rates() -> list[TaxRate]:
    """VAT per EMP, country and component: RO 19 % then 21 % from 2025-08-01, BG 20 %.

    Every component an offer charges has a rate, except NL-PLG's `time` in BG (its hourly offer needs it)
    and anything of RO-NEW (no tax configuration at all)."""
    needs = {
        ("RO-EMO", "RO"): ("energy",),
        ("DE-ICE", "RO"): ("energy", "time"),  # priced individually; rates kept from an earlier offer
        ("NL-PLG", "RO"): ("time",),
        ("AT-SMT", "RO"): ("session_fee", "energy"),
        ("BG-ELC", "RO"): ("session_fee", "energy", "time", "parking"),
        ("RO-EMO", "BG"): ("energy",),
        ("DE-ICE", "BG"): ("time",),
        ("BG-ELC", "BG"): ("session_fee",),
        ("AT-SMT", "BG"): ("session_fee", "energy"),
        ("NL-PLG", "BG"): ("energy",),  # deliberately no `time`
    }
    rates: list[TaxRate] = []
    for (emp, country), components in needs.items():
        for component in components:
            if country == "RO":
                rates.append(TaxRate(emp, country, component, Decimal("19"), date(2017, 1, 1)))
                rates.append(TaxRate(emp, country, component, Decimal("21"), RO_VAT_CHANGE))
            else:
                rates.append(TaxRate(emp, country, component, Decimal("20"), date(2007, 1, 1)))
    return rates


def offer_for(offers: list[Offer], emp_id: str, country: str, day: date, product_id: str = "") -> Offer | None:
    """The offer valid on `day` (for Product Pricing: the one of `product_id`)."""
    valid = [o for o in offers if o.emp_id == emp_id and o.country_code == country and o.valid_on(day)]
    if product_id:
        return next((o for o in valid if o.product_id == product_id), None)
    return valid[0] if valid else None


def tax_rate_for(rates: list[TaxRate], emp_id: str, country: str, component: str, day: date) -> Decimal | None:
    """The rate of the latest `valid_from` on or before `day`, None when none is configured."""
    found = sorted(
        (r.valid_from, r.vat_rate_pct)
        for r in rates
        if (r.emp_id, r.country_code, r.price_component) == (emp_id, country, component) and r.valid_from <= day
    )
    return found[-1][1] if found else None


def evse_weights(evses: list[Evse], country: str, seed: int) -> tuple[list[Evse], np.ndarray]:
    """The country's EVSEs and how often each is used (busy city sites more)."""
    chosen = [e for e in evses if e.country_code == country]
    raw = stream(seed, "emobility_evse_use", 0 if country == "RO" else 1).uniform(0.5, 1.5, len(chosen))
    return chosen, raw / raw.sum()
