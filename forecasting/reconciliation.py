"""Make group forecasts add up: bottom-up reconciliation with the group model's own band.

A group (company, balancing group, customer class within a company) has two forecasts: the
sum of its members' forecasts, and a forecast of the group's own aggregated history (its
"direct" forecast, where slower models such as Prophet can pay off). The purchase plan must
equal the sum of what is forecast per metering point, otherwise the company's nomination and
the customers' allocations disagree, so the reconciled median is **bottom-up**:

    P50(group) = Σ P50(member)

Quantiles do not add (the sum of members' P90 assumes they are all high together), so the
group's band comes from the direct model's spread around its own median, moved to the
bottom-up median:

    P10(group) = P50(group) − (P50_direct − P10_direct),  P90 likewise

When the direct forecast is missing the band is the sum of the members' bands (an upper bound
on the spread). The direct median is kept next to the reconciled one, so the gap between
top-down and bottom-up is visible per period.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

PERIOD = "period_start_utc"


def bottom_up(members: pd.DataFrame, direct: pd.DataFrame | None) -> pd.DataFrame:
    """Reconcile one group. `members` has one row per member and period (p10, p50, p90, NaN
    where a member has no forecast); `direct` has the group's own p10/p50/p90 per period.

    Returns per period: p10, p50, p90, direct_p50, members_count, members_without_forecast.
    """
    grouped = members.groupby(PERIOD, sort=True)
    result = pd.DataFrame(
        {
            "p50": grouped["p50"].sum(min_count=0),
            "members_count": grouped["p50"].size(),
            "members_without_forecast": grouped["p50"].apply(lambda values: int(values.isna().sum())),
            "member_p10": grouped["p10"].sum(min_count=0),
            "member_p90": grouped["p90"].sum(min_count=0),
        }
    )
    if direct is not None and not direct.empty:
        aligned = direct.set_index(PERIOD).reindex(result.index)
        low_spread = (aligned["p50"] - aligned["p10"]).to_numpy()
        high_spread = (aligned["p90"] - aligned["p50"]).to_numpy()
        result["direct_p50"] = aligned["p50"].to_numpy()
    else:
        low_spread = high_spread = np.full(len(result), np.nan)
        result["direct_p50"] = np.nan
    member_low = (result["p50"] - result["member_p10"]).to_numpy()
    member_high = (result["member_p90"] - result["p50"]).to_numpy()
    result["p10"] = result["p50"] - np.where(np.isnan(low_spread), member_low, low_spread)
    result["p90"] = result["p50"] + np.where(np.isnan(high_spread), member_high, high_spread)
    result["p10"] = np.maximum(result["p10"], 0.0)
    return result.drop(columns=["member_p10", "member_p90"]).reset_index()
