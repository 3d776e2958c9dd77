"""Rows of the supplier's own master-data files: companies, locations and contracts."""

from __future__ import annotations

from typing import Iterator

from data.sample_portfolio.formatting import decimal_text
from data.sample_portfolio.portfolio import Portfolio


def company_rows(portfolio: Portfolio) -> Iterator[list[str]]:
    for market in portfolio.markets:
        yield [market.company_id, market.legal_name, market.code, market.timezone, market.vat_number]


def location_rows(portfolio: Portfolio) -> Iterator[list[str]]:
    for loc in portfolio.locations:
        yield [loc.location_id, loc.company_id, loc.parent_location_id, loc.location_type, loc.name, loc.address, loc.city]


def contract_rows(portfolio: Portfolio) -> Iterator[list[str]]:
    for c in sorted(portfolio.contracts, key=lambda c: (c.contract_id, c.addendum_number)):
        yield [
            c.contract_id,
            str(c.addendum_number),
            c.company_id,
            c.customer_id,
            c.product_code,
            decimal_text(c.energy_price_per_kwh, 6),
            c.currency,
            decimal_text(c.ordered_monthly_kwh, 3),
            decimal_text(c.tolerance_pct, 2),
            c.effective_from.isoformat(),
            c.effective_to.isoformat() if c.effective_to else "",
            c.signed_date.isoformat(),
            c.invoice_language,
            c.invoice_email,
            str(c.payment_terms_days),
        ]
