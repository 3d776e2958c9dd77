"""ENTSO-E XML price documents through the landing zone: same raw rows as CSV, the XML line of each
row, bad parts quarantined with their line and reason, hostile documents rejected whole, idempotent."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from ingestion.loader import ingest_source
from ingestion.sources import DAY_AHEAD_PRICES, IMBALANCE_PRICES

RO, BG, DE = "10YRO-TEL------P", "10YCA-BULGARIA-R", "10Y1001A1001A82H"
UTC = timezone.utc


def points(prices: dict[int, str], amount: str = "price.amount") -> str:
    return "".join(f"    <Point><position>{p}</position><{amount}>{v}</{amount}></Point>\n" for p, v in prices.items())


def day_ahead_document(
    zone: str, start: str, end: str, resolution: str, prices: dict[int, str], curve: str = "A01", unit: str = "MWH"
) -> str:
    """Line 1 is the XML declaration; the first Point is on line 15."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<Publication_MarketDocument xmlns="urn:iec62325.351:tc57wg16:451-3:publicationdocument:7:3">\n'
        "  <type>A44</type>\n"
        "  <TimeSeries>\n"
        "    <mRID>1</mRID>\n"
        f"    <in_Domain.mRID codingScheme=\"A01\">{zone}</in_Domain.mRID>\n"
        f"    <out_Domain.mRID codingScheme=\"A01\">{zone}</out_Domain.mRID>\n"
        "    <currency_Unit.name>EUR</currency_Unit.name>\n"
        f"    <price_Measure_Unit.name>{unit}</price_Measure_Unit.name>\n"
        f"    <curveType>{curve}</curveType>\n"
        "    <Period>\n"
        f"    <timeInterval><start>{start}</start><end>{end}</end></timeInterval>\n"
        f"    <resolution>{resolution}</resolution>\n"
        "    <!-- points -->\n"
        f"{points(prices)}"
        "    </Period>\n"
        "  </TimeSeries>\n"
        "</Publication_MarketDocument>\n"
    )


def imbalance_document(zone: str, start: str, end: str, long_prices: dict[int, str], short_prices: dict[int, str]) -> str:
    def series(category: str, prices: dict[int, str]) -> str:
        body = "".join(
            f"      <Point><position>{p}</position><imbalance_Price.amount>{v}</imbalance_Price.amount>"
            f"<imbalance_Price.category>{category}</imbalance_Price.category></Point>\n"
            for p, v in prices.items()
        )
        return (
            "  <TimeSeries>\n"
            f"    <area_Domain.mRID codingScheme=\"A01\">{zone}</area_Domain.mRID>\n"
            "    <currency_Unit.name>RON</currency_Unit.name>\n"
            "    <price_Measure_Unit.name>MWH</price_Measure_Unit.name>\n"
            "    <curveType>A01</curveType>\n"
            "    <Period>\n"
            f"      <timeInterval><start>{start}</start><end>{end}</end></timeInterval>\n"
            "      <resolution>PT15M</resolution>\n"
            f"{body}"
            "    </Period>\n"
            "  </TimeSeries>\n"
        )

    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<Balancing_MarketDocument xmlns="urn:iec62325.351:tc57wg16:451-6:balancingdocument:4:4">\n'
        "  <type>A85</type>\n"
        f"{series('A04', long_prices)}{series('A05', short_prices)}"
        "</Balancing_MarketDocument>\n"
    )


def write(inbox: Path, source: str, name: str, text: str) -> None:
    folder = inbox / source
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")


@pytest.fixture()
def connection() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    yield con
    con.close()


