"""One billing partition (company × month) end to end: read inputs, plan, number in the register, store.

`bill_company_month` issues the month's consumption documents (`billing.monthly_run`); `penalize_company_month`
issues the late-payment interest known on the same billing day (`billing.late_payment`). Both are idempotent:
a rerun plans the same drafts, the register reuses their numbers, and the ledger stores nothing twice.

Changes after issue. The register never edits an issued document. A regularisation whose content changed is
handled by the planner (a recalculation correcting it). An advance that would now come out differently stays
as issued (its regularisation settles the difference); a deviation or green-certificate document that changed
is credited in full by a credit note and issued again under a key with the new content's revision.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timezone
from decimal import Decimal

import duckdb

from billing.due_dates import effective_due_date
from billing.invoice_math import InvoiceLine
from billing.invoice_types import InvoiceKind, SupplyContract, penalty_invoice
from billing.late_payment import Payment, PenaltyTerms, RatePeriod, penalties_to_invoice, penalty_for_invoice
from billing.ledger_tables import create_billing_ledger_tables
from billing.monthly_run import (
    BillingException,
    ContractMonth,
    PlannedDocument,
    PricingError,
    _planned,
    credit_for,
    green_certificate_years_due,
    issue_date_for,
    next_month,
    plan_contract_month,
    plan_green_certificates,
    previous_month,
    revision_of,
)
from billing.register import InvoiceDraft, IssueOutcome, OutcomeStatus, content_hash, issue_invoices, run_with_retries
from billing.warehouse_io import (
    SETTINGS_SQL,
    _dec,
    _settings,
    company_country,
    ensure_series,
    issued_hashes,
    load_contract_months,
    load_issued_documents,
    load_reference_data,
    query_rows,
    store_documents,
    store_recalculations,
    with_next_month_terms,
)


@dataclass
class PartitionResult:
    """What a partition run did, for the asset's metadata."""

    company_id: str
    month: str
    issue_date: date
    contracts: int = 0
    outcomes: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # status -> documents
    documents_by_type: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    amount_due_by_currency: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    exceptions: list[BillingException] = field(default_factory=list)
    kept_as_issued: list[str] = field(default_factory=list)
    recalculations: int = 0


def _register_draft(planned: PlannedDocument) -> InvoiceDraft:
    draft = planned.draft
    return InvoiceDraft(
        invoice_key=draft.invoice_key,
        invoice_type=draft.invoice_type.value,
        customer_id=draft.customer_id,
        billing_period=draft.month,
        currency=draft.currency,
        total_with_vat=draft.totals.total_with_vat,
        content_hash=content_hash(draft.lines),
        corrects_invoice_number=draft.corrects_invoice_number,
    )


def _issue(
    connection: duckdb.DuckDBPyConnection,
    company_id: str,
    series: str,
    planned: list[PlannedDocument],
    issue_date: date,
    run_id: str | None,
    result: PartitionResult,
) -> list[tuple[PlannedDocument, IssueOutcome]]:
    """Number the drafts, store what was issued or reused; return the changed-after-issue ones."""
    if not planned:
        return []
    by_key = {document.draft.invoice_key: document for document in planned}
    if len(by_key) != len(planned):
        raise ValueError(f"{company_id}: two planned documents share an invoice key")
    outcomes = issue_invoices(connection, company_id, series, [_register_draft(document) for document in planned], issue_date)
    keep, changed = [], []
    for outcome in outcomes:
        document = by_key[outcome.invoice_key]
        result.outcomes[outcome.status.value] += 1
        if outcome.status is OutcomeStatus.CHANGED_AFTER_ISSUE:
            changed.append((document, outcome))
            continue
        keep.append((document, outcome))
        result.documents_by_type[document.draft.invoice_type.value] += 1
        currency = document.draft.currency
        result.amount_due_by_currency[currency] += document.draft.amount_due
    store_documents(connection, keep, series, run_id)
    return changed


