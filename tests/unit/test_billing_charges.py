"""billing.charges: the invoice lines of one metering point-month.

Every expected value below was worked out by hand; the arithmetic is in the comments.
DST days are Europe/Bucharest: 2025-03-30 has 23 hours (02:59 EET → 04:00 EEST) and
2025-10-26 has 25 hours (03:00 EEST and 03:00 EET both exist). Hourly data is keyed by
UTC interval start, as the warehouse stores it.
Property tests (hypothesis): the INDEX line's net is within Q × 0.0000005 + 0.005 of the
exact hourly cost, and TOU line quantities add up to the month's kWh.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from billing.charges import (
    Consumption,
    FixedTariff,
    IndexTariff,
    NetworkFee,
    ReactiveThreshold,
    TouTariff,
    VatTerms,
    energy_lines,
    excise_line,
    green_certificate_line,
    network_fee_lines,
    reactive_energy_lines,
    regulated_tariff,
    standard_vat,
    vat_rate_for,
)
from billing.invoice_math import InvoiceLine, VatCategory, compute_totals

D = Decimal
VAT = VatTerms(VatCategory.STANDARD, D("21"))
TZ = "Europe/Bucharest"
# Night 22:00–06:00, peak 17:00–20:00, day the rest (local market hours).
HOUR_ZONES = {hour: "night" for hour in (22, 23, 0, 1, 2, 3, 4, 5)} | {17: "peak", 18: "peak", 19: "peak"}
HOUR_ZONES |= {hour: "day" for hour in range(24) if hour not in HOUR_ZONES}
TOU_PRICES = {"day": D("0.900000"), "night": D("0.500000"), "peak": D("1.200000")}


def utc(year: int, month: int, day: int, hour: int) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


def local_day_hours(first_utc: datetime, count: int) -> list[datetime]:
    return [first_utc + timedelta(hours=index) for index in range(count)]


# Local 2025-03-30 runs 2025-03-29 22:00Z (00:00 EET) .. 2025-03-30 21:00Z (00:00 EEST): 23 hours.
SPRING_DAY = local_day_hours(utc(2025, 3, 29, 22), 23)
# Local 2025-10-26 runs 2025-10-25 21:00Z (00:00 EEST) .. 2025-10-26 22:00Z (00:00 EET): 25 hours.
AUTUMN_DAY = local_day_hours(utc(2025, 10, 25, 21), 25)


# --- FIX and regulated --------------------------------------------------------------------------


def test_fix_one_line() -> None:
    charges = energy_lines(FixedTariff(D("0.812345")), Consumption(month_kwh=D("1234.567")), vat=VAT)
    (line,) = charges.lines
    # 1234.567 × 0.812345 = 1234.567 × 0.8 + 1234.567 × 0.012345
    #                     = 987.6536 + (14.814804 + 0.425925615) = 1002.894329615 → 1002.89
    assert (line.quantity, line.unit, line.unit_price) == (D("1234.567"), "kWh", D("0.812345"))
    assert line.net_amount == D("1002.89")
    assert (line.vat_category, line.vat_rate_pct) == (VatCategory.STANDARD, D("21"))
    assert charges.product_code == "FIX" and not charges.regulated


def test_regulated_tariff_is_fix_flagged_regulated() -> None:
    charges = energy_lines(regulated_tariff("0.68"), Consumption(month_kwh=D("250")), vat=VAT)
    (line,) = charges.lines
    assert charges.regulated is True
    assert "regulated" in line.description
    assert line.net_amount == D("170.00")  # 250 × 0.68 = 170


# --- TOU ----------------------------------------------------------------------------------------


def test_tou_from_dso_zone_kwh() -> None:
    consumption = Consumption(zone_kwh={"night": D("400.500"), "day": D("1000.000"), "peak": D("99.500")})
    charges = energy_lines(TouTariff(TOU_PRICES), consumption, vat=VAT)
    assert [line.description for line in charges.lines] == [
        "Active energy, day zone",
        "Active energy, night zone",
        "Active energy, peak zone",
    ]
    # day 1000 × 0.9 = 900.00; night 400.5 × 0.5 = 200.25; peak 99.5 × 1.2 = 119.40
    assert [line.net_amount for line in charges.lines] == [D("900.00"), D("200.25"), D("119.40")]
    assert charges.month_kwh == D("1500.000")  # 1000 + 400.5 + 99.5


def test_tou_spring_forward_day_from_hourly_data() -> None:
    # 23 hours of 2 kWh. Local hours present: 0,1,2,4,...,23 (03:00 does not exist).
    # night {0,1,2,4,5,22,23} = 7 h → 14 kWh; peak {17,18,19} = 3 h → 6 kWh;
    # day {6..16, 20, 21} = 11 + 2 = 13 h → 26 kWh; 14 + 6 + 26 = 46 = 23 × 2.
    consumption = Consumption(hourly_kwh={start: D("2.000") for start in SPRING_DAY})
    tariff = TouTariff(TOU_PRICES, HOUR_ZONES, TZ)
    charges = energy_lines(tariff, consumption, vat=VAT)
    assert [line.quantity for line in charges.lines] == [D("26"), D("14"), D("6")]
    # day 26 × 0.9 = 23.40; night 14 × 0.5 = 7.00; peak 6 × 1.2 = 7.20
    assert [line.net_amount for line in charges.lines] == [D("23.40"), D("7.00"), D("7.20")]
    assert charges.month_kwh == D("46")


def test_tou_autumn_day_counts_the_repeated_night_hour() -> None:
    # 25 hours of 1 kWh: night {0,1,2,3 EEST,3 EET,4,5,22,23} = 9, peak 3, day 13 → 25.
    consumption = Consumption(hourly_kwh={start: D("1") for start in AUTUMN_DAY})
    charges = energy_lines(TouTariff(TOU_PRICES, HOUR_ZONES, TZ), consumption, vat=VAT)
    assert [line.quantity for line in charges.lines] == [D("13"), D("9"), D("3")]


def test_tou_refuses_zone_without_price_and_disagreeing_totals() -> None:
    with pytest.raises(ValueError, match="shoulder"):
        energy_lines(TouTariff(TOU_PRICES), Consumption(zone_kwh={"shoulder": D("1")}), vat=VAT)
    with pytest.raises(ValueError, match="disagree"):
        Consumption(month_kwh=D("10"), zone_kwh={"day": D("9")})


# --- INDEX --------------------------------------------------------------------------------------


def test_index_23_hour_day() -> None:
    # Margin 0.015/kWh. 22 hours: 1 kWh at DA 100.00/MWh → 0.100 + 0.015 = 0.115 each → 2.530.
    # Local 04:00 EEST (01:00Z, the hour after the gap): 3 kWh at DA 250.00 → 3 × 0.265 = 0.795.
    # C = 2.530 + 0.795 = 3.325; Q = 22 + 3 = 25; avg = 3.325 / 25 = 0.133 exactly.
    # Line net = round(25 × 0.133) = round(3.325) = 3.33 (half up): 0.005 above C.
    kwh = {start: D("1.000") for start in SPRING_DAY}
    prices = {start: D("100.00") for start in SPRING_DAY}
    kwh[utc(2025, 3, 30, 1)] = D("3.000")
    prices[utc(2025, 3, 30, 1)] = D("250.00")
    charges = energy_lines(IndexTariff(D("0.015")), Consumption(hourly_kwh=kwh), vat=VAT, day_ahead_per_mwh=prices)
    (line,) = charges.lines
    detail = charges.index_detail
    assert detail is not None and len(detail.hours) == 23
    assert (line.quantity, line.unit_price, line.net_amount) == (D("25"), D("0.133000"), D("3.33"))
    assert detail.exact_cost == D("3.325")
    assert detail.average_price_per_kwh == D("0.133")
    assert detail.rounding_difference == D("0.005")


def test_index_25_hour_day_with_negative_hour() -> None:
    # Margin 0.02. 23 ordinary hours: 1 kWh at DA 80.00 → 0.08 + 0.02 = 0.10 → 2.30.
    # 03:00 EEST (00:00Z): 2 kWh at DA 120.00 → 2 × 0.14 = 0.28.
    # 03:00 EET (01:00Z): 4 kWh at DA −30.00 → 4 × (−0.03 + 0.02) = −0.04.
    # C = 2.30 + 0.28 − 0.04 = 2.54; Q = 23 + 2 + 4 = 29.
    # avg = 2.54 / 29 = 0.08758620… → 0.087586; net = round(29 × 0.087586 = 2.539994) = 2.54.
    kwh = {start: D("1") for start in AUTUMN_DAY}
    prices = {start: D("80.00") for start in AUTUMN_DAY}
    kwh[utc(2025, 10, 26, 0)], prices[utc(2025, 10, 26, 0)] = D("2"), D("120.00")
    kwh[utc(2025, 10, 26, 1)], prices[utc(2025, 10, 26, 1)] = D("4"), D("-30.00")
    charges = energy_lines(IndexTariff(D("0.02")), Consumption(hourly_kwh=kwh), vat=VAT, day_ahead_per_mwh=prices)
    (line,) = charges.lines
    assert charges.index_detail is not None and len(charges.index_detail.hours) == 25
    assert charges.index_detail.exact_cost == D("2.54")
    assert (line.quantity, line.unit_price, line.net_amount) == (D("29"), D("0.087586"), D("2.54"))


def test_index_negative_day_ahead_price_hour() -> None:
    # Margin 0.012345/kWh.
    #  10 kWh at DA  50.00 → 0.050000 + 0.012345 = 0.062345 → 0.62345
    #  20 kWh at DA −10.50 → −0.010500 + 0.012345 = 0.001845 → 0.03690
    #   5 kWh at DA   0.00 → 0.012345             → 0.061725
    # C = 0.62345 + 0.0369 + 0.061725 = 0.722075; Q = 35
    # avg = 0.722075 / 35 = 0.0206 + 0.001075 / 35 = 0.0206 + 0.0000307142… = 0.0206307… → 0.020631
    # net = round(35 × 0.020631 = 0.722085) = 0.72
    hours = [utc(2025, 6, 1, 10), utc(2025, 6, 1, 11), utc(2025, 6, 1, 12)]
    kwh = dict(zip(hours, [D("10"), D("20"), D("5")], strict=True))
    prices = dict(zip(hours, [D("50.00"), D("-10.50"), D("0.00")], strict=True))
    charges = energy_lines(IndexTariff(D("0.012345")), Consumption(hourly_kwh=kwh), vat=VAT, day_ahead_per_mwh=prices)
    (line,) = charges.lines
    assert charges.index_detail is not None
    assert [hour.price_per_kwh for hour in charges.index_detail.hours] == [D("0.062345"), D("0.001845"), D("0.012345")]
    assert charges.index_detail.exact_cost == D("0.722075")
    assert (line.quantity, line.unit_price, line.net_amount) == (D("35"), D("0.020631"), D("0.72"))


def test_index_negative_average_becomes_credit_line() -> None:
    # 10 kWh at DA −100.00 + margin 0.01 → −0.09 → −0.90; 10 kWh at DA 20.00 → 0.03 → 0.30.
    # C = −0.60, Q = 20, avg = −0.03 → line: −20 kWh × 0.03 = −0.60 (unit prices are never negative).
    hours = [utc(2025, 5, 11, 11), utc(2025, 5, 11, 12)]
    kwh = dict(zip(hours, [D("10"), D("10")], strict=True))
    prices = dict(zip(hours, [D("-100.00"), D("20.00")], strict=True))
    charges = energy_lines(IndexTariff(D("0.01")), Consumption(hourly_kwh=kwh), vat=VAT, day_ahead_per_mwh=prices)
    (line,) = charges.lines
    assert (line.quantity, line.unit_price, line.net_amount) == (D("-20"), D("0.03"), D("-0.60"))
    assert charges.index_detail is not None and charges.index_detail.average_price_per_kwh == D("-0.03")


def test_index_missing_day_ahead_hours_refused_by_name() -> None:
    hours = local_day_hours(utc(2025, 6, 1, 0), 3)
    with pytest.raises(ValueError, match="no day-ahead price") as error:
        energy_lines(
            IndexTariff(D("0.01")),
            Consumption(hourly_kwh={start: D("1") for start in hours}),
            vat=VAT,
            day_ahead_per_mwh={hours[0]: D("90.00")},
        )
    assert "2025-06-01T01:00:00+00:00" in str(error.value)
    assert "2025-06-01T02:00:00+00:00" in str(error.value)
    assert "2025-06-01T00:00:00+00:00" not in str(error.value)


def test_index_refuses_naive_hours_and_float_prices() -> None:
    with pytest.raises(ValueError, match="naive"):
        Consumption(hourly_kwh={datetime(2025, 10, 26, 3): D("1")})
    with pytest.raises(TypeError, match="float"):
        energy_lines(
            IndexTariff(D("0.01")),
            Consumption(hourly_kwh={utc(2025, 6, 1, 0): D("1")}),
            vat=VAT,
            day_ahead_per_mwh={utc(2025, 6, 1, 0): 90.5},  # type: ignore[dict-item]
        )


# --- reactive energy ----------------------------------------------------------------------------


def test_reactive_with_tan_threshold() -> None:
    # Allowed inductive = 0.328 × 10 000 = 3 280; billable = 4 000 − 3 280 = 720.000 → × 0.05 = 36.00.
    # Capacitive (default share 0): all 150.5 billed → 150.5 × 0.05 = 7.525 → 7.53.
    lines = reactive_energy_lines(
        D("10000"), D("4000"), D("150.5"), ReactiveThreshold.from_tan("0.328"), D("0.05"), vat=VAT
    )
    assert [(line.quantity, line.unit, line.net_amount) for line in lines] == [
        (D("720.000"), "kvarh", D("36.00")),
        (D("150.500"), "kvarh", D("7.53")),
    ]


def test_cos_phi_converted_to_tan() -> None:
    # cos 0.9: sqrt(1 − 0.81) = sqrt(0.19) = 0.4358898944…; / 0.9 = 0.4843221049… → 0.484322
    assert ReactiveThreshold.from_cos("0.9").tan_phi_max == D("0.484322")
    # cos 0.95: sqrt(1 − 0.9025) = sqrt(0.0975) = 0.3122498999…; / 0.95 = 0.3286841051… → 0.328684
    assert ReactiveThreshold.from_cos("0.95").tan_phi_max == D("0.328684")
    assert ReactiveThreshold.from_cos("1").tan_phi_max == D("0")


def test_reactive_with_cos_threshold_and_capacitive_share() -> None:
    # Allowed inductive = 0.484322 × 1 234.567
    #   = 1234.567 × 0.48 + 1234.567 × 0.004322 = 592.59216 + (4.938268 + 0.397530574) = 597.927958574
    # Billable = 800 − 597.927958574 = 202.072041426 → 202.072; × 0.05 = 10.1036 → 10.10
    # Capacitive share 0.1: allowed 123.4567; billable 130 − 123.4567 = 6.5433 → 6.543; × 0.05 = 0.32715 → 0.33
    lines = reactive_energy_lines(
        D("1234.567"),
        D("800"),
        D("130"),
        ReactiveThreshold.from_cos("0.9"),
        D("0.05"),
        vat=VAT,
        capacitive_threshold_share=D("0.1"),
    )
    assert [(line.quantity, line.net_amount) for line in lines] == [(D("202.072"), D("10.10")), (D("6.543"), D("0.33"))]


def test_reactive_below_thresholds_gives_no_lines() -> None:
    # 300 ≤ 0.328 × 1000 = 328; capacitive 50 ≤ 0.1 × 1000 = 100.
    lines = reactive_energy_lines(
        D("1000"), D("300"), D("50"), ReactiveThreshold.from_tan("0.328"), D("0.05"), vat=VAT,
        capacitive_threshold_share=D("0.1"),
    )
    assert lines == []


def test_reactive_threshold_must_be_explicit() -> None:
    with pytest.raises(TypeError, match="ReactiveThreshold"):
        reactive_energy_lines(D("1"), D("1"), D("0"), D("0.328"), D("0.05"), vat=VAT)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="cos_phi"):
        ReactiveThreshold.from_cos("0")


# --- excise and green certificates --------------------------------------------------------------

RATES = {("RO", "business"): D("2.50"), ("RO", "household"): D("2.50")}
EXEMPTIONS = {("RO", "household"): D("100")}


def test_excise_with_40_percent_exemption_certificate() -> None:
    # 12 345.678 kWh = 12.345678 MWh; taxable 60 % = 7.4074068 → 7.407407 MWh;
    # × 2.50 = 18.5185175 → 18.52
    line = excise_line(D("12345.678"), "RO", "business", RATES, EXEMPTIONS, vat=VAT, exempt_share_pct=D("40"))
    assert line is not None
    assert (line.quantity, line.unit, line.unit_price, line.net_amount) == (D("7.407407"), "MWh", D("2.50"), D("18.52"))


def test_excise_without_exemption_and_household_exempt() -> None:
    # 12.345678 MWh × 2.50 = 30.864195 → 30.86
    line = excise_line(D("12345.678"), "RO", "business", RATES, EXEMPTIONS, vat=VAT)
    assert line is not None and (line.quantity, line.net_amount) == (D("12.345678"), D("30.86"))
    assert excise_line(D("12345.678"), "RO", "household", RATES, EXEMPTIONS, vat=VAT) is None
    with pytest.raises(ValueError, match="BG"):
        excise_line(D("1"), "BG", "business", RATES, vat=VAT)


def test_green_certificates() -> None:
    # 12.345678 MWh × 0.4991 = 6.172839 − 0.0111111102 = 6.1617278898 → 6.161728 certificates
    # × 146.05 = 6.161728 × 146 + 6.161728 × 0.05 = 899.612288 + 0.3080864 = 899.9203744 → 899.92
    line = green_certificate_line(D("12345.678"), D("0.4991"), D("146.05"), vat=VAT)
    assert (line.quantity, line.unit_price, line.net_amount) == (D("6.161728"), D("146.05"), D("899.92"))


# --- network fees -------------------------------------------------------------------------------


def test_network_fees_pass_through() -> None:
    rows = [
        # 1234.567 × 0.123456 = 148.14804 + 4.266663552 = 152.414703552 → 152.41
        {"fee_code": "distribution", "quantity": "1234.567", "unit": "kWh", "unit_price": "0.123456",
         "amount": "152.41", "currency": "RON", "dso_id": "DSO1", "metering_point_id": "MP1", "billing_month": "2025-09"},
        # 15 kW × 12.5 = 187.50, a credit row: −187.50 → quantity −15
        NetworkFee("capacity", D("15.000"), "kW", D("12.5"), D("-187.50"), "RON"),
    ]
    lines = network_fee_lines(rows, vat=VAT, currency="RON")
    assert [(line.quantity, line.unit, line.net_amount) for line in lines] == [
        (D("1234.567"), "kWh", D("152.41")),
        (D("-15.000"), "kW", D("-187.50")),
    ]


def test_network_fee_amount_mismatch_refused_by_name() -> None:
    row = NetworkFee("transmission", D("1234.567"), "kWh", D("0.123456"), D("152.42"), "RON", metering_point_id="MP7")
    with pytest.raises(ValueError, match="'transmission'.*MP7.*152.42.*152.41"):
        network_fee_lines([row], vat=VAT)
    with pytest.raises(ValueError, match="currency"):
        network_fee_lines([NetworkFee("capacity", D("1"), "kW", D("1"), D("1.00"), "EUR")], vat=VAT, currency="RON")


# --- VAT ----------------------------------------------------------------------------------------


def test_vat_rate_changes_on_2025_08_01() -> None:
    assert vat_rate_for("RO", date(2025, 7, 31)) == D("19")
    assert vat_rate_for("RO", date(2025, 8, 1)) == D("21")
    assert vat_rate_for("BG", date(2025, 8, 1)) == D("20")
    with pytest.raises(ValueError, match="DE"):
        vat_rate_for("DE", date(2025, 8, 1))


def test_lines_carry_the_dated_vat() -> None:
    # 100 kWh × 0.5 = 50.00; VAT 19 % = 9.50 in July, 21 % = 10.50 in August.
    for on_date, vat_amount in ((date(2025, 7, 31), D("9.50")), (date(2025, 8, 1), D("10.50"))):
        charges = energy_lines(FixedTariff(D("0.5")), Consumption(month_kwh=D("100")), vat=standard_vat("RO", on_date))
        assert compute_totals(charges.lines).vat_total == vat_amount
    exempt = energy_lines(FixedTariff(D("0.5")), Consumption(month_kwh=D("100")), vat=VatTerms.exempt())
    assert (exempt.lines[0].vat_category, exempt.lines[0].vat_rate_pct) == (VatCategory.EXEMPT, D("0"))
    with pytest.raises(ValueError, match="category E"):
        VatTerms(VatCategory.EXEMPT, D("21"))


# --- properties ---------------------------------------------------------------------------------

kwh_st = st.integers(min_value=0, max_value=5_000_000).map(lambda thousandths: D(thousandths).scaleb(-3))
day_ahead_st = st.integers(min_value=-50_000, max_value=400_000).map(lambda cents: D(cents).scaleb(-2))
margin_st = st.integers(min_value=0, max_value=50_000).map(lambda millionths: D(millionths).scaleb(-6))


@settings(max_examples=300, deadline=None)
@given(hours=st.lists(st.tuples(kwh_st, day_ahead_st), min_size=1, max_size=60), margin=margin_st)
def test_index_line_net_is_within_rounding_bound_of_exact_cost(hours: list[tuple[Decimal, Decimal]], margin: Decimal) -> None:
    # Bound: p = round6(C / Q) is within 0.0000005 of C / Q, so |Q × p − C| ≤ Q × 0.0000005;
    # the line net round2(Q × p) is within 0.005 of Q × p; by the triangle inequality
    # |net − C| ≤ Q × 0.0000005 + 0.005. (For a credit line, −Q × |p| = Q × p: the same bound.)
    starts = local_day_hours(utc(2025, 10, 25, 21), len(hours))
    kwh = {start: hour[0] for start, hour in zip(starts, hours, strict=True)}
    prices = {start: hour[1] for start, hour in zip(starts, hours, strict=True)}
    charges = energy_lines(IndexTariff(margin), Consumption(hourly_kwh=kwh), vat=VAT, day_ahead_per_mwh=prices)
    (line,) = charges.lines
    detail = charges.index_detail
    assert detail is not None
    month_kwh = sum(kwh.values(), D(0))
    assert abs(line.quantity) == month_kwh
    assert abs(line.net_amount - detail.exact_cost) <= month_kwh * D("0.0000005") + D("0.005")


@settings(max_examples=200, deadline=None)
@given(
    first=st.sampled_from([utc(2025, 3, 29, 22), utc(2025, 10, 25, 21), utc(2025, 6, 30, 21)]),
    kwh=st.lists(kwh_st, min_size=1, max_size=100),
)
def test_tou_quantities_add_up_to_month_kwh(first: datetime, kwh: list[Decimal]) -> None:
    hourly = dict(zip(local_day_hours(first, len(kwh)), kwh, strict=True))
    charges = energy_lines(TouTariff(TOU_PRICES, HOUR_ZONES, TZ), Consumption(hourly_kwh=hourly), vat=VAT)
    assert sum((line.quantity for line in charges.lines), D(0)) == sum(kwh, D(0))
    assert all(isinstance(line, InvoiceLine) for line in charges.lines)
