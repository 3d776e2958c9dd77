"""Read issued documents from the warehouse as `InvoiceView`s: the register, the parties, the points, the consumption.

Reads the invoice register (`billing.invoice_documents`, `invoice_lines`, `invoice_vat_groups`),
the core marts (companies, customers, contracts, metering points, locations), the consumption
marts (kWh per point and month, per local day) and the reference seeds (`company_bank_accounts`,
`company_invoice_details`). Nothing is priced or recomputed: the register's amounts are shown as issued.

A document that cannot be shown correctly (no default bank account in its currency, an IBAN that
fails the ISO 13616 check) is not rendered: it comes back as a `ViewProblem` naming the document and
the reason, so the asset can report it and render the rest.
"""

import calendar
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import duckdb
from stdnum import iban as iban_check

from billing.invoice_math import DEFAULT_EXEMPTION_REASONS, VatCategory
from billing.warehouse_io import query_rows
from invoice_rendering.invoice_view import (
    LANGUAGES,
    BankAccount,
    DailyConsumption,
    InvoiceView,
    Line,
    MeteringPoint,
    Party,
    VatGroup,
)

DOCUMENTS_SQL = """
select d.company_id, d.invoice_number, d.invoice_type, d.contract_id, d.customer_id, d.billing_period,
       d.issue_date, d.due_date, d.currency, d.line_total, d.vat_total, d.total_with_vat, d.prepaid_amount,
       d.amount_due, d.corrects_invoice_number, d.prepaid_invoice_refs, d.payment_reference, d.consumption_type,
       d.energy_kwh, d.invoice_language, d.note
from billing.invoice_documents as d
where d.company_id = $company_id
  and ($billing_period is null or d.billing_period = $billing_period)
  and ($invoice_numbers is null or list_contains($invoice_numbers, d.invoice_number))
order by d.invoice_number
"""

LINES_SQL = """
select invoice_number, line_number, description, quantity, unit, unit_price, net_amount, vat_category,
       vat_rate_pct, charge_type, metering_point_id, charged_invoice_number
from billing.invoice_lines
where company_id = $company_id and list_contains($invoice_numbers, invoice_number)
order by invoice_number, line_number
"""

VAT_GROUPS_SQL = """
select invoice_number, vat_category, vat_rate_pct, taxable_amount, vat_amount, prepaid_taxable_amount, prepaid_vat_amount
from billing.invoice_vat_groups
where company_id = $company_id and list_contains($invoice_numbers, invoice_number)
"""

SELLER_SQL = """
select c.legal_name, c.country_code, c.vat_number, d.street, d.city, d.postal_code, d.registration_id, d.email, d.phone
from marts.dim_companies as c
left join reference.company_invoice_details as d on d.company_id = c.company_id
where c.company_id = $company_id
"""

ACCOUNTS_SQL = """
select currency, iban, bic, bank_name
from reference.company_bank_accounts
where company_id = $company_id and is_default
"""

# A customer's postal address: the location of its first metering point (the supplier has no separate
# billing address in the inputs; see the README).
BUYERS_SQL = """
with first_points as (
    select customer_id, arg_min(location_id, metering_point_id) as location_id
    from marts.dim_metering_points
    where company_id = $company_id
    group by customer_id
)
select cu.customer_id, cu.customer_name, cu.vat_number, l.address, l.city
from marts.dim_customers as cu
left join first_points as p on p.customer_id = cu.customer_id
left join marts.dim_locations as l on l.location_id = p.location_id
where cu.company_id = $company_id and list_contains($customer_ids, cu.customer_id)
"""

CONTACTS_SQL = """
select contract_id, arg_max(invoice_email, addendum_number) as invoice_email,
       arg_max(invoice_language, addendum_number) as invoice_language
from marts.dim_contracts
where company_id = $company_id and list_contains($contract_ids, contract_id)
group by contract_id
"""

