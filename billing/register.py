"""The invoice register: gapless, unique invoice numbers per company and series, and immutable issued invoices.

Tables (schema `billing`, created idempotently by `create_register_tables`):

* `billing.number_series`: one row per (company, series): the number format (`prefix` followed by
  the sequence number zero-padded to exactly `digits` digits), the first number of the series and
  the next number to issue. VB-RO's "VBR" series with prefix "VBR" and 8 digits gives "VBR00000001";
  VB-BG's series with prefix "" and 10 digits gives "0000000001" (Bulgarian invoice numbers are
  exactly 10 digits, numeric only).
* `billing.issued_invoices`: one row per issued document (invoice, advance, credit note,
  regularisation), never updated or deleted. UNIQUE (company_id, series, sequence_number),
  UNIQUE (company_id, invoice_number) and UNIQUE (company_id, invoice_key).

`invoice_key` is the caller's idempotency key, e.g. "advance/2026-03/C-123/CT-9": what makes an
invoice "the same invoice" across reruns of a billing partition. `issue_invoices` takes drafts
and, in invoice_key order (so a rerun numbers identically), for each one:

* key already issued with the same content → `reused`: its number, nothing written;
* key already issued with different content → `changed_after_issue`: the issued invoice is NOT
  edited; the outcome carries the old number and both hashes so the caller issues a credit note
  or a regularisation invoice (a draft with `corrects_invoice_number`, and a key of its own);
* new key → the next number of the series: `issued`.

One call is one transaction: either every new number is taken or none is, so an error half-way
(or a crash) leaves no gap. Numbers are gapless from the series' first number: `verify_gapless`
reports any gap, duplicate or malformed number (an empty list when the series is sound).

Concurrency. Within one process, concurrent writers use separate connections to the same file
(`duckdb.connect(path)` per thread, or `connection.cursor()`); DuckDB's concurrency is optimistic,
so two transactions that write the same series row conflict and one gets `duckdb.TransactionException`.
Every call that issues a number updates its series row, so two runs of the same series serialise on
it: the loser's whole call is rolled back and retried (bounded, with a short randomised sleep), and
on the retry it finds the winner's invoices and reuses them. A call that only reuses writes nothing.
Across processes DuckDB allows one writer per file: the pipeline's `duckdb_writer` concurrency pool
of size 1 serialises the processes that write, so the retry only ever deals with in-process races.

A connection passed in must not be inside a transaction: each call runs its own.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime, timezone
from decimal import Decimal
from enum import StrEnum
from typing import TypeVar

import duckdb

from billing.invoice_math import InvoiceLine
from billing.money import decimal_places, minor_units, to_decimal

T = TypeVar("T")

MAX_DIGITS = 18  # sequence numbers are BIGINT
MAX_PREFIX_LENGTH = 20
PREFIX_PATTERN = re.compile(r"[A-Za-z0-9/_-]*")
HASH_PATTERN = re.compile(r"[0-9a-f]{64}")

DEFAULT_MAX_ATTEMPTS = 5
DEFAULT_RETRY_DELAY_SECONDS = 0.02
MAX_RETRY_DELAY_SECONDS = 1.0

NUMBER_SERIES_DDL = """
CREATE TABLE IF NOT EXISTS billing.number_series (
    company_id      VARCHAR NOT NULL,   -- issuing company, e.g. VB-RO
    series          VARCHAR NOT NULL,   -- series name within the company, e.g. VBR
    prefix          VARCHAR NOT NULL,   -- text before the digits ('' for numeric-only numbers)
    digits          INTEGER NOT NULL,   -- the sequence number is zero-padded to exactly this many digits
    first_number    BIGINT NOT NULL,    -- first sequence number of the series (gapless from here)
    next_number     BIGINT NOT NULL,    -- next sequence number to issue
    configured_at   TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (company_id, series)
)
"""

ISSUED_INVOICES_DDL = """
CREATE TABLE IF NOT EXISTS billing.issued_invoices (
    invoice_number          VARCHAR NOT NULL,   -- prefix || zero-padded sequence_number
    company_id              VARCHAR NOT NULL,
    series                  VARCHAR NOT NULL,
    sequence_number         BIGINT NOT NULL,
    invoice_key             VARCHAR NOT NULL,   -- caller's idempotency key, e.g. advance/2026-03/C-123/CT-9
    invoice_type            VARCHAR NOT NULL,   -- advance | regularisation | deviation | green_certificate_regularisation | penalty | credit_note
    customer_id             VARCHAR NOT NULL,
    billing_period          VARCHAR NOT NULL,   -- e.g. 2026-03
    issue_date              DATE NOT NULL,
    currency                VARCHAR NOT NULL,
    total_with_vat          DECIMAL(18, 2) NOT NULL,  -- BT-112
    content_hash            VARCHAR NOT NULL,   -- sha256 of the rounded lines (billing.register.content_hash)
    issued_at               TIMESTAMPTZ NOT NULL,
    corrects_invoice_number VARCHAR,            -- the invoice a credit note or regularisation corrects
    UNIQUE (company_id, series, sequence_number),
    UNIQUE (company_id, invoice_number),
    UNIQUE (company_id, invoice_key)
)
"""


class InvoiceType(StrEnum):
    """Kinds of issued document: the kinds `billing.invoice_types` drafts, and late-payment penalties.

    A credit note must name the invoice it corrects; a regularisation may (a recalculation corrects
    one invoice; a regularisation of a period's advances lists them instead).
    """

    ADVANCE = "advance"
    REGULARISATION = "regularisation"
    DEVIATION = "deviation"
    GREEN_CERTIFICATE_REGULARISATION = "green_certificate_regularisation"
    PENALTY = "penalty"
    CREDIT_NOTE = "credit_note"


CORRECTION_TYPES = frozenset({InvoiceType.CREDIT_NOTE})
MAY_CORRECT_TYPES = frozenset({InvoiceType.CREDIT_NOTE, InvoiceType.REGULARISATION})


class RegisterError(Exception):
    """The register refused a request; the message says why. Nothing was written."""


class UnknownSeriesError(RegisterError):
    """The (company, series) is not configured."""


class SeriesExhaustedError(RegisterError):
    """The series has no numbers left within its digits."""


class RegisterConflictError(RegisterError):
    """Concurrent writers kept conflicting after every retry."""


@dataclass(frozen=True)
class NumberSeries:
    """One configured number series."""

    company_id: str
    series: str
    prefix: str
    digits: int
    first_number: int
    next_number: int

    @property
    def max_number(self) -> int:
        return 10**self.digits - 1

    def format(self, sequence_number: int) -> str:
        """The invoice number of `sequence_number`: prefix + exactly `digits` digits."""
        return format_invoice_number(self.prefix, self.digits, sequence_number)


@dataclass(frozen=True)
class InvoiceDraft:
    """An invoice to issue, as the billing run computed it. Amounts are Decimal/int/str, never float."""

    invoice_key: str
    invoice_type: InvoiceType
    customer_id: str
    billing_period: str
    currency: str
    total_with_vat: Decimal
    content_hash: str
    corrects_invoice_number: str | None = None

    def __post_init__(self) -> None:
        for name in ("invoice_key", "customer_id", "billing_period"):
            text = getattr(self, name)
            if not isinstance(text, str) or not text.strip():
                raise ValueError(f"{name} must be a non-empty string, not {text!r}")
        try:
            kind = InvoiceType(self.invoice_type)
        except ValueError:
            kinds = ", ".join(kind.value for kind in InvoiceType)
            raise ValueError(f"invoice_type must be one of {kinds}, not {self.invoice_type!r}") from None
        minor_units(self.currency)  # ValueError naming the supported currencies
        total = to_decimal(self.total_with_vat, "total_with_vat")
        if decimal_places(total) > 2:
            raise ValueError(f"total_with_vat is an amount and may have at most 2 decimals, not {total}")
        if not isinstance(self.content_hash, str) or not HASH_PATTERN.fullmatch(self.content_hash):
            raise ValueError(
                f"content_hash must be 64 lowercase hex digits (billing.register.content_hash), not {self.content_hash!r}"
            )
        corrects = self.corrects_invoice_number
        if kind in CORRECTION_TYPES:
            if not isinstance(corrects, str) or not corrects.strip():
                raise ValueError(f"a {kind.value} must name the invoice it corrects (corrects_invoice_number)")
        elif corrects is not None and kind not in MAY_CORRECT_TYPES:
            raise ValueError(f"corrects_invoice_number is only for a credit_note or regularisation, not a {kind.value}")
        object.__setattr__(self, "invoice_type", kind)
        object.__setattr__(self, "total_with_vat", total)


@dataclass(frozen=True)
class IssuedInvoice:
    """One row of billing.issued_invoices."""

    invoice_number: str
    company_id: str
    series: str
    sequence_number: int
    invoice_key: str
    invoice_type: str
    customer_id: str
    billing_period: str
    issue_date: date
    currency: str
    total_with_vat: Decimal
    content_hash: str
    issued_at: datetime
    corrects_invoice_number: str | None


class OutcomeStatus(StrEnum):
    ISSUED = "issued"
    REUSED = "reused"
    CHANGED_AFTER_ISSUE = "changed_after_issue"


@dataclass(frozen=True)
class IssueOutcome:
    """What happened to one draft.

    For `changed_after_issue`, `invoice` is the issued (unchanged) invoice, `draft_content_hash`
    the new content's hash and `differences` the fields that differ: issue a credit note or a
    regularisation invoice correcting `invoice_number`.
    """

    status: OutcomeStatus
    invoice_key: str
    invoice_number: str
    sequence_number: int
    invoice: IssuedInvoice
    draft_content_hash: str
    differences: tuple[str, ...] = ()

    @property
    def issued_content_hash(self) -> str:
        return self.invoice.content_hash


@dataclass(frozen=True)
class SeriesProblem:
    """A flaw found by `verify_gapless`: kind is gap | duplicate | out_of_range | malformed_number."""

    kind: str
    first_sequence: int
    last_sequence: int
    detail: str


# Draft fields compared with the issued invoice to tell a rerun from a change after issue.
_COMPARED_FIELDS = ("invoice_type", "customer_id", "billing_period", "currency", "total_with_vat", "content_hash", "corrects_invoice_number")
_INVOICE_COLUMNS = ", ".join(field.name for field in fields(IssuedInvoice))


# ---------------------------------------------------------------------------------------------
# Content hash


def _canonical_number(value: Decimal) -> str:
    """The exact decimal value as text, independent of trailing zeros: 12.30 and 12.3 give '12.3'."""
    if value.is_zero():
        return "0"
    text = format(value.normalize(), "f")
    return text


def _canonical_value(value: object, field_name: str) -> str:
    if isinstance(value, bool):
        return f"b:{value}"
    if value is None:
        return "null"
    if isinstance(value, float):
        raise TypeError(f"{field_name} is a float ({value!r}); content_hash takes Decimal, int or str only")
    if isinstance(value, (Decimal, int)):
        return "n:" + _canonical_number(to_decimal(value, field_name))
    if isinstance(value, StrEnum):
        return "s:" + value.value
    if isinstance(value, str):
        return "s:" + value
    if isinstance(value, (date, datetime)):
        return "t:" + value.isoformat()
    raise TypeError(f"{field_name} has unsupported type {type(value).__name__} ({value!r})")


def _line_fields(line: InvoiceLine | Mapping[str, object]) -> Mapping[str, object]:
    if isinstance(line, InvoiceLine):
        return {
            "description": line.description,
            "quantity": line.quantity,
            "unit": line.unit,
            "unit_price": line.unit_price,
            "vat_category": line.vat_category.value,
            "vat_rate_pct": line.vat_rate_pct,
            "net_amount": line.net_amount,
        }
    if isinstance(line, Mapping):
        return line
    raise TypeError(f"a line must be an InvoiceLine or a mapping of field to value, not {type(line).__name__}")


def content_hash(lines: Iterable[InvoiceLine | Mapping[str, object]]) -> str:
    """SHA-256 (hex) of a canonical text of an invoice's rounded lines.

    A line is a `billing.invoice_math.InvoiceLine` (its fields plus its rounded net amount) or a
    mapping of field name to value (e.g. a row of a lines mart). Numbers are written as exact
    decimal strings by value (12.30 and 12.3 are the same), strings as they are; floats are
    refused. Line order does not matter (a rerun reading lines in another order is not a change).
    """
    texts = []
    for index, line in enumerate(lines):
        items = _line_fields(line)
        canonical = {str(name): _canonical_value(value, f"lines[{index}].{name}") for name, value in items.items()}
        texts.append(json.dumps(canonical, sort_keys=True, ensure_ascii=False, separators=(",", ":")))
    if not texts:
        raise ValueError("lines: an invoice needs at least one line")
    return hashlib.sha256("\n".join(sorted(texts)).encode("utf-8")).hexdigest()


# ---------------------------------------------------------------------------------------------
# Schema and series


def create_register_tables(connection: duckdb.DuckDBPyConnection) -> None:
    """Create the billing schema and the register tables if they do not exist (idempotent)."""
    connection.execute("CREATE SCHEMA IF NOT EXISTS billing")
    connection.execute(NUMBER_SERIES_DDL)
    connection.execute(ISSUED_INVOICES_DDL)


def format_invoice_number(prefix: str, digits: int, sequence_number: int) -> str:
    """prefix + sequence_number zero-padded to exactly `digits` digits; SeriesExhaustedError if it has more."""
    if sequence_number < 1:
        raise ValueError(f"sequence_number must be >= 1, not {sequence_number}")
    text = f"{sequence_number:0{digits}d}"
    if len(text) > digits:
        raise SeriesExhaustedError(f"sequence number {sequence_number} does not fit in {digits} digits")
    return prefix + text


def _formats_overlap(prefix_a: str, digits_a: int, prefix_b: str, digits_b: int) -> bool:
    """True when some invoice number could come out of both formats (e.g. 'A' + 8 digits and 'A0' + 7)."""
    if len(prefix_a) + digits_a != len(prefix_b) + digits_b:
        return False
    short, long_ = sorted((prefix_a, prefix_b), key=len)
    return long_.startswith(short) and (long_[len(short):].isdigit() or long_ == short)


def _check_name(value: object, name: str) -> str:
    if not isinstance(value, str) or not value.strip() or value != value.strip():
        raise ValueError(f"{name} must be a non-empty string without surrounding spaces, not {value!r}")
    return value


def _series_row(connection: duckdb.DuckDBPyConnection, company_id: str, series: str) -> NumberSeries | None:
    try:
        row = connection.execute(
            "SELECT company_id, series, prefix, digits, first_number, next_number FROM billing.number_series "
            "WHERE company_id = ? AND series = ?",
            [company_id, series],
        ).fetchone()
    except duckdb.CatalogException:
        raise RegisterError("the invoice register tables do not exist: call create_register_tables first") from None
    return None if row is None else NumberSeries(*row)


def get_series(connection: duckdb.DuckDBPyConnection, company_id: str, series: str) -> NumberSeries:
    """The configured series; UnknownSeriesError if there is none."""
    found = _series_row(connection, company_id, series)
    if found is None:
        raise UnknownSeriesError(f"no number series {series!r} is configured for company {company_id!r} (configure_series)")
    return found


def configure_series(
    connection: duckdb.DuckDBPyConnection,
    company_id: str,
    series: str,
    prefix: str,
    digits: int,
    next_number: int | None = None,
) -> NumberSeries:
    """Create or update one series (upsert), in its own transaction.

    A new series starts at `next_number` (1 by default); that is its first number. Once a series has
    issued invoices its prefix, digits and next number are fixed (changing them would break the
    numbering): calling again with the same values is a no-op, different ones are refused. A number
    that does not fit in `digits` (series exhausted) and a format whose numbers could collide with
    another series of the company are refused too.
    """
    _check_name(company_id, "company_id")
    _check_name(series, "series")
    if not isinstance(prefix, str) or len(prefix) > MAX_PREFIX_LENGTH or not PREFIX_PATTERN.fullmatch(prefix):
        raise ValueError(
            f"prefix must be at most {MAX_PREFIX_LENGTH} letters, digits, '/', '_' or '-' ('' for numeric-only numbers), "
            f"not {prefix!r}"
        )
    if isinstance(digits, bool) or not isinstance(digits, int) or not 1 <= digits <= MAX_DIGITS:
        raise ValueError(f"digits must be an int from 1 to {MAX_DIGITS}, not {digits!r}")
    if next_number is not None and (isinstance(next_number, bool) or not isinstance(next_number, int) or next_number < 1):
        raise ValueError(f"next_number must be an int >= 1, not {next_number!r}")
    max_number = 10**digits - 1
    if next_number is not None and next_number > max_number:
        raise SeriesExhaustedError(
            f"series {series!r} of {company_id!r}: next number {next_number} does not fit in {digits} digits "
            f"(the largest is {max_number}): the series would be exhausted"
        )

    def configure() -> NumberSeries:
        now = datetime.now(timezone.utc)
        existing = _series_row(connection, company_id, series)
        others = connection.execute(
            "SELECT series, prefix, digits FROM billing.number_series WHERE company_id = ? AND series <> ?",
            [company_id, series],
        ).fetchall()
        for other, other_prefix, other_digits in others:
            if _formats_overlap(prefix, digits, other_prefix, other_digits):
                raise RegisterError(
                    f"series {series!r} of {company_id!r} (prefix {prefix!r}, {digits} digits) could produce the same "
                    f"invoice numbers as its series {other!r} (prefix {other_prefix!r}, {other_digits} digits)"
                )
        if existing is None:
            start = 1 if next_number is None else next_number
            connection.execute(
                "INSERT INTO billing.number_series VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [company_id, series, prefix, digits, start, start, now, now],
            )
            return NumberSeries(company_id, series, prefix, digits, start, start)
        wanted = existing.next_number if next_number is None else next_number
        if (existing.prefix, existing.digits, existing.next_number) == (prefix, digits, wanted):
            return existing
        issued = connection.execute(
            "SELECT count(*) FROM billing.issued_invoices WHERE company_id = ? AND series = ?", [company_id, series]
        ).fetchone()[0]
        if issued:
            raise RegisterError(
                f"series {series!r} of {company_id!r} has issued {issued} invoices: its prefix, digits and next number "
                f"cannot change (now {existing.prefix!r}, {existing.digits} digits, next {existing.next_number}); "
                "configure a new series instead"
            )
        connection.execute(
            "UPDATE billing.number_series SET prefix = ?, digits = ?, first_number = ?, next_number = ?, updated_at = ? "
            "WHERE company_id = ? AND series = ?",
            [prefix, digits, wanted, wanted, now, company_id, series],
        )
        return NumberSeries(company_id, series, prefix, digits, wanted, wanted)

    return run_with_retries(connection, configure, DEFAULT_MAX_ATTEMPTS, DEFAULT_RETRY_DELAY_SECONDS)


# ---------------------------------------------------------------------------------------------
# Issuing


def _rollback_quietly(connection: duckdb.DuckDBPyConnection) -> None:
    try:
        connection.execute("ROLLBACK")
    except duckdb.Error:
        pass  # a failed COMMIT has already ended the transaction


def run_with_retries(
    connection: duckdb.DuckDBPyConnection,
    work: Callable[[], T],
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    retry_delay_seconds: float = DEFAULT_RETRY_DELAY_SECONDS,
) -> T:
    """Run `work` in one transaction; on a write-write conflict roll back and run it again (bounded).

    Used by the register and by the billing ledger's writers (`billing.warehouse_io`), which race the same way.
    """
    if isinstance(max_attempts, bool) or not isinstance(max_attempts, int) or max_attempts < 1:
        raise ValueError(f"max_attempts must be an int >= 1, not {max_attempts!r}")
    for attempt in range(1, max_attempts + 1):
        connection.execute("BEGIN TRANSACTION")
        try:
            result = work()
            connection.execute("COMMIT")
            return result
        except (duckdb.TransactionException, duckdb.ConstraintException) as error:
            # A write-write conflict, or a key a concurrent writer inserted between our read and our insert
            # (two runs configuring a new series at once): the retry reads the winner's rows.
            _rollback_quietly(connection)
            if attempt == max_attempts:
                raise RegisterConflictError(
                    f"the register stayed in conflict with a concurrent writer after {max_attempts} attempts: "
                    f"{str(error).splitlines()[0]}"
                ) from error
            # Randomised, doubling sleep (capped) so the winner can finish and losers do not collide in lockstep.
            time.sleep(min(MAX_RETRY_DELAY_SECONDS, retry_delay_seconds * 2 ** (attempt - 1)) * random.uniform(0.5, 1.5))
        except BaseException:
            _rollback_quietly(connection)
            raise
    raise AssertionError("unreachable")


def _check_drafts(drafts: Iterable[InvoiceDraft]) -> list[InvoiceDraft]:
    checked = list(drafts)
    seen: set[str] = set()
    for index, draft in enumerate(checked):
        if not isinstance(draft, InvoiceDraft):
            raise TypeError(f"drafts[{index}] must be an InvoiceDraft, not {type(draft).__name__}")
        if draft.invoice_key in seen:
            raise ValueError(f"invoice_key {draft.invoice_key!r} appears twice in one call")
        seen.add(draft.invoice_key)
    return sorted(checked, key=lambda draft: draft.invoice_key)


def _find_by_key(connection: duckdb.DuckDBPyConnection, company_id: str, invoice_key: str) -> IssuedInvoice | None:
    row = connection.execute(
        f"SELECT {_INVOICE_COLUMNS} FROM billing.issued_invoices WHERE company_id = ? AND invoice_key = ?",
        [company_id, invoice_key],
    ).fetchone()
    return None if row is None else IssuedInvoice(*row)


def find_issued_invoice(connection: duckdb.DuckDBPyConnection, company_id: str, invoice_key: str) -> IssuedInvoice | None:
    """The invoice issued under `invoice_key` by the company, or None."""
    return _find_by_key(connection, company_id, invoice_key)


def _differences(draft: InvoiceDraft, invoice: IssuedInvoice) -> tuple[str, ...]:
    return tuple(name for name in _COMPARED_FIELDS if getattr(draft, name) != getattr(invoice, name))


def issue_invoices(
    connection: duckdb.DuckDBPyConnection,
    company_id: str,
    series: str,
    drafts: Iterable[InvoiceDraft],
    issue_date: date,
    *,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    retry_delay_seconds: float = DEFAULT_RETRY_DELAY_SECONDS,
) -> list[IssueOutcome]:
    """Issue the drafts in the series (one outcome per draft, in invoice_key order), in one transaction.

    A key issued before is reused (same content) or reported as `changed_after_issue` (the issued
    invoice is never edited); a new key takes the next gapless number. Nothing is taken if any
    draft fails (RegisterError naming it) or the series lacks numbers (SeriesExhaustedError).
    A conflict with a concurrent writer rolls the whole call back and retries it up to
    `max_attempts` times (then RegisterConflictError).
    """
    _check_name(company_id, "company_id")
    _check_name(series, "series")
    if isinstance(issue_date, datetime) or not isinstance(issue_date, date):
        raise TypeError(f"issue_date must be a datetime.date, not {type(issue_date).__name__} ({issue_date!r})")
    ordered = _check_drafts(drafts)

    def issue() -> list[IssueOutcome]:
        number_series = get_series(connection, company_id, series)
        outcomes: dict[str, IssueOutcome] = {}
        new: list[tuple[InvoiceDraft, IssuedInvoice]] = []
        numbers_in_call: dict[str, str] = {}
        now = datetime.now(timezone.utc)
        sequence = number_series.next_number
        for draft in ordered:
            issued = _find_by_key(connection, company_id, draft.invoice_key)
            if issued is not None:
                if issued.series != series:
                    raise RegisterError(
                        f"invoice_key {draft.invoice_key!r} of {company_id!r} was issued as {issued.invoice_number} in "
                        f"series {issued.series!r}, not {series!r}"
                    )
                differences = _differences(draft, issued)
                status = OutcomeStatus.CHANGED_AFTER_ISSUE if differences else OutcomeStatus.REUSED
                outcomes[draft.invoice_key] = IssueOutcome(
                    status, draft.invoice_key, issued.invoice_number, issued.sequence_number, issued, draft.content_hash, differences
                )
                continue
            if sequence > number_series.max_number:
                raise SeriesExhaustedError(
                    f"series {series!r} of {company_id!r} is exhausted: {number_series.digits} digits allow numbers up "
                    f"to {number_series.max_number}, and this call needs more (nothing was issued)"
                )
            invoice = IssuedInvoice(
                invoice_number=number_series.format(sequence),
                company_id=company_id,
                series=series,
                sequence_number=sequence,
                invoice_key=draft.invoice_key,
                invoice_type=draft.invoice_type.value,
                customer_id=draft.customer_id,
                billing_period=draft.billing_period,
                issue_date=issue_date,
                currency=draft.currency,
                total_with_vat=draft.total_with_vat,
                content_hash=draft.content_hash,
                issued_at=now,
                corrects_invoice_number=draft.corrects_invoice_number,
            )
            numbers_in_call[invoice.invoice_number] = draft.invoice_key
            new.append((draft, invoice))
            sequence += 1
        if not new:
            return [outcomes[draft.invoice_key] for draft in ordered]  # nothing to write

        for draft, _ in new:
            corrected = draft.corrects_invoice_number
            if corrected is not None and corrected not in numbers_in_call:
                exists = connection.execute(
                    "SELECT 1 FROM billing.issued_invoices WHERE company_id = ? AND invoice_number = ?", [company_id, corrected]
                ).fetchone()
                if exists is None:
                    raise RegisterError(
                        f"draft {draft.invoice_key!r} corrects invoice {corrected!r}, which {company_id!r} has not issued"
                    )
        # Claim the numbers: this update of the series row is where concurrent issuers conflict.
        claimed = connection.execute(
            "UPDATE billing.number_series SET next_number = ?, updated_at = ? "
            "WHERE company_id = ? AND series = ? AND next_number = ?",
            [sequence, now, company_id, series, number_series.next_number],
        ).fetchone()[0]
        if claimed != 1:  # the series moved under us (cannot happen under snapshot isolation): retry
            raise duckdb.TransactionException(f"series {series!r} of {company_id!r} changed during the call")
        for draft, invoice in new:
            try:
                connection.execute(
                    f"INSERT INTO billing.issued_invoices ({_INVOICE_COLUMNS}) VALUES ({', '.join('?' * len(fields(IssuedInvoice)))})",
                    [getattr(invoice, field.name) for field in fields(IssuedInvoice)],
                )
            except duckdb.TransactionException:
                raise
            except duckdb.Error as error:
                raise RegisterError(
                    f"draft {draft.invoice_key!r} could not be issued (nothing was issued): {str(error).splitlines()[0]}"
                ) from error
            outcomes[draft.invoice_key] = IssueOutcome(
                OutcomeStatus.ISSUED, draft.invoice_key, invoice.invoice_number, invoice.sequence_number, invoice, draft.content_hash
            )
        return [outcomes[draft.invoice_key] for draft in ordered]

    return run_with_retries(connection, issue, max_attempts, retry_delay_seconds)


# ---------------------------------------------------------------------------------------------
# Reading and checking


def issued_numbers(connection: duckdb.DuckDBPyConnection, company_id: str, series: str) -> list[str]:
    """The invoice numbers issued in the series, in sequence order."""
    rows = connection.execute(
        "SELECT invoice_number FROM billing.issued_invoices WHERE company_id = ? AND series = ? "
        "ORDER BY sequence_number, invoice_number",
        [company_id, series],
    ).fetchall()
    return [row[0] for row in rows]


def verify_gapless(connection: duckdb.DuckDBPyConnection, company_id: str, series: str) -> list[SeriesProblem]:
    """The flaws of the series' numbering; an empty list when numbers are exactly first_number .. next_number - 1.

    Reported: gaps (missing sequence numbers, as ranges), duplicated sequence or invoice numbers,
    sequence numbers outside the issued range, and invoice numbers not in the series' format.
    """
    number_series = get_series(connection, company_id, series)
    first, last = number_series.first_number, number_series.next_number - 1
    problems: list[SeriesProblem] = []
    where = "company_id = ? AND series = ?"
    parameters = [company_id, series]

    for sequence, count in connection.execute(
        f"SELECT sequence_number, count(*) FROM billing.issued_invoices WHERE {where} "
        "GROUP BY sequence_number HAVING count(*) > 1 ORDER BY sequence_number",
        parameters,
    ).fetchall():
        problems.append(SeriesProblem("duplicate", sequence, sequence, f"sequence number {sequence} was issued {count} times"))
    for number, count, low, high in connection.execute(
        f"SELECT invoice_number, count(*), min(sequence_number), max(sequence_number) FROM billing.issued_invoices "
        f"WHERE company_id = ? GROUP BY invoice_number HAVING count(*) > 1 AND bool_or({where}) ORDER BY 3",
        [company_id, *parameters],
    ).fetchall():
        problems.append(SeriesProblem("duplicate", low, high, f"invoice number {number} was issued {count} times"))
    for low, high, count in connection.execute(
        f"SELECT min(sequence_number), max(sequence_number), count(*) FROM billing.issued_invoices "
        f"WHERE {where} AND (sequence_number < ? OR sequence_number > ?)",
        [*parameters, first, last],
    ).fetchall():
        if count:
            problems.append(
                SeriesProblem(
                    "out_of_range", low, high,
                    f"{count} invoices have sequence numbers outside the issued range {first}..{last} (next number {last + 1})",
                )
            )
    # Gaps between consecutive distinct numbers, plus before the first and after the last one issued.
    rows = connection.execute(
        f"""
        WITH numbers AS (
            SELECT DISTINCT sequence_number AS n FROM billing.issued_invoices
            WHERE {where} AND sequence_number BETWEEN ? AND ?
            UNION ALL SELECT ? - 1 UNION ALL SELECT ? + 1
        ), ordered AS (SELECT n, lead(n) OVER (ORDER BY n) AS following FROM numbers)
        SELECT n + 1, following - 1 FROM ordered WHERE following - n > 1 ORDER BY n
        """,
        [*parameters, first, last, first, last],
    ).fetchall()
    for low, high in rows:
        missing = "number" if low == high else "numbers"
        problems.append(SeriesProblem("gap", low, high, f"sequence {missing} {low}..{high} missing"))
    for number, sequence in connection.execute(
        f"SELECT invoice_number, sequence_number FROM billing.issued_invoices WHERE {where} ORDER BY sequence_number",
        parameters,
    ).fetchall():
        try:
            expected = number_series.format(sequence)
        except (ValueError, SeriesExhaustedError):
            expected = None
        if number != expected:
            problems.append(
                SeriesProblem("malformed_number", sequence, sequence, f"invoice number {number!r} is not {expected!r}")
            )
    return problems


__all__ = [
    "CORRECTION_TYPES",
    "InvoiceDraft",
    "InvoiceType",
    "IssueOutcome",
    "IssuedInvoice",
    "NumberSeries",
    "OutcomeStatus",
    "RegisterConflictError",
    "RegisterError",
    "SeriesExhaustedError",
    "SeriesProblem",
    "UnknownSeriesError",
    "configure_series",
    "content_hash",
    "create_register_tables",
    "find_issued_invoice",
    "format_invoice_number",
    "get_series",
    "issue_invoices",
    "issued_numbers",
    "verify_gapless",
]
