"""Text forms of values in partner files: fixed-point decimals from integers (one or whole arrays) or
Decimals, half-up rounding."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Sequence

import numpy as np


def thousandths(value: int) -> str:
    """An integer number of thousandths as a decimal with 3 places: 12500 -> `12.500`."""
    sign = "-" if value < 0 else ""
    magnitude = abs(int(value))
    return f"{sign}{magnitude // 1000}.{magnitude % 1000:03d}"


def hundredths(value: int) -> str:
    """An integer number of hundredths as a decimal with 2 places: -125 -> `-1.25`."""
    sign = "-" if value < 0 else ""
    magnitude = abs(int(value))
    return f"{sign}{magnitude // 100}.{magnitude % 100:02d}"


def round_half_up(value: Decimal, places: int) -> Decimal:
    """Round a Decimal half up (away from zero on ties) to `places` decimals."""
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def decimal_text(value: Decimal, places: int) -> str:
    """A Decimal with exactly `places` decimals (rounded half up), never in exponent form."""
    return format(round_half_up(value, places), "f")


def scaled_decimal(value: int, places: int) -> Decimal:
    """An integer number of 10^-places units as an exact Decimal."""
    return Decimal(int(value)).scaleb(-places)


def fixed_point_texts(values: np.ndarray | Sequence[int], places: int) -> list[str]:
    """Integers in 10^-places units as decimals with exactly `places` places, for whole arrays at once."""
    integers = np.asarray(values, dtype=np.int64)
    scale = 10**places
    magnitude = np.abs(integers)
    whole, fraction = np.divmod(magnitude, scale)
    signs = np.where(integers < 0, "-", "").tolist()
    return [f"{s}{w}.{f:0{places}d}" for s, w, f in zip(signs, whole.tolist(), fraction.tolist())]
