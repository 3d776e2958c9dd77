"""Matching bank statement lines to invoices, and the receivables that remain.

Purpose
-------
Customers pay by bank transfer. The bank statement lines (parsed elsewhere from the
bank's CSV) are matched here to the open invoices; what cannot be matched with
confidence waits in a queue, with a reason a person understands, for finance to decide.
From the invoices and the allocations, `receivables` gives the open amount per invoice,
its days overdue and ageing bucket; `receivables_by_customer` and
`customers_without_debts` summarise them per customer.

Pure Python: no Dagster, no warehouse, no file I/O. Money is `decimal.Decimal` with at
most 2 decimals (`billing.money`); binary floats are refused.

Matching rules (`match_payments`)
---------------------------------
Lines are processed in ``(booking_date, statement_id, line_number)`` order, whatever the
order of the input, and the open amounts are updated after every line: a second payment
for the same invoice sees the reduced open amount. Open invoices are always considered
oldest first: ``(due_date, issue_date, invoice_number)``.

0. **Not a payment.** A negative amount (a refund or chargeback) is queued
   (``negative_amount``); so is a zero amount (``zero_amount``).

1. **By reference.** Every invoice whose invoice number or payment reference appears in
   the remittance text is *referenced*. Comparison is case-insensitive and ignores
   spaces, dashes and slashes, so ``"vbr 0000 0123"``, ``"VBR-0000-0123"`` and
   ``"Plata factura VBR00000123 martie"`` all quote ``VBR00000123``, and
   ``"vb ro 0000123"`` quotes the reference ``VB-RO/0000123``. A reference must stand
   alone: an end that is a digit may not continue into a longer number, even across
   spaces (``VBR000001234`` and ``VBR 0000 01234`` do not quote ``VBR00000123``); an end
   that is a letter may not touch a letter or digit in the original text
   (``facturaVBR00000123`` does not quote it, ``factura VBR00000123`` does).
   References shorter than `MIN_REFERENCE_LENGTH` characters (after normalising) are
   matched only when they are the whole remittance text, so that a short number does not
   match a date or an amount in free text.

   - The line's amount is allocated to the referenced invoices that are still open,
     oldest due date first, each up to its open amount (method ``reference``).
   - **Overpayment.** What remains after all referenced invoices are paid is a credit on
     the customer: an allocation with ``invoice_number=None`` and method
     ``overpayment``. It is only made when the referenced invoices belong to one
     customer (and company); otherwise the line is queued (``overpayment_ambiguous``).
   - **A reference to a settled invoice.** If every referenced invoice is already fully
     paid (before this run or by an earlier line), the line is queued
     (``reference_not_open``), *not* credited: a payment quoting only a settled invoice is
     most often a duplicate payment, which the customer may want refunded; finance
     decides. Referenced invoices that are settled are ignored when others are open.
   - The referenced open invoices must all be in the line's currency, else the line is
     queued (``currency_mismatch``).
   - A reference found in the text always takes precedence over rule 2.
   - An invoice that is not among `open_invoices` cannot be recognised in free text; pass
     settled invoices (``paid_amount == gross_amount``) too if a payment quoting them
     should be queued as ``reference_not_open`` rather than fall through to rule 2.

2. **By customer and amount** (no reference found). The customer is the one the payer
   IBAN belongs to (`customer_ibans`, IBAN → customer id, compared without spaces and
   case-insensitively), else the line's ``customer_hint``. If the IBAN and the hint name
   different customers the line is queued (``payer_conflict``). Among that customer's
   open invoices in the line's currency:

   - exactly one with an open amount equal to the line's amount: it is paid (method
     ``customer_amount``); several equal: the **oldest due date** is paid;
   - else, if the amount equals the sum of all of them (and there are several): all are
     paid (method ``pay_all``);
   - else the line is **queued** (``amount_mismatch``), naming the customer and the open
     amounts. A partial or unexplained payment is *not* spread over the customer's
     invoices automatically: finance keeps control of what an unreferenced amount pays.

   No open invoice in the line's currency but some in another: ``currency_mismatch``; no
   open invoice at all: ``no_open_invoices``.

3. **Otherwise** the line is queued (``unknown_payer``): no reference, and neither a
   known payer IBAN nor a customer hint.

Conservation: for a matched line, the sum of its allocations is exactly its amount; a
queued line has no allocation; every line is either matched or queued, never both, never
neither. So Σ allocations + Σ queued amounts = Σ statement amounts, to the cent, and no
invoice is ever paid beyond its gross amount (an excess is an ``overpayment`` allocation
without an invoice).

Receivables
-----------
``open amount = gross − paid − allocations of this run``. Days overdue are
``as_of − due_date`` in calendar days, 0 if the invoice is not yet due (due today is not
due). Ageing buckets on days overdue: 0 ``not_due``; 1–30 ``1-30``; 31–60 ``31-60``;
61–90 ``61-90``; 91–180 ``91-180``; 181 and more ``over_180``. Only invoices with an open
amount are receivables; overpayment credits are reported per customer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from billing.money import decimal_places, exact_sum, round_amount, to_decimal

__all__ = [
    "AGEING_BUCKETS",
    "MIN_REFERENCE_LENGTH",
    "Allocation",
    "AllocationMethod",
    "CustomerReceivable",
    "MatchResult",
    "OpenInvoice",
    "QueuedLine",
    "Receivable",
    "StatementLine",
    "ageing_bucket",
    "customers_without_debts",
    "days_overdue",
    "find_references",
    "match_payments",
    "normalize_iban",
    "normalize_reference",
    "receivables",
    "receivables_by_customer",
]

AllocationMethod = Literal["reference", "customer_amount", "pay_all", "overpayment"]

ZERO = Decimal("0.00")
MIN_REFERENCE_LENGTH = 5
AGEING_BUCKETS: tuple[str, ...] = ("not_due", "1-30", "31-60", "61-90", "91-180", "over_180")

_SEPARATORS = re.compile(r"[\s\-/]+")


# --------------------------------------------------------------------------- validation


def _amount(name: str, value: object, *, allow_negative: bool = False) -> Decimal:
    """A money amount with at most 2 decimals, as a Decimal with exactly 2 decimals."""
    result = to_decimal(value, name)  # type: ignore[arg-type]  # refuses floats, bools, NaN
    if decimal_places(result) > 2:
        raise ValueError(f"{name} must have at most 2 decimals, got {result}")
    if not allow_negative and result < 0:
        raise ValueError(f"{name} must not be negative, got {result}")
    return round_amount(result)  # exact: only fixes the exponent to -2


def _day(name: str, value: object) -> date:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise TypeError(f"{name} must be a datetime.date (not a datetime), got {value!r}")
    return value


def _text(name: str, value: object, *, required: bool) -> str | None:
    if value is None:
        if required:
            raise ValueError(f"{name} is required")
        return None
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, got {type(value).__name__} ({value!r})")
    if required and not value.strip():
        raise ValueError(f"{name} must not be empty")
    return value


def normalize_reference(text: str) -> str:
    """Upper case, without spaces, dashes and slashes: "VB-RO/000 0123" -> "VBRO0000123"."""
    return _SEPARATORS.sub("", text).upper()


def normalize_iban(iban: str) -> str:
    """Without whitespace, upper case: how IBANs are compared."""
    return re.sub(r"\s+", "", iban).upper()


# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class OpenInvoice:
    """An issued invoice and what has been paid on it so far (0 <= paid <= gross).

    `payment_reference` is what the customer is asked to quote (the invoice number, or a
    structured reference such as "VB-RO/0000123"); either is recognised in a remittance.
    """

    invoice_number: str
    customer_id: str
    company_id: str
    currency: str
    issue_date: date
    due_date: date
    gross_amount: Decimal
    paid_amount: Decimal = ZERO
    payment_reference: str | None = None

    def __post_init__(self) -> None:
        _text("OpenInvoice.invoice_number", self.invoice_number, required=True)
        if not normalize_reference(self.invoice_number):
            raise ValueError(f"OpenInvoice.invoice_number {self.invoice_number!r} has no letter or digit")
        _text("OpenInvoice.customer_id", self.customer_id, required=True)
        _text("OpenInvoice.company_id", self.company_id, required=True)
        _text("OpenInvoice.currency", self.currency, required=True)
        _text("OpenInvoice.payment_reference", self.payment_reference, required=False)
        _day("OpenInvoice.issue_date", self.issue_date)
        _day("OpenInvoice.due_date", self.due_date)
        gross = _amount(f"OpenInvoice.gross_amount of {self.invoice_number}", self.gross_amount)
        paid = _amount(f"OpenInvoice.paid_amount of {self.invoice_number}", self.paid_amount)
        if paid > gross:
            raise ValueError(
                f"invoice {self.invoice_number}: paid amount {paid} exceeds gross amount {gross} "
                "(a credit balance is an overpayment allocation, not a paid amount)"
            )
        object.__setattr__(self, "gross_amount", gross)
        object.__setattr__(self, "paid_amount", paid)

    @property
    def open_amount(self) -> Decimal:
        return self.gross_amount - self.paid_amount

    @property
    def reference_keys(self) -> frozenset[str]:
        """The normalised strings that identify this invoice in a remittance text."""
        keys = {normalize_reference(self.invoice_number)}
        if self.payment_reference and normalize_reference(self.payment_reference):
            keys.add(normalize_reference(self.payment_reference))
        return frozenset(keys)


@dataclass(frozen=True)
class StatementLine:
    """One line of a bank statement. `amount` > 0 is money received; < 0 money paid out."""

    statement_id: str
    line_number: int
    booking_date: date
    value_date: date
    amount: Decimal
    currency: str
    payer_name: str | None = None
    payer_iban: str | None = None
    remittance_info: str | None = None
    customer_hint: str | None = None

    def __post_init__(self) -> None:
        _text("StatementLine.statement_id", self.statement_id, required=True)
        if isinstance(self.line_number, bool) or not isinstance(self.line_number, int):
            raise TypeError(f"StatementLine.line_number must be an int, got {self.line_number!r}")
        _day("StatementLine.booking_date", self.booking_date)
        _day("StatementLine.value_date", self.value_date)
        _text("StatementLine.currency", self.currency, required=True)
        for name in ("payer_name", "payer_iban", "remittance_info", "customer_hint"):
            _text(f"StatementLine.{name}", getattr(self, name), required=False)
        amount = _amount(f"StatementLine.amount of {self.statement_id}:{self.line_number}", self.amount, allow_negative=True)
        object.__setattr__(self, "amount", amount)

    @property
    def key(self) -> tuple[str, int]:
        """(statement_id, line_number): identifies the line."""
        return (self.statement_id, self.line_number)

    @property
    def sort_key(self) -> tuple[date, str, int]:
        return (self.booking_date, self.statement_id, self.line_number)


# --------------------------------------------------------------------------- outputs


@dataclass(frozen=True)
class Allocation:
    """Part of a statement line's amount applied to an invoice, or credited to the customer.

    `invoice_number` is None exactly when `method` is "overpayment" (a credit on
    `customer_id` at `company_id`).
    """

    line_key: tuple[str, int]
    invoice_number: str | None
    customer_id: str
    company_id: str
    currency: str
    amount: Decimal
    method: AllocationMethod


@dataclass(frozen=True)
class QueuedLine:
    """A statement line that was not matched: `reason_code` for machines, `reason` for people."""

    line: StatementLine
    reason_code: str
    reason: str


@dataclass(frozen=True)
class MatchResult:
    """Allocations and queue in processing order; `paid_amounts` for every input invoice."""

    allocations: tuple[Allocation, ...]
    queue: tuple[QueuedLine, ...]
    paid_amounts: Mapping[str, Decimal]
    invoices: tuple[OpenInvoice, ...] = field(default=())

    def allocations_of(self, line_key: tuple[str, int]) -> tuple[Allocation, ...]:
        return tuple(a for a in self.allocations if a.line_key == line_key)


# --------------------------------------------------------------------------- references


def _char_class(char: str) -> str:
    if char.isdigit():
        return "digit"
    if char.isalpha():
        return "letter"
    return "other"


def _normalized_with_positions(text: str) -> tuple[str, list[int]]:
    """The normalised text and, per normalised character, its index in `text`."""
    chars: list[str] = []
    positions: list[int] = []
    for index, char in enumerate(text):
        if _SEPARATORS.fullmatch(char):
            continue
        upper = char.upper()
        chars.append(upper)
        positions.extend([index] * len(upper))  # "ß".upper() is "SS"
    return "".join(chars), positions


def _stands_alone(text: str, norm: str, positions: list[int], start: int, end: int) -> bool:
    """Whether norm[start:end] is a whole reference rather than part of a longer word or number.

    A digit at an edge may not continue into another digit, even across separators
    ("0000 0123" is one number); a letter at an edge may not touch another letter or digit
    in the original text ("factura VBR1" is fine, "facturaVBR1" is not).
    """
    first, last = norm[start], norm[end - 1]
    if start > 0:
        if _char_class(first) == "digit" and norm[start - 1].isdigit():
            return False
        before = positions[start] - 1
        if _char_class(first) == "letter" and before >= 0 and text[before].isalnum():
            return False
    if end < len(norm):
        if _char_class(last) == "digit" and norm[end].isdigit():
            return False
        after = positions[end - 1] + 1
        if _char_class(last) == "letter" and after < len(text) and text[after].isalnum():
            return False
    return True


def find_references(text: str | None, keys: Iterable[str]) -> set[str]:
    """The normalised `keys` quoted in `text` (see rule 1 of the module docstring)."""
    if not text:
        return set()
    norm, positions = _normalized_with_positions(text)
    found: set[str] = set()
    for key in keys:
        if not key:
            continue
        if key == norm:
            found.add(key)
            continue
        if len(key) < MIN_REFERENCE_LENGTH:
            continue
        start = norm.find(key)
        while start != -1:
            if _stands_alone(text, norm, positions, start, start + len(key)):
                found.add(key)
                break
            start = norm.find(key, start + 1)
    return found


# --------------------------------------------------------------------------- matching


def _oldest_first(invoice: OpenInvoice) -> tuple[date, date, str]:
    return (invoice.due_date, invoice.issue_date, invoice.invoice_number)


def _money(amount: Decimal, currency: str) -> str:
    return f"{amount} {currency}"


class _Matcher:
    def __init__(self, invoices: Sequence[OpenInvoice], customer_ibans: Mapping[str, str] | None) -> None:
        self.invoices = sorted(invoices, key=_oldest_first)
        self.open: dict[str, Decimal] = {inv.invoice_number: inv.open_amount for inv in self.invoices}
        self.by_key: dict[str, OpenInvoice] = {}
        for invoice in self.invoices:
            for key in invoice.reference_keys:
                other = self.by_key.get(key)
                if other is not None and other.invoice_number != invoice.invoice_number:
                    raise ValueError(
                        f"reference {key!r} identifies both invoice {other.invoice_number} and "
                        f"invoice {invoice.invoice_number}: a payment quoting it could not be matched"
                    )
                self.by_key[key] = invoice
        self.ibans: dict[str, str] = {}
        for iban, customer in (customer_ibans or {}).items():
            normalized = normalize_iban(iban)
            if self.ibans.get(normalized, customer) != customer:
                raise ValueError(f"IBAN {iban} is mapped to customers {self.ibans[normalized]} and {customer}")
            self.ibans[normalized] = customer
        self.allocations: list[Allocation] = []
        self.queue: list[QueuedLine] = []

    # ---------------------------------------------------------------- helpers

    def _allocate(self, line: StatementLine, invoice: OpenInvoice, amount: Decimal, method: AllocationMethod) -> None:
        self.open[invoice.invoice_number] -= amount
        assert self.open[invoice.invoice_number] >= 0
        self.allocations.append(
            Allocation(line.key, invoice.invoice_number, invoice.customer_id, invoice.company_id, line.currency, amount, method)
        )

    def _queue(self, line: StatementLine, code: str, reason: str) -> None:
        self.queue.append(QueuedLine(line, code, reason))

    def _open_invoices_of(self, customer: str) -> list[OpenInvoice]:
        """The customer's invoices still open, oldest due date first."""
        return [inv for inv in self.invoices if inv.customer_id == customer and self.open[inv.invoice_number] > 0]

    # ---------------------------------------------------------------- rules

    def match(self, line: StatementLine) -> None:
        if line.amount < 0:
            self._queue(
                line,
                "negative_amount",
                f"negative amount {_money(line.amount, line.currency)}: a refund or chargeback, not a payment",
            )
            return
        if line.amount == 0:
            self._queue(line, "zero_amount", "zero amount: nothing to allocate")
            return
        referenced = {self.by_key[key] for key in find_references(line.remittance_info, self.by_key)}
        if referenced:
            self._by_reference(line, sorted(referenced, key=_oldest_first))
        else:
            self._by_customer(line)

    def _by_reference(self, line: StatementLine, referenced: list[OpenInvoice]) -> None:
        still_open = [inv for inv in referenced if self.open[inv.invoice_number] > 0]
        if not still_open:
            numbers = ", ".join(inv.invoice_number for inv in referenced)
            if len(referenced) == 1:
                reason = f"reference {numbers} is not an open invoice (already paid / unknown)"
            else:
                reason = f"references {numbers} are not open invoices (already paid / unknown)"
            self._queue(line, "reference_not_open", reason)
            return
        currencies = sorted({inv.currency for inv in still_open})
        if currencies != [line.currency]:
            numbers = ", ".join(inv.invoice_number for inv in still_open)
            self._queue(
                line,
                "currency_mismatch",
                f"currency {line.currency} differs from the invoices' {', '.join(currencies)} (referenced: {numbers})",
            )
            return
        plan: list[tuple[OpenInvoice, Decimal]] = []
        remaining = line.amount
        for invoice in still_open:
            if remaining == 0:
                break
            amount = min(remaining, self.open[invoice.invoice_number])
            plan.append((invoice, amount))
            remaining -= amount
        if remaining > 0:
            owners = sorted({(inv.customer_id, inv.company_id) for inv in still_open})
            if len(owners) > 1:
                names = ", ".join(f"{customer} (company {company})" for customer, company in owners)
                self._queue(
                    line,
                    "overpayment_ambiguous",
                    f"overpayment of {_money(remaining, line.currency)} cannot be credited: the referenced "
                    f"invoices belong to several customers: {names}",
                )
                return
        for invoice, amount in plan:
            self._allocate(line, invoice, amount, "reference")
        if remaining > 0:
            customer, company = still_open[0].customer_id, still_open[0].company_id
            self.allocations.append(Allocation(line.key, None, customer, company, line.currency, remaining, "overpayment"))

    def _identify_customer(self, line: StatementLine) -> tuple[str | None, str, str]:
        """(customer id or None, reason code if None, how it was found / why not)."""
        iban = normalize_iban(line.payer_iban) if line.payer_iban and line.payer_iban.strip() else None
        hint = line.customer_hint.strip() if line.customer_hint and line.customer_hint.strip() else None
        from_iban = self.ibans.get(iban) if iban else None
        if from_iban is not None and hint is not None and hint != from_iban:
            return None, "payer_conflict", (
                f"no invoice reference in the remittance text and payer IBAN {iban} belongs to customer "
                f"{from_iban} but the customer hint is {hint}"
            )
        if from_iban is not None:
            return from_iban, "", f"from payer IBAN {iban}"
        if hint is not None:
            return hint, "", "from the customer hint"
        if iban is not None:
            return None, "unknown_payer", (
                f"no invoice reference in the remittance text and payer IBAN {iban} unknown (no customer hint)"
            )
        return None, "unknown_payer", "no invoice reference in the remittance text, no payer IBAN and no customer hint"

    def _by_customer(self, line: StatementLine) -> None:
        customer, code, how = self._identify_customer(line)
        if customer is None:
            self._queue(line, code, how)
            return
        all_open = self._open_invoices_of(customer)
        if not all_open:
            self._queue(
                line,
                "no_open_invoices",
                f"no invoice reference in the remittance text and customer {customer} ({how}) has no open invoice",
            )
            return
        candidates = [inv for inv in all_open if inv.currency == line.currency]
        if not candidates:
            currencies = ", ".join(sorted({inv.currency for inv in all_open}))
            self._queue(
                line,
                "currency_mismatch",
                f"currency {line.currency} differs from the invoices' {currencies} (open invoices of customer {customer})",
            )
            return
        equal = [inv for inv in candidates if self.open[inv.invoice_number] == line.amount]
        if equal:
            self._allocate(line, equal[0], line.amount, "customer_amount")  # oldest due date first
            return
        total = exact_sum(self.open[inv.invoice_number] for inv in candidates)
        if len(candidates) > 1 and total == line.amount:
            for invoice in candidates:
                self._allocate(line, invoice, self.open[invoice.invoice_number], "pay_all")
            return
        listing = ", ".join(f"{inv.invoice_number} {self.open[inv.invoice_number]}" for inv in candidates)
        self._queue(
            line,
            "amount_mismatch",
            f"amount {_money(line.amount, line.currency)} matches no open invoice of customer {customer} "
            f"(open: {listing}; total {_money(total, line.currency)})",
        )


