"""Representative issued documents (`InvoiceView`) for the invoice-document tests and benchmark.

Amounts are written out by hand below (each line net = quantity × unit price rounded half up to
cents; VAT per group = taxable × rate rounded once), and `_check_totals` re-derives every total
from the lines so a typo in a sample fails loudly instead of feeding a renderer wrong figures.
"""

from dataclasses import replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from invoice_rendering.invoice_view import (
    BankAccount,
    DailyConsumption,
    InvoiceView,
    Line,
    MeteringPoint,
    Party,
    VatGroup,
)

D = Decimal
CENT = D("0.01")

SELLER_RO = Party(
    name="Voltbill Energie România SRL",
    country_code="RO",
    street="Str. Dorobanților 14",
    city="Cluj-Napoca",
    postal_code="400117",
    vat_number="RO40851234",
    registration_id="J12/3456/2019",
    email="facturi@voltbill.ro",
    phone="+40 264 000 111",
)
SELLER_BG = Party(
    name="Волтбил Енерджи България ЕООД",
    country_code="BG",
    street="бул. Витоша 89",
    city="София",
    postal_code="1463",
    vat_number="BG205123456",
    registration_id="205123456",
    email="fakturi@voltbill.bg",
)
BUYER_RO = Party(
    name="Panificația Someș SA",
    country_code="RO",
    street="Calea Baciului 2",
    city="Cluj-Napoca",
    vat_number="RO1234567",
    email="contabilitate@panificatia.example",
)
BUYER_BG_HOUSEHOLD = Party(name="Иван Петров", country_code="BG", street="ул. Шипка 5", city="Пловдив")
ACCOUNT_RO = BankAccount(iban="RO22BTRLRONCRT0V8B240001", bic="BTRLRO22", bank_name="Banca Transilvania")
ACCOUNT_BG = BankAccount(iban="BG43UNCR700015V8B24001", bic="UNCRBGSF", bank_name="UniCredit Bulbank")


def _net(quantity: str, unit_price: str) -> Decimal:
    return (D(quantity) * D(unit_price)).quantize(CENT, rounding=ROUND_HALF_UP)


def _check_totals(view: InvoiceView) -> InvoiceView:
    for line in view.lines:
        assert line.net_amount == (line.quantity * line.unit_price).quantize(CENT, rounding=ROUND_HALF_UP), line
    for group in view.vat_groups:
        members = [
            line.net_amount
            for line in view.lines
            if (line.vat_category, line.vat_rate_pct) == (group.vat_category, group.vat_rate_pct)
        ]
        assert group.taxable_amount == sum(members, D("0.00")), group
        expected_vat = (group.taxable_amount * group.vat_rate_pct / 100).quantize(CENT, rounding=ROUND_HALF_UP)
        assert group.vat_amount == expected_vat, group
    assert view.line_total == sum((line.net_amount for line in view.lines), D("0.00"))
    assert view.vat_total == sum((group.vat_amount for group in view.vat_groups), D("0.00"))
    assert view.total_with_vat == view.line_total + view.vat_total
    assert view.amount_due == view.total_with_vat - view.prepaid_amount
    return view


def _daily(points: list[str], start: date, end: date, base: str) -> tuple[DailyConsumption, ...]:
    days = []
    day = start
    while day <= end:
        for index, point in enumerate(points):
            weekday_factor = D("0.7") if day.weekday() >= 5 else D("1")
            days.append(DailyConsumption(point, day, (D(base) * weekday_factor + index).quantize(D("0.001"))))
        day += timedelta(days=1)
    return tuple(days)


