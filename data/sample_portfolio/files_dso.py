"""Rows of a distributor's monthly files besides readings: confirmations, zone consumption, network fees."""

from __future__ import annotations

from decimal import Decimal
from typing import Sequence

import numpy as np

from data.sample_portfolio.fees import fee_lines
from data.sample_portfolio.formatting import decimal_text, round_half_up, scaled_decimal, thousandths
from data.sample_portfolio.portfolio import Customer, MeteringPoint
from data.sample_portfolio.readings import MonthReadings
from data.sample_portfolio.tariff_zones import zones_of_market
from data.sample_portfolio.timegrid import Month


def confirmation_rows(
    dso_id: str, month: Month, points: Sequence[MeteringPoint], customers: dict[str, Customer]
) -> list[list[str]]:
    rows = []
    for p in sorted(points, key=lambda p: p.metering_point_id):
        customer = customers[p.customer_id]
        rows.append(
            [
                month.label,
                dso_id,
                p.company_id,
                p.customer_id,
                customer.name,
                customer.customer_class,
                customer.vat_number,
                p.metering_point_id,
                p.location_id,
                p.supply_start.isoformat(),
                str(p.interval_minutes),
                thousandths(p.connection_capacity_w),
                p.voltage_level,
            ]
        )
    return rows


def reported_zone_energy(
    readings: MonthReadings, count: int, factor: Decimal, complete: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, list[dict[str, str]]]:
    """(meters, zones) energy in Wh as the distributor reports it, and a truth record per perturbation.

    `count` points supplied all month whose readings are complete (`complete`, per meter) get their
    largest zone multiplied by `factor` (rounded half up to 3 decimals), so a reconciliation of
    metered against distributor energy must flag exactly those point-months.
    """
    zones = zones_of_market(readings.grid.market_code)
    energy = readings.per_meter_and_zone(readings.energy)
    month = readings.grid.month
    candidates = [i for i, m in enumerate(readings.meters) if complete[i] and m.supply_start <= month.first_day]
    chosen = sorted(rng.choice(len(candidates), size=min(count, len(candidates)), replace=False)) if candidates else []
    records = []
    for c in chosen:
        i = candidates[int(c)]
        z = int(np.argmax(energy[i]))
        true_value = int(energy[i, z])
        energy[i, z] = int(round_half_up(scaled_decimal(true_value, 3) * factor, 3).scaleb(3))
        records.append(
            {
                "month": month.label,
                "dso_id": readings.dso_id,
                "metering_point_id": readings.meters[i].metering_point_id,
                "tariff_zone": zones[z],
                "factor": str(factor),
                "true_energy_kwh": thousandths(true_value),
                "reported_energy_kwh": thousandths(int(energy[i, z])),
            }
        )
    return energy, records


def consumption_rows(readings: MonthReadings, reported_energy: np.ndarray) -> list[list[str]]:
    """Per point and zone of the market: the month's energy (as reported) and true reactive sums."""
    zones = zones_of_market(readings.grid.market_code)
    inductive = readings.per_meter_and_zone(readings.inductive)
    capacitive = readings.per_meter_and_zone(readings.capacitive)
    rows = []
    for i, meter in enumerate(readings.meters):
        for z, zone in enumerate(zones):
            rows.append(
                [
                    readings.grid.month.label,
                    readings.dso_id,
                    meter.metering_point_id,
                    zone,
                    thousandths(int(reported_energy[i, z])),
                    thousandths(int(inductive[i, z])),
                    thousandths(int(capacitive[i, z])),
                ]
            )
    return rows


def fee_rows(readings: MonthReadings, reported_energy: np.ndarray) -> list[list[str]]:
    """Per point: fee lines on the distributor's reported monthly energy (sum of its zone rows)."""
    rows = []
    month = readings.grid.month
    for i, meter in enumerate(readings.meters):
        energy_kwh = scaled_decimal(int(reported_energy[i].sum()), 3)
        capacity_kw = scaled_decimal(meter.connection_capacity_w, 3)
        for line in fee_lines(readings.dso_id, meter.voltage_level, capacity_kw, energy_kwh, month):
            rows.append(
                [
                    month.label,
                    readings.dso_id,
                    meter.metering_point_id,
                    line.fee_code,
                    decimal_text(line.quantity, 3),
                    line.unit,
                    decimal_text(line.unit_price, 6),
                    decimal_text(line.amount, 2),
                    line.currency,
                ]
            )
    return rows
