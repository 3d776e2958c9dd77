"""Rows of the exchange's and the TSO's CSV price files: day-ahead and imbalance prices per 15-minute interval."""

from __future__ import annotations

import numpy as np

from data.sample_portfolio.formatting import fixed_point_texts
from data.sample_portfolio.timegrid import MonthGrid

SINGLE_PRICE = "single"


def day_ahead_rows(
    market_code: str, grid: MonthGrid, slots: np.ndarray, cents: np.ndarray, currencies: np.ndarray
) -> list[list[str]]:
    """`market_code, period_start, period_minutes, price_per_mwh, currency` for the given grid slots."""
    slots = np.asarray(slots)
    prices = fixed_point_texts(cents[slots], 2)
    return [
        [market_code, iso, "15", price, currency]
        for iso, price, currency in zip(grid.iso[slots].tolist(), prices, currencies[slots].tolist())
    ]


def imbalance_rows(market_code: str, grid: MonthGrid, cents: np.ndarray, currencies: np.ndarray) -> list[list[str]]:
    """`market_code, period_start, period_minutes, price_category, price_per_mwh, currency`, single pricing."""
    return [
        [market_code, iso, "15", SINGLE_PRICE, price, currency]
        for iso, price, currency in zip(grid.iso.tolist(), fixed_point_texts(cents, 2), currencies.tolist())
    ]
