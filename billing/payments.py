"""Matching every ingested bank statement line against the issued documents, into the billing ledger.

The rules are `billing.payment_matching.match_payments`; this module feeds it from the warehouse and writes
the result. Per company (the account a line was booked on, `reference.company_bank_accounts`):

1. the open documents are every issued document of the company with an amount due > 0 (credit notes and
   credit regularisations are not paid by the customer), at their full amount: matching is recomputed from
   all statement lines each time, so it never depends on the order files arrived in;
2. a first pass matches by reference; every payer IBAN that paid documents of exactly one customer by
   reference becomes that customer's known IBAN;
3. the second pass, with the known IBANs, is the result: unreferenced payments of a known payer are matched
   by customer and amount; the rest is queued with the reason.

A line on an account that is not one of the companies' is queued (`unknown_account`). Both ledger tables are
replaced in one transaction, so readers always see one consistent matching.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal

import duckdb

from billing.payment_matching import MatchResult, OpenInvoice, StatementLine, match_payments, normalize_iban, normalize_reference
from billing.warehouse_io import _dec, query_rows


@dataclass
class MatchingSummary:
    lines: int = 0
    matched_lines: int = 0
    queued_lines: int = 0
    allocated_by_currency: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    queued_by_reason: dict[str, int] = field(default_factory=lambda: defaultdict(int))


def _iban(text: str | None) -> str:
    return normalize_iban(text or "")


def learned_payer_ibans(result: MatchResult, lines: list[StatementLine]) -> dict[str, str]:
    """payer IBAN → customer, for IBANs whose reference-matched payments all paid one customer."""
    by_line = {line.key: line for line in lines}
    customers: dict[str, set[str]] = defaultdict(set)
    for allocation in result.allocations:
        if allocation.method != "reference":
            continue
        iban = _iban(by_line[allocation.line_key].payer_iban)
        if iban:
            customers[iban].add(allocation.customer_id)
    return {iban: next(iter(names)) for iban, names in customers.items() if len(names) == 1}


def match_company(lines: list[StatementLine], invoices: list[OpenInvoice]) -> MatchResult:
    """Two passes: learn payer IBANs from reference payments, then match with them."""
    first = match_payments(lines, invoices)
    return match_payments(lines, invoices, learned_payer_ibans(first, lines))


def match_all_statements(connection: duckdb.DuckDBPyConnection) -> MatchingSummary:
    """Match every statement line of `staging.stg_bank__statement_lines`; replace the allocations and the queue."""
    accounts = {
        _iban(row["iban"]): row["company_id"]
        for row in query_rows(connection, "select iban, company_id from reference.company_bank_accounts")
    }
    statement_rows = query_rows(
        connection,
        """
        select statement_id, line_number, account_iban, booking_date, value_date, cast(amount as decimal(18, 2)) as amount,
               currency, payer_name, payer_iban, remittance_info
        from staging.stg_bank__statement_lines
        order by booking_date, statement_id, line_number
        """,
    )
    documents = query_rows(
        connection,
        """
        select company_id, invoice_number, customer_id, currency, issue_date, due_date, amount_due, payment_reference
        from billing.invoice_documents
        where amount_due > 0
        order by company_id, invoice_number
        """,
    )
    lines_by_company: dict[str | None, list[StatementLine]] = defaultdict(list)
    rows_by_key = {}
    for row in statement_rows:
        line = StatementLine(
            statement_id=row["statement_id"], line_number=int(row["line_number"]), booking_date=row["booking_date"],
            value_date=row["value_date"], amount=_dec(row["amount"]), currency=row["currency"],
            payer_name=row["payer_name"], payer_iban=row["payer_iban"], remittance_info=row["remittance_info"],
        )
        rows_by_key[line.key] = row
        lines_by_company[accounts.get(_iban(row["account_iban"]))].append(line)
    invoices_by_company: dict[str, list[OpenInvoice]] = defaultdict(list)
    for row in documents:
        reference = row["payment_reference"]
        invoices_by_company[row["company_id"]].append(
            OpenInvoice(
                invoice_number=row["invoice_number"], customer_id=row["customer_id"], company_id=row["company_id"],
                currency=row["currency"], issue_date=row["issue_date"], due_date=row["due_date"], gross_amount=_dec(row["amount_due"]),
                payment_reference=reference if reference and normalize_reference(reference) != normalize_reference(row["invoice_number"]) else None,
            )
        )

    now = datetime.now(timezone.utc)
    summary = MatchingSummary(lines=len(statement_rows))
    allocation_rows, queue_rows = [], []
    for company_id, lines in sorted(lines_by_company.items(), key=lambda item: item[0] or ""):
        if company_id is None:
            for line in lines:
                row = rows_by_key[line.key]
                queue_rows.append([
                    line.statement_id, line.line_number, None, line.booking_date, line.value_date, line.amount, line.currency,
                    line.payer_name, line.payer_iban, line.remittance_info, "unknown_account",
                    f"received on account {row['account_iban']}, which is not an account of any company (reference.company_bank_accounts)", now,
                ])
            continue
        result = match_company(lines, invoices_by_company.get(company_id, []))
        numbers: dict[tuple[str, int], int] = defaultdict(int)
        by_key = {line.key: line for line in lines}
        for allocation in result.allocations:
            line = by_key[allocation.line_key]
            numbers[line.key] += 1
            allocation_rows.append([
                line.statement_id, line.line_number, numbers[line.key], company_id, allocation.customer_id, allocation.invoice_number,
                line.booking_date, line.value_date, allocation.currency, allocation.amount, allocation.method, now,
            ])
            summary.allocated_by_currency[allocation.currency] += allocation.amount
        for queued in result.queue:
            line = queued.line
            queue_rows.append([
                line.statement_id, line.line_number, company_id, line.booking_date, line.value_date, line.amount, line.currency,
                line.payer_name, line.payer_iban, line.remittance_info, queued.reason_code, queued.reason, now,
            ])
    summary.matched_lines = len({(row[0], row[1]) for row in allocation_rows})
    summary.queued_lines = len(queue_rows)
    for row in queue_rows:
        summary.queued_by_reason[row[10]] += 1

    connection.execute("begin transaction")
    try:
        connection.execute("delete from billing.payment_allocations")
        connection.execute("delete from billing.payment_queue")
        if allocation_rows:
            connection.executemany("insert into billing.payment_allocations values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", allocation_rows)
        if queue_rows:
            connection.executemany("insert into billing.payment_queue values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", queue_rows)
        connection.execute("commit")
    except BaseException:
        connection.execute("rollback")
        raise
    return summary