def _record_exceptions(connection: duckdb.DuckDBPyConnection, company_id: str, month: str, kind: str, exceptions: list[BillingException], run_id: str | None) -> None:
    """Replace the partition's exceptions of this kind (invoices or penalties)."""
    now = datetime.now(timezone.utc)

    def rewrite() -> None:
        connection.execute(
            "delete from billing.billing_exceptions where company_id = ? and billing_period = ? and document_kind = ?", [company_id, month, kind]
        )
        if exceptions:
            connection.executemany(
                "insert into billing.billing_exceptions values (?, ?, ?, ?, ?, ?, ?, ?)",
                [[e.company_id, e.month, e.contract_id, e.customer_id, kind, e.reason, run_id, now] for e in exceptions],
            )

    run_with_retries(connection, rewrite)


def _year_certificates(connection: duckdb.DuckDBPyConnection, company_id: str, contract_id: str, year: int):
    """(regularised kWh of the year, green-certificate lines billed in the year) of a contract.

    A month counts once, by the document that now stands for it: its last regularisation (a recalculation replaces
    the first one in full, deducting it as a prepaid amount, so the first one's lines no longer count) that no credit
    note reversed.
    """
    credited = {
        row["corrects_invoice_number"]
        for row in query_rows(
            connection,
            "select corrects_invoice_number from billing.invoice_documents where company_id = ? and contract_id = ? and invoice_type = 'credit_note'",
            [company_id, contract_id],
        )
    }
    standing: dict[str, tuple[str, Decimal]] = {}  # billing period -> (invoice number, kWh)
    for row in query_rows(
        connection,
        """
        select billing_period, energy_kwh, invoice_number from billing.invoice_documents
        where company_id = ? and contract_id = ? and billing_period like ? and invoice_type = 'regularisation'
        order by billing_period, issue_date, invoice_number
        """,
        [company_id, contract_id, f"{year}-%"],
    ):
        if row["invoice_number"] not in credited and row["energy_kwh"] is not None:
            standing[row["billing_period"]] = (row["invoice_number"], _dec(row["energy_kwh"]))
    kwh = sum((value for _, value in standing.values()), Decimal(0))
    numbers = sorted(number for number, _ in standing.values())
    lines = [
        InvoiceLine(row["description"], _dec(row["quantity"]), row["unit"], _dec(row["unit_price"]), row["vat_category"], _dec(row["vat_rate_pct"]))
        for row in query_rows(
            connection,
            """
            select description, quantity, unit, unit_price, vat_category, vat_rate_pct
            from billing.invoice_lines
            where company_id = ? and invoice_number in (select unnest(?::varchar[])) and charge_type = 'green_certificates'
            order by invoice_number, line_number
            """,
            [company_id, numbers],
        )
    ] if numbers else []
    return kwh, lines


def _same_terms(a: ContractMonth, b: ContractMonth) -> bool:
    fields = ("product_code", "energy_price_per_kwh", "currency", "ordered_kwh", "settings")
    return all(getattr(a, name) == getattr(b, name) for name in fields)


