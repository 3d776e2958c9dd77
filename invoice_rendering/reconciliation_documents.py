"""The tenant's service-charge reconciliation document (seed 002, Enectiva) as a PDF.

`allocation.service_charges.reconcile` computes every tenant's share of a building's yearly costs;
this module turns one tenant's row of that result into a `ReconciliationDocument` (plain data the
template reads: no computation happens in the template) and renders it with the same Jinja2
environment, Babel formatting (`invoice_rendering.formatting`) and WeasyPrint set-up as the invoices.

The document shows, per reconciliation, the cost of the whole building, what the tenant's share is
based on (its water m³ of the building's total, its heat consumption and floor area of the totals,
or an equal share 1/n) and the tenant's share; a heating row is split into its consumption and
floor-area parts. Below: the total of the shares, the advances paid and the balance, with the
sentence "… to pay by <due date>" or "… to be refunded".

Templates: the Smart Cube template lists the water and the heating reconciliation first (the two it
requires, see `SMART_CUBE`) and then the others in the given order; the generic one keeps the given
order. A result that does not fit the Smart Cube template produces no document (`TemplateError`).

Output is reproducible, as for the invoices (`invoice_rendering.pdf`): the PDF's dates are the issue
date, font subsets are stamped with it (SOURCE_DATE_EPOCH) and the PDF identifier is derived from the
building, the period and the tenant, so the same document renders to the same bytes.

Files: `<out_dir>/<source object id>/<period end YYYY-MM>/<tenant id>.pdf`, written to a temporary
file in the same folder and renamed, so a crash never leaves half a PDF under the real name.

Languages: English only. Czech needs a `cs` locale in `invoice_rendering.formatting.LOCALES` and the
labels below translated.
"""

from __future__ import annotations

import html
import os
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from functools import cache
from pathlib import Path

import jinja2
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from allocation.hierarchy import ObjectTree
from allocation.service_charges import (
    SMART_CUBE,
    ReconciliationKind,
    ReconciliationResult,
    ReconciliationSpec,
    check_template,
)
from invoice_rendering import formatting
from invoice_rendering.pdf import TEMPLATES_DIR, source_date_epoch, template_environment

RECONCILIATION_TEMPLATE = "reconciliation/reconciliation.html.j2"
RECONCILIATION_CSS = TEMPLATES_DIR / "reconciliation" / "reconciliation.css"
TEMPLATE_NAMES = ("smart_cube", "generic")

LABELS: Mapping[str, Mapping[str, str]] = {
    "en": {
        "title": "Service-charge reconciliation",
        "issue_date": "Issue date",
        "due_date": "Due date",
        "period": "Period",
        "building": "Building",
        "reference": "Reference",
        "tenant": "Tenant",
        "object_id": "Object",
        "floor_area": "Floor area",
        "email": "E-mail",
        "issuer": "Landlord",
        "reconciliation": "Reconciliation",
        "building_cost": "Cost of the building",
        "your_basis": "Your basis",
        "your_share": "Your share",
        "kind_water": "Water",
        "kind_heating": "Heating",
        "kind_non_energy": "Non-energy costs",
        "of": "of",
        "equal_share": "equal share",
        "by_consumption": "by heat consumption",
        "by_floor_area": "by floor area",
        "heating_parts": "in two parts:",
        "total": "Total of your shares",
        "advances_paid": "Advances paid",
        "balance_to_pay": "Balance to pay",
        "balance_to_refund": "Balance to be refunded",
        "balance_settled": "Balance",
        "to_pay_by": "to pay by",
        "to_be_refunded": "to be refunded to you",
        "settled": "Your advances cover your shares exactly: there is nothing to pay and nothing to refund.",
        "balance_of": "Balance of",
        "how": "How your share is calculated",
        "how_water": "Water: the building's water cost is split by the water metered for each tenant over the period.",
        "how_heating": "Heating: {pct} of the cost is split by each tenant's heat consumption, the rest by floor area.",
        "how_heating_consumption": "Heating: the cost is split by each tenant's heat consumption.",
        "how_heating_area": "Heating: the cost is split by each tenant's floor area.",
        "how_non_energy": "Non-energy costs are divided equally among all {n} tenants of the building.",
        "how_rounding": "Shares are rounded to the cent so that the tenants' shares add up to each cost exactly.",
        "page": "Page",
    },
}


@dataclass(frozen=True)
class Issuer:
    """The landlord (or its administrator) issuing the reconciliation: name and postal address lines."""

    name: str
    address_lines: tuple[str, ...] = ()
    email: str | None = None


