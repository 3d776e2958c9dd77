"""What the dashboard shows, read from the marts: one query per chart or alert, amounts kept as `Decimal`.

Each query reads one mart and at most groups it; every figure on the page is a value of these frames,
so a test can hold the page against the marts. A mart that does not exist yet (a fresh warehouse, a part
of the pipeline that has not run) reads as an empty frame and its chart says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import duckdb
import pandas as pd

# The marts the dashboard reads: the asset depends on them, and the page names its source under each chart.
MARTS = (
    "fct_consumption_by_type_monthly",
    "fct_billing_progress",
    "fct_billed_amounts_monthly",
    "fct_receivables",
    "fct_forecast_accuracy",
    "fct_forecast_accuracy_daily",
    "fct_imbalance_daily",
    "fct_cdr_rating_daily",
    "fct_cdr_control_center",
    "fct_object_energy_costs",
    "fct_payments",
    "fct_rejected_rows",
    "fct_overcharge_alerts",
    "fct_cpo_notifications",
)

QUERIES: dict[str, tuple[str, str]] = {
    # name: (mart, SQL)
    "consumption_by_type": (
        "fct_consumption_by_type_monthly",
        """SELECT company_id, consumption_month, consumption_type, energy_kwh, previous_year_energy_kwh,
                  two_years_before_energy_kwh
           FROM marts.fct_consumption_by_type_monthly ORDER BY company_id, consumption_type, consumption_month""",
    ),
    "billing_progress": (
        "fct_billing_progress",
        """SELECT company_id, consumption_month, consumption_type, contract_months_with_consumption,
                  contract_months_invoiced, share_invoiced_pct, consumption_kwh, invoiced_kwh
           FROM marts.fct_billing_progress ORDER BY company_id, consumption_type, consumption_month""",
    ),
    "billed_amounts": (
        "fct_billed_amounts_monthly",
        """SELECT company_id, issue_month, invoice_type, currency, documents_count, gross_amount
           FROM marts.fct_billed_amounts_monthly ORDER BY company_id, currency, invoice_type, issue_month""",
    ),
    "receivables_ageing": (
        "fct_receivables",
        """SELECT company_id, currency, ageing_bucket, count(*) AS documents_count, sum(open_amount) AS open_amount,
                  any_value(as_of_date) AS as_of_date
           FROM marts.fct_receivables GROUP BY ALL ORDER BY company_id, currency, ageing_bucket""",
    ),
    "forecast_hours": (
        "fct_forecast_accuracy",
        """SELECT company_id, delivery_date, period_start_utc, period_start_local, local_hour, actual_kwh, p10_kwh,
                  p50_kwh, p90_kwh, error_kwh, absolute_error_kwh
           FROM marts.fct_forecast_accuracy
           WHERE series_level = 'company' AND p50_kwh IS NOT NULL
             AND delivery_date > (SELECT max(delivery_date) FROM marts.fct_forecast_accuracy WHERE series_level = 'company') - ?
           ORDER BY company_id, period_start_utc""",
    ),
    "forecast_days": (
        "fct_forecast_accuracy_daily",
        """SELECT company_id, delivery_date, actual_kwh, absolute_error_kwh, wape_pct, mape_pct, periods_count
           FROM marts.fct_forecast_accuracy_daily WHERE series_level = 'company' AND periods_count > 0
           ORDER BY company_id, delivery_date""",
    ),
    "imbalance_days": (
        "fct_imbalance_daily",
        """SELECT delivery_date, company_id, coalesce(balancing_group_id, '(not ours)') AS balancing_group_id, settled_mwh,
                  nominated_mwh, imbalance_cost, currency, forecast_deviation_pct, periods_without_price_count
           FROM marts.fct_imbalance_daily ORDER BY balancing_group_id, delivery_date""",
    ),
    "cdr_days": (
        "fct_cdr_rating_daily",
        """SELECT session_day, sum(cdrs_received) AS cdrs_received, sum(cdrs_rated) AS cdrs_rated,
                  sum(cdrs_not_rated) AS cdrs_not_rated, sum(cdrs_repeated) AS cdrs_repeated,
                  sum(cdrs_pending) AS cdrs_pending, sum(notifications) AS notifications
           FROM marts.fct_cdr_rating_daily GROUP BY session_day ORDER BY session_day""",
    ),
    "cdr_reasons": (
        "fct_cdr_control_center",
        """SELECT rating_status, coalesce(reason_code, '') AS reason_code, coalesce(rating_reason, '') AS rating_reason,
                  count(*) AS cdrs_count
           FROM marts.fct_cdr_control_center GROUP BY ALL ORDER BY cdrs_count DESC, rating_status, reason_code""",
    ),
    "object_costs": (
        "fct_object_energy_costs",
        """SELECT object_id, coalesce(object_name, object_id) AS object_name, object_type, kind, category, currency,
                  sum(amount) AS amount
           FROM marts.fct_object_energy_costs GROUP BY ALL ORDER BY object_id, kind, category""",
    ),
    "payments_open": (
        "fct_payments",
        # queued lines wait with their queued amount; lines the matching has not processed yet, with all of it
        """SELECT payment_status, currency, count(*) AS lines_count,
                  sum(CASE WHEN payment_status = 'unmatched' THEN amount ELSE queued_amount END) AS unmatched_amount
           FROM marts.fct_payments WHERE payment_status <> 'matched' GROUP BY ALL ORDER BY payment_status, currency""",
    ),
    "rejected_rows": (
        "fct_rejected_rows",
        """SELECT source, detected_by, count(*) AS rows_count, count(DISTINCT source_file) AS files_count
           FROM marts.fct_rejected_rows GROUP BY ALL ORDER BY rows_count DESC, source, detected_by""",
    ),
    "overcharges": (
        "fct_overcharge_alerts",
        "SELECT invoice_id, object_name, category, amount, excess_amount, currency, message FROM marts.fct_overcharge_alerts ORDER BY invoice_id",
    ),
    "cpo_notifications": (
        "fct_cpo_notifications",
        "SELECT reason_code, rating_reason, count(*) AS cdrs_count FROM marts.fct_cpo_notifications GROUP BY ALL ORDER BY cdrs_count DESC, reason_code",
    ),
}


@dataclass(frozen=True)
class DashboardData:
    """The frames the page is built from, by query name, and the day the figures are as of."""

    frames: dict[str, pd.DataFrame]
    as_of: date
    missing_marts: tuple[str, ...] = field(default=())

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.frames[name]


def _frame(cursor: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Rows as a frame keeping DECIMAL columns as `decimal.Decimal` and dates as `datetime.date`."""
    return pd.DataFrame.from_records(cursor.fetchall(), columns=[column[0] for column in cursor.description])


def existing_marts(connection: duckdb.DuckDBPyConnection) -> set[str]:
    rows = connection.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'marts'").fetchall()
    return {name for (name,) in rows}


def read_dashboard_data(connection: duckdb.DuckDBPyConnection, as_of: date, forecast_days: int) -> DashboardData:
    """Every query's frame; a query over a mart that is not built yet gives an empty frame with no columns."""
    present = existing_marts(connection)
    frames: dict[str, pd.DataFrame] = {}
    for name, (mart, sql) in QUERIES.items():
        parameters = [forecast_days] if "?" in sql else []
        frames[name] = _frame(connection.execute(sql, parameters)) if mart in present else pd.DataFrame()
    return DashboardData(frames=frames, as_of=as_of, missing_marts=tuple(sorted(set(MARTS) - present)))
