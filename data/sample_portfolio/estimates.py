"""The customers' own monthly consumption estimates (the `customer_estimates` files).

Only contracts whose generated billing settings price advances on the customer's estimate
(`advance_basis` = `estimate`) get estimates. For each such contract and each month from its first
month of supply through the month after the sample period (the next advance invoice needs it), the
customer gives an estimate unless the month is left out (MISSING_SHARE of the months, at least one month
in a portfolio with estimate contracts, so that billing's fallback to the ordered quantity is exercised).

The estimate is the contract's true expected monthly consumption from the load model (the sum of its
metering points' `monthly_kwh`, each prorated by the days of the month it is supplied) times a noise factor
drawn uniformly from 0.8000-1.2000 (4 decimals), rounded half up to 3 decimals. It is given 3-20 days
before the month starts (never before the contract was signed), through a channel drawn per row.

A few estimates (CORRECTION_SHARE of the rows, at least one when there are any) are corrected: the
customer gives a new estimate (a new noise factor) 1-10 days later; the corrected rows are delivered in a
second, later file (`customer_estimates_correction_01.csv`), because within one file a key may appear once
only. Each contract draws from its own random stream (keyed by its customer number), so other contracts do not
change its rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Callable

from data.sample_portfolio.billing_settings import billing_settings_rows
from data.sample_portfolio.contracts import ContractAddendum
from data.sample_portfolio.formatting import decimal_text, round_half_up, scaled_decimal
from data.sample_portfolio.portfolio import MeteringPoint, Portfolio
from data.sample_portfolio.randomness import stream
from data.sample_portfolio.timegrid import Month
from ingestion.sources import CONTRACT_BILLING_SETTINGS, CUSTOMER_ESTIMATES

MAIN_FILE = "customer_estimates.csv"
CORRECTION_FILE = "customer_estimates_correction_01.csv"
MISSING_SHARE = 0.15  # of the contract-months: no estimate, billing falls back to the ordered quantity
CORRECTION_SHARE = 0.06  # of the written estimates: corrected in the later file
NOISE_RANGE = (8000, 12000)  # the noise factor in ten-thousandths, both ends included
SUBMITTED_DAYS_BEFORE = (3, 20)  # the estimate is given this many days before the month starts
CORRECTED_DAYS_AFTER = (1, 10)  # a correction is given this many days after the estimate it replaces
CHANNELS: tuple[tuple[str, float], ...] = (
    ("portal", 0.55),
    ("meter_reading_app", 0.15),
    ("email", 0.15),
    ("phone", 0.15),
)
_ADVANCE_BASIS = CONTRACT_BILLING_SETTINGS.column_names.index("advance_basis")


@dataclass(frozen=True)
class Estimate:
    """One delivered row of a `customer_estimates` file."""

    contract_id: str
    month: Month
    estimated_kwh: Decimal
    submitted_on: date
    channel: str
    base_kwh: Decimal  # the load model's expected consumption of the contract in the month, 3 decimals
    noise_factor: Decimal

    def row(self) -> list[str]:
        return [
            self.contract_id,
            self.month.first_day.isoformat(),
            decimal_text(self.estimated_kwh, 3),
            self.submitted_on.isoformat(),
            self.channel,
        ]


@dataclass(frozen=True)
class EstimateFiles:
    """What the generator writes: the estimates file, the later correction file and the months left out."""

    contracts: tuple[str, ...]  # contracts with advance_basis = estimate, sorted
    months: tuple[Month, ...]  # the months estimates can be for: the period and the month after it
    estimates: tuple[Estimate, ...]  # rows of MAIN_FILE, sorted by contract and month
    corrections: tuple[Estimate, ...]  # rows of CORRECTION_FILE (each replaces the same key in MAIN_FILE)
    missing: tuple[tuple[str, Month], ...]  # (contract, month) of supply without an estimate

    def latest(self) -> dict[tuple[str, Month], Estimate]:
        """The estimate in force per key: the correction when there is one."""
        latest = {(e.contract_id, e.month): e for e in self.estimates}
        latest.update({(e.contract_id, e.month): e for e in self.corrections})
        return latest

    def truth(self, inbox_folder: str) -> dict[str, Any]:
        """The truth.json entry: the files, the estimate in force per key (corrected or not), the months without one."""
        corrected = {(e.contract_id, e.month): e for e in self.corrections}
        original = {(e.contract_id, e.month): e for e in self.estimates}
        return {
            "contracts": list(self.contracts),
            "first_month": self.months[0].label,
            "last_month": self.months[-1].label,
            "file": f"{inbox_folder}/{MAIN_FILE}",
            "correction_file": f"{inbox_folder}/{CORRECTION_FILE}" if self.corrections else None,
            "rows": len(self.estimates),
            "corrected_rows": len(self.corrections),
            "estimates": [
                {
                    "contract_id": e.contract_id,
                    "estimate_month": e.month.first_day.isoformat(),
                    "estimated_kwh": decimal_text(e.estimated_kwh, 3),
                    "submitted_on": e.submitted_on.isoformat(),
                    "channel": e.channel,
                    "versions": 2 if key in corrected else 1,
                    "replaced_kwh": decimal_text(original[key].estimated_kwh, 3) if key in corrected else None,
                }
                for key, e in sorted(self.latest().items(), key=lambda item: (item[0][0], item[0][1].ordinal))
            ],
            "missing": [{"contract_id": c, "estimate_month": m.first_day.isoformat()} for c, m in self.missing],
        }


def estimate_contracts(portfolio: Portfolio) -> tuple[str, ...]:
    """Contracts whose generated billing settings price advances on the customer's estimate."""
    return tuple(sorted({row[0] for row in billing_settings_rows(portfolio) if row[_ADVANCE_BASIS] == "estimate"}))


