"""The documents of one company's billing month: from contract-month inputs to priced, dated drafts.

Pure Python (no Dagster, no SQL): `billing.warehouse_io` reads the inputs from the marts and stores the
result; the `billing/invoices` asset wires the two. A billing run for month M, issued on the billing day of
month M+1 (`issue_date_for`), plans per contract:

1. the **regularisation** of M on the month's actual consumption (achieved, estimated and recalculated
   intervals of `fct_monthly_contract_consumption`; its consumption type is `recalculated` when any
   interval was recalculated, else `achieved`), deducting the advances issued for M;
2. a **deviation** invoice for M when the contract has deviation invoices and the actual consumption left
   the tolerance band around the ordered quantity;
3. the **advance** for M+1, when the contract has advance invoices: priced on the customer's estimate for
   M+1 (`customer_estimates`) when the basis is `estimate` and the customer gave one, else on the ordered
   quantity (consumption type `estimated` or `ordered`).
   An advance carries energy, excise and green certificates; network fees and reactive energy are billed
   on the distributor's actual figures, so only by the regularisation. TOU advances split the quantity
   by the zone shares of M; INDEX advances are priced at M's consumption-weighted average index price;
4. the **green-certificate regularisation** of year Y when the regulator's final quota for Y was
   published after the previous billing day and on or before this one, for contracts that have it: final
   quota × the year's regularised MWh at the certificate price, minus the certificate lines billed in Y.

Prices of a regularisation (`ContractPricer`): energy by product (FIX or regulated price; TOU zones from the
metered hours; INDEX hour by hour on the day-ahead price, the hour's price being the mean of its
quarter-hour prices), the distributor's network fees as they came, reactive energy above the contract's
tan φ at the market's regulated price, excise by country and customer class (with the class exemption and
the customer's certificate), and in Romania green certificates at the provisional quota. VAT is the
country's standard rate on the issue date (the tax point of the document); excise and certificates are
part of the taxable amount.

A contract-month that cannot be priced (no day-ahead price for an hour of an INDEX month, a reference rate
missing in the invoice currency, a fee in another currency ...) is not billed: it becomes a
`BillingException` naming the contract, month and reason, and the rest of the company is billed.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from billing.charges import (
    Consumption,
    FixedTariff,
    IndexTariff,
    NetworkFee,
    ReactiveThreshold,
    TouTariff,
    VatTerms,
    energy_lines,
    excise_line,
    green_certificate_line,
    network_fee_lines,
    reactive_energy_lines,
    standard_vat,
)
from billing.due_dates import GraceDays, due_date_for
from billing.invoice_math import InvoiceLine
from billing.invoice_types import (
    DraftInvoice,
    IssuedInvoiceSummary,
    MonthConsumption,
    SupplyContract,
    VatRate,
    advance_invoice,
    credit_note,
    deviation_invoice,
    green_certificate_regularisation,
    recalculation_values,
    regularisation_invoice,
    RecalculationValues,
)
from billing.money import exact_sum, round_quantity, round_unit_price
from billing.register import content_hash

CHARGE_TYPES = ("energy", "network_fee", "reactive_energy", "excise", "green_certificates", "deviation", "penalty_interest")


# --- inputs -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BillingSettings:
    """The contract's billing settings in force for the month (`stg_crm__contract_billing_settings`)."""

    is_regulated_tariff: bool = False
    zone_prices: Mapping[str, Decimal] = field(default_factory=dict)
    has_advance_invoices: bool = False
    advance_basis: str | None = None  # estimate (the customer's, else the ordered quantity) | ordered
    has_deviation_invoices: bool = False
    deviation_price_per_kwh: Decimal | None = None
    has_green_certificate_invoices: bool = False
    due_date_rule: str | None = None
    grace_days: Mapping[str, int] = field(default_factory=dict)  # advance, regularisation, penalty
    penalty_reference_rate: str = "fixed"
    penalty_margin_pct: Decimal = Decimal(0)
    penalty_day_count: str = "ACT/365"
    reactive_threshold_tan_phi: Decimal | None = None
    excise_exempt_share_pct: Decimal = Decimal(0)
    intermediary_id: str | None = None
    intermediary_commission_pct: Decimal | None = None

    def grace(self) -> GraceDays:
        """Grace days per invoice type: deviation and green certificates follow the regularisation's."""
        regularisation = self.grace_days.get("regularisation", 0)
        return GraceDays(
            {
                "advance": self.grace_days.get("advance", 0),
                "regularisation": regularisation,
                "deviation": regularisation,
                "green_certificate_regularisation": regularisation,
                "credit_note": 0,
                "penalty": self.grace_days.get("penalty", 0),
            }
        )


