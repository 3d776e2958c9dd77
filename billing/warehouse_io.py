"""Reads a billing month's inputs from the warehouse and writes its documents to the ledger.

Inputs come from the marts and staging views dbt builds (`fct_monthly_contract_consumption`,
`fct_monthly_consumption`, `fct_hourly_consumption`, `dim_contracts`, `dim_customers`, `dim_companies`,
`stg_crm__contract_billing_settings`, `stg_dso__network_fees`, `stg_power_exchange__day_ahead_prices`)
and the reference seeds (`excise_rates`, `reactive_energy_prices`, `green_certificate_quotas`,
`invoice_series`). Every number is read as DECIMAL and converted to `Decimal` through its text, never
through a float. The ledger tables are in `billing.ledger_tables`; writes are insert-if-absent by
(company_id, invoice_number), so storing the documents of a rerun is a no-op.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import duckdb

from billing.charges import NetworkFee
from billing.due_dates import due_date_for
from billing.document_codec import draft_from_json, draft_to_json
from billing.invoice_types import RecalculationValues, breakdown_groups, sum_groups
from billing.monthly_run import (
    BillingSettings,
    ContractMonth,
    GreenCertificateQuota,
    IssuedDocument,
    PlannedDocument,
    ReferenceData,
    next_month,
)
from billing.register import IssueOutcome, RegisterError, UnknownSeriesError, configure_series, get_series, run_with_retries

Row = dict[str, Any]


def query_rows(connection: duckdb.DuckDBPyConnection, sql: str, parameters: Sequence[Any] | Mapping[str, Any] = ()) -> list[Row]:
    """The query's rows as dicts by column name; positional (`?`) or named (`$name`) parameters."""
    cursor = connection.execute(sql, parameters if isinstance(parameters, Mapping) else list(parameters))
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, values)) for values in cursor.fetchall()]


def _dec(value: Any) -> Decimal | None:
    """A DECIMAL column's value (Python Decimal already) or None; floats are refused."""
    if value is None:
        return None
    if isinstance(value, float):
        raise TypeError(f"a money or quantity column came back as a float ({value!r}): cast it to DECIMAL in the query")
    return Decimal(value) if not isinstance(value, Decimal) else value


def month_bounds(month: str) -> tuple[date, date]:
    first = date.fromisoformat(f"{month}-01")
    following = date.fromisoformat(f"{next_month(month)}-01")
    return first, following - timedelta(days=1)


# --- series -------------------------------------------------------------------------------------


def ensure_series(connection: duckdb.DuckDBPyConnection, company_id: str) -> str:
    """The company's invoice series from the `invoice_series` seed, configured in the register if new."""
    rows = query_rows(connection, "select series, coalesce(prefix, '') as prefix, digits, first_number from reference.invoice_series where company_id = ?", [company_id])
    if len(rows) != 1:
        raise ValueError(f"reference.invoice_series needs exactly one series for company {company_id}, found {len(rows)}")
    row = rows[0]
    try:
        get_series(connection, company_id, row["series"])
    except UnknownSeriesError:
        try:
            configure_series(connection, company_id, row["series"], row["prefix"], int(row["digits"]), int(row["first_number"]))
        except RegisterError:
            # a concurrent run configured it first (and may have issued numbers since): fine if it is the same format
            existing = get_series(connection, company_id, row["series"])
            if (existing.prefix, existing.digits) != (row["prefix"], int(row["digits"])):
                raise
    return str(row["series"])


# --- inputs -------------------------------------------------------------------------------------

CONTRACT_MONTHS_SQL = """
select
    m.contract_id, m.addendum_number, m.company_id, m.customer_id, cu.customer_class, co.country_code, co.market_timezone,
    c.product_code, c.energy_price_per_kwh, c.currency, m.ordered_kwh, m.tolerance_pct, c.payment_terms_days,
    c.invoice_language, m.total_kwh, m.estimated_kwh, m.recalculated_kwh
from marts.fct_monthly_contract_consumption as m
inner join marts.dim_contracts as c on c.contract_id = m.contract_id and c.addendum_number = m.addendum_number
inner join marts.dim_customers as cu on cu.customer_id = m.customer_id
inner join marts.dim_companies as co on co.company_id = m.company_id
where m.company_id = ? and m.consumption_month = ?
order by m.contract_id
"""

