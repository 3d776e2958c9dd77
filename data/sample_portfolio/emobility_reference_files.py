"""The EV-charging reference files of the sample as CSV rows: EVSE data, providers, offers and tax rates."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Callable
from zoneinfo import ZoneInfo

from data.sample_portfolio.emobility_master import Evse, Offer, Provider, TaxRate
from data.sample_portfolio.timegrid import Month
from ingestion.emobility_sources import E_MOBILITY_PROVIDERS, EMP_OFFERS, EMP_TAX_RATES, EVSE_DATA

CsvWrite = Callable[[str, str, tuple[str, ...], list[list[str]]], None]


def local_text(day: date, clock: time, time_zone: str) -> str:
    """A local wall-clock time as ISO 8601 with its offset."""
    return datetime.combine(day, clock, ZoneInfo(time_zone)).isoformat()


def _text(value: Decimal | None, places: int) -> str:
    return "" if value is None else format(value.quantize(Decimal(1).scaleb(-places)), "f")


def evse_rows(evses: list[Evse], first_month: Month) -> list[list[str]]:
    updated = local_text(first_month.first_day - timedelta(days=30), time(9, 0), "Europe/Bucharest")
    return [
        [
            e.evse_id,
            e.operator_id,
            e.country_code,
            e.location_id,
            e.location_name,
            e.street,
            e.city,
            e.postal_code,
            e.time_zone,
            e.power_type,
            f"{e.max_power_kw}.0",
            updated,
        ]
        for e in evses
    ]


def provider_rows(providers: list[Provider]) -> list[list[str]]:
    return [
        [
            p.emp_id,
            p.legal_name,
            p.vat_number,
            p.street,
            p.city,
            p.postal_code,
            p.country_code,
            p.invoice_email,
            p.subscribed_on.isoformat(),
        ]
        for p in providers
    ]


def offer_rows(offers: list[Offer]) -> list[list[str]]:
    return [
        [
            o.offer_id,
            o.emp_id,
            o.country_code,
            o.pricing_methodology,
            o.product_id,
            o.reference_unit,
            _text(o.price_per_unit, 6),
            _text(o.price_per_session, 6),
            o.currency,
            o.ocpi_tariff_id,
            _text(o.min_session_minutes, 2),
            _text(o.min_session_energy_kwh, 4),
            o.valid_from.isoformat(),
            "" if o.valid_to is None else o.valid_to.isoformat(),
        ]
        for o in offers
    ]


def tax_rows(rates: list[TaxRate]) -> list[list[str]]:
    return [[r.emp_id, r.country_code, r.price_component, _text(r.vat_rate_pct, 2), r.valid_from.isoformat()] for r in rates]


def write_reference_files(
    write: CsvWrite, evses: list[Evse], providers: list[Provider], offers: list[Offer], rates: list[TaxRate], first_month: Month
) -> None:
    """The four reference CSVs through `write(source, file name, header, rows)`."""
    write(EVSE_DATA.name, "evse_data.csv", EVSE_DATA.column_names, evse_rows(evses, first_month))
    write(E_MOBILITY_PROVIDERS.name, "providers.csv", E_MOBILITY_PROVIDERS.column_names, provider_rows(providers))
    write(EMP_OFFERS.name, "offers.csv", EMP_OFFERS.column_names, offer_rows(offers))
    write(EMP_TAX_RATES.name, "tax_rates.csv", EMP_TAX_RATES.column_names, tax_rows(rates))