def match_payments(
    lines: Iterable[StatementLine],
    open_invoices: Iterable[OpenInvoice],
    customer_ibans: Mapping[str, str] | None = None,
) -> MatchResult:
    """Match statement lines to invoices; see "Matching rules" in the module docstring.

    By reference first (remittance text quoting invoice numbers or payment references,
    oldest due date first; a remainder is an "overpayment" allocation with no invoice, a
    credit on the customer), then by customer (payer IBAN via `customer_ibans`, or the
    customer hint) and exact amount (several equal: the oldest due date) or the sum of all
    the customer's open invoices ("pay_all"); anything else is queued with a reason,
    including partial payments without a reference.

    Deterministic: lines are processed in (booking_date, statement_id, line_number) order
    and each line sees the open amounts left by the previous ones. Two lines with the same
    (statement_id, line_number), or two invoices with the same number or reference, are a
    ValueError: counting a payment twice or guessing its invoice would lose money.
    """
    line_list = sorted(lines, key=lambda line: line.sort_key)
    seen_lines: set[tuple[str, int]] = set()
    for line in line_list:
        if not isinstance(line, StatementLine):
            raise TypeError(f"lines must hold StatementLine, got {line!r}")
        if line.key in seen_lines:
            raise ValueError(f"statement line {line.key[0]}:{line.key[1]} appears twice")
        seen_lines.add(line.key)
    invoice_list = list(open_invoices)
    numbers: set[str] = set()
    for invoice in invoice_list:
        if not isinstance(invoice, OpenInvoice):
            raise TypeError(f"open_invoices must hold OpenInvoice, got {invoice!r}")
        if invoice.invoice_number in numbers:
            raise ValueError(f"invoice {invoice.invoice_number} appears twice")
        numbers.add(invoice.invoice_number)

    matcher = _Matcher(invoice_list, customer_ibans)
    for line in line_list:
        matcher.match(line)

    paid = {
        inv.invoice_number: inv.gross_amount - matcher.open[inv.invoice_number]
        for inv in sorted(matcher.invoices, key=lambda inv: inv.invoice_number)
    }
    updated = tuple(
        replace(inv, paid_amount=paid[inv.invoice_number]) for inv in sorted(invoice_list, key=lambda i: i.invoice_number)
    )
    return MatchResult(tuple(matcher.allocations), tuple(matcher.queue), paid, updated)