@dataclass(frozen=True)
class ReconciliationLine:
    """One reconciliation row of the document, as the template shows it.

    `kind` is "water", "heating" or "non_energy". The basis:
    - water: `basis_quantity` (the tenant's m³) of `basis_total` (all tenants' m³), `basis_unit` "m³";
    - heating: `basis_quantity` / `basis_total` are the heat consumption (in `basis_unit`), used for
      `consumption_share_pct` % of the cost (`consumption_cost`, tenant's part `consumption_part`),
      `floor_area_m2` / `floor_area_total_m2` for the rest (`area_cost`, tenant's part `area_part`);
    - non-energy: an equal share 1/`tenant_count`.
    """

    spec_id: str
    kind: str
    name: str
    period_start: date
    period_end: date
    building_cost: Decimal
    share: Decimal
    tenant_count: int
    basis_quantity: Decimal | None = None
    basis_total: Decimal | None = None
    basis_unit: str | None = None
    consumption_share_pct: Decimal | None = None
    consumption_cost: Decimal | None = None
    consumption_part: Decimal | None = None
    area_cost: Decimal | None = None
    area_part: Decimal | None = None
    floor_area_m2: Decimal | None = None
    floor_area_total_m2: Decimal | None = None

    @property
    def area_share_pct(self) -> Decimal | None:
        return None if self.consumption_share_pct is None else Decimal(100) - self.consumption_share_pct


@dataclass(frozen=True)
class ReconciliationDocument:
    """Everything one tenant's reconciliation document shows (plain data; the template only formats it)."""

    issuer: Issuer
    tenant_id: str
    tenant_name: str
    tenant_floor_area_m2: Decimal | None
    tenant_email: str | None
    source_object_id: str
    building_name: str
    period_start: date
    period_end: date
    issue_date: date
    due_date: date
    currency: str
    lines: tuple[ReconciliationLine, ...]
    total: Decimal
    advances_paid: Decimal
    balance: Decimal
    language: str = "en"
    template: str = "generic"

    def __post_init__(self) -> None:
        if self.language not in LABELS:
            raise ValueError(f"no reconciliation document labels for language {self.language!r}; known: {', '.join(LABELS)}")
        formatting.locale_of(self.language)
        if self.template not in TEMPLATE_NAMES:
            raise ValueError(f"unknown reconciliation template {self.template!r}; known: {', '.join(TEMPLATE_NAMES)}")
        for what, value in (("source object id", self.source_object_id), ("tenant id", self.tenant_id)):
            _check_path_part(what, value)
        if self.due_date < self.issue_date:
            raise ValueError(f"the due date {self.due_date} is before the issue date {self.issue_date}")

    @property
    def pays(self) -> bool:
        """The tenant pays the balance."""
        return self.balance > 0

    @property
    def refund(self) -> bool:
        """The tenant gets the balance back."""
        return self.balance < 0

    @property
    def reference(self) -> str:
        """The document's reference: building, period end month and tenant (also its file path)."""
        return f"{self.source_object_id}/{self.period_end:%Y-%m}/{self.tenant_id}"

    @property
    def relative_path(self) -> Path:
        return Path(self.source_object_id) / f"{self.period_end:%Y-%m}" / f"{self.tenant_id}.pdf"


def _check_path_part(what: str, value: str) -> None:
    if not value or value in (".", "..") or any(char in value for char in "/\\\0"):
        raise ValueError(f"the {what} {value!r} cannot name a file or folder of the reconciliation documents")


# --- from the reconciliation result -------------------------------------------------------------


def _template_name(result: ReconciliationResult) -> str:
    return "smart_cube" if result.template == SMART_CUBE.name else "generic"


def _ordered(specs: Sequence[ReconciliationSpec], template: str) -> list[ReconciliationSpec]:
    if template != "smart_cube":
        return list(specs)
    first = (ReconciliationKind.WATER, ReconciliationKind.HEATING)
    return [spec for kind in first for spec in specs if spec.kind == kind] + [spec for spec in specs if spec.kind not in first]


def _line(spec: ReconciliationSpec, result: ReconciliationResult, tenant_id: str, heat_unit: str) -> ReconciliationLine:
    own = result.tenant(tenant_id).share(spec.spec_id)
    everyone = [tenant.share(spec.spec_id) for tenant in result.tenants]
    common = dict(
        spec_id=spec.spec_id, kind=str(spec.kind), name=spec.name or spec.spec_id, period_start=spec.period_start,
        period_end=spec.period_end, building_cost=spec.cost, share=own.amount, tenant_count=len(result.tenants),
    )
    if spec.kind is ReconciliationKind.NON_ENERGY:
        return ReconciliationLine(**common)
    if spec.kind is ReconciliationKind.WATER:
        return ReconciliationLine(**common, basis_quantity=own.basis_quantity,
                                  basis_total=sum((line.basis_quantity for line in everyone), Decimal(0)), basis_unit="m³")
    # heating: the building's consumption and area parts are what the tenants' parts add up to
    # (reconcile apportions each part exactly), so they are not recomputed here
    areas = [line.floor_area_m2 for line in everyone]
    return ReconciliationLine(
        **common,
        basis_quantity=own.basis_quantity,
        basis_total=sum((line.basis_quantity for line in everyone), Decimal(0)),
        basis_unit=heat_unit,
        consumption_share_pct=spec.consumption_share_pct,
        consumption_cost=sum((line.consumption_part or Decimal("0.00") for line in everyone), Decimal("0.00")),
        consumption_part=own.consumption_part,
        area_cost=sum((line.area_part or Decimal("0.00") for line in everyone), Decimal("0.00")),
        area_part=own.area_part,
        floor_area_m2=own.floor_area_m2,
        floor_area_total_m2=None if any(area is None for area in areas) else sum(areas, Decimal(0)),  # type: ignore[arg-type]
    )


