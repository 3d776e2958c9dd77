"""The `voltbill` command line: one sub-command per task (`voltbill generate-sample ...`)."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Callable, Sequence

from voltbill.paths import data_dir


def _month(text: str) -> str:
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", text):
        raise argparse.ArgumentTypeError(f"expected YYYY-MM, got {text!r}")
    return text


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _generate_sample(args: argparse.Namespace) -> int:
    from data.sample_portfolio import generate

    summary = generate(
        Path(args.out),
        seed=args.seed,
        meters=args.meters,
        months=args.months,
        interval=args.interval,
        start_month=args.start_month,
    )
    print(
        f"Generated {summary.files} files, {summary.rows:,} rows for {summary.customers} customers and "
        f"{summary.metering_points} metering points in {summary.seconds:.1f} s."
    )
    print(f"  partner files: {summary.inbox_dir}")
    for source, rows in summary.rows_per_source.items():
        print(f"    {source:<18} {rows:>12,} rows")
    print(f"  truth:         {summary.truth_dir} (truth.json, meter_monthly.csv, defects.csv)")
    defects = ", ".join(f"{kind} {count:,}" for kind, count in summary.defects.items())
    print(f"  defects:       {defects}")
    return 0


def _generate_payments(args: argparse.Namespace) -> int:
    import duckdb

    from data.sample_portfolio.payments import DEFAULT_ACCOUNTS_CSV, generate_payments
    from voltbill.paths import warehouse_path

    warehouse = Path(args.warehouse) if args.warehouse else warehouse_path()
    accounts = Path(args.accounts) if args.accounts else DEFAULT_ACCOUNTS_CSV
    try:
        summary = generate_payments(warehouse, Path(args.out), seed=args.seed, accounts_csv=accounts)
    except (duckdb.Error, OSError, ValueError) as error:
        print(f"voltbill generate-payments: error: {error}", file=sys.stderr)
        return 2
    print(f"Generated {summary.lines} bank statement lines in {summary.files} files.")
    print(f"  statements: {summary.out_dir / 'inbox' / 'bank_statement_lines'}")
    print(f"  truth:      {summary.out_dir / 'truth' / 'payments.json'}")
    print("  lines:      " + ", ".join(f"{name} {count}" for name, count in summary.lines_per_scenario.items()))
    print("  invoices:   " + ", ".join(f"{name} {count}" for name, count in summary.invoices_per_scenario.items()))
    return 0


def _outputs(args: argparse.Namespace) -> int:
    from voltbill.outputs import describe_outputs

    print(describe_outputs())
    return 0


def _contracts(args: argparse.Namespace) -> int:
    from ingestion.contract_docs import BEGIN_MARKER, END_MARKER, contracts_markdown

    markdown = contracts_markdown()
    if not args.update_readme:
        print(markdown)
        return 0
    readme = Path(args.readme)
    text = readme.read_text(encoding="utf-8")
    start, end = text.index(BEGIN_MARKER), text.index(END_MARKER) + len(END_MARKER)
    readme.write_text(text[:start] + markdown + text[end:], encoding="utf-8")
    print(f"Updated the input-file contracts in {readme}")
    return 0


def _recover_runs(args: argparse.Namespace) -> int:
    from dagster import DagsterInstance

    from orchestration.run_recovery import release_dead_runs

    with DagsterInstance.get() as instance:
        released = release_dead_runs(instance)
    for run_id in released:
        print(f"Run {run_id} was killed: marked failed and its pool slots released.")
    return 0


def _delivery_days(args: argparse.Namespace) -> int:
    """The last N delivery days up to the day after the last metered one, as FROM...TO."""
    import datetime as dt

    import duckdb

    from assets.forecasting_warehouse import last_metered_day
    from orchestration.partitions import DELIVERY_TIMEZONE
    from voltbill.paths import warehouse_path

    with duckdb.connect(str(warehouse_path()), read_only=True) as connection:
        last = last_metered_day(connection, DELIVERY_TIMEZONE)
    if last is None:
        print("voltbill delivery-days: error: no metered consumption in the warehouse yet", file=sys.stderr)
        return 2
    last_day = last + dt.timedelta(days=1)
    print(f"{last_day - dt.timedelta(days=args.last - 1)}...{last_day}")
    return 0


def _hour(text: str) -> int:
    value = int(text)
    if not 0 <= value <= 23:
        raise argparse.ArgumentTypeError(f"expected an hour 0-23, got {text!r}")
    return value


def _frequency(text: str) -> int:
    from forecasting.series import parse_frequency

    try:
        return parse_frequency(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _timezone(text: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise argparse.ArgumentTypeError(f"unknown time zone {text!r} (expected an IANA name such as Europe/Bucharest)") from None
    return text


def _country(text: str) -> str:
    from forecasting.calendar import public_holidays

    try:
        public_holidays(text, [2000])
    except (NotImplementedError, KeyError, ValueError):
        raise argparse.ArgumentTypeError(f"no holiday calendar for {text!r} (expected an ISO 3166 code such as RO or AU-VIC)") from None
    return text


def _model_names(text: str) -> list[str]:
    from forecasting.models import MODEL_CLASSES

    names = list(dict.fromkeys(name.strip() for name in text.split(",") if name.strip()))  # in order, once each
    unknown = [name for name in names if name not in MODEL_CLASSES]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"unknown model {', '.join(unknown) or text!r}; known: {', '.join(MODEL_CLASSES)}")
    return names


def _backtest(args: argparse.Namespace) -> int:
    import json

    from forecasting.backtest import DEFAULT_TEST_DAYS
    from forecasting.models import MODEL_CLASSES
    from forecasting.series import SeriesSpec
    from forecasting.series_csv import SeriesFileError, backtest_series_file

    spec = SeriesSpec(freq_minutes=args.freq, timezone=args.timezone, country=args.country, cutoff_hour=args.cutoff_hour)
    try:
        result = backtest_series_file(Path(args.series), spec, args.models or list(MODEL_CLASSES), args.test_days or DEFAULT_TEST_DAYS)
    except SeriesFileError as error:
        print(f"voltbill backtest: error: {error}", file=sys.stderr)
        return 2
    print(json.dumps(result, indent=2))
    return 0


def _export_invoices(args: argparse.Namespace) -> int:
    """Bulk export of one company's period: every rendered document's zip, the accounting CSV and an index."""
    import datetime as dt

    import duckdb

    from invoice_rendering.exports import write_period_export
    from invoice_rendering.rendering_ledger import rendered_zips
    from invoice_rendering.warehouse_views import load_invoice_views
    from voltbill.paths import outputs_dir, warehouse_path

    invoices = outputs_dir() / "invoices"
    with duckdb.connect(str(warehouse_path()), read_only=True) as connection:
        try:
            rendered = rendered_zips(connection, args.company, args.period)
        except duckdb.CatalogException:
            rendered = {}
        views, _ = load_invoice_views(connection, args.company, invoice_numbers=sorted(rendered)) if rendered else ([], [])
    if not views:
        print(f"voltbill export-invoices: error: no rendered documents of {args.company} for {args.period} "
              "(materialize invoicing/invoice_files first)", file=sys.stderr)
        return 2
    missing = [number for number, path in rendered.items() if not (invoices / path).exists()]
    if missing:
        print(f"voltbill export-invoices: error: {len(missing)} rendered files are missing from {invoices}, e.g. "
              f"{missing[0]}; materialize invoicing/invoice_files again to restore them", file=sys.stderr)
        return 2
    target = Path(args.out) if args.out else invoices / "exports" / f"{args.company}_{args.period}.zip"
    _, accounting = write_period_export(views, {number: invoices / path for number, path in rendered.items()}, target, dt.date.today())
    print(f"{len(views)} documents -> {target}\naccounting CSV -> {accounting}")
    return 0


def _rate_cdr(args: argparse.Namespace) -> int:
    from voltbill.rate_cdr import main_rate_cdr

    return main_rate_cdr(Path(args.tariff), Path(args.cdr), args.time_zone)


def _export_tax_configuration(args: argparse.Namespace) -> int:
    import duckdb

    from rating.tax_configuration import write_tax_configuration_csv
    from voltbill.paths import outputs_dir, warehouse_path

    out = Path(args.out) if args.out else outputs_dir() / "emp_invoices" / f"tax_configuration_{args.country.upper()}.csv"
    with duckdb.connect(str(warehouse_path()), read_only=True) as connection:
        rows = write_tax_configuration_csv(connection, args.country.upper(), out)
    print(f"{rows} rows (EMP x price component) of {args.country.upper()} written to {out}")
    return 0 if rows else 1


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with one sub-parser per command."""
    parser = argparse.ArgumentParser(prog="voltbill", description="Voltbill energy-retail data platform tools.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sample = commands.add_parser(
        "generate-sample",
        help="generate the deterministic sample portfolio (partner files and truth)",
        description="Write partner files to OUT/inbox/<source>/ and the truth to OUT/truth/. Same seed, same bytes.",
    )
    sample.add_argument("--out", default=str(data_dir()), help="output directory (default: %(default)s)")
    sample.add_argument("--seed", type=int, default=42, help="random seed (default: %(default)s)")
    sample.add_argument("--meters", type=_positive, default=160, help="number of metering points (default: %(default)s)")
    sample.add_argument("--months", type=_positive, default=13, help="number of months (default: %(default)s)")
    sample.add_argument(
        "--interval",
        choices=("15min", "60min"),
        default=None,
        help="force every metering point's interval (default: 15min industrial/commercial, 60min households)",
    )
    sample.add_argument("--start-month", type=_month, default="2025-10", help="first month, YYYY-MM (default: %(default)s)")
    sample.set_defaults(handler=_generate_sample)

    payments = commands.add_parser(
        "generate-payments",
        help="sample bank: statement lines paying the invoices issued in the warehouse (run after the pipeline)",
        description=(
            "Read the issued documents from the warehouse (billing.invoice_documents, read-only) and write bank statement "
            "files to OUT/inbox/bank_statement_lines/ (one per company, currency and booking month) and the truth of every "
            "line to OUT/truth/payments.json. Same warehouse and seed, same bytes."
        ),
    )
    payments.add_argument("--warehouse", default=None, metavar="PATH", help="DuckDB warehouse file (default: the pipeline's warehouse)")
    payments.add_argument("--out", default=str(data_dir()), metavar="DATA_DIR", help="output directory (default: %(default)s)")
    payments.add_argument("--seed", type=int, default=42, help="random seed (default: %(default)s)")
    payments.add_argument(
        "--accounts",
        default=None,
        metavar="CSV",
        help="the company bank accounts (default: the dbt seed dbt_project/seeds/company_bank_accounts.csv)",
    )
    payments.set_defaults(handler=_generate_payments)

    export = commands.add_parser(
        "export-invoices",
        help="bulk export of one company's billing period: the documents' zips, accounting CSV and index in one zip",
    )
    export.add_argument("--company", required=True, help="company id, e.g. VB-RO")
    export.add_argument("--period", required=True, help="billing period, YYYY-MM")
    export.add_argument("--out", help="zip to write (default: outputs/invoices/exports/<company>_<period>.zip)")
    export.set_defaults(handler=_export_invoices)

    rate = commands.add_parser(
        "rate-cdr",
        help="price one OCPI 2.2.1 CDR against one OCPI 2.2.1 Tariff and print the costs as JSON",
        description=(
            "Read an OCPI 2.2.1 Tariff object and an OCPI 2.2.1 CDR object (JSON files) and print one JSON object with "
            "total_cost, total_energy_cost, total_time_cost, total_parking_time_cost, total_fixed_cost (each excl_vat and "
            "incl_vat, decimal strings), total_energy, total_time, total_parking_time and status. Exit 0 rated, 1 not rated "
            "(status not_rated and reason), 2 invalid input (reason names the file and the JSON path)."
        ),
    )
    rate.add_argument("--tariff", required=True, metavar="TARIFF.json", help="the OCPI 2.2.1 Tariff object")
    rate.add_argument("--cdr", required=True, metavar="CDR.json", help="the OCPI 2.2.1 CDR object")
    rate.add_argument("--time-zone", default=None, metavar="TZ", help="IANA time zone of the location for time restrictions (default: UTC)")
    rate.set_defaults(handler=_rate_cdr)

    tax = commands.add_parser(
        "export-tax-configuration",
        help="write one country's EMP tax configuration (every EMP and price component, configured or not) as CSV",
    )
    tax.add_argument("--country", required=True, help="subsidiary country, ISO 3166-1 alpha-2, e.g. RO")
    tax.add_argument("--out", help="CSV to write (default: outputs/emp_invoices/tax_configuration_<country>.csv)")
    tax.set_defaults(handler=_export_tax_configuration)

    outputs = commands.add_parser("outputs", help="print where every output is, with row counts")
    outputs.set_defaults(handler=_outputs)

    contracts = commands.add_parser("contracts", help="print the input-file contracts as Markdown")
    contracts.add_argument("--update-readme", action="store_true", help="rewrite the section in the README instead")
    contracts.add_argument("--readme", default="README.md", help="README to update (default: %(default)s)")
    contracts.set_defaults(handler=_contracts)

    recover = commands.add_parser(
        "recover-runs", help="mark runs killed on this machine as failed and release their pool slots (DAGSTER_HOME)"
    )
    recover.set_defaults(handler=_recover_runs)

    backtest = commands.add_parser(
        "backtest",
        help="day-ahead backtest of the forecasting models on one series (CSV), printed as JSON",
        description=(
            "Read the --series CSV (columns timestamp,value, optionally temperature,is_working_day), forecast each of the last "
            "N days from what was known at the cutoff hour of the day before, and print the metrics per model and "
            "the model it would choose as one JSON object. Timestamps without a UTC offset are local time in "
            "--timezone. Bad rows are listed under rejected_rows; models that need a missing column are skipped."
        ),
    )
    backtest.add_argument("--series", required=True, metavar="FILE.csv", help="the series to backtest")
    backtest.add_argument("--freq", required=True, type=_frequency, metavar="15min|30min|60min", help="resolution of the series")
    backtest.add_argument("--timezone", required=True, type=_timezone, metavar="TZ", help="market time zone (IANA), e.g. Europe/Bucharest")
    backtest.add_argument("--country", type=_country, metavar="CC", help="holiday calendar, ISO 3166 code, e.g. RO or AU-VIC (default: none)")
    backtest.add_argument("--test-days", type=_positive, default=None, metavar="N", help="days in the test window (default: forecasting.backtest.DEFAULT_TEST_DAYS, 56)")
    backtest.add_argument("--cutoff-hour", type=_hour, default=12, help="local hour on the day before delivery (default: %(default)s)")
    backtest.add_argument("--models", type=_model_names, metavar="NAME,NAME", help="models to compare (default: all); seasonal_naive always runs")
    backtest.set_defaults(handler=_backtest)

    days = commands.add_parser(
        "delivery-days",
        help="print the last N delivery days up to the day after the last metered one, as a Dagster partition range",
    )
    days.add_argument("--last", type=_positive, default=8, metavar="N", help="how many days (default: %(default)s)")
    days.set_defaults(handler=_delivery_days)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run a command; returns the process exit code."""
    args = build_parser().parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    return handler(args)