def bill_company_month(
    connection: duckdb.DuckDBPyConnection, company_id: str, month: str, billing_day: int, run_id: str | None = None
) -> PartitionResult:
    """Issue the company's documents of `month` (regularisation, deviation, next advance, green certificates)."""
    create_billing_ledger_tables(connection)
    series = ensure_series(connection, company_id)
    issue_date = issue_date_for(month, billing_day)
    result = PartitionResult(company_id, month, issue_date)
    country = company_country(connection, company_id)
    reference = load_reference_data(connection, country, month)
    contracts = load_contract_months(connection, company_id, month)
    result.contracts = len(contracts)
    following = next_month(month)
    prefixes = []
    for contract in contracts:
        cid = contract.contract_id
        prefixes += [f"advance/{month}/{cid}", f"regularisation/{month}/{cid}", f"recalculation/{month}/{cid}/", f"regularisation/{following}/{cid}"]
    issued = load_issued_documents(connection, company_id, prefixes)
    hashes = issued_hashes(connection, company_id, [f"regularisation/{month}/{contract.contract_id}" for contract in contracts])

    next_terms = with_next_month_terms(connection, contracts, month)
    next_reference = load_reference_data(connection, country, following, day_ahead=False)
    planned: list[PlannedDocument] = []
    recalculations = []
    for contract in contracts:
        own = {key: document for key, document in issued.items() if key.split("/")[2] == contract.contract_id}
        terms = next_terms.get(contract.contract_id)
        continues = terms is not None
        if terms is not None and _same_terms(terms, contract):
            terms = None
        try:
            plan = plan_contract_month(contract, reference, issue_date, own, hashes, terms, next_reference, continues)
        except (PricingError, ValueError) as error:
            result.exceptions.append(BillingException(company_id, month, contract.contract_id, contract.customer_id, str(error)))
            continue
        planned += plan.documents
        recalculations += [(values, contract.currency) for values in plan.recalculations]

    # green certificates: years whose final quota was published since the previous billing day
    previous_issue = issue_date_for(previous_month(month), billing_day)
    for quota in green_certificate_years_due(list(reference.green_certificates.values()), previous_issue, issue_date):
        for contract in contracts:
            if not contract.settings.has_green_certificate_invoices or contract.currency != quota.currency:
                continue
            year_kwh, billed_lines = _year_certificates(connection, company_id, contract.contract_id, quota.year)
            try:
                document = plan_green_certificates(contract, quota, year_kwh.scaleb(-3), billed_lines, issue_date)
            except ValueError as error:
                result.exceptions.append(BillingException(company_id, month, contract.contract_id, contract.customer_id, f"green certificates {quota.year}: {error}"))
                continue
            if document is not None:
                planned.append(document)

    changed = _issue(connection, company_id, series, planned, issue_date, run_id, result)
    _correct_changed(connection, company_id, series, changed, contracts, issue_date, run_id, result)

    # recalculation values, with the number of the correction issued for them
    numbers = {
        row["invoice_key"]: row["invoice_number"]
        for row in query_rows(connection, "select invoice_key, invoice_number from billing.issued_invoices where company_id = ?", [company_id])
    }
    store_recalculations(
        connection, company_id,
        [(values, currency, numbers.get(values.correction.invoice_key) if values.correction is not None else None) for values, currency in recalculations],
    )
    result.recalculations = len(recalculations)
    _record_exceptions(connection, company_id, month, "invoices", result.exceptions, run_id)
    return result


def _correct_changed(
    connection: duckdb.DuckDBPyConnection,
    company_id: str,
    series: str,
    changed: list[tuple[PlannedDocument, IssueOutcome]],
    contracts: list[ContractMonth],
    issue_date: date,
    run_id: str | None,
    result: PartitionResult,
) -> None:
    """Credit and re-issue changed deviation / green-certificate documents; keep changed advances as issued."""
    by_contract = {contract.contract_id: contract for contract in contracts}
    corrections: list[PlannedDocument] = []
    for document, outcome in changed:
        draft = document.draft
        if draft.invoice_type is InvoiceKind.ADVANCE:
            result.kept_as_issued.append(f"{outcome.invoice_number} ({draft.invoice_key}): kept as issued; its regularisation settles the difference")
            continue
        issued = load_issued_documents(connection, company_id, [draft.invoice_key]).get(draft.invoice_key)
        contract = by_contract[draft.contract_id]
        if issued is None:
            raise ValueError(f"{outcome.invoice_number} is in the register but not in the ledger: rerun the partition that issued it")
        credit, types = credit_for(issued, f"Replaced: the {draft.invoice_type.value} {draft.invoice_key} was recalculated")
        corrections.append(_planned(credit, contract, issue_date, types))
        revised_key = f"{draft.invoice_key}/{revision_of(draft)}"
        corrections.append(replace(document, draft=replace(draft, invoice_key=revised_key)))
    still_changed = _issue(connection, company_id, series, corrections, issue_date, run_id, result)
    for document, outcome in still_changed:
        result.exceptions.append(
            BillingException(company_id, result.month, document.draft.contract_id, document.draft.customer_id,
                             f"{document.draft.invoice_key} ({outcome.invoice_number}) changed again after issue: {', '.join(outcome.differences)}")
        )


# --- penalties ----------------------------------------------------------------------------------


# A reference rate that stopped being published and the one that replaced it by law, from that day:
# the BNB's base interest rate (BIR) ended with Bulgaria's euro adoption on 2026-01-01, and references to
# it are read as the ECB's main refinancing rate from then on.
REFERENCE_RATE_SUCCESSION: dict[str, tuple[date, str]] = {"BIR": (date(2026, 1, 1), "ECB_MRO")}