def ro_regularisation() -> InvoiceView:
    """RO company customer, two metering points, energy + network fees + excise (exempt part) +
    green certificates, an advance of 1,000.00 + 210.00 VAT deducted."""
    lines = (
        Line(1, "Active energy, fixed price", D("12345.678"), "kWh", D("0.651200"), _net("12345.678", "0.6512"), "S", D("21"), "energy"),
        Line(2, "Network fee (distribution)", D("8000.000"), "kWh", D("0.185432"), _net("8000", "0.185432"), "S", D("21"), "network_fee", "RO005E123456789"),
        Line(3, "Network fee (distribution)", D("4345.678"), "kWh", D("0.185432"), _net("4345.678", "0.185432"), "S", D("21"), "network_fee", "RO005E987654321"),
        Line(4, "Excise duty (exempt part, industrial process)", D("12.346"), "MWh", D("2.850000"), _net("12.346", "2.85"), "E", D("0"), "excise"),
        Line(5, "Green certificates", D("6.1728"), "certificate", D("145.500000"), _net("6.1728", "145.5"), "S", D("21"), "green_certificates"),
    )
    taxable_s = sum((line.net_amount for line in lines if line.vat_category == "S"), D("0.00"))
    taxable_e = lines[3].net_amount
    vat_s = (taxable_s * D("0.21")).quantize(CENT, rounding=ROUND_HALF_UP)
    groups = (
        VatGroup("S", D("21"), taxable_s, vat_s, None, D("1000.00"), D("210.00")),
        VatGroup("E", D("0"), taxable_e, D("0.00"), "Scutit de accize (art. 353 Cod fiscal)"),
    )
    line_total = taxable_s + taxable_e
    total = line_total + vat_s
    start, end = date(2026, 3, 1), date(2026, 3, 31)
    return _check_totals(
        InvoiceView(
            company_id="VB-RO",
            invoice_number="VBR00000123",
            invoice_type="regularisation",
            issue_date=date(2026, 4, 5),
            due_date=date(2026, 4, 20),
            period_start=start,
            period_end=end,
            billing_period="2026-03",
            currency="RON",
            language="ro",
            seller=SELLER_RO,
            buyer=BUYER_RO,
            bank_account=ACCOUNT_RO,
            contract_id="C-RO-0001",
            customer_id="CUST-RO-0001",
            lines=lines,
            vat_groups=groups,
            line_total=line_total,
            vat_total=vat_s,
            total_with_vat=total,
            prepaid_amount=D("1210.00"),
            amount_due=total - D("1210.00"),
            payment_reference="VBR00000123",
            customer_email="contabilitate@panificatia.example",
            note="Regularizare pe consumul realizat din martie 2026.",
            prepaid_invoice_refs=("VBR00000077",),
            consumption_type="achieved",
            energy_kwh=D("12345.678"),
            metering_points=(
                MeteringPoint("RO005E123456789", "Brutăria Mănăștur", "Str. Bucegi 20", "Cluj-Napoca", D("8000.000")),
                MeteringPoint("RO005E987654321", "Depozit Sud", "Str. Fabricii 3", "Cluj-Napoca", D("4345.678")),
            ),
            daily_consumption=_daily(["RO005E123456789", "RO005E987654321"], start, end, "280"),
        )
    )


def bg_advance() -> InvoiceView:
    """BG household advance in EUR (after the changeover), one line at 20 % VAT, Bulgarian text."""
    lines = (Line(1, "Аванс за активна енергия, февруари 2026", D("350"), "kWh", D("0.128000"), _net("350", "0.128"), "S", D("20"), "energy"),)
    taxable = lines[0].net_amount
    vat = (taxable * D("0.20")).quantize(CENT, rounding=ROUND_HALF_UP)
    return _check_totals(
        InvoiceView(
            company_id="VB-BG",
            invoice_number="0000000042",
            invoice_type="advance",
            issue_date=date(2026, 2, 5),
            due_date=date(2026, 2, 19),
            period_start=date(2026, 2, 1),
            period_end=date(2026, 2, 28),
            billing_period="2026-02",
            currency="EUR",
            language="bg",
            seller=SELLER_BG,
            buyer=BUYER_BG_HOUSEHOLD,
            bank_account=ACCOUNT_BG,
            contract_id="C-BG-0042",
            customer_id="CUST-BG-0042",
            lines=lines,
            vat_groups=(VatGroup("S", D("20"), taxable, vat),),
            line_total=taxable,
            vat_total=vat,
            total_with_vat=taxable + vat,
            prepaid_amount=D("0.00"),
            amount_due=taxable + vat,
            payment_reference="0000000042",
            customer_email="ivan.petrov@example.bg",
            note="Авансово плащане по заявено количество.",
            consumption_type="ordered",
            energy_kwh=D("350"),
            metering_points=(MeteringPoint("32Z1000000001234", "Апартамент", "ул. Шипка 5", "Пловдив", None),),
        )
    )


def ro_credit_note() -> InvoiceView:
    """Credit note reversing a deviation invoice completely: negated quantities, English text."""
    lines = (Line(1, "Deviation outside the tolerance band", D("-412.500"), "kWh", D("0.095000"), _net("-412.5", "0.095"), "S", D("21"), "deviation"),)
    taxable = lines[0].net_amount
    vat = (taxable * D("0.21")).quantize(CENT, rounding=ROUND_HALF_UP)
    return _check_totals(
        InvoiceView(
            company_id="VB-RO",
            invoice_number="VBR00000124",
            invoice_type="credit_note",
            issue_date=date(2026, 5, 5),
            due_date=date(2026, 5, 20),
            period_start=date(2026, 3, 1),
            period_end=date(2026, 3, 31),
            billing_period="2026-03",
            currency="RON",
            language="en",
            seller=SELLER_RO,
            buyer=BUYER_RO,
            bank_account=ACCOUNT_RO,
            contract_id="C-RO-0001",
            customer_id="CUST-RO-0001",
            lines=lines,
            vat_groups=(VatGroup("S", D("21"), taxable, vat),),
            line_total=taxable,
            vat_total=vat,
            total_with_vat=taxable + vat,
            prepaid_amount=D("0.00"),
            amount_due=taxable + vat,
            payment_reference="VBR00000124",
            note="Credit note: the deviation was recomputed on corrected consumption.",
            corrects_invoice_number="VBR00000101",
        )
    )


