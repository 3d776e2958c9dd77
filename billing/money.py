"""Money primitives for billing: exact decimal conversion and the named roundings.

Money is never a binary float (0.1 + 0.2 != 0.3 in binary): every amount, price and
quantity is a `decimal.Decimal`, and `to_decimal` refuses floats outright.

Rounding happens only where a function below is called, and is always ROUND_HALF_UP,
which `decimal` implements as "ties away from zero": 2.345 -> 2.35 and -2.345 -> -2.35.
Being symmetric, it makes round(-x) == -round(x), so a credit note is exactly the negative
of the invoice it reverses.

- `round_amount`: 2 decimals, for every monetary amount (line nets, VAT, totals);
- `round_unit_price`: 6 decimals, for unit prices;
- `round_quantity`: 3 decimals by default, for quantities (kWh, kvarh, MWh ...).

The results do not depend on the caller's thread-local decimal context (its precision or
rounding mode): rounding uses its own context, and `exact_product` / `exact_sum` compute
with a context that raises `decimal.Inexact` rather than round silently.

All currencies supported so far (RON, BGN, EUR) have 2 minor-unit digits, so
`round_amount` is fixed at 2 decimals; `minor_units` names that fact per currency.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Context, Decimal, DivisionByZero, Inexact, InvalidOperation, Overflow

AMOUNT_PLACES = 2
UNIT_PRICE_PLACES = 6
QUANTITY_PLACES = 3

# ISO 4217 minor units of the currencies Voltbill bills in.
MINOR_UNITS: dict[str, int] = {"RON": 2, "BGN": 2, "EUR": 2}

# Rounding context: plenty of precision so quantize never fails on a realistic value.
_ROUNDING = Context(prec=100, rounding=ROUND_HALF_UP, traps=[InvalidOperation, DivisionByZero, Overflow])
# Exact arithmetic: any result that would need rounding raises decimal.Inexact instead.
_EXACT = Context(prec=100, traps=[InvalidOperation, DivisionByZero, Overflow, Inexact])


def to_decimal(value: int | str | Decimal, field: str = "value") -> Decimal:
    """`value` as a finite Decimal; int, str or Decimal only.

    Floats are refused with a TypeError (use a string such as "0.1" instead), and so are
    bools; a string that is not a number, and NaN or infinity, are refused with a ValueError.
    `field` names the value in the error message.
    """
    if isinstance(value, float):
        raise TypeError(
            f"{field} must be a Decimal, int or str, not float ({value!r}): binary floats cannot hold "
            f"money exactly; pass a string such as {str(value)!r} or a Decimal"
        )
    if isinstance(value, bool) or not isinstance(value, (int, str, Decimal)):
        raise TypeError(f"{field} must be a Decimal, int or str, not {type(value).__name__} ({value!r})")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    else:
        try:
            result = Decimal(value.strip())
        except InvalidOperation:
            raise ValueError(f"{field} is not a decimal number: {value!r} (use '.' as the decimal separator)") from None
    if not result.is_finite():
        raise ValueError(f"{field} must be a finite number, not {value!r}")
    return result


def _round(value: int | str | Decimal, places: int, field: str) -> Decimal:
    if isinstance(places, bool) or not isinstance(places, int) or places < 0:
        raise ValueError(f"places must be a non-negative int, not {places!r}")
    result = to_decimal(value, field).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP, context=_ROUNDING)
    # -0.004 rounds to -0.00; show it as 0.00 so no document ever prints a negative zero.
    return result.copy_abs() if result.is_zero() else result


def round_amount(value: int | str | Decimal) -> Decimal:
    """Monetary amount rounded half up to 2 decimals (the result always has exponent -2)."""
    return _round(value, AMOUNT_PLACES, "amount")


def round_unit_price(value: int | str | Decimal) -> Decimal:
    """Unit price rounded half up to 6 decimals."""
    return _round(value, UNIT_PRICE_PLACES, "unit price")


def round_quantity(value: int | str | Decimal, places: int = QUANTITY_PLACES) -> Decimal:
    """Quantity rounded half up to `places` decimals (3 by default, e.g. kWh to the Wh)."""
    return _round(value, places, "quantity")


def decimal_places(value: Decimal) -> int:
    """Number of decimals the value needs (trailing zeros do not count): 1.2300 -> 2, 100 -> 0."""
    if value.is_zero():
        return 0
    exponent = value.normalize(_EXACT).as_tuple().exponent
    assert isinstance(exponent, int)  # finite values only
    return max(0, -exponent)


def exact_product(a: Decimal, b: Decimal) -> Decimal:
    """a × b without any rounding (raises decimal.Inexact if that were impossible)."""
    return _EXACT.multiply(a, b)


def exact_sum(values: Iterable[Decimal], start: Decimal = Decimal("0.00")) -> Decimal:
    """Σ values without any rounding; `start` (0.00) keeps the sum of no amounts at 2 decimals."""
    total = start
    for value in values:
        total = _EXACT.add(total, value)
    return total


def percent_of(amount: Decimal, rate_pct: Decimal) -> Decimal:
    """amount × rate / 100, exact (unrounded): round it with `round_amount` where it becomes money."""
    return _EXACT.divide(exact_product(amount, rate_pct), Decimal(100))


def minor_units(currency: str) -> int:
    """Decimal digits of the currency's minor unit (2 for RON, BGN, EUR); ValueError if unsupported."""
    try:
        return MINOR_UNITS[currency]
    except KeyError:
        raise ValueError(f"currency {currency!r} is not supported; supported: {', '.join(sorted(MINOR_UNITS))}") from None
