"""`voltbill outputs`: where every output of the pipeline is, with row counts, read from the serving copy.

Reads only the published serving copy, so it never waits for (or blocks) the pipeline's writer.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from voltbill.paths import inbox_dir, outputs_dir, serving_dir, warehouse_path
from voltbill.serving import SERVING_DATABASE


def describe_outputs() -> str:
    serving_database = serving_dir() / SERVING_DATABASE
    lines = [
        "Voltbill outputs",
        f"  landing zone (inputs)     {inbox_dir()}",
        f"  warehouse (pipeline only) {warehouse_path()}",
        f"  serving copy for BI       {serving_database}",
        f"  Parquet exports           {serving_dir() / 'parquet'}/<schema>/<table>.parquet",
        f"  reports and documents     {outputs_dir()}",
        f"  purchase plans (CSV)      {outputs_dir() / 'purchase_plans'}/<delivery day>/",
        f"  forecast charts (HTML)    {outputs_dir() / 'forecasting'}",
        f"  dashboard (HTML)          {outputs_dir() / 'dashboard' / 'dashboard.html'}  (open it in a browser, no server needed)",
        f"  imbalance report (HTML)   {outputs_dir() / 'imbalance' / 'imbalance_report.html'}",
        f"  invoice documents         {outputs_dir() / 'invoices'}/<company>/<billing period>/ (PDF, UBL, CII, CSV, zip)",
        f"  invoice period exports    {outputs_dir() / 'invoices' / 'exports'}/<company>_<period>.zip, .accounting.csv",
        f"  EMP invoices (charging)   {outputs_dir() / 'emp_invoices'}/<company>/<month>/ (PDF, CDR CSV, zip), all_emp_invoices.zip",
        f"  reconciliation documents  {outputs_dir() / 'reconciliations'}/<building>/<period end>/<tenant>.pdf",
        "  Dagster UI                make dev, then http://127.0.0.1:3000",
    ]
    invoices = outputs_dir() / "invoices"
    companies = sorted(path for path in invoices.iterdir() if path.is_dir() and path.name != "exports") if invoices.is_dir() else []
    if companies:
        lines.append("")
        lines.append("Invoice documents rendered (PDF files per company):")
        for company in companies:
            lines.append(f"  {company.name:<6} {sum(1 for _ in company.glob('*/*.pdf')):>8,}")
    emp_documents = outputs_dir() / "emp_invoices"
    if emp_documents.is_dir():
        lines.append(f"EMP documents rendered (PDF files): {sum(1 for _ in emp_documents.glob('*/*/*.pdf')):,}")
    if not serving_database.exists():
        lines.append("  (no serving copy yet: run `make run`)")
        return "\n".join(lines)
    with duckdb.connect(str(serving_database), read_only=True) as connection:
        tables = connection.execute(
            "SELECT table_schema, table_name FROM information_schema.tables ORDER BY 1, 2"
        ).fetchall()
        lines.append("")
        lines.append("Published tables (rows):")
        for schema, name in tables:
            count = connection.execute(f'SELECT count(*) FROM {schema}."{name}"').fetchone()[0]
            lines.append(f"  {schema}.{name:<40} {count:>12,}")
        if ("marts", "fct_rejected_rows") in tables:
            lines.append("")
            lines.append("Quarantined rows by source and reason (marts.fct_rejected_rows):")
            for source, reason, count in connection.execute(
                "SELECT source, reason_code, count(*) FROM marts.fct_rejected_rows GROUP BY ALL ORDER BY 1, 3 DESC"
            ).fetchall():
                lines.append(f"  {source:<20} {reason:<28} {count:>8,}")
        if ("marts", "fct_purchase_plan") in tables:
            plans = connection.execute(
                "SELECT delivery_date, balancing_group_id, count(*), sum(planned_mwh) FROM marts.fct_purchase_plan "
                "GROUP BY ALL ORDER BY 1 DESC, 2 LIMIT 6"
            ).fetchall()
            if plans:
                lines.append("")
                lines.append("Latest purchase plans (marts.fct_purchase_plan):")
                for day, group, periods, mwh in plans:
                    lines.append(f"  {day}  {group:<14} {periods:>3} periods {mwh:>10} MWh")
        if ("marts", "fct_billed_amounts_monthly") in tables:
            billed = connection.execute(
                "SELECT company_id, invoice_type, currency, sum(documents_count), sum(amount_due) FROM marts.fct_billed_amounts_monthly "
                "GROUP BY ALL ORDER BY 1, 2, 3"
            ).fetchall()
            if billed:
                lines.append("")
                lines.append("Documents issued and amount due (marts.fct_billed_amounts_monthly):")
                for company, kind, currency, documents, amount in billed:
                    lines.append(f"  {company:<6} {kind:<34} {documents:>6,} documents {amount:>16,} {currency}")
        if ("marts", "fct_customer_receivables") in tables:
            owed = connection.execute(
                "SELECT company_id, currency, sum(open_amount), sum(overdue_amount), sum(overdue_over_180_amount) "
                "FROM marts.fct_customer_receivables GROUP BY ALL ORDER BY 1, 2"
            ).fetchall()
            if owed:
                lines.append("")
                lines.append("Receivables (marts.fct_customer_receivables): open / overdue / over 180 days")
                for company, currency, open_amount, overdue, old in owed:
                    lines.append(f"  {company:<6} {currency:<4} {open_amount:>16,} {overdue:>16,} {old:>16,}")
        if ("marts", "fct_emp_invoices") in tables:
            emp = connection.execute(
                "SELECT provider_id, document_type, currency, count(*), sum(total_amount) FROM marts.fct_emp_invoices "
                "GROUP BY ALL ORDER BY 1, 2, 3"
            ).fetchall()
            statuses = connection.execute(
                "SELECT rating_status, coalesce(reason_code, ''), count(*) FROM marts.fct_cdr_control_center GROUP BY ALL ORDER BY 1, 3 DESC"
            ).fetchall()
            lines.append("")
            lines.append("CDRs by rating status (marts.fct_cdr_control_center):")
            lines += [f"  {status:<10} {reason:<28} {count:>8,}" for status, reason, count in statuses]
            lines.append("EMP invoices and credit notes (marts.fct_emp_invoices):")
            lines += [f"  {emp_id:<8} {kind:<12} {currency:<4} {count:>5,} documents {total:>14,}" for emp_id, kind, currency, count, total in emp]
        if ("marts", "fct_service_charge_balances") in tables:
            balances = connection.execute(
                "SELECT source_object_id, currency, count(*), sum(total), sum(balance) FROM marts.fct_service_charge_balances GROUP BY ALL ORDER BY 1"
            ).fetchall()
            problems = connection.execute("SELECT kind, subject, message FROM marts.fct_allocation_problems WHERE kind <> 'note' ORDER BY 1, 2").fetchall()
            lines.append("")
            lines.append("Service-charge reconciliations (marts.fct_service_charge_balances): tenants, total, balance")
            lines += [f"  {source:<10} {currency:<4} {count:>4} tenants {total:>14,} {balance:>14,}" for source, currency, count, total, balance in balances]
            lines += [f"  not produced: {subject}: {message}" for kind, subject, message in problems if kind == "reconciliation"]
    return "\n".join(lines)


