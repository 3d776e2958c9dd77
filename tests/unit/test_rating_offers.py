"""Rating under Hubject offers: the seed's three worked examples, every not-rated reason, rounding and credits."""

from datetime import date
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rating.offers import Offer, OfferBook, OfferRater, Session, TaxRates
from rating.rating_status import NOT_RATED, RATED
from rating.rounding import RoundingRule

DAY = date(2026, 3, 10)
D = Decimal


def standard(unit: str = "kWh", price: str = "0.5", **extra) -> Offer:
    return Offer("OFF-1", "123", "DE", "standard_pricing", "EUR", date(2026, 1, 1), reference_unit=unit, price_per_unit=D(price), **extra)


def rater(offers: list[Offer], taxes: list[tuple], rounding: RoundingRule | None = None) -> OfferRater:
    rules = {"DE": rounding} if rounding else {}
    return OfferRater(OfferBook(offers), TaxRates(taxes), rules)


def session(energy: str = "50", hours: str = "1", **extra) -> Session:
    values = dict(emp_id="123", currency="EUR", country_code="DE", local_start_day=DAY)
    values.update(extra)
    return Session("CDR-1", energy_kwh=D(energy), time_hours=D(hours), **values)


GERMAN_VAT = [("123", "DE", "energy", date(2020, 1, 1), D("19")), ("123", "DE", "time", date(2020, 1, 1), D("19"))]


def test_seed_example_without_rounding():
    # 50 kWh x 0.50 = 25.00 net; 19 % VAT = 4.75; gross 29.75.
    rating = rater([standard()], GERMAN_VAT).rate(session("50"))
    assert rating.status == RATED
    assert (rating.net_amount, rating.vat_amount, rating.gross_amount) == (D("25.00"), D("4.75"), D("29.75"))


def test_seed_example_with_rounding():
    # 57.344 kWh x 0.33 = 18.92352 -> rounded up 18.93; VAT 18.93 x 0.19 = 3.5967 -> 3.60; gross 22.53.
    rating = rater([standard(price="0.33")], GERMAN_VAT).rate(session("57.344"))
    assert (rating.net_amount, rating.vat_amount, rating.gross_amount) == (D("18.93"), D("3.60"), D("22.53"))


def test_seed_example_product_pricing():
    # session 2.00 + 22 % = 0.44; energy 100 x 1.00 = 100.00 + 10 % = 10.00; gross 112.44.
    offer = Offer(
        "OFF-P", "111", "IT", "product_pricing", "EUR", date(2026, 1, 1),
        product_id="AC", reference_unit="kWh", price_per_unit=D("1"), price_per_session=D("2"),
    )
    taxes = [("111", "IT", "session_fee", date(2026, 1, 1), D("22")), ("111", "IT", "energy", date(2026, 1, 1), D("10"))]
    rating = OfferRater(OfferBook([offer]), TaxRates(taxes)).rate(
        Session("CDR-2", "111", "EUR", D("100"), D("2"), product_id="AC", country_code="IT", local_start_day=DAY)
    )
    assert rating.status == RATED
    assert rating.component("session_fee").gross_amount == D("2.44")
    assert rating.component("energy").gross_amount == D("110.00")
    assert rating.gross_amount == D("112.44")


def test_rounding_rule_is_configurable():
    # half up: 18.92352 -> 18.92; VAT 18.92 x 0.19 = 3.5948 -> 3.59; gross 22.51.
    rating = rater([standard(price="0.33")], GERMAN_VAT, RoundingRule(net="half_up")).rate(session("57.344"))
    assert rating.gross_amount == D("22.51")


@pytest.mark.parametrize(
    ("unit", "price", "hours", "expected_net"),
    [
        ("minute", "0.05", "1.25", D("3.75")),  # 75 min x 0.05
        ("hour", "2.10", "0.5", D("1.05")),  # 0.5 h x 2.10
        ("session", "4.99", "3", D("4.99")),  # one session
    ],
)
def test_reference_units(unit, price, hours, expected_net):
    rating = rater([standard(unit, price)], GERMAN_VAT + [("123", "DE", "session_fee", date(2020, 1, 1), D("19"))]).rate(session(hours=hours))
    assert rating.status == RATED
    assert rating.net_amount == expected_net