POINTS_SQL = """
select distinct metering_point_id, contract_id
from marts.fct_monthly_consumption
where company_id = ? and consumption_month = ? and contract_id is not null
"""

REACTIVE_SQL = """
select contract_id, cast(sum(coalesce(inductive_kvarh, 0)) as decimal(18, 3)) as inductive_kvarh,
       cast(sum(coalesce(capacitive_kvarh, 0)) as decimal(18, 3)) as capacitive_kvarh
from marts.fct_monthly_consumption
where company_id = ? and consumption_month = ? and contract_id is not null
group by contract_id
"""

ZONES_SQL = """
with points as ({points})
select points.contract_id, h.tariff_zone, cast(sum(h.energy_kwh) as decimal(18, 3)) as energy_kwh
from marts.fct_hourly_consumption as h
inner join points on points.metering_point_id = h.metering_point_id
where h.local_date between ? and ?
group by all
"""

HOURS_SQL = """
with points as ({points})
select points.contract_id, h.hour_start_utc, cast(sum(h.energy_kwh) as decimal(18, 3)) as energy_kwh
from marts.fct_hourly_consumption as h
inner join points on points.metering_point_id = h.metering_point_id
where h.local_date between ? and ? and points.contract_id in (select unnest(?::varchar[]))
group by all
"""

FEES_SQL = """
with points as ({points})
select points.contract_id, f.billing_month, f.dso_id, f.metering_point_id, f.fee_code,
       cast(f.quantity as decimal(18, 6)) as quantity, f.unit, cast(f.unit_price as decimal(18, 6)) as unit_price,
       cast(f.amount as decimal(18, 2)) as amount, f.currency
from staging.stg_dso__network_fees as f
inner join points on points.metering_point_id = f.metering_point_id
where f.billing_month = ?
order by points.contract_id, f.metering_point_id, f.fee_code
"""

SETTINGS_SQL = """
select * from (
    select s.*, row_number() over (partition by contract_id order by effective_from desc) as rank_in_force
    from staging.stg_crm__contract_billing_settings as s
    where effective_from <= ?
) where rank_in_force = 1
"""


def _settings(row: Row | None) -> BillingSettings:
    if row is None:
        return BillingSettings()
    zones = {zone: _dec(row[f"{zone}_price_per_kwh"]) for zone in ("day", "night", "peak") if row.get(f"{zone}_price_per_kwh") is not None}
    return BillingSettings(
        is_regulated_tariff=bool(row["is_regulated_tariff"]),
        zone_prices={zone: price for zone, price in zones.items() if price is not None},
        has_advance_invoices=bool(row["has_advance_invoices"]),
        advance_basis=row["advance_basis"] or None,
        has_deviation_invoices=bool(row["has_deviation_invoices"]),
        deviation_price_per_kwh=_dec(row["deviation_price_per_kwh"]),
        has_green_certificate_invoices=bool(row["has_green_certificate_invoices"]),
        due_date_rule=row["due_date_rule"] or None,
        grace_days={
            "advance": int(row["grace_days_advance"]),
            "regularisation": int(row["grace_days_regularisation"]),
            "penalty": int(row["grace_days_penalty"]),
        },
        penalty_reference_rate=row["penalty_reference_rate"],
        penalty_margin_pct=_dec(row["penalty_margin_pct"]) or Decimal(0),
        penalty_day_count=row["penalty_day_count"],
        reactive_threshold_tan_phi=_dec(row["reactive_threshold_tan_phi"]),
        excise_exempt_share_pct=_dec(row["excise_exempt_share_pct"]) or Decimal(0),
        intermediary_id=row["intermediary_id"] or None,
        intermediary_commission_pct=_dec(row["intermediary_commission_pct"]),
    )


