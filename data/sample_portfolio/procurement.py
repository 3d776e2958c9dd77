"""Procurement results per balancing group: bilateral baseload schedules and exchange trades.

For every delivery day up to `last procured day` (the period's last three days are "not yet
recorded", so the pipeline falls back to the purchase plan there):

* one baseload bilateral contract per group and month, hourly rows of a flat volume of about
  60 % of the group's mean true hourly load of the month, priced a little below the month's
  mean day-ahead price;
* day-ahead trades per 15-minute MTU: a noisy forecast of the group's true quarter-hour load
  (true x (1 + N(0, 4 %))) minus the bilateral quarter, as a buy (positive) or sell (negative),
  at the MTU's day-ahead price, executed at 13:05 local the day before delivery;
* a few intraday trades per group and day (0-2, on the MTUs from 06:00 with the largest gap
  between the position and the true load) that close that gap, at the day-ahead price plus
  (buy) or minus (sell) a spread, executed 1-4 hours before delivery on the same day.

Volumes are integers in kWh (the file's 3 decimals of MWh), in lots of 0.1 MWh for groups with
a mean quarter-hour load of at least 0.5 MWh, else of 0.001 MWh so that a small sample portfolio
still has a plausible position. Prices are integer cents.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import numpy as np

from data.sample_portfolio.formatting import fixed_point_texts, hundredths, thousandths
from data.sample_portfolio.market_prices import MARKET_KEYS, currency_rates, day_bounds, to_cents
from data.sample_portfolio.markets import Market
from data.sample_portfolio.randomness import stream
from data.sample_portfolio.settlement import GroupLoad
from data.sample_portfolio.timegrid import iso_local, local_time_utc

EXCHANGES: dict[str, str] = {"RO": "OPCOM", "BG": "IBEX"}
COUNTERPARTIES: dict[str, tuple[str, ...]] = {
    "RO": ("Carpați Energie Trading SRL", "Dunărea Power SA", "Transilvania Green Energy SRL"),
    "BG": ("Balkan Power Trading EOOD", "Rila Energy AD", "Black Sea Renewables EAD"),
}
NOT_RECORDED_DAYS = 3
BILATERAL_SHARE = 0.6
FORECAST_ERROR_SIGMA = 0.04
BILATERAL_DISCOUNT_BP = (100, 400)  # 1-4 % below the month's mean day-ahead price
LARGE_GROUP_QUARTER_KWH = 500  # from this mean quarter-hour load on, volumes are in 0.1 MWh lots
LARGE_LOT_KWH, SMALL_LOT_KWH = 100, 1
INTRADAY_PER_DAY = (0, 3)  # intraday trades per group and day: integers in [low, high)
INTRADAY_FIRST_HOUR = 6  # intraday trades deliver from 06:00 local, executed 1-4 h before, the same day
INTRADAY_LEAD_QUARTERS = (4, 17)
INTRADAY_SPREAD_EUR = (1.0, 12.0)
DA_GATE_CLOSURE_HOUR, DA_EXECUTION_SECONDS = 13, 300  # 13:05 local, the day before delivery


def last_procured_day(last_day_of_period: date) -> date:
    """The last delivery day with recorded procurement results."""
    return last_day_of_period - timedelta(days=NOT_RECORDED_DAYS)


def round_to_lot(kwh: np.ndarray, lot: int) -> np.ndarray:
    """Signed kWh to whole lots, half up (ties towards +infinity)."""
    return (np.floor(np.asarray(kwh, dtype=np.float64) / lot + 0.5) * lot).astype(np.int64)


@dataclass
class ProcurementMonth:
    """Rows of one market-month's bilateral and trade files, and what the truth records about them."""

    bilateral_rows: list[list[str]] = field(default_factory=list)
    trade_rows: list[list[str]] = field(default_factory=list)
    groups: list[dict[str, object]] = field(default_factory=list)