# The contract's metering points up to the document's month, and the kWh of its month when metered
# (recalculated over achieved).
POINTS_SQL = """
with wanted as (
    select unnest($contract_ids) as contract_id, unnest($months) as billing_period
),
monthly as (
    select m.contract_id, m.metering_point_id, strftime(m.consumption_month, '%Y-%m') as consumption_month,
           m.consumption_type, m.energy_kwh
    from marts.fct_monthly_consumption as m
    where m.company_id = $company_id and m.contract_id is not null
      and m.contract_id in (select contract_id from wanted)
)
select w.contract_id, w.billing_period, monthly.metering_point_id,
       max(monthly.energy_kwh) filter (
           where monthly.consumption_month = w.billing_period and monthly.consumption_type = 'recalculated'
       ) as recalculated_kwh,
       max(monthly.energy_kwh) filter (
           where monthly.consumption_month = w.billing_period and monthly.consumption_type = 'achieved'
       ) as achieved_kwh,
       any_value(l.name) as location_name, any_value(l.address) as address, any_value(l.city) as city
from wanted as w
inner join monthly on monthly.contract_id = w.contract_id and monthly.consumption_month <= w.billing_period
left join marts.dim_metering_points as p on p.metering_point_id = monthly.metering_point_id
left join marts.dim_locations as l on l.location_id = p.location_id
group by all
order by w.contract_id, w.billing_period, monthly.metering_point_id
"""

DAILY_SQL = """
with wanted as (
    select unnest($points) as metering_point_id, unnest($starts) as period_start, unnest($ends) as period_end
)
select h.metering_point_id, h.local_date, cast(sum(h.energy_kwh) as decimal(18, 3)) as energy_kwh
from marts.fct_hourly_consumption as h
inner join wanted on wanted.metering_point_id = h.metering_point_id
    and h.local_date between wanted.period_start and wanted.period_end
group by all
order by 1, 2
"""

DEFAULT_LANGUAGE = {"RO": "ro", "BG": "bg"}
# Documents about metered consumption: their annex shows the period's daily values.
METERED_TYPES = frozenset({"regularisation", "deviation", "credit_note"})


@dataclass(frozen=True)
class ViewProblem:
    """A document that cannot be rendered, and why."""

    company_id: str
    invoice_number: str
    reason: str


def billing_period_dates(period: str) -> tuple[date, date]:
    """First and last day of a register period label: `YYYY-MM` (a month) or `YYYY` (a year)."""
    if len(period) == 7 and period[4] == "-":
        year, month = int(period[:4]), int(period[5:])
        return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
    if len(period) == 4 and period.isdigit():
        return date(int(period), 1, 1), date(int(period), 12, 31)
    raise ValueError(f"unknown billing period label {period!r}; expected YYYY-MM or YYYY")


def default_bank_accounts(connection: duckdb.DuckDBPyConnection, company_id: str) -> dict[str, BankAccount | str]:
    """Default account per currency, or the reason it cannot be printed."""
    accounts: dict[str, BankAccount | str] = {}
    for row in query_rows(connection, ACCOUNTS_SQL, {"company_id": company_id}):
        compact = iban_check.compact(row["iban"] or "")
        try:
            iban_check.validate(compact)
        except Exception as error:  # stdnum raises ValidationError subclasses with a reason
            accounts[row["currency"]] = (
                f"the default {row['currency']} account {row['iban']!r} in reference.company_bank_accounts "
                f"is not a valid IBAN ({error})"
            )
            continue
        accounts[row["currency"]] = BankAccount(iban=compact, bic=row["bic"], bank_name=row["bank_name"])
    return accounts


def seller_party(connection: duckdb.DuckDBPyConnection, company_id: str) -> Party:
    """The company as the seller on its documents: marts.dim_companies and reference.company_invoice_details."""
    rows = query_rows(connection, SELLER_SQL, {"company_id": company_id})
    if not rows:
        raise ValueError(f"company {company_id!r} is not in marts.dim_companies")
    row = rows[0]
    return Party(
        name=row["legal_name"],
        country_code=row["country_code"],
        street=row["street"],
        city=row["city"],
        postal_code=row["postal_code"],
        vat_number=row["vat_number"],
        registration_id=row["registration_id"],
        email=row["email"],
        phone=row["phone"],
    )


