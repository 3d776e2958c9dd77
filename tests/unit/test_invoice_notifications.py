"""Which open invoices get a due-date reminder or an overdue notice, and the texts of the customer e-mails.

Also the invoice e-mail's texts and the SMTP settings from the environment (no server needed here; the
SMTP round trips are in tests/integration/test_invoice_delivery.py). Expected amounts and dates are
written out by hand for each locale: en_GB puts the currency before the amount without a space and
groups with ","; ro_RO groups with "." and puts the code after a no-break space (U+00A0); bg_BG groups
with a no-break space and writes long dates ending in a narrow no-break space (U+202F) and "г.".
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from invoice_rendering.delivery import SmtpSettings, build_invoice_message, message_id
from invoice_rendering.notifications import (
    OpenItem,
    build_notification,
    due_reminders,
    due_soon,
    overdue,
    overdue_notices,
)
from tests.invoice_samples import bg_advance, ro_credit_note, ro_refund_regularisation, ro_regularisation

TODAY = date(2026, 4, 10)
SETTINGS = SmtpSettings(host="smtp.example", sender="facturi@voltbill.example")
NBSP, NNBSP = "\xa0", "\u202f"


def item(invoice_number: str = "VBR00000300", **changes: object) -> OpenItem:
    base = OpenItem(
        company_id="VB-RO",
        invoice_number=invoice_number,
        customer_id="CUST-RO-0001",
        customer_email="ap@customer.example",
        language="en",
        currency="EUR",
        open_amount=Decimal("1234.50"),
        due_date=date(2026, 4, 15),
        grace_days=3,
        iban="RO22BTRLRONCRT0V8B240001",
        payment_reference=invoice_number,
    )
    return replace(base, **changes)


def numbers(items: list[OpenItem]) -> list[str]:
    return [i.invoice_number for i in items]


# --- selection ------------------------------------------------------------------------------------------------


def test_due_soon_is_today_up_to_n_days_ahead() -> None:
    items = [
        item("yesterday", due_date=date(2026, 4, 9)),
        item("today", due_date=date(2026, 4, 10)),
        item("in-5-days", due_date=date(2026, 4, 15)),
        item("in-6-days", due_date=date(2026, 4, 16)),
    ]
    assert numbers(due_soon(items, TODAY)) == ["today", "in-5-days"]
    assert numbers(due_soon(items, TODAY, days_before=0)) == ["today"]
    assert numbers(due_soon(items, TODAY, days_before=6)) == ["today", "in-5-days", "in-6-days"]


def test_nothing_open_is_never_notified() -> None:
    items = [
        item("paid", open_amount=Decimal("0.00"), due_date=TODAY),
        item("credit", open_amount=Decimal("-10.00"), due_date=TODAY),
        item("paid-late", open_amount=Decimal("0.00"), due_date=date(2026, 3, 1)),
    ]
    assert due_soon(items, TODAY) == []
    assert overdue(items, TODAY) == []


def test_overdue_only_after_the_grace_period() -> None:
    items = [
        item("grace-ends-today", due_date=date(2026, 4, 7), grace_days=3),  # 7 + 3 = 10: still in grace
        item("grace-ended-yesterday", due_date=date(2026, 4, 6), grace_days=3),
        item("no-grace-due-yesterday", due_date=date(2026, 4, 9), grace_days=0),
        item("no-grace-due-today", due_date=date(2026, 4, 10), grace_days=0),
    ]
    assert numbers(overdue(items, TODAY)) == ["grace-ended-yesterday", "no-grace-due-yesterday"]


def test_within_grace_neither_reminded_nor_overdue() -> None:
    in_grace = [item(due_date=date(2026, 4, 8), grace_days=5)]
    assert due_soon(in_grace, TODAY) == [] and overdue(in_grace, TODAY) == []


def test_selection_arguments_are_checked() -> None:
    with pytest.raises(ValueError, match="days_before"):
        due_soon([], TODAY, days_before=-1)
    with pytest.raises(ValueError, match="language"):
        item(language="de")
    with pytest.raises(TypeError, match="Decimal"):
        item(open_amount=12.5)
    with pytest.raises(ValueError, match="grace_days"):
        item(grace_days=-1)


def test_outgoing_records_carry_the_ledger_key() -> None:
    items = [item("soon"), item("late", due_date=date(2026, 3, 31)), item("no-mail", customer_email=None)]
    reminders = due_reminders(items, TODAY, SETTINGS)
    notices = overdue_notices(items, TODAY, SETTINGS)
    assert [(m.key, m.recipient) for m in reminders] == [
        (("VB-RO", "soon", "due_reminder"), "ap@customer.example"),
        (("VB-RO", "no-mail", "due_reminder"), None),  # kept, so the ledger records no_address
    ]
    assert [m.key for m in notices] == [("VB-RO", "late", "overdue_notice")]
    with pytest.raises(ValueError, match="no e-mail address"):
        reminders[1].build()


# --- notification texts -----------------------------------------------------------------------------------------


def body_of(message) -> str:
    return message.get_body(("plain",)).get_content()


@pytest.mark.parametrize(
    ("language", "subject", "amount_line"),
    [
        ("en", "Reminder: invoice VBR00000300 is due on 15 April 2026", "The amount still open is €1,234.50."),
        ("ro", "Memento: factura VBR00000300 este scadentă la 15 aprilie 2026", f"Suma rămasă de plată este 1.234,50{NBSP}EUR."),
        ("bg", f"Напомняне: срокът за плащане на фактура VBR00000300 е 15 април 2026{NNBSP}г.", f"Неплатената сума е 1{NBSP}234,50{NBSP}€."),
    ],
)
def test_due_reminder_text(language: str, subject: str, amount_line: str) -> None:
    message = due_reminders([item(language=language)], TODAY, SETTINGS)[0].build()
    assert message["Subject"] == subject
    assert message["To"] == "ap@customer.example"
    assert message["From"] == "facturi@voltbill.example"
    body = body_of(message)
    assert amount_line in body
    assert "VBR00000300" in body
    assert "IBAN: RO22 BTRL RONC RT0V 8B24 0001" in body
    assert body.rstrip().endswith("Voltbill")


@pytest.mark.parametrize(
    ("language", "subject", "words"),
    [
        ("en", "Overdue: invoice VBR00000300 was due on 31 March 2026", "Late-payment interest"),
        ("ro", "Factură restantă: factura VBR00000300 era scadentă la 31 martie 2026", "penalități de întârziere"),
        ("bg", f"Просрочено плащане: фактура VBR00000300, срок 31 март 2026{NNBSP}г.", "лихва за забава"),
    ],
)
def test_overdue_notice_text(language: str, subject: str, words: str) -> None:
    late = item(language=language, currency="RON", open_amount=Decimal("98765.40"), due_date=date(2026, 3, 31), seller_name="Voltbill Energie România SRL")
    [outgoing] = overdue_notices([late], TODAY, SETTINGS)
    message = outgoing.build()
    assert message["Subject"] == subject
    body = body_of(message)
    assert words in body
    expected_amount = {"en": "RON98,765.40", "ro": f"98.765,40{NBSP}RON", "bg": f"98{NBSP}765,40{NBSP}RON"}[language]
    assert expected_amount in body
    assert body.rstrip().endswith("Voltbill Energie România SRL")


def test_notification_without_iban_has_no_iban_line() -> None:
    message = build_notification(item(iban=None), "due_reminder", SETTINGS)
    assert "IBAN" not in body_of(message)


def test_message_ids_are_deterministic_per_document_and_kind() -> None:
    sent_at = datetime(2026, 4, 10, 6, 30, tzinfo=UTC)
    first = build_notification(item(), "due_reminder", SETTINGS, sent_at=sent_at)
    again = build_notification(item(), "due_reminder", SETTINGS)
    notice = build_notification(item(), "overdue_notice", SETTINGS)
    assert first["Message-ID"] == again["Message-ID"] != notice["Message-ID"]
    assert first["Message-ID"].startswith("<due_reminder.VB-RO.VBR00000300.")
    assert first["Message-ID"].endswith("@voltbill.example>")
    assert first["Date"] == "Fri, 10 Apr 2026 06:30:00 +0000"
    assert first["Auto-Submitted"] == "auto-generated"
    # characters not allowed in a Message-ID are replaced, the hash keeps the ids apart
    odd = message_id("VB RO", "A/1", "invoice", "x.example"), message_id("VB_RO", "A_1", "invoice", "x.example")
    assert odd[0] != odd[1] and " " not in odd[0] and "/" not in odd[0]


# --- invoice e-mail texts ---------------------------------------------------------------------------------------


def test_invoice_message_asks_for_payment() -> None:
    message = build_invoice_message(ro_regularisation(), [], SETTINGS)
    body = body_of(message)
    assert message["Subject"] == "Factura VBR00000123 de la Voltbill Energie România SRL"
    # 8039.51 + 1483.46 + 805.83 + 898.14 = 11226.94 at 21 % (VAT 2357.66) + 35.19 exempt = 13619.79 - 1210.00
    assert f"Suma de plată: 12.409,79{NBSP}RON" in body
    assert "Data scadenței: 20 aprilie 2026" in body
    assert "pentru perioada de facturare 2026-03, emisă la 5 aprilie 2026." in body
    assert "IBAN: RO22 BTRL RONC RT0V 8B24 0001 (Banca Transilvania)" in body
    assert "menționând referința plății VBR00000123" in body


def test_bulgarian_invoice_message() -> None:
    message = build_invoice_message(bg_advance(), [], SETTINGS)
    body = body_of(message)
    assert message["Subject"] == "Фактура 0000000042 от Волтбил Енерджи България ЕООД"
    # 350 × 0.128 = 44.80 + 20 % VAT 8.96 = 53.76 EUR
    assert f"Моля, платете 53,76{NBSP}€ до 19 февруари 2026{NNBSP}г., като посочите референцията за плащане 0000000042." in body
    assert f"издадената на 5 февруари 2026{NNBSP}г. фактура № 0000000042" in body


def test_credit_note_and_refund_are_credited_not_asked_for() -> None:
    credit = body_of(build_invoice_message(replace(ro_credit_note(), customer_email="ap@x.example"), [], SETTINGS))
    # -412.5 × 0.095 = -39.1875 → -39.19; VAT 21 % → -8.23; -47.42 shown as a credit of 47.42
    assert "The amount of RON47.42 will be credited to your account or refunded to you" in credit
    assert "credit note VBR00000124, which corrects invoice VBR00000101" in credit
    assert "Please pay" not in credit and "-" not in credit.split("The amount of")[1].split("\n")[0]

    refund_view = replace(ro_refund_regularisation(), customer_email="ap@x.example")
    refund_message = build_invoice_message(refund_view, [], SETTINGS)
    refund = body_of(refund_message)
    # 800 × 0.70 = 560.00 + VAT 117.60 = 677.60, minus advances 847.00 = -169.40
    assert refund_message["Subject"] == "Invoice VBR00000126 from Voltbill Energie România SRL"
    assert "The amount of RON169.40 will be credited" in refund
    assert "Please pay" not in refund and "Due date" not in refund


def test_nothing_to_pay_and_no_bank_account() -> None:
    view = replace(ro_refund_regularisation(), customer_email="ap@x.example", amount_due=Decimal("0.00"))
    assert "There is nothing to pay for this document." in body_of(build_invoice_message(view, [], SETTINGS))
    unbanked = replace(ro_regularisation(), bank_account=None)
    body = body_of(build_invoice_message(unbanked, [], SETTINGS))
    assert "IBAN" not in body and "Referința plății: VBR00000123" in body


def test_invoice_message_needs_an_address() -> None:
    with pytest.raises(ValueError, match="no e-mail address"):
        build_invoice_message(ro_credit_note(), [], SETTINGS)


# --- settings --------------------------------------------------------------------------------------------------


def test_settings_not_configured_without_host() -> None:
    assert SmtpSettings.from_env({}) is None
    assert SmtpSettings.from_env({"VOLTBILL_SMTP_HOST": "  ", "VOLTBILL_SMTP_PORT": "25"}) is None


def test_settings_from_env(tmp_path: Path) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_text("not parsed here")
    settings = SmtpSettings.from_env(
        {
            "VOLTBILL_SMTP_HOST": "smtp.voltbill.ro",
            "VOLTBILL_SMTP_PORT": "2525",
            "VOLTBILL_SMTP_USERNAME": "mailer",
            "VOLTBILL_SMTP_PASSWORD": "top secret ",
            "VOLTBILL_SMTP_SENDER": "Voltbill <facturi@voltbill.ro>",
            "VOLTBILL_SMTP_STARTTLS": "Required",
            "VOLTBILL_SMTP_CA_FILE": str(ca),
            "VOLTBILL_SMTP_TIMEOUT_SECONDS": "7.5",
        }
    )
    assert settings == SmtpSettings(
        host="smtp.voltbill.ro", port=2525, username="mailer", password="top secret ",
        sender="Voltbill <facturi@voltbill.ro>", starttls="required", ca_file=str(ca), timeout_seconds=7.5,
    )
    assert settings.sender_domain == "voltbill.ro"
    assert "top secret" not in repr(settings) and "top secret" not in str(settings)
    defaults = SmtpSettings.from_env({"VOLTBILL_SMTP_HOST": "localhost"})
    assert (defaults.port, defaults.starttls, defaults.sender, defaults.username) == (587, "auto", "invoices@voltbill.localhost", None)


@pytest.mark.parametrize(
    ("env", "error"),
    [
        ({"VOLTBILL_SMTP_STARTTLS": "maybe"}, "STARTTLS mode"),
        ({"VOLTBILL_SMTP_PORT": "smtp"}, "must be numbers"),
        ({"VOLTBILL_SMTP_PORT": "70000"}, "port"),
        ({"VOLTBILL_SMTP_USERNAME": "mailer"}, "together"),
        ({"VOLTBILL_SMTP_CA_FILE": "/nonexistent/ca.pem"}, "not a file"),
        ({"VOLTBILL_SMTP_SENDER": "voltbill"}, "e-mail address"),
    ],
)
def test_bad_settings_are_refused(env: dict[str, str], error: str) -> None:
    with pytest.raises(ValueError, match=error):
        SmtpSettings.from_env({"VOLTBILL_SMTP_HOST": "localhost", **env})
