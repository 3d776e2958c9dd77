"""billing.payment_matching: bank statement lines matched to invoices, the queue of what
cannot be matched, and receivables with ageing buckets.

Worked examples with amounts computed by hand in the comments, then property tests:
nothing is lost (Σ allocated + Σ queued = Σ statement amounts), no invoice is paid beyond
its gross amount, and the result does not depend on the order of the input lines.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from billing.payment_matching import (
    Allocation,
    MatchResult,
    OpenInvoice,
    StatementLine,
    ageing_bucket,
    customers_without_debts,
    days_overdue,
    match_payments,
    receivables,
    receivables_by_customer,
)

D = Decimal
BOOKED = date(2026, 3, 2)
IBAN_C1 = "RO49 AAAA 1B31 0075 9384 0000"
IBANS = {IBAN_C1: "C1", "RO66BACX0000001234567890": "C2"}


def inv(
    number: str,
    customer: str,
    due: date,
    gross: str,
    paid: str = "0.00",
    currency: str = "RON",
    reference: str | None = None,
) -> OpenInvoice:
    return OpenInvoice(
        invoice_number=number,
        customer_id=customer,
        company_id="VB-RO",
        currency=currency,
        issue_date=due - timedelta(days=30),
        due_date=due,
        gross_amount=D(gross),
        paid_amount=D(paid),
        payment_reference=reference,
    )


def line(
    number: int,
    amount: str,
    text: str | None = None,
    iban: str | None = None,
    hint: str | None = None,
    currency: str = "RON",
    booked: date = BOOKED,
    statement: str = "ST-2026-03",
) -> StatementLine:
    return StatementLine(
        statement_id=statement,
        line_number=number,
        booking_date=booked,
        value_date=booked,
        amount=D(amount),
        currency=currency,
        payer_name="Popescu SRL",
        payer_iban=iban,
        remittance_info=text,
        customer_hint=hint,
    )


# C1: two RON invoices with structured references; C2: two invoices of the same amount.
INV_123 = inv("VBR00000123", "C1", date(2026, 2, 4), "238.00", reference="VB-RO/0000123")
INV_124 = inv("VBR00000124", "C1", date(2026, 3, 7), "119.00", reference="VB-RO/0000124")
INV_200 = inv("VBR00000200", "C2", date(2026, 2, 10), "500.00")
INV_201 = inv("VBR00000201", "C2", date(2026, 3, 10), "500.00")
ALL = [INV_123, INV_124, INV_200, INV_201]


def summary(result: MatchResult) -> list[tuple[tuple[str, int], str | None, Decimal, str]]:
    return [(a.line_key, a.invoice_number, a.amount, a.method) for a in result.allocations]


def assert_conserved(lines: list[StatementLine], result: MatchResult) -> None:
    """Every line is matched (allocations sum to its amount) or queued (no allocation)."""
    queued = {q.line.key for q in result.queue}
    assert len(queued) == len(result.queue)
    for statement_line in lines:
        allocated = sum((a.amount for a in result.allocations if a.line_key == statement_line.key), D("0.00"))
        if statement_line.key in queued:
            assert allocated == 0
        else:
            assert allocated == statement_line.amount
    total_allocated = sum((a.amount for a in result.allocations), D("0.00"))
    total_queued = sum((q.line.amount for q in result.queue), D("0.00"))
    assert total_allocated + total_queued == sum((x.amount for x in lines), D("0.00"))


# --------------------------------------------------------------------------- by reference


def test_on_time_full_payment_by_reference() -> None:
    lines = [line(1, "238.00", "Plata factura VBR00000123 martie")]
    result = match_payments(lines, ALL, IBANS)
    assert summary(result) == [(("ST-2026-03", 1), "VBR00000123", D("238.00"), "reference")]
    assert result.queue == ()
    assert result.paid_amounts["VBR00000123"] == D("238.00")
    assert result.paid_amounts["VBR00000124"] == D("0.00")
    assert_conserved(lines, result)
    # Paid on 2 March, due 4 February: but it is paid, so it is no longer a receivable.
    open_items = receivables(ALL, result.allocations, date(2026, 3, 2))
    assert [r.invoice_number for r in open_items] == ["VBR00000200", "VBR00000124", "VBR00000201"]


@pytest.mark.parametrize(
    "text",
    [
        "vbr 0000 0123",
        "VBR-0000-0123",
        "factura: vbr/00000123.",
        "VB-RO/0000123",  # the structured payment reference
        "plata vb ro 0000 123 energie",
        "VBR00000123",
    ],
)
def test_reference_found_ignoring_case_spaces_dashes_slashes(text: str) -> None:
    result = match_payments([line(1, "238.00", text)], ALL, IBANS)
    assert summary(result) == [(("ST-2026-03", 1), "VBR00000123", D("238.00"), "reference")]


@pytest.mark.parametrize(
    "text",
    [
        "VBR000001234",  # a longer number: not this invoice
        "VBR 0000 01234",
        "XVBR00000123",  # glued to a preceding letter
        "facturaVBR00000123",
    ],
)
def test_reference_must_stand_alone(text: str) -> None:
    # No reference found, no payer known: queued, nothing guessed.
    result = match_payments([line(1, "238.00", text)], ALL, IBANS)
    assert result.allocations == ()
    assert result.queue[0].reason_code == "unknown_payer"


def test_one_transfer_quoting_two_invoices() -> None:
    # 238.00 + 119.00 = 357.00; allocated oldest due date first whatever the order in the text.
    lines = [line(1, "357.00", "Facturi VBR00000124 si VBR00000123")]
    result = match_payments(lines, ALL, IBANS)
    assert summary(result) == [
        (("ST-2026-03", 1), "VBR00000123", D("238.00"), "reference"),
        (("ST-2026-03", 1), "VBR00000124", D("119.00"), "reference"),
    ]
    assert_conserved(lines, result)


def test_partial_payment_by_reference_leaves_invoice_partly_open() -> None:
    # 238.00 − 100.00 = 138.00 still open; due 4 Feb, as of 2 Mar: 24 + 2 = 26 days overdue.
    lines = [line(1, "100.00", "VBR00000123")]
    result = match_payments(lines, ALL, IBANS)
    assert summary(result) == [(("ST-2026-03", 1), "VBR00000123", D("100.00"), "reference")]
    assert result.paid_amounts["VBR00000123"] == D("100.00")
    (item,) = [r for r in receivables(ALL, result.allocations, date(2026, 3, 2)) if r.invoice_number == "VBR00000123"]
    assert item.open_amount == D("138.00")
    assert item.paid_amount == D("100.00")
    assert item.days_overdue == 26
    assert item.ageing_bucket == "1-30"


def test_overpayment_by_reference_is_credited_to_the_customer() -> None:
    # 250.00 − 238.00 = 12.00 credit on C1.
    lines = [line(1, "250.00", "VBR00000123")]
    result = match_payments(lines, ALL, IBANS)
    assert summary(result) == [
        (("ST-2026-03", 1), "VBR00000123", D("238.00"), "reference"),
        (("ST-2026-03", 1), None, D("12.00"), "overpayment"),
    ]
    credit = result.allocations[1]
    assert (credit.customer_id, credit.company_id, credit.currency) == ("C1", "VB-RO", "RON")
    assert result.paid_amounts["VBR00000123"] == D("238.00")
    assert_conserved(lines, result)
    (c1,) = [c for c in receivables_by_customer(receivables(ALL, result.allocations, BOOKED), result.allocations) if c.customer_id == "C1"]
    # C1 still owes VBR00000124 (119.00) and has a 12.00 credit: balance 107.00.
    assert (c1.open_amount, c1.credit_amount, c1.balance) == (D("119.00"), D("12.00"), D("107.00"))


def test_second_payment_sees_the_reduced_open_amount() -> None:
    # Line 1: 100.00 of 238.00 → 138.00 open. Line 2: 200.00 → 138.00 to the invoice, 62.00 credit.
    lines = [line(2, "200.00", "VBR00000123"), line(1, "100.00", "VBR00000123")]
    result = match_payments(lines, ALL, IBANS)
    assert summary(result) == [
        (("ST-2026-03", 1), "VBR00000123", D("100.00"), "reference"),
        (("ST-2026-03", 2), "VBR00000123", D("138.00"), "reference"),
        (("ST-2026-03", 2), None, D("62.00"), "overpayment"),
    ]
    assert_conserved(lines, result)


def test_lines_are_processed_by_booking_date() -> None:
    # The later booking is listed first in the input but sees what the earlier one left:
    # 1 March pays 238.00 in full, so 5 March quoting the same invoice is a duplicate.
    late = line(1, "238.00", "VBR00000123", booked=date(2026, 3, 5), statement="A")
    early = line(9, "238.00", "VBR00000123", booked=date(2026, 3, 1), statement="B")
    result = match_payments([late, early], ALL, IBANS)
    assert summary(result) == [(("B", 9), "VBR00000123", D("238.00"), "reference")]
    assert [(q.line.key, q.reason_code) for q in result.queue] == [(("A", 1), "reference_not_open")]


def test_reference_to_an_already_paid_invoice_is_queued() -> None:
    # Decision: a payment quoting only settled invoices is queued, not credited (likely a
    # duplicate payment the customer may want back).
    paid = inv("VBR00000099", "C1", date(2026, 1, 4), "80.00", paid="80.00")
    lines = [line(1, "80.00", "VBR00000099", iban=IBAN_C1)]
    result = match_payments(lines, [paid, *ALL], IBANS)
    assert result.allocations == ()
    (queued,) = result.queue
    assert queued.reason_code == "reference_not_open"
    assert queued.reason == "reference VBR00000099 is not an open invoice (already paid / unknown)"
    assert result.paid_amounts["VBR00000099"] == D("80.00")


def test_settled_reference_beside_an_open_one_is_ignored() -> None:
    paid = inv("VBR00000099", "C1", date(2026, 1, 4), "80.00", paid="80.00")
    result = match_payments([line(1, "119.00", "VBR00000099 VBR00000124")], [paid, *ALL], IBANS)
    assert summary(result) == [(("ST-2026-03", 1), "VBR00000124", D("119.00"), "reference")]


def test_overpayment_over_invoices_of_two_customers_is_queued() -> None:
    # 238.00 (C1) + 500.00 (C2) = 738.00; 800.00 leaves 62.00 nobody can be credited with.
    lines = [line(1, "800.00", "VBR00000123 VBR00000200")]
    result = match_payments(lines, ALL, IBANS)
    assert result.allocations == ()
    assert result.queue[0].reason_code == "overpayment_ambiguous"
    assert "62.00 RON" in result.queue[0].reason
    # Without a remainder the same transfer is matched: 738.00 exactly.
    result = match_payments([line(1, "738.00", "VBR00000123 VBR00000200")], ALL, IBANS)
    assert [a.invoice_number for a in result.allocations] == ["VBR00000123", "VBR00000200"]


def test_reference_in_another_currency_is_queued() -> None:
    result = match_payments([line(1, "48.00", "VBR00000123", currency="EUR")], ALL, IBANS)
    assert result.allocations == ()
    (queued,) = result.queue
    assert queued.reason_code == "currency_mismatch"
    assert queued.reason == "currency EUR differs from the invoices' RON (referenced: VBR00000123)"


# --------------------------------------------------------------------------- by customer and amount


def test_payment_by_customer_iban_and_exact_amount() -> None:
    # No reference; the IBAN (spaces and case do not matter) names C1; 119.00 = VBR00000124's open amount.
    lines = [line(1, "119.00", "Factura energie electrica", iban="ro49aaaa1b31007593840000")]
    result = match_payments(lines, ALL, IBANS)
    assert summary(result) == [(("ST-2026-03", 1), "VBR00000124", D("119.00"), "customer_amount")]
    assert_conserved(lines, result)


def test_payment_by_customer_hint_and_exact_amount() -> None:
    result = match_payments([line(1, "238.00", None, hint="C1")], ALL, None)
    assert summary(result) == [(("ST-2026-03", 1), "VBR00000123", D("238.00"), "customer_amount")]


def test_equal_amounts_pay_the_oldest_due_date_first() -> None:
    # C2 has two invoices of 500.00 (due 10 Feb and 10 Mar): the first 500.00 pays 10 Feb,
    # the second, the day after, pays 10 Mar.
    lines = [
        line(2, "500.00", iban="RO66BACX0000001234567890", booked=date(2026, 3, 3)),
        line(1, "500.00", iban="RO66BACX0000001234567890"),
    ]
    result = match_payments(lines, ALL, IBANS)
    assert summary(result) == [
        (("ST-2026-03", 1), "VBR00000200", D("500.00"), "customer_amount"),
        (("ST-2026-03", 2), "VBR00000201", D("500.00"), "customer_amount"),
    ]


def test_pay_all_open_invoices_of_the_customer() -> None:
    # 238.00 + 119.00 = 357.00: everything C1 owes.
    lines = [line(1, "357.00", "plata", iban=IBAN_C1)]
    result = match_payments(lines, ALL, IBANS)
    assert summary(result) == [
        (("ST-2026-03", 1), "VBR00000123", D("238.00"), "pay_all"),
        (("ST-2026-03", 1), "VBR00000124", D("119.00"), "pay_all"),
    ]
    assert_conserved(lines, result)
    assert customers_without_debts(["C1", "C2"], receivables(ALL, result.allocations, BOOKED)) == ["C1"]


def test_pay_all_uses_the_open_amounts_after_partial_payments() -> None:
    # Line 1: 38.00 by reference → VBR00000123 open 200.00. Line 2: 200.00 + 119.00 = 319.00 pays all.
    lines = [line(1, "38.00", "VBR00000123"), line(2, "319.00", iban=IBAN_C1)]
    result = match_payments(lines, ALL, IBANS)
    assert summary(result)[1:] == [
        (("ST-2026-03", 2), "VBR00000123", D("200.00"), "pay_all"),
        (("ST-2026-03", 2), "VBR00000124", D("119.00"), "pay_all"),
    ]


def test_amount_matching_nothing_is_queued_with_the_open_amounts() -> None:
    # 300.00 is neither 238.00, nor 119.00, nor 238.00 + 119.00 = 357.00: finance decides.
    lines = [line(1, "300.00", "energie", iban=IBAN_C1)]
    result = match_payments(lines, ALL, IBANS)
    assert result.allocations == ()
    (queued,) = result.queue
    assert queued.reason_code == "amount_mismatch"
    assert queued.reason == (
        "amount 300.00 RON matches no open invoice of customer C1 "
        "(open: VBR00000123 238.00, VBR00000124 119.00; total 357.00 RON)"
    )
    assert result.paid_amounts == {"VBR00000123": D("0.00"), "VBR00000124": D("0.00"), "VBR00000200": D("0.00"), "VBR00000201": D("0.00")}
    assert_conserved(lines, result)


def test_unknown_payer_is_queued() -> None:
    lines = [line(1, "238.00", "energie martie", iban="RO09 BCYP 0000 0012 3456 7890"), line(2, "10.00")]
    result = match_payments(lines, ALL, IBANS)
    assert result.allocations == ()
    assert [(q.reason_code, q.reason) for q in result.queue] == [
        ("unknown_payer", "no invoice reference in the remittance text and payer IBAN RO09BCYP0000001234567890 unknown (no customer hint)"),
        ("unknown_payer", "no invoice reference in the remittance text, no payer IBAN and no customer hint"),
    ]


def test_iban_and_hint_naming_different_customers_is_queued() -> None:
    result = match_payments([line(1, "119.00", iban=IBAN_C1, hint="C2")], ALL, IBANS)
    assert result.allocations == ()
    assert result.queue[0].reason_code == "payer_conflict"
    assert "belongs to customer C1 but the customer hint is C2" in result.queue[0].reason


def test_currency_mismatch_by_customer_is_queued() -> None:
    result = match_payments([line(1, "119.00", iban=IBAN_C1, currency="EUR")], ALL, IBANS)
    (queued,) = result.queue
    assert queued.reason_code == "currency_mismatch"
    assert queued.reason == "currency EUR differs from the invoices' RON (open invoices of customer C1)"


def test_customer_without_open_invoices_is_queued() -> None:
    result = match_payments([line(1, "50.00", hint="C9")], ALL, IBANS)
    assert result.queue[0].reason_code == "no_open_invoices"
    assert "customer C9" in result.queue[0].reason


# --------------------------------------------------------------------------- not payments, bad input


def test_negative_amount_is_queued() -> None:
    lines = [line(1, "-238.00", "VBR00000123 chargeback", iban=IBAN_C1)]
    result = match_payments(lines, ALL, IBANS)
    assert result.allocations == ()
    (queued,) = result.queue
    assert queued.reason_code == "negative_amount"
    assert queued.reason == "negative amount -238.00 RON: a refund or chargeback, not a payment"
    assert_conserved(lines, result)


def test_zero_amount_is_queued() -> None:
    result = match_payments([line(1, "0", "VBR00000123")], ALL, IBANS)
    assert result.queue[0].reason_code == "zero_amount"


def test_float_and_sub_cent_amounts_are_refused() -> None:
    with pytest.raises(TypeError, match="float"):
        replace(line(1, "1.00"), amount=0.1)
    with pytest.raises(ValueError, match="2 decimals"):
        line(1, "10.001")
    with pytest.raises(ValueError, match="exceeds gross"):
        inv("X00001", "C1", date(2026, 1, 1), "10.00", paid="10.01")


def test_duplicate_lines_and_ambiguous_references_are_refused() -> None:
    with pytest.raises(ValueError, match="appears twice"):
        match_payments([line(1, "1.00"), line(1, "2.00")], ALL)
    clash = inv("VBR00000999", "C3", date(2026, 1, 1), "5.00", reference="vbr-0000-0123")
    with pytest.raises(ValueError, match="identifies both"):
        match_payments([], [INV_123, clash])


# --------------------------------------------------------------------------- receivables


@pytest.mark.parametrize(
    ("days", "bucket"),
    [
        (-5, "not_due"),
        (0, "not_due"),
        (1, "1-30"),
        (30, "1-30"),
        (31, "31-60"),
        (60, "31-60"),
        (61, "61-90"),
        (90, "61-90"),
        (91, "91-180"),
        (180, "91-180"),
        (181, "over_180"),
        (400, "over_180"),
    ],
)
def test_ageing_buckets_at_the_boundaries(days: int, bucket: str) -> None:
    due = date(2026, 1, 31)
    as_of = due + timedelta(days=days)
    (item,) = receivables([inv("VBR00000500", "C5", due, "75.50")], [], as_of)
    assert item.days_overdue == max(0, days)
    assert item.ageing_bucket == bucket
    assert item.open_amount == D("75.50")


def test_days_overdue_counts_calendar_days() -> None:
    # Due 31 Jan 2026, as of 31 Mar 2026: 28 (Feb) + 31 (Mar) = 59 days.
    assert days_overdue(date(2026, 1, 31), date(2026, 3, 31)) == 59
    assert ageing_bucket(59) == "31-60"


def test_receivables_by_customer_and_customers_without_debts() -> None:
    # C1 pays VBR00000123 in full and 19.00 of VBR00000124 (open 100.00);
    # C2 pays nothing; C3 only has a credit; C4 has no invoice at all.
    c3 = inv("VBR00000300", "C3", date(2026, 1, 10), "40.00")
    invoices = [*ALL, c3]
    lines = [line(1, "238.00", "VBR00000123"), line(2, "19.00", "VBR00000124"), line(3, "45.00", "VBR00000300")]
    result = match_payments(lines, invoices, IBANS)
    as_of = date(2026, 4, 15)
    items = receivables(invoices, result.allocations, as_of)
    # Due 7 Mar → 24 + 15 = 39 days; due 10 Feb → 18 + 31 + 15 = 64; due 10 Mar → 21 + 15 = 36.
    assert [(r.invoice_number, r.open_amount, r.days_overdue, r.ageing_bucket) for r in items] == [
        ("VBR00000200", D("500.00"), 64, "61-90"),
        ("VBR00000124", D("100.00"), 39, "31-60"),
        ("VBR00000201", D("500.00"), 36, "31-60"),
    ]
    per_customer = {c.customer_id: c for c in receivables_by_customer(items, result.allocations)}
    assert per_customer["C1"].open_amount == D("100.00")
    assert per_customer["C2"].open_amount == D("1000.00")
    assert per_customer["C2"].open_by_bucket["61-90"] == D("500.00")
    assert per_customer["C2"].open_by_bucket["31-60"] == D("500.00")
    assert per_customer["C2"].max_days_overdue == 64
    # 45.00 − 40.00 = 5.00 credit, nothing owed.
    assert (per_customer["C3"].open_amount, per_customer["C3"].credit_amount, per_customer["C3"].balance) == (
        D("0.00"),
        D("5.00"),
        D("-5.00"),
    )
    assert customers_without_debts(["C4", "C3", "C2", "C1", "C3"], items) == ["C3", "C4"]


def test_receivables_refuse_allocations_beyond_the_open_amount() -> None:
    too_much = Allocation(("X", 1), "VBR00000124", "C1", "VB-RO", "RON", D("119.01"), "reference")
    with pytest.raises(ValueError, match="exceed"):
        receivables(ALL, [too_much], BOOKED)


# --------------------------------------------------------------------------- properties

CUSTOMERS = ["C1", "C2", "C3"]
PROPERTY_IBANS = {"RO01BANK0000000000000001": "C1", "RO02BANK0000000000000002": "C2"}
cents = st.integers(min_value=1, max_value=50_000).map(lambda c: D(c).scaleb(-2))


@st.composite
def invoices_strategy(draw: st.DrawFn) -> list[OpenInvoice]:
    count = draw(st.integers(min_value=0, max_value=6))
    result = []
    for index in range(count):
        gross = draw(cents)
        paid = draw(st.sampled_from([D("0.00"), gross, (gross / 2).quantize(D("0.01"))]))
        result.append(
            OpenInvoice(
                invoice_number=f"VBR{index + 1:08d}",
                customer_id=draw(st.sampled_from(CUSTOMERS)),
                company_id="VB-RO",
                currency=draw(st.sampled_from(["RON", "RON", "EUR"])),
                issue_date=date(2026, 1, 1),
                due_date=date(2026, 1, 1) + timedelta(days=draw(st.integers(0, 3)) * 15),
                gross_amount=gross,
                paid_amount=paid,
                payment_reference=f"VB-RO/{index + 1:07d}",
            )
        )
    return result


@st.composite
def scenario(draw: st.DrawFn) -> tuple[list[OpenInvoice], list[StatementLine]]:
    invoices = draw(invoices_strategy())
    lines = []
    for index in range(draw(st.integers(min_value=0, max_value=8))):
        quoted = draw(st.lists(st.sampled_from(invoices), max_size=2)) if invoices else []
        text = " ".join(
            draw(st.sampled_from([i.invoice_number, i.invoice_number.lower(), i.payment_reference or "", "vbr " + i.invoice_number[3:]]))
            for i in quoted
        ) or draw(st.sampled_from(["", "plata energie", "factura"]))
        amount_choices = [st.integers(-5_000, 50_000).map(lambda c: D(c).scaleb(-2))]
        if invoices:
            amount_choices.append(st.sampled_from([i.gross_amount for i in invoices]))
            amount_choices.append(st.sampled_from([i.gross_amount - i.paid_amount for i in invoices]))
            # What a customer owes in one currency in all: the pay-all case.
            amount_choices.append(
                st.sampled_from(
                    [
                        sum((i.gross_amount - i.paid_amount for i in invoices if (i.customer_id, i.currency) == owner), D("0.00"))
                        for owner in sorted({(i.customer_id, i.currency) for i in invoices})
                    ]
                )
            )
        lines.append(
            StatementLine(
                statement_id=draw(st.sampled_from(["A", "B"])),
                line_number=index,
                booking_date=date(2026, 3, 1) + timedelta(days=draw(st.integers(0, 2))),
                value_date=date(2026, 3, 1),
                amount=draw(st.one_of(*amount_choices)),
                currency=draw(st.sampled_from(["RON", "RON", "EUR"])),
                payer_iban=draw(st.sampled_from([None, *PROPERTY_IBANS, "RO99UNKNOWN000000000000"])),
                remittance_info=text,
                customer_hint=draw(st.sampled_from([None, None, *CUSTOMERS])),
            )
        )
    return invoices, lines


@settings(max_examples=300, deadline=None)
@given(scenario(), st.randoms(use_true_random=False))
def test_nothing_is_lost_and_order_does_not_matter(case: tuple[list[OpenInvoice], list[StatementLine]], rng) -> None:  # type: ignore[no-untyped-def]
    invoices, lines = case
    result = match_payments(lines, invoices, PROPERTY_IBANS)
    assert_conserved(lines, result)

    for allocation in result.allocations:
        assert allocation.amount > 0
        assert (allocation.invoice_number is None) == (allocation.method == "overpayment")
    by_number = {i.invoice_number: i for i in invoices}
    for number, paid in result.paid_amounts.items():
        invoice = by_number[number]
        allocated = sum((a.amount for a in result.allocations if a.invoice_number == number), D("0.00"))
        assert paid == invoice.paid_amount + allocated
        assert paid <= invoice.gross_amount
        assert paid.as_tuple().exponent == -2

    shuffled = list(lines)
    rng.shuffle(shuffled)
    again = match_payments(shuffled, list(reversed(invoices)), PROPERTY_IBANS)
    assert again == result

    items = receivables(invoices, result.allocations, date(2026, 6, 30))
    assert sum((r.open_amount for r in items), D("0.00")) == sum(
        (i.gross_amount - result.paid_amounts[i.invoice_number] for i in invoices), D("0.00")
    )
    owing = {r.customer_id for r in items}
    assert set(customers_without_debts(CUSTOMERS, items)) == set(CUSTOMERS) - owing