def load_contract_months(connection: duckdb.DuckDBPyConnection, company_id: str, month: str) -> list[ContractMonth]:
    """Every contract of the company with consumption in the month, with what pricing needs."""
    first, last = month_bounds(month)
    base = query_rows(connection, CONTRACT_MONTHS_SQL, [company_id, first])
    if not base:
        return []
    reactive = {row["contract_id"]: row for row in query_rows(connection, REACTIVE_SQL, [company_id, first])}
    points = POINTS_SQL  # inlined as a CTE: its two parameters come first in each query below
    zones: dict[str, dict[str, Decimal]] = defaultdict(dict)
    for row in query_rows(connection, ZONES_SQL.format(points=points), [company_id, first, first, last]):
        zones[row["contract_id"]][row["tariff_zone"]] = _dec(row["energy_kwh"])
    index_contracts = [row["contract_id"] for row in base if row["product_code"] == "INDEX"]
    hours: dict[str, dict[datetime, Decimal]] = defaultdict(dict)
    if index_contracts:
        for row in query_rows(connection, HOURS_SQL.format(points=points), [company_id, first, first, last, index_contracts]):
            hours[row["contract_id"]][row["hour_start_utc"].astimezone(timezone.utc)] = _dec(row["energy_kwh"])
    fees: dict[str, list[NetworkFee]] = defaultdict(list)
    for row in query_rows(connection, FEES_SQL.format(points=points), [company_id, first, first]):
        fees[row["contract_id"]].append(
            NetworkFee(
                fee_code=row["fee_code"], quantity=row["quantity"], unit=row["unit"], unit_price=row["unit_price"],
                amount=row["amount"], currency=row["currency"], billing_month=month, dso_id=row["dso_id"] or "",
                metering_point_id=row["metering_point_id"] or "",
            )
        )
    settings = {row["contract_id"]: row for row in query_rows(connection, SETTINGS_SQL, [last])}
    estimates = {
        row["contract_id"]: _dec(row["estimated_kwh"])
        for row in query_rows(
            connection,
            "select contract_id, cast(estimated_kwh as decimal(18, 3)) as estimated_kwh from staging.stg_crm__customer_estimates where estimate_month = ?",
            [date.fromisoformat(f"{next_month(month)}-01")],
        )
    }
    months = []
    for row in base:
        contract_id = row["contract_id"]
        product = row["product_code"]
        months.append(
            ContractMonth(
                contract_id=contract_id,
                addendum_number=int(row["addendum_number"]),
                company_id=row["company_id"],
                customer_id=row["customer_id"],
                customer_class=row["customer_class"],
                country_code=row["country_code"],
                market_timezone=row["market_timezone"],
                month=month,
                product_code=product,
                energy_price_per_kwh=_dec(row["energy_price_per_kwh"]),
                currency=row["currency"],
                ordered_kwh=_dec(row["ordered_kwh"]),
                tolerance_pct=_dec(row["tolerance_pct"]),
                payment_terms_days=int(row["payment_terms_days"]),
                invoice_language=row["invoice_language"],
                total_kwh=_dec(row["total_kwh"]),
                estimated_kwh=_dec(row["estimated_kwh"]),
                recalculated_kwh=_dec(row["recalculated_kwh"]),
                inductive_kvarh=_dec(reactive.get(contract_id, {}).get("inductive_kvarh")) or Decimal(0),
                capacitive_kvarh=_dec(reactive.get(contract_id, {}).get("capacitive_kvarh")) or Decimal(0),
                zone_kwh=dict(zones.get(contract_id, {})) if product == "TOU" else None,
                hourly_kwh=dict(hours.get(contract_id, {})) if product == "INDEX" else None,
                network_fees=tuple(fees.get(contract_id, ())),
                settings=_settings(settings.get(contract_id)),
                next_month_estimate_kwh=estimates.get(contract_id),
            )
        )
    return months


