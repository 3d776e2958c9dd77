"""Invoice e-mail delivery against a real SMTP server (aiosmtpd on localhost) and a real DuckDB delivery ledger.

The server does STARTTLS with a self-signed certificate made here for `localhost` (the client verifies it
against that certificate as its CA file) and AUTH PLAIN/LOGIN only after TLS. Amounts in the assertions
are worked out by hand in the comments, not taken from the code under test.
"""

from __future__ import annotations

import email
import ipaddress
import smtplib
import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import duckdb
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from invoice_rendering.delivery import (
    DeliveryError,
    OutgoingMessage,
    SmtpSettings,
    invoice_outgoing,
    send_message,
)
from invoice_rendering.delivery_ledger import (
    INTERRUPTED,
    create_delivery_tables,
    deliver,
    read_delivery,
)
from invoice_rendering.notifications import OpenItem, due_reminders, overdue_notices
from tests.invoice_samples import bg_advance, ro_credit_note, ro_regularisation

USERNAME = "voltbill-mailer"
PASSWORD = "correct horse battery staple"
SENDER = "facturi@voltbill.example"
T0 = datetime(2026, 4, 5, 8, 0, tzinfo=UTC)
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
XML = '<?xml version="1.0" encoding="UTF-8"?><Invoice><ID>VBR00000123</ID><Note>Panificația</Note></Invoice>'.encode()


# --- the server ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Certificate:
    cert_file: Path
    key_file: Path


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    """A self-signed certificate for localhost / 127.0.0.1 (it is its own CA)."""
    directory = tmp_path_factory.mktemp("smtp-tls")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "cert.pem", directory / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return Certificate(cert_file, key_file)


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes
    tls: bool
    authenticated: bool

    def message(self) -> EmailMessage:
        return email.message_from_bytes(self.content, policy=policy.default)  # type: ignore[return-value]