@dataclass(frozen=True)
class ContractMonth:
    """One contract's month as the marts give it, with everything needed to price it."""

    contract_id: str
    addendum_number: int
    company_id: str
    customer_id: str
    customer_class: str
    country_code: str
    market_timezone: str
    month: str  # YYYY-MM
    product_code: str  # FIX | TOU | INDEX
    energy_price_per_kwh: Decimal  # FIX/regulated price, or the INDEX margin
    currency: str
    ordered_kwh: Decimal
    tolerance_pct: Decimal
    payment_terms_days: int
    invoice_language: str | None
    total_kwh: Decimal
    estimated_kwh: Decimal
    recalculated_kwh: Decimal
    inductive_kvarh: Decimal = Decimal(0)
    capacitive_kvarh: Decimal = Decimal(0)
    zone_kwh: Mapping[str, Decimal] | None = None  # TOU
    hourly_kwh: Mapping[datetime, Decimal] | None = None  # INDEX
    network_fees: tuple[NetworkFee, ...] = ()
    settings: BillingSettings = field(default_factory=BillingSettings)
    next_month_estimate_kwh: Decimal | None = None  # the customer's estimate for the next month, if given

    @property
    def supply_contract(self) -> SupplyContract:
        return SupplyContract(self.contract_id, self.customer_id, self.currency, self.ordered_kwh)

    @property
    def actual_type(self) -> str:
        return "recalculated" if self.recalculated_kwh > 0 else "achieved"


@dataclass(frozen=True)
class GreenCertificateQuota:
    """A year's quota (certificates per MWh) in a market: provisional, and final once published."""

    year: int
    provisional_quota: Decimal
    certificate_price: Decimal
    currency: str
    final_quota: Decimal | None = None
    final_published_on: date | None = None


@dataclass(frozen=True)
class ReferenceData:
    """Rates the pricing reads, already filtered to what is in force for the month.

    excise: (country, customer_class, currency) → (rate per MWh, class exempt share %);
    reactive_price: (country, currency) → price per kvarh; green_certificates: (country, year, currency)
    → quota; day_ahead_hourly: country → hour start (UTC) → (price per MWh, currency).
    """

    excise: Mapping[tuple[str, str, str], tuple[Decimal, Decimal]] = field(default_factory=dict)
    reactive_price: Mapping[tuple[str, str], Decimal] = field(default_factory=dict)
    green_certificates: Mapping[tuple[str, int, str], GreenCertificateQuota] = field(default_factory=dict)
    day_ahead_hourly: Mapping[str, Mapping[datetime, tuple[Decimal, str]]] = field(default_factory=dict)