def reference_rate_periods(connection: duckdb.DuckDBPyConnection, rate_code: str) -> list[RatePeriod]:
    """The rate's periods from `reference.reference_interest_rates`, continued by its successor if it has one."""
    def periods(code: str) -> list[RatePeriod]:
        return [
            RatePeriod(row["valid_from"], _dec(row["rate_pct"]))
            for row in query_rows(connection, "select valid_from, rate_pct from reference.reference_interest_rates where rate_code = ? order by valid_from", [code])
        ]

    own = periods(rate_code)
    if rate_code in REFERENCE_RATE_SUCCESSION:
        switch, successor = REFERENCE_RATE_SUCCESSION[rate_code]
        following = periods(successor)
        in_force = [period for period in following if period.valid_from <= switch]
        later = [period for period in following if period.valid_from > switch]
        own = [period for period in own if period.valid_from < switch]
        if in_force:
            own.append(RatePeriod(switch, in_force[-1].annual_rate_pct))
        own += later
    return own


def _penalty_terms(connection: duckdb.DuckDBPyConnection, settings, minimum: Decimal) -> PenaltyTerms:
    if settings.penalty_reference_rate == "fixed":
        return PenaltyTerms.fixed_rate(settings.penalty_margin_pct, settings.penalty_day_count, minimum_amount=minimum)
    rates = reference_rate_periods(connection, settings.penalty_reference_rate)
    if not rates:
        raise PricingError(f"no reference rate {settings.penalty_reference_rate} in reference.reference_interest_rates")
    return PenaltyTerms(rates, settings.penalty_margin_pct, settings.penalty_day_count, minimum_amount=minimum)


def penalize_company_month(
    connection: duckdb.DuckDBPyConnection,
    company_id: str,
    month: str,
    billing_day: int,
    minimum_amount: Decimal,
    run_id: str | None = None,
) -> PartitionResult:
    """Issue late-payment interest invoices as of the partition's billing day, per contract.

    Interest runs on every document with an amount due > 0 (not on penalties themselves) from the day after
    its due date plus grace days to the payment's value date (or to the billing day, for what is still
    unpaid), at the contract's reference rate + margin and day count. What earlier penalty invoices charged
    on a document is deducted, so no day is charged twice.
    """
    create_billing_ledger_tables(connection)
    series = ensure_series(connection, company_id)
    as_of = issue_date_for(month, billing_day)
    result = PartitionResult(company_id, month, as_of)
    key_prefix = f"penalty/{month}/"
    documents = query_rows(
        connection,
        """
        select invoice_number, contract_id, customer_id, currency, due_date, grace_days, amount_due, invoice_type
        from billing.invoice_documents
        where company_id = ? and amount_due > 0 and invoice_type <> 'penalty' and issue_date <= ? and contract_id is not null
        order by contract_id, invoice_number
        """,
        [company_id, as_of],
    )
    payments: dict[str, list[Payment]] = defaultdict(list)
    for row in query_rows(
        connection,
        "select invoice_number, value_date, amount from billing.payment_allocations where company_id = ? and invoice_number is not null and value_date <= ?",
        [company_id, as_of],
    ):
        payments[row["invoice_number"]].append(Payment(row["value_date"], _dec(row["amount"])))
    charged_before: dict[str, Decimal] = defaultdict(Decimal)
    for row in query_rows(
        connection,
        """
        select l.charged_invoice_number, l.net_amount
        from billing.invoice_lines as l
        inner join billing.invoice_documents as d on d.company_id = l.company_id and d.invoice_number = l.invoice_number
        where d.company_id = ? and d.invoice_type = 'penalty' and not starts_with(d.invoice_key, ?)
        """,
        [company_id, key_prefix],
    ):
        charged_before[row["charged_invoice_number"]] += _dec(row["net_amount"])
    settings_by_contract = _penalty_settings(connection, company_id, as_of)

    by_contract: dict[str, list[dict]] = defaultdict(list)
    for row in documents:
        by_contract[row["contract_id"]].append(row)
    result.contracts = len(by_contract)
    planned: list[PlannedDocument] = []
    for contract_id, rows in sorted(by_contract.items()):
        settings, contract_month = settings_by_contract.get(contract_id, (None, None))
        customer = rows[0]["customer_id"]
        if settings is None:
            result.exceptions.append(BillingException(company_id, month, contract_id, customer, "no contract or billing settings in force for penalties"))
            continue
        try:
            terms = _penalty_terms(connection, settings, minimum_amount)
            for currency in sorted({row["currency"] for row in rows}):
                charges, numbers = [], []
                for row in rows:
                    if row["currency"] != currency:
                        continue
                    due = effective_due_date(row["due_date"], row["invoice_type"], settings.grace())
                    if due >= as_of:
                        continue
                    penalty = penalty_for_invoice(due, _dec(row["amount_due"]), payments.get(row["invoice_number"], []), terms, as_of)
                    amount = penalties_to_invoice(charged_before[row["invoice_number"]], penalty)
                    if amount > 0:
                        charges.append((row["invoice_number"], amount, f"{penalty.overdue_days} day(s) overdue to {as_of.isoformat()}"))
                        numbers.append(row["invoice_number"])
                contract = SupplyContract(contract_id, customer, currency, Decimal(0))
                draft = penalty_invoice(contract, month, charges)
                if draft is None:
                    continue
                if currency != contract_month.currency:
                    draft = replace(draft, invoice_key=f"{draft.invoice_key}/{currency}")
                document = _planned(draft, contract_month, as_of, ["penalty_interest"] * len(draft.lines))
                planned.append(replace(document, charged_invoice_numbers=tuple(numbers)))
        except (PricingError, ValueError) as error:
            result.exceptions.append(BillingException(company_id, month, contract_id, customer, f"penalties: {error}"))
    changed = _issue(connection, company_id, series, planned, as_of, run_id, result)
    for document, outcome in changed:
        result.kept_as_issued.append(f"{outcome.invoice_number} ({document.draft.invoice_key}): a later payment changed the interest; kept as issued")
    _record_exceptions(connection, company_id, month, "penalties", result.exceptions, run_id)
    return result


