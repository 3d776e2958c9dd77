"""Billing settings of each contract (the `contract_billing_settings` file): one row per addendum effective date.

Per company: RO invoices are due at the end of the issue month + 15 days, with late-payment interest at
ROBOR 3M + 2 % ACT/360 and green-certificate regularisations; BG invoices are due 30 days after issue, with
the BNB base interest rate + 10 % ACT/365 (the legal interest) and no green certificates. Grace days are
0 (advance) / 5 (regularisation) / 0 (penalty) everywhere.

Per contract, drawn once from its own random stream: regulated tariff (some FIX households), advance
invoices (most, on the ordered quantity or the customer's estimate), an excise exemption certificate
(a few industrial customers) and an intermediary (some business customers). Industrial customers get
deviation invoices at a deviation price; TOU contracts get a price per tariff zone of their market derived
from the addendum's price; customers with an MV or HV point get the reactive threshold tan φ 0.328684
(cos φ 0.95). Prices follow the currency of the addendum (the BG euro changeover converts them).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Iterator

from data.sample_portfolio.contracts import PRICE_RANGES, ContractAddendum
from data.sample_portfolio.formatting import decimal_text
from data.sample_portfolio.markets import bgn_to_eur
from data.sample_portfolio.portfolio import Portfolio
from data.sample_portfolio.randomness import stream
from data.sample_portfolio.tariff_zones import zones_of_market

MICRO = Decimal("0.000001")
REACTIVE_TAN_PHI = Decimal("0.328684")  # cos φ 0.95
REGULATED_SHARE = 0.30  # of FIX household contracts
ADVANCE_SHARE = 0.85
ESTIMATE_BASIS_SHARE = 0.25  # of contracts with advances
EXCISE_CERTIFICATE_SHARE = 0.15  # of industrial customers
INTERMEDIARY_SHARE = 0.20  # of commercial and industrial customers
DEVIATION_PRICE_FACTOR = Decimal("1.20")
ZONE_FACTORS: dict[str, Decimal] = {"day": Decimal("1.10"), "night": Decimal("0.75"), "peak": Decimal("1.35")}


@dataclass(frozen=True)
class CompanyTerms:
    due_date_rule: str
    penalty_reference_rate: str
    penalty_margin_pct: Decimal
    penalty_day_count: str
    green_certificates: bool


COMPANY_TERMS: dict[str, CompanyTerms] = {
    "RO": CompanyTerms("eom+15", "ROBOR3M", Decimal("2"), "ACT/360", True),
    "BG": CompanyTerms("30d", "BIR", Decimal("10"), "ACT/365", False),
}
GRACE_DAYS = (0, 5, 0)  # advance, regularisation, penalty
INTERMEDIARIES: dict[str, tuple[str, ...]] = {
    "RO": ("INT-RO-001", "INT-RO-002", "INT-RO-003"),
    "BG": ("INT-BG-001", "INT-BG-002"),
}


def _price(value: Decimal) -> Decimal:
    return value.quantize(MICRO, rounding=ROUND_HALF_UP)


def _yes_no(flag: bool) -> str:
    return "yes" if flag else "no"


def _in_currency(price_bgn_or_ron: Decimal, market_code: str, currency: str) -> Decimal:
    """A price drawn in the market's pre-euro currency, in the addendum's currency."""
    return bgn_to_eur(price_bgn_or_ron) if market_code == "BG" and currency == "EUR" else price_bgn_or_ron


def billing_settings_rows(portfolio: Portfolio) -> Iterator[list[str]]:
    """Rows of `contract_billing_settings`, sorted by contract and effective date."""
    customers = {c.customer_id: c for c in portfolio.customers}
    voltages: dict[str, set[str]] = defaultdict(set)
    for point in portfolio.metering_points:
        voltages[point.customer_id].add(point.voltage_level)
    addenda: dict[str, list[ContractAddendum]] = defaultdict(list)
    for addendum in portfolio.contracts:
        addenda[addendum.contract_id].append(addendum)

    for number, contract_id in enumerate(sorted(addenda)):
        versions = sorted(addenda[contract_id], key=lambda a: a.addendum_number)
        first = versions[0]
        customer = customers[first.customer_id]
        market, customer_class = customer.market_code, customer.customer_class
        company = COMPANY_TERMS[market]
        rng = stream(portfolio.seed, "billing_settings", number)
        regulated = customer_class == "household" and first.product_code == "FIX" and rng.random() < REGULATED_SHARE
        advances = rng.random() < ADVANCE_SHARE
        basis = ("estimate" if rng.random() < ESTIMATE_BASIS_SHARE else "ordered") if advances else ""
        certificate = customer_class == "industrial" and rng.random() < EXCISE_CERTIFICATE_SHARE
        intermediary, commission = "", ""
        if customer_class != "household" and rng.random() < INTERMEDIARY_SHARE:
            names = INTERMEDIARIES[market]
            intermediary = names[int(rng.integers(len(names)))]
            commission = decimal_text(Decimal(int(rng.integers(100, 301))).scaleb(-2), 2)
        deviation = customer_class == "industrial"
        low, high = PRICE_RANGES[(market, customer_class)]
        deviation_base = _price(Decimal(int(rng.integers(low, high))).scaleb(-6) * DEVIATION_PRICE_FACTOR)
        reactive = decimal_text(REACTIVE_TAN_PHI, 6) if voltages[customer.customer_id] & {"MV", "HV"} else ""

        seen: set = set()
        for version in versions:
            if version.effective_from in seen:
                continue
            seen.add(version.effective_from)
            zone_prices = {"day": "", "night": "", "peak": ""}
            if version.product_code == "TOU":
                for zone in zones_of_market(market):
                    zone_prices[zone] = decimal_text(_price(version.energy_price_per_kwh * ZONE_FACTORS[zone]), 6)
            deviation_price = (
                decimal_text(_in_currency(deviation_base, market, version.currency), 6) if deviation else ""
            )
            yield [
                contract_id,
                version.effective_from.isoformat(),
                _yes_no(regulated),
                zone_prices["day"],
                zone_prices["night"],
                zone_prices["peak"],
                _yes_no(advances),
                basis,
                _yes_no(deviation),
                deviation_price,
                _yes_no(company.green_certificates),
                company.due_date_rule,
                *(str(days) for days in GRACE_DAYS),
                company.penalty_reference_rate,
                decimal_text(company.penalty_margin_pct, 4),
                company.penalty_day_count,
                reactive,
                decimal_text(Decimal(100 if certificate else 0), 2),
                intermediary,
                commission,
            ]