# --------------------------------------------------------------------------- receivables


@dataclass(frozen=True)
class Receivable:
    """An invoice with an open amount on `as_of`."""

    invoice_number: str
    customer_id: str
    company_id: str
    currency: str
    issue_date: date
    due_date: date
    gross_amount: Decimal
    paid_amount: Decimal
    open_amount: Decimal
    as_of: date
    days_overdue: int
    ageing_bucket: str


@dataclass(frozen=True)
class CustomerReceivable:
    """Per customer and currency: open amount, overpayment credit, and open amount per bucket."""

    customer_id: str
    currency: str
    open_amount: Decimal
    credit_amount: Decimal
    balance: Decimal  # open_amount - credit_amount: > 0 the customer owes, < 0 is owed
    max_days_overdue: int
    open_by_bucket: Mapping[str, Decimal]


def days_overdue(due_date: date, as_of: date) -> int:
    """Calendar days from the due date to `as_of`; 0 if not yet due (due today is not overdue)."""
    return max(0, (_day("as_of", as_of) - _day("due_date", due_date)).days)


def ageing_bucket(days: int) -> str:
    """ "not_due" (0), "1-30", "31-60", "61-90", "91-180", "over_180" (181 and more)."""
    if isinstance(days, bool) or not isinstance(days, int) or days < 0:
        raise ValueError(f"days overdue must be a non-negative int, got {days!r}")
    if days == 0:
        return "not_due"
    for upper, bucket in ((30, "1-30"), (60, "31-60"), (90, "61-90"), (180, "91-180")):
        if days <= upper:
            return bucket
    return "over_180"