def ro_penalty() -> InvoiceView:
    """Late-payment interest, outside the scope of VAT (category O), one line per late document."""
    lines = (
        Line(1, "Late-payment interest on VBR00000077 (31 days)", D("1"), "item", D("12.340000"), D("12.34"), "O", D("0"), "penalty_interest", None, "VBR00000077"),
        Line(2, "Late-payment interest on VBR00000090 (12 days)", D("1"), "item", D("3.050000"), D("3.05"), "O", D("0"), "penalty_interest", None, "VBR00000090"),
    )
    total = D("15.39")
    return _check_totals(
        InvoiceView(
            company_id="VB-RO",
            invoice_number="VBR00000125",
            invoice_type="penalty",
            issue_date=date(2026, 5, 5),
            due_date=date(2026, 5, 20),
            period_start=date(2026, 4, 1),
            period_end=date(2026, 4, 30),
            billing_period="2026-04",
            currency="RON",
            language="ro",
            seller=SELLER_RO,
            buyer=BUYER_RO,
            bank_account=ACCOUNT_RO,
            contract_id="C-RO-0001",
            customer_id="CUST-RO-0001",
            lines=lines,
            vat_groups=(VatGroup("O", D("0"), total, D("0.00"), "Not subject to VAT"),),
            line_total=total,
            vat_total=D("0.00"),
            total_with_vat=total,
            prepaid_amount=D("0.00"),
            amount_due=total,
            payment_reference="VBR00000125",
        )
    )


def ro_refund_regularisation() -> InvoiceView:
    """A regularisation whose advance was larger than the actual consumption: negative amount due."""
    lines = (Line(1, "Active energy, fixed price", D("800"), "kWh", D("0.700000"), _net("800", "0.7"), "S", D("21"), "energy"),)
    taxable = lines[0].net_amount
    vat = (taxable * D("0.21")).quantize(CENT, rounding=ROUND_HALF_UP)
    total = taxable + vat
    return _check_totals(
        InvoiceView(
            company_id="VB-RO",
            invoice_number="VBR00000126",
            invoice_type="regularisation",
            issue_date=date(2026, 5, 5),
            due_date=date(2026, 5, 20),
            period_start=date(2026, 4, 1),
            period_end=date(2026, 4, 30),
            billing_period="2026-04",
            currency="RON",
            language="en",
            seller=SELLER_RO,
            buyer=BUYER_RO,
            bank_account=ACCOUNT_RO,
            contract_id="C-RO-0002",
            customer_id="CUST-RO-0001",
            lines=lines,
            vat_groups=(VatGroup("S", D("21"), taxable, vat, None, D("700.00"), D("147.00")),),
            line_total=taxable,
            vat_total=vat,
            total_with_vat=total,
            prepaid_amount=D("847.00"),
            amount_due=total - D("847.00"),
            payment_reference="VBR00000126",
            prepaid_invoice_refs=("VBR00000080",),
            consumption_type="achieved",
            energy_kwh=D("800"),
            metering_points=(MeteringPoint("RO005E123450000", "Birou", "Str. Avram Iancu 1", "Cluj-Napoca", D("800")),),
            daily_consumption=_daily(["RO005E123450000"], date(2026, 4, 1), date(2026, 4, 30), "26"),
        )
    )


def all_samples() -> list[InvoiceView]:
    """Every sample: each document type, all three languages, RON and EUR, exempt and out-of-scope VAT."""
    return [ro_regularisation(), bg_advance(), ro_credit_note(), ro_penalty(), ro_refund_regularisation()]


def numbered_copies(template: InvoiceView, count: int) -> list[InvoiceView]:
    """`count` copies of `template` with distinct invoice numbers (for volume tests and benchmarks)."""
    return [
        replace(template, invoice_number=f"{template.invoice_number}-{index:05d}", payment_reference=f"{template.invoice_number}-{index:05d}")
        for index in range(count)
    ]
