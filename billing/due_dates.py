"""Due dates of invoices and the days of grace before late-payment interest starts.

Purpose
-------
A contract's billing settings name a **due-date rule** (how the due date of an invoice
follows from its issue date) and **days of grace per invoice type** (how many days after
the due date a payment is still accepted without interest). This module turns those
settings into dates. It is pure Python: no Dagster, no warehouse, no I/O. The public
holidays come from the ``holidays`` package (national holidays only, no regional ones).

The rules
---------
1. **Due-date rules.** ``DueDateRule`` is one of (``issue`` is the issue date; the text
   spec of each is in quotes):

   - ``days_after_issue(n)``, ``"30d"``: ``issue + n`` calendar days (``"0d"``: the issue
     date itself);
   - ``days_after_end_of_month(n)``, ``"eom+15"``: the last day of the issue month ``+ n``
     calendar days (every invoice issued in February 2026 gets ``eom+15`` = 15 March 2026,
     one issued on 31 January 2026 gets 15 February 2026);
   - ``fixed_day_of_next_month(d)``, ``"day 25"``: day ``d`` of the month after the issue
     month, clamped to that month's last day (``day 31`` issued in March: 30 April; issued in
     January: 28 February, or 29 February in a leap year; issued in December: in January of
     the next year);
   - ``business_days_after_issue(n)``, ``"10bd"``: the ``n``-th working day after the issue
     date (the issue date itself is never counted, even if it is a working day).

   ``n`` is 0 .. 366 (1 .. 366 for business days) and ``d`` is 1 .. 31.

2. **Working days.** A working day is a day that is neither a weekend day of the company's
   country (Saturday and Sunday for RO and BG, as the ``holidays`` package defines the
   weekend) nor one of its national public holidays per ``holidays.country_holidays(country)``
   (default category ``public``; this includes days the package lists as observed holidays
   or government-declared non-working days, e.g. BG 31 Dec 2025 and 2 Jan 2026).
   Compensating working Saturdays are not modelled: a Saturday is never a working day.

3. **Rolling.** With ``roll_to_business_day`` (the default, the common legal rule: a time
   limit ending on a non-working day ends on the next working day), a computed due date
   that is not a working day moves forward, day by day, to the next working day. Rolling
   never moves a date backwards. A ``business_days_after_issue`` due date is always a
   working day already, so the flag does not change it. With the flag off, the due date is
   the computed calendar date even on a Sunday or a holiday.

4. **Text spec.** Rules are kept in a CSV column as a short text: ``"30d"``, ``"eom+15"``,
   ``"day 25"``, ``"10bd"``, optionally followed by ``" noroll"`` for
   ``roll_to_business_day=False``. Parsing ignores case and spaces around the parts
   (``" EOM + 15 "``, ``"day25"``); ``str(rule)`` gives the canonical spelling and
   ``DueDateRule.parse(str(rule)) == rule``. Anything else is a ``ValueError`` naming the
   accepted forms.

5. **Days of grace.** ``GraceDays`` holds, per invoice type, a number of calendar days of
   grace (0 .. 366), with a default for types not listed. Invoice types are the
   ``billing.invoice_types.InvoiceKind`` values plus ``"penalty"`` (penalty-interest
   invoices); other names are a ``ValueError``. Grace days are calendar days and are not
   rolled: the roll applies to the due date only.

6. **Effective due date and the first day of interest.** With ``g`` days of grace::

       effective_due_date = due_date + g days
       penalty_start      = due_date + g + 1 days   (the first day that bears interest)

   This matches ``billing.late_payment``, where interest accrues for the days ``d`` with
   ``due_date < d``: pass ``effective_due_date(...)`` as the ``due_date`` of
   ``penalty_for_invoice``. An invoice due 2026-03-10 with 5 days of grace has effective
   due date 2026-03-15; paid on 2026-03-15 it bears no interest, paid on 2026-03-16 it
   bears exactly one day (16 March, with the default payment-day convention).

7. **Input checks.** Dates are ``datetime.date`` (not ``datetime.datetime``); counts are
   ``int`` (not ``bool``); a country the ``holidays`` package does not know is a
   ``ValueError``.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from types import MappingProxyType

import holidays

from billing.invoice_types import InvoiceKind

__all__ = [
    "INVOICE_TYPES",
    "MAX_DAYS",
    "PENALTY",
    "DueDateRule",
    "GraceDays",
    "RuleKind",
    "add_business_days",
    "due_date_for",
    "effective_due_date",
    "is_working_day",
    "next_working_day",
    "penalty_start",
]

MAX_DAYS = 366
PENALTY = "penalty"
INVOICE_TYPES: frozenset[str] = frozenset({kind.value for kind in InvoiceKind} | {PENALTY})

_ONE_DAY = timedelta(days=1)
_NO_ROLL = "noroll"
_NO_ROLL_SUFFIX = re.compile(r"(.*?)\s+noroll")


class RuleKind(StrEnum):
    """The four due-date rules (see rule 1 of the module docstring)."""

    DAYS_AFTER_ISSUE = "days_after_issue"
    DAYS_AFTER_END_OF_MONTH = "days_after_end_of_month"
    FIXED_DAY_OF_NEXT_MONTH = "fixed_day_of_next_month"
    BUSINESS_DAYS_AFTER_ISSUE = "business_days_after_issue"


_BOUNDS: dict[RuleKind, tuple[int, int, str]] = {
    RuleKind.DAYS_AFTER_ISSUE: (0, MAX_DAYS, "days after issue"),
    RuleKind.DAYS_AFTER_END_OF_MONTH: (0, MAX_DAYS, "days after the end of the month"),
    RuleKind.FIXED_DAY_OF_NEXT_MONTH: (1, 31, "day of the next month"),
    RuleKind.BUSINESS_DAYS_AFTER_ISSUE: (1, MAX_DAYS, "business days after issue"),
}

_SPEC_FORMS = (
    '"30d" (days after issue), "eom+15" (days after the end of the issue month), '
    '"day 25" (day of the next month), "10bd" (business days after issue), '
    'optionally followed by " noroll"'
)
_PATTERNS: tuple[tuple[re.Pattern[str], RuleKind], ...] = (
    (re.compile(r"([0-9]+)\s*bd"), RuleKind.BUSINESS_DAYS_AFTER_ISSUE),
    (re.compile(r"([0-9]+)\s*d"), RuleKind.DAYS_AFTER_ISSUE),
    (re.compile(r"eom\s*\+\s*([0-9]+)"), RuleKind.DAYS_AFTER_END_OF_MONTH),
    (re.compile(r"day\s*([0-9]+)"), RuleKind.FIXED_DAY_OF_NEXT_MONTH),
)


# --------------------------------------------------------------------------- validation


def _day(name: str, value: object) -> date:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise TypeError(f"{name} must be a datetime.date (not a datetime), got {value!r}")
    return value


def _count(name: str, value: object, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {value!r}")
    if not low <= value <= high:
        raise ValueError(f"{name} must be between {low} and {high}, got {value}")
    return value


# --------------------------------------------------------------------------- working days


@lru_cache(maxsize=None)
def _weekend(country: str) -> frozenset[int]:
    """The weekend days (date.weekday() numbers) of `country`; ValueError for an unknown country."""
    try:
        table = holidays.country_holidays(country)
    except NotImplementedError:
        raise ValueError(f"country {country!r} is not known to the holidays package (use an ISO 3166-1 code such as 'RO' or 'BG')") from None
    return frozenset(table.weekend)


@lru_cache(maxsize=None)
def _holidays_of(country: str, year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays(country, years=year))


def _country(country: object) -> str:
    if not isinstance(country, str) or not country.strip():
        raise ValueError(f"country must be an ISO 3166-1 code such as 'RO' or 'BG', got {country!r}")
    code = country.strip().upper()
    _weekend(code)
    return code


def is_working_day(day: date, country: str) -> bool:
    """True when `day` is neither a weekend day nor a national public holiday of `country`."""
    _day("day", day)
    code = _country(country)
    return day.weekday() not in _weekend(code) and day not in _holidays_of(code, day.year)


def next_working_day(day: date, country: str) -> date:
    """`day` itself when it is a working day, else the first working day after it."""
    while not is_working_day(day, country):
        day += _ONE_DAY
    return day


def add_business_days(start: date, n: int, country: str) -> date:
    """The `n`-th working day after `start` (`start` itself is not counted; n >= 1)."""
    _day("start", start)
    _count("n", n, 1, MAX_DAYS)
    day = start
    for _ in range(n):
        day = next_working_day(day + _ONE_DAY, country)
    return day


# --------------------------------------------------------------------------- due-date rule


def _last_day(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


@dataclass(frozen=True)
class DueDateRule:
    """How the due date follows from the issue date (rules 1 to 4 of the module docstring).

    Build one with the class methods (``DueDateRule.days_after_issue(30)``) or from its text
    spec (``DueDateRule.parse("30d")``). `n` is the number of days, or the day of the month
    for ``fixed_day_of_next_month``.
    """

    kind: RuleKind
    n: int
    roll_to_business_day: bool = True

    def __post_init__(self) -> None:
        try:
            kind = RuleKind(self.kind)
        except ValueError:
            raise ValueError(f"DueDateRule.kind must be one of {[k.value for k in RuleKind]}, got {self.kind!r}") from None
        object.__setattr__(self, "kind", kind)
        low, high, what = _BOUNDS[kind]
        _count(f"DueDateRule.n ({what})", self.n, low, high)
        if not isinstance(self.roll_to_business_day, bool):
            raise TypeError("DueDateRule.roll_to_business_day must be a bool")

    # -- constructors

    @classmethod
    def days_after_issue(cls, n: int, *, roll_to_business_day: bool = True) -> DueDateRule:
        """Issue date + n calendar days."""
        return cls(RuleKind.DAYS_AFTER_ISSUE, n, roll_to_business_day)

    @classmethod
    def days_after_end_of_month(cls, n: int, *, roll_to_business_day: bool = True) -> DueDateRule:
        """Last day of the issue month + n calendar days."""
        return cls(RuleKind.DAYS_AFTER_END_OF_MONTH, n, roll_to_business_day)

    @classmethod
    def fixed_day_of_next_month(cls, d: int, *, roll_to_business_day: bool = True) -> DueDateRule:
        """Day d of the month after the issue month, clamped to that month's last day."""
        return cls(RuleKind.FIXED_DAY_OF_NEXT_MONTH, d, roll_to_business_day)

    @classmethod
    def business_days_after_issue(cls, n: int, *, roll_to_business_day: bool = True) -> DueDateRule:
        """The n-th working day after the issue date."""
        return cls(RuleKind.BUSINESS_DAYS_AFTER_ISSUE, n, roll_to_business_day)

    # -- text spec

    @classmethod
    def parse(cls, text: str) -> DueDateRule:
        """The rule of a text spec: "30d", "eom+15", "day 25", "10bd", each optionally + " noroll"."""
        if not isinstance(text, str):
            raise TypeError(f"a due-date rule spec must be a str, got {type(text).__name__} ({text!r})")
        spec = text.strip().lower()
        roll = True
        suffix = _NO_ROLL_SUFFIX.fullmatch(spec)
        if suffix:
            spec, roll = suffix.group(1), False
        for pattern, kind in _PATTERNS:
            match = pattern.fullmatch(spec)
            if match:
                digits = match.group(1)
                if len(digits) > 6:  # surely out of range; avoids int() of a huge digit string
                    low, high, what = _BOUNDS[kind]
                    raise ValueError(f"due-date rule {text!r}: {what} must be between {low} and {high}, got {digits}")
                try:
                    return cls(kind, int(digits), roll)
                except ValueError as error:
                    raise ValueError(f"due-date rule {text!r}: {error}") from None
        raise ValueError(f"due-date rule {text!r} is not understood; expected one of {_SPEC_FORMS}")

    def __str__(self) -> str:
        spec = {
            RuleKind.DAYS_AFTER_ISSUE: f"{self.n}d",
            RuleKind.DAYS_AFTER_END_OF_MONTH: f"eom+{self.n}",
            RuleKind.FIXED_DAY_OF_NEXT_MONTH: f"day {self.n}",
            RuleKind.BUSINESS_DAYS_AFTER_ISSUE: f"{self.n}bd",
        }[self.kind]
        return spec if self.roll_to_business_day else f"{spec} {_NO_ROLL}"

    # -- calculation

    def unrolled_due_date(self, issue_date: date, country: str) -> date:
        """The due date before rolling to a working day (rule 1)."""
        _day("issue_date", issue_date)
        if self.kind is RuleKind.DAYS_AFTER_ISSUE:
            return issue_date + timedelta(days=self.n)
        if self.kind is RuleKind.DAYS_AFTER_END_OF_MONTH:
            return _last_day(issue_date.year, issue_date.month) + timedelta(days=self.n)
        if self.kind is RuleKind.FIXED_DAY_OF_NEXT_MONTH:
            year, month = (issue_date.year + 1, 1) if issue_date.month == 12 else (issue_date.year, issue_date.month + 1)
            return date(year, month, min(self.n, calendar.monthrange(year, month)[1]))
        return add_business_days(issue_date, self.n, country)

    def due_date(self, issue_date: date, country: str) -> date:
        """The due date of an invoice issued on `issue_date` by a company in `country` (rules 1 to 3)."""
        code = _country(country)
        due = self.unrolled_due_date(issue_date, code)
        return next_working_day(due, code) if self.roll_to_business_day else due


