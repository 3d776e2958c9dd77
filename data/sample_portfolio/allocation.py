"""Cost-allocation partner files of the sample (seed 002, Enectiva) and their truth: the Smart Cube site.

`write_allocation_files(inbox, truth_dir, seed, months)` writes, under `inbox/<source>/` (the
contracts of `ingestion.allocation_sources`):

* `object_types/object_types.csv`: complex, building (reconciliation source), tenant (target);
* `site_objects/site_objects.csv`: the complex "Smart Cube" (CZK), 3 buildings and their tenants
  (floor area, CZK, monthly advance, e-mail); building 3 has one tenant without a water meter;
* `billing_meters/meters.csv` (see `allocation_site`);
* `meter_consumption/<YYYY-MM>.csv`: every meter's reading per generated month (one tenant's
  electricity month incomplete), and `meter_consumption/reconciliation_<YYYY-MM>_<YYYY-MM>.csv`:
  the tenants' water (and in building 1 heat) readings over the reconciliation period, complete;
* `received_invoices/<YYYY-MM>.csv`, `price_lists/price_lists.csv`,
  `service_charge_reconciliations/reconciliations.csv` (see `allocation_invoices`);

and `truth_dir/allocation.json` (see `allocation_truth` and the notes in the file). Same arguments,
same bytes.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any, Callable, Sequence

from data.sample_portfolio.allocation_invoices import (
    Invoice,
    PriceList,
    Spec,
    future_invoice,
    month_invoices,
    overcharged_month,
    price_list,
    reconciliation_months,
    reconciliation_specs,
    yearly_meters,
)
from data.sample_portfolio.allocation_site import OBJECT_TYPES, Site, build_site, incomplete_reading, monthly_readings
from data.sample_portfolio.allocation_truth import invoice_allocation, money, quantity, reconciliation
from data.sample_portfolio.timegrid import Month
from data.sample_portfolio.writers import write_csv
from ingestion.allocation_sources import (
    ALLOCATION_SOURCES,
    BILLING_METERS,
    METER_CONSUMPTION,
    OBJECT_TYPES as OBJECT_TYPES_SOURCE,
    PRICE_LISTS,
    RECEIVED_INVOICES,
    SERVICE_CHARGE_RECONCILIATIONS,
    SITE_OBJECTS,
)

__all__ = ["write_allocation_files", "TRUTH_FILE"]

TRUTH_FILE = "allocation.json"
FileCallback = Callable[[str, int], None]


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _month(value: Month | str) -> Month:
    return value if isinstance(value, Month) else Month.parse(value)


class _Writer:
    """Writes CSVs under the inbox and remembers their rows (`inbox/<source>/<name>` -> rows)."""

    def __init__(self, inbox: Path, on_file: FileCallback | None) -> None:
        self.inbox, self.on_file = inbox, on_file
        self.files: dict[str, int] = {}

    def relative(self, source: str, name: str) -> str:
        return f"{self.inbox.name}/{source}/{name}"

    def csv(self, source: str, name: str, header: tuple[str, ...], rows: list[list[str]]) -> None:
        count = write_csv(self.inbox / source / name, header, rows)
        self.files[self.relative(source, name)] = count
        if self.on_file is not None:
            self.on_file(self.relative(source, name), count)


def _object_rows(site: Site) -> list[list[str]]:
    rows = []
    for o in site.objects:
        area = "" if o.floor_area_cents is None else money(o.floor_area_cents)
        advance = "" if o.advance_cents is None else money(o.advance_cents)
        rows.append([o.object_id, o.parent_id or "", o.type_id, o.name, area, "CZK", advance, o.email])
    return rows


def _invoice_row(i: Invoice) -> list[str]:
    consumption = "" if i.consumption is None else quantity(i.consumption)
    threshold = "" if i.threshold_cents is None else money(i.threshold_cents)
    return [i.invoice_id, i.category, i.meter_id, i.object_id, i.period_start.isoformat(), i.period_end.isoformat(),
            money(i.amount_cents), consumption, i.unit, "CZK", i.note, threshold]


def _price_row(p: PriceList) -> list[str]:
    price = f"{p.unit_price_millionths // 10**6}.{p.unit_price_millionths % 10**6:06d}"
    return [p.price_list_id, p.energy_type, p.object_id, p.valid_from.isoformat(), "" if p.valid_to is None else p.valid_to.isoformat(),
            price, p.unit, "CZK"]


def _spec_row(s: Spec, months: Sequence[Month]) -> list[str]:
    pct = "" if s.pct_hundredths is None else money(s.pct_hundredths)
    return [s.spec_id, s.source_object_id, months[0].first_day.isoformat(), months[-1].last_day.isoformat(), s.kind, s.name,
            money(s.cost_cents), "CZK", pct, s.template]


def write_allocation_files(
    inbox: Path, truth_dir: Path, seed: int, months: Sequence[Month | str], on_file: FileCallback | None = None
) -> dict[str, int]:
    """Write the cost-allocation files of `months` and `truth_dir/allocation.json`; returns rows per source.

    CSVs of an earlier run in the seven source folders are removed first. `on_file(relative_path, rows)`
    is called for every file written (`inbox/<source>/<name>`)."""
    periods = [_month(m) for m in months]
    if not periods:
        raise ValueError("at least one month is needed")
    inbox, truth_dir = Path(inbox), Path(truth_dir)
    for source in ALLOCATION_SOURCES:
        for path in sorted((inbox / source.name).glob("*.csv")):
            path.unlink()
    writer = _Writer(inbox, on_file)
    site = build_site(seed)

    writer.csv(OBJECT_TYPES_SOURCE.name, "object_types.csv", OBJECT_TYPES_SOURCE.column_names,
               [[t, name, _bool(src), _bool(tgt)] for t, name, src, tgt in OBJECT_TYPES])
    writer.csv(SITE_OBJECTS.name, "site_objects.csv", SITE_OBJECTS.column_names, _object_rows(site))
    writer.csv(BILLING_METERS.name, "meters.csv", BILLING_METERS.column_names,
               [[m.meter_id, m.object_id, m.energy_type, m.unit, _bool(m.invoiced)] for m in site.meters])

    # Monthly readings, one incomplete.
    readings = {month: monthly_readings(site, seed, month) for month in periods}
    incomplete_month, incomplete_meter = incomplete_reading(site, seed, periods)
    readings[incomplete_month][incomplete_meter] = readings[incomplete_month][incomplete_meter] * 700 // 1000
    incomplete_entry: dict[str, Any] = {}
    for month in periods:
        rows = []
        for meter_id, value in readings[month].items():
            complete = (month, meter_id) != (incomplete_month, incomplete_meter)
            rows.append([meter_id, month.first_day.isoformat(), month.last_day.isoformat(), quantity(value), _bool(complete)])
            if not complete:
                incomplete_entry = {"file": writer.relative(METER_CONSUMPTION.name, f"{month.label}.csv"), "line": len(rows) + 1,
                                    "meter_id": meter_id, "object_id": site.meter_by_id(meter_id).object_id,
                                    "period_start": month.first_day.isoformat(), "period_end": month.last_day.isoformat()}
        writer.csv(METER_CONSUMPTION.name, f"{month.label}.csv", METER_CONSUMPTION.column_names, rows)

    # Readings over the reconciliation period (delivered separately unless the period is one month).
    recon = reconciliation_months(periods)
    yearly = {meter_id: sum(readings[m][meter_id] for m in recon) for meter_id in yearly_meters(site)}
    if len(recon) > 1:
        start, end = recon[0].first_day.isoformat(), recon[-1].last_day.isoformat()
        writer.csv(METER_CONSUMPTION.name, f"reconciliation_{recon[0].label}_{recon[-1].label}.csv", METER_CONSUMPTION.column_names,
                   [[meter_id, start, end, quantity(value), "true"] for meter_id, value in yearly.items()])

    # Invoices: monthly, plus the one whose period has not ended (delivered with the last month's).
    prices = price_list(periods, seed)
    overcharged = overcharged_month(seed, periods)
    future = future_invoice(periods, readings[periods[-1]], prices)
    invoices: list[Invoice] = []
    for month in periods:
        of_month = month_invoices(site, seed, month, readings[month], month == overcharged)
        invoices += of_month
        rows = [_invoice_row(i) for i in of_month] + ([_invoice_row(future)] if month == periods[-1] else [])
        writer.csv(RECEIVED_INVOICES.name, f"{month.label}.csv", RECEIVED_INVOICES.column_names, rows)
    writer.csv(PRICE_LISTS.name, "price_lists.csv", PRICE_LISTS.column_names, [_price_row(prices)])
    specs = reconciliation_specs(site, seed, recon)
    writer.csv(SERVICE_CHARGE_RECONCILIATIONS.name, "reconciliations.csv", SERVICE_CHARGE_RECONCILIATIONS.column_names,
               [_spec_row(s, recon) for s in specs])

    rows_per_source = Counter[str]()
    for path, rows in writer.files.items():
        rows_per_source[path.split("/")[1]] += rows
    allocations = {}
    for invoice in invoices:
        if invoice.is_energy:
            month = _month(invoice.period_start.strftime("%Y-%m"))
            by_object = {site.meter_by_id(m).object_id: q for m, q in readings[month].items()
                         if site.meter_by_id(m).energy_type == invoice.category}
            incomplete = [incomplete_entry["object_id"]] if (month, invoice.category) == (incomplete_month, "electricity") else []
            allocations[invoice.invoice_id] = invoice_allocation(site, invoice, by_object, incomplete)
    document = {
        "generator": "data.sample_portfolio.allocation",
        "parameters": {"seed": seed, "months": [m.label for m in periods]},
        "as_of": (periods[-1].last_day + timedelta(days=1)).isoformat(),
        "files": dict(sorted(writer.files.items())),
        "rows_per_source": dict(rows_per_source),
        "site": {
            "complex": site.objects[0].object_id,
            "buildings": list(site.buildings),
            "tenants": {b: list(ts) for b, ts in site.tenants.items()},
            "tenant_without_water_meter": site.no_water_tenant,
            "currency": "CZK",
        },
        "incomplete_readings": [incomplete_entry],
        "allocations": allocations,
        "expenses": [
            {"invoice_id": i.invoice_id, "category": i.category, "object_id": i.object_id,
             "period_start": i.period_start.isoformat(), "period_end": i.period_end.isoformat(), "amount": money(i.amount_cents)}
            for i in invoices if not i.is_energy
        ],
        "overcharged_invoice_ids": sorted(i.invoice_id for i in invoices if i.threshold_cents is not None and i.amount_cents > i.threshold_cents),
        "invoices_with_alert_threshold": sum(1 for i in invoices if i.threshold_cents is not None),
        "future_invoice_id": future.invoice_id,
        "future_invoices": [{
            "invoice_id": future.invoice_id, "period_start": future.period_start.isoformat(), "period_end": future.period_end.isoformat(),
            "counts_from": (future.period_end + timedelta(days=1)).isoformat(), "price_list_id": prices.price_list_id,
            "price_list_rows": [],
        }],
        "reconciliation_period": {"period_start": recon[0].first_day.isoformat(), "period_end": recon[-1].last_day.isoformat(),
                                  "months": len(recon)},
        "reconciliations": {
            building: reconciliation(site, building, [s for s in specs if s.source_object_id == building], yearly, len(recon))
            for building in site.buildings
        },
        "notes": NOTES,
    }
    truth_dir.mkdir(parents=True, exist_ok=True)
    (truth_dir / TRUTH_FILE).write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return dict(rows_per_source)


NOTES = {
    "as_of": "the day after the last generated month: every monthly invoice has elapsed (period_end < as_of); the future "
    "invoice has not, and ends after it",
    "allocations": "per elapsed energy invoice (the complex's electricity, each building's heat): objects = the invoiced "
    "object (depth 0, the invoice's amount and consumption) and every metered object below it, amount = round_half_up("
    "consumption x invoice amount / invoice consumption, 2) at every level; losses per parent: consumption - sum of its "
    "children's, amount - sum of theirs (children + loss = parent to the cent). incomplete_objects: objects whose reading "
    "for the period has complete = false (used as is, with a warning)",
    "expenses": "non-energy invoices (elapsed), one expense at the invoiced building, not allocated",
    "overcharged_invoice_ids": "amount > alert_threshold_amount; every other invoice with a threshold is below it",
    "future_invoices": "period ends on or after as_of (and after today for the default sample): not counted; the price "
    "list prices the consumption metered within its period, of which there is none yet (readings exist only for the "
    "generated months), so price_list_rows is empty until readings for its months are delivered",
    "reconciliations": "per building: status ok with each tenant's shares, or error with error_kind "
    "(template_missing_heating: Smart Cube template without a heating row; tenant_without_water_meter: tenant_id has no "
    "water meter). Shares: largest remainder, leftover cents to the largest remainders, ties to the lower object id; "
    "non_energy equally, water by the tenant's water reading over exactly the period, heating: round_half_up(cost x "
    "consumption_share_pct / 100) by heat reading, the rest by floor area (consumption_part + area_part = amount). "
    "advances_paid = monthly advance x months of the period; balance = total - advances_paid (positive: the tenant pays)",
}
