"""rating.ocpi / rating.ocpi_pricing / voltbill.rate_cdr: OCPI 2.2.1 tariffs applied to CDRs.

Every expected amount below was worked out by hand; the arithmetic is in the comments. Where a test
uses an example of the OCPI 2.2.1 Tariffs module (mod_tariffs.asciidoc), the published result is quoted.
Hour volumes are written with 4 decimals as CPOs send them (5 min = 0.0833 h = 299.88 s); the engine
rounds TIME/PARKING_TIME totals to whole seconds before applying step_size.
Rounding: total = full-precision sum rounded half-up to cents; dimension figures are apportioned to it.
Property tests (hypothesis): the four dimension figures add up to total_cost without min/max price,
energy cost is monotone in energy, and step_size never bills less energy than was charged.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rating.ocpi import Cdr, OcpiFormatError, Tariff, load_json, parse_cdr, parse_tariff
from rating.ocpi_pricing import Amount, NotRatedError, OcpiPrice, price_cdr
from voltbill.rate_cdr import main_rate_cdr, rate_cdr_files

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ocpi"
D = Decimal
WEEKDAYS = ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY"]


# --------------------------------------------------------------------------- builders


def comp(kind: str, price: str, step: int = 1, vat: str | None = None) -> dict[str, Any]:
    component: dict[str, Any] = {"type": kind, "price": D(price), "step_size": step}
    if vat is not None:
        component["vat"] = D(vat)
    return component


def el(*components: dict[str, Any], **restrictions: Any) -> dict[str, Any]:
    element: dict[str, Any] = {"price_components": list(components)}
    if restrictions:
        element["restrictions"] = restrictions
    return element


def tariff(*elements: dict[str, Any], **extra: Any) -> Tariff:
    return parse_tariff({"id": "T1", "currency": "EUR", "elements": list(elements), **extra})


def cdr(start: str, end: str, *periods: tuple[str, dict[str, str]], **extra: Any) -> Cdr:
    """periods: (start_date_time, {dimension: volume}); times are UTC."""
    document: dict[str, Any] = {
        "id": "CDR1",
        "country_code": "DE",
        "party_id": "ALL",
        "start_date_time": start,
        "end_date_time": end,
        "currency": "EUR",
        "cdr_token": {"uid": "u1", "type": "RFID", "contract_id": "DE-EMS-1", "country_code": "DE", "party_id": "EMS"},
        "cdr_location": {"evse_uid": "3256", "evse_id": "DE*ALL*E3256"},
        "charging_periods": [
            {"start_date_time": at, "dimensions": [{"type": k, "volume": D(v)} for k, v in dims.items()]}
            for at, dims in periods
        ],
        "total_energy": D(0),
        "total_time": D(0),
        **extra,
    }
    return parse_cdr(document)


def energy_session(kwh: str) -> Cdr:
    return cdr("2025-03-03T10:00:00Z", "2025-03-03T12:00:00Z", ("2025-03-03T10:00:00Z", {"ENERGY": kwh, "TIME": "2"}))


def totals(price: OcpiPrice) -> tuple[Decimal, Decimal]:
    return price.total_cost.excl_vat, price.total_cost.incl_vat


SIMPLE_ENERGY = (el(comp("ENERGY", "0.25", 1, "10.0")),)  # mod_tariffs "Simple Tariff example 0.25 euro per kWh"
START_FEE = el(comp("FLAT", "0.50", 1, "20.0"))


# --------------------------------------------------------------------------- spec examples


def test_simple_energy_tariff_20_kwh() -> None:
    # spec: 20 kWh at 0.25 -> 5.00 excl, 5.00 * 1.10 = 5.50 incl.
    price = price_cdr(tariff(*SIMPLE_ENERGY), energy_session("20"))
    assert totals(price) == (D("5.00"), D("5.50"))
    assert price.total_energy_cost == Amount(D("5.00"), D("5.50"))
    assert price.total_fixed_cost == Amount(D("0.00"), D("0.00"))
    assert price.total_energy == D("20.0000") and price.total_time == D("2.0000")


def test_energy_step_size_of_one_wh_rounds_115_2_wh_up_to_116() -> None:
    # spec step_size note: 115.2 Wh, step 1 Wh -> 116 Wh * 0.25/kWh = 0.029; decimals=3 shows it.
    price = price_cdr(tariff(el(comp("ENERGY", "0.25", 1))), energy_session("0.1152"), decimals=3)
    assert price.total_energy_cost.excl_vat == D("0.029")
    # step 25 Wh -> 125 Wh * 0.25 = 0.03125 -> 0.031; step 500 -> 500 Wh * 0.25 = 0.125.
    for step, expected in ((25, "0.031"), (500, "0.125")):
        stepped = price_cdr(tariff(el(comp("ENERGY", "0.25", step))), energy_session("0.1152"), decimals=3)
        assert stepped.total_cost.excl_vat == D(expected)


def test_start_fee_is_billed_once() -> None:
    # spec tariff_9: 0.50 (20 % VAT) + 20 kWh * 0.25 (10 % VAT) = 5.50 excl; 0.60 + 5.50 = 6.10 incl.
    session = cdr(
        "2025-03-03T10:00:00Z",
        "2025-03-03T12:00:00Z",
        ("2025-03-03T10:00:00Z", {"ENERGY": "12"}),
        ("2025-03-03T11:00:00Z", {"ENERGY": "8"}),
    )
    price = price_cdr(tariff(START_FEE, *SIMPLE_ENERGY), session)
    assert totals(price) == (D("5.50"), D("6.10"))
    assert price.total_fixed_cost == Amount(D("0.50"), D("0.60"))


def test_min_price_raises_total_only() -> None:
    # spec tariff_12: min 0.50 / 0.55. 1 kWh -> 0.25 / 0.275 < min -> billed 0.50 / 0.55.
    tar = tariff(*SIMPLE_ENERGY, min_price={"excl_vat": D("0.50"), "incl_vat": D("0.55")})
    price = price_cdr(tar, energy_session("1"))
    assert totals(price) == (D("0.50"), D("0.55"))
    assert price.price_limit == "min_price"
    assert price.total_energy_cost == Amount(D("0.25"), D("0.28"))  # 0.275 -> 0.28, left as priced
    # 20 kWh -> 5.00 / 5.50, above the minimum: untouched.
    price = price_cdr(tar, energy_session("20"))
    assert totals(price) == (D("5.00"), D("5.50")) and price.price_limit is None


def test_min_price_without_incl_vat_scales_incl_with_excl() -> None:
    # 1 kWh -> 0.25 / 0.275; min excl 0.50 -> incl 0.275 * 0.50 / 0.25 = 0.55.
    tar = tariff(*SIMPLE_ENERGY, min_price={"excl_vat": D("0.50")})
    assert totals(price_cdr(tar, energy_session("1"))) == (D("0.50"), D("0.55"))


def test_min_price_incl_and_excl_bound_independently() -> None:
    # 2 kWh -> 0.50 excl (= min excl, unchanged), 0.55 incl < min incl 0.60 -> 0.60.
    tar = tariff(*SIMPLE_ENERGY, min_price={"excl_vat": D("0.50"), "incl_vat": D("0.60")})
    price = price_cdr(tar, energy_session("2"))
    assert totals(price) == (D("0.50"), D("0.60")) and price.price_limit == "min_price"


def test_max_price_caps_total() -> None:
    # spec tariff_6: start 0.50 (20 %) + 0.25/kWh (10 %), max 10 / 11.
    tar = tariff(START_FEE, *SIMPLE_ENERGY, max_price={"excl_vat": D("10.00"), "incl_vat": D("11.00")})
    # 50 kWh: 0.50 + 12.50 = 13.00 excl > 10 ; 0.60 + 13.75 = 14.35 incl > 11 -> 10.00 / 11.00.
    price = price_cdr(tar, energy_session("50"))
    assert totals(price) == (D("10.00"), D("11.00")) and price.price_limit == "max_price"
    assert price.total_energy_cost == Amount(D("12.50"), D("13.75"))
    # 30 kWh: 0.50 + 7.50 = 8.00 ; 0.60 + 8.25 = 8.85 (spec) -> under the cap.
    price = price_cdr(tar, energy_session("30"))
    assert totals(price) == (D("8.00"), D("8.85")) and price.price_limit is None


def test_simple_time_tariff_2_euro_per_hour() -> None:
    # spec tariff_1: 2.5 h * 2.00 = 5.00 ; * 1.10 = 5.50.
    tar = tariff(el(comp("TIME", "2.00", 60, "10.0")))
    session = cdr("2025-03-03T10:00:00Z", "2025-03-03T12:30:00Z", ("2025-03-03T10:00:00Z", {"TIME": "2.5"}))
    price = price_cdr(tar, session)
    assert totals(price) == (D("5.00"), D("5.50"))
    assert price.total_time_cost == Amount(D("5.00"), D("5.50"))


def test_time_and_parking_with_parking_step_of_five_minutes() -> None:
    # spec tariff_13: 2.5 h * 3.00 = 7.50 (10 % -> 8.25); parking 42 min -> 45 min = 0.75 h * 5.00 = 3.75
    # (20 % -> 4.50). Total 11.25 excl, 12.75 incl.
    tar = tariff(el(comp("TIME", "3.00", 60, "10.0")), el(comp("PARKING_TIME", "5.00", 300, "20.0")))
    session = cdr(
        "2025-03-03T10:00:00Z",
        "2025-03-03T13:12:00Z",
        ("2025-03-03T10:00:00Z", {"ENERGY": "20", "TIME": "2.5"}),
        ("2025-03-03T12:30:00Z", {"PARKING_TIME": "0.7"}),
    )
    price = price_cdr(tar, session)
    assert totals(price) == (D("11.25"), D("12.75"))
    assert price.total_parking_time_cost == Amount(D("3.75"), D("4.50"))
    assert price.total_parking_time == D("0.7000") and price.total_time == D("3.2000")


def test_ad_hoc_time_tariff_step_300() -> None:
    # spec tariff_2: 2.5 h * 1.90 = 4.75 ; * 1.052 = 4.997 -> 5.00.
    tar = tariff(el(comp("TIME", "1.90", 300, "5.2")))
    session = cdr("2025-03-03T10:00:00Z", "2025-03-03T12:30:00Z", ("2025-03-03T10:00:00Z", {"TIME": "2.5"}))
    assert totals(price_cdr(tar, session)) == (D("4.75"), D("5.00"))


def test_spec_cdr_example_time_rounded_to_300_seconds() -> None:
    # spec cdr_example: 1.973 h = 7102.8 s -> 7103 s -> next multiple of 300 = 7200 s = 2 h * 2.00 = 4.00,
    # * 1.10 = 4.40 (the CDR's own total_cost).
    tar = tariff(el(comp("TIME", "2.00", 300, "10.0")), id="12")
    session = cdr("2015-06-29T21:39:09Z", "2015-06-29T23:37:32Z", ("2015-06-29T21:39:09Z", {"TIME": "1.973"}))
    assert totals(price_cdr(tar, session)) == (D("4.00"), D("4.40"))


COMPLEX = parse_tariff(load_json((FIXTURES / "tariff_complex.json").read_text()))


def test_complex_tariff_monday_morning() -> None:
    # spec tariff_4, Monday 09:30 local, 147 min at max 16 A, then 42 min parking:
    # flat 2.50 (15 %: 2.875); TIME max_current 32 -> 1.00/h step 900: 147 -> 150 min = 2.50 (20 %: 3.00);
    # PARKING weekday 09-18 -> 5.00/h step 300: 42 -> 45 min = 3.75 (10 %: 4.125).
    # Total 2.50 + 2.50 + 3.75 = 8.75; incl 2.875 + 3.00 + 4.125 = 10.000 -> 10.00 (spec: 8.75 / 10).
    session = parse_cdr(load_json((FIXTURES / "cdr_complex_monday.json").read_text()))
    price = price_cdr(COMPLEX, session, "Europe/Berlin")  # 07:30Z = 09:30 CEST
    assert totals(price) == (D("8.75"), D("10.00"))
    # Dimension figures add up to the total: 4.125 and 2.875 both have a 0.005 remainder; one cent is
    # left after flooring (3.00 + 4.12 + 2.87 = 9.99), it goes to the first of them (parking).
    assert price.total_time_cost == Amount(D("2.50"), D("3.00"))
    assert price.total_parking_time_cost == Amount(D("3.75"), D("4.13"))
    assert price.total_fixed_cost == Amount(D("2.50"), D("2.87"))


def test_complex_tariff_saturday_afternoon() -> None:
    # spec: Saturday 13:30 local, 1.9 h at min 43 A, 71 min parking -> 12.50 / 14.13.
    # flat 2.50 (2.875); TIME min_current 32 weekend -> 1.25/h step 600: 114 -> 120 min = 2.50 (3.00);
    # PARKING Saturday 10-17 (starts 15:24) -> 6.00/h step 300: 71 min = 1.1833 h = 4259.88 s -> 4260 s
    # -> 4500 s = 1.25 h * 6 = 7.50 (8.25). 2.50 + 2.50 + 7.50 = 12.50 ; 2.875 + 3.00 + 8.25 = 14.125 -> 14.13.
    session = cdr(
        "2025-06-07T11:30:00Z",
        "2025-06-07T14:35:00Z",
        ("2025-06-07T11:30:00Z", {"TIME": "1.9", "MIN_CURRENT": "43"}),
        ("2025-06-07T13:24:00Z", {"PARKING_TIME": "1.1833"}),
    )
    price = price_cdr(COMPLEX, session, "Europe/Berlin")
    assert totals(price) == (D("12.50"), D("14.13"))
    assert price.total_parking_time_cost == Amount(D("7.50"), D("8.25"))


STEP_TARIFF = parse_tariff(
    {
        "id": "22",
        "currency": "EUR",
        "elements": [  # spec tariff_14_step_size
            el(comp("TIME", "1.20", 1800), comp("PARKING_TIME", "1.00", 900), start_time="00:00", end_time="17:00"),
            el(comp("TIME", "2.40", 900), comp("PARKING_TIME", "1.00", 900), start_time="17:00", end_time="20:00"),
            el(comp("TIME", "2.40", 900), start_time="20:00", end_time="23:59"),
        ],
    }
)


def test_step_size_switching_element_example_2() -> None:
    # spec: plug in 16:35, charge 35 min. 25 min = 0.4167 h * 1.20 = 0.50004 (no rounding: not the last
    # element); 10 min = 0.1667 h * 2.40 = 0.40008; total 1500.12 + 600.12 = 2100.24 s -> 2100 s -> 2700 s
    # (step 900 of the last element); extra 599.76 s = 0.1666 h * 2.40 = 0.39984.
    # 0.50004 + 0.40008 + 0.39984 = 1.29996 -> 1.30 (spec: 1.30).
    session = cdr(
        "2025-03-03T16:35:00Z",
        "2025-03-03T17:10:00Z",
        ("2025-03-03T16:35:00Z", {"TIME": "0.4167"}),
        ("2025-03-03T17:00:00Z", {"TIME": "0.1667"}),
    )
    price = price_cdr(STEP_TARIFF, session)
    assert totals(price) == (D("1.30"), D("1.30"))  # no VAT given -> incl = excl


def test_step_size_switching_to_free_of_charge_element() -> None:
    # spec: 19:55 charge 10 min, then 2 min parking after 20:00 (free: element 3 has no PARKING_TIME).
    # 0.0833 h * 2.40 = 0.19992 ; 0.0833 * 2.40 = 0.19992 ; 599.76 s -> 600 -> 900 s, extra 300.24 s
    # = 0.0834 h * 2.40 = 0.20016. Sum 0.60000 -> 0.60 (spec: 0.60).
    session = cdr(
        "2025-03-03T19:55:00Z",
        "2025-03-03T20:07:00Z",
        ("2025-03-03T19:55:00Z", {"TIME": "0.0833"}),
        ("2025-03-03T20:00:00Z", {"TIME": "0.0833"}),
        ("2025-03-03T20:05:00Z", {"PARKING_TIME": "0.0333"}),
    )
    price = price_cdr(STEP_TARIFF, session)
    assert totals(price) == (D("0.60"), D("0.60"))
    assert price.total_parking_time_cost.excl_vat == D("0.00")


def test_step_size_switching_element_example_1_bills_parking_on_its_own() -> None:
    # spec example #1: 16:55 charge 10 min, 2 min parking. TIME as above: 0.0833 * 1.20 = 0.09996,
    # 0.0833 * 2.40 = 0.19992, 599.76 s -> 600 -> 900 s, extra 300.24 s = 0.0834 h * 2.40 = 0.20016;
    # TIME = 0.50004 -> 0.50 (spec: 0.50). Our reading rounds PARKING_TIME independently (as the complex
    # tariff example does): 0.0333 h = 119.88 s -> 120 -> 900 s = 0.25 h * 1.00 = 0.25. Total 0.75,
    # where the spec text says the 2 parking minutes are absorbed by the charging round-up (0.50).
    session = cdr(
        "2025-03-03T16:55:00Z",
        "2025-03-03T17:07:00Z",
        ("2025-03-03T16:55:00Z", {"TIME": "0.0833"}),
        ("2025-03-03T17:00:00Z", {"TIME": "0.0833"}),
        ("2025-03-03T17:05:00Z", {"PARKING_TIME": "0.0333"}),
    )
    price = price_cdr(STEP_TARIFF, session)
    assert price.total_time_cost.excl_vat == D("0.50")
    assert price.total_parking_time_cost.excl_vat == D("0.25")
    assert price.total_cost.excl_vat == D("0.75")


def test_step_size_applies_when_the_dimension_becomes_free() -> None:
    # Parking 19:50-20:10: 19:50 period priced at 1.00/h step 900 (element 2), 20:00 period free (element 3
    # has no PARKING_TIME). The run ends at 20:00: 0.1667 h = 600.12 s -> 600 -> 900 s = 0.25 h * 1.00 = 0.25.
    session = cdr(
        "2025-03-03T19:50:00Z",
        "2025-03-03T20:10:00Z",
        ("2025-03-03T19:50:00Z", {"PARKING_TIME": "0.1667"}),
        ("2025-03-03T20:00:00Z", {"PARKING_TIME": "0.1667"}),
    )
    assert price_cdr(STEP_TARIFF, session).total_parking_time_cost.excl_vat == D("0.25")


# --------------------------------------------------------------------------- restrictions


NIGHT_DAY = (el(comp("ENERGY", "0.10"), start_time="22:00", end_time="06:00"), el(comp("ENERGY", "0.30")))


def test_time_of_day_window_crossing_midnight_in_local_time() -> None:
    # 2025-01-15 is winter: Europe/Berlin = UTC+1.
    session = cdr(
        "2025-01-15T20:30:00Z",
        "2025-01-16T06:00:00Z",
        ("2025-01-15T20:30:00Z", {"ENERGY": "5"}),  # 21:30 local: day 5 * 0.30 = 1.50
        ("2025-01-15T21:00:00Z", {"ENERGY": "10"}),  # 22:00 local: night 10 * 0.10 = 1.00
        ("2025-01-16T05:00:00Z", {"ENERGY": "2"}),  # 06:00 local: day again (end exclusive) 2 * 0.30 = 0.60
    )
    # 1.50 + 1.00 + 0.60 = 3.10
    assert price_cdr(tariff(*NIGHT_DAY), session, "Europe/Berlin").total_cost.excl_vat == D("3.10")
    # Without a time zone the same instants are read in UTC: 20:30 day 1.50, 21:00 day 3.00,
    # 05:00 night 0.20 -> 4.70.
    assert price_cdr(tariff(*NIGHT_DAY), session).total_cost.excl_vat == D("4.70")


def test_equal_start_and_end_time_is_a_full_day_window() -> None:
    tar = tariff(el(comp("ENERGY", "0.10"), start_time="08:00", end_time="08:00"), el(comp("ENERGY", "0.30")))
    # 03:00 UTC is inside the 24 h window 08:00-08:00: 10 kWh * 0.10 = 1.00.
    session = cdr("2025-03-03T03:00:00Z", "2025-03-03T04:00:00Z", ("2025-03-03T03:00:00Z", {"ENERGY": "10"}))
    assert price_cdr(tar, session).total_cost.excl_vat == D("1.00")


def test_day_of_week_uses_the_local_date() -> None:
    tar = tariff(el(comp("ENERGY", "0.20"), day_of_week=["SATURDAY", "SUNDAY"]), el(comp("ENERGY", "0.30")))
    # Friday 2025-06-06 23:30Z is Saturday 01:30 in Berlin (CEST): weekend 10 * 0.20 = 2.00;
    # in UTC it is Friday: 10 * 0.30 = 3.00.
    session = cdr("2025-06-06T23:30:00Z", "2025-06-07T00:30:00Z", ("2025-06-06T23:30:00Z", {"ENERGY": "10"}))
    assert price_cdr(tar, session, "Europe/Berlin").total_cost.excl_vat == D("2.00")
    assert price_cdr(tar, session, "UTC").total_cost.excl_vat == D("3.00")


def test_start_and_end_date_end_exclusive() -> None:
    tar = tariff(
        el(comp("ENERGY", "0.15"), start_date="2025-01-01", end_date="2025-02-01"), el(comp("ENERGY", "0.30"))
    )
    session = cdr(
        "2025-01-31T22:00:00Z",
        "2025-01-31T23:30:00Z",
        ("2025-01-31T22:00:00Z", {"ENERGY": "10"}),  # 23:00 local on 31 Jan: promo 10 * 0.15 = 1.50
        ("2025-01-31T23:00:00Z", {"ENERGY": "10"}),  # 00:00 local on 1 Feb: end_date exclusive, 10 * 0.30 = 3.00
    )
    assert price_cdr(tar, session, "Europe/Berlin").total_cost.excl_vat == D("4.50")


def test_min_and_max_kwh_use_energy_charged_before_the_period() -> None:
    # spec tariff_7 ("first kWh free, then 0.20"; OCPI 2.1 key tariff_restrictions renamed restrictions)
    # with its parking elements on session duration: 0-1 h free, 1-3 h 2.00/h, from 3 h 3.00/h.
    tar = tariff(
        el(comp("PARKING_TIME", "0.0", 60), min_duration=0, max_duration=3600),
        el(comp("PARKING_TIME", "2.0", 60), min_duration=3600, max_duration=10800),
        el(comp("PARKING_TIME", "3.0", 60), min_duration=10800),
        el(comp("ENERGY", "0.0"), max_kwh=D("1.0")),
        el(comp("ENERGY", "0.2"), min_kwh=D("1.0")),
    )
    session = cdr(
        "2025-03-03T10:00:00Z",
        "2025-03-03T13:45:00Z",
        ("2025-03-03T10:00:00Z", {"ENERGY": "1", "TIME": "0.25"}),  # 0 kWh before: free
        ("2025-03-03T10:15:00Z", {"ENERGY": "19", "TIME": "0.75"}),  # 1 kWh before: 19 * 0.20 = 3.80
        ("2025-03-03T11:00:00Z", {"PARKING_TIME": "2"}),  # at 3600 s: 2 h * 2.00 = 4.00
        ("2025-03-03T13:00:00Z", {"PARKING_TIME": "0.75"}),  # at 10800 s: 0.75 h * 3.00 = 2.25
    )
    price = price_cdr(tar, session)
    assert price.total_energy_cost.excl_vat == D("3.80")
    assert price.total_parking_time_cost.excl_vat == D("6.25")  # 4.00 + 2.25
    assert price.total_cost.excl_vat == D("10.05")  # 3.80 + 6.25


def test_max_duration_supermarket_example() -> None:
    # spec tariffrestriction_example_max_duration: 5 kWh in the first 30 min free, 1.2 kWh in the next
    # 10 min at 0.25 = 0.30 (spec); 20 % VAT -> 0.36. At 1800 s, max_duration 1800 (exclusive) no longer holds.
    tar = tariff(
        el(comp("ENERGY", "0.00", 1, "20.0"), max_duration=1800),
        el(comp("ENERGY", "0.25", 1, "20.0"), max_duration=3600),
        el(comp("ENERGY", "0.40", 1, "20.0")),
    )
    session = cdr(
        "2025-03-03T10:00:00Z",
        "2025-03-03T10:40:00Z",
        ("2025-03-03T10:00:00Z", {"ENERGY": "5"}),
        ("2025-03-03T10:30:00Z", {"ENERGY": "1.2"}),
    )
    assert totals(price_cdr(tar, session)) == (D("0.30"), D("0.36"))


MAX_POWER_TARIFF = (  # spec tariffrestriction_example_max_power
    el(comp("ENERGY", "0.20", 1, "20.0"), max_power=D("16.00")),
    el(comp("ENERGY", "0.35", 1, "20.0"), max_power=D("32.00")),
    el(comp("ENERGY", "0.50", 1, "20.0")),
)


def test_max_power_from_average_power_of_each_period() -> None:
    # spec: 1 kWh at 6 kW (10 min), 40 kWh at 48 kW (50 min), 0.5 kWh at 4 kW (7.5 min):
    # 1 * 0.20 + 40 * 0.50 + 0.5 * 0.20 = 0.20 + 20.00 + 0.10 = 20.30 (spec); * 1.20 = 24.36.
    session = cdr(
        "2025-03-03T10:00:00Z",
        "2025-03-03T11:07:30Z",
        ("2025-03-03T10:00:00Z", {"ENERGY": "1"}),
        ("2025-03-03T10:10:00Z", {"ENERGY": "40"}),
        ("2025-03-03T11:00:00Z", {"ENERGY": "0.5"}),
    )
    assert totals(price_cdr(tar := tariff(*MAX_POWER_TARIFF), session)) == (D("20.30"), D("24.36"))
    assert tar.elements[0].restrictions is not None


def test_max_power_dimension_beats_average_and_min_power_is_inclusive() -> None:
    # 10 kWh over 1 h averages 10 kW, but MAX_POWER 20 kW -> not < 16, < 32 -> 0.35 * 10 = 3.50.
    session = cdr(
        "2025-03-03T10:00:00Z", "2025-03-03T11:00:00Z", ("2025-03-03T10:00:00Z", {"ENERGY": "10", "MAX_POWER": "20"})
    )
    assert price_cdr(tariff(*MAX_POWER_TARIFF), session).total_cost.excl_vat == D("3.50")
    # min_power 10 with an average of exactly 10 kW holds (lower bounds inclusive): 10 * 0.40 = 4.00.
    tar = tariff(el(comp("ENERGY", "0.40"), min_power=D("10")), el(comp("ENERGY", "0.30")))
    plain = cdr("2025-03-03T10:00:00Z", "2025-03-03T11:00:00Z", ("2025-03-03T10:00:00Z", {"ENERGY": "10"}))
    assert price_cdr(tar, plain).total_cost.excl_vat == D("4.00")


def test_current_restriction_without_current_data_does_not_hold() -> None:
    # No MIN/MAX_CURRENT/CURRENT dimension: the max_current element is skipped -> 2.00 * 1 h = 2.00.
    tar = tariff(el(comp("TIME", "1.00", 1), max_current=D("32")), el(comp("TIME", "2.00", 1)))
    session = cdr("2025-03-03T10:00:00Z", "2025-03-03T11:00:00Z", ("2025-03-03T10:00:00Z", {"TIME": "1"}))
    assert price_cdr(tar, session).total_cost.excl_vat == D("2.00")


def test_first_matching_element_is_searched_per_dimension() -> None:
    # Element 1 (weekdays) prices only TIME; ENERGY comes from element 2. Monday 2025-03-03:
    # TIME 1 h * 1.00 = 1.00 ; ENERGY 10 * 0.30 = 3.00 -> 4.00.
    tar = tariff(
        el(comp("TIME", "1.00", 1), day_of_week=WEEKDAYS), el(comp("ENERGY", "0.30"), comp("TIME", "9.99", 1))
    )
    session = cdr(
        "2025-03-03T10:00:00Z", "2025-03-03T11:00:00Z", ("2025-03-03T10:00:00Z", {"ENERGY": "10", "TIME": "1"})
    )
    price = price_cdr(tar, session)
    assert price.total_time_cost.excl_vat == D("1.00") and price.total_energy_cost.excl_vat == D("3.00")


def test_dimension_without_matching_element_is_free() -> None:
    # ENERGY is priced on weekends only; Monday's 10 kWh cost nothing, TIME still 1 h * 2.00 = 2.00.
    tar = tariff(el(comp("ENERGY", "0.30"), day_of_week=["SATURDAY", "SUNDAY"]), el(comp("TIME", "2.00", 60)))
    session = cdr(
        "2025-03-03T10:00:00Z", "2025-03-03T11:00:00Z", ("2025-03-03T10:00:00Z", {"ENERGY": "10", "TIME": "1"})
    )
    price = price_cdr(tar, session)
    assert price.total_energy_cost.excl_vat == D("0.00") and price.total_cost.excl_vat == D("2.00")


def test_reservation_elements_do_not_price_the_charging_session() -> None:
    tar = tariff(el(comp("TIME", "5.00", 60), reservation="RESERVATION"), el(comp("TIME", "2.00", 60)))
    session = cdr("2025-03-03T10:00:00Z", "2025-03-03T11:00:00Z", ("2025-03-03T10:00:00Z", {"TIME": "1"}))
    assert price_cdr(tar, session).total_cost.excl_vat == D("2.00")  # 1 h * 2.00


def test_flat_fee_from_the_first_period_that_has_one() -> None:
    # FLAT only from 1 kWh charged: period 1 (0 kWh before) has none, period 2 (2 kWh before) has 1.00.
    tar = tariff(el(comp("FLAT", "1.00", 0), min_kwh=D("1")), el(comp("ENERGY", "0.10")))
    session = cdr(
        "2025-03-03T10:00:00Z",
        "2025-03-03T12:00:00Z",
        ("2025-03-03T10:00:00Z", {"ENERGY": "2"}),
        ("2025-03-03T11:00:00Z", {"ENERGY": "3"}),
    )
    # 1.00 + 5 * 0.10 = 1.50
    assert price_cdr(tar, session).total_cost.excl_vat == D("1.50")


def test_credit_cdr_is_priced_like_any_other() -> None:
    session = cdr(
        "2025-03-03T10:00:00Z",
        "2025-03-03T11:00:00Z",
        ("2025-03-03T10:00:00Z", {"ENERGY": "20"}),
        credit=True,
        credit_reference_id="CDR0",
    )
    assert totals(price_cdr(tariff(*SIMPLE_ENERGY), session)) == (D("5.00"), D("5.50"))


def test_decimals_zero_for_currencies_without_cents() -> None:
    # 20.5 kWh * 25 = 512.5 -> 513 (half-up).
    tar = parse_tariff({"id": "J", "currency": "JPY", "elements": [el(comp("ENERGY", "25"))]})
    session = cdr(
        "2025-03-03T10:00:00Z", "2025-03-03T11:00:00Z", ("2025-03-03T10:00:00Z", {"ENERGY": "20.5"}), currency="JPY"
    )
    assert price_cdr(tar, session, decimals=0).total_cost.excl_vat == D("513")


# --------------------------------------------------------------------------- not rated


def test_currency_mismatch_is_not_rated() -> None:
    session = cdr(
        "2025-03-03T10:00:00Z", "2025-03-03T11:00:00Z", ("2025-03-03T10:00:00Z", {"ENERGY": "1"}), currency="USD"
    )
    with pytest.raises(NotRatedError, match="EUR.*USD"):
        price_cdr(tariff(*SIMPLE_ENERGY), session)


def test_cdr_without_charging_periods_is_not_rated() -> None:
    with pytest.raises(NotRatedError, match="no charging periods"):
        price_cdr(tariff(*SIMPLE_ENERGY), cdr("2025-03-03T10:00:00Z", "2025-03-03T11:00:00Z"))


def test_period_referring_to_another_tariff_is_not_rated() -> None:
    document = {
        "id": "C", "country_code": "DE", "party_id": "ALL", "currency": "EUR",
        "start_date_time": "2025-03-03T10:00:00Z", "end_date_time": "2025-03-03T11:00:00Z",
        "cdr_token": {"uid": "u", "type": "RFID", "contract_id": "c", "country_code": "DE", "party_id": "EMS"},
        "cdr_location": {"evse_uid": "e", "evse_id": "DE*ALL*E1"},
        "charging_periods": [{"start_date_time": "2025-03-03T10:00:00Z", "tariff_id": "OTHER",
                              "dimensions": [{"type": "ENERGY", "volume": 1}]}],
        "total_energy": 1, "total_time": 1,
    }  # fmt: skip
    with pytest.raises(NotRatedError, match="period 0 refers to tariff OTHER"):
        price_cdr(tariff(*SIMPLE_ENERGY), parse_cdr(document))


def test_tariff_not_valid_at_session_start_is_not_rated() -> None:
    tar = tariff(*SIMPLE_ENERGY, end_date_time="2025-03-01T00:00:00Z")
    with pytest.raises(NotRatedError, match="stopped being valid"):
        price_cdr(tar, energy_session("1"))
    later = tariff(*SIMPLE_ENERGY, start_date_time="2025-04-01T00:00:00Z")
    with pytest.raises(NotRatedError, match="before tariff T1 became valid"):
        price_cdr(later, energy_session("1"))


def test_periods_out_of_order_are_not_rated() -> None:
    session = cdr(
        "2025-03-03T10:00:00Z",
        "2025-03-03T12:00:00Z",
        ("2025-03-03T11:00:00Z", {"ENERGY": "1"}),
        ("2025-03-03T10:30:00Z", {"ENERGY": "1"}),
    )
    with pytest.raises(NotRatedError, match="period 1"):
        price_cdr(tariff(*SIMPLE_ENERGY), session)


def test_unknown_time_zone_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="unknown time zone 'Mars/Olympus'"):
        price_cdr(tariff(*SIMPLE_ENERGY), energy_session("1"), "Mars/Olympus")


# --------------------------------------------------------------------------- format errors


def _tariff_doc() -> dict[str, Any]:
    return {"id": "T", "currency": "EUR", "elements": [el(comp("ENERGY", "0.25")), el(comp("TIME", "1.00", 60))]}


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["elements"][1]["price_components"][0].update(step_size=D(-5)),
         "elements[1].price_components[0].step_size: expected a positive integer, got -5"),
        (lambda d: d["elements"][1]["price_components"][0].update(step_size=D("60.5")),
         "elements[1].price_components[0].step_size: expected a positive integer, got 60.5"),
        (lambda d: d["elements"][0]["price_components"][0].update(type="KWH"),
         "elements[0].price_components[0].type: expected one of ENERGY, FLAT, PARKING_TIME, TIME, got \"KWH\""),
        (lambda d: d["elements"][0]["price_components"][0].update(price=D("-0.25")),
         "elements[0].price_components[0].price: expected a non-negative number, got -0.25"),
        (lambda d: d["elements"][0]["price_components"][0].update(price="0.25"),
         "elements[0].price_components[0].price: expected a number, got \"0.25\""),
        (lambda d: d["elements"][0]["price_components"][0].pop("price"),
         "elements[0].price_components[0].price: required field is missing"),
        (lambda d: d.pop("currency"), "currency: required field is missing"),
        (lambda d: d.update(elements=[]), "elements: expected at least one entry, got an empty list"),
        (lambda d: d["elements"][0].update(restrictions={"start_time": "7:00"}),
         "elements[0].restrictions.start_time: expected a time of day HH:MM (24h, leading zeros), got \"7:00\""),
        (lambda d: d["elements"][0].update(restrictions={"day_of_week": ["MONDAY", "FUNDAY"]}),
         "elements[0].restrictions.day_of_week[1]: expected a day MONDAY..SUNDAY, got \"FUNDAY\""),
        (lambda d: d["elements"][0].update(restrictions={"end_date": "2025-02-30"}),
         "elements[0].restrictions.end_date: expected a date YYYY-MM-DD, got \"2025-02-30\""),
        (lambda d: d.update(min_price={"incl_vat": D(1)}), "min_price.excl_vat: required field is missing"),
    ],
)  # fmt: skip
def test_tariff_format_errors_name_the_json_path(mutate: Any, message: str) -> None:
    document = _tariff_doc()
    mutate(document)
    with pytest.raises(OcpiFormatError) as error:
        parse_tariff(document)
    assert str(error.value) == message


def test_tariff_root_must_be_an_object() -> None:
    with pytest.raises(OcpiFormatError, match=r"^\(root\): expected an object, got a list$"):
        parse_tariff([])


def test_cdr_format_errors_name_the_json_path() -> None:
    base = json.loads((FIXTURES / "cdr_complex_monday.json").read_text())
    cases: list[tuple[str, Any, str]] = [
        ("cdr_token", {"uid": "u", "type": "RFID"}, "cdr_token.contract_id: required field is missing"),
        ("credit", True, "credit_reference_id: required for a credit CDR (credit is true)"),
        ("end_date_time", "2025-06-02T07:00:00Z", "end_date_time: must not be before start_date_time"),
        ("start_date_time", "yesterday", "start_date_time: expected an RFC 3339 date-time, got \"yesterday\""),
    ]
    for key, value, message in cases:
        document = {**base, key: value}
        with pytest.raises(OcpiFormatError) as error:
            parse_cdr(document)
        assert str(error.value) == message
    document = json.loads(json.dumps(base))
    document["charging_periods"][0]["dimensions"].append({"type": "TIME", "volume": 1})
    with pytest.raises(OcpiFormatError, match=r"^charging_periods\[0\]\.dimensions\[3\]\.type: dimension TIME occurs"):
        parse_cdr(document)
    document["charging_periods"][0]["dimensions"] = [{"type": "ENERGY", "volume": -1}]
    with pytest.raises(OcpiFormatError, match=r"^charging_periods\[0\]\.dimensions\[0\]\.volume: expected a non-neg"):
        parse_cdr(document)


def test_numbers_are_decimals_never_floats() -> None:
    tar = parse_tariff(json.loads('{"id": "T", "currency": "EUR", "elements": [{"price_components": '
                                  '[{"type": "ENERGY", "price": 0.1, "step_size": 1}]}]}'))  # fmt: skip
    assert tar.elements[0].price_components[0].price == D("0.1")  # str(0.1) -> "0.1", not 0.1000000000000000055...
    assert isinstance(load_json('{"a": 0.1}')["a"], Decimal)


# --------------------------------------------------------------------------- command function


def test_rate_cdr_files_on_fixtures_gives_exact_json() -> None:
    result = rate_cdr_files(FIXTURES / "tariff_complex.json", FIXTURES / "cdr_complex_monday.json", "Europe/Berlin")
    # Monday example (see test_complex_tariff_monday_morning); ENERGY is not priced by tariff 14;
    # total_time = 07:30Z -> 10:39Z = 3 h 9 min = 3.15 h.
    assert result == {
        "total_cost": {"excl_vat": "8.75", "incl_vat": "10.00"},
        "total_energy_cost": {"excl_vat": "0.00", "incl_vat": "0.00"},
        "total_time_cost": {"excl_vat": "2.50", "incl_vat": "3.00"},
        "total_parking_time_cost": {"excl_vat": "3.75", "incl_vat": "4.13"},
        "total_fixed_cost": {"excl_vat": "2.50", "incl_vat": "2.87"},
        "total_energy": "8.5000",
        "total_time": "3.1500",
        "total_parking_time": "0.7000",
        "currency": "EUR",
        "status": "rated",
    }


def test_main_rate_cdr_exit_code_0_prints_json(capsys: pytest.CaptureFixture[str]) -> None:
    code = main_rate_cdr(FIXTURES / "tariff_complex.json", FIXTURES / "cdr_complex_monday.json", "Europe/Berlin")
    out = capsys.readouterr().out
    assert code == 0
    assert json.loads(out)["total_cost"] == {"excl_vat": "8.75", "incl_vat": "10.00"}
    assert out.startswith('{\n  "total_cost": {\n    "excl_vat": "8.75"')  # indent=2


def test_main_rate_cdr_exit_code_1_when_not_rated(capsys: pytest.CaptureFixture[str]) -> None:
    code = main_rate_cdr(FIXTURES / "tariff_complex.json", FIXTURES / "cdr_usd.json", None)
    assert code == 1
    assert json.loads(capsys.readouterr().out) == {
        "status": "not_rated",
        "reason": "The tariff is in EUR but the CDR is in USD.",
    }


def test_main_rate_cdr_exit_code_2_for_invalid_input(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = FIXTURES / "tariff_bad_step_size.json"
    assert main_rate_cdr(bad, FIXTURES / "cdr_complex_monday.json", None) == 2
    result = json.loads(capsys.readouterr().out)
    assert result == {
        "status": "invalid_input",
        "reason": f"tariff file {bad}: elements[1].price_components[0].step_size: expected a positive integer, got -5",
    }
    broken = FIXTURES / "not_json.json"
    assert main_rate_cdr(FIXTURES / "tariff_complex.json", broken, None) == 2
    reason = json.loads(capsys.readouterr().out)["reason"]
    assert reason.startswith(f"CDR file {broken}: not valid JSON")
    missing = tmp_path / "nope.json"
    assert main_rate_cdr(missing, FIXTURES / "cdr_complex_monday.json", None) == 2
    assert json.loads(capsys.readouterr().out)["reason"].startswith(f"tariff file {missing}: cannot be read")
    assert main_rate_cdr(FIXTURES / "tariff_complex.json", FIXTURES / "cdr_complex_monday.json", "Nowhere/City") == 2
    assert json.loads(capsys.readouterr().out)["reason"].startswith("--time-zone: unknown time zone 'Nowhere/City'")


# --------------------------------------------------------------------------- properties


volumes = st.decimals(min_value=D(0), max_value=D(200), places=4)
prices = st.decimals(min_value=D(0), max_value=D(5), places=4)
vats = st.one_of(st.none(), st.decimals(min_value=D(0), max_value=D(30), places=1))
steps = st.integers(min_value=1, max_value=3600)


@settings(max_examples=150, deadline=None)
@given(
    energy=st.lists(volumes, min_size=1, max_size=4),
    time_price=prices,
    parking_price=prices,
    energy_price=prices,
    flat_price=prices,
    vat=vats,
    step=steps,
    parking=st.decimals(min_value=D(0), max_value=D(5), places=4),
)
def test_total_is_the_sum_of_the_dimension_figures(
    energy: list[Decimal],
    time_price: Decimal,
    parking_price: Decimal,
    energy_price: Decimal,
    flat_price: Decimal,
    vat: Decimal | None,
    step: int,
    parking: Decimal,
) -> None:
    vat_text = None if vat is None else str(vat)
    tar = tariff(
        el(comp("ENERGY", str(energy_price), step, vat_text), comp("TIME", str(time_price), step, vat_text),
           max_kwh=D(50)),
        el(comp("ENERGY", str(energy_price * 2), step, vat_text), comp("FLAT", str(flat_price), 0, "19")),
        el(comp("PARKING_TIME", str(parking_price), step)),
    )  # fmt: skip
    periods = [(f"2025-03-03T{10 + i:02d}:00:00Z", {"ENERGY": str(v), "TIME": "1"}) for i, v in enumerate(energy)]
    periods.append((f"2025-03-03T{10 + len(energy):02d}:00:00Z", {"PARKING_TIME": str(parking)}))
    price = price_cdr(tar, cdr("2025-03-03T10:00:00Z", "2025-03-03T20:00:00Z", *periods))
    parts = [price.total_energy_cost, price.total_time_cost, price.total_parking_time_cost, price.total_fixed_cost]
    assert price.total_cost.excl_vat == sum(p.excl_vat for p in parts)
    assert price.total_cost.incl_vat == sum(p.incl_vat for p in parts)
    # Apportioning may move a cent between figures, but never below zero, and VAT never lowers the total.
    assert all(p.excl_vat >= 0 and p.incl_vat >= 0 for p in parts)
    assert price.total_cost.incl_vat >= price.total_cost.excl_vat


@settings(max_examples=150, deadline=None)
@given(a=volumes, b=volumes, price=prices, step=st.integers(min_value=1, max_value=1000))
def test_energy_cost_is_monotone_in_energy(a: Decimal, b: Decimal, price: Decimal, step: int) -> None:
    tar = tariff(el(comp("ENERGY", str(price), step, "10")))
    low, high = sorted((a, b))
    cost_low = price_cdr(tar, energy_session(str(low))).total_cost
    cost_high = price_cdr(tar, energy_session(str(high))).total_cost
    assert cost_low.excl_vat <= cost_high.excl_vat and cost_low.incl_vat <= cost_high.incl_vat


@settings(max_examples=150, deadline=None)
@given(kwh=volumes, step=st.integers(min_value=1, max_value=1000))
def test_step_size_never_bills_less_energy_than_charged(kwh: Decimal, step: int) -> None:
    # At 1.00 per kWh with 6 decimals the cost is the billed kWh: at least the volume, less than one step more.
    tar = tariff(el(comp("ENERGY", "1.00", step)))
    billed = price_cdr(tar, energy_session(str(kwh)), decimals=6).total_cost.excl_vat
    assert kwh <= billed < kwh + D(step) / 1000
    assert (billed * 1000) % step == 0