def due_date_for(issue_date: date, rule: DueDateRule | str, country: str) -> date:
    """The due date of an invoice issued on `issue_date` under `rule` (a DueDateRule or its text spec)."""
    if isinstance(rule, str):
        rule = DueDateRule.parse(rule)
    if not isinstance(rule, DueDateRule):
        raise TypeError(f"rule must be a DueDateRule or its text spec, got {type(rule).__name__}")
    return rule.due_date(issue_date, country)


# --------------------------------------------------------------------------- days of grace


def _invoice_type(value: object) -> str:
    if not isinstance(value, str) or str(value) not in INVOICE_TYPES:
        raise ValueError(f"unknown invoice type {value!r}; expected one of {sorted(INVOICE_TYPES)}")
    return str(value)


@dataclass(frozen=True)
class GraceDays:
    """Calendar days of grace per invoice type, with a default for the types not listed.

    ``GraceDays({"advance": 0, "regularisation": 5, "penalty": 0}, default=3)``; keys are
    ``InvoiceKind`` members or their values, or ``"penalty"`` (rule 5 of the module docstring).
    """

    per_type: Mapping[str, int] = field(default_factory=dict)
    default: int = 0

    def __post_init__(self) -> None:
        if not isinstance(self.per_type, Mapping):
            raise TypeError(f"GraceDays.per_type must be a mapping of invoice type to days, got {type(self.per_type).__name__}")
        days: dict[str, int] = {}
        for key, value in self.per_type.items():
            kind = _invoice_type(key)
            days[kind] = _count(f"grace days of {kind}", value, 0, MAX_DAYS)
        object.__setattr__(self, "per_type", MappingProxyType(dict(sorted(days.items()))))
        _count("GraceDays.default", self.default, 0, MAX_DAYS)

    def __hash__(self) -> int:
        return hash((tuple(self.per_type.items()), self.default))

    def for_type(self, invoice_type: InvoiceKind | str) -> int:
        """The days of grace of `invoice_type` (the default when it is not listed)."""
        return self.per_type.get(_invoice_type(invoice_type), self.default)

    def types(self) -> tuple[str, ...]:
        """The invoice types listed explicitly."""
        return tuple(self.per_type)


def effective_due_date(due_date: date, invoice_type: InvoiceKind | str, grace: GraceDays) -> date:
    """due_date + the grace days of `invoice_type`: the due date to pass to late_payment.penalty_for_invoice."""
    _day("due_date", due_date)
    if not isinstance(grace, GraceDays):
        raise TypeError(f"grace must be GraceDays, got {type(grace).__name__}")
    return due_date + timedelta(days=grace.for_type(invoice_type))


def penalty_start(due_date: date, invoice_type: InvoiceKind | str, grace: GraceDays) -> date:
    """The first day that bears late-payment interest: due_date + grace + 1 day."""
    return effective_due_date(due_date, invoice_type, grace) + _ONE_DAY