def load_invoice_views(
    connection: duckdb.DuckDBPyConnection,
    company_id: str,
    *,
    billing_period: str | None = None,
    invoice_numbers: Sequence[str] | None = None,
) -> tuple[list[InvoiceView], list[ViewProblem]]:
    """The company's issued documents (of one period, or the numbers given) as views, and the ones that cannot be shown."""
    selector = {"company_id": company_id, "billing_period": billing_period, "invoice_numbers": list(invoice_numbers) if invoice_numbers is not None else None}
    documents = query_rows(connection, DOCUMENTS_SQL, selector)
    if not documents:
        return [], []
    numbers = [row["invoice_number"] for row in documents]
    scope = {"company_id": company_id, "invoice_numbers": numbers}
    lines: dict[str, list[Line]] = defaultdict(list)
    for row in query_rows(connection, LINES_SQL, scope):
        lines[row.pop("invoice_number")].append(Line(**row))
    groups: dict[str, list[VatGroup]] = defaultdict(list)
    for row in query_rows(connection, VAT_GROUPS_SQL, scope):
        groups[row.pop("invoice_number")].append(VatGroup(exemption_reason=None, **row))
    seller = seller_party(connection, company_id)
    accounts = default_bank_accounts(connection, company_id)
    customer_ids = sorted({row["customer_id"] for row in documents})
    buyers = {row["customer_id"]: row for row in query_rows(connection, BUYERS_SQL, {"company_id": company_id, "customer_ids": customer_ids})}
    contract_ids = sorted({row["contract_id"] for row in documents if row["contract_id"]})
    contacts = {row["contract_id"]: row for row in query_rows(connection, CONTACTS_SQL, {"company_id": company_id, "contract_ids": contract_ids})}
    points = _points(connection, company_id, documents)
    daily = _daily(connection, documents, points)

    views: list[InvoiceView] = []
    problems: list[ViewProblem] = []
    for row in documents:
        number = row["invoice_number"]
        account = accounts.get(row["currency"])
        if account is None:
            problems.append(ViewProblem(company_id, number, f"no default bank account in {row['currency']} in reference.company_bank_accounts"))
            continue
        if isinstance(account, str):
            problems.append(ViewProblem(company_id, number, account))
            continue
        if not lines[number]:
            problems.append(ViewProblem(company_id, number, "the register has no lines for this document (billing.invoice_lines)"))
            continue
        start, end = billing_period_dates(row["billing_period"])
        contact = contacts.get(row["contract_id"], {})
        language = row["invoice_language"] or contact.get("invoice_language") or DEFAULT_LANGUAGE.get(seller.country_code, "en")
        if language not in LANGUAGES:
            language = DEFAULT_LANGUAGE.get(seller.country_code, "en")
        buyer_row = buyers.get(row["customer_id"], {})
        document_points = points.get((row["contract_id"], row["billing_period"]), ())
        document_points = _with_line_points(document_points, lines[number])
        point_ids = {point.metering_point_id for point in document_points}
        views.append(
            InvoiceView(
                company_id=company_id,
                invoice_number=number,
                invoice_type=row["invoice_type"],
                issue_date=row["issue_date"],
                due_date=row["due_date"],
                period_start=start,
                period_end=end,
                billing_period=row["billing_period"],
                currency=row["currency"],
                language=language,
                seller=seller,
                buyer=Party(
                    name=buyer_row.get("customer_name") or row["customer_id"],
                    country_code=seller.country_code,
                    street=buyer_row.get("address"),
                    city=buyer_row.get("city"),
                    vat_number=buyer_row.get("vat_number"),
                ),
                bank_account=account,
                contract_id=row["contract_id"] or "",
                customer_id=row["customer_id"],
                lines=tuple(lines[number]),
                vat_groups=tuple(_with_reason(group) for group in groups[number]),
                line_total=row["line_total"],
                vat_total=row["vat_total"],
                total_with_vat=row["total_with_vat"],
                prepaid_amount=row["prepaid_amount"],
                amount_due=row["amount_due"],
                payment_reference=row["payment_reference"],
                customer_email=contact.get("invoice_email"),
                note=row["note"] or "",
                corrects_invoice_number=row["corrects_invoice_number"],
                prepaid_invoice_refs=tuple(row["prepaid_invoice_refs"] or ()),
                consumption_type=row["consumption_type"],
                energy_kwh=row["energy_kwh"],
                metering_points=document_points,
                daily_consumption=tuple(
                    item
                    for point_id in sorted(point_ids)
                    for item in daily.get(point_id, ())
                    if start <= item.day <= end
                )
                if row["invoice_type"] in METERED_TYPES
                else (),
            )
        )
    return views, problems


