"""The sample bank: statement lines that pay the invoices the pipeline issued, with the truth of every line.

Step two of the sample portfolio. `voltbill generate-sample` writes the partner files before anything
runs; payments can only be made once invoices are issued, so after a pipeline run

    voltbill generate-payments --warehouse data/warehouse/voltbill.duckdb --out data --seed 42

reads the issued documents (`billing.invoice_documents`, read-only) and writes

* `DATA_DIR/inbox/bank_statement_lines/<company>_<currency>_<YYYY-MM>.csv`: one file per company, account
  currency and month of booking date (the `bank_statement_lines` contract), `account_iban` being the company's
  account in that currency from the `company_bank_accounts` seed (the default one when there are several);
* `DATA_DIR/truth/payments.json`: per line its scenario, the invoice(s) it pays and how much, and what the
  matching (`billing.payment_matching`) must do with it; per invoice its scenario and the amount paid.

Scenarios, deterministic from the seed, over every document with `amount_due` > 0 (credit notes are not paid):

* ``on_time``: paid in full, value date on or before the due date, quoting the invoice number or the payment
  reference in one of several real-world spellings (spaces, dashes, lower case, inside free text);
* ``late``: paid in full 1-120 days after the due date (value date), spread over the ageing buckets;
* ``partial``: a part now (quoting the reference) and the rest later (``partial_rest``) or never;
* ``over``: more than the amount due (the excess is a credit on the customer);
* ``no_reference``: the exact amount, no reference, only the payer's IBAN. Matchable only by customer and
  amount, so it is only planned for an invoice whose amount no other document of the customer (in that
  currency) has, and booked after the customer's first payment, which always quotes a reference (the first
  payable invoice of each customer is paid on time with a reference) so the IBAN is known by then;
* ``never_paid``: no line; the receivable remains (also every invoice issued too late to be paid);
* extra lines the matching must queue: ``unknown_payer`` (an IBAN no customer uses, no reference),
  ``refund`` (money paid out: negative amount) and ``duplicate`` (a second payment of an invoice already paid
  in full, quoting it).

Each customer pays from one stable IBAN (valid ISO 13616 mod-97 check digits, in the country of the company)
on all its payments. No booking date is after the last issue date + `MAX_DAYS_AFTER_LAST_ISSUE` nor after
`TODAY` (a payment cannot be booked in the future). Amounts are `Decimal` with 2 decimals, written as strings.
Same warehouse, accounts and seed: the same bytes.
"""

from __future__ import annotations

import csv
import io
import json
import zlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb
import numpy as np

from data.sample_portfolio.randomness import stream
from ingestion.sources import BANK_STATEMENT_LINES
from voltbill.paths import PROJECT_ROOT

TODAY = date(2026, 11, 23)
MAX_DAYS_AFTER_LAST_ISSUE = 120
MAX_DAYS_LATE = 120
DEFAULT_ACCOUNTS_CSV = PROJECT_ROOT / "dbt_project" / "seeds" / "company_bank_accounts.csv"
TRUTH_FILE = "payments.json"
CENT = Decimal("0.01")

# Share of the payable invoices per scenario (the customers' first invoices are always `on_time`);
# `on_time` takes what the others leave. Each other scenario gets at least one invoice when there are enough.
SCENARIO_SHARES: dict[str, float] = {
    "late": 0.15,
    "partial": 0.10,
    "over": 0.07,
    "no_reference": 0.10,
    "never_paid": 0.12,
}
INVOICE_SCENARIOS = ("on_time", "late", "partial", "over", "no_reference", "never_paid")
LINE_SCENARIOS = ("on_time", "late", "partial", "partial_rest", "over", "no_reference", "unknown_payer", "refund", "duplicate")
# What `billing.payment_matching.match_payments` must do with each kind of line.
EXPECTED_OUTCOME: dict[str, tuple[str, str | None]] = {
    "on_time": ("reference", None),
    "late": ("reference", None),
    "partial": ("reference", None),
    "partial_rest": ("reference", None),
    "over": ("reference", None),
    "no_reference": ("customer_amount", None),
    "unknown_payer": ("queued", "unknown_payer"),
    "refund": ("queued", "negative_amount"),
    "duplicate": ("queued", "reference_not_open"),
}
LATE_BUCKETS: tuple[tuple[int, int], ...] = ((1, 30), (31, 60), (61, 90), (91, MAX_DAYS_LATE))

