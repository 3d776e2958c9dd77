"""The rounding rule of rated amounts: how a CDR's net amount and VAT per price component are rounded.

The seed's example rounds the net amount up to the cent (57.344 kWh × 0.33 = 18.92352 → 18.93)
and then the VAT (18.93 × 19 % = 3.5967 → 3.60). The default is therefore `up` for net amounts
and `half_up` for VAT (3.5967 gives 3.60 either way; half up is what EN 16931 does with VAT).
Each CPO subsidiary can choose otherwise (`cpo_subsidiaries` seed). Rounding is applied to the
absolute value, so a credit CDR is exactly the negative of the CDR it reverses.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, ROUND_UP, Decimal

ROUNDING_MODES: dict[str, str] = {"up": ROUND_UP, "half_up": ROUND_HALF_UP, "half_even": ROUND_HALF_EVEN, "down": ROUND_DOWN}


@dataclass(frozen=True)
class RoundingRule:
    """How amounts are rounded: mode names from `ROUNDING_MODES`, `decimals` places."""

    net: str = "up"
    vat: str = "half_up"
    decimals: int = 2

    def __post_init__(self) -> None:
        for name in (self.net, self.vat):
            if name not in ROUNDING_MODES:
                raise ValueError(f"unknown rounding mode {name!r}: expected one of {', '.join(ROUNDING_MODES)}")
        if not 0 <= self.decimals <= 6:
            raise ValueError(f"decimals must be between 0 and 6, got {self.decimals}")

        object.__setattr__(self, "_exponent", Decimal(1).scaleb(-self.decimals))
        object.__setattr__(self, "_net_mode", ROUNDING_MODES[self.net])
        object.__setattr__(self, "_vat_mode", ROUNDING_MODES[self.vat])

    @property
    def exponent(self) -> Decimal:
        return self._exponent  # type: ignore[attr-defined]

    def round_net(self, amount: Decimal) -> Decimal:
        """The net amount of one price component, rounded (non-negative input)."""
        return amount.quantize(self._exponent, rounding=self._net_mode)  # type: ignore[attr-defined]

    def round_vat(self, amount: Decimal) -> Decimal:
        """The VAT of one price component, rounded (non-negative input)."""
        return amount.quantize(self._exponent, rounding=self._vat_mode)  # type: ignore[attr-defined]


SEED_ROUNDING = RoundingRule()