def test_a_day_ahead_document_loads_the_same_rows_as_csv_with_the_line_of_each_point(tmp_path: Path, connection) -> None:
    # One hour of 15-minute prices on 2026-03-10 00:00-01:00 Bucharest (UTC+2): 2026-03-09T22:00Z.
    write(tmp_path, "day_ahead_prices", "da_RO.xml", day_ahead_document(RO, "2026-03-09T22:00Z", "2026-03-09T23:00Z", "PT15M",
                                                                        {1: "95.10", 2: "88.30", 3: "-4.00", 4: "0"}))
    write(tmp_path, "day_ahead_prices", "da_RO_next.csv",
          "market_code,period_start,period_minutes,price_per_mwh,currency\n"
          "RO,2026-03-10T01:00:00+02:00,15,77.70,EUR\n")
    result = ingest_source(connection, DAY_AHEAD_PRICES, tmp_path)

    assert (result.rows_loaded, result.rows_rejected) == (5, 0)
    rows = connection.execute(
        "SELECT market_code, period_start, period_minutes, price_per_mwh, currency, _source_file, _source_line "
        "FROM raw.day_ahead_prices ORDER BY period_start"
    ).fetchall()
    assert rows == [
        ("RO", datetime(2026, 3, 9, 22, 0, tzinfo=UTC), 15, Decimal("95.10"), "EUR", "da_RO.xml", 15),
        ("RO", datetime(2026, 3, 9, 22, 15, tzinfo=UTC), 15, Decimal("88.30"), "EUR", "da_RO.xml", 16),
        ("RO", datetime(2026, 3, 9, 22, 30, tzinfo=UTC), 15, Decimal("-4.00"), "EUR", "da_RO.xml", 17),
        ("RO", datetime(2026, 3, 9, 22, 45, tzinfo=UTC), 15, Decimal("0"), "EUR", "da_RO.xml", 18),
        # 01:00 at +02:00 is 23:00Z: the CSV row follows on.
        ("RO", datetime(2026, 3, 9, 23, 0, tzinfo=UTC), 15, Decimal("77.70"), "EUR", "da_RO_next.csv", 2),
    ]


def test_a03_fills_carry_the_line_of_the_repeated_point_and_do_not_count_as_duplicates(tmp_path: Path, connection) -> None:
    # Positions 2 and 3 are left out: they repeat position 1 (line 15). Position 4 is on line 16.
    write(tmp_path, "day_ahead_prices", "a03.xml",
          day_ahead_document(BG, "2026-03-09T22:00Z", "2026-03-09T23:00Z", "PT15M", {1: "50.00", 4: "61.25"}, curve="A03"))
    result = ingest_source(connection, DAY_AHEAD_PRICES, tmp_path)
    assert (result.rows_loaded, result.rows_rejected) == (4, 0)
    rows = connection.execute(
        "SELECT market_code, price_per_mwh, _source_line FROM raw.day_ahead_prices ORDER BY period_start"
    ).fetchall()
    assert rows == [("BG", Decimal("50.00"), 15), ("BG", Decimal("50.00"), 15), ("BG", Decimal("50.00"), 15), ("BG", Decimal("61.25"), 16)]


def test_rows_that_break_the_contract_or_name_an_unknown_zone_are_quarantined_with_their_xml_line(tmp_path: Path, connection) -> None:
    # PT30M is parsed but the contract takes 15 or 60 minutes: every row is rejected by the CSV rules, at its Point's line.
    write(tmp_path, "day_ahead_prices", "pt30m.xml",
          day_ahead_document(RO, "2026-03-09T22:00Z", "2026-03-09T23:00Z", "PT30M", {1: "10.00", 2: "11.00"}))
    write(tmp_path, "day_ahead_prices", "germany.xml",
          day_ahead_document(DE, "2026-03-09T22:00Z", "2026-03-09T22:15Z", "PT15M", {1: "10.00"}))
    write(tmp_path, "day_ahead_prices", "per_kwh.xml",
          day_ahead_document(RO, "2026-03-09T22:00Z", "2026-03-09T22:15Z", "PT15M", {1: "0.10"}, unit="KWH"))
    result = ingest_source(connection, DAY_AHEAD_PRICES, tmp_path)

    assert result.rows_loaded == 0
    rejected = connection.execute(
        "SELECT source_file, line_number, reason_code, reason FROM raw.rejected_rows ORDER BY source_file, line_number"
    ).fetchall()
    assert [(f, line, code) for f, line, code, _ in rejected] == [
        ("germany.xml", 15, "unknown_bidding_zone"),
        ("per_kwh.xml", 15, "unsupported_unit"),
        ("pt30m.xml", 15, "not_allowed_value"),
        ("pt30m.xml", 16, "not_allowed_value"),
    ]
    assert rejected[0][3].startswith(f"germany.xml line 15: bidding zone '{DE}'")
    assert rejected[2][3].startswith("pt30m.xml line 15: ") and "period_minutes" in rejected[2][3]


