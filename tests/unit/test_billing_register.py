"""billing.register against real DuckDB files: number formats, rerun semantics, atomicity,
concurrent runs of the same partition (threads with their own connections), series exhaustion
and independence, and a property test of "numbers 1..N, one number per key forever"."""

from __future__ import annotations

import tempfile
import threading
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billing.invoice_math import InvoiceLine, VatCategory, compute_totals, credit_note_lines
from billing.register import (
    InvoiceDraft,
    OutcomeStatus,
    RegisterError,
    SeriesExhaustedError,
    UnknownSeriesError,
    configure_series,
    content_hash,
    create_register_tables,
    find_issued_invoice,
    get_series,
    issue_invoices,
    issued_numbers,
    verify_gapless,
)

D = Decimal
ISSUE_DATE = date(2026, 4, 3)


def lines_for(amount: str) -> list[InvoiceLine]:
    return [
        InvoiceLine("Active energy", D("100.000"), "kWh", D(amount), VatCategory.STANDARD, D("21")),
        InvoiceLine("Network transfer", D("100.000"), "kWh", D("0.05"), VatCategory.STANDARD, D("21")),
    ]


def draft(key: str, price: str = "0.65", *, customer: str = "C-1", currency: str = "RON", **extra) -> InvoiceDraft:
    lines = lines_for(price)
    total = compute_totals(lines).total_with_vat
    return InvoiceDraft(
        invoice_key=key,
        invoice_type=extra.pop("invoice_type", "advance"),
        customer_id=customer,
        billing_period="2026-03",
        currency=currency,
        total_with_vat=extra.pop("total_with_vat", total),
        content_hash=content_hash(lines),
        **extra,
    )


def keys(n: int, prefix: str = "advance/2026-03/C") -> list[str]:
    return [f"{prefix}-{i:03d}/CT-1" for i in range(1, n + 1)]


@pytest.fixture()
def db_path(tmp_path: Path) -> Path:
    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as connection:
        create_register_tables(connection)
        configure_series(connection, "VB-RO", "VBR", prefix="VBR", digits=8)
        configure_series(connection, "VB-BG", "BG", prefix="", digits=10, next_number=1)
    return path


@pytest.fixture()
def connection(db_path: Path):
    con = duckdb.connect(str(db_path))
    yield con
    con.close()


def next_number(connection, company: str, series: str) -> int:
    return get_series(connection, company, series).next_number


def invoice_count(connection) -> int:
    return connection.execute("SELECT count(*) FROM billing.issued_invoices").fetchone()[0]


# --- formats ------------------------------------------------------------------------------------


def test_bulgarian_numbers_are_exactly_ten_digits_from_the_configured_start(connection) -> None:
    outcomes = issue_invoices(connection, "VB-BG", "BG", [draft(k, currency="BGN") for k in keys(3)], ISSUE_DATE)
    numbers = [o.invoice_number for o in outcomes]
    assert numbers == ["0000000001", "0000000002", "0000000003"]
    assert all(len(n) == 10 and n.isdigit() for n in numbers)

    # A series continued from a previous system starts at its configured number.
    configure_series(connection, "VB-BG2", "BG", prefix="", digits=10, next_number=4_000_123)
    continued = issue_invoices(connection, "VB-BG2", "BG", [draft(k, currency="BGN") for k in keys(2)], ISSUE_DATE)
    assert [o.invoice_number for o in continued] == ["0004000123", "0004000124"]
    assert verify_gapless(connection, "VB-BG2", "BG") == []


def test_romanian_numbers_carry_the_prefix(connection) -> None:
    outcomes = issue_invoices(connection, "VB-RO", "VBR", [draft(k) for k in keys(2)], ISSUE_DATE)
    assert [o.invoice_number for o in outcomes] == ["VBR00000001", "VBR00000002"]
    assert [o.status for o in outcomes] == [OutcomeStatus.ISSUED] * 2
    assert issued_numbers(connection, "VB-RO", "VBR") == ["VBR00000001", "VBR00000002"]
    row = connection.execute(
        "SELECT invoice_type, customer_id, billing_period, issue_date, currency, total_with_vat, corrects_invoice_number "
        "FROM billing.issued_invoices WHERE invoice_number = 'VBR00000001'"
    ).fetchone()
    # 100 × 0.65 = 65.00 and 100 × 0.05 = 5.00; VAT 21 % of 70.00 = 14.70; total 84.70.
    assert row == ("advance", "C-1", "2026-03", ISSUE_DATE, "RON", D("84.70"), None)


# --- rerun semantics ----------------------------------------------------------------------------