NEXT_TERMS_SQL = """
select contract_id, addendum_number, product_code, energy_price_per_kwh, currency, ordered_monthly_kwh, tolerance_pct,
       payment_terms_days, invoice_language
from marts.dim_contracts
where company_id = ? and valid_from <= ? and (valid_to is null or valid_to >= ?)
"""


def with_next_month_terms(connection: duckdb.DuckDBPyConnection, contracts: list[ContractMonth], month: str) -> dict[str, ContractMonth]:
    """Each contract as it stands on the next month's first day (the terms its advance is priced on).

    Only contracts whose version changes (an addendum from that day: new price, product, ordered quantity or
    currency, e.g. the Bulgarian euro changeover) differ from `contracts`; settings are those in force then.
    """
    if not contracts:
        return {}
    first_next = date.fromisoformat(f"{next_month(month)}-01")
    company_id = contracts[0].company_id
    versions = {row["contract_id"]: row for row in query_rows(connection, NEXT_TERMS_SQL, [company_id, first_next, first_next])}
    settings = {row["contract_id"]: row for row in query_rows(connection, SETTINGS_SQL, [first_next])}
    result = {}
    for contract in contracts:
        row = versions.get(contract.contract_id)
        if row is None:
            continue  # the contract ends with the month: no advance
        result[contract.contract_id] = replace(
            contract,
            addendum_number=int(row["addendum_number"]),
            product_code=row["product_code"],
            energy_price_per_kwh=_dec(row["energy_price_per_kwh"]),
            currency=row["currency"],
            ordered_kwh=_dec(row["ordered_monthly_kwh"]),
            tolerance_pct=_dec(row["tolerance_pct"]),
            payment_terms_days=int(row["payment_terms_days"]),
            invoice_language=row["invoice_language"],
            settings=_settings(settings.get(contract.contract_id)),
        )
    return result


def load_reference_data(
    connection: duckdb.DuckDBPyConnection, country_code: str, month: str, *, day_ahead: bool = True
) -> ReferenceData:
    """The rates in force on the month's first day (excise, reactive price), every year's quotas, and (unless
    `day_ahead` is False: an advance is priced on the previous month's index, never on its own month's) the
    month's hourly day-ahead prices."""
    first, last = month_bounds(month)
    excise = {
        (row["country_code"], row["customer_class"], row["currency"]): (_dec(row["rate_per_mwh"]), _dec(row["exempt_share_pct"]))
        for row in query_rows(
            connection,
            "select * from reference.excise_rates where country_code = ? and valid_from <= ? and (valid_to is null or valid_to >= ?)",
            [country_code, first, first],
        )
    }
    reactive = {
        (row["market_code"], row["currency"]): _dec(row["price_per_kvarh"])
        for row in query_rows(
            connection,
            "select * from reference.reactive_energy_prices where market_code = ? and valid_from <= ? and (valid_to is null or valid_to >= ?)",
            [country_code, first, first],
        )
    }
    quotas = {(country_code, quota.year, quota.currency): quota for quota in load_green_certificate_quotas(connection, country_code)}
    if not day_ahead:
        return ReferenceData(excise=excise, reactive_price=reactive, green_certificates=quotas)
    prices: dict[datetime, list[tuple[Decimal, str]]] = defaultdict(list)
    window_start = datetime.combine(first - timedelta(days=1), datetime.min.time(), timezone.utc)
    window_end = datetime.combine(last + timedelta(days=2), datetime.min.time(), timezone.utc)
    for row in query_rows(
        connection,
        """
        select period_start_utc, period_minutes, cast(price_per_mwh as decimal(18, 6)) as price_per_mwh, currency
        from staging.stg_power_exchange__day_ahead_prices
        where market_code = ? and period_start_utc >= ? and period_start_utc < ?
        """,
        [country_code, window_start, window_end],
    ):
        start = row["period_start_utc"].astimezone(timezone.utc)
        hour = start.replace(minute=0, second=0, microsecond=0)
        prices[hour].append((_dec(row["price_per_mwh"]), row["currency"]))
    hourly: dict[datetime, tuple[Decimal, str]] = {}
    for hour, values in prices.items():
        currencies = {currency for _, currency in values}
        if len(currencies) != 1:
            continue  # an hour priced in two currencies has no single price: INDEX pricing reports it missing
        hourly[hour] = (sum((price for price, _ in values), Decimal(0)) / len(values), currencies.pop())
    return ReferenceData(excise=excise, reactive_price=reactive, green_certificates=quotas, day_ahead_hourly={country_code: hourly})


