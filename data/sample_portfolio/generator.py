"""Orchestrates a generation: portfolio, weather, plan, then one distributor-month at a time to disk."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np

from data.sample_portfolio.corrections import correction_delivery, correction_mask, preliminary_values
from data.sample_portfolio.defects import DefectRates, apply_defects
from data.sample_portfolio.files_dso import confirmation_rows, consumption_rows, fee_rows, reported_zone_energy
from data.sample_portfolio.files_master import company_rows, contract_rows, location_rows
from data.sample_portfolio.files_weather import weather_rows
from data.sample_portfolio.plan import plan_deliveries
from data.sample_portfolio.markets import Dso
from data.sample_portfolio.portfolio import Portfolio, build_portfolio, confirmations_of, customers_by_id
from data.sample_portfolio.randomness import stream
from data.sample_portfolio.readings import month_readings
from data.sample_portfolio.timegrid import Month, MonthGrid, build_month_grid
from data.sample_portfolio.truth import TruthBook, truth_header
from data.sample_portfolio.weather import WeatherSeries, simulate_weather
from data.sample_portfolio.writers import write_csv, write_readings
from ingestion.sources import (
    COMPANIES,
    CONTRACTS,
    DSO_CONFIRMATIONS,
    DSO_CONSUMPTION,
    DSO_NETWORK_FEES,
    LOCATIONS,
    METER_READINGS,
    SOURCES,
    WEATHER,
)

TRUTH_FILES = ("truth.json", "meter_monthly.csv", "defects.csv")


@dataclass(frozen=True)
class GenerationSummary:
    """What a generation wrote."""

    out_dir: Path
    inbox_dir: Path
    truth_dir: Path
    files: int
    rows: int
    rows_per_source: dict[str, int]
    defects: dict[str, int]
    customers: int
    metering_points: int
    seconds: float = field(compare=False)


def month_grids(portfolio: Portfolio) -> dict[tuple[str, Month], MonthGrid]:
    """The quarter-hour grid of every market-month of the period."""
    return {
        (market.code, month): build_month_grid(market.code, market.timezone, market.code, month)
        for market in portfolio.markets
        for month in portfolio.months
    }


def market_weather(portfolio: Portfolio) -> dict[str, WeatherSeries]:
    return {m.code: simulate_weather(portfolio.seed, m.code, m.timezone, portfolio.months) for m in portfolio.markets}


def _clear_previous(inbox: Path, truth_dir: Path) -> None:
    """Remove files of an earlier generation (CSVs in the source folders, the truth files)."""
    for source in SOURCES:
        for path in sorted((inbox / source.name).glob("*.csv")):
            path.unlink()
    for name in TRUTH_FILES:
        (truth_dir / name).unlink(missing_ok=True)


class _Run:
    """State of one generation: where files go, the truth being collected, the DuckDB connection."""

    def __init__(self, out_dir: Path, portfolio: Portfolio, rates: DefectRates, connection: duckdb.DuckDBPyConnection) -> None:
        self.out_dir = out_dir
        self.portfolio = portfolio
        self.rates = rates
        self.connection = connection
        self.book = TruthBook()
        self.grids = month_grids(portfolio)
        self.weather = market_weather(portfolio)
        self.plan = plan_deliveries(portfolio, self.grids, rates)
        self.customers = customers_by_id(portfolio)
        self.unplaced_perturbations = 0  # a file without complete point-months passes its perturbations on

    def write(self, source_name: str, file_name: str, header: tuple[str, ...], rows: list[list[str]]) -> None:
        relative = f"inbox/{source_name}/{file_name}"
        self.book.add_file(relative, write_csv(self.out_dir / relative, header, rows))

    def master_data(self) -> None:
        self.write(COMPANIES.name, "companies.csv", COMPANIES.column_names, list(company_rows(self.portfolio)))
        self.write(LOCATIONS.name, "locations.csv", LOCATIONS.column_names, list(location_rows(self.portfolio)))
        self.write(CONTRACTS.name, "contracts.csv", CONTRACTS.column_names, list(contract_rows(self.portfolio)))

    def weather_month(self, market_code: str, month: Month) -> None:
        rows = weather_rows(self.weather[market_code], self.grids[(market_code, month)])
        self.write(WEATHER.name, f"weather_{market_code}_{month.label}.csv", WEATHER.column_names, rows)

    def dso_month(self, dso_number: int, dso: Dso, month: Month) -> None:
        """Confirmations, readings (and correction), zone consumption and fees of one distributor-month."""
        seed = self.portfolio.seed
        confirmed = confirmations_of(self.portfolio, dso.dso_id, month)
        if confirmed:
            rows = confirmation_rows(dso.dso_id, month, confirmed, self.customers)
            self.write(
                DSO_CONFIRMATIONS.name, f"confirmations_{dso.dso_id}_{month.label}.csv", DSO_CONFIRMATIONS.column_names, rows
            )
        file_plan = self.plan.files.get((dso.dso_id, month))
        if file_plan is None:
            return
        grid = self.grids[(dso.market_code, month)]
        readings = month_readings(self.portfolio, dso.dso_id, grid, self.weather[dso.market_code])

        rng = stream(seed, "defects", dso_number, month.ordinal)
        recalculated = correction_mask(readings, file_plan.corrections)
        values = (readings.energy, readings.inductive, readings.capacitive)
        if file_plan.corrections:
            values = preliminary_values(readings, file_plan.corrections, rng)
        delivery = apply_defects(readings, file_plan, self.rates, values, recalculated, rng)
        stem = f"inbox/{METER_READINGS.name}/readings_{dso.dso_id}_{month.label}"
        self.book.add_file(f"{stem}.csv", write_readings(self.connection, self.out_dir / f"{stem}.csv", delivery))
        correction = None
        if file_plan.corrections:
            correction = f"{stem}_correction_01.csv"
            written = write_readings(self.connection, self.out_dir / correction, correction_delivery(readings, recalculated))
            self.book.add_file(correction, written)
        self.book.add_readings(f"{stem}.csv", readings, delivery, recalculated, correction)

        complete = readings.per_meter(delivery.valid.astype(np.int64)) == readings.per_meter(
            np.ones(readings.rows, dtype=np.int64)
        )
        wanted = file_plan.perturbations + self.unplaced_perturbations
        reported, perturbations = reported_zone_energy(
            readings,
            wanted,
            self.rates.dso_perturbation_factor,
            complete,
            stream(seed, "perturbations", dso_number, month.ordinal),
        )
        self.unplaced_perturbations = wanted - len(perturbations)
        self.book.perturbations.extend(perturbations)
        name = f"{dso.dso_id}_{month.label}.csv"
        self.write(
            DSO_CONSUMPTION.name, f"consumption_{name}", DSO_CONSUMPTION.column_names, consumption_rows(readings, reported)
        )
        self.write(DSO_NETWORK_FEES.name, f"fees_{name}", DSO_NETWORK_FEES.column_names, fee_rows(readings, reported))


def generate(
    out_dir: Path,
    seed: int = 42,
    meters: int = 160,
    months: int = 13,
    interval: str | None = None,
    start_month: str = "2025-10",
    rates: DefectRates | None = None,
) -> GenerationSummary:
    """Generate partner files into `out_dir/inbox/<source>/` and the truth into `out_dir/truth/`.

    Same arguments, same bytes. `interval` (`15min`/`60min`) forces every metering point's
    interval; by default industrial and commercial points are 15-minute, households hourly.
    CSVs of an earlier generation in the source folders are removed first. Files are written
    one distributor-month at a time, so memory stays bounded by the largest one.
    """
    started = time.perf_counter()
    rates = rates or DefectRates()
    out_dir = Path(out_dir)
    inbox, truth_dir = out_dir / "inbox", out_dir / "truth"
    portfolio = build_portfolio(seed, meters, months, interval, start_month)
    _clear_previous(inbox, truth_dir)
    with duckdb.connect() as connection:
        run = _Run(out_dir, portfolio, rates, connection)
        run.master_data()
        for month in portfolio.months:
            for market in portfolio.markets:
                run.weather_month(market.code, month)
            for dso_number, dso in enumerate(portfolio.dsos):
                run.dso_month(dso_number, dso, month)
    book = run.book

    parameters = {"seed": seed, "meters": meters, "months": months, "interval": interval, "start_month": start_month}
    book.write(truth_dir, truth_header(portfolio, parameters, rates))
    return GenerationSummary(
        out_dir=out_dir,
        inbox_dir=inbox,
        truth_dir=truth_dir,
        files=len(book.files),
        rows=sum(book.files.values()),
        rows_per_source=book.rows_per_source(),
        defects=dict(book.defects),
        customers=len(portfolio.customers),
        metering_points=len(portfolio.metering_points),
        seconds=time.perf_counter() - started,
    )