def test_rerun_reuses_numbers_and_a_change_after_issue_is_reported_not_edited(connection) -> None:
    first = issue_invoices(connection, "VB-RO", "VBR", [draft(k) for k in keys(3)], ISSUE_DATE)
    before = connection.execute("SELECT * FROM billing.issued_invoices ORDER BY sequence_number").fetchall()

    # Rerun of the same partition on another day, drafts in another order: same numbers, nothing written.
    rerun = issue_invoices(connection, "VB-RO", "VBR", [draft(k) for k in reversed(keys(3))], date(2026, 4, 9))
    assert [(o.invoice_key, o.invoice_number) for o in rerun] == [(o.invoice_key, o.invoice_number) for o in first]
    assert {o.status for o in rerun} == {OutcomeStatus.REUSED}
    assert all(o.invoice.issue_date == ISSUE_DATE for o in rerun)
    assert connection.execute("SELECT * FROM billing.issued_invoices ORDER BY sequence_number").fetchall() == before
    assert next_number(connection, "VB-RO", "VBR") == 4

    # Content changed after issue: reported with both hashes, the issued invoice untouched.
    k1, k2, k3 = keys(3)
    changed = issue_invoices(connection, "VB-RO", "VBR", [draft(k1), draft(k2, "0.70"), draft(k3)], ISSUE_DATE)
    outcome = changed[1]
    assert outcome.status is OutcomeStatus.CHANGED_AFTER_ISSUE
    assert outcome.invoice_number == "VBR00000002"
    assert outcome.issued_content_hash == content_hash(lines_for("0.65"))
    assert outcome.draft_content_hash == content_hash(lines_for("0.70"))
    assert set(outcome.differences) == {"content_hash", "total_with_vat"}
    assert [o.status for o in (changed[0], changed[2])] == [OutcomeStatus.REUSED] * 2
    assert connection.execute("SELECT * FROM billing.issued_invoices ORDER BY sequence_number").fetchall() == before

    # The caller corrects it with a credit note (a key of its own) and a regularised invoice; a 4th key follows.
    credit_lines = credit_note_lines(lines_for("0.65"))
    credit = InvoiceDraft(
        invoice_key=f"credit/{k2}", invoice_type="credit_note", customer_id="C-1", billing_period="2026-03",
        currency="RON", total_with_vat=compute_totals(credit_lines).total_with_vat,
        content_hash=content_hash(credit_lines), corrects_invoice_number=outcome.invoice_number,
    )
    fourth = keys(4)[3]
    more = issue_invoices(connection, "VB-RO", "VBR", [draft(fourth), credit], ISSUE_DATE)
    assert [(o.invoice_key, o.invoice_number, o.status) for o in more] == [
        (fourth, "VBR00000004", OutcomeStatus.ISSUED),
        (f"credit/{k2}", "VBR00000005", OutcomeStatus.ISSUED),
    ]  # in key order: "advance/..." sorts before "credit/..."
    assert find_issued_invoice(connection, "VB-RO", f"credit/{k2}").total_with_vat == D("-84.70")
    assert issued_numbers(connection, "VB-RO", "VBR") == [f"VBR0000000{i}" for i in range(1, 6)]
    assert verify_gapless(connection, "VB-RO", "VBR") == []


def test_a_correction_must_name_an_issued_invoice(connection) -> None:
    lines = credit_note_lines(lines_for("0.65"))
    credit = InvoiceDraft("credit/x", "credit_note", "C-1", "2026-03", "RON", D("-84.70"), content_hash(lines), "VBR00000099")
    with pytest.raises(RegisterError, match="VBR00000099"):
        issue_invoices(connection, "VB-RO", "VBR", [credit], ISSUE_DATE)
    with pytest.raises(ValueError, match="corrects_invoice_number"):
        InvoiceDraft("credit/y", "credit_note", "C-1", "2026-03", "RON", D("-84.70"), content_hash(lines))


def test_every_kind_billing_drafts_is_accepted_and_only_corrections_name_an_invoice() -> None:
    for kind in ("advance", "regularisation", "deviation", "green_certificate_regularisation", "penalty"):
        assert draft(f"{kind}/2026-03/C-1", invoice_type=kind).corrects_invoice_number is None
    # A regularisation of a period's advances names none; a recalculation names the invoice it corrects.
    assert draft("recalculation/2026-03/C-1", invoice_type="regularisation", corrects_invoice_number="VBR00000001")
    with pytest.raises(ValueError, match="corrects_invoice_number"):
        draft("advance/2026-04/C-1", invoice_type="advance", corrects_invoice_number="VBR00000001")
    with pytest.raises(ValueError, match="invoice_type"):
        draft("final/2026-03/C-1", invoice_type="final")


