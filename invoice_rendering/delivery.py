"""Sending customer e-mail over SMTP: the settings, the localized invoice message, and one message's delivery.

What is sent, and when, is decided by `delivery_ledger.deliver` (exactly one successful delivery per
document and message kind); this module only builds messages and hands one message to the SMTP server:

* `SmtpSettings.from_env()` reads the VOLTBILL_SMTP_* variables (None when no host is set: delivery is
  not configured). The password never appears in a repr or an error message.
* `build_invoice_message(view, attachments, settings)` builds the e-mail carrying an issued document (its
  PDF and XML files), in the document's language (en/ro/bg) from the Jinja2 templates in
  `templates/email/`, amounts and dates formatted for the locale with Babel.
* `send_message(settings, message)` submits it (EHLO, STARTTLS per the setting with certificate
  verification, AUTH when credentials are set) and raises `DeliveryError` with the reason on any failure.

Every message gets a deterministic Message-ID made of company, document number and message kind, so a
message sent again after an unknown outcome (the process died between the server accepting it and the
ledger recording it) carries the same Message-ID and receivers can recognise the duplicate.

The text templates put the subject on their first line, a blank line, then the body.
"""

from __future__ import annotations

import hashlib
import os
import re
import smtplib
import ssl
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from invoice_rendering import formatting
from invoice_rendering.invoice_view import InvoiceView

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates" / "email"

MESSAGE_KINDS = ("invoice", "due_reminder", "overdue_notice")
INVOICE = "invoice"

STARTTLS_MODES = ("auto", "required", "off")
DEFAULT_PORT = 587
DEFAULT_SENDER = "invoices@voltbill.localhost"
DEFAULT_TIMEOUT_SECONDS = 30.0

# (file name, content, MIME type such as "application/pdf")
Attachment = tuple[str, bytes, str]


