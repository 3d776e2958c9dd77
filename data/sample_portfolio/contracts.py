"""Supply contracts and their addenda: the original terms, price changes and the Bulgarian euro changeover."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Sequence

import numpy as np

from data.sample_portfolio.markets import EURO_CHANGEOVER_BG, MARKETS_BY_CODE, bgn_to_eur
from data.sample_portfolio.timegrid import Month

MICRO = Decimal("0.000001")
PRICE_CHANGE_SHARE = 0.20
FIXED_TERM_SHARE = 0.25

# Energy price ranges per kWh in the market's pre-euro currency, in millionths: (low, high).
PRICE_RANGES: dict[tuple[str, str], tuple[int, int]] = {
    ("RO", "household"): (620_000, 780_000),
    ("RO", "commercial"): (550_000, 720_000),
    ("RO", "industrial"): (480_000, 620_000),
    ("BG", "household"): (190_000, 260_000),
    ("BG", "commercial"): (240_000, 330_000),
    ("BG", "industrial"): (210_000, 290_000),
}
INDEX_MARGINS: dict[str, tuple[int, int]] = {"RO": (15_000, 60_000), "BG": (4_000, 20_000)}
PRODUCTS: dict[str, tuple[tuple[str, ...], tuple[float, ...]]] = {
    "household": (("FIX", "TOU"), (0.8, 0.2)),
    "commercial": (("FIX", "TOU", "INDEX"), (0.5, 0.3, 0.2)),
    "industrial": (("INDEX", "FIX", "TOU"), (0.6, 0.3, 0.1)),
}


@dataclass(frozen=True)
class ContractAddendum:
    """One row of the contracts file: the terms valid from `effective_from`."""

    contract_id: str
    addendum_number: int
    company_id: str
    customer_id: str
    product_code: str
    energy_price_per_kwh: Decimal
    currency: str
    ordered_monthly_kwh: Decimal
    tolerance_pct: Decimal
    effective_from: date
    effective_to: date | None
    signed_date: date
    invoice_language: str
    invoice_email: str
    payment_terms_days: int


@dataclass(frozen=True)
class ContractTerms:
    """What a customer's contract needs to know about the customer."""

    contract_id: str
    company_id: str
    customer_id: str
    market_code: str
    customer_class: str
    expected_monthly_kwh: float
    supply_start: date
    invoice_language: str
    invoice_email: str
    payment_terms_days: int


def _micro(value: int) -> Decimal:
    return Decimal(value).scaleb(-6).quantize(MICRO)


def _scale_price(price: Decimal, factor: float) -> Decimal:
    return (price * Decimal(str(round(factor, 4)))).quantize(MICRO, rounding=ROUND_HALF_UP)


def build_contract(terms: ContractTerms, months: Sequence[Month], rng: np.random.Generator) -> list[ContractAddendum]:
    """Addendum 0, maybe a price change from a month start, and for BG the euro changeover on 2026-01-01."""
    market = MARKETS_BY_CODE[terms.market_code]
    products, weights = PRODUCTS[terms.customer_class]
    product = products[int(rng.choice(len(products), p=weights))]
    low, high = (
        INDEX_MARGINS[terms.market_code] if product == "INDEX" else PRICE_RANGES[(terms.market_code, terms.customer_class)]
    )
    price = _micro(int(rng.integers(low, high)))
    currency = market.currency_on(terms.supply_start)
    if terms.market_code == "BG" and currency == "EUR":
        price = bgn_to_eur(price)
    ordered = Decimal(int(round(terms.expected_monthly_kwh * rng.uniform(0.92, 1.08)))).quantize(Decimal("0.001"))
    tolerance = Decimal(20 if terms.customer_class == "household" else int(rng.choice([10, 15, 20]))).quantize(Decimal("0.01"))
    effective_to = None
    if rng.random() < FIXED_TERM_SHARE:
        effective_to = date(months[-1].year + 1, 12, 31)
    first = ContractAddendum(
        contract_id=terms.contract_id,
        addendum_number=0,
        company_id=terms.company_id,
        customer_id=terms.customer_id,
        product_code=product,
        energy_price_per_kwh=price,
        currency=currency,
        ordered_monthly_kwh=ordered,
        tolerance_pct=tolerance,
        effective_from=terms.supply_start,
        effective_to=effective_to,
        signed_date=terms.supply_start - timedelta(days=int(rng.integers(7, 46))),
        invoice_language=terms.invoice_language,
        invoice_email=terms.invoice_email,
        payment_terms_days=terms.payment_terms_days,
    )

    # Events after the start, applied in date order: ("price", day, factor, ordered factor) or ("euro", day).
    events: list[tuple[date, str, float, float]] = []
    candidates = [m.first_day for m in months[1:] if m.first_day > terms.supply_start]
    if terms.market_code == "BG":
        candidates = [d for d in candidates if d != EURO_CHANGEOVER_BG]
    wants_change = rng.random() < PRICE_CHANGE_SHARE
    change_index = int(rng.integers(len(candidates))) if candidates else 0
    price_factor, ordered_factor = float(rng.uniform(0.94, 1.12)), float(rng.uniform(0.95, 1.05))
    if wants_change and candidates:
        events.append((candidates[change_index], "price", price_factor, ordered_factor))
    spans_changeover = terms.supply_start < EURO_CHANGEOVER_BG and (effective_to is None or effective_to >= EURO_CHANGEOVER_BG)
    if terms.market_code == "BG" and spans_changeover:
        events.append((EURO_CHANGEOVER_BG, "euro", 1.0, 1.0))
    addenda = [first]
    current = first
    for day, kind, factor, ordered_by in sorted(events):
        if kind == "euro":
            signed = max(first.signed_date + timedelta(days=1), date(2025, 11, 3) + timedelta(days=int(rng.integers(0, 40))))
            current = replace(
                current,
                addendum_number=len(addenda),
                energy_price_per_kwh=bgn_to_eur(current.energy_price_per_kwh),
                currency="EUR",
                effective_from=day,
                signed_date=signed,
            )
        else:
            current = replace(
                current,
                addendum_number=len(addenda),
                energy_price_per_kwh=_scale_price(current.energy_price_per_kwh, factor),
                ordered_monthly_kwh=(current.ordered_monthly_kwh * Decimal(str(round(ordered_by, 4))))
                .quantize(Decimal("1"), rounding=ROUND_HALF_UP)
                .quantize(Decimal("0.001")),
                effective_from=day,
                signed_date=day - timedelta(days=int(rng.integers(20, 41))),
            )
        addenda.append(current)
    return addenda
