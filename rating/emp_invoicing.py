"""Group rated CDRs into monthly EMP invoices and credit notes, and number them `yymmddnnnn-<EMP id>`.

One document per CPO subsidiary, EMP, currency, invoiced month and kind: an invoice for the
month's sessions, a credit note for its credit CDRs. A month is invoiced once it has ended (in
the EVSE's time zone, `invoiced_month` of the rating) before the run's date.

* **Date.** A month's documents are dated the first day after the month, the day the monthly run
  produces them (on a first run that catches up on past months too). A document that comes later,
  because its CDRs arrived after their month was invoiced (a supplementary document), or because
  the register already holds documents dated on or after that day, is dated the run's day: an
  issued document never changes, and no document is dated before one already issued.
* **Number.** Ten digits, `yymmdd` of the date and `nnnn`, the document's position among all
  documents the CPO dated that day (across subsidiaries, so the ten digits alone are unique), then
  `-` and the EMP's provider id. A day holds at most 9,999 documents.
* **Amounts.** Each CDR is rated and rounded on its own (the seed's "value of this CDR");
  a document's net, VAT and gross are the sums of its CDRs', so they add up to the cent.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

INVOICE = "invoice"
CREDIT_NOTE = "credit_note"
MAX_PER_DAY = 9999


@dataclass(frozen=True)
class RatedCdr:
    """A rated CDR not invoiced yet."""

    cdr_id: str
    company_id: str
    country_code: str
    emp_id: str
    currency: str
    invoiced_month: date  # first day of the month
    is_credit: bool
    net_amount: Decimal
    vat_amount: Decimal
    gross_amount: Decimal


@dataclass(frozen=True)
class DocumentKey:
    company_id: str
    country_code: str
    emp_id: str
    currency: str
    invoiced_month: date
    document_type: str


@dataclass(frozen=True)
class EmpDocument:
    """One document to issue, with the CDRs it covers."""

    invoice_number: str
    key: DocumentKey
    issue_date: date
    due_date: date
    cdr_ids: tuple[str, ...]
    net_amount: Decimal
    vat_amount: Decimal
    gross_amount: Decimal


def month_after(first_day: date) -> date:
    """The first day of the month after the month starting on `first_day`."""
    return (first_day.replace(day=28) + timedelta(days=4)).replace(day=1)


def invoice_number(issue_date: date, sequence: int, emp_id: str) -> str:
    """`yymmddnnnn-<EMP id>`."""
    if not 1 <= sequence <= MAX_PER_DAY:
        raise ValueError(f"{issue_date}: more than {MAX_PER_DAY} EMP documents on one day; the number format has 4 digits for them")
    return f"{issue_date:%y%m%d}{sequence:04d}-{emp_id}"


def plan_documents(
    cdrs: list[RatedCdr],
    as_of: date,
    invoiced_keys: set[DocumentKey],
    last_sequence_by_day: dict[date, int],
    payment_terms_days: dict[str, int],
    latest_issue_date: date | None = None,
) -> list[EmpDocument]:
    """The documents to issue on `as_of` for `cdrs` (rated, not invoiced yet).

    `invoiced_keys`: (subsidiary, EMP, currency, month, kind) that already have a document;
    `last_sequence_by_day`: the highest `nnnn` already used per date; `payment_terms_days` per company;
    `latest_issue_date`: the latest date in the register (None when it is empty).
    """
    groups: dict[DocumentKey, list[RatedCdr]] = defaultdict(list)
    for cdr in cdrs:
        if month_after(cdr.invoiced_month) > as_of:
            continue  # the month has not ended yet
        kind = CREDIT_NOTE if cdr.is_credit else INVOICE
        key = DocumentKey(cdr.company_id, cdr.country_code, cdr.emp_id, cdr.currency, cdr.invoiced_month, kind)
        groups[key].append(cdr)

    def issue_date_of(key: DocumentKey) -> date:
        monthly_run_day = month_after(key.invoiced_month)
        late = key in invoiced_keys or (latest_issue_date is not None and monthly_run_day <= latest_issue_date)
        return max(as_of, monthly_run_day) if late else monthly_run_day

    ordered = sorted(groups, key=lambda k: (issue_date_of(k), k.company_id, k.emp_id, k.currency, k.invoiced_month, k.document_type))
    sequences = dict(last_sequence_by_day)
    documents: list[EmpDocument] = []
    for key in ordered:
        members = sorted(groups[key], key=lambda cdr: cdr.cdr_id)
        issue_date = issue_date_of(key)
        sequences[issue_date] = sequences.get(issue_date, 0) + 1
        documents.append(
            EmpDocument(
                invoice_number=invoice_number(issue_date, sequences[issue_date], key.emp_id),
                key=key,
                issue_date=issue_date,
                due_date=issue_date + timedelta(days=payment_terms_days.get(key.company_id, 30)),
                cdr_ids=tuple(cdr.cdr_id for cdr in members),
                net_amount=sum((cdr.net_amount for cdr in members), Decimal("0.00")),
                vat_amount=sum((cdr.vat_amount for cdr in members), Decimal("0.00")),
                gross_amount=sum((cdr.gross_amount for cdr in members), Decimal("0.00")),
            )
        )
    return documents