def test_credit_cdr_is_the_exact_negative():
    rated = rater([standard(price="0.33")], GERMAN_VAT)
    assert rated.rate(session("57.344", credit=True)).gross_amount == -D("22.53")


@pytest.mark.parametrize(
    ("offers", "taxes", "changes", "reason"),
    [
        ([standard()], GERMAN_VAT, {"country_code": None}, "no_evse_data"),
        ([standard()], GERMAN_VAT, {"currency": "USD"}, "currency_not_supported"),
        ([standard()], GERMAN_VAT, {"emp_id": "999"}, "no_offer"),
        ([Offer("O", "123", "DE", "individual_pdf", "EUR", date(2026, 1, 1))], GERMAN_VAT, {}, "methodology_not_supported"),
        ([standard()], [], {}, "tax_not_configured"),
        ([standard(min_session_energy_kwh=D("0.1"))], GERMAN_VAT, {"energy_kwh": D("0.05")}, "session_below_validity"),
        ([standard(min_session_minutes=D("2"))], GERMAN_VAT, {"time_hours": D("0.03")}, "session_below_validity"),  # 1.8 min
        ([standard()], GERMAN_VAT, {"currency": "RON"}, "offer_currency_mismatch"),
    ],
)
def test_not_rated_reasons(offers, taxes, changes, reason):
    values = dict(emp_id="123", currency="EUR", energy_kwh=D("50"), time_hours=D("1"), country_code="DE", local_start_day=DAY)
    values.update(changes)
    rating = rater(offers, taxes).rate(Session("CDR-9", **values))
    assert (rating.status, rating.reason_code) == (NOT_RATED, reason)
    assert rating.reason and rating.components == ()


def test_product_id_missing_and_unknown():
    offer = Offer("P", "123", "DE", "product_pricing", "EUR", date(2026, 1, 1), product_id="AC", reference_unit="kWh", price_per_unit=D("1"))
    rated = rater([offer], GERMAN_VAT)
    assert rated.rate(session(product_id=None)).reason_code == "product_id_missing"
    assert rated.rate(session(product_id="DC")).reason_code == "product_id_unknown"
    assert rated.rate(session(product_id="AC")).status == RATED


def test_offer_and_tax_validity_follow_the_session_day():
    old = Offer("A", "123", "DE", "standard_pricing", "EUR", date(2025, 1, 1), date(2025, 12, 31), reference_unit="kWh", price_per_unit=D("0.40"))
    new = Offer("B", "123", "DE", "standard_pricing", "EUR", date(2026, 1, 1), reference_unit="kWh", price_per_unit=D("0.50"))
    taxes = [("123", "DE", "energy", date(2020, 1, 1), D("19")), ("123", "DE", "energy", date(2026, 3, 1), D("20"))]
    rated = rater([old, new], taxes)
    # 10 kWh x 0.40 = 4.00, 19 % = 0.76
    assert rated.rate(session("10", local_start_day=date(2025, 6, 1))).gross_amount == D("4.76")
    # 10 kWh x 0.50 = 5.00, 20 % = 1.00
    assert rated.rate(session("10", local_start_day=date(2026, 3, 1))).gross_amount == D("6.00")


@given(
    energy=st.decimals(min_value=0, max_value=500, places=3),
    price=st.decimals(min_value=0, max_value=5, places=6),
    rate=st.sampled_from([D("0"), D("9"), D("19"), D("21"), D("22")]),
)
def test_gross_is_the_rounded_net_plus_the_rounded_vat(energy, price, rate):
    taxes = [("123", "DE", "energy", date(2020, 1, 1), rate)]
    rating = rater([standard(price=str(price))], taxes).rate(session(str(energy)))
    net = (energy * price).quantize(D("0.01"), rounding=ROUND_CEILING)
    vat = (net * rate / 100).quantize(D("0.01"), rounding=ROUND_HALF_UP)
    assert (rating.net_amount, rating.vat_amount, rating.gross_amount) == (net, vat, net + vat)
    assert rating.net_amount >= energy * price


def test_a_country_without_subsidiary_has_no_tax_configuration():
    rated = OfferRater(OfferBook([standard()]), TaxRates(GERMAN_VAT), subsidiary_countries=frozenset({"RO"}))
    assert rated.rate(session()).reason_code == "tax_not_configured"
