"""The two markets of the sample portfolio: supplier company, time zone, currency rule and distributors."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from data.sample_portfolio.identifiers import bg_vat_number, ro_vat_number

BGN_PER_EUR = Decimal("1.95583")
EURO_CHANGEOVER_BG = date(2026, 1, 1)


@dataclass(frozen=True)
class Dso:
    """A distribution system operator and the identifier area digit it uses."""

    dso_id: str
    name: str
    market_code: str
    area_code: int


@dataclass(frozen=True)
class Market:
    """One market: the group's supplier company there and the market's rules."""

    code: str
    company_id: str
    legal_name: str
    vat_number: str
    timezone: str
    language: str
    dsos: tuple[Dso, ...]

    def currency_on(self, day: date) -> str:
        """Currency of prices and amounts on a date: RON in Romania; BGN, then EUR from 2026-01-01 in Bulgaria."""
        if self.code == "BG":
            return "EUR" if day >= EURO_CHANGEOVER_BG else "BGN"
        return "RON"


def bgn_to_eur(amount: Decimal, places: int = 6) -> Decimal:
    """Convert at the fixed rate 1.95583 BGN per EUR, rounded half up to `places` decimals."""
    return (amount / BGN_PER_EUR).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


RO = Market(
    code="RO",
    company_id="VB-RO",
    legal_name="Voltbill Energie România SRL",
    vat_number=ro_vat_number(41873265),
    timezone="Europe/Bucharest",
    language="ro",
    dsos=(
        Dso("RO-DSO-SUD", "Distribuție Energie Sud SA", "RO", 5),
        Dso("RO-DSO-VEST", "Rețele Electrice Vest SA", "RO", 2),
    ),
)
BG = Market(
    code="BG",
    company_id="VB-BG",
    legal_name="Voltbill Energy Bulgaria EAD",
    vat_number=bg_vat_number(20631547),
    timezone="Europe/Sofia",
    language="bg",
    dsos=(
        Dso("BG-DSO-SEVER", "Elektrorazpredelenie Sever AD", "BG", 4),
        Dso("BG-DSO-YUG", "Elektrorazpredelenie Yug EAD", "BG", 1),
    ),
)
MARKETS: tuple[Market, ...] = (RO, BG)
MARKETS_BY_CODE: dict[str, Market] = {m.code: m for m in MARKETS}
DSOS: tuple[Dso, ...] = tuple(d for m in MARKETS for d in m.dsos)
DSOS_BY_ID: dict[str, Dso] = {d.dso_id: d for d in DSOS}
