"""The billing engine's dated reference seeds (excise, green certificates, reactive energy, interest rates, bank
accounts), built with real dbt into a warehouse of their own, then checked against independent rules:

* money and rate columns are DECIMAL, never DOUBLE;
* every IBAN passes an ISO 13616 mod-97 check written here, in its country's length and layout;
* every (country, class, currency) excise key has exactly one row in force on every day of every month it is the
  invoice currency of, 2025-01..2026-12 (BG: BGN until 2025-12, EUR from 2026-01; RO: RON);
* the ECB main refinancing rate in force on 2025-03-01 is 2.90 %;
* the singular test `assert_reference_rates_do_not_overlap` passes on the seeds and fails once an overlapping row
  is inserted into the built table.
"""

from __future__ import annotations

import calendar
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from tests.integration.dbt_runner import run_dbt

SEEDS = ("markets", "excise_rates", "green_certificate_quotas", "reactive_energy_prices", "reference_interest_rates", "company_bank_accounts")
OVERLAP_TEST = "assert_reference_rates_do_not_overlap"
DECIMAL_COLUMNS = {
    "excise_rates": ("rate_per_mwh", "exempt_share_pct"),
    "green_certificate_quotas": ("provisional_quota_gc_per_mwh", "final_quota_gc_per_mwh", "certificate_price"),
    "reactive_energy_prices": ("price_per_kvarh",),
    "reference_interest_rates": ("rate_pct",),
}
IBAN_LAYOUT = {"RO": re.compile(r"RO\d{2}[A-Z]{4}[A-Z0-9]{16}"), "BG": re.compile(r"BG\d{2}[A-Z]{4}\d{4}\d{2}[A-Z0-9]{8}")}
IBAN_LENGTH = {"RO": 24, "BG": 22}
MONTHS = [(2025, month) for month in range(1, 13)] + [(2026, month) for month in range(1, 13)]


def build(args: list[str], warehouse: Path, work: Path) -> None:
    completed = run_dbt(args, warehouse, work)
    assert completed.returncode == 0, completed.stdout[-8000:] + completed.stderr[-4000:]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    work = tmp_path_factory.mktemp("billing_reference")
    path = work / "warehouse.duckdb"
    build(["seed", "--select", *SEEDS], path, work)
    build(["test", "--select", *SEEDS[1:], OVERLAP_TEST], path, work)
    return path, work


@pytest.fixture
def warehouse(built: tuple[Path, Path]):
    # per test, closed after it: the overlap tests run dbt on the same file, which a held connection would lock
    with duckdb.connect(str(built[0]), read_only=True) as con:
        yield con


def mod97_is_valid(iban: str) -> bool:
    """ISO 13616: move the first four characters to the end, letters A=10..Z=35; the number mod 97 is 1."""
    rearranged = iban[4:] + iban[:4]
    digits = "".join(str(ord(char) - ord("A") + 10) if char.isalpha() else char for char in rearranged)
    return int(digits) % 97 == 1


def test_mod97_check_rejects_a_wrong_check_digit() -> None:
    assert mod97_is_valid("GB82WEST12345698765432")  # the ISO 13616 example
    assert not mod97_is_valid("GB83WEST12345698765432")


def test_money_and_rate_columns_are_decimal_not_double(warehouse) -> None:
    for table, columns in DECIMAL_COLUMNS.items():
        types = dict(warehouse.execute(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'reference' AND table_name = ?", [table]
        ).fetchall())
        for column in columns:
            assert types[column].startswith("DECIMAL"), f"{table}.{column} is {types[column]}"
    assert warehouse.execute("SELECT rate_pct FROM reference.reference_interest_rates LIMIT 1").fetchone()[0].__class__ is Decimal


def test_every_iban_has_valid_check_digits_and_its_country_layout(warehouse) -> None:
    rows = warehouse.execute("SELECT company_id, iban, bic FROM reference.company_bank_accounts").fetchall()
    assert rows
    for company_id, iban, bic in rows:
        country = iban[:2]
        assert company_id == f"VB-{country}", (company_id, iban)
        assert len(iban) == IBAN_LENGTH[country] and IBAN_LAYOUT[country].fullmatch(iban), iban
        assert mod97_is_valid(iban), iban
        assert bic[4:6] == country and bic[:4] == iban[4:8], (iban, bic)


def test_one_default_account_per_company_and_currency(warehouse) -> None:
    defaults = warehouse.execute(
        "SELECT company_id, currency, count(*) FILTER (WHERE is_default) FROM reference.company_bank_accounts GROUP BY ALL ORDER BY ALL"
    ).fetchall()
    assert defaults == [("VB-BG", "BGN", 1), ("VB-BG", "EUR", 1), ("VB-RO", "EUR", 1), ("VB-RO", "RON", 1)]


def invoice_currency(country: str, year: int, month: int) -> str:
    if country == "RO":
        return "RON"
    return "BGN" if (year, month) <= (2025, 12) else "EUR"