_RO_BANKS = ("BTRL", "BRDE", "RNCB", "INGB", "BACX", "CECE", "RZBR")
_BG_BANKS = ("UNCR", "STSA", "FINV", "BPBI", "UBBS", "RZBB", "CECB")
_RO_MONTHS = ("ianuarie", "februarie", "martie", "aprilie", "mai", "iunie", "iulie", "august", "septembrie",
              "octombrie", "noiembrie", "decembrie")
_BG_MONTHS = ("януари", "февруари", "март", "април", "май", "юни", "юли", "август", "септември", "октомври",
              "ноември", "декември")
_UNKNOWN_PAYERS = {"RO": ("Ion Popescu", "Maria Ionescu", "SC Delta Trade SRL"), "BG": ("Георги Иванов", "Мария Петрова", "Делта Трейд ЕООД")}


# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class Document:
    """An issued document to be paid (from `billing.invoice_documents`)."""

    company_id: str
    invoice_number: str
    invoice_type: str
    customer_id: str
    issue_date: date
    due_date: date
    currency: str
    amount_due: Decimal
    payment_reference: str


@dataclass(frozen=True)
class Account:
    company_id: str
    iban: str
    currency: str
    is_default: bool


def read_documents(warehouse: Path) -> tuple[list[Document], dict[str, str]]:
    """The issued documents, and customer names where the warehouse knows them (`raw.dso_confirmations`).

    Opens the warehouse read-only (a running pipeline holding the write lock makes this fail: run it after)."""
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        rows = connection.execute(
            """
            SELECT company_id, invoice_number, invoice_type, customer_id, issue_date, due_date, currency,
                   amount_due, payment_reference
            FROM billing.invoice_documents
            ORDER BY company_id, invoice_number
            """
        ).fetchall()
        names: dict[str, str] = {}
        has_names = connection.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'raw' AND table_name = 'dso_confirmations'"
        ).fetchone()[0]
        if has_names:
            names = dict(
                connection.execute(
                    "SELECT customer_id, max(customer_name) FROM raw.dso_confirmations GROUP BY customer_id"
                ).fetchall()
            )
    documents = [
        Document(company, number, kind, customer, issue, due, currency, Decimal(str(amount)).quantize(CENT), reference)
        for company, number, kind, customer, issue, due, currency, amount, reference in rows
    ]
    return documents, names


def read_accounts(path: Path) -> list[Account]:
    """The company accounts of the `company_bank_accounts` seed (company_id, iban, bic, bank_name, currency, is_default)."""
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            Account(row["company_id"].strip(), row["iban"].strip(), row["currency"].strip(),
                    row.get("is_default", "").strip().lower() in ("true", "t", "yes", "1"))
            for row in csv.DictReader(handle)
        ]


def account_for(accounts: list[Account], company_id: str, currency: str) -> Account:
    """The company's account in `currency`: the default one when there are several, else the first by IBAN."""
    candidates = sorted((a for a in accounts if a.company_id == company_id and a.currency == currency),
                        key=lambda a: (not a.is_default, a.iban))
    if not candidates:
        raise ValueError(f"no bank account of company {company_id} in {currency} in the company_bank_accounts seed")
    return candidates[0]


# --------------------------------------------------------------------------- identifiers and amounts


def iban_check_digits(country: str, bban: str) -> str:
    """ISO 13616 check digits: 98 - (BBAN + country + '00' as digits, A=10 ... Z=35) mod 97."""
    digits = "".join(str(int(char, 36)) for char in (bban + country + "00").upper())
    return f"{98 - int(digits) % 97:02d}"


def iban_is_valid(iban: str) -> bool:
    text = iban.replace(" ", "").upper()
    if len(text) < 15 or not text.isalnum():
        return False
    return int("".join(str(int(char, 36)) for char in text[4:] + text[:4])) % 97 == 1


