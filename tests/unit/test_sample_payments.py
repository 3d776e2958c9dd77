"""The sample bank (`voltbill generate-payments`): statement files that load cleanly, every scenario, truth that
adds up, no payment in the future, determinism, and the real matching reproducing the truth.

The warehouse is a small DuckDB file with hand-made `billing.invoice_documents`; the company accounts are a
throwaway CSV in the test's directory (the real seed belongs to dbt). Checks are independent of the generator:
they read the CSV files and the truth back and use the real loader and `billing.payment_matching`.
"""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from billing.ledger_tables import create_billing_ledger_tables
from billing.payment_matching import OpenInvoice, StatementLine, match_payments
from data.sample_portfolio.payments import generate_payments
from ingestion.loader import ingest_source
from ingestion.sources import BANK_STATEMENT_LINES

TODAY = date(2026, 11, 23)
VOLTBILL = Path(sys.executable).parent / "voltbill"
ACCOUNTS = {
    ("VB-RO", "RON"): "RO49AAAA1B31007593840000",
    ("VB-BG", "BGN"): "BG80BNBG96611020345678",
    ("VB-BG", "EUR"): "BG18RZBB91550123456789",
}
ACCOUNTS_CSV = (
    "company_id,iban,bic,bank_name,currency,is_default\n"
    "VB-RO,RO49AAAA1B31007593840000,AAAARO22,Banca A,RON,true\n"
    "VB-RO,RO09BCYP0000001234567890,BCYPROBU,Banca B,RON,false\n"
    "VB-BG,BG80BNBG96611020345678,BNBGBGSD,Bank A,BGN,true\n"
    "VB-BG,BG18RZBB91550123456789,RZBBBGSF,Bank B,EUR,true\n"
)
SCENARIOS_MATCHED = ("on_time", "late", "partial", "partial_rest", "over", "no_reference")
SCENARIOS_QUEUED = {"unknown_payer": "unknown_payer", "refund": "negative_amount", "duplicate": "reference_not_open"}
FILE_NAME = re.compile(r"(VB-RO|VB-BG)_(RON|BGN|EUR)_(\d{4}-\d{2})\.csv")


# ---------------------------------------------------------------- the hand-made warehouse


def _documents() -> list[dict]:
    """30 documents: VB-RO in RON (4 customers x 4 months, one issued days before today, a credit note), VB-BG in
    BGN then EUR after the euro changeover (3 customers x 4 months, a credit note)."""
    docs = []
    serial = {"VB-RO": 0, "VB-BG": 0}

    def add(company: str, customer: str, issue: date, amount: str, currency: str, kind: str = "regularisation") -> None:
        serial[company] += 1
        n = serial[company]
        number = f"VBR{n:08d}" if company == "VB-RO" else f"{n:010d}"
        docs.append(
            {
                "company_id": company,
                "invoice_number": number,
                "invoice_type": kind,
                "customer_id": customer,
                "issue_date": issue,
                "due_date": issue + timedelta(days=30 if company == "VB-RO" else 15),
                "currency": currency,
                "amount_due": Decimal(amount),
                "payment_reference": f"{company}/{n:07d}",
            }
        )

    ro_amounts = {
        "K-RO-1": ["1250.40", "1310.15", "1190.00", "1402.87"],
        "K-RO-2": ["310.22", "310.22", "298.10", "305.55"],  # two equal amounts: never paid without a reference
        "K-RO-3": ["15873.00", "16002.45", "14999.99", "15500.10"],
        "K-RO-4": ["85.13", "92.40", "77.01", "0.01"],
    }
    for month in range(4):
        issue = date(2026, 5 + month, 5)
        for customer, amounts in ro_amounts.items():
            add("VB-RO", customer, issue, amounts[month], "RON", "advance" if customer == "K-RO-2" else "regularisation")
    add("VB-RO", "K-RO-1", date(2026, 9, 10), "-120.00", "RON", "credit_note")
    add("VB-RO", "K-RO-3", date(2026, 11, 20), "2048.64", "RON")  # issued three days before today
    bg_amounts = {
        "K-BG-1": ["640.18", "702.33", "330.41", "351.07"],
        "K-BG-2": ["95.60", "101.25", "49.88", "51.76"],
        "K-BG-3": ["4210.00", "3987.12", "2150.93", "2011.40"],
    }
    for month, (issue, currency) in enumerate(
        [(date(2025, 11, 4), "BGN"), (date(2025, 12, 3), "BGN"), (date(2026, 1, 6), "EUR"), (date(2026, 2, 4), "EUR")]
    ):
        for customer, amounts in bg_amounts.items():
            add("VB-BG", customer, issue, amounts[month], currency)
    add("VB-BG", "K-BG-2", date(2026, 2, 20), "-12.30", "EUR", "credit_note")
    return docs


