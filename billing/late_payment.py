"""Late-payment penalty interest on one invoice: current penalties and retroactive ones.

Purpose
-------
When a customer pays an invoice after its due date, the supplier charges interest on the
late amount. This module computes that interest for one invoice, as of a calculation date,
and splits it into the part that is final (on amounts already paid) and the part that is
still running (on the amount still unpaid). It is pure Python: no Dagster, no warehouse,
no I/O. Amounts are `decimal.Decimal`; binary floats are refused.

The rules
---------
1. **Overdue days.** Interest accrues for every calendar day ``d`` with
   ``due_date < d <= as_of``: the first day of interest is the day after the due date, the
   last is the calculation date ``as_of``. A calculation date on or before the due date
   gives no interest.

2. **Principal of a day.** Each day accrues on the amount unpaid at the start of that day:
   ``gross_amount`` minus the payments already counted, never below zero.

   *Payment-day convention* (``PenaltyTerms.interest_on_payment_day``):

   - ``True`` (the default, the spec's "to the payment date"): interest runs up to **and
     including** the payment date. A payment made on day ``p`` still accrues on day ``p``
     and reduces the principal from ``p + 1``. An invoice due 2026-03-10 and paid on
     2026-04-09 bears interest for 11 March .. 9 April = 30 days; paid on the due date: 0
     days; paid the day after: 1 day.
   - ``False``: the payment date itself bears no interest on the paid amount; the payment
     reduces the principal from ``p``.

   Payments on or before the due date reduce the principal from the start. Payments dated
   after ``as_of`` are not known at the calculation date and are ignored. Payments are
   sorted by date; their order in the input does not matter.

   Payments beyond the gross amount leave 0 unpaid; the excess (a credit balance) belongs
   to the receivables module, not to this one.

3. **Rate of a day.** The annual rate applied on day ``d`` is the reference rate in force on
   ``d`` (the last ``RatePeriod`` with ``valid_from <= d``) plus the contractual margin, in
   percent a year. Rates may change inside an overdue period: every day uses its own rate.
   A day for which no reference rate is in force is an error. A negative sum (negative
   reference rates exist) is applied as 0 %: late-payment interest never credits the
   customer.

4. **Day count.** Daily interest = principal × annual rate / 100 / D, where D = 360 for
   ``ACT/360`` and D = 365 for ``ACT/365``. Days are actual calendar days; under ACT/365 the
   denominator stays 365 in leap years (29 February is one more day of interest, 1/365).

5. **Segments.** A segment is a run of consecutive days with the same principal and the
   same rate. Its interest is ``principal × rate × days / (100 × D)``, the exact sum of its
   daily interest. Days with nothing unpaid are not part of any segment, so the sum of the
   segment days is the number of overdue days.

6. **No rounding until the end.** Daily and segment interest are **not** rounded. The exact
   sums are kept as rationals (``fractions.Fraction``, exact, not binary floats) and the
   penalty is rounded once per invoice per calculation, to 2 decimals, half up
   (``_round_half_up_cents``, the only rounding in this module). Rounding each day would
   lose or invent up to half a cent a day: 100.00 at 10 % ACT/365 is 0.0274 a day, which
   rounds to 0.03, so 30 days would give 0.90 instead of the true 0.82.
   The unrounded amounts reported (``interest``, ``settled_interest``, ...) are those exact
   values shown as ``Decimal`` to 28 significant digits, for display; every rounding
   decision is taken on the exact value.

7. **Settled and running interest.** Of each day's principal, the part that has been paid
   by ``as_of`` bears *settled* interest: its accrual has ended with its payment, and it
   no longer changes, so it can be invoiced as a retroactive penalty. The part still
   unpaid at ``as_of`` bears *running* interest, which keeps growing until it is paid (a
   current penalty).

   - ``total_penalty``   = round(settled + running)       (the penalty of the invoice)
   - ``settled_penalty`` = round(settled)
   - ``running_penalty`` = ``total_penalty − settled_penalty``, so the two parts add up to
     the total to the cent (and it is never negative, since running ≥ 0).

8. **Invoicing penalties without charging a day twice.** ``penalties_to_invoice`` charges
   the recalculated penalty minus what was already invoiced for that invoice, never less
   than 0. Because the interest up to a day never changes once that day has passed
   (unless a payment is back-dated), monthly penalty invoices add up to the penalty of
   the whole overdue period. A difference below ``PenaltyTerms.minimum_amount`` is not
   invoiced now; it stays in the difference of the next calculation (and is waived if
   there is none). A recalculation that is *lower* than what was invoiced (a back-dated
   payment) returns 0: the correction is a credit note, which this module does not issue.

9. **Input checks.** Amounts and rates must be ``Decimal`` (or ``int``); ``float`` is
   refused with ``TypeError``. Amounts have at most 2 decimals and are not negative; NaN and
   infinities are refused. Dates are ``datetime.date``, not ``datetime.datetime``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Context, Decimal, localcontext
from fractions import Fraction
from typing import Literal, get_args

DayCount = Literal["ACT/360", "ACT/365"]

DAY_COUNT_DENOMINATORS: dict[str, int] = {"ACT/360": 360, "ACT/365": 365}

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
_ONE_DAY = timedelta(days=1)
_DISPLAY_CONTEXT = Context(prec=28)  # digits shown for the unrounded (exact) amounts

__all__ = [
    "DAY_COUNT_DENOMINATORS",
    "DayCount",
    "Payment",
    "PenaltyResult",
    "PenaltySegment",
    "PenaltyTerms",
    "RatePeriod",
    "penalties_to_invoice",
    "penalty_for_invoice",
]


# --------------------------------------------------------------------------- validation


def _decimal(name: str, value: object) -> Decimal:
    """`value` as a finite Decimal; floats (binary) and other types are refused."""
    if isinstance(value, bool) or not isinstance(value, (Decimal, int)):
        if isinstance(value, float):
            raise TypeError(f"{name} must be a decimal.Decimal, not a float ({value!r}): binary floats lose cents")
        raise TypeError(f"{name} must be a decimal.Decimal, not {type(value).__name__} ({value!r})")
    result = Decimal(value)
    if not result.is_finite():
        raise ValueError(f"{name} must be a finite number, not {result}")
    return result


def _amount(name: str, value: object) -> Decimal:
    """A money amount: a Decimal, not negative, with at most 2 decimals."""
    result = _decimal(name, value)
    if result < 0:
        raise ValueError(f"{name} must not be negative, got {result}")
    if result != result.quantize(CENT):
        raise ValueError(f"{name} must have at most 2 decimals, got {result}")
    return result


def _day(name: str, value: object) -> date:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise TypeError(f"{name} must be a datetime.date (not a datetime), got {value!r}")
    return value


# --------------------------------------------------------------------------- rounding


def _round_half_up_cents(exact: Fraction) -> Decimal:
    """Round an exact amount to 2 decimals, half up (ties away from zero).

    This is the one rounding of the module: the penalty of an invoice, once per calculation.
    (A private helper on purpose: the shared money helpers live elsewhere.)
    """
    cents = exact * 100
    magnitude = (abs(cents.numerator) * 2 + cents.denominator) // (2 * cents.denominator)
    rounded = -magnitude if cents < 0 else magnitude
    return Decimal(f"{rounded}E-2")  # exact: an integer number of cents


def _display(exact: Fraction) -> Decimal:
    """The exact value shown as a Decimal (28 significant digits), not rounded to cents."""
    with localcontext(_DISPLAY_CONTEXT):
        return Decimal(exact.numerator) / Decimal(exact.denominator)


# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class RatePeriod:
    """The reference annual rate (in % a year) in force from `valid_from` until the next period."""

    valid_from: date
    annual_rate_pct: Decimal

    def __post_init__(self) -> None:
        _day("RatePeriod.valid_from", self.valid_from)
        object.__setattr__(self, "annual_rate_pct", _decimal("RatePeriod.annual_rate_pct", self.annual_rate_pct))


@dataclass(frozen=True)
class PenaltyTerms:
    """The contract's late-payment terms.

    rate of a day = reference rate in force that day + `margin_pct` (floored at 0 %);
    `reference_rates` are kept sorted by `valid_from` (as a tuple);
    `minimum_amount`: the smallest penalty difference worth a penalty invoice;
    `interest_on_payment_day`: see rule 2 of the module docstring.
    """

    reference_rates: Sequence[RatePeriod]
    margin_pct: Decimal
    day_count: DayCount
    minimum_amount: Decimal = ZERO
    interest_on_payment_day: bool = True

    def __post_init__(self) -> None:
        rates = tuple(self.reference_rates)
        if not rates:
            raise ValueError("PenaltyTerms.reference_rates is empty: at least one RatePeriod is needed")
        for rate in rates:
            if not isinstance(rate, RatePeriod):
                raise TypeError(f"PenaltyTerms.reference_rates must hold RatePeriod, got {rate!r}")
        rates = tuple(sorted(rates, key=lambda r: r.valid_from))
        for earlier, later in zip(rates, rates[1:]):
            if earlier.valid_from == later.valid_from:
                raise ValueError(f"two reference rates are valid from {later.valid_from}")
        object.__setattr__(self, "reference_rates", rates)
        object.__setattr__(self, "margin_pct", _decimal("PenaltyTerms.margin_pct", self.margin_pct))
        if self.day_count not in get_args(DayCount):
            raise ValueError(f"PenaltyTerms.day_count must be one of {get_args(DayCount)}, got {self.day_count!r}")
        object.__setattr__(self, "minimum_amount", _amount("PenaltyTerms.minimum_amount", self.minimum_amount))
        if not isinstance(self.interest_on_payment_day, bool):
            raise TypeError("PenaltyTerms.interest_on_payment_day must be a bool")

    @classmethod
    def fixed_rate(
        cls,
        annual_rate_pct: Decimal,
        day_count: DayCount,
        minimum_amount: Decimal = ZERO,
        interest_on_payment_day: bool = True,
    ) -> PenaltyTerms:
        """Terms with one annual rate for every day (no reference rate, no margin)."""
        return cls(
            reference_rates=[RatePeriod(date.min, annual_rate_pct)],
            margin_pct=Decimal(0),
            day_count=day_count,
            minimum_amount=minimum_amount,
            interest_on_payment_day=interest_on_payment_day,
        )

    def reference_rate_on(self, day: date) -> Decimal:
        """The reference rate in force on `day` (ValueError when none is)."""
        in_force: RatePeriod | None = None
        for period in self.reference_rates:  # sorted by valid_from
            if period.valid_from > day:
                break
            in_force = period
        if in_force is None:
            raise ValueError(f"no reference rate is in force on {day} (the first starts {self.reference_rates[0].valid_from})")
        return in_force.annual_rate_pct

    def rate_on(self, day: date) -> Decimal:
        """The annual rate applied on `day`: reference rate + margin, never below 0 %."""
        return max(self.reference_rate_on(day) + self.margin_pct, Decimal(0))


@dataclass(frozen=True)
class Payment:
    """A payment received for the invoice on `paid_on`."""

    paid_on: date
    amount: Decimal

    def __post_init__(self) -> None:
        _day("Payment.paid_on", self.paid_on)
        object.__setattr__(self, "amount", _amount("Payment.amount", self.amount))


# --------------------------------------------------------------------------- outputs


@dataclass(frozen=True)
class PenaltySegment:
    """A run of days from `date_from` to `date_to` (both included) with one principal and one rate.

    `interest` = principal × annual_rate_pct × days / (100 × D), unrounded; split into
    `settled_interest` (on the part of the principal paid by the calculation date) and
    `running_interest` (on the part still unpaid).
    """

    date_from: date
    date_to: date
    days: int
    principal: Decimal
    reference_rate_pct: Decimal
    margin_pct: Decimal
    annual_rate_pct: Decimal
    day_count: DayCount
    interest: Decimal
    settled_interest: Decimal
    running_interest: Decimal


@dataclass(frozen=True)
class PenaltyResult:
    """Penalty interest of one invoice as of `as_of` (see rules 6 to 8 of the module docstring)."""

    due_date: date
    as_of: date
    gross_amount: Decimal
    unpaid: Decimal  # still unpaid at the end of as_of (0 when fully paid or overpaid)
    segments: tuple[PenaltySegment, ...]
    settled_interest: Decimal  # unrounded, final
    running_interest: Decimal  # unrounded, grows until paid
    total_interest: Decimal  # unrounded
    settled_penalty: Decimal  # round(settled_interest), half up, 2 decimals
    running_penalty: Decimal  # total_penalty − settled_penalty
    total_penalty: Decimal  # round(total_interest), half up, 2 decimals
    minimum_amount: Decimal = field(default=ZERO)

    @property
    def overdue_days(self) -> int:
        """Days that bore interest (something was unpaid): the sum of the segment days."""
        return sum(segment.days for segment in self.segments)


# --------------------------------------------------------------------------- calculation


def penalty_for_invoice(
    due_date: date,
    gross_amount: Decimal,
    payments: Sequence[Payment],
    terms: PenaltyTerms,
    as_of: date,
) -> PenaltyResult:
    """Penalty interest of an invoice as of `as_of`: settled (paid part) and running (unpaid part)."""
    _day("due_date", due_date)
    _day("as_of", as_of)
    gross = _amount("gross_amount", gross_amount)
    if not isinstance(terms, PenaltyTerms):
        raise TypeError(f"terms must be PenaltyTerms, got {type(terms).__name__}")
    for payment in payments:
        if not isinstance(payment, Payment):
            raise TypeError(f"payments must hold Payment, got {payment!r}")

    known = sorted((p for p in payments if p.paid_on <= as_of), key=lambda p: p.paid_on)
    unpaid_at_as_of = max(gross - sum((p.amount for p in known), Decimal(0)), Decimal(0))
    denominator = DAY_COUNT_DENOMINATORS[terms.day_count]

    # The first day on which each payment no longer bears interest (rule 2).
    shift = _ONE_DAY if terms.interest_on_payment_day else timedelta(0)
    reductions = [(p.paid_on + shift, p.amount) for p in known]

    first_day, last_day = due_date + _ONE_DAY, as_of
    breaks = {first_day}
    breaks.update(day for day, _ in reductions if first_day < day <= last_day)
    breaks.update(r.valid_from for r in terms.reference_rates if first_day < r.valid_from <= last_day)
    starts = sorted(breaks) if first_day <= last_day else []

    # (date_from, date_to, principal, reference rate) of each run, merged when unchanged.
    runs: list[tuple[date, date, Decimal, Decimal]] = []
    for index, start in enumerate(starts):
        end = starts[index + 1] - _ONE_DAY if index + 1 < len(starts) else last_day
        paid = sum((amount for day, amount in reductions if day <= start), Decimal(0))
        principal = max(gross - paid, Decimal(0))
        if principal == 0:
            continue
        reference = terms.reference_rate_on(start)
        if runs:
            prev_from, prev_to, prev_principal, prev_reference = runs[-1]
            if prev_to + _ONE_DAY == start and prev_principal == principal and prev_reference == reference:
                runs[-1] = (prev_from, end, principal, prev_reference)
                continue
        runs.append((start, end, principal, reference))

    segments: list[PenaltySegment] = []
    settled_total = Fraction(0)
    running_total = Fraction(0)
    for date_from, date_to, principal, reference in runs:
        rate = terms.rate_on(date_from)
        days = (date_to - date_from).days + 1
        per_unit = Fraction(rate) * days / (100 * denominator)  # interest on 1 unit of principal
        settled = Fraction(principal - unpaid_at_as_of) * per_unit
        running = Fraction(unpaid_at_as_of) * per_unit
        settled_total += settled
        running_total += running
        segments.append(
            PenaltySegment(
                date_from=date_from,
                date_to=date_to,
                days=days,
                principal=principal,
                reference_rate_pct=reference,
                margin_pct=terms.margin_pct,
                annual_rate_pct=rate,
                day_count=terms.day_count,
                interest=_display(settled + running),
                settled_interest=_display(settled),
                running_interest=_display(running),
            )
        )

    total_penalty = _round_half_up_cents(settled_total + running_total)
    settled_penalty = _round_half_up_cents(settled_total)
    return PenaltyResult(
        due_date=due_date,
        as_of=as_of,
        gross_amount=gross,
        unpaid=unpaid_at_as_of.quantize(CENT),
        segments=tuple(segments),
        settled_interest=_display(settled_total),
        running_interest=_display(running_total),
        total_interest=_display(settled_total + running_total),
        settled_penalty=settled_penalty,
        running_penalty=total_penalty - settled_penalty,
        total_penalty=total_penalty,
        minimum_amount=terms.minimum_amount,
    )


def penalties_to_invoice(
    previous_invoiced: Decimal,
    result: PenaltyResult,
    *,
    include_running: bool = True,
) -> Decimal:
    """What a new penalty invoice charges for this invoice: the penalty minus what was already invoiced.

    Never negative; a difference below the terms' minimum amount is left for a later
    calculation (0 now). With `include_running=False` only the settled (final) penalty is
    charged, i.e. penalties are invoiced retroactively once the invoice is paid.
    """
    previous = _amount("previous_invoiced", previous_invoiced)
    if not isinstance(result, PenaltyResult):
        raise TypeError(f"result must be a PenaltyResult, got {type(result).__name__}")
    target = result.total_penalty if include_running else result.settled_penalty
    difference = target - previous
    if difference <= 0 or difference < result.minimum_amount:
        return ZERO
    return difference.quantize(CENT)
