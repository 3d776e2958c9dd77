"""The tax configuration export: one subsidiary country's EMPs and price components with their VAT rate, as CSV.

Reads `marts.rpt_emp_tax_configuration` (every EMP with an offer in the country, per price component
its offers charge, with the rate in force or `not_configured`), the seed's "Export" of the Tax
Configuration tab. The CPO edits the rates and delivers them back as an `emp_tax_rates` file.
"""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb

COLUMNS = ("country_code", "company_id", "emp_id", "emp_name", "price_component", "vat_rate_pct", "rate_valid_from", "configuration_status")


def write_tax_configuration_csv(connection: duckdb.DuckDBPyConnection, country_code: str, out: Path) -> int:
    """Write the country's rows to `out`; returns how many."""
    rows = connection.execute(
        f"select {', '.join(COLUMNS)} from marts.rpt_emp_tax_configuration where country_code = ? order by emp_id, price_component",
        [country_code],
    ).fetchall()
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows(["" if value is None else str(value) for value in row] for row in rows)
    return len(rows)
