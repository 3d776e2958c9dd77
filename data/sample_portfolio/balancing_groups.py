"""The balancing groups of the sample portfolio (the `balancing_groups` dbt seed) and which points belong to each.

Romania has two groups (households; commercial and industrial), Bulgaria one for all points.
Groups are listed per market in a fixed order; a group's position in that list is its row in
the per-market arrays of the settlement and procurement modules.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

import numpy as np

if TYPE_CHECKING:
    from data.sample_portfolio.portfolio import MeteringPoint


@dataclass(frozen=True)
class BalancingGroup:
    """A balancing group: its code, EIC and the customer classes of its members (None: every class)."""

    group_id: str
    company_id: str
    market_code: str
    eic: str
    customer_classes: tuple[str, ...] | None

    def has(self, point: "MeteringPoint") -> bool:
        return point.market_code == self.market_code and (
            self.customer_classes is None or point.customer_class in self.customer_classes
        )


BALANCING_GROUPS: tuple[BalancingGroup, ...] = (
    BalancingGroup("VB-RO-HH", "VB-RO", "RO", "30XVB-RO-HH----K", ("household",)),
    BalancingGroup("VB-RO-CI", "VB-RO", "RO", "30XVB-RO-CI----C", ("commercial", "industrial")),
    BalancingGroup("VB-BG-ALL", "VB-BG", "BG", "32XVB-BG-ALL---Q", None),
)


def groups_of_market(market_code: str) -> tuple[BalancingGroup, ...]:
    """The groups of one market, in their fixed order."""
    return tuple(g for g in BALANCING_GROUPS if g.market_code == market_code)


def group_index(points: Sequence["MeteringPoint"], market_code: str) -> np.ndarray:
    """(len(points),) index of each point's group among `groups_of_market(market_code)`."""
    groups = groups_of_market(market_code)
    index = np.empty(len(points), dtype=np.int64)
    for i, point in enumerate(points):
        index[i] = next(k for k, group in enumerate(groups) if group.has(point))
    return index