def receivables(
    open_invoices: Iterable[OpenInvoice],
    allocations: Iterable[Allocation],
    as_of: date,
) -> list[Receivable]:
    """The invoices still open on `as_of` after `allocations`, oldest due date first.

    Each invoice's open amount is gross − paid − Σ its allocations. Overpayment
    allocations (no invoice) are credits, not payments of an invoice: they are ignored here
    (see `receivables_by_customer`). An allocation to an unknown invoice, or allocations
    beyond an invoice's open amount, are a ValueError.
    """
    _day("as_of", as_of)
    invoices = {}
    for invoice in open_invoices:
        if invoice.invoice_number in invoices:
            raise ValueError(f"invoice {invoice.invoice_number} appears twice")
        invoices[invoice.invoice_number] = invoice
    allocated: dict[str, Decimal] = {number: ZERO for number in invoices}
    for allocation in allocations:
        if allocation.invoice_number is None:
            continue
        if allocation.invoice_number not in invoices:
            raise ValueError(f"allocation of line {allocation.line_key} to unknown invoice {allocation.invoice_number}")
        allocated[allocation.invoice_number] += allocation.amount
    result: list[Receivable] = []
    for invoice in sorted(invoices.values(), key=_oldest_first):
        paid = invoice.paid_amount + allocated[invoice.invoice_number]
        open_amount = invoice.gross_amount - paid
        if open_amount < 0:
            raise ValueError(
                f"invoice {invoice.invoice_number}: allocations of {allocated[invoice.invoice_number]} exceed "
                f"its open amount {invoice.open_amount}"
            )
        if open_amount == 0:
            continue
        days = days_overdue(invoice.due_date, as_of)
        result.append(
            Receivable(
                invoice.invoice_number,
                invoice.customer_id,
                invoice.company_id,
                invoice.currency,
                invoice.issue_date,
                invoice.due_date,
                invoice.gross_amount,
                paid,
                open_amount,
                as_of,
                days,
                ageing_bucket(days),
            )
        )
    return result