def make_iban(country: str, rng: np.random.Generator) -> str:
    """A syntactically valid IBAN of `country` (RO: 24 characters, BG: 22; else 4 letters + 16 digits)."""
    def digits(n: int) -> str:
        return "".join(str(int(d)) for d in rng.integers(0, 10, size=n))

    if country == "BG":
        bban = str(rng.choice(_BG_BANKS)) + digits(4) + "10" + digits(8)
    else:
        bban = str(rng.choice(_RO_BANKS)) + digits(16)
    return country + iban_check_digits(country, bban) + bban


def _key(text: str) -> int:
    return zlib.crc32(text.encode("utf-8"))


def _money(value: Decimal) -> str:
    return str(value.quantize(CENT))


def _fraction(amount: Decimal, low: float, high: float, rng: np.random.Generator) -> Decimal:
    """A part of `amount` between low and high, rounded to whole units when the amount is large."""
    share = Decimal(str(round(float(rng.uniform(low, high)), 4)))
    places = Decimal(1) if amount >= 100 else CENT
    return (amount * share).quantize(places, rounding=ROUND_HALF_UP).quantize(CENT)


# --------------------------------------------------------------------------- plan


@dataclass
class Line:
    company_id: str
    currency: str
    booking_date: date
    value_date: date
    amount: Decimal
    scenario: str
    customer_id: str | None
    payer_name: str | None
    payer_iban: str | None
    remittance_info: str | None
    pays: list[tuple[str, Decimal]] = field(default_factory=list)
    credit: Decimal = Decimal("0.00")
    order: int = 0  # planning order, breaks ties within a booking day