# --- outputs ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlannedDocument:
    """A draft with what the ledger stores beside it: a charge type (and metering point) per line, dates."""

    draft: DraftInvoice
    charge_types: tuple[str, ...]
    metering_points: tuple[str | None, ...]
    company_id: str
    issue_date: date
    due_date: date  # from due_date_rule and the issue date
    due_date_rule: str
    country_code: str
    grace_days: int
    consumption_type: str | None = None
    energy_kwh: Decimal | None = None
    invoice_language: str | None = None
    intermediary_id: str | None = None
    intermediary_commission_pct: Decimal | None = None
    charged_invoice_numbers: tuple[str | None, ...] | None = None  # penalty lines: the invoice charged

    def __post_init__(self) -> None:
        if self.charged_invoice_numbers is None:
            object.__setattr__(self, "charged_invoice_numbers", (None,) * len(self.draft.lines))
        if len(self.charged_invoice_numbers) != len(self.draft.lines):
            raise ValueError(f"{self.draft.invoice_key}: one charged invoice number (or None) per line is needed")
        if len(self.charge_types) != len(self.draft.lines) or len(self.metering_points) != len(self.draft.lines):
            raise ValueError(f"{self.draft.invoice_key}: one charge type and metering point per line are needed")
        unknown = sorted(set(self.charge_types) - set(CHARGE_TYPES))
        if unknown:
            raise ValueError(f"{self.draft.invoice_key}: unknown charge types {unknown}")


@dataclass(frozen=True)
class BillingException:
    """A contract-month (or document) that was not billed, and why."""

    company_id: str
    month: str
    contract_id: str
    customer_id: str
    reason: str


# --- dates --------------------------------------------------------------------------------------


def next_month(month: str) -> str:
    year, number = int(month[:4]), int(month[5:7])
    return f"{year + number // 12}-{number % 12 + 1:02d}"


def previous_month(month: str) -> str:
    year, number = int(month[:4]), int(month[5:7])
    return f"{year - 1}-12" if number == 1 else f"{year}-{number - 1:02d}"


def issue_date_for(month: str, billing_day: int) -> date:
    """The billing day of the month after `month` (the last day when the month is shorter)."""
    if not 1 <= billing_day <= 31:
        raise ValueError(f"billing day must be 1-31, not {billing_day}")
    following = next_month(month)
    year, number = int(following[:4]), int(following[5:7])
    return date(year, number, min(billing_day, calendar.monthrange(year, number)[1]))


# --- pricing ------------------------------------------------------------------------------------


# Irrevocably fixed conversion rates of a national currency into the euro (units of the old currency per EUR):
# an INDEX advance priced from the last month before a changeover converts that month's average price.
EURO_CONVERSION_RATES: Mapping[str, Decimal] = {"BGN": Decimal("1.95583")}


def convert_price(price: Decimal, from_currency: str, to_currency: str) -> Decimal:
    """A unit price in another currency at the fixed euro rate, rounded half up to 6 decimals."""
    if from_currency == to_currency:
        return price
    if to_currency == "EUR" and from_currency in EURO_CONVERSION_RATES:
        return round_unit_price(price / EURO_CONVERSION_RATES[from_currency])
    raise PricingError(f"no fixed conversion from {from_currency} to {to_currency}")


class PricingError(ValueError):
    """A contract-month cannot be priced (the reason names what is missing)."""


@dataclass(frozen=True)
class TaggedLine:
    line: InvoiceLine
    charge_type: str
    metering_point_id: str | None = None


def _vat(contract: ContractMonth, issue_date: date) -> VatTerms:
    return standard_vat(contract.country_code, issue_date)


def _index_prices(contract: ContractMonth, reference: ReferenceData) -> dict[datetime, Decimal]:
    assert contract.hourly_kwh is not None
    market = reference.day_ahead_hourly.get(contract.country_code, {})
    prices: dict[datetime, Decimal] = {}
    missing: list[datetime] = []
    for start in contract.hourly_kwh:
        found = market.get(start)
        if found is None:
            missing.append(start)
            continue
        price, currency = found
        if currency != contract.currency:
            raise PricingError(f"the day-ahead price of {start.isoformat()} is in {currency}, the contract bills in {contract.currency}")
        prices[start] = price
    if missing:
        shown = ", ".join(start.isoformat() for start in sorted(missing)[:3])
        raise PricingError(f"no day-ahead price for {len(missing)} hour(s) of the INDEX month, e.g. {shown}")
    return prices