class DeliveryError(Exception):
    """The SMTP server did not accept a message; the text says why (never contains the password)."""


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to submit e-mail. `starttls`: auto (use it when offered), required, or off."""

    host: str
    port: int = DEFAULT_PORT
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    sender: str = DEFAULT_SENDER
    starttls: str = "auto"
    ca_file: str | None = None  # CA bundle to verify the server certificate with; None = system CAs
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS

    def __post_init__(self) -> None:
        if not self.host or not self.host.strip():
            raise ValueError("SMTP host must not be empty")
        if isinstance(self.port, bool) or not isinstance(self.port, int) or not 0 < self.port < 65536:
            raise ValueError(f"SMTP port must be an int in 1..65535, not {self.port!r}")
        if self.starttls not in STARTTLS_MODES:
            raise ValueError(f"STARTTLS mode must be one of {', '.join(STARTTLS_MODES)}, not {self.starttls!r}")
        if bool(self.username) != bool(self.password):
            raise ValueError("SMTP username and password must be set together")
        if not self.timeout_seconds > 0:
            raise ValueError(f"SMTP timeout must be > 0 seconds, not {self.timeout_seconds!r}")
        if "@" not in parseaddr(self.sender)[1]:
            raise ValueError(f"SMTP sender must be an e-mail address, not {self.sender!r}")

    @property
    def sender_domain(self) -> str:
        return parseaddr(self.sender)[1].rpartition("@")[2]

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> SmtpSettings | None:
        """The settings from VOLTBILL_SMTP_*; None when VOLTBILL_SMTP_HOST is unset or empty."""
        env = os.environ if environ is None else environ

        def get(name: str) -> str | None:
            value = env.get(f"VOLTBILL_SMTP_{name}", "").strip()
            return value or None

        host = get("HOST")
        if host is None:
            return None
        port = get("PORT")
        timeout = get("TIMEOUT_SECONDS")
        try:
            port_number = int(port) if port else DEFAULT_PORT
            timeout_seconds = float(timeout) if timeout else DEFAULT_TIMEOUT_SECONDS
        except ValueError as error:
            raise ValueError(f"VOLTBILL_SMTP_PORT / VOLTBILL_SMTP_TIMEOUT_SECONDS must be numbers: {error}") from None
        ca_file = get("CA_FILE")
        if ca_file is not None and not Path(ca_file).is_file():
            raise ValueError(f"VOLTBILL_SMTP_CA_FILE {ca_file!r} is not a file")
        return cls(
            host=host,
            port=port_number,
            username=get("USERNAME"),
            password=env.get("VOLTBILL_SMTP_PASSWORD") or None,  # not stripped: spaces may be part of it
            sender=get("SENDER") or DEFAULT_SENDER,
            starttls=(get("STARTTLS") or "auto").lower(),
            ca_file=ca_file,
            timeout_seconds=timeout_seconds,
        )


@dataclass(frozen=True)
class OutgoingMessage:
    """One message to deliver once: its ledger key, its recipient, and how to build it when it is due.

    `build` is called only when the message is actually attempted, so documents already delivered are
    never rendered again. `recipient` None or empty means the customer has no e-mail address.
    """

    company_id: str
    invoice_number: str
    message_kind: str  # one of MESSAGE_KINDS
    recipient: str | None
    build: Callable[[], EmailMessage] = field(repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.message_kind not in MESSAGE_KINDS:
            raise ValueError(f"message_kind must be one of {', '.join(MESSAGE_KINDS)}, not {self.message_kind!r}")
        if not self.company_id or not self.invoice_number:
            raise ValueError("company_id and invoice_number must not be empty")

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.company_id, self.invoice_number, self.message_kind)


# --- text: templates (figures formatted by invoice_rendering.formatting) ---------------------------------


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=False,  # plain text
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render_email_text(kind: str, language: str, context: Mapping[str, Any]) -> tuple[str, str]:
    """Render `templates/email/<kind>.<language>.txt.j2`: (subject, body)."""
    formatting.locale_of(language)  # validates the language
    text = _environment().get_template(f"{kind}.{language}.txt.j2").render(**context)
    subject, _, body = text.partition("\n")
    subject = re.sub(r"[ \t\r]+", " ", subject).strip(" ")  # ASCII only: keep the locale's no-break spaces
    if not subject:
        raise ValueError(f"template {kind}.{language} rendered an empty subject line")
    return subject, body.lstrip("\n")


# --- messages --------------------------------------------------------------------------------------------


def message_id(company_id: str, invoice_number: str, kind: str, domain: str) -> str:
    """The deterministic Message-ID of one message kind about one document, e.g.
    `<invoice.VB-RO.VBR00000123.1a2b3c4d@voltbill.ro>` (the hash keeps ids distinct after the characters
    not allowed in a Message-ID are replaced)."""
    digest = hashlib.sha256(f"{company_id}\x1f{invoice_number}\x1f{kind}".encode()).hexdigest()[:12]
    safe = ".".join(re.sub(r"[^A-Za-z0-9_-]+", "_", part) for part in (kind, company_id, invoice_number))
    return f"<{safe}.{digest}@{domain}>"


def compose_message(
    *,
    settings: SmtpSettings,
    recipient: str,
    subject: str,
    body: str,
    message_id_value: str,
    sent_at: datetime | None = None,
    reply_to: str | None = None,
    attachments: Sequence[Attachment] = (),
) -> EmailMessage:
    """A plain-text message (quoted-printable UTF-8) with its headers and attachments."""
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = recipient
    if reply_to:
        message["Reply-To"] = reply_to
    message["Subject"] = subject
    message["Date"] = format_datetime((sent_at or datetime.now(timezone.utc)).astimezone(timezone.utc))
    message["Message-ID"] = message_id_value
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: out-of-office replies should not answer it
    message.set_content(body, subtype="plain", charset="utf-8", cte="quoted-printable")
    for filename, content, mime_type in attachments:
        maintype, _, subtype = mime_type.partition("/")
        if not maintype or not subtype:
            raise ValueError(f"attachment {filename!r}: MIME type must be type/subtype, not {mime_type!r}")
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    return message


def invoice_context(view: InvoiceView) -> dict[str, Any]:
    """What the invoice e-mail templates read, formatted for the document's language."""
    language = view.language
    refund = view.is_credit_note or view.amount_due < 0
    return {
        "invoice_number": view.invoice_number,
        "is_credit_note": view.is_credit_note,
        "corrects_invoice_number": view.corrects_invoice_number,
        "customer_name": view.buyer.name,
        "seller_name": view.seller.name,
        "seller_email": view.seller.email,
        "billing_period": view.billing_period,
        "issue_date": formatting.long_day(view.issue_date, language),
        "due_date": formatting.long_day(view.due_date, language),
        # pay: the customer owes; refund: the amount is credited/paid back; none: nothing to pay
        "settlement": "refund" if refund else ("pay" if view.amount_due > 0 else "none"),
        "amount": formatting.money(abs(view.amount_due), view.currency, language),
        "total_with_vat": formatting.money(view.total_with_vat, view.currency, language),
        "payment_reference": view.payment_reference,
        "iban": formatting.iban_groups(view.bank_account.iban) if view.bank_account else None,
        "bank_name": view.bank_account.bank_name if view.bank_account else None,
    }


def build_invoice_message(
    view: InvoiceView,
    attachments: Sequence[Attachment],
    settings: SmtpSettings,
    sent_at: datetime | None = None,
) -> EmailMessage:
    """The e-mail carrying one issued document to `view.customer_email`, in the document's language."""
    return templated_message(
        INVOICE, view.company_id, view.invoice_number, view.customer_email, view.language, invoice_context(view), settings,
        sent_at, reply_to=view.seller.email, attachments=attachments,
    )