# --- atomicity ----------------------------------------------------------------------------------


def test_a_draft_failing_mid_call_issues_nothing_and_takes_no_number(connection) -> None:
    issue_invoices(connection, "VB-RO", "VBR", [draft("a/0")], ISSUE_DATE)
    # "a/2" sorts between the others and its total does not fit DECIMAL(18, 2): the database refuses
    # it after the series row was claimed and "a/1" inserted, so the rollback is what keeps the gap away.
    bad = draft("a/2", total_with_vat=D("100000000000000000.00"))
    with pytest.raises(RegisterError, match="'a/2'"):
        issue_invoices(connection, "VB-RO", "VBR", [draft("a/1"), bad, draft("a/3")], ISSUE_DATE)
    assert next_number(connection, "VB-RO", "VBR") == 2
    assert issued_numbers(connection, "VB-RO", "VBR") == ["VBR00000001"]

    # A key already issued in another series of the company is refused mid-call too.
    configure_series(connection, "VB-RO", "VBX", prefix="VBX", digits=8)
    with pytest.raises(RegisterError, match="series 'VBR'"):
        issue_invoices(connection, "VB-RO", "VBX", [draft("0/first"), draft("a/0"), draft("z/last")], ISSUE_DATE)
    assert next_number(connection, "VB-RO", "VBX") == 1
    assert invoice_count(connection) == 1

    # The connection is usable afterwards and the next number follows without a gap.
    outcomes = issue_invoices(connection, "VB-RO", "VBR", [draft("a/1"), draft("a/3")], ISSUE_DATE)
    assert [o.invoice_number for o in outcomes] == ["VBR00000002", "VBR00000003"]
    assert verify_gapless(connection, "VB-RO", "VBR") == []


def test_invalid_drafts_are_refused_before_anything_happens(connection) -> None:
    with pytest.raises(TypeError, match="float"):
        draft("k", total_with_vat=84.7)
    with pytest.raises(ValueError, match="at most 2 decimals"):
        draft("k", total_with_vat=D("84.705"))
    with pytest.raises(ValueError, match="currency"):
        draft("k", currency="USD")
    with pytest.raises(ValueError, match="content_hash"):
        InvoiceDraft("k", "advance", "C-1", "2026-03", "RON", D("1.00"), "not-a-hash")
    with pytest.raises(ValueError, match="appears twice"):
        issue_invoices(connection, "VB-RO", "VBR", [draft("k"), draft("k")], ISSUE_DATE)
    with pytest.raises(UnknownSeriesError, match="'NOPE'"):
        issue_invoices(connection, "VB-RO", "NOPE", [draft("k")], ISSUE_DATE)
    assert invoice_count(connection) == 0


# --- concurrency --------------------------------------------------------------------------------