class ContractPricer:
    """Prices a consumption of one contract-month; remembers the charge type of every line it made.

    Called with the month's actual consumption it prices everything (energy from the metered detail,
    network fees, reactive energy, excise, certificates); called with another quantity (an advance) it
    prices energy, excise and certificates on that quantity.
    """

    def __init__(self, contract: ContractMonth, reference: ReferenceData, issue_date: date, actual_basis: "ContractPricer | None" = None) -> None:
        self.contract = contract
        self.reference = reference
        self.vat = _vat(contract, issue_date)
        self._tagged: dict[tuple[str, Decimal, str], tuple[TaggedLine, ...]] = {}
        self._actual_energy = None
        # the pricer of the month whose actual consumption gives an advance its zone shares and index price
        self._basis = actual_basis or self

    # the Pricer protocol of billing.invoice_types
    def __call__(self, consumption: MonthConsumption) -> list[InvoiceLine]:
        return [tagged.line for tagged in self.tagged(consumption)]

    def tagged(self, consumption: MonthConsumption) -> tuple[TaggedLine, ...]:
        key = (consumption.month, consumption.kwh, consumption.consumption_type)
        if key not in self._tagged:
            self._tagged[key] = tuple(self._price(consumption))
        return self._tagged[key]

    def tags_for(self, lines: Sequence[InvoiceLine]) -> tuple[tuple[str, ...], tuple[str | None, ...]]:
        """Charge types and metering points of lines this pricer made (in their order)."""
        known = {id(tagged.line): tagged for tags in self._tagged.values() for tagged in tags}
        types, points = [], []
        for line in lines:
            tagged = known.get(id(line))
            if tagged is None:
                raise ValueError(f"line {line.description!r} was not made by this pricer")
            types.append(tagged.charge_type)
            points.append(tagged.metering_point_id)
        return tuple(types), tuple(points)

    def actual_energy(self):
        """The energy charges of the month's actual consumption (with the INDEX hour detail)."""
        if self._actual_energy is None:
            self._actual_energy = self._energy(self.actual_consumption())
        return self._actual_energy

    def actual_consumption(self) -> Consumption:
        contract = self.contract
        if contract.product_code == "TOU":
            if not contract.zone_kwh:
                raise PricingError("a TOU contract-month without consumption per tariff zone")
            return Consumption(zone_kwh=contract.zone_kwh)
        if contract.product_code == "INDEX":
            if contract.hourly_kwh is None:
                raise PricingError("an INDEX contract-month without hourly consumption")
            return Consumption(hourly_kwh=contract.hourly_kwh)
        return Consumption(month_kwh=contract.total_kwh)

    def _energy(self, consumption: Consumption):
        contract = self.contract
        if contract.product_code == "FIX":
            tariff = FixedTariff(contract.energy_price_per_kwh, regulated=contract.settings.is_regulated_tariff)
            return energy_lines(tariff, consumption, vat=self.vat)
        if contract.product_code == "TOU":
            zones = consumption.zone_kwh or {}
            prices = contract.settings.zone_prices
            unpriced = sorted(zone for zone in zones if zone not in prices)
            if unpriced:
                raise PricingError(f"TOU zones without a price in the billing settings: {', '.join(unpriced)}")
            return energy_lines(TouTariff({zone: prices[zone] for zone in zones}), consumption, vat=self.vat)
        if contract.product_code == "INDEX":
            prices = _index_prices(contract, self.reference)
            return energy_lines(IndexTariff(contract.energy_price_per_kwh), consumption, vat=self.vat, day_ahead_per_mwh=prices)
        raise PricingError(f"unknown product {contract.product_code!r}")

    def _advance_energy(self, kwh: Decimal) -> list[InvoiceLine]:
        """Energy of an estimated quantity: TOU split by the actual month's zone shares, INDEX at its average price."""
        contract = self.contract
        basis = self._basis
        if contract.product_code == "TOU":
            actual = (basis.contract.zone_kwh or {}) if basis.contract.product_code == "TOU" else {}
            zones = sorted(actual) or sorted(contract.settings.zone_prices)
            if not zones:
                raise PricingError("a TOU advance needs tariff zones (from the month's consumption or the zone prices)")
            total = exact_sum(actual.values(), Decimal(0))
            split: dict[str, Decimal] = {}
            if total == 0:
                split = {zone: Decimal(0) for zone in zones}
                split[zones[-1]] = kwh
            else:
                for zone in zones[:-1]:
                    split[zone] = round_quantity(kwh * actual[zone] / total)
                split[zones[-1]] = kwh - exact_sum(split.values(), Decimal(0))
                if split[zones[-1]] < 0:
                    raise PricingError("the TOU zone split of the advance went negative")
            return list(self._energy(Consumption(zone_kwh=split)).lines)
        if contract.product_code == "INDEX":
            detail = basis.actual_energy().index_detail if basis.contract.product_code == "INDEX" else None
            if detail is not None and detail.month_kwh > 0:
                average = convert_price(detail.average_price_per_kwh, basis.contract.currency, contract.currency)
                source = f"{basis.contract.month} average"
            else:
                average, source = contract.energy_price_per_kwh, "margin only, no index price known"
            price = max(average, Decimal(0))
            line = InvoiceLine(
                f"Active energy, index price estimate ({source} {price}/kWh)", kwh, "kWh", price,
                self.vat.category, self.vat.rate_pct,
            )
            return [line]
        return list(self._energy(Consumption(month_kwh=kwh)).lines)

    def _taxes(self, kwh: Decimal, month: str) -> list[TaggedLine]:
        contract = self.contract
        lines: list[TaggedLine] = []
        excise = self.reference.excise.get((contract.country_code, contract.customer_class, contract.currency))
        if excise is None:
            raise PricingError(f"no excise rate for {contract.country_code}, class {contract.customer_class}, in {contract.currency}")
        rate, class_exempt = excise
        key = (contract.country_code, contract.customer_class)
        line = excise_line(
            kwh, contract.country_code, contract.customer_class, {key: rate}, {key: class_exempt},
            vat=self.vat, exempt_share_pct=contract.settings.excise_exempt_share_pct,
        )
        if line is not None:
            lines.append(TaggedLine(line, "excise"))
        year = int(month[:4])  # an advance for January is priced at the new year's provisional quota
        quota = self.reference.green_certificates.get((contract.country_code, year, contract.currency))
        if quota is not None:
            lines.append(TaggedLine(green_certificate_line(kwh, quota.provisional_quota, quota.certificate_price, vat=self.vat), "green_certificates"))
        return lines

    def _price(self, consumption: MonthConsumption) -> list[TaggedLine]:
        contract = self.contract
        tagged: list[TaggedLine] = []
        if consumption.consumption_type in ("achieved", "recalculated") and consumption.kwh == contract.total_kwh:
            tagged += [TaggedLine(line, "energy") for line in self.actual_energy().lines]
            for fee in contract.network_fees:
                if fee.currency != contract.currency:
                    raise PricingError(f"{fee.label} is in {fee.currency}, the contract bills in {contract.currency}")
                for line in network_fee_lines([fee], vat=self.vat):
                    tagged.append(TaggedLine(line, "network_fee", fee.metering_point_id or None))
            threshold = contract.settings.reactive_threshold_tan_phi
            if threshold is not None and (contract.inductive_kvarh > 0 or contract.capacitive_kvarh > 0):
                price = self.reference.reactive_price.get((contract.country_code, contract.currency))
                if price is None:
                    raise PricingError(f"no reactive energy price for {contract.country_code} in {contract.currency}")
                for line in reactive_energy_lines(
                    contract.total_kwh, contract.inductive_kvarh, contract.capacitive_kvarh,
                    ReactiveThreshold.from_tan(threshold), price, vat=self.vat,
                ):
                    tagged.append(TaggedLine(line, "reactive_energy"))
        else:
            tagged += [TaggedLine(line, "energy") for line in self._advance_energy(consumption.kwh)]
        tagged += self._taxes(consumption.kwh, consumption.month)
        return tagged


