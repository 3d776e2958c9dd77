"""Pure tests of the EMP document planner (`rating.emp_invoicing`): grouping, dates, numbers and totals.

One document per (CPO subsidiary, EMP, currency, invoiced month, kind), a credit note for credit CDRs; a
month is invoiced once it has ended before `as_of`; a month's first document is dated the first day of the
next month, a supplementary one (its key already invoiced) the run's day; numbers are `yymmddnnnn-<EMP id>`
with `nnnn` counted per day across subsidiaries. Expected amounts are worked out by hand in the comments.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rating.emp_invoicing import (
    CREDIT_NOTE,
    INVOICE,
    DocumentKey,
    EmpDocument,
    RatedCdr,
    invoice_number,
    plan_documents,
)

JAN, FEB, MAR = date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)
TERMS = {"VB-RO": 15, "VB-BG": 45}


def cdr(
    cdr_id: str,
    net: str,
    vat: str,
    *,
    company: str = "VB-RO",
    country: str = "RO",
    emp: str = "RO-EMO",
    currency: str = "EUR",
    month: date = JAN,
    credit: bool = False,
) -> RatedCdr:
    net_amount, vat_amount = Decimal(net), Decimal(vat)
    return RatedCdr(cdr_id, company, country, emp, currency, month, credit, net_amount, vat_amount, net_amount + vat_amount)


def key(
    *, company: str = "VB-RO", country: str = "RO", emp: str = "RO-EMO", currency: str = "EUR", month: date = JAN, kind: str = INVOICE
) -> DocumentKey:
    return DocumentKey(company, country, emp, currency, month, kind)


def plan(cdrs: list[RatedCdr], as_of: date, invoiced=None, last=None, terms=None) -> list[EmpDocument]:
    return plan_documents(cdrs, as_of, set(invoiced or ()), dict(last or {}), dict(TERMS if terms is None else terms))


def by_key(documents: list[EmpDocument]) -> dict[DocumentKey, EmpDocument]:
    keyed = {d.key: d for d in documents}
    assert len(keyed) == len(documents), "two documents with the same key"
    return keyed


def number_pattern(emp_id: str) -> re.Pattern[str]:
    return re.compile(rf"^\d{{10}}-{re.escape(emp_id)}$")


# --- grouping -------------------------------------------------------------------------------------------------------


def test_one_document_per_company_emp_currency_month_and_kind() -> None:
    cdrs = [
        cdr("A1", "25.00", "4.75"),
        cdr("A2", "18.93", "3.60"),
        cdr("A3", "-25.00", "-4.75", credit=True),  # a credit CDR: on a credit note, not the invoice
        cdr("B1", "10.00", "2.10", emp="AT-SMT", currency="RON"),
        cdr("B2", "5.00", "1.05", emp="AT-SMT", currency="EUR"),  # same EMP, other currency: own document
        cdr("C1", "3.00", "0.63", month=FEB),  # same EMP, other month: own document
        cdr("D1", "7.00", "1.40", company="VB-BG", country="BG"),  # same EMP, other subsidiary: own document
    ]
    documents = by_key(plan(cdrs, as_of=MAR))
    assert {k: d.cdr_ids for k, d in documents.items()} == {
        key(): ("A1", "A2"),
        key(kind=CREDIT_NOTE): ("A3",),
        key(emp="AT-SMT", currency="RON"): ("B1",),
        key(emp="AT-SMT"): ("B2",),
        key(month=FEB): ("C1",),
        key(company="VB-BG", country="BG"): ("D1",),
    }


def test_a_month_that_has_not_ended_before_as_of_is_not_invoiced() -> None:
    cdrs = [cdr("J1", "1.00", "0.21", month=JAN), cdr("F1", "2.00", "0.42", month=FEB), cdr("M1", "3.00", "0.63", month=MAR)]
    # 28 February: January has ended, February has not.
    assert [d.cdr_ids for d in plan(cdrs, as_of=date(2026, 2, 28))] == [("J1",)]
    # 1 March: February ended the day before; March has not ended.
    assert sorted(d.cdr_ids for d in plan(cdrs, as_of=MAR)) == [("F1",), ("J1",)]
    # 31 January: nothing has ended.
    assert plan(cdrs, as_of=date(2026, 1, 31)) == []


def test_no_cdrs_no_documents() -> None:
    assert plan([], as_of=MAR) == []


# --- dates ----------------------------------------------------------------------------------------------------------


def test_the_first_document_of_a_month_is_dated_the_first_day_of_the_next_month() -> None:
    cdrs = [
        cdr("J1", "1.00", "0.21", month=JAN),
        cdr("D1", "1.00", "0.21", month=date(2025, 12, 1)),  # December: dated 1 January of the next year
        cdr("J2", "-1.00", "-0.21", month=JAN, credit=True),
    ]
    documents = by_key(plan(cdrs, as_of=date(2026, 2, 10)))
    assert documents[key(month=JAN)].issue_date == FEB
    assert documents[key(month=JAN, kind=CREDIT_NOTE)].issue_date == FEB
    assert documents[key(month=date(2025, 12, 1))].issue_date == JAN


def test_a_supplementary_document_of_an_invoiced_month_is_dated_as_of() -> None:
    as_of = date(2026, 3, 10)
    cdrs = [cdr("late", "4.00", "0.84", month=JAN), cdr("feb", "2.00", "0.42", month=FEB)]
    documents = by_key(plan(cdrs, as_of, invoiced={key(month=JAN)}, last={FEB: 3}))
    supplementary = documents[key(month=JAN)]
    assert supplementary.issue_date == as_of
    assert supplementary.invoice_number == "2603100001-RO-EMO"
    assert supplementary.due_date == as_of + timedelta(days=15)  # VB-RO pays in 15 days
    # February was not invoiced yet: its first document is dated 1 March.
    assert documents[key(month=FEB)].issue_date == MAR


def test_a_new_document_for_a_month_already_run_is_dated_as_of_not_backdated() -> None:
    # The register's latest document is dated 1 March (February's run). A late credit CDR of January for a key that
    # had no document yet, and a first CDR of a new EMP in February, must not be dated 1 February or 1 March: that would
    # place them before or among documents already issued. They are dated the run's day; March (not run yet) is not.
    as_of = date(2026, 4, 7)
    cdrs = [
        cdr("jan-credit", "-1.00", "-0.21", month=JAN, credit=True),
        cdr("feb-new-emp", "3.00", "0.63", month=FEB, emp="NL-PLG"),
        cdr("mar", "2.00", "0.42", month=MAR),
    ]
    documents = by_key(
        plan_documents(cdrs, as_of, {key(month=JAN), key(month=FEB)}, {MAR: 4}, dict(TERMS), latest_issue_date=MAR)
    )
    assert documents[key(month=JAN, kind=CREDIT_NOTE)].issue_date == as_of
    assert documents[key(month=FEB, emp="NL-PLG")].issue_date == as_of
    assert documents[key(month=MAR)].issue_date == date(2026, 4, 1)


def test_the_due_date_is_the_issue_date_plus_the_company_payment_terms() -> None:
    cdrs = [cdr("R1", "1.00", "0.21"), cdr("B1", "1.00", "0.20", company="VB-BG", country="BG")]
    documents = by_key(plan(cdrs, as_of=MAR))
    assert documents[key()].due_date == date(2026, 2, 16)  # 1 Feb + 15 days
    assert documents[key(company="VB-BG", country="BG")].due_date == date(2026, 3, 18)  # 1 Feb + 45 days (28 in Feb)


# --- numbers --------------------------------------------------------------------------------------------------------


def test_invoice_number_is_yymmdd_then_four_digits_then_the_emp_id() -> None:
    assert invoice_number(date(2026, 2, 1), 1, "RO-EMO") == "2602010001-RO-EMO"
    assert invoice_number(date(2025, 12, 31), 42, "AT-SMT") == "2512310042-AT-SMT"
    assert invoice_number(date(2026, 2, 1), 9999, "X") == "2602019999-X"
    assert number_pattern("RO-EMO").match(invoice_number(date(2026, 2, 1), 17, "RO-EMO"))


@pytest.mark.parametrize("sequence", [0, -1, 10_000])
def test_invoice_number_refuses_a_sequence_outside_1_to_9999(sequence: int) -> None:
    with pytest.raises(ValueError):
        invoice_number(date(2026, 2, 1), sequence, "RO-EMO")


def test_numbers_continue_from_the_last_sequence_of_the_day_and_are_shared_across_companies() -> None:
    cdrs = [
        cdr("R1", "1.00", "0.21"),
        cdr("R2", "1.00", "0.21", emp="AT-SMT"),
        cdr("B1", "1.00", "0.20", company="VB-BG", country="BG"),
        cdr("F1", "1.00", "0.21", month=FEB),  # dated 1 March: its own count, starting at 1
    ]
    documents = plan(cdrs, as_of=MAR, last={FEB: 7})
    feb_first = [d for d in documents if d.issue_date == FEB]
    assert len(feb_first) == 3
    # 0008, 0009, 0010 over both subsidiaries: the ten digits alone are unique.
    assert sorted(d.invoice_number[:10] for d in feb_first) == ["2602010008", "2602010009", "2602010010"]
    (march,) = [d for d in documents if d.issue_date == MAR]
    assert march.invoice_number == "2603010001-RO-EMO"
    for document in documents:
        assert number_pattern(document.key.emp_id).match(document.invoice_number), document.invoice_number
        assert document.invoice_number[:6] == f"{document.issue_date:%y%m%d}"
        assert document.invoice_number.endswith("-" + document.key.emp_id)


def test_more_than_9999_documents_on_one_day_raises() -> None:
    with pytest.raises(ValueError):
        plan([cdr("R1", "1.00", "0.21")], as_of=MAR, last={FEB: 9999})
    # 10,000 EMPs in one month: 10,000 documents dated 1 February.
    many = [cdr(f"C{i}", "1.00", "0.21", emp=f"E{i:05d}") for i in range(10_000)]
    with pytest.raises(ValueError):
        plan(many, as_of=MAR)
    # 9,999 fit.
    assert len(plan(many[:9999], as_of=MAR)) == 9999


# --- totals ---------------------------------------------------------------------------------------------------------


def test_document_totals_are_the_sums_of_their_cdrs() -> None:
    cdrs = [
        cdr("A1", "25.00", "4.75"),  # seed example 1: 50 kWh x 0.50, 19 %
        cdr("A2", "18.93", "3.60"),  # seed example 2: 57.344 kWh x 0.33 rounded up, 19 %
        cdr("A3", "-25.00", "-4.75", credit=True),
        cdr("A4", "-18.93", "-3.60", credit=True),
        cdr("P1", "102.00", "10.44", emp="IT-PRD", company="VB-IT", country="IT"),  # seed example 3: 2 + 100, 0.44 + 10
    ]
    documents = by_key(plan(cdrs, as_of=FEB, terms={"VB-RO": 15, "VB-IT": 30}))
    invoice = documents[key()]
    assert (invoice.net_amount, invoice.vat_amount, invoice.gross_amount) == (
        Decimal("43.93"),  # 25.00 + 18.93
        Decimal("8.35"),  # 4.75 + 3.60
        Decimal("52.28"),  # 29.75 + 22.53
    )
    credit_note = documents[key(kind=CREDIT_NOTE)]
    assert (credit_note.net_amount, credit_note.vat_amount, credit_note.gross_amount) == (
        Decimal("-43.93"),
        Decimal("-8.35"),
        Decimal("-52.28"),
    )
    italian = documents[key(company="VB-IT", country="IT", emp="IT-PRD")]
    assert italian.gross_amount == Decimal("112.44")  # 102.00 + 10.44
    assert italian.due_date == date(2026, 3, 3)  # 1 Feb + 30 days


# --- property -------------------------------------------------------------------------------------------------------

MONTHS = [date(2025, 11, 1), date(2025, 12, 1), JAN, FEB, MAR]
cents = st.integers(min_value=0, max_value=500_000).map(lambda c: Decimal(c).scaleb(-2))


def next_month(first_day: date) -> date:
    return date(first_day.year + first_day.month // 12, first_day.month % 12 + 1, 1)


@st.composite
def rated_cdrs(draw) -> list[RatedCdr]:
    count = draw(st.integers(min_value=0, max_value=60))
    result = []
    for number in range(count):
        company = draw(st.sampled_from(["VB-RO", "VB-BG"]))
        credit = draw(st.booleans())
        net, vat = draw(cents), draw(cents)
        sign = -1 if credit else 1
        result.append(
            RatedCdr(
                f"CDR-{number:04d}", company, company[-2:], draw(st.sampled_from(["RO-EMO", "AT-SMT", "X"])),
                draw(st.sampled_from(["EUR", "RON"])), draw(st.sampled_from(MONTHS)), credit,
                sign * net, sign * vat, sign * (net + vat),
            )
        )
    return result


@settings(max_examples=200, deadline=None)
@given(
    cdrs=rated_cdrs(),
    as_of=st.dates(min_value=date(2025, 11, 1), max_value=date(2026, 5, 31)),
    invoiced=st.sets(
        st.builds(
            lambda company, emp, currency, month, kind: DocumentKey(company, company[-2:], emp, currency, month, kind),
            st.sampled_from(["VB-RO", "VB-BG"]), st.sampled_from(["RO-EMO", "AT-SMT", "X"]), st.sampled_from(["EUR", "RON"]),
            st.sampled_from(MONTHS), st.sampled_from([INVOICE, CREDIT_NOTE]),
        ),
        max_size=8,
    ),
    last=st.dictionaries(st.sampled_from([date(2025, 12, 1), JAN, FEB, MAR, date(2026, 4, 1)]), st.integers(1, 50), max_size=3),
)
def test_every_cdr_of_an_ended_month_is_in_exactly_one_document_and_totals_add_up(cdrs, as_of, invoiced, last) -> None:
    documents = plan_documents(cdrs, as_of, invoiced, dict(last), TERMS)

    due = {c.cdr_id: c for c in cdrs if next_month(c.invoiced_month) <= as_of}
    placed = Counter(cdr_id for d in documents for cdr_id in d.cdr_ids)
    assert set(placed) == set(due)
    assert all(times == 1 for times in placed.values())
    for document in documents:
        members = [due[i] for i in document.cdr_ids]
        for member in members:
            assert (member.company_id, member.country_code, member.emp_id, member.currency, member.invoiced_month) == (
                document.key.company_id, document.key.country_code, document.key.emp_id, document.key.currency,
                document.key.invoiced_month,
            )
            assert document.key.document_type == (CREDIT_NOTE if member.is_credit else INVOICE)
        assert document.net_amount == sum((m.net_amount for m in members), Decimal(0))
        assert document.vat_amount == sum((m.vat_amount for m in members), Decimal(0))
        assert document.gross_amount == sum((m.gross_amount for m in members), Decimal(0))
        assert document.gross_amount == document.net_amount + document.vat_amount
        assert number_pattern(document.key.emp_id).match(document.invoice_number)
        first_day_after = next_month(document.key.invoiced_month)
        assert document.issue_date == (as_of if document.key in invoiced else first_day_after)
        assert document.due_date == document.issue_date + timedelta(days=TERMS[document.key.company_id])
        assert document.issue_date <= as_of
    assert sum((d.gross_amount for d in documents), Decimal(0)) == sum((c.gross_amount for c in due.values()), Decimal(0))
    assert sum((d.net_amount for d in documents), Decimal(0)) == sum((c.net_amount for c in due.values()), Decimal(0))
    # Ten digits unique across all documents; per day the counts continue from the last used one without gaps.
    assert len({d.invoice_number[:10] for d in documents}) == len(documents)
    per_day: dict[date, list[int]] = {}
    for document in documents:
        per_day.setdefault(document.issue_date, []).append(int(document.invoice_number[6:10]))
    for day, sequences in per_day.items():
        start = last.get(day, 0)
        assert sorted(sequences) == list(range(start + 1, start + 1 + len(sequences)))
