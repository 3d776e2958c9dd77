"""Time-of-use tariff zones of the distributors, by local hour of the interval start.

`TARIFF_ZONES` is the single table; the dbt seed `tariff_zones` holds the same rows and a
test compares them. Each row is `(market_code, tariff_zone, from_hour, to_hour_exclusive)`
with `to_hour` 24 for midnight, ordered by market and hour; together the rows of a market
cover each hour exactly once.
"""

from __future__ import annotations

import numpy as np

TARIFF_ZONES: tuple[tuple[str, str, int, int], ...] = (
    ("RO", "night", 0, 7),
    ("RO", "day", 7, 23),
    ("RO", "night", 23, 24),
    ("BG", "night", 0, 7),
    ("BG", "day", 7, 8),
    ("BG", "peak", 8, 11),
    ("BG", "day", 11, 19),
    ("BG", "peak", 19, 22),
    ("BG", "day", 22, 23),
    ("BG", "night", 23, 24),
)


def zones_of_market(market_code: str) -> tuple[str, ...]:
    """The zones a market uses, in alphabetical order (the order rows are written in)."""
    return tuple(sorted({zone for market, zone, _, _ in TARIFF_ZONES if market == market_code}))


def zone_index_by_hour(market_code: str) -> np.ndarray:
    """For local hours 0..23, the index of the hour's zone in `zones_of_market(market_code)`."""
    zones = zones_of_market(market_code)
    by_hour = np.full(24, -1, dtype=np.int64)
    for market, zone, from_hour, to_hour in TARIFF_ZONES:
        if market == market_code:
            by_hour[from_hour:to_hour] = zones.index(zone)
    if (by_hour < 0).any():
        raise ValueError(f"tariff zones of {market_code} do not cover every hour")
    return by_hour