def run_concurrently(db_path: Path, batches: list[list[InvoiceDraft]], *, use_cursors: bool = False) -> list[list]:
    """Issue each batch in its own thread with its own connection, all starting at the same instant."""
    barrier = threading.Barrier(len(batches))
    results: list[list] = [[] for _ in batches]
    errors: list[BaseException] = []
    shared = duckdb.connect(str(db_path)) if use_cursors else None

    def worker(index: int, batch: list[InvoiceDraft]) -> None:
        con = shared.cursor() if shared is not None else duckdb.connect(str(db_path))
        try:
            barrier.wait()
            results[index] = issue_invoices(con, "VB-RO", "VBR", batch, ISSUE_DATE, max_attempts=8)
        except BaseException as error:  # noqa: BLE001 - reported by the test
            errors.append(error)
        finally:
            con.close()

    threads = [threading.Thread(target=worker, args=(i, batch)) for i, batch in enumerate(batches)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    if shared is not None:
        shared.close()
    assert not errors, errors
    return results


def assert_register_sound(db_path: Path, expected: int) -> dict[str, str]:
    with duckdb.connect(str(db_path)) as con:
        rows = con.execute(
            "SELECT invoice_key, invoice_number, sequence_number FROM billing.issued_invoices WHERE series = 'VBR' ORDER BY 3"
        ).fetchall()
        assert [r[2] for r in rows] == list(range(1, expected + 1))
        assert len({r[0] for r in rows}) == expected and len({r[1] for r in rows}) == expected
        assert verify_gapless(con, "VB-RO", "VBR") == []
        assert next_number(con, "VB-RO", "VBR") == expected + 1
    return {key: number for key, number, _ in rows}


@pytest.mark.parametrize("use_cursors", [False, True], ids=["connections", "cursors"])
def test_two_runs_of_the_same_partition_at_once_issue_each_key_once(db_path: Path, use_cursors: bool) -> None:
    drafts = [draft(k) for k in keys(50)]
    first, second = run_concurrently(db_path, [drafts, list(reversed(drafts))], use_cursors=use_cursors)
    register = assert_register_sound(db_path, 50)
    # Both runs agree on every key's number, and with the register.
    assert {o.invoice_key: o.invoice_number for o in first} == register
    assert {o.invoice_key: o.invoice_number for o in second} == register
    # One run issued all 50 (numbered in key order); the other found them and reused them.
    statuses = sorted([sorted({o.status.value for o in first}), sorted({o.status.value for o in second})])
    assert statuses == [["issued"], ["reused"]]
    assert [register[k] for k in sorted(register)] == [f"VBR{i:08d}" for i in range(1, 51)]


def test_two_runs_with_different_keys_at_once_number_gaplessly(db_path: Path) -> None:
    batch_a = [draft(k) for k in keys(50, "advance/2026-03/A")]
    batch_b = [draft(k) for k in keys(50, "advance/2026-03/B")]
    result_a, result_b = run_concurrently(db_path, [batch_a, batch_b])
    register = assert_register_sound(db_path, 100)
    assert all(o.status is OutcomeStatus.ISSUED for o in result_a + result_b)
    assert {o.invoice_key: o.invoice_number for o in result_a + result_b} == register
    # Each run's numbers are one consecutive block: the whole call is one transaction.
    for result in (result_a, result_b):
        sequence = sorted(o.sequence_number for o in result)
        assert sequence == list(range(sequence[0], sequence[0] + 50))


# --- series -------------------------------------------------------------------------------------


def test_series_exhaustion_is_a_clear_error_and_takes_nothing(connection) -> None:
    configure_series(connection, "VB-RO", "TINY", prefix="T", digits=2, next_number=97)
    issue_invoices(connection, "VB-RO", "TINY", [draft("t/1"), draft("t/2")], ISSUE_DATE)  # T97, T98
    with pytest.raises(SeriesExhaustedError, match="exhausted"):
        issue_invoices(connection, "VB-RO", "TINY", [draft("t/3"), draft("t/4")], ISSUE_DATE)
    assert next_number(connection, "VB-RO", "TINY") == 99
    assert [o.invoice_number for o in issue_invoices(connection, "VB-RO", "TINY", [draft("t/3")], ISSUE_DATE)] == ["T99"]
    with pytest.raises(SeriesExhaustedError, match="exhausted"):
        issue_invoices(connection, "VB-RO", "TINY", [draft("t/4")], ISSUE_DATE)
    # Rerunning what was issued still works on an exhausted series.
    assert issue_invoices(connection, "VB-RO", "TINY", [draft("t/1")], ISSUE_DATE)[0].invoice_number == "T97"
    with pytest.raises(SeriesExhaustedError, match="does not fit in 10 digits"):
        configure_series(connection, "VB-BG", "BIG", prefix="", digits=10, next_number=10_000_000_000)


def test_companies_and_series_are_independent(connection) -> None:
    ro = issue_invoices(connection, "VB-RO", "VBR", [draft(k) for k in keys(3)], ISSUE_DATE)
    bg = issue_invoices(connection, "VB-BG", "BG", [draft(k, currency="BGN") for k in keys(2)], ISSUE_DATE)
    # The same keys in two companies are two invoices, each company numbering from 1.
    assert [o.sequence_number for o in ro] == [1, 2, 3] and [o.sequence_number for o in bg] == [1, 2]
    assert next_number(connection, "VB-RO", "VBR") == 4 and next_number(connection, "VB-BG", "BG") == 3
    # A second Bulgarian company has its own 0000000001.
    configure_series(connection, "VB-BG-2", "BG", prefix="", digits=10)
    assert issue_invoices(connection, "VB-BG-2", "BG", [draft("x", currency="BGN")], ISSUE_DATE)[0].invoice_number == "0000000001"
    for company, series in (("VB-RO", "VBR"), ("VB-BG", "BG"), ("VB-BG-2", "BG")):
        assert verify_gapless(connection, company, series) == []


def test_configure_series_is_an_idempotent_upsert_that_protects_issued_numbers(connection) -> None:
    create_register_tables(connection)  # again: changes nothing
    assert configure_series(connection, "VB-RO", "VBR", prefix="VBR", digits=8) == get_series(connection, "VB-RO", "VBR")
    configure_series(connection, "VB-RO", "VBR", prefix="VB", digits=9, next_number=5)  # nothing issued yet: allowed
    configure_series(connection, "VB-RO", "VBR", prefix="VBR", digits=8, next_number=1)
    issue_invoices(connection, "VB-RO", "VBR", [draft("k")], ISSUE_DATE)
    configure_series(connection, "VB-RO", "VBR", prefix="VBR", digits=8)  # same values: no-op
    with pytest.raises(RegisterError, match="cannot change"):
        configure_series(connection, "VB-RO", "VBR", prefix="VBR", digits=8, next_number=1)
    with pytest.raises(RegisterError, match="same invoice numbers"):
        configure_series(connection, "VB-RO", "VBR2", prefix="VBR0", digits=7)
    with pytest.raises(ValueError, match="prefix"):
        configure_series(connection, "VB-RO", "S", prefix="VB R", digits=8)
    assert get_series(connection, "VB-RO", "VBR").next_number == 2


def test_verify_gapless_reports_tampering(connection) -> None:
    issue_invoices(connection, "VB-RO", "VBR", [draft(k) for k in keys(5)], ISSUE_DATE)
    connection.execute("DELETE FROM billing.issued_invoices WHERE sequence_number IN (2, 3)")
    connection.execute("UPDATE billing.number_series SET next_number = 8 WHERE series = 'VBR'")
    problems = verify_gapless(connection, "VB-RO", "VBR")
    assert [(p.kind, p.first_sequence, p.last_sequence) for p in problems] == [("gap", 2, 3), ("gap", 6, 7)]
    connection.execute("UPDATE billing.number_series SET next_number = 4 WHERE series = 'VBR'")
    kinds = [(p.kind, p.first_sequence, p.last_sequence) for p in verify_gapless(connection, "VB-RO", "VBR")]
    assert kinds == [("out_of_range", 4, 5), ("gap", 2, 3)]


def test_content_hash_is_exact_and_canonical() -> None:
    lines = lines_for("0.65")
    assert content_hash(lines) == content_hash(list(reversed(lines)))
    # Exact values, independent of trailing zeros and of the fields' order.
    assert content_hash([{"qty": D("1.50"), "amount": D("2")}]) == content_hash([{"amount": D("2.00"), "qty": D("1.5")}])
    assert content_hash([{"amount": D("0.10")}]) != content_hash([{"amount": D("0.11")}])
    assert content_hash([{"amount": D("1")}]) != content_hash([{"amount": "1"}])  # a number is not its text
    with pytest.raises(TypeError, match="float"):
        content_hash([{"amount": 0.1}])
    with pytest.raises(ValueError, match="at least one line"):
        content_hash([])


# --- property -----------------------------------------------------------------------------------

KEY_POOL = [f"k{i:02d}" for i in range(12)]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    calls=st.lists(
        st.tuples(st.sets(st.sampled_from(KEY_POOL), max_size=8), st.sampled_from(["0.65", "0.70"])),
        min_size=1,
        max_size=6,
    )
)
def test_any_sequence_of_reruns_numbers_1_to_n_and_keeps_each_key_number(calls) -> None:
    with tempfile.TemporaryDirectory() as folder, duckdb.connect(str(Path(folder) / "w.duckdb")) as con:
        create_register_tables(con)
        configure_series(con, "VB-RO", "VBR", prefix="VBR", digits=8)
        assigned: dict[str, str] = {}
        issued_price: dict[str, str] = {}
        for subset, price in calls:
            outcomes = issue_invoices(con, "VB-RO", "VBR", [draft(k, price) for k in subset], ISSUE_DATE)
            assert [o.invoice_key for o in outcomes] == sorted(subset)
            for outcome in outcomes:
                key = outcome.invoice_key
                if key in assigned:
                    assert outcome.invoice_number == assigned[key]
                    expected = OutcomeStatus.REUSED if issued_price[key] == price else OutcomeStatus.CHANGED_AFTER_ISSUE
                    assert outcome.status is expected
                else:
                    assert outcome.status is OutcomeStatus.ISSUED
                    assert outcome.sequence_number == len(assigned) + 1
                    assigned[key] = outcome.invoice_number
                    issued_price[key] = price
        n = len(assigned)
        assert issued_numbers(con, "VB-RO", "VBR") == [f"VBR{i:08d}" for i in range(1, n + 1)]
        assert verify_gapless(con, "VB-RO", "VBR") == []
        rows = con.execute("SELECT invoice_key, invoice_number FROM billing.issued_invoices").fetchall()
        assert dict(rows) == assigned