def procurement_month(
    seed: int,
    market: Market,
    load: GroupLoad,
    day_ahead: np.ndarray,
    currencies: np.ndarray,
    last_day: date,
) -> ProcurementMonth:
    """Bilateral schedules and exchange trades of every group of a market-month, up to `last_day`."""
    grid = load.grid
    result = ProcurementMonth()
    procured = grid.local_day <= np.datetime64(last_day, "D")
    if not procured.any():
        return result
    rng = stream(seed, "procurement", MARKET_KEYS[market.code], grid.month.ordinal)
    exchange = EXCHANGES[market.code]
    true_wh = load.quarter_wh / 4.0
    month_true_wh = load.month_true_wh()
    days = [(d, s, e) for d, s, e in day_bounds(grid) if d <= last_day]
    day_start = np.zeros(grid.slots, dtype=np.int64)
    day_stamp = np.empty(grid.slots, dtype=object)
    gate = np.zeros(grid.slots, dtype=np.int64)
    for day, start, end in day_bounds(grid):
        day_start[start:end] = start
        day_stamp[start:end] = day.strftime("%Y%m%d")
        gate[start:end] = local_time_utc(day - timedelta(days=1), DA_GATE_CLOSURE_HOUR, grid.timezone) + DA_EXECUTION_SECONDS
    executed_da = iso_local(gate, grid.timezone)
    mean_cents = Decimal(int(day_ahead.sum())) / grid.slots
    rates = currency_rates(currencies)
    hours = grid.interval_slots(60)

    for g, group in enumerate(load.groups):
        mean_quarter_kwh = float(month_true_wh[g]) / grid.slots / 1000.0
        lot = LARGE_LOT_KWH if mean_quarter_kwh >= LARGE_GROUP_QUARTER_KWH else SMALL_LOT_KWH
        hourly_kwh = int(round_to_lot(np.array([BILATERAL_SHARE * mean_quarter_kwh * 4]), lot)[0])
        discount_bp = int(rng.integers(*BILATERAL_DISCOUNT_BP))
        counterparty = COUNTERPARTIES[market.code][int(rng.integers(len(COUNTERPARTIES[market.code])))]
        contract_id = f"BL-{group.group_id}-{grid.month.label}"
        price = int((mean_cents * (10_000 - discount_bp) / 10_000).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        bilateral_hours = 0
        if hourly_kwh > 0:
            volume_text, price_text = thousandths(hourly_kwh), hundredths(price)
            for slot in hours[procured[hours]].tolist():
                result.bilateral_rows.append(
                    [contract_id, counterparty, market.code, group.eic, grid.iso[slot], "60", volume_text, price_text, currencies[slot]]
                )
                bilateral_hours += 1

        # Day-ahead: forecast minus the bilateral quarter, in lots; the sign gives the side.
        forecast_wh = true_wh[g] * (1.0 + rng.normal(0.0, FORECAST_ERROR_SIGMA, grid.slots))
        da_kwh = round_to_lot((forecast_wh - hourly_kwh * 1000 / 4) / 1000.0, lot)
        da_kwh[~procured] = 0
        traded = np.flatnonzero(da_kwh)
        volumes = da_kwh[traded]
        result.trade_rows.extend(
            [f"{exchange}-DA-{stamp}-{group.group_id}-{position:03d}", market.code, exchange, "day_ahead", group.eic,
             iso, "15", side, volume_text, price_text, currency, executed]
            for stamp, position, iso, side, volume_text, price_text, currency, executed in zip(
                day_stamp[traded].tolist(),
                (traded - day_start[traded] + 1).tolist(),
                grid.iso[traded].tolist(),
                np.where(volumes > 0, "buy", "sell").tolist(),
                fixed_point_texts(np.abs(volumes), 3),
                fixed_point_texts(day_ahead[traded], 2),
                currencies[traded].tolist(),
                executed_da[traded].tolist(),
            )
        )  # fmt: skip
        da_trades = len(traded)

        # Intraday: on a few MTUs a day, those with the largest gap, the position is closed to the true load.
        gap_kwh = (true_wh[g] - da_kwh * 1000 - hourly_kwh * 1000 / 4) / 1000.0
        intraday_trades = 0
        for day, start, end in days:
            candidates = np.flatnonzero(grid.local_hour[start:end] >= INTRADAY_FIRST_HOUR) + start
            wanted = int(rng.integers(*INTRADAY_PER_DAY))
            leads = rng.integers(*INTRADAY_LEAD_QUARTERS, size=wanted)
            spreads_eur = rng.uniform(*INTRADAY_SPREAD_EUR, size=wanted)
            largest = np.sort(candidates[np.argsort(-np.abs(gap_kwh[candidates]), kind="stable")[:wanted]])
            spreads = to_cents(spreads_eur[: len(largest)] * rates[largest]).tolist()
            number = 0
            for s, lead, spread in zip(largest.tolist(), leads.tolist(), spreads):
                volume = int(round_to_lot(np.array([gap_kwh[s]]), lot)[0])
                if volume == 0:
                    continue
                number += 1
                executed = grid.iso[s - lead]  # the grid is contiguous: `lead` quarter-hours earlier, the same day
                result.trade_rows.append(
                    [
                        f"{exchange}-ID-{day_stamp[s]}-{group.group_id}-{number:02d}",
                        market.code,
                        exchange,
                        "intraday",
                        group.eic,
                        grid.iso[s],
                        "15",
                        "buy" if volume > 0 else "sell",
                        thousandths(abs(volume)),
                        hundredths(int(day_ahead[s]) + (spread if volume > 0 else -spread)),
                        currencies[s],
                        executed,
                    ]
                )
                intraday_trades += 1

        result.groups.append(
            {
                "balancing_group_id": group.group_id,
                "month": grid.month.label,
                "lot_mwh": thousandths(lot),
                "bilateral_contract_id": contract_id if hourly_kwh > 0 else None,
                "bilateral_counterparty": counterparty if hourly_kwh > 0 else None,
                "bilateral_hourly_mwh": thousandths(hourly_kwh),
                "bilateral_price_per_mwh": hundredths(price) if hourly_kwh > 0 else None,
                "bilateral_hours": bilateral_hours,
                "day_ahead_trades": da_trades,
                "intraday_trades": intraday_trades,
            }
        )
    return result


def duplicate_one_row(rows: list[list[str]], rng: np.random.Generator) -> tuple[int, list[str]] | None:
    """Insert an exact copy of a random row right after it; returns the copy's 1-based file line and row."""
    if not rows:
        return None
    index = int(rng.integers(len(rows)))
    rows.insert(index + 1, list(rows[index]))
    return index + 3, rows[index]  # header is line 1, rows[index] is line index + 2