def _penalty_settings(connection: duckdb.DuckDBPyConnection, company_id: str, as_of: date) -> dict[str, tuple]:
    """contract → (billing settings in force on as_of, a ContractMonth-like carrier of due-date terms)."""
    settings = {row["contract_id"]: _settings(row) for row in query_rows(connection, SETTINGS_SQL, [as_of])}
    carriers = {}
    for row in query_rows(
        connection,
        """
        select c.contract_id, c.addendum_number, c.company_id, c.customer_id, cu.customer_class, co.country_code, co.market_timezone,
               c.product_code, c.energy_price_per_kwh, c.currency, c.ordered_monthly_kwh, c.tolerance_pct, c.payment_terms_days, c.invoice_language
        from marts.dim_contracts as c
        inner join marts.dim_customers as cu on cu.customer_id = c.customer_id
        inner join marts.dim_companies as co on co.company_id = c.company_id
        where c.company_id = ?
        qualify row_number() over (partition by c.contract_id order by (c.valid_from <= ?) desc, c.valid_from desc) = 1
        """,
        [company_id, as_of],
    ):
        contract_id = row["contract_id"]
        if contract_id not in settings:
            continue
        carriers[contract_id] = (
            settings[contract_id],
            ContractMonth(
                contract_id=contract_id, addendum_number=int(row["addendum_number"]), company_id=row["company_id"],
                customer_id=row["customer_id"], customer_class=row["customer_class"], country_code=row["country_code"],
                market_timezone=row["market_timezone"], month=as_of.strftime("%Y-%m"), product_code=row["product_code"],
                energy_price_per_kwh=_dec(row["energy_price_per_kwh"]), currency=row["currency"],
                ordered_kwh=_dec(row["ordered_monthly_kwh"]), tolerance_pct=_dec(row["tolerance_pct"]),
                payment_terms_days=int(row["payment_terms_days"]), invoice_language=row["invoice_language"],
                total_kwh=Decimal(0), estimated_kwh=Decimal(0), recalculated_kwh=Decimal(0), settings=settings[contract_id],
            ),
        )
    return carriers