def load_green_certificate_quotas(connection: duckdb.DuckDBPyConnection, country_code: str) -> list[GreenCertificateQuota]:
    return [
        GreenCertificateQuota(
            year=int(row["year"]),
            provisional_quota=_dec(row["provisional_quota_gc_per_mwh"]),
            certificate_price=_dec(row["certificate_price"]),
            currency=row["currency"],
            final_quota=_dec(row["final_quota_gc_per_mwh"]),
            final_published_on=row["final_quota_published_on"],
        )
        for row in query_rows(connection, "select * from reference.green_certificate_quotas where market_code = ? order by year", [country_code])
    ]


def company_country(connection: duckdb.DuckDBPyConnection, company_id: str) -> str:
    rows = query_rows(connection, "select country_code from marts.dim_companies where company_id = ?", [company_id])
    if not rows:
        raise ValueError(f"company {company_id} is not in marts.dim_companies")
    return str(rows[0]["country_code"])


# --- the ledger ---------------------------------------------------------------------------------


def load_issued_documents(
    connection: duckdb.DuckDBPyConnection, company_id: str, key_prefixes: Iterable[str]
) -> dict[str, IssuedDocument]:
    """Documents of the company whose invoice key starts with one of the prefixes, by key."""
    prefixes = sorted(set(key_prefixes))
    if not prefixes:
        return {}
    rows = query_rows(
        connection,
        """
        select d.invoice_key, d.invoice_number, d.document_json, d.issue_date,
               list(l.charge_type order by l.line_number) as charge_types
        from billing.invoice_documents as d
        inner join billing.invoice_lines as l on l.company_id = d.company_id and l.invoice_number = d.invoice_number
        where d.company_id = ? and list_bool_or(list_transform(?::varchar[], lambda prefix: starts_with(d.invoice_key, prefix)))
        group by all
        """,
        [company_id, prefixes],
    )
    return {
        row["invoice_key"]: IssuedDocument(row["invoice_number"], draft_from_json(row["document_json"]), tuple(row["charge_types"]), row["issue_date"])
        for row in rows
    }


def issued_hashes(connection: duckdb.DuckDBPyConnection, company_id: str, keys: Iterable[str]) -> dict[str, str]:
    keys = sorted(set(keys))
    if not keys:
        return {}
    rows = query_rows(
        connection,
        "select invoice_key, content_hash from billing.issued_invoices where company_id = ? and invoice_key in (select unnest(?::varchar[]))",
        [company_id, keys],
    )
    return {row["invoice_key"]: row["content_hash"] for row in rows}