def document_from_result(
    result: ReconciliationResult,
    tenant_id: str,
    specs: Sequence[ReconciliationSpec],
    tree: ObjectTree,
    issuer: Issuer,
    issue_date: date,
    due_days: int = 30,
    *,
    tenant_email: str | None = None,
    heat_unit: str = "units",
    language: str = "en",
) -> ReconciliationDocument:
    """One tenant's reconciliation document from the result of `reconcile` and the specs it was given.

    `specs` must be the reconciliations of `result` (same ids and values). The due date is the issue
    date + `due_days`. The object tree has no e-mail address, so `tenant_email` is passed in; heat
    readings may be kWh, GJ or allocator units (only the ratio matters), so `heat_unit` names them.
    Raises `TemplateError` if the specs do not fit the result's Smart Cube template.
    """
    if due_days < 0:
        raise ValueError(f"due_days must not be negative, not {due_days}")
    given = {spec.spec_id: spec for spec in specs}
    if len(given) != len(specs) or given != {spec.spec_id: spec for spec in result.specs}:
        raise ValueError(
            f"the specs given ({', '.join(spec.spec_id for spec in specs) or 'none'}) are not the reconciliations of the result "
            f"({', '.join(spec.spec_id for spec in result.specs)})"
        )
    template = _template_name(result)
    if template == "smart_cube":
        check_template(SMART_CUBE, specs)
    known = [tenant.tenant_id for tenant in result.tenants]
    if tenant_id not in known:
        raise ValueError(f"{tree.label(tenant_id)} is not a tenant of this reconciliation of "
                         f"{tree.label(result.source_object_id)} (tenants: {', '.join(known)})")
    row = result.tenant(tenant_id)
    tenant = tree.object(tenant_id)
    source = tree.object(result.source_object_id)
    return ReconciliationDocument(
        issuer=issuer,
        tenant_id=tenant_id,
        tenant_name=row.name or tenant_id,
        tenant_floor_area_m2=tenant.floor_area_m2,
        tenant_email=tenant_email,
        source_object_id=source.object_id,
        building_name=source.name or source.object_id,
        period_start=min(spec.period_start for spec in specs),
        period_end=max(spec.period_end for spec in specs),
        issue_date=issue_date,
        due_date=issue_date + timedelta(days=due_days),
        currency=result.currency,
        lines=tuple(_line(spec, result, tenant_id, heat_unit) for spec in _ordered(specs, template)),
        total=row.total,
        advances_paid=row.advances_paid,
        balance=row.balance,
        language=language,
        template=template,
    )


# --- rendering ----------------------------------------------------------------------------------


@cache
def _environment() -> jinja2.Environment:
    return template_environment(TEMPLATES_DIR)


@cache
def _fonts_and_css() -> tuple[FontConfiguration, CSS]:
    fonts = FontConfiguration()
    return fonts, CSS(filename=str(RECONCILIATION_CSS), font_config=fonts)


def _issue_instant(document: ReconciliationDocument) -> datetime:
    return datetime.combine(document.issue_date, time(0, 0), tzinfo=timezone.utc)


def reconciliation_html(document: ReconciliationDocument) -> str:
    """The document as HTML, its creation and modification dates fixed to the issue date."""
    labels = LABELS[document.language]
    source = _environment().get_template(RECONCILIATION_TEMPLATE).render(
        d=document, t=labels, f=formatting.DocumentFormatter(document.language, document.currency)
    )
    stamp = html.escape(_issue_instant(document).strftime("%Y-%m-%dT%H:%M:%SZ"))
    meta = f'<meta name="dcterms.created" content="{stamp}"><meta name="dcterms.modified" content="{stamp}">'
    return source.replace("</head>", meta + "</head>", 1)


def render_reconciliation_pdf(document: ReconciliationDocument) -> bytes:
    """The PDF of one tenant's reconciliation; the same document always gives the same bytes."""
    fonts, css = _fonts_and_css()
    rendered = HTML(string=reconciliation_html(document), base_url=str(TEMPLATES_DIR)).render(stylesheets=[css], font_config=fonts)
    with source_date_epoch(_issue_instant(document)):
        return rendered.write_pdf(pdf_identifier=f"reconciliation/{document.reference}".encode())


def write_reconciliation_pdf(document: ReconciliationDocument, out_dir: Path) -> Path:
    """Render and write `<out_dir>/<source object>/<period end YYYY-MM>/<tenant id>.pdf` atomically; returns the path."""
    target = Path(out_dir) / document.relative_path
    content = render_reconciliation_pdf(document)
    target.parent.mkdir(parents=True, exist_ok=True)
    # a name of its own per process and thread, in the same folder (the rename stays on one file system)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.partial")
    try:
        temporary.write_bytes(content)
        temporary.replace(target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return target
