"""Payment notifications to customers: which open invoices get a due-date reminder or an overdue notice, and the message.

Input is plain records of open receivables (`OpenItem`, built from the mart `fct_receivables` by the
caller). The rules, on the day `today`:

* due soon (`due_soon`): open amount > 0 and today <= due date <= today + days_before;
* overdue (`overdue`): open amount > 0 and today > due date + grace days (late-payment interest runs).

Between the due date and the end of the grace period neither applies. `due_reminders` and
`overdue_notices` turn the selected items into `OutgoingMessage` records (kinds due_reminder and
overdue_notice) in the invoice's language (en/ro/bg, templates `templates/email/<kind>.<lang>.txt.j2`),
so `delivery_ledger.deliver` sends each notification at most once per invoice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from email.message import EmailMessage
from typing import Any

from invoice_rendering import formatting
from invoice_rendering.delivery import OutgoingMessage, SmtpSettings, templated_message
from invoice_rendering.invoice_view import LANGUAGES

DUE_REMINDER = "due_reminder"
OVERDUE_NOTICE = "overdue_notice"
DEFAULT_DAYS_BEFORE = 5
DEFAULT_SIGNATURE = "Voltbill"


@dataclass(frozen=True)
class OpenItem:
    """One issued invoice with an amount still open, as the notifications need it."""

    company_id: str
    invoice_number: str
    customer_id: str
    customer_email: str | None
    language: str  # one of LANGUAGES
    currency: str
    open_amount: Decimal  # what is still unpaid; <= 0 means nothing to notify
    due_date: date
    grace_days: int  # calendar days after the due date before late-payment interest starts
    iban: str | None  # the seller's account to pay to
    payment_reference: str
    seller_name: str | None = None  # signs the message; DEFAULT_SIGNATURE when None

    def __post_init__(self) -> None:
        if self.language not in LANGUAGES:
            raise ValueError(f"{self.invoice_number}: language must be one of {', '.join(LANGUAGES)}, not {self.language!r}")
        if not isinstance(self.open_amount, Decimal):
            raise TypeError(f"{self.invoice_number}: open_amount must be a Decimal, not {type(self.open_amount).__name__}")
        if isinstance(self.grace_days, bool) or not isinstance(self.grace_days, int) or self.grace_days < 0:
            raise ValueError(f"{self.invoice_number}: grace_days must be an int >= 0, not {self.grace_days!r}")

    @property
    def grace_end(self) -> date:
        """The last day without late-payment interest."""
        return self.due_date + timedelta(days=self.grace_days)


def due_soon(items: Iterable[OpenItem], today: date, days_before: int = DEFAULT_DAYS_BEFORE) -> list[OpenItem]:
    """Open items due between today and today + `days_before` (inclusive), in input order."""
    if isinstance(days_before, bool) or not isinstance(days_before, int) or days_before < 0:
        raise ValueError(f"days_before must be an int >= 0, not {days_before!r}")
    last = today + timedelta(days=days_before)
    return [item for item in items if item.open_amount > 0 and today <= item.due_date <= last]


def overdue(items: Iterable[OpenItem], today: date) -> list[OpenItem]:
    """Open items past their due date and grace period, in input order."""
    return [item for item in items if item.open_amount > 0 and today > item.grace_end]


def _context(item: OpenItem) -> dict[str, Any]:
    language = item.language
    return {
        "invoice_number": item.invoice_number,
        "amount": formatting.money(item.open_amount, item.currency, language),
        "due_date": formatting.long_day(item.due_date, language),
        "payment_reference": item.payment_reference,
        "iban": formatting.iban_groups(item.iban) if item.iban else None,
        "seller_name": item.seller_name or DEFAULT_SIGNATURE,
    }


def build_notification(item: OpenItem, kind: str, settings: SmtpSettings, sent_at: datetime | None = None) -> EmailMessage:
    """The due_reminder or overdue_notice e-mail about `item`, in its language."""
    if kind not in (DUE_REMINDER, OVERDUE_NOTICE):
        raise ValueError(f"kind must be {DUE_REMINDER} or {OVERDUE_NOTICE}, not {kind!r}")
    return templated_message(kind, item.company_id, item.invoice_number, item.customer_email, item.language, _context(item), settings, sent_at)


def _outgoing(item: OpenItem, kind: str, settings: SmtpSettings) -> OutgoingMessage:
    return OutgoingMessage(
        company_id=item.company_id,
        invoice_number=item.invoice_number,
        message_kind=kind,
        recipient=item.customer_email,
        build=lambda: build_notification(item, kind, settings),
    )


def due_reminders(
    items: Iterable[OpenItem], today: date, settings: SmtpSettings, days_before: int = DEFAULT_DAYS_BEFORE
) -> list[OutgoingMessage]:
    """A due_reminder for every item `due_soon` selects."""
    return [_outgoing(item, DUE_REMINDER, settings) for item in due_soon(items, today, days_before)]


def overdue_notices(items: Iterable[OpenItem], today: date, settings: SmtpSettings) -> list[OutgoingMessage]:
    """An overdue_notice for every item `overdue` selects."""
    return [_outgoing(item, OVERDUE_NOTICE, settings) for item in overdue(items, today)]