DOCUMENTS = _documents()


def build_warehouse(path: Path) -> None:
    with duckdb.connect(str(path)) as connection:
        create_billing_ledger_tables(connection)
        for doc in DOCUMENTS:
            amount = doc["amount_due"]
            connection.execute(
                """
                INSERT INTO billing.invoice_documents (
                    company_id, invoice_number, series, invoice_key, invoice_type, contract_id, customer_id, billing_period,
                    issue_date, due_date, grace_days, currency, line_total, vat_total, total_with_vat, prepaid_amount,
                    amount_due, payment_reference, note, document_json, content_hash, stored_at
                ) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, 0, ?, 0, ?, ?, '', '{}', 'hash', now())
                """,
                [
                    doc["company_id"], doc["invoice_number"], "S", f"{doc['invoice_type']}/{doc['invoice_number']}",
                    doc["invoice_type"], f"CT-{doc['customer_id']}", doc["customer_id"], f"{doc['issue_date']:%Y-%m}",
                    doc["issue_date"], doc["due_date"], doc["currency"], amount, amount, amount, doc["payment_reference"],
                ],
            )


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("bank")
    warehouse = root / "warehouse.duckdb"
    build_warehouse(warehouse)
    accounts = root / "company_bank_accounts.csv"
    accounts.write_text(ACCOUNTS_CSV, encoding="utf-8")
    return warehouse, accounts