# --- planning -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedDocument:
    """A document issued before, as the ledger holds it."""

    invoice_number: str
    draft: DraftInvoice
    charge_types: tuple[str, ...]
    issue_date: date

    @property
    def summary(self) -> IssuedInvoiceSummary:
        return self.draft.issued(self.invoice_number)


@dataclass
class MonthPlan:
    documents: list[PlannedDocument] = field(default_factory=list)
    exceptions: list[BillingException] = field(default_factory=list)
    recalculations: list[RecalculationValues] = field(default_factory=list)


def _planned(
    draft: DraftInvoice,
    contract: ContractMonth,
    issue_date: date,
    charge_types: Sequence[str],
    metering_points: Sequence[str | None] | None = None,
    consumption_type: str | None = None,
    energy_kwh: Decimal | None = None,
) -> PlannedDocument:
    settings = contract.settings
    rule = settings.due_date_rule or f"{contract.payment_terms_days}d"
    kind = draft.invoice_type.value
    return PlannedDocument(
        draft=draft,
        charge_types=tuple(charge_types),
        metering_points=tuple(metering_points) if metering_points is not None else (None,) * len(draft.lines),
        company_id=contract.company_id,
        issue_date=issue_date,
        due_date=due_date_for(issue_date, rule, contract.country_code),
        due_date_rule=rule,
        country_code=contract.country_code,
        grace_days=settings.grace().for_type(kind),
        consumption_type=consumption_type,
        energy_kwh=energy_kwh,
        invoice_language=contract.invoice_language,
        intermediary_id=settings.intermediary_id,
        intermediary_commission_pct=settings.intermediary_commission_pct,
    )