def _with_reason(group: VatGroup) -> VatGroup:
    """BT-120: the register prices exempt and out-of-scope lines with the engine's standard reasons."""
    reason = DEFAULT_EXEMPTION_REASONS.get(VatCategory(group.vat_category))
    if reason is None:
        return group
    return VatGroup(
        group.vat_category, group.vat_rate_pct, group.taxable_amount, group.vat_amount, reason,
        group.prepaid_taxable_amount, group.prepaid_vat_amount,
    )


def _points(connection, company_id: str, documents: list[dict]) -> dict[tuple[str, str], tuple[MeteringPoint, ...]]:
    wanted = sorted({(row["contract_id"], row["billing_period"]) for row in documents if row["contract_id"] and len(row["billing_period"]) == 7})
    if not wanted:
        return {}
    parameters = {"company_id": company_id, "contract_ids": [c for c, _ in wanted], "months": [m for _, m in wanted]}
    points: dict[tuple[str, str], list[MeteringPoint]] = defaultdict(list)
    for row in query_rows(connection, POINTS_SQL, parameters):
        energy = row["recalculated_kwh"] if row["recalculated_kwh"] is not None else row["achieved_kwh"]
        points[(row["contract_id"], row["billing_period"])].append(
            MeteringPoint(row["metering_point_id"], row["location_name"], row["address"], row["city"], energy)
        )
    return {key: tuple(value) for key, value in points.items()}


def _with_line_points(points: tuple[MeteringPoint, ...], lines: list[Line]) -> tuple[MeteringPoint, ...]:
    """The contract's points plus any point a line names (network fees) that the consumption marts do not list."""
    known = {point.metering_point_id for point in points}
    extra = sorted({line.metering_point_id for line in lines if line.metering_point_id and line.metering_point_id not in known})
    return points + tuple(MeteringPoint(point_id, None, None, None, None) for point_id in extra)


def _daily(connection, documents: list[dict], points: dict) -> dict[str, list[DailyConsumption]]:
    spans: dict[str, tuple[date, date]] = {}
    for row in documents:
        if row["invoice_type"] not in METERED_TYPES:
            continue
        start, end = billing_period_dates(row["billing_period"])
        for point in points.get((row["contract_id"], row["billing_period"]), ()):
            low, high = spans.get(point.metering_point_id, (start, end))
            spans[point.metering_point_id] = (min(low, start), max(high, end))
    if not spans:
        return {}
    ids = sorted(spans)
    parameters = {"points": ids, "starts": [spans[i][0] for i in ids], "ends": [spans[i][1] for i in ids]}
    daily: dict[str, list[DailyConsumption]] = defaultdict(list)
    for row in query_rows(connection, DAILY_SQL, parameters):
        daily[row["metering_point_id"]].append(DailyConsumption(row["metering_point_id"], row["local_date"], Decimal(row["energy_kwh"])))
    return daily