@dataclass
class Recorder:
    """aiosmtpd handler: keeps every accepted message; refuses recipients at refused.example."""

    received: list[Received] = field(default_factory=list)
    used_mechanisms: list[str] = field(default_factory=list)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]) -> str:
        if address.endswith("@refused.example"):
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append(
            Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content or envelope.content,
                     session.ssl is not None, bool(session.authenticated))
        )
        return "250 2.0.0 accepted"

    def authenticator(self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        self.used_mechanisms.append(mechanism)
        ok = isinstance(auth_data, LoginPassword) and auth_data == (USERNAME.encode(), PASSWORD.encode())
        # handled=False: aiosmtpd answers a failure with its 535 (handled=True would mean we replied ourselves)
        return AuthResult(success=ok, handled=False)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def smtp_server(
    certificate: Certificate | None, port: int | None = None, auth: bool = True, exclude: tuple[str, ...] = ()
) -> Iterator[tuple[Recorder, int]]:
    """A running server on 127.0.0.1: STARTTLS required when `certificate`, AUTH required when `auth`."""
    recorder = Recorder()
    port = port or free_port()
    options: dict[str, Any] = {}
    if certificate is not None:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(certificate.cert_file, certificate.key_file)
        options |= {"tls_context": context, "require_starttls": True}
    if auth:
        options |= {
            "authenticator": recorder.authenticator,
            "auth_required": True,
            "auth_require_tls": True,
            "auth_exclude_mechanism": list(exclude),
        }
    controller = Controller(recorder, hostname="127.0.0.1", port=port, **options)
    controller.start()
    try:
        yield recorder, port
    finally:
        controller.stop()


def tls_settings(port: int, certificate: Certificate, **changes: Any) -> SmtpSettings:
    settings = SmtpSettings(
        host="localhost",
        port=port,
        username=USERNAME,
        password=PASSWORD,
        sender=SENDER,
        starttls="required",
        ca_file=str(certificate.cert_file),
        timeout_seconds=5,
    )
    return replace(settings, **changes)


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    create_delivery_tables(connection)
    create_delivery_tables(connection)  # idempotent
    yield connection
    connection.close()


def attachments_of(view: Any) -> list[tuple[str, bytes, str]]:
    return [
        (f"{view.file_stem}.pdf", PDF, "application/pdf"),
        (f"{view.file_stem}_ubl.xml", XML, "application/xml"),
    ]


def outgoing_invoice(view: Any, settings: SmtpSettings) -> OutgoingMessage:
    return invoice_outgoing(view, lambda: attachments_of(view), settings)


def row(connection: duckdb.DuckDBPyConnection, invoice_number: str, kind: str = "invoice", company: str = "VB-RO") -> Any:
    return read_delivery(connection, (company, invoice_number, kind))


# --- delivery over STARTTLS + AUTH -------------------------------------------------------------------------


@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN"])
def test_invoice_is_sent_over_verified_starttls_with_auth(
    certificate: Certificate, ledger: duckdb.DuckDBPyConnection, mechanism: str
) -> None:
    view = ro_regularisation()
    other = "LOGIN" if mechanism == "PLAIN" else "PLAIN"
    with smtp_server(certificate, exclude=(other,)) as (server, port):
        report = deliver(ledger, [outgoing_invoice(view, tls_settings(port, certificate))], tls_settings(port, certificate), T0)

    assert (report.sent, report.failed, report.no_address) == (1, 0, 0)
    assert server.used_mechanisms == [mechanism]
    [received] = server.received
    assert received.tls and received.authenticated
    assert received.mail_from == SENDER
    assert received.rcpt_tos == ["contabilitate@panificatia.example"]

    message = received.message()
    assert message["To"] == "contabilitate@panificatia.example"
    assert message["From"] == SENDER
    assert message["Reply-To"] == "facturi@voltbill.ro"
    assert "VBR00000123" in message["Subject"]
    assert message["Subject"] == "Factura VBR00000123 de la Voltbill Energie România SRL"
    assert message["Message-ID"].startswith("<invoice.VB-RO.VBR00000123.")
    assert message["Message-ID"].endswith("@voltbill.example>")
    assert message["Date"].datetime.tzinfo is not None

    body = message.get_body(("plain",)).get_content()
    # Amount due by hand: lines 8039.51 + 1483.46 + 805.83 + 35.19 (exempt) + 898.14 = 11262.13;
    # VAT 21 % of the standard-rated 11226.94 = 2357.66; total 13619.79; minus the advance 1210.00 = 12409.79.
    # ro_RO: "." groups thousands, "," is the decimal sign, the currency code follows after a no-break space.
    assert "Suma de plată: 12.409,79\xa0RON" in body
    assert "Data scadenței: 20 aprilie 2026" in body
    assert "Referința plății: VBR00000123" in body
    assert "IBAN: RO22 BTRL RONC RT0V 8B24 0001" in body
    assert "Vă rugăm să achitați" in body

    files = {part.get_filename(): (part.get_content_type(), part.get_content()) for part in message.iter_attachments()}
    assert files == {
        "VB-RO_VBR00000123.pdf": ("application/pdf", PDF),
        "VB-RO_VBR00000123_ubl.xml": ("application/xml", XML),
    }

    recorded = row(ledger, "VBR00000123")
    assert (recorded.status, recorded.attempts, recorded.recipient) == ("sent", 1, "contabilitate@panificatia.example")
    assert recorded.sent_at == T0 and recorded.first_attempt_at == T0 and recorded.last_attempt_at == T0
    assert recorded.next_attempt_at is None and recorded.last_error is None
    assert recorded.message_id == message["Message-ID"]


def test_rerun_sends_nothing(certificate: Certificate, ledger: duckdb.DuckDBPyConnection) -> None:
    views = [ro_regularisation(), bg_advance()]
    with smtp_server(certificate) as (server, port):
        settings = tls_settings(port, certificate)
        first = deliver(ledger, [outgoing_invoice(v, settings) for v in views], settings, T0)
        built: list[str] = []

        def never_built() -> list[tuple[str, bytes, str]]:
            built.append("rendered")
            return []

        again = deliver(
            ledger,
            [invoice_outgoing(v, never_built, settings) for v in views],
            settings,
            T0 + timedelta(days=3),
        )
    assert first.sent == 2
    assert (again.sent, again.skipped_already_sent, again.failed) == (0, 2, 0)
    assert len(server.received) == 2
    assert built == []  # already delivered documents are not even rendered again


def test_bulgarian_message_in_eur(certificate: Certificate, ledger: duckdb.DuckDBPyConnection) -> None:
    with smtp_server(certificate) as (server, port):
        settings = tls_settings(port, certificate)
        deliver(ledger, [outgoing_invoice(bg_advance(), settings)], settings, T0)
    message = server.received[0].message()
    assert message["Subject"] == "Фактура 0000000042 от Волтбил Енерджи България ЕООД"
    assert server.received[0].rcpt_tos == ["ivan.petrov@example.bg"]
    body = message.get_body(("plain",)).get_content()
    # 350 kWh × 0.128 = 44.80; VAT 20 % = 8.96; due 53.76 EUR. bg_BG: decimal comma, "€" after a no-break space;
    # the long date ends in "г." after a narrow no-break space.
    assert "Сума за плащане: 53,76\xa0€" in body
    assert "Краен срок за плащане: 19 февруари 2026\u202fг." in body
    assert "IBAN: BG43 UNCR 7000 15V8 B240 01" in body


# --- TLS and authentication failures ----------------------------------------------------------------------


def test_server_certificate_is_really_verified(certificate: Certificate, ledger: duckdb.DuckDBPyConnection) -> None:
    """Without the CA file the self-signed certificate is not trusted: nothing is sent, the failure is recorded."""
    view = ro_regularisation()
    with smtp_server(certificate) as (server, port):
        untrusting = tls_settings(port, certificate, ca_file=None)
        report = deliver(ledger, [outgoing_invoice(view, untrusting)], untrusting, T0)
        with pytest.raises(DeliveryError, match="certificate"):
            send_message(untrusting, EmailMessage())
    assert server.received == []
    assert report.failed == 1 and "certificate" in report.failures[0].error
    assert row(ledger, "VBR00000123").status == "failed"


def test_wrong_password_is_recorded_as_a_failure(certificate: Certificate, ledger: duckdb.DuckDBPyConnection) -> None:
    view = ro_regularisation()
    with smtp_server(certificate) as (server, port):
        wrong = tls_settings(port, certificate, password="guess")
        report = deliver(ledger, [outgoing_invoice(view, wrong)], wrong, T0)
    assert server.received == []
    assert (report.sent, report.failed) == (0, 1)
    [failure] = report.failures
    assert "authentication" in failure.error and "535" in failure.error
    assert "guess" not in failure.error and "guess" not in repr(wrong)
    recorded = row(ledger, "VBR00000123")
    assert (recorded.status, recorded.attempts) == ("failed", 1)
    assert recorded.next_attempt_at == T0 + timedelta(minutes=15)
    assert "535" in recorded.last_error


def test_required_starttls_against_a_server_without_tls_fails(ledger: duckdb.DuckDBPyConnection) -> None:
    with smtp_server(None, auth=False) as (server, port):
        plain = SmtpSettings(host="127.0.0.1", port=port, sender=SENDER, starttls="required", timeout_seconds=5)
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = SENDER, "a@example.com", "x"
        with pytest.raises(DeliveryError, match="does not offer STARTTLS"):
            send_message(plain, message)
        # auto with credentials: the password is never sent in clear
        with pytest.raises(DeliveryError, match="unencrypted"):
            send_message(replace(plain, starttls="auto", username=USERNAME, password=PASSWORD), message)
        assert server.received == []
        # auto without credentials: plain SMTP is used
        send_message(replace(plain, starttls="auto"), message)
        assert len(server.received) == 1 and not server.received[0].tls


def test_refused_recipient_raises(certificate: Certificate) -> None:
    with smtp_server(certificate) as (server, port):
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = SENDER, "nobody@refused.example", "x"
        with pytest.raises(DeliveryError, match=r"recipient refused.*nobody@refused\.example.*550"):
            send_message(tls_settings(port, certificate), message)
    assert server.received == []


# --- retries -------------------------------------------------------------------------------------------------


def test_server_down_then_retried_after_the_backoff(certificate: Certificate, ledger: duckdb.DuckDBPyConnection) -> None:
    port = free_port()  # nothing listens yet
    settings = tls_settings(port, certificate)
    outgoing = [outgoing_invoice(ro_regularisation(), settings)]

    down = deliver(ledger, outgoing, settings, T0)
    assert (down.sent, down.failed) == (0, 1)
    assert "refused" in down.failures[0].error
    assert down.failures[0].next_attempt_at == T0 + timedelta(minutes=15)
    recorded = row(ledger, "VBR00000123")
    assert (recorded.status, recorded.attempts, recorded.next_attempt_at) == ("failed", 1, T0 + timedelta(minutes=15))
    assert "refused" in recorded.last_error

    with smtp_server(certificate, port=port) as (server, _):
        early = deliver(ledger, outgoing, settings, T0 + timedelta(minutes=14, seconds=59))
        assert (early.waiting_for_retry, early.sent, early.failed) == (1, 0, 0)
        assert server.received == []
        later = deliver(ledger, outgoing, settings, T0 + timedelta(minutes=15))
        assert later.sent == 1
        assert len(server.received) == 1

    recorded = row(ledger, "VBR00000123")
    assert (recorded.status, recorded.attempts) == ("sent", 2)
    assert recorded.first_attempt_at == T0 and recorded.sent_at == T0 + timedelta(minutes=15)
    assert recorded.last_error is None and recorded.next_attempt_at is None


def test_gives_up_after_max_attempts_with_doubling_backoff(certificate: Certificate, ledger: duckdb.DuckDBPyConnection) -> None:
    settings = tls_settings(free_port(), certificate)  # server down throughout
    outgoing = [outgoing_invoice(ro_regularisation(), settings)]
    options = {"max_attempts": 3, "retry_after": timedelta(minutes=10)}

    first = deliver(ledger, outgoing, settings, T0, **options)
    assert first.failed == 1 and row(ledger, "VBR00000123").next_attempt_at == T0 + timedelta(minutes=10)
    second = deliver(ledger, outgoing, settings, T0 + timedelta(minutes=10), **options)
    assert second.failed == 1 and row(ledger, "VBR00000123").next_attempt_at == T0 + timedelta(minutes=30)  # 10 + 20
    third = deliver(ledger, outgoing, settings, T0 + timedelta(minutes=30), **options)
    assert (third.failed, third.gave_up) == (0, 1)
    assert third.failures[0].gave_up and third.failures[0].attempts == 3

    recorded = row(ledger, "VBR00000123")
    assert (recorded.status, recorded.attempts, recorded.next_attempt_at) == ("gave_up", 3, None)
    assert recorded.first_attempt_at == T0 and recorded.last_attempt_at == T0 + timedelta(minutes=30)

    with smtp_server(certificate, port=settings.port) as (server, _):
        after = deliver(ledger, outgoing, settings, T0 + timedelta(days=2), **options)
    assert (after.skipped_gave_up, after.sent) == (1, 0)
    assert server.received == []
    assert after.as_metadata()["skipped_gave_up"] == 1


def test_many_consecutive_failures_defer_the_rest(certificate: Certificate, ledger: duckdb.DuckDBPyConnection) -> None:
    settings = tls_settings(free_port(), certificate)
    views = [replace(ro_regularisation(), invoice_number=f"VBR0000020{i}") for i in range(4)]
    report = deliver(ledger, [outgoing_invoice(v, settings) for v in views], settings, T0, stop_after_consecutive_failures=2)
    assert (report.failed, report.deferred) == (2, 2)
    assert row(ledger, "VBR00000202") is None  # deferred: untouched, due on the next run


def test_no_address_is_recorded_not_dropped(certificate: Certificate, ledger: duckdb.DuckDBPyConnection) -> None:
    view = ro_credit_note()
    assert view.customer_email is None
    with smtp_server(certificate) as (server, port):
        settings = tls_settings(port, certificate)
        report = deliver(ledger, [outgoing_invoice(view, settings)], settings, T0)
        assert (report.no_address, report.sent) == (1, 0)
        assert report.no_address_messages == (("VB-RO", "VBR00000124", "invoice"),)
        assert "VB-RO VBR00000124 invoice" in report.as_metadata()["no_address_messages"]
        recorded = row(ledger, "VBR00000124")
        assert (recorded.status, recorded.attempts, recorded.recipient) == ("no_address", 0, None)

        assert deliver(ledger, [outgoing_invoice(view, settings)], settings, T0 + timedelta(days=1)).no_address == 1

        # The customer adds an address: the document goes out then.
        with_address = replace(view, customer_email="ap@panificatia.example")
        later = deliver(ledger, [outgoing_invoice(with_address, settings)], settings, T0 + timedelta(days=2))
    assert later.sent == 1
    [received] = server.received
    body = received.message().get_body(("plain",)).get_content()
    # 412.5 kWh × 0.095 = 39.1875 → 39.19, VAT 21 % → 8.23, credited 47.42 (en_GB: code before the amount)
    assert "The amount of RON47.42 will be credited" in body
    assert "Please pay" not in body
    assert (row(ledger, "VBR00000124").status, row(ledger, "VBR00000124").attempts) == ("sent", 1)


def test_crash_after_sending_resends_with_the_same_message_id(
    certificate: Certificate, ledger: duckdb.DuckDBPyConnection
) -> None:
    """The documented crash window: accepted by the server, process dies before recording → retried, same Message-ID."""

    class ProcessDied(BaseException):
        pass

    def send_then_die(settings: SmtpSettings, message: EmailMessage) -> None:
        send_message(settings, message)
        raise ProcessDied()

    with smtp_server(certificate) as (server, port):
        settings = tls_settings(port, certificate)
        outgoing = [outgoing_invoice(ro_regularisation(), settings)]
        with pytest.raises(ProcessDied):
            deliver(ledger, outgoing, settings, T0, send=send_then_die)
        recorded = row(ledger, "VBR00000123")
        assert (recorded.status, recorded.attempts, recorded.last_error) == ("failed", 1, INTERRUPTED)
        assert recorded.next_attempt_at == T0 + timedelta(minutes=15)

        assert deliver(ledger, outgoing, settings, T0 + timedelta(minutes=5)).waiting_for_retry == 1
        assert deliver(ledger, outgoing, settings, T0 + timedelta(minutes=15)).sent == 1
    first, second = (received.message() for received in server.received)
    assert first["Message-ID"] == second["Message-ID"]
    assert row(ledger, "VBR00000123").attempts == 2


def test_a_message_that_cannot_be_built_is_recorded(certificate: Certificate, ledger: duckdb.DuckDBPyConnection) -> None:
    def broken() -> list[tuple[str, bytes, str]]:
        raise RuntimeError("PDF renderer crashed")

    with smtp_server(certificate) as (server, port):
        settings = tls_settings(port, certificate)
        good = outgoing_invoice(bg_advance(), settings)
        bad = invoice_outgoing(ro_regularisation(), broken, settings)
        report = deliver(ledger, [bad, good], settings, T0)
    assert (report.sent, report.failed) == (1, 1)
    assert "could not build the message: RuntimeError: PDF renderer crashed" in row(ledger, "VBR00000123").last_error


# --- notifications ---------------------------------------------------------------------------------------------


def test_due_reminder_and_overdue_notice_are_each_sent_once(
    certificate: Certificate, ledger: duckdb.DuckDBPyConnection
) -> None:
    today = T0.date()  # 2026-04-05
    item = OpenItem(
        company_id="VB-RO",
        invoice_number="VBR00000123",
        customer_id="CUST-RO-0001",
        customer_email="contabilitate@panificatia.example",
        language="ro",
        currency="RON",
        open_amount=Decimal("2409.79"),
        due_date=today + timedelta(days=3),
        grace_days=5,
        iban="RO22BTRLRONCRT0V8B240001",
        payment_reference="VBR00000123",
        seller_name="Voltbill Energie România SRL",
    )
    late = replace(item, invoice_number="VBR00000077", payment_reference="VBR00000077", due_date=today - timedelta(days=6))
    with smtp_server(certificate) as (server, port):
        settings = tls_settings(port, certificate)
        invoice_report = deliver(ledger, [outgoing_invoice(ro_regularisation(), settings)], settings, T0)
        outgoing = due_reminders([item, late], today, settings) + overdue_notices([item, late], today, settings)
        report = deliver(ledger, outgoing, settings, T0)
        again = due_reminders([item, late], today, settings) + overdue_notices([item, late], today, settings)
        rerun = deliver(ledger, again, settings, T0 + timedelta(hours=1))
    assert invoice_report.sent == 1
    assert (report.sent, rerun.sent, rerun.skipped_already_sent) == (2, 0, 2)
    subjects = [received.message()["Subject"] for received in server.received]
    assert subjects[1:] == [
        "Memento: factura VBR00000123 este scadentă la 8 aprilie 2026",
        "Factură restantă: factura VBR00000077 era scadentă la 30 martie 2026",
    ]
    reminder_body = server.received[1].message().get_body(("plain",)).get_content()
    assert "Suma rămasă de plată este 2.409,79\xa0RON." in reminder_body
    assert row(ledger, "VBR00000123", "due_reminder").status == "sent"
    assert row(ledger, "VBR00000077", "overdue_notice").status == "sent"
    assert row(ledger, "VBR00000123", "invoice").status == "sent"  # a separate message kind of the same document


def test_smtp_errors_are_smtplib_free_delivery_errors(certificate: Certificate) -> None:
    """Every failure surfaces as DeliveryError, never a raw smtplib/ssl/socket exception."""
    with pytest.raises(DeliveryError, match="refused"):
        send_message(tls_settings(free_port(), certificate), EmailMessage())
    assert not issubclass(DeliveryError, smtplib.SMTPException)


def test_an_interrupted_last_attempt_gives_up_without_sending(
    certificate: Certificate, ledger: duckdb.DuckDBPyConnection
) -> None:
    class ProcessDied(BaseException):
        pass

    def die(settings: SmtpSettings, message: EmailMessage) -> None:
        raise ProcessDied()

    with smtp_server(certificate) as (server, port):
        settings = tls_settings(port, certificate)
        outgoing = [outgoing_invoice(ro_regularisation(), settings)]
        with pytest.raises(ProcessDied):
            deliver(ledger, outgoing, settings, T0, send=die, max_attempts=1)
        report = deliver(ledger, outgoing, settings, T0 + timedelta(hours=1), max_attempts=1)
    assert (report.gave_up, report.sent) == (1, 0)
    assert report.failures[0].gave_up and report.failures[0].error == INTERRUPTED
    assert server.received == []
    assert row(ledger, "VBR00000123").status == "gave_up"


def test_the_same_message_twice_in_one_run_is_sent_once(
    certificate: Certificate, ledger: duckdb.DuckDBPyConnection
) -> None:
    with smtp_server(certificate) as (server, port):
        settings = tls_settings(port, certificate)
        message = outgoing_invoice(ro_regularisation(), settings)
        report = deliver(ledger, [message, message], settings, T0)
    assert (report.sent, report.skipped_already_sent) == (1, 1)
    assert len(server.received) == 1