@pytest.fixture(scope="module")
def generated(setup: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    warehouse, accounts = setup
    out = tmp_path_factory.mktemp("data")
    generate_payments(warehouse, out, seed=7, accounts_csv=accounts)
    return out


@pytest.fixture(scope="module")
def truth(generated: Path) -> dict:
    return json.loads((generated / "truth" / "payments.json").read_text(encoding="utf-8"))


def read_lines(out: Path) -> list[dict[str, str]]:
    rows = []
    for path in sorted((out / "inbox" / BANK_STATEMENT_LINES.name).glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            assert tuple(reader.fieldnames or ()) == BANK_STATEMENT_LINES.column_names
            rows.extend({**row, "_file": path.name} for row in reader)
    return rows


def iban_valid(iban: str) -> bool:
    text = iban.replace(" ", "").upper()
    rearranged = text[4:] + text[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


def lines_by_key(truth: dict) -> dict[tuple[str, int], dict]:
    return {(line["statement_id"], line["line_number"]): line for line in truth["lines"]}


# ---------------------------------------------------------------- files


def test_every_file_loads_through_the_real_loader_without_a_rejected_row(generated: Path, truth: dict) -> None:
    with duckdb.connect() as connection:
        result = ingest_source(connection, BANK_STATEMENT_LINES, generated / "inbox")
        rejected = connection.execute("SELECT count(*) FROM raw.rejected_rows").fetchone()[0]
        loaded = connection.execute(
            "SELECT statement_id, line_number, amount, account_iban, currency FROM raw.bank_statement_lines"
        ).fetchall()
    assert result.files and all(file.status == "loaded" for file in result.files), result.files
    assert (result.rows_rejected, rejected) == (0, 0)
    assert result.rows_loaded == len(truth["lines"]) == len(loaded)
    by_key = lines_by_key(truth)
    for statement_id, line_number, amount, account_iban, currency in loaded:
        line = by_key[(statement_id, line_number)]
        assert amount == Decimal(line["amount"]) and currency == line["currency"]
        assert account_iban == ACCOUNTS[(line["company_id"], currency)]


def test_one_file_per_company_currency_and_booking_month(generated: Path) -> None:
    rows = read_lines(generated)
    for row in rows:
        company, currency, month = FILE_NAME.fullmatch(row["_file"]).groups()
        assert row["currency"] == currency and row["booking_date"][:7] == month
        assert row["account_iban"] == ACCOUNTS[(company, currency)]  # the default account of that currency
        assert Decimal(row["amount"]).as_tuple().exponent == -2
    # both companies, all three accounts
    assert {FILE_NAME.fullmatch(row["_file"]).group(1, 2) for row in rows} == set(ACCOUNTS)


def test_a_comma_in_the_remittance_text_is_quoted(generated: Path) -> None:
    texts = [row["remittance_info"] for row in read_lines(generated)]
    assert any("," in text for text in texts)


# ---------------------------------------------------------------- scenarios and truth


def test_each_scenario_occurs(truth: dict) -> None:
    scenarios = {line["scenario"] for line in truth["lines"]}
    assert set(SCENARIOS_MATCHED) - {"partial_rest"} <= scenarios
    assert set(SCENARIOS_QUEUED) <= scenarios
    invoice_scenarios = {invoice["scenario"] for invoice in truth["invoices"]}
    assert {"on_time", "late", "partial", "over", "no_reference", "never_paid"} <= invoice_scenarios


def test_partial_payments_rest_later_and_never_both_occur(setup: tuple[Path, Path], tmp_path: Path) -> None:
    warehouse, accounts = setup
    rests = set()
    for seed in (7, 8, 9):
        generate_payments(warehouse, tmp_path / str(seed), seed=seed, accounts_csv=accounts)
        data = json.loads((tmp_path / str(seed) / "truth" / "payments.json").read_text(encoding="utf-8"))
        rests |= {invoice["rest"] for invoice in data["invoices"] if invoice["scenario"] == "partial"}
    assert rests == {"later", "never"}


def test_every_payable_document_has_a_truth_and_credit_notes_are_not_paid(truth: dict) -> None:
    payable = {(d["company_id"], d["invoice_number"]) for d in DOCUMENTS if d["amount_due"] > 0}
    assert {(i["company_id"], i["invoice_number"]) for i in truth["invoices"]} == payable
    credit_notes = {d["invoice_number"] for d in DOCUMENTS if d["amount_due"] <= 0}
    paid = {pay["invoice_number"] for line in truth["lines"] for pay in line["pays"]}
    assert not credit_notes & paid


def test_truth_amounts_add_up_per_invoice(truth: dict) -> None:
    documents = {(d["company_id"], d["invoice_number"]): d for d in DOCUMENTS}
    paid: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    lines_of: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for line in truth["lines"]:
        amount = Decimal(line["amount"])
        if line["scenario"] in SCENARIOS_QUEUED:
            assert line["pays"] == [] and Decimal(line["credit"]) == 0
            continue
        assert amount == sum(Decimal(p["amount"]) for p in line["pays"]) + Decimal(line["credit"])
        for pay in line["pays"]:
            paid[(line["company_id"], pay["invoice_number"])] += Decimal(pay["amount"])
            lines_of[(line["company_id"], pay["invoice_number"])].append(line)
    for invoice in truth["invoices"]:
        key = (invoice["company_id"], invoice["invoice_number"])
        due = documents[key]["amount_due"]
        assert Decimal(invoice["amount_due"]) == due
        assert Decimal(invoice["paid_amount"]) == paid[key]
        scenario, lines = invoice["scenario"], lines_of[key]
        if scenario in ("on_time", "late", "no_reference"):
            assert [Decimal(line["amount"]) for line in lines] == [due]
        elif scenario == "over":
            assert len(lines) == 1 and Decimal(lines[0]["amount"]) > due and paid[key] == due
            assert Decimal(lines[0]["credit"]) == Decimal(lines[0]["amount"]) - due
        elif scenario == "partial":
            assert Decimal(lines[0]["amount"]) < due and lines[0]["scenario"] == "partial"
            assert paid[key] == (due if invoice["rest"] == "later" else Decimal(lines[0]["amount"]))
            assert len(lines) == (2 if invoice["rest"] == "later" else 1)
        else:
            assert scenario == "never_paid" and not lines and paid[key] == 0


def test_dates_on_time_late_and_never_in_the_future(truth: dict) -> None:
    documents = {(d["company_id"], d["invoice_number"]): d for d in DOCUMENTS}
    last_issue = max(d["issue_date"] for d in DOCUMENTS)
    late_days = []
    for line in truth["lines"]:
        booking, value = date.fromisoformat(line["booking_date"]), date.fromisoformat(line["value_date"])
        assert booking <= TODAY and booking <= last_issue + timedelta(days=120)
        assert value <= booking
        for pay in line["pays"]:
            doc = documents[(line["company_id"], pay["invoice_number"])]
            assert value >= doc["issue_date"]
            if line["scenario"] in ("on_time", "over", "partial", "no_reference"):
                assert value <= doc["due_date"]
            if line["scenario"] == "late":
                late_days.append((value - doc["due_date"]).days)
    assert late_days and all(1 <= days <= 120 for days in late_days)


def test_late_payments_spread_over_the_ageing_buckets(setup: tuple[Path, Path], tmp_path: Path) -> None:
    warehouse, accounts = setup
    generate_payments(warehouse, tmp_path, seed=11, accounts_csv=accounts)
    data = json.loads((tmp_path / "truth" / "payments.json").read_text(encoding="utf-8"))
    days = [i["days_late"] for i in data["invoices"] if i["scenario"] == "late"]
    assert days and all(1 <= d <= 120 for d in days)
    assert max(days) - min(days) >= 20 or len(days) == 1


def test_each_customer_pays_from_one_valid_iban_of_the_company_country(generated: Path, truth: dict) -> None:
    customer_of = {d["invoice_number"]: d["customer_id"] for d in DOCUMENTS}
    ibans: dict[str, set[str]] = defaultdict(set)
    for row in read_lines(generated):
        if row["payer_iban"]:
            assert iban_valid(row["payer_iban"]), row
            assert row["payer_iban"][:2] == row["account_iban"][:2]
    by_key = lines_by_key(truth)
    for row in read_lines(generated):
        line = by_key[(row["statement_id"], int(row["line_number"]))]
        if line["customer_id"]:
            ibans[line["customer_id"]].add(row["payer_iban"])
            for pay in line["pays"]:
                assert customer_of[pay["invoice_number"]] == line["customer_id"]
    assert all(len(found) == 1 for found in ibans.values()), ibans
    assert len({next(iter(found)) for found in ibans.values()}) == len(ibans)  # one IBAN per customer
    unknown = [line for line in truth["lines"] if line["scenario"] == "unknown_payer"]
    known = {next(iter(found)) for found in ibans.values()}
    rows = {(r["statement_id"], int(r["line_number"])): r for r in read_lines(generated)}
    for line in unknown:
        row = rows[(line["statement_id"], line["line_number"])]
        assert row["payer_iban"] not in known and iban_valid(row["payer_iban"])


def test_same_seed_gives_identical_bytes_and_another_seed_differs(setup: tuple[Path, Path], tmp_path: Path) -> None:
    warehouse, accounts = setup

    def files(out: Path) -> dict[str, bytes]:
        return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}

    for name, seed in (("a", 3), ("b", 3), ("c", 4)):
        generate_payments(warehouse, tmp_path / name, seed=seed, accounts_csv=accounts)
    a, b, c = files(tmp_path / "a"), files(tmp_path / "b"), files(tmp_path / "c")
    assert a == b
    assert a["truth/payments.json"] != c["truth/payments.json"]
    # a second run into the same directory replaces the files of the first one
    generate_payments(warehouse, tmp_path / "c", seed=3, accounts_csv=accounts)
    assert files(tmp_path / "c") == a


def test_the_cli_writes_the_same_bytes_and_opens_the_warehouse_read_only(
    setup: tuple[Path, Path], generated: Path, tmp_path: Path
) -> None:
    warehouse, accounts = setup
    before = warehouse.read_bytes()
    command = [str(VOLTBILL)] if VOLTBILL.exists() else [sys.executable, "-c", "import sys; from voltbill.cli import main; sys.exit(main())"]
    done = subprocess.run(
        [*command, "generate-payments", "--warehouse", str(warehouse), "--out", str(tmp_path), "--seed", "7", "--accounts", str(accounts)],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "bank statement lines" in done.stdout
    assert warehouse.read_bytes() == before
    for path in sorted((generated / "inbox" / BANK_STATEMENT_LINES.name).glob("*.csv")):
        assert (tmp_path / "inbox" / BANK_STATEMENT_LINES.name / path.name).read_bytes() == path.read_bytes()
    assert (tmp_path / "truth" / "payments.json").read_bytes() == (generated / "truth" / "payments.json").read_bytes()

    missing = subprocess.run(
        [*command, "generate-payments", "--warehouse", str(tmp_path / "none.duckdb"), "--out", str(tmp_path / "x"), "--accounts", str(accounts)],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert missing.returncode == 2 and "error" in missing.stderr


# ---------------------------------------------------------------- the real matching reproduces the truth


def statement_lines(out: Path) -> list[StatementLine]:
    return [
        StatementLine(
            statement_id=row["statement_id"],
            line_number=int(row["line_number"]),
            booking_date=date.fromisoformat(row["booking_date"]),
            value_date=date.fromisoformat(row["value_date"]),
            amount=Decimal(row["amount"]),
            currency=row["currency"],
            payer_name=row["payer_name"] or None,
            payer_iban=row["payer_iban"] or None,
            remittance_info=row["remittance_info"] or None,
        )
        for row in read_lines(out)
    ]


def open_invoices() -> list[OpenInvoice]:
    return [
        OpenInvoice(
            invoice_number=d["invoice_number"],
            customer_id=d["customer_id"],
            company_id=d["company_id"],
            currency=d["currency"],
            issue_date=d["issue_date"],
            due_date=d["due_date"],
            gross_amount=d["amount_due"],
            payment_reference=d["payment_reference"],
        )
        for d in DOCUMENTS
        if d["amount_due"] > 0
    ]


def test_matching_reproduces_the_truth(generated: Path, truth: dict) -> None:
    lines, invoices = statement_lines(generated), open_invoices()
    # Pass 1: payer IBANs become known from the lines matched by a reference.
    first = match_payments(lines, invoices)
    line_iban = {line.key: line.payer_iban for line in lines}
    learned = {line_iban[a.line_key]: a.customer_id for a in first.allocations if a.method == "reference" and line_iban[a.line_key]}
    result = match_payments(lines, invoices, customer_ibans=learned)

    queued = {q.line.key: q.reason_code for q in result.queue}
    for key, line in lines_by_key(truth).items():
        allocations = result.allocations_of(key)
        if line["scenario"] in SCENARIOS_QUEUED:
            assert queued.get(key) == SCENARIOS_QUEUED[line["scenario"]] == line["expected_queue_reason"], (line, queued.get(key))
            assert not allocations
            continue
        assert key not in queued, (line, queued.get(key))
        to_invoices = sorted((a.invoice_number, a.amount) for a in allocations if a.invoice_number is not None)
        assert to_invoices == sorted((p["invoice_number"], Decimal(p["amount"])) for p in line["pays"]), line
        method = "customer_amount" if line["scenario"] == "no_reference" else "reference"
        assert {a.method for a in allocations if a.invoice_number is not None} == {method} == {line["expected_method"]}
        credit = sum((a.amount for a in allocations if a.method == "overpayment"), Decimal("0.00"))
        assert credit == Decimal(line["credit"])
    for invoice in truth["invoices"]:
        assert result.paid_amounts[invoice["invoice_number"]] == Decimal(invoice["paid_amount"]), invoice


def test_no_reference_payments_come_after_a_referenced_payment_of_the_customer(truth: dict) -> None:
    """So matching in booking order already knows the payer's IBAN when the unreferenced payment arrives."""
    referenced: dict[str, list[date]] = defaultdict(list)
    for line in truth["lines"]:
        if line["scenario"] in ("on_time", "late", "partial", "partial_rest", "over"):
            referenced[line["customer_id"]].append(date.fromisoformat(line["booking_date"]))
    unreferenced = [line for line in truth["lines"] if line["scenario"] == "no_reference"]
    assert unreferenced
    for line in unreferenced:
        assert min(referenced[line["customer_id"]]) < date.fromisoformat(line["booking_date"]), line


def test_customers_with_equal_amounts_are_never_paid_without_a_reference(truth: dict) -> None:
    """K-RO-2 has two documents of 310.22: an unreferenced 310.22 could pay either, so the bank never sends one."""
    assert not [
        line for line in truth["lines"]
        if line["scenario"] == "no_reference" and line["customer_id"] == "K-RO-2" and line["amount"] == "310.22"
    ]