def expected_month_kwh(points: list[MeteringPoint], month: Month) -> Decimal:
    """The load model's expected consumption of `points` in `month`, kWh with 3 decimals: each point's
    `monthly_kwh` prorated by the days of the month it is supplied."""
    total = 0.0
    for point in points:
        first = max(point.supply_start, month.first_day)
        if first > month.last_day:
            continue
        total += point.monthly_kwh * ((month.last_day - first).days + 1) / month.days
    return scaled_decimal(round(total * 1000), 3)


def _contract_key(contract_id: str) -> int:
    """The stable integer keying a contract's random stream: its customer number (`CT-RO-00012` -> 12)."""
    return int(contract_id.rsplit("-", 1)[1])


def _noise(rng) -> Decimal:
    low, high = NOISE_RANGE
    return scaled_decimal(int(rng.integers(low, high + 1)), 4)


def _channel(rng) -> str:
    names = [name for name, _ in CHANNELS]
    return names[int(rng.choice(len(names), p=[weight for _, weight in CHANNELS]))]


def customer_estimates(portfolio: Portfolio) -> EstimateFiles:
    """The estimates of every estimate-basis contract, the months left out and the corrections."""
    contracts = estimate_contracts(portfolio)
    months = (*portfolio.months, portfolio.months[-1].plus(1))
    first_addendum: dict[str, ContractAddendum] = {}
    for addendum in portfolio.contracts:
        if addendum.addendum_number == 0:
            first_addendum[addendum.contract_id] = addendum
    points_of: dict[str, list[MeteringPoint]] = {}
    for point in portfolio.metering_points:
        points_of.setdefault(point.customer_id, []).append(point)

    estimates: list[Estimate] = []
    missing: list[tuple[str, Month]] = []
    wants_correction: list[bool] = []
    for contract_id in contracts:
        contract = first_addendum[contract_id]
        points = points_of[contract.customer_id]
        rng = stream(portfolio.seed, "customer_estimates", _contract_key(contract_id))
        for month in months:
            if month.last_day < contract.effective_from:
                continue  # not yet supplied
            left_out = rng.random() < MISSING_SHARE
            noise = _noise(rng)
            days_before = int(rng.integers(SUBMITTED_DAYS_BEFORE[0], SUBMITTED_DAYS_BEFORE[1] + 1))
            channel = _channel(rng)
            corrected = rng.random() < CORRECTION_SHARE
            if left_out:
                missing.append((contract_id, month))
                continue
            base = expected_month_kwh(points, month)
            submitted = max(contract.signed_date, month.first_day - timedelta(days=days_before))
            estimated = round_half_up(base * noise, 3)
            estimates.append(Estimate(contract_id, month, estimated, submitted, channel, base, noise))
            wants_correction.append(corrected)

    # Even a small portfolio with estimate contracts has a month left out and a corrected estimate.
    if estimates and not missing:
        middle = len(estimates) // 2
        dropped = estimates.pop(middle)
        wants_correction.pop(middle)
        missing.append((dropped.contract_id, dropped.month))
        missing.sort(key=lambda key: (key[0], key[1].ordinal))
    if estimates and not any(wants_correction):
        wants_correction[-1] = True

    corrections: list[Estimate] = []
    for index, estimate in enumerate(estimates):
        if not wants_correction[index]:
            continue
        key = _contract_key(estimate.contract_id)
        rng = stream(portfolio.seed, "customer_estimate_corrections", key, estimate.month.ordinal)
        noise = _noise(rng)
        if noise == estimate.noise_factor:  # a correction changes the estimate
            noise += Decimal("0.05") if noise <= Decimal("1.15") else Decimal("-0.05")
        days_after = int(rng.integers(CORRECTED_DAYS_AFTER[0], CORRECTED_DAYS_AFTER[1] + 1))
        corrections.append(
            Estimate(
                estimate.contract_id,
                estimate.month,
                round_half_up(estimate.base_kwh * noise, 3),
                estimate.submitted_on + timedelta(days=days_after),
                _channel(rng),
                estimate.base_kwh,
                noise,
            )
        )
    return EstimateFiles(contracts, months, tuple(estimates), tuple(corrections), tuple(missing))


def write_customer_estimates(
    portfolio: Portfolio, write: Callable[[str, str, tuple[str, ...], list[list[str]]], None]
) -> dict[str, Any]:
    """Write the estimates file (always, header only without estimate contracts) and, when there are
    corrections, the later correction file with `write(source, file name, header, rows)`; returns the truth."""
    files = customer_estimates(portfolio)
    header = CUSTOMER_ESTIMATES.column_names
    write(CUSTOMER_ESTIMATES.name, MAIN_FILE, header, [e.row() for e in files.estimates])
    if files.corrections:
        write(CUSTOMER_ESTIMATES.name, CORRECTION_FILE, header, [e.row() for e in files.corrections])
    return files.truth(f"inbox/{CUSTOMER_ESTIMATES.name}")