def test_exactly_one_excise_row_in_force_every_day_in_the_invoice_currency(warehouse) -> None:
    rows = warehouse.execute(
        "SELECT country_code, customer_class, currency, valid_from, valid_to FROM reference.excise_rates"
    ).fetchall()
    keys = {(country, klass) for country, klass, *_ in rows}
    assert keys == {(country, klass) for country in ("RO", "BG") for klass in ("household", "commercial", "industrial")}
    for country, klass in sorted(keys):
        for year, month in MONTHS:
            currency = invoice_currency(country, year, month)
            for day in (date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])):
                in_force = [
                    row for row in rows
                    if row[:3] == (country, klass, currency) and row[3] <= day and (row[4] is None or day <= row[4])
                ]
                assert len(in_force) == 1, (country, klass, currency, day, in_force)
    # no row in a currency outside that currency's period (BG BGN after 2025, BG EUR before 2026)
    for country, _klass, currency, valid_from, valid_to in rows:
        assert invoice_currency(country, valid_from.year, valid_from.month) == currency
        if valid_to is not None:
            assert invoice_currency(country, valid_to.year, valid_to.month) == currency


def test_bulgarian_households_are_fully_exempt_and_the_euro_rate_matches_the_lev_rate(warehouse) -> None:
    rows = warehouse.execute(
        "SELECT customer_class, currency, rate_per_mwh, exempt_share_pct FROM reference.excise_rates WHERE country_code = 'BG'"
    ).fetchall()
    for klass, currency, rate, exempt in rows:
        assert exempt == (100 if klass == "household" else 0)
        bgn = rate if currency == "BGN" else rate * Decimal("1.95583")
        assert abs(bgn - Decimal("2")) < Decimal("0.01"), (klass, currency, rate)


def rate_on(con: duckdb.DuckDBPyConnection, code: str, day: date) -> Decimal:
    return con.execute(
        "SELECT rate_pct FROM reference.reference_interest_rates WHERE rate_code = ? AND valid_from <= ? ORDER BY valid_from DESC LIMIT 1",
        [code, day],
    ).fetchone()[0]


def test_ecb_main_refinancing_rate_on_known_days(warehouse) -> None:
    assert rate_on(warehouse, "ECB_MRO", date(2025, 3, 1)) == Decimal("2.90")
    assert rate_on(warehouse, "ECB_MRO", date(2025, 3, 12)) == Decimal("2.65")
    assert rate_on(warehouse, "ECB_MRO", date(2023, 9, 20)) == Decimal("4.50")
    assert rate_on(warehouse, "ECB_MRO", date(2026, 2, 5)) == Decimal("2.15")


def test_monthly_rates_have_a_row_on_the_first_of_every_month(warehouse) -> None:
    for code, last in (("ROBOR3M", (2026, 11)), ("BIR", (2025, 12))):  # the BNB stopped the BIR at the euro changeover
        firsts = {row[0] for row in warehouse.execute(
            "SELECT valid_from FROM reference.reference_interest_rates WHERE rate_code = ?", [code]
        ).fetchall()}
        expected = {date(year, month, 1) for year, month in MONTHS + [(2026, 11)] if (year, month) <= last}
        assert firsts == expected, code


def test_green_certificate_quota_is_final_only_once_published(warehouse) -> None:
    rows = warehouse.execute(
        "SELECT year, final_quota_gc_per_mwh, final_quota_published_on FROM reference.green_certificate_quotas ORDER BY year"
    ).fetchall()
    assert [row[0] for row in rows] == [2025, 2026]
    for year, final_quota, published_on in rows:
        assert (final_quota is None) == (published_on is None)
        if published_on is not None:
            assert published_on.year == year + 1


def test_overlap_test_fails_on_an_overlapping_row(built: tuple[Path, Path]) -> None:
    path, work = built
    with duckdb.connect(str(path)) as con:
        con.execute(
            "INSERT INTO reference.excise_rates VALUES "
            "('RO', 'industrial', DATE '2025-12-01', DATE '2026-01-31', 9.000000, 'RON', 0, 'deliberate overlap')"
        )
    try:
        completed = run_dbt(["test", "--select", OVERLAP_TEST], path, work)
        assert completed.returncode != 0, completed.stdout[-4000:]
        assert OVERLAP_TEST in completed.stdout and "FAIL 2" in completed.stdout, completed.stdout[-4000:]
    finally:
        with duckdb.connect(str(path)) as con:
            con.execute("DELETE FROM reference.excise_rates WHERE legal_basis = 'deliberate overlap'")
    build(["test", "--select", OVERLAP_TEST], path, work)


def test_overlap_test_fails_on_a_repeated_interest_rate_date(built: tuple[Path, Path]) -> None:
    path, work = built
    with duckdb.connect(str(path)) as con:
        con.execute("INSERT INTO reference.reference_interest_rates VALUES ('ECB_MRO', DATE '2025-06-11', 2.0000)")
    try:
        completed = run_dbt(["test", "--select", OVERLAP_TEST], path, work)
        assert completed.returncode != 0 and "FAIL 1" in completed.stdout, completed.stdout[-4000:]
    finally:
        with duckdb.connect(str(path)) as con:
            con.execute("DELETE FROM reference.reference_interest_rates WHERE rate_code = 'ECB_MRO' AND rate_pct = 2.0000")
    build(["test", "--select", OVERLAP_TEST], path, work)
