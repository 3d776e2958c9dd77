"""The delivery ledger: which customer e-mails were sent, failed or given up, and `deliver`, which sends each once.

Table `invoicing.deliveries` holds one row per (company_id, invoice_number, message_kind): its status,
how many attempts were made and when, the Message-ID sent and the last error. `deliver` reads it before
each message and writes it around each attempt, so it can run again at any time:

* `sent` is final: a rerun never sends the message again.
* `failed` is retried once `next_attempt_at` has passed; the wait after the n-th failed attempt is
  retry_after × 2^(n-1) (15, 30, 60, 120 minutes with the defaults; at most one day).
* After `max_attempts` failed attempts the row becomes `gave_up` (final, reported) and is not retried.
* A message without a recipient address is recorded as `no_address` (reported on every run). If an
  address appears later, the message is attempted then.

Crash window. The attempt is recorded *before* the message is handed to the server (status failed,
attempts + 1, next_attempt_at after the backoff, last_error saying the outcome is unknown), then updated to
`sent` or to the real error. If the process dies in between, the row stays `failed` with that note and the
message is retried after the backoff: delivery is at-least-once, not exactly-once — an SMTP server cannot
take part in our transaction. A duplicate can only arise in that window, and it carries the same
deterministic Message-ID (`delivery.message_id`) as the first copy, so receiving systems can recognise it.
Recording first also means an attempt that kills the process still counts towards `max_attempts`.

Concurrent runs: every claim re-reads the row in its own transaction (`billing.register.run_with_retries`);
of two runs claiming the same message one loses the write conflict, re-reads, and finds the other's
attempt (not yet due), so it does not send.

If many attempts in a row fail (the server is down or refusing everything), the rest of the run's due
messages are left for the next run (`deferred`) instead of each waiting for its own connection timeout.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields, replace
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from enum import StrEnum

import duckdb

from billing.register import run_with_retries
from invoice_rendering.delivery import (
    MESSAGE_KINDS,
    DeliveryError,
    OutgoingMessage,
    SmtpSettings,
    send_message,
)

SENT = "sent"
FAILED = "failed"
GAVE_UP = "gave_up"
NO_ADDRESS = "no_address"
STATUSES = (SENT, FAILED, GAVE_UP, NO_ADDRESS)

DEFAULT_MAX_ATTEMPTS = 5
DEFAULT_RETRY_AFTER = timedelta(minutes=15)
MAX_RETRY_DELAY = timedelta(days=1)
DEFAULT_STOP_AFTER_CONSECUTIVE_FAILURES = 10
INTERRUPTED = "attempt interrupted before its outcome was recorded; the message may have been sent"
NO_ADDRESS_ERROR = "the customer has no e-mail address"

SCHEMA_DDL = "CREATE SCHEMA IF NOT EXISTS invoicing"

# Key: (company_id, invoice_number, message_kind)
DELIVERIES_DDL = f"""
CREATE TABLE IF NOT EXISTS invoicing.deliveries (
    company_id          VARCHAR NOT NULL,
    invoice_number      VARCHAR NOT NULL,
    message_kind        VARCHAR NOT NULL CHECK (message_kind IN ({", ".join(f"'{kind}'" for kind in MESSAGE_KINDS)})),
    recipient           VARCHAR,                -- the address of the last attempt; NULL when no_address
    status              VARCHAR NOT NULL CHECK (status IN ({", ".join(f"'{status}'" for status in STATUSES)})),
    attempts            INTEGER NOT NULL,       -- send attempts made (0 while no_address)
    first_attempt_at    TIMESTAMPTZ,            -- first attempt, or when the missing address was recorded
    last_attempt_at     TIMESTAMPTZ,
    next_attempt_at     TIMESTAMPTZ,            -- failed: not retried before; NULL otherwise
    sent_at             TIMESTAMPTZ,            -- sent: when the server accepted it
    message_id          VARCHAR,                -- the Message-ID header of the last message built
    last_error          VARCHAR,                -- why the last attempt failed (or why there was none)
    PRIMARY KEY (company_id, invoice_number, message_kind)
)
"""

def create_delivery_tables(connection: duckdb.DuckDBPyConnection) -> None:
    """Create schema `invoicing` and `invoicing.deliveries` if absent (idempotent, safe against a concurrent run)."""

    def create() -> None:
        connection.execute(SCHEMA_DDL)
        connection.execute(DELIVERIES_DDL)

    run_with_retries(connection, create)


@dataclass(frozen=True)
class DeliveryState:
    """One ledger row, as read."""

    recipient: str | None
    status: str
    attempts: int
    first_attempt_at: datetime | None
    last_attempt_at: datetime | None
    next_attempt_at: datetime | None
    sent_at: datetime | None
    message_id: str | None
    last_error: str | None


# The columns after the key, in DeliveryState's order.
_STATE_COLUMNS = tuple(f.name for f in fields(DeliveryState))


@dataclass(frozen=True)
class DeliveryFailure:
    """A message whose attempt in this run failed (`gave_up`: it will not be retried)."""

    company_id: str
    invoice_number: str
    message_kind: str
    recipient: str
    attempts: int
    error: str
    gave_up: bool
    next_attempt_at: datetime | None


@dataclass(frozen=True)
class DeliveryReport:
    """What one `deliver` run did, message by message counted once."""

    sent: int = 0
    failed: int = 0  # attempted now, failed, will be retried
    gave_up: int = 0  # reached max_attempts in this run
    no_address: int = 0
    skipped_already_sent: int = 0
    skipped_gave_up: int = 0  # given up in an earlier run
    waiting_for_retry: int = 0
    deferred: int = 0  # due, but not attempted: too many consecutive failures in this run
    failures: tuple[DeliveryFailure, ...] = ()
    no_address_messages: tuple[tuple[str, str, str], ...] = ()  # (company_id, invoice_number, message_kind)

    def as_metadata(self, max_listed: int = 20) -> dict[str, int | str]:
        """Plain values for asset metadata: the counts, and the first failures and missing addresses as text."""
        metadata: dict[str, int | str] = {
            name: getattr(self, name)
            for name in (
                "sent", "failed", "gave_up", "no_address", "skipped_already_sent",
                "skipped_gave_up", "waiting_for_retry", "deferred",
            )
        }
        if self.failures:
            metadata["failures"] = _listing(
                [
                    f"{f.company_id} {f.invoice_number} {f.message_kind} to {f.recipient} "
                    f"(attempt {f.attempts}{', gave up' if f.gave_up else ''}): {f.error}"
                    for f in self.failures
                ],
                max_listed,
            )
        if self.no_address_messages:
            metadata["no_address_messages"] = _listing([" ".join(key) for key in self.no_address_messages], max_listed)
        return metadata


def _listing(lines: list[str], max_listed: int) -> str:
    shown = lines[:max_listed]
    more = len(lines) - len(shown)
    return "\n".join(shown + ([f"... and {more} more"] if more else []))


def retry_delay(retry_after: timedelta, failed_attempts: int) -> timedelta:
    """The wait after the n-th failed attempt: retry_after × 2^(n-1), at most MAX_RETRY_DELAY."""
    return min(MAX_RETRY_DELAY, retry_after * 2 ** max(0, failed_attempts - 1))


# --- reading and writing rows --------------------------------------------------------------------------------

Key = tuple[str, str, str]


def read_delivery(connection: duckdb.DuckDBPyConnection, key: Key) -> DeliveryState | None:
    row = connection.execute(
        f"SELECT {', '.join(_STATE_COLUMNS)} FROM invoicing.deliveries WHERE company_id = ? AND invoice_number = ? AND message_kind = ?",
        list(key),
    ).fetchone()
    return DeliveryState(*row) if row else None


def _read_all(connection: duckdb.DuckDBPyConnection, keys: list[Key]) -> dict[Key, DeliveryState]:
    """The rows of `keys` in one query (the per-message claim re-reads its row before writing)."""
    if not keys:
        return {}
    rows = connection.execute(
        f"""
        SELECT d.company_id, d.invoice_number, d.message_kind, {", ".join("d." + c for c in _STATE_COLUMNS)}
        FROM invoicing.deliveries AS d
        JOIN (SELECT unnest(?) AS company_id, unnest(?) AS invoice_number, unnest(?) AS message_kind) AS k
          USING (company_id, invoice_number, message_kind)
        """,
        [[key[0] for key in keys], [key[1] for key in keys], [key[2] for key in keys]],
    ).fetchall()
    return {(row[0], row[1], row[2]): DeliveryState(*row[3:]) for row in rows}


def _write(connection: duckdb.DuckDBPyConnection, key: Key, state: DeliveryState, exists: bool) -> None:
    values = [getattr(state, column) for column in _STATE_COLUMNS]
    if exists:
        assignments = ", ".join(f"{column} = ?" for column in _STATE_COLUMNS)
        connection.execute(
            f"UPDATE invoicing.deliveries SET {assignments} "
            "WHERE company_id = ? AND invoice_number = ? AND message_kind = ?",
            values + list(key),
        )
    else:
        placeholders = ", ".join("?" for _ in range(3 + len(_STATE_COLUMNS)))
        connection.execute(
            f"INSERT INTO invoicing.deliveries (company_id, invoice_number, message_kind, {', '.join(_STATE_COLUMNS)}) "
            f"VALUES ({placeholders})",
            list(key) + values,
        )


# --- deciding -----------------------------------------------------------------------------------------------


class Decision(StrEnum):
    ALREADY_SENT = "already_sent"
    ALREADY_GAVE_UP = "already_gave_up"
    WAITING = "waiting"
    NO_ADDRESS = "no_address"
    GIVE_UP = "give_up"  # failed, due, but out of attempts (an interrupted last attempt)
    ATTEMPT = "attempt"


def decide(state: DeliveryState | None, recipient: str | None, now: datetime, max_attempts: int) -> Decision:
    """What to do with one message given its ledger row."""
    if state is not None and state.status == SENT:
        return Decision.ALREADY_SENT
    if state is not None and state.status == GAVE_UP:
        return Decision.ALREADY_GAVE_UP
    if not has_address(recipient):
        return Decision.NO_ADDRESS
    if state is None or state.status == NO_ADDRESS:
        return Decision.ATTEMPT
    if state.next_attempt_at is not None and state.next_attempt_at > now:
        return Decision.WAITING
    if state.attempts >= max_attempts:
        return Decision.GIVE_UP
    return Decision.ATTEMPT


def has_address(recipient: str | None) -> bool:
    return bool(recipient and recipient.strip())


@dataclass(frozen=True)
class _Policy:
    now: datetime
    max_attempts: int
    retry_after: timedelta


def _claim(connection: duckdb.DuckDBPyConnection, message: OutgoingMessage, policy: _Policy) -> tuple[Decision, int]:
    """In one transaction: re-read the row, decide, and record the decision (an attempt before it is made).

    Returns the decision and the attempt number (for ATTEMPT)."""
    state = read_delivery(connection, message.key)
    decision = decide(state, message.recipient, policy.now, policy.max_attempts)
    now = policy.now
    if decision is Decision.NO_ADDRESS:
        if state is None or state.status != NO_ADDRESS:
            _write(connection, message.key, _no_address_state(state, now), exists=state is not None)
    elif decision is Decision.GIVE_UP:
        assert state is not None
        _write(connection, message.key, replace(state, status=GAVE_UP, next_attempt_at=None), exists=True)
    elif decision is Decision.ATTEMPT:
        attempt = (state.attempts if state else 0) + 1
        claimed = DeliveryState(
            recipient=message.recipient,
            status=FAILED,
            attempts=attempt,
            first_attempt_at=state.first_attempt_at if state and state.attempts else now,
            last_attempt_at=now,
            next_attempt_at=now + retry_delay(policy.retry_after, attempt),
            sent_at=None,
            message_id=state.message_id if state else None,
            last_error=INTERRUPTED,
        )
        _write(connection, message.key, claimed, exists=state is not None)
        return decision, attempt
    return decision, 0


def _no_address_state(state: DeliveryState | None, now: datetime) -> DeliveryState:
    return DeliveryState(
        recipient=None,
        status=NO_ADDRESS,
        attempts=state.attempts if state else 0,
        first_attempt_at=state.first_attempt_at if state else now,
        last_attempt_at=now,
        next_attempt_at=None,
        sent_at=None,
        message_id=state.message_id if state else None,
        last_error=NO_ADDRESS_ERROR,
    )


# --- delivering -----------------------------------------------------------------------------------------------

Send = Callable[[SmtpSettings, EmailMessage], None]

_SKIPS = {
    Decision.ALREADY_SENT: "skipped_already_sent",
    Decision.ALREADY_GAVE_UP: "skipped_gave_up",
    Decision.WAITING: "waiting_for_retry",
}


@dataclass
class _Run:
    """One `deliver` call: where to record, how to send, and what happened so far."""

    connection: duckdb.DuckDBPyConnection
    settings: SmtpSettings
    send: Send
    policy: _Policy
    stop_after: int | None
    counts: dict[str, int] = field(default_factory=dict)
    failures: list[DeliveryFailure] = field(default_factory=list)
    no_address: list[Key] = field(default_factory=list)
    consecutive_send_failures: int = 0

    def count(self, name: str) -> None:
        self.counts[name] = self.counts.get(name, 0) + 1

    @property
    def server_seems_down(self) -> bool:
        return self.stop_after is not None and self.consecutive_send_failures >= self.stop_after

    def report(self) -> DeliveryReport:
        return DeliveryReport(**self.counts, failures=tuple(self.failures), no_address_messages=tuple(self.no_address))


def deliver(
    connection: duckdb.DuckDBPyConnection,
    outgoing: Iterable[OutgoingMessage],
    settings: SmtpSettings,
    now: datetime,
    send: Send = send_message,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    retry_after: timedelta = DEFAULT_RETRY_AFTER,
    stop_after_consecutive_failures: int | None = DEFAULT_STOP_AFTER_CONSECUTIVE_FAILURES,
) -> DeliveryReport:
    """Send every message of `outgoing` that is due per the ledger, record each attempt, and report.

    `now` (timezone-aware) is the time of this run: it is compared with next_attempt_at and written as the
    attempt time. `create_delivery_tables` must have run. See the module docstring for the rules.
    """
    policy = _check_arguments(now, max_attempts, retry_after, stop_after_consecutive_failures)
    messages = list(outgoing)
    for index, message in enumerate(messages):
        if not isinstance(message, OutgoingMessage):
            raise TypeError(f"outgoing[{index}] must be an OutgoingMessage, not {type(message).__name__}")
    known = _read_all(connection, list({message.key for message in messages}))
    run = _Run(connection, settings, send, policy, stop_after_consecutive_failures)
    for message in messages:
        _deliver_one(run, message, known.get(message.key))
    return run.report()


def _check_arguments(now: datetime, max_attempts: int, retry_after: timedelta, stop_after: int | None) -> _Policy:
    if not isinstance(now, datetime) or now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"now must be a timezone-aware datetime, not {now!r}")
    if isinstance(max_attempts, bool) or not isinstance(max_attempts, int) or max_attempts < 1:
        raise ValueError(f"max_attempts must be an int >= 1, not {max_attempts!r}")
    if not isinstance(retry_after, timedelta) or retry_after <= timedelta(0):
        raise ValueError(f"retry_after must be a positive timedelta, not {retry_after!r}")
    if stop_after is not None and (isinstance(stop_after, bool) or not isinstance(stop_after, int) or stop_after < 1):
        raise ValueError(f"stop_after_consecutive_failures must be None or an int >= 1, not {stop_after!r}")
    return _Policy(now.astimezone(timezone.utc), max_attempts, retry_after)


def _deliver_one(run: _Run, message: OutgoingMessage, known: DeliveryState | None) -> None:
    # Fast path from the bulk read: final, not-yet-due and already recorded no_address rows need no transaction.
    early = decide(known, message.recipient, run.policy.now, run.policy.max_attempts)
    if early in _SKIPS:
        run.count(_SKIPS[early])
        return
    if early is Decision.NO_ADDRESS and known is not None and known.status == NO_ADDRESS:
        _count_no_address(run, message)
        return
    if early is Decision.ATTEMPT and run.server_seems_down:
        run.count("deferred")
        return
    decision, attempt = run_with_retries(run.connection, lambda: _claim(run.connection, message, run.policy))
    if decision in _SKIPS:  # a concurrent run got there first
        run.count(_SKIPS[decision])
    elif decision is Decision.NO_ADDRESS:
        _count_no_address(run, message)
    elif decision is Decision.GIVE_UP:
        state = read_delivery(run.connection, message.key)
        assert state is not None
        run.count("gave_up")
        run.failures.append(_failure(message, state.attempts, state.last_error or INTERRUPTED, True, None))
    else:
        _attempt(run, message, attempt)


def _count_no_address(run: _Run, message: OutgoingMessage) -> None:
    run.count("no_address")
    run.no_address.append(message.key)


def _attempt(run: _Run, message: OutgoingMessage, attempt: int) -> None:
    """Build and send one claimed message, then record the outcome of attempt number `attempt`."""
    try:
        email = message.build()
    except Exception as error:  # a rendering bug must not stop the other customers' messages
        _record_failure(run, message, attempt, None, f"could not build the message: {type(error).__name__}: {error}")
        return
    message_id = email["Message-ID"]
    try:
        run.send(run.settings, email)
    except DeliveryError as error:
        _record_failure(run, message, attempt, message_id, str(error))
        run.consecutive_send_failures += 1
        return
    now = run.policy.now
    _finish(run.connection, message.key, status=SENT, sent_at=now, next_attempt_at=None, last_error=None, message_id=message_id)
    run.count("sent")
    run.consecutive_send_failures = 0


def _record_failure(run: _Run, message: OutgoingMessage, attempt: int, message_id: str | None, error: str) -> None:
    gave_up = attempt >= run.policy.max_attempts
    next_attempt_at = None if gave_up else run.policy.now + retry_delay(run.policy.retry_after, attempt)
    _finish(
        run.connection,
        message.key,
        status=GAVE_UP if gave_up else FAILED,
        next_attempt_at=next_attempt_at,
        last_error=error,
        message_id=message_id,
    )
    run.count("gave_up" if gave_up else "failed")
    run.failures.append(_failure(message, attempt, error, gave_up, next_attempt_at))


def _finish(connection: duckdb.DuckDBPyConnection, key: Key, message_id: str | None, **outcome: object) -> None:
    """Turn the claimed row (attempt counted, times set) into the attempt's outcome."""

    def write() -> None:
        claimed = read_delivery(connection, key)
        assert claimed is not None, f"the claimed delivery row {key} disappeared"
        _write(connection, key, replace(claimed, message_id=message_id or claimed.message_id, **outcome), exists=True)

    run_with_retries(connection, write)


def _failure(
    message: OutgoingMessage, attempts: int, error: str, gave_up: bool, next_attempt_at: datetime | None
) -> DeliveryFailure:
    return DeliveryFailure(
        company_id=message.company_id,
        invoice_number=message.invoice_number,
        message_kind=message.message_kind,
        recipient=message.recipient or "",
        attempts=attempts,
        error=error,
        gave_up=gave_up,
        next_attempt_at=next_attempt_at,
    )
