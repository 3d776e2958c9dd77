"""The `voltbill` command line: one sub-command per task (`voltbill generate-sample ...`)."""

from __future__ import annotations

import argparse
import re
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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run a command; returns the process exit code."""
    args = build_parser().parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    return handler(args)
