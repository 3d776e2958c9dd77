"""Distributors' network fee tariffs and the fee lines of one metering-point-month (exact Decimal money)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from data.sample_portfolio.formatting import round_half_up
from data.sample_portfolio.markets import DSOS_BY_ID, MARKETS_BY_CODE, bgn_to_eur
from data.sample_portfolio.timegrid import Month

FEE_CODES: tuple[str, ...] = ("distribution", "transmission", "system_services", "capacity")
RO_TARIFF_UPDATE = Month(2026, 1)  # regulator's yearly update of RO distribution tariffs
RO_DISTRIBUTION_UPDATE_FACTOR = Decimal("1.045")
_D = Decimal

# Unit prices in the market's pre-euro currency: per kWh, capacity per kW and month (MV/HV only).
TARIFFS: dict[str, dict[str, dict[str, Decimal]]] = {
    "RO-DSO-SUD": {
        "distribution": {"LV": _D("0.228415"), "MV": _D("0.081243"), "HV": _D("0.021050")},
        "transmission": {"LV": _D("0.029730"), "MV": _D("0.029730"), "HV": _D("0.029730")},
        "system_services": {"LV": _D("0.010040"), "MV": _D("0.010040"), "HV": _D("0.010040")},
        "capacity": {"MV": _D("4.125000"), "HV": _D("2.950000")},
    },
    "RO-DSO-VEST": {
        "distribution": {"LV": _D("0.201937"), "MV": _D("0.075118"), "HV": _D("0.019874")},
        "transmission": {"LV": _D("0.029730"), "MV": _D("0.029730"), "HV": _D("0.029730")},
        "system_services": {"LV": _D("0.010040"), "MV": _D("0.010040"), "HV": _D("0.010040")},
        "capacity": {"MV": _D("3.870000"), "HV": _D("2.715000")},
    },
    "BG-DSO-SEVER": {
        "distribution": {"LV": _D("0.054210"), "MV": _D("0.021450"), "HV": _D("0.004120")},
        "transmission": {"LV": _D("0.012340"), "MV": _D("0.012340"), "HV": _D("0.012340")},
        "system_services": {"LV": _D("0.007890"), "MV": _D("0.007890"), "HV": _D("0.007890")},
        "capacity": {"MV": _D("2.345000"), "HV": _D("1.876000")},
    },
    "BG-DSO-YUG": {
        "distribution": {"LV": _D("0.049870"), "MV": _D("0.019820"), "HV": _D("0.004120")},
        "transmission": {"LV": _D("0.012340"), "MV": _D("0.012340"), "HV": _D("0.012340")},
        "system_services": {"LV": _D("0.007890"), "MV": _D("0.007890"), "HV": _D("0.007890")},
        "capacity": {"MV": _D("2.512000"), "HV": _D("1.876000")},
    },
}


@dataclass(frozen=True)
class FeeLine:
    """One row of a network fee file: amount = round_half_up(quantity x unit_price, 2)."""

    fee_code: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    amount: Decimal
    currency: str


def unit_price(dso_id: str, fee_code: str, voltage_level: str, month: Month) -> tuple[Decimal, str]:
    """Price per unit and currency in a month: RON (distribution updated from 2026-01); BGN, EUR from 2026-01."""
    dso = DSOS_BY_ID[dso_id]
    price = TARIFFS[dso_id][fee_code][voltage_level]
    currency = MARKETS_BY_CODE[dso.market_code].currency_on(month.first_day)
    if dso.market_code == "RO" and fee_code == "distribution" and month >= RO_TARIFF_UPDATE:
        price = round_half_up(price * RO_DISTRIBUTION_UPDATE_FACTOR, 6)
    if currency == "EUR":
        price = bgn_to_eur(price)
    return price, currency


def fee_lines(dso_id: str, voltage_level: str, capacity_kw: Decimal, energy_kwh: Decimal, month: Month) -> list[FeeLine]:
    """The month's fee lines of a metering point: energy-based fees, plus capacity for MV/HV."""
    lines: list[FeeLine] = []
    for code in FEE_CODES:
        if code == "capacity" and voltage_level == "LV":
            continue
        quantity, unit = (capacity_kw, "kW") if code == "capacity" else (energy_kwh, "kWh")
        price, currency = unit_price(dso_id, code, voltage_level, month)
        lines.append(FeeLine(code, quantity, unit, price, round_half_up(quantity * price, 2), currency))
    return lines