def _weekday_on_or_after(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


class _Bank:
    """Plans the lines of one generation."""

    def __init__(self, seed: int, documents: list[Document], accounts: list[Account], names: dict[str, str]) -> None:
        self.seed = seed
        self.accounts = accounts
        self.names = names
        self.payable = [d for d in documents if d.amount_due > 0]
        last_issue = max((d.issue_date for d in documents), default=TODAY)
        self.cap = min(TODAY, last_issue + timedelta(days=MAX_DAYS_AFTER_LAST_ISSUE))
        self.country = {d.company_id: account_for(accounts, d.company_id, d.currency).iban[:2].upper() for d in self.payable}
        self.ibans = self._customer_ibans()
        self.amounts: dict[tuple[str, str], set[Decimal]] = defaultdict(set)
        for doc in self.payable:
            self.amounts[(doc.customer_id, doc.currency)].add(doc.amount_due)
        self.lines: list[Line] = []
        self.invoice_truth: dict[tuple[str, str], dict] = {}

    # ---------------------------------------------------------------- parties

    def _customer_ibans(self) -> dict[str, str]:
        """One stable IBAN per customer, in the country of the company of its first document."""
        first_company: dict[str, str] = {}
        for doc in sorted(self.payable, key=lambda d: (d.customer_id, d.issue_date, d.company_id, d.invoice_number)):
            first_company.setdefault(doc.customer_id, doc.company_id)
        ibans: dict[str, str] = {}
        used = {a.iban.replace(" ", "").upper() for a in self.accounts}
        for customer, company in sorted(first_company.items()):
            rng = stream(self.seed, "payer_iban", _key(customer))
            iban = make_iban(self.country[company], rng)
            while iban in used:
                iban = make_iban(self.country[company], rng)
            used.add(iban)
            ibans[customer] = iban
        return ibans

    def _payer_name(self, customer: str) -> str:
        return self.names.get(customer) or customer

    # ---------------------------------------------------------------- dates

    def _booking(self, value: date, rng: np.random.Generator) -> date:
        """The bank books on a working day, the same day or one after the value date; never after the cap."""
        booking = _weekday_on_or_after(value + timedelta(days=int(rng.choice([0, 0, 0, 1]))))
        return max(value, min(booking, self.cap))

    def _value_between(self, first: date, last: date, rng: np.random.Generator) -> date | None:
        if first > last:
            return None
        return first + timedelta(days=int(rng.integers(0, (last - first).days + 1)))

    # ---------------------------------------------------------------- remittance texts

    def _remittance(self, doc: Document, value: date, rng: np.random.Generator) -> str:
        """The invoice number or payment reference in one of several spellings, perhaps inside free text."""
        quoted = doc.payment_reference if doc.payment_reference and rng.random() < 0.3 else doc.invoice_number
        form = int(rng.integers(0, 6))
        if form == 1:
            quoted = quoted.lower()
        elif form == 2:  # spaces every 4 characters
            plain = quoted.replace("-", "").replace("/", "")
            quoted = " ".join(plain[i : i + 4] for i in range(0, len(plain), 4))
        elif form == 3:  # dashes between letters and digits / every 4 digits
            plain = quoted.replace("-", "").replace("/", "")
            quoted = "-".join(plain[i : i + 4] for i in range(0, len(plain), 4))
        if form < 4:
            return quoted
        month = value.month - 1
        if self.country[doc.company_id] == "BG":
            templates = (f"Плащане по фактура № {quoted} за {_BG_MONTHS[month]}", f"ф-ра {quoted}, ток {_BG_MONTHS[month]}")
        else:
            templates = (f"Plata factura {quoted} {_RO_MONTHS[month]}", f"Contravaloare fact. {quoted}, energie electrica")
        return templates[form - 4]

    # ---------------------------------------------------------------- lines

    def _line(self, doc: Document, scenario: str, value: date, booking: date, amount: Decimal, *, remittance: str | None,
              pays: list[tuple[str, Decimal]], credit: Decimal = Decimal("0.00")) -> Line:
        line = Line(doc.company_id, doc.currency, booking, value, amount, scenario, doc.customer_id,
                    self._payer_name(doc.customer_id), self.ibans[doc.customer_id], remittance, pays, credit,
                    order=len(self.lines))
        self.lines.append(line)
        return line

    def plan(self) -> None:
        scenarios = self._assign_scenarios()
        first_referenced: dict[str, date] = {}
        deferred: list[Document] = []
        ordered = sorted(self.payable, key=lambda d: (d.customer_id, d.issue_date, d.company_id, d.invoice_number))
        for doc in ordered:
            if scenarios[(doc.company_id, doc.invoice_number)] == "no_reference":
                deferred.append(doc)
                continue
            line = self._pay(doc, scenarios[(doc.company_id, doc.invoice_number)])
            if line is not None:
                known = first_referenced.get(doc.customer_id)
                first_referenced[doc.customer_id] = line.booking_date if known is None else min(known, line.booking_date)
        for doc in deferred:
            self._pay_without_reference(doc, first_referenced.get(doc.customer_id))
        self._extra_lines()

    def _assign_scenarios(self) -> dict[tuple[str, str], str]:
        """Scenario per payable invoice: each customer's first invoice on time, the others by the shares."""
        rng = stream(self.seed, "payment_scenarios")
        by_customer: dict[str, list[Document]] = defaultdict(list)
        for doc in sorted(self.payable, key=lambda d: (d.customer_id, d.issue_date, d.company_id, d.invoice_number)):
            by_customer[doc.customer_id].append(doc)
        scenarios = {(d.company_id, d.invoice_number): "on_time" for d in self.payable}
        firsts = {(docs[0].company_id, docs[0].invoice_number) for docs in by_customer.values()}
        others = [d for d in sorted(self.payable, key=lambda d: (d.company_id, d.invoice_number))
                  if (d.company_id, d.invoice_number) not in firsts]
        order = [others[i] for i in rng.permutation(len(others)).tolist()]
        amounts = defaultdict(list)
        for doc in self.payable:
            amounts[(doc.customer_id, doc.currency)].append(doc.amount_due)
        quotas = {name: (max(1, round(len(order) * share)) if len(order) >= 2 * len(SCENARIO_SHARES) else
                         round(len(order) * share)) for name, share in SCENARIO_SHARES.items()}
        taken: set[tuple[str, str]] = set()
        # Without a reference only where the amount identifies the invoice among the customer's documents.
        unique = [d for d in order if amounts[(d.customer_id, d.currency)].count(d.amount_due) == 1]
        for doc in unique[: quotas.pop("no_reference")]:
            scenarios[(doc.company_id, doc.invoice_number)] = "no_reference"
            taken.add((doc.company_id, doc.invoice_number))
        remaining = [d for d in order if (d.company_id, d.invoice_number) not in taken]
        position = 0
        for name, quota in quotas.items():
            for doc in remaining[position : position + quota]:
                scenarios[(doc.company_id, doc.invoice_number)] = name
            position += quota
        return scenarios

    def _record(self, doc: Document, scenario: str, paid: Decimal, **extra: object) -> None:
        self.invoice_truth[(doc.company_id, doc.invoice_number)] = {
            "company_id": doc.company_id,
            "invoice_number": doc.invoice_number,
            "customer_id": doc.customer_id,
            "currency": doc.currency,
            "issue_date": doc.issue_date.isoformat(),
            "due_date": doc.due_date.isoformat(),
            "amount_due": _money(doc.amount_due),
            "scenario": scenario,
            "paid_amount": _money(paid),
            "open_amount": _money(doc.amount_due - paid),
            **extra,
        }

    def _on_time_value(self, doc: Document, rng: np.random.Generator, after: date | None = None) -> date | None:
        first = min(doc.issue_date + timedelta(days=1), doc.due_date)  # due on issue: paid the same day
        if after is not None:
            first = max(first, after + timedelta(days=1))
        return self._value_between(first, min(doc.due_date, self.cap), rng)

    def _pay(self, doc: Document, scenario: str) -> Line | None:
        """The line(s) of a referenced scenario (or none for never_paid); returns the first line."""
        rng = stream(self.seed, "payment", _key(doc.company_id), _key(doc.invoice_number))
        if scenario == "late":
            room = (self.cap - doc.due_date).days
            if room >= 1:
                low, high = LATE_BUCKETS[int(rng.integers(0, len(LATE_BUCKETS)))]
                if low > room:
                    low, high = 1, room
                days = int(rng.integers(low, min(high, room) + 1))
                value = doc.due_date + timedelta(days=days)
                line = self._line(doc, "late", value, self._booking(value, rng), doc.amount_due,
                                  remittance=self._remittance(doc, value, rng), pays=[(doc.invoice_number, doc.amount_due)])
                self._record(doc, "late", doc.amount_due, days_late=days)
                return line
            scenario = "on_time"
        value = self._on_time_value(doc, rng)
        if value is None or scenario == "never_paid":
            self._record(doc, "never_paid", Decimal("0.00"))
            return None
        booking = self._booking(value, rng)
        remittance = self._remittance(doc, value, rng)
        if scenario == "partial":
            part = _fraction(doc.amount_due, 0.2, 0.8, rng)
            if not Decimal("0.00") < part < doc.amount_due:
                part = (doc.amount_due / 2).quantize(CENT, rounding=ROUND_HALF_UP)
            # The open rest must not look like another invoice of the customer to a payment without reference.
            while doc.amount_due - part in self.amounts[(doc.customer_id, doc.currency)] and part > CENT:
                part -= CENT
            if Decimal("0.00") < part < doc.amount_due:
                line = self._line(doc, "partial", value, booking, part, remittance=remittance, pays=[(doc.invoice_number, part)])
                rest = doc.amount_due - part
                rest_value = value + timedelta(days=int(rng.integers(5, 61)))
                if rng.random() < 0.6 and rest_value <= self.cap:
                    self._line(doc, "partial_rest", rest_value, self._booking(rest_value, rng), rest,
                               remittance=self._remittance(doc, rest_value, rng), pays=[(doc.invoice_number, rest)])
                    self._record(doc, "partial", doc.amount_due, rest="later")
                else:
                    self._record(doc, "partial", part, rest="never")
                return line
            scenario = "on_time"  # a 0.01 invoice cannot be split
        if scenario == "over":
            excess = _fraction(doc.amount_due, 0.01, 0.15, rng)
            if excess <= 0:
                excess = Decimal("1.00")
            line = self._line(doc, "over", value, booking, doc.amount_due + excess, remittance=remittance,
                              pays=[(doc.invoice_number, doc.amount_due)], credit=excess)
            self._record(doc, "over", doc.amount_due, credit=_money(excess))
            return line
        line = self._line(doc, "on_time", value, booking, doc.amount_due, remittance=remittance,
                          pays=[(doc.invoice_number, doc.amount_due)])
        self._record(doc, "on_time", doc.amount_due)
        return line

    def _pay_without_reference(self, doc: Document, known_from: date | None) -> None:
        """The exact amount, payer IBAN only, booked after the customer's first referenced payment."""
        rng = stream(self.seed, "payment", _key(doc.company_id), _key(doc.invoice_number))
        value = self._on_time_value(doc, rng, after=known_from) if known_from is not None else None
        if value is None:
            self._pay(doc, "on_time")  # no room after the first referenced payment: quote the reference
            return
        booking = self._booking(value, rng)
        if booking <= known_from:
            self._pay(doc, "on_time")
            return
        self._line(doc, "no_reference", value, booking, doc.amount_due, remittance=None,
                   pays=[(doc.invoice_number, doc.amount_due)])
        self._record(doc, "no_reference", doc.amount_due)

    def _extra_lines(self) -> None:
        """Per company: an unknown payer, a refund of an overpayment and a duplicate payment (when possible)."""
        companies = sorted({d.company_id for d in self.payable})
        customer_ibans = set(self.ibans.values())
        for company in companies:
            rng = stream(self.seed, "extra_lines", _key(company))
            docs = [d for d in self.payable if d.company_id == company]
            first_issue = min(d.issue_date for d in docs)
            # unknown payer: an IBAN no customer uses, no reference
            value = self._value_between(first_issue + timedelta(days=1), self.cap, rng)
            if value is not None:
                country = self.country[company]
                iban = make_iban(country, rng)
                while iban in customer_ibans:
                    iban = make_iban(country, rng)
                currency = docs[int(rng.integers(0, len(docs)))].currency
                amount = Decimal(int(rng.integers(2000, 50000))) / 100
                text = ("Transfer", "Plata", None)[int(rng.integers(0, 3))] if country != "BG" else ("Превод", "Плащане", None)[int(rng.integers(0, 3))]
                line = Line(company, currency, self._booking(value, rng), value, amount.quantize(CENT), "unknown_payer", None,
                            str(rng.choice(_UNKNOWN_PAYERS.get(country, _UNKNOWN_PAYERS["RO"]))), iban, text, order=len(self.lines))
                self.lines.append(line)
            # refund: the company pays back (part of) an overpayment
            overs = [l for l in self.lines if l.company_id == company and l.scenario == "over"]
            if overs:
                over = overs[int(rng.integers(0, len(overs)))]
                refund_value = over.booking_date + timedelta(days=int(rng.integers(10, 41)))
                if refund_value <= self.cap:
                    text = "Restituire plata in plus" if self.country[company] != "BG" else "Възстановяване на надплатена сума"
                    self.lines.append(Line(company, over.currency, self._booking(refund_value, rng), refund_value, -over.credit,
                                           "refund", over.customer_id, over.payer_name, over.payer_iban, text,
                                           order=len(self.lines)))
            # duplicate: an invoice paid in full once more, quoting it again
            fulls = [l for l in self.lines if l.company_id == company and l.scenario in ("on_time", "late")
                     and l.booking_date + timedelta(days=1) <= self.cap]
            if fulls:
                original = fulls[int(rng.integers(0, len(fulls)))]
                dup_value = original.booking_date + timedelta(days=int(rng.integers(1, 21)))
                dup_value = min(dup_value, self.cap)
                booking = self._booking(dup_value, rng)
                if booking > original.booking_date:
                    number = original.pays[0][0]
                    self.lines.append(Line(company, original.currency, booking, dup_value, original.amount, "duplicate",
                                           original.customer_id, original.payer_name, original.payer_iban,
                                           original.remittance_info, order=len(self.lines)))
                    self.invoice_truth[(company, number)]["duplicate_paid"] = _money(original.amount)


# --------------------------------------------------------------------------- output


@dataclass(frozen=True)
class PaymentsSummary:
    out_dir: Path
    files: int
    lines: int
    lines_per_scenario: dict[str, int]
    invoices_per_scenario: dict[str, int]


def _csv_text(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(BANK_STATEMENT_LINES.column_names)
    writer.writerows(rows)
    return buffer.getvalue()


def generate_payments(warehouse: Path, out_dir: Path, seed: int, accounts_csv: Path = DEFAULT_ACCOUNTS_CSV) -> PaymentsSummary:
    """Write the statement files and `truth/payments.json` for the documents issued in `warehouse`."""
    documents, names = read_documents(Path(warehouse))
    accounts = read_accounts(Path(accounts_csv))
    bank = _Bank(seed, documents, accounts, names)
    bank.plan()

    inbox = Path(out_dir) / "inbox" / BANK_STATEMENT_LINES.name
    truth_dir = Path(out_dir) / "truth"
    inbox.mkdir(parents=True, exist_ok=True)
    truth_dir.mkdir(parents=True, exist_ok=True)
    for stale in sorted(inbox.glob("*.csv")):
        stale.unlink()

    files: dict[str, list[list[str]]] = defaultdict(list)
    truth_lines = []
    per_statement: dict[str, int] = defaultdict(int)
    ordered = sorted(bank.lines, key=lambda l: (l.company_id, l.currency, l.booking_date, l.order))
    for line in ordered:
        account = account_for(accounts, line.company_id, line.currency)
        statement_id = f"{line.company_id}-{line.currency}-{line.booking_date:%Y%m%d}"
        per_statement[statement_id] += 1
        number = per_statement[statement_id]
        file_name = f"{line.company_id}_{line.currency}_{line.booking_date:%Y-%m}.csv"
        bank_reference = f"TRX{line.booking_date:%y%m%d}{_key(f'{seed}/{statement_id}/{number}') % 10**8:08d}"
        files[file_name].append([
            statement_id, str(number), account.iban, line.booking_date.isoformat(), line.value_date.isoformat(),
            _money(line.amount), line.currency, line.payer_name or "", line.payer_iban or "", line.remittance_info or "",
            bank_reference,
        ])
        method, reason = EXPECTED_OUTCOME[line.scenario]
        truth_lines.append({
            "file": f"inbox/{BANK_STATEMENT_LINES.name}/{file_name}",
            "statement_id": statement_id,
            "line_number": number,
            "company_id": line.company_id,
            "account_iban": account.iban,
            "booking_date": line.booking_date.isoformat(),
            "value_date": line.value_date.isoformat(),
            "amount": _money(line.amount),
            "currency": line.currency,
            "scenario": line.scenario,
            "customer_id": line.customer_id,
            "pays": [{"invoice_number": inv, "amount": _money(amount)} for inv, amount in line.pays],
            "credit": _money(line.credit),
            "expected_method": None if method == "queued" else method,
            "expected_queue_reason": reason,
        })
    for file_name, rows in sorted(files.items()):
        (inbox / file_name).write_bytes(_csv_text(rows).encode("utf-8"))

    lines_per_scenario = {name: sum(1 for l in bank.lines if l.scenario == name) for name in LINE_SCENARIOS}
    invoices = [bank.invoice_truth[key] for key in sorted(bank.invoice_truth)]
    invoices_per_scenario = {name: sum(1 for i in invoices if i["scenario"] == name) for name in INVOICE_SCENARIOS}
    truth = {
        "seed": seed,
        "today": TODAY.isoformat(),
        "last_booking_date_allowed": bank.cap.isoformat(),
        "files": {f"inbox/{BANK_STATEMENT_LINES.name}/{name}": len(rows) for name, rows in sorted(files.items())},
        "customer_ibans": dict(sorted(bank.ibans.items())),
        "lines_per_scenario": lines_per_scenario,
        "invoices_per_scenario": invoices_per_scenario,
        "lines": truth_lines,
        "invoices": invoices,
        "not_paid_documents": [
            {"company_id": d.company_id, "invoice_number": d.invoice_number, "amount_due": _money(d.amount_due),
             "reason": "credit note or nothing due: not paid by the customer"}
            for d in documents if d.amount_due <= 0
        ],
    }
    (truth_dir / TRUTH_FILE).write_bytes((json.dumps(truth, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
    return PaymentsSummary(Path(out_dir), len(files), len(bank.lines), lines_per_scenario, invoices_per_scenario)