def store_documents(
    connection: duckdb.DuckDBPyConnection,
    documents: Sequence[tuple[PlannedDocument, IssueOutcome]],
    series: str,
    run_id: str | None,
) -> int:
    """Insert the issued documents, their lines and VAT groups that are not stored yet; returns how many were new."""
    now = datetime.now(timezone.utc)

    def store() -> int:
        stored = {
            (row[0], row[1])
            for row in connection.execute(
                "select company_id, invoice_number from billing.invoice_documents where invoice_number in (select unnest(?::varchar[]))",
                [[outcome.invoice_number for _, outcome in documents]],
            ).fetchall()
        }
        document_rows, line_rows, group_rows = [], [], []
        zero = Decimal("0.00")
        for planned, outcome in documents:
            draft = planned.draft
            key = (planned.company_id, outcome.invoice_number)
            if key in stored:
                continue
            stored.add(key)
            totals = draft.totals
            invoice = outcome.invoice
            document_rows.append([
                planned.company_id, outcome.invoice_number, series, draft.invoice_key, draft.invoice_type.value,
                draft.contract_id, draft.customer_id, draft.month, invoice.issue_date, due_date_for(invoice.issue_date, planned.due_date_rule, planned.country_code),
                planned.grace_days, draft.currency, totals.line_total, totals.vat_total, totals.total_with_vat,
                totals.prepaid_amount, totals.amount_due, draft.corrects_invoice_number, list(draft.prepaid_invoice_refs),
                outcome.invoice_number, planned.consumption_type, planned.energy_kwh, planned.invoice_language,
                planned.intermediary_id, planned.intermediary_commission_pct, draft.note, draft_to_json(draft),
                invoice.content_hash, run_id, now,
            ])
            line_rows += [
                [planned.company_id, outcome.invoice_number, number, charge_type, line.description, line.quantity, line.unit,
                 line.unit_price, line.net_amount, line.vat_category.value, line.vat_rate_pct, point, charged]
                for number, (line, charge_type, point, charged) in enumerate(
                    zip(draft.lines, planned.charge_types, planned.metering_points, planned.charged_invoice_numbers), start=1
                )
            ]
            breakdown = {group.key: group for group in breakdown_groups(totals)}
            prepaid = {group.key: group for group in sum_groups(draft.prepaid_groups)}
            for key_ in sorted(set(breakdown) | set(prepaid), key=lambda k: (k[0].value, k[1])):
                taxable = breakdown[key_].taxable_amount if key_ in breakdown else zero
                vat = breakdown[key_].vat_amount if key_ in breakdown else zero
                prepaid_taxable = prepaid[key_].taxable_amount if key_ in prepaid else zero
                prepaid_vat = prepaid[key_].vat_amount if key_ in prepaid else zero
                group_rows.append([planned.company_id, outcome.invoice_number, key_[0].value, key_[1], taxable, vat,
                                   prepaid_taxable, prepaid_vat, taxable - prepaid_taxable, vat - prepaid_vat])
        # one statement per table for the whole partition
        for table, rows, width in (("invoice_documents", document_rows, 30), ("invoice_lines", line_rows, 13), ("invoice_vat_groups", group_rows, 10)):
            if rows:
                connection.executemany(f"insert into billing.{table} values ({', '.join(['?'] * width)})", rows)
        new = len(document_rows)
        return new

    return run_with_retries(connection, store)


def store_recalculations(
    connection: duckdb.DuckDBPyConnection, company_id: str, values: Sequence[tuple[RecalculationValues, str, str | None]]
) -> None:
    """Insert recalculation values (values, currency, correction number) not stored yet."""
    now = datetime.now(timezone.utc)

    def store() -> None:
        for value, currency, number in values:
            _insert_recalculation(connection, company_id, value, currency, number, now)

    run_with_retries(connection, store)


def _insert_recalculation(
    connection: duckdb.DuckDBPyConnection, company_id: str, value: RecalculationValues, currency: str, number: str | None, now: datetime
) -> None:
    connection.execute(
        """
        insert into billing.recalculation_values
        select ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?
        where not exists (
            select 1 from billing.recalculation_values
            where company_id = ? and contract_id = ? and billing_period = ? and revision = ?
        )
        """,
        [company_id, value.customer_id, value.contract_id, value.month, value.revision, currency, value.recalculated_kwh,
         value.billed_amount, value.recalculated_amount, value.difference, number, now,
         company_id, value.contract_id, value.month, value.revision],
    )