def templated_message(
    kind: str,
    company_id: str,
    invoice_number: str,
    recipient: str | None,
    language: str,
    context: Mapping[str, Any],
    settings: SmtpSettings,
    sent_at: datetime | None = None,
    **extras: Any,
) -> EmailMessage:
    """The `kind` e-mail about one document: its template in `language`, its deterministic Message-ID;
    `extras` (reply_to, attachments) go to `compose_message`."""
    if not recipient:
        raise ValueError(f"{company_id} {invoice_number}: the customer has no e-mail address")
    subject, body = render_email_text(kind, language, context)
    return compose_message(
        settings=settings,
        recipient=recipient,
        subject=subject,
        body=body,
        message_id_value=message_id(company_id, invoice_number, kind, settings.sender_domain),
        sent_at=sent_at,
        **extras,
    )


def invoice_outgoing(
    view: InvoiceView,
    attachments: Callable[[], Sequence[Attachment]],
    settings: SmtpSettings,
) -> OutgoingMessage:
    """The ledger record for sending `view`; `attachments` renders the files only when the message is sent."""
    return OutgoingMessage(
        company_id=view.company_id,
        invoice_number=view.invoice_number,
        message_kind=INVOICE,
        recipient=view.customer_email,
        build=lambda: build_invoice_message(view, attachments(), settings),
    )


# --- sending -----------------------------------------------------------------------------------------------


def tls_context(settings: SmtpSettings) -> ssl.SSLContext:
    """Verifying client context: the CA file when given, else the system's trusted CAs; hostname checked."""
    try:
        return ssl.create_default_context(cafile=settings.ca_file)
    except (OSError, ssl.SSLError) as error:
        raise DeliveryError(f"cannot load the SMTP CA file {settings.ca_file!r}: {error}") from error


def _start_tls(smtp: smtplib.SMTP, settings: SmtpSettings) -> None:
    if settings.starttls == "off":
        if settings.username:
            raise DeliveryError("refusing to send SMTP credentials without TLS (VOLTBILL_SMTP_STARTTLS=off)")
        return
    if smtp.has_extn("starttls"):
        smtp.starttls(context=tls_context(settings))
        smtp.ehlo()
        return
    if settings.starttls == "required":
        raise DeliveryError(f"the SMTP server {settings.host}:{settings.port} does not offer STARTTLS, which is required")
    if settings.username:
        raise DeliveryError(
            f"the SMTP server {settings.host}:{settings.port} does not offer STARTTLS; "
            "refusing to send the SMTP credentials unencrypted"
        )


def _reply(code: int, text: bytes | str) -> str:
    message = text.decode(errors="replace") if isinstance(text, bytes) else str(text)
    return f"{code} {' '.join(message.split())}"


def _describe(error: Exception, settings: SmtpSettings) -> str:
    where = f"{settings.host}:{settings.port}"
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return f"SMTP authentication as {settings.username!r} failed at {where}: {_reply(error.smtp_code, error.smtp_error)}"
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        refused = "; ".join(f"{address}: {_reply(code, text)}" for address, (code, text) in error.recipients.items())
        return f"recipient refused by {where}: {refused}"
    if isinstance(error, smtplib.SMTPSenderRefused):
        return f"sender {error.sender!r} refused by {where}: {_reply(error.smtp_code, error.smtp_error)}"
    if isinstance(error, smtplib.SMTPResponseException):
        return f"SMTP server {where} answered {_reply(error.smtp_code, error.smtp_error)}"
    if isinstance(error, ssl.SSLCertVerificationError):
        return f"TLS certificate of {where} not trusted: {error.verify_message or error}"
    if isinstance(error, ssl.SSLError):
        return f"TLS with {where} failed: {error}"
    if isinstance(error, smtplib.SMTPNotSupportedError):
        return f"SMTP server {where} does not support what was asked: {error}"
    if isinstance(error, smtplib.SMTPException):
        return f"SMTP with {where} failed: {error}"
    if isinstance(error, ConnectionRefusedError):
        return f"connection to the SMTP server {where} refused"
    if isinstance(error, TimeoutError):
        return f"SMTP server {where} did not answer within {settings.timeout_seconds:g} s"
    return f"cannot reach the SMTP server {where}: {type(error).__name__}: {error}"


def send_message(settings: SmtpSettings, message: EmailMessage) -> None:
    """Submit `message` to the server in `settings`; raise `DeliveryError` with the reason if it is not accepted."""
    smtp: smtplib.SMTP | None = None
    try:
        # host given to the constructor (not connect()): STARTTLS verifies the certificate against it
        smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout_seconds)
        smtp.ehlo()
        _start_tls(smtp, settings)
        if settings.username and settings.password:
            smtp.login(settings.username, settings.password)
        refused = smtp.send_message(message)
        if refused:  # some of several recipients refused (all refused raises SMTPRecipientsRefused)
            raise smtplib.SMTPRecipientsRefused(refused)
    except DeliveryError:
        raise
    except (smtplib.SMTPException, ssl.SSLError, OSError) as error:
        raise DeliveryError(_describe(error, settings)) from error
    finally:
        if smtp is not None:
            _close(smtp)


def _close(smtp: smtplib.SMTP) -> None:
    """QUIT politely when the session is still usable; the outcome is already decided either way."""
    if smtp.sock is None:
        return
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()