def revision_of(draft: DraftInvoice) -> str:
    """A short stable id of a draft's content (used in the key of a correction)."""
    return content_hash(draft.lines)[:12]


def plan_contract_month(
    contract: ContractMonth,
    reference: ReferenceData,
    issue_date: date,
    issued: Mapping[str, IssuedDocument],
    issued_hashes: Mapping[str, str],
    next_terms: ContractMonth | None = None,
    next_reference: ReferenceData | None = None,
    contract_continues: bool = True,
) -> MonthPlan:
    """The documents of one contract for its month (see the module docstring).

    `issued` maps invoice keys of this contract's earlier documents to what was issued (advances of the
    month, an earlier regularisation and its corrections); `issued_hashes` the content hash of each key.
    `next_terms` is the contract as it stands on the next month's first day and `next_reference` the rates
    in force then: the advance is priced on them (None: the terms do not change). No advance is made when
    `contract_continues` is False (the contract ends with the month).
    """
    plan = MonthPlan()
    month = contract.month
    supply = contract.supply_contract
    pricer = ContractPricer(contract, reference, issue_date)
    actual = MonthConsumption(contract.contract_id, contract.customer_id, month, contract.total_kwh, None, contract.actual_type)

    # 1. regularisation (or, when it changed after issue, a recalculation correcting it)
    advances = [document.summary for key, document in sorted(issued.items()) if key == f"advance/{month}/{contract.contract_id}"]
    regularisation = regularisation_invoice(supply, month, actual, advances, pricer)
    issued_hash = issued_hashes.get(regularisation.invoice_key)
    if issued_hash is None or issued_hash == content_hash(regularisation.lines):
        types, points = pricer.tags_for(regularisation.lines)
        plan.documents.append(_planned(regularisation, contract, issue_date, types, points, contract.actual_type, contract.total_kwh))
    else:
        recalculated = MonthConsumption(contract.contract_id, contract.customer_id, month, contract.total_kwh, None, "recalculated")
        billed_keys = [f"advance/{month}/{contract.contract_id}", regularisation.invoice_key] + sorted(
            key for key in issued if key.startswith(f"recalculation/{month}/{contract.contract_id}/")
        )
        billed = [issued[key].summary for key in billed_keys if key in issued]
        values = recalculation_values(supply, month, billed, recalculated, pricer, revision_of(regularisation))
        plan.recalculations.append(values)
        if values.correction is not None and values.correction.invoice_key not in issued:
            types, points = pricer.tags_for(values.correction.lines)
            plan.documents.append(_planned(values.correction, contract, issue_date, types, points, "recalculated", contract.total_kwh))

    # 2. deviation
    settings = contract.settings
    if settings.has_deviation_invoices and settings.deviation_price_per_kwh is not None and contract.ordered_kwh > 0:
        vat = _vat(contract, issue_date)
        deviation = deviation_invoice(
            supply, month, contract.total_kwh, contract.ordered_kwh, contract.tolerance_pct,
            settings.deviation_price_per_kwh, VatRate(vat.category, vat.rate_pct),
        )
        if deviation is not None:
            plan.documents.append(_planned(deviation, contract, issue_date, ["deviation"]))

    # 3. the next month's advance, on the terms in force then (never after that month's regularisation was issued)
    following = next_month(month)
    terms = next_terms if next_terms is not None else contract
    if contract_continues and terms.settings.has_advance_invoices and f"regularisation/{following}/{contract.contract_id}" not in issued:
        advance_pricer = pricer
        if terms is not contract or next_reference is not None:
            # the next month's rates (a new year's excise rate) and terms, with this month's consumption as the basis
            advance_pricer = ContractPricer(terms, next_reference or reference, issue_date, actual_basis=pricer)
        estimate = terms.next_month_estimate_kwh if terms.settings.advance_basis == "estimate" else None
        advance = advance_invoice(terms.supply_contract, following, estimate, advance_pricer)
        types, points = advance_pricer.tags_for(advance.lines)
        if estimate is None:
            plan.documents.append(_planned(advance, terms, issue_date, types, points, "ordered", terms.ordered_kwh))
        else:
            plan.documents.append(_planned(advance, terms, issue_date, types, points, "estimated", estimate))
    return plan