def test_dual_imbalance_prices_become_long_and_short_rows(tmp_path: Path, connection) -> None:
    write(tmp_path, "imbalance_prices", "imb.xml",
          imbalance_document(RO, "2026-03-09T22:00Z", "2026-03-09T22:30Z", {1: "300.00", 2: "310.50"}, {1: "650.00", 2: "-20.00"}))
    result = ingest_source(connection, IMBALANCE_PRICES, tmp_path)
    assert (result.rows_loaded, result.rows_rejected) == (4, 0)
    rows = connection.execute(
        "SELECT period_start, price_category, price_per_mwh, currency FROM raw.imbalance_prices ORDER BY period_start, price_category"
    ).fetchall()
    assert rows == [
        (datetime(2026, 3, 9, 22, 0, tzinfo=UTC), "long", Decimal("300.00"), "RON"),
        (datetime(2026, 3, 9, 22, 0, tzinfo=UTC), "short", Decimal("650.00"), "RON"),
        (datetime(2026, 3, 9, 22, 15, tzinfo=UTC), "long", Decimal("310.50"), "RON"),
        (datetime(2026, 3, 9, 22, 15, tzinfo=UTC), "short", Decimal("-20.00"), "RON"),
    ]


HOSTILE = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<Balancing_MarketDocument><type>A85</type><TimeSeries>&lol2;</TimeSeries></Balancing_MarketDocument>
"""


@pytest.mark.parametrize(
    ("folder", "text", "code"),
    [
        ("imbalance_prices", HOSTILE, None),
        ("imbalance_prices", "<Balancing_MarketDocument><type>A85</type><TimeSeries>", None),
        # A day-ahead document dropped among the imbalance prices.
        ("imbalance_prices", day_ahead_document(RO, "2026-03-09T22:00Z", "2026-03-09T22:15Z", "PT15M", {1: "1.00"}), "wrong_document_type"),
    ],
)
def test_documents_rejected_whole_register_the_file_as_rejected_and_load_nothing(
    tmp_path: Path, connection, folder: str, text: str, code: str | None
) -> None:
    write(tmp_path, folder, "bad.xml", text)
    result = ingest_source(connection, IMBALANCE_PRICES, tmp_path)
    assert result.rows_loaded == 0
    assert [f.status for f in result.files] == ["rejected"]
    assert connection.execute("SELECT count(*) FROM raw.imbalance_prices").fetchone()[0] == 0
    rejected = connection.execute("SELECT source_file, reason_code, reason FROM raw.rejected_rows").fetchall()
    assert len(rejected) == 1 and rejected[0][0] == "bad.xml"
    assert rejected[0][2].startswith("bad.xml")
    if code is not None:
        assert rejected[0][1] == code
    assert "lollol" not in rejected[0][2]  # the entity was never expanded
    status, message = connection.execute("SELECT status, message FROM raw.ingested_files").fetchone()
    assert status == "rejected" and message


def test_the_same_document_twice_changes_nothing(tmp_path: Path, connection) -> None:
    text = day_ahead_document(RO, "2026-03-09T22:00Z", "2026-03-09T22:30Z", "PT15M", {1: "1.00", 2: "2.00"})
    write(tmp_path, "day_ahead_prices", "a.xml", text)
    ingest_source(connection, DAY_AHEAD_PRICES, tmp_path)
    write(tmp_path, "day_ahead_prices", "a_copy.xml", text)
    second = ingest_source(connection, DAY_AHEAD_PRICES, tmp_path)
    assert [f.status for f in second.files] == ["already_ingested", "already_ingested"]
    assert connection.execute("SELECT count(*) FROM raw.day_ahead_prices").fetchone()[0] == 2


def test_xml_is_only_taken_by_the_price_folders(tmp_path: Path, connection) -> None:
    from ingestion.sources import SETTLEMENT_VOLUMES

    write(tmp_path, "settlement_volumes", "s.xml", "<x/>")
    result = ingest_source(connection, SETTLEMENT_VOLUMES, tmp_path)
    assert [(f.file_name, f.status) for f in result.files] == [("s.xml", "ignored")]