def receivables_by_customer(
    receivables_: Iterable[Receivable],
    allocations: Iterable[Allocation] = (),
) -> list[CustomerReceivable]:
    """Open amounts per (customer, currency) with their ageing buckets, and the customers'
    overpayment credits from `allocations`; sorted by customer and currency."""
    open_amounts: dict[tuple[str, str], list[Receivable]] = {}
    for receivable in receivables_:
        open_amounts.setdefault((receivable.customer_id, receivable.currency), []).append(receivable)
    credits: dict[tuple[str, str], Decimal] = {}
    for allocation in allocations:
        if allocation.method == "overpayment":
            key = (allocation.customer_id, allocation.currency)
            credits[key] = credits.get(key, ZERO) + allocation.amount
    result = []
    for key in sorted(set(open_amounts) | set(credits)):
        items = open_amounts.get(key, [])
        by_bucket = {bucket: exact_sum(r.open_amount for r in items if r.ageing_bucket == bucket) for bucket in AGEING_BUCKETS}
        open_total = exact_sum(r.open_amount for r in items)
        credit = credits.get(key, ZERO)
        result.append(
            CustomerReceivable(
                customer_id=key[0],
                currency=key[1],
                open_amount=open_total,
                credit_amount=credit,
                balance=open_total - credit,
                max_days_overdue=max((r.days_overdue for r in items), default=0),
                open_by_bucket=by_bucket,
            )
        )
    return result


def customers_without_debts(customers: Iterable[str], receivables_: Iterable[Receivable]) -> list[str]:
    """The `customers` (sorted, without duplicates) that have no open amount in any currency.

    A customer with only an overpayment credit has no debt.
    """
    owing = {r.customer_id for r in receivables_ if r.open_amount > 0}
    return sorted(set(customers) - owing)