def plan_green_certificates(
    contract: ContractMonth,
    quota: GreenCertificateQuota,
    year_mwh: Decimal,
    billed_certificate_lines: Sequence[InvoiceLine],
    issue_date: date,
) -> PlannedDocument | None:
    """The green-certificate regularisation of `quota.year` for the contract (None if nothing changes)."""
    if quota.final_quota is None:
        return None
    vat = _vat(contract, issue_date)
    draft = green_certificate_regularisation(
        contract.supply_contract, str(quota.year), billed_certificate_lines, quota.final_quota,
        quota.certificate_price, round_quantity(year_mwh, 6), VatRate(vat.category, vat.rate_pct),
    )
    if draft is None:
        return None
    return _planned(draft, contract, issue_date, ["green_certificates"] * len(draft.lines))


def green_certificate_years_due(
    quotas: Sequence[GreenCertificateQuota], previous_issue_date: date, issue_date: date
) -> list[GreenCertificateQuota]:
    """Quotas whose final figure was published after the previous billing day, up to this one."""
    return [
        quota for quota in quotas
        if quota.final_quota is not None and quota.final_published_on is not None
        and previous_issue_date < quota.final_published_on <= issue_date
    ]


def credit_for(issued: IssuedDocument, reason: str) -> tuple[DraftInvoice, tuple[str, ...]]:
    """A credit note of an issued document and the charge types of its lines (the original's)."""
    return credit_note(issued.summary, reason), issued.charge_types
