"""Orchestrates a generation: portfolio, weather, plan, then one distributor-month at a time to disk.

After the distributors of a month, each market's market-side files of that month follow: the
TSO's settled volumes (from the month's true readings, accumulated per balancing group), the
day-ahead and imbalance prices (CSV or ENTSO-E XML by market), and the procurement results
(bilateral schedules and exchange trades).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np

from data.sample_portfolio.allocation import TRUTH_FILE as ALLOCATION_TRUTH_FILE
from data.sample_portfolio.allocation import write_allocation_files
from data.sample_portfolio.billing_settings import billing_settings_rows
from data.sample_portfolio.corrections import correction_delivery, correction_mask, preliminary_values
from data.sample_portfolio.defects import DefectRates, apply_defects
from data.sample_portfolio.emobility import TRUTH_FILE as EMOBILITY_TRUTH_FILE
from data.sample_portfolio.emobility import write_emobility_files
from data.sample_portfolio.estimates import write_customer_estimates
from data.sample_portfolio.files_dso import confirmation_rows, consumption_rows, fee_rows, reported_zone_energy
from data.sample_portfolio.files_master import company_rows, contract_rows, location_rows
from data.sample_portfolio.entsoe_documents import (
    HOSTILE_ENTITY_LINE,
    day_ahead_document,
    hostile_document,
    imbalance_document,
)
from data.sample_portfolio.files_market import day_ahead_rows, imbalance_rows
from data.sample_portfolio.files_weather import weather_rows
from data.sample_portfolio.market_prices import MARKET_KEYS, day_ahead_cents, imbalance_cents, slot_currencies
from data.sample_portfolio.procurement import duplicate_one_row, last_procured_day, procurement_month
from data.sample_portfolio.settlement import (
    DISPUTES_PER_MARKET,
    GroupLoad,
    choose_disputes,
    dispute_records,
    mwh_text,
    settled_wh,
    settlement_rows,
)
from data.sample_portfolio.plan import plan_deliveries
from data.sample_portfolio.markets import Dso, Market
from data.sample_portfolio.portfolio import Portfolio, build_portfolio, confirmations_of, customers_by_id
from data.sample_portfolio.randomness import stream
from data.sample_portfolio.readings import month_readings
from data.sample_portfolio.timegrid import Month, MonthGrid, build_month_grid
from data.sample_portfolio.truth import TruthBook, truth_header
from data.sample_portfolio.weather import WeatherSeries, simulate_weather
from data.sample_portfolio.writers import write_csv, write_readings
from ingestion.sources import (
    BILATERAL_PURCHASES,
    COMPANIES,
    CONTRACT_BILLING_SETTINGS,
    CONTRACTS,
    DAY_AHEAD_PRICES,
    DSO_CONFIRMATIONS,
    DSO_CONSUMPTION,
    DSO_NETWORK_FEES,
    EXCHANGE_TRADES,
    IMBALANCE_PRICES,
    LOCATIONS,
    METER_READINGS,
    SETTLEMENT_VOLUMES,
    SOURCES,
    WEATHER,
)

TRUTH_FILES = ("truth.json", "meter_monthly.csv", "defects.csv", EMOBILITY_TRUTH_FILE, ALLOCATION_TRUTH_FILE)
DAY_AHEAD_XML_MARKETS = frozenset({"BG"})  # the others deliver CSV
IMBALANCE_XML_MARKETS = frozenset({"RO"})
HOSTILE_FILE = f"inbox/{IMBALANCE_PRICES.name}/imbalance_RO_extra_entities.xml"
HOSTILE_REASON_CODE = "xml_entity_declaration"  # what `ingestion.entsoe_xml` reports for the whole file


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
    """Remove files of an earlier generation (CSVs, XMLs and JSONs in the source folders, the truth files)."""
    for source in SOURCES:
        for pattern in ("*.csv", "*.xml", "*.json"):
            for path in sorted((inbox / source.name).glob(pattern)):
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
        self.loads: dict[str, GroupLoad] = {}  # true group consumption of the month being generated, per market
        self.last_procured = last_procured_day(portfolio.months[-1].last_day)
        self.disputes_in = self._plan_disputes()
        self.duplicate_trade_in = self._plan_duplicate_trade()

    def _plan_disputes(self) -> dict[tuple[str, Month], int]:
        """How many settlement disputes each market-month gets: DISPUTES_PER_MARKET per market, seeded."""
        counts: dict[tuple[str, Month], int] = {}
        months = self.portfolio.months
        for market in self.portfolio.markets:
            rng = stream(self.portfolio.seed, "settlement_disputes", MARKET_KEYS[market.code])
            chosen = rng.choice(len(months), size=DISPUTES_PER_MARKET, replace=len(months) < DISPUTES_PER_MARKET)
            for index in chosen.tolist():
                counts[(market.code, months[index])] = counts.get((market.code, months[index]), 0) + 1
        return counts

    def _plan_duplicate_trade(self) -> tuple[str, Month] | None:
        """The market-month whose trades file gets one duplicated row."""
        procured = [
            (market.code, month)
            for month in self.portfolio.months
            for market in self.portfolio.markets
            if month.first_day <= self.last_procured
        ]
        if not procured:
            return None
        return procured[int(stream(self.portfolio.seed, "duplicate_trade").integers(len(procured)))]

    def write_text(self, source_name: str, file_name: str, text: str, rows: int) -> None:
        relative = f"inbox/{source_name}/{file_name}"
        path = self.out_dir / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
        self.book.add_file(relative, rows)

    def write(self, source_name: str, file_name: str, header: tuple[str, ...], rows: list[list[str]]) -> None:
        relative = f"inbox/{source_name}/{file_name}"
        self.book.add_file(relative, write_csv(self.out_dir / relative, header, rows))

    def master_data(self) -> None:
        self.write(COMPANIES.name, "companies.csv", COMPANIES.column_names, list(company_rows(self.portfolio)))
        self.write(LOCATIONS.name, "locations.csv", LOCATIONS.column_names, list(location_rows(self.portfolio)))
        self.write(CONTRACTS.name, "contracts.csv", CONTRACTS.column_names, list(contract_rows(self.portfolio)))
        self.write(
            CONTRACT_BILLING_SETTINGS.name,
            "billing_settings.csv",
            CONTRACT_BILLING_SETTINGS.column_names,
            list(billing_settings_rows(self.portfolio)),
        )
        self.book.customer_estimates = write_customer_estimates(self.portfolio, self.write)

    def emobility(self, truth_dir: Path) -> None:
        """The EV-charging files (EVSEs, EMPs, offers, taxes, OCPI tariffs, CDRs per month) and their truth file."""
        write_emobility_files(
            self.out_dir / "inbox", truth_dir, self.portfolio.seed, list(self.portfolio.months), on_file=self.book.add_file
        )

    def allocation(self, truth_dir: Path) -> None:
        """The cost-allocation files (Smart Cube site, meters, readings, invoices received, reconciliations) and their truth."""
        write_allocation_files(
            self.out_dir / "inbox", truth_dir, self.portfolio.seed, list(self.portfolio.months), on_file=self.book.add_file
        )

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
        self.loads.setdefault(dso.market_code, GroupLoad(dso.market_code, grid)).add(readings)

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

    def market_month(self, market: Market, month: Month) -> None:
        """Settled volumes, day-ahead and imbalance prices and procurement results of one market-month."""
        grid = self.grids[(market.code, month)]
        load = self.loads.pop(market.code, None) or GroupLoad(market.code, grid)
        self.settlement_month(market, month, load)
        day_ahead, currencies = self.price_month(market, month)
        self.procurement_month(market, month, load, day_ahead, currencies)

    def settlement_month(self, market: Market, month: Month, load: GroupLoad) -> None:
        """The TSO's settled volumes of a market-month (with its planned disputes) and their truth."""
        wanted = self.disputes_in.get((market.code, month), 0)
        rng = stream(self.portfolio.seed, "settlement_disputes", MARKET_KEYS[market.code], month.ordinal)
        disputes = choose_disputes(load.true_wh(), wanted, rng)
        settled = settled_wh(load, disputes)
        self.write(
            SETTLEMENT_VOLUMES.name,
            f"settlement_{market.code}_{month.label}.csv",
            SETTLEMENT_VOLUMES.column_names,
            settlement_rows(load, settled),
        )
        self.book.settlement_disputes.extend(dispute_records(load, disputes))
        month_true = load.month_true_wh()
        for g, group in enumerate(load.groups):
            self.book.settlement.append(
                {
                    "balancing_group_id": group.group_id,
                    "balancing_group_eic": group.eic,
                    "market_code": market.code,
                    "month": month.label,
                    "periods": load.grid.slots,
                    "settled_mwh": mwh_text(int(settled[g].sum())),
                    "true_mwh": mwh_text(int(month_true[g])),
                }
            )

    def price_month(self, market: Market, month: Month) -> tuple[np.ndarray, np.ndarray]:
        """Day-ahead (plus the day after the period, after its last month) and imbalance prices of a market-month."""
        seed = self.portfolio.seed
        grid = self.grids[(market.code, month)]
        day_ahead = day_ahead_cents(seed, market, grid)
        currencies = slot_currencies(market, grid)
        self.day_ahead_file(market, grid, np.arange(grid.slots), day_ahead, currencies)
        if month == self.portfolio.months[-1]:  # tomorrow's plan needs the prices of the day after the period
            following = build_month_grid(market.code, market.timezone, market.code, month.plus(1))
            first_day = following.day_slots(following.month.first_day)
            self.day_ahead_file(
                market, following, first_day, day_ahead_cents(seed, market, following), slot_currencies(market, following)
            )
        imbalance = imbalance_cents(seed, market, grid, day_ahead)
        stem = f"imbalance_{market.code}_{month.label}"
        if market.code in IMBALANCE_XML_MARKETS:
            document = imbalance_document(market.code, grid, np.arange(grid.slots), imbalance, currencies)
            self.write_text(IMBALANCE_PRICES.name, f"{stem}.xml", document.text, document.rows)
        else:
            rows = imbalance_rows(market.code, grid, imbalance, currencies)
            self.write(IMBALANCE_PRICES.name, f"{stem}.csv", IMBALANCE_PRICES.column_names, rows)
        self.book.add_price_rows(IMBALANCE_PRICES.name, market.code, grid.slots)
        return day_ahead, currencies

    def day_ahead_file(
        self, market: Market, grid: MonthGrid, slots: np.ndarray, cents: np.ndarray, currencies: np.ndarray
    ) -> None:
        """The day-ahead file of the whole local days in `slots`: CSV, or an ENTSO-E A44 document."""
        stem = f"day_ahead_{market.code}_{grid.month.label}"
        if market.code in DAY_AHEAD_XML_MARKETS:
            rng = stream(self.portfolio.seed, "day_ahead_curve_types", MARKET_KEYS[market.code], grid.month.ordinal)
            document = day_ahead_document(market.code, grid, slots, cents, currencies, rng)
            self.write_text(DAY_AHEAD_PRICES.name, f"{stem}.xml", document.text, document.rows)
        else:
            rows = day_ahead_rows(market.code, grid, slots, cents, currencies)
            self.write(DAY_AHEAD_PRICES.name, f"{stem}.csv", DAY_AHEAD_PRICES.column_names, rows)
        self.book.add_price_rows(DAY_AHEAD_PRICES.name, market.code, len(slots))

    def procurement_month(
        self, market: Market, month: Month, load: GroupLoad, day_ahead: np.ndarray, currencies: np.ndarray
    ) -> None:
        """Bilateral schedules and exchange trades; one market-month's trades file gets the duplicated trade."""
        result = procurement_month(self.portfolio.seed, market, load, day_ahead, currencies, self.last_procured)
        self.book.procurement_groups.extend(result.groups)
        name = f"{market.code}_{month.label}.csv"
        if result.bilateral_rows:
            columns = BILATERAL_PURCHASES.column_names
            self.write(BILATERAL_PURCHASES.name, f"bilateral_{name}", columns, result.bilateral_rows)
        if not result.trade_rows:
            return
        duplicate = None
        if self.duplicate_trade_in == (market.code, month):
            duplicate = duplicate_one_row(result.trade_rows, stream(self.portfolio.seed, "duplicate_trade", month.ordinal))
        relative = f"inbox/{EXCHANGE_TRADES.name}/trades_{name}"
        self.write(EXCHANGE_TRADES.name, f"trades_{name}", EXCHANGE_TRADES.column_names, result.trade_rows)
        if duplicate is not None:
            line, row = duplicate
            self.book.add_defect(relative, line, "duplicate_row", "exchange_trade", interval_start=row[5])

    def market_extras(self) -> None:
        """The files that belong to no month: the hostile XML document a reader must refuse."""
        text = hostile_document("RO")
        relative = HOSTILE_FILE
        self.write_text(IMBALANCE_PRICES.name, relative.rsplit("/", 1)[1], text, 0)
        self.book.rejected_files.append(
            {"file": relative, "reason_code": HOSTILE_REASON_CODE, "line": HOSTILE_ENTITY_LINE, "rows": 0}
        )
        self.book.add_defect(relative, HOSTILE_ENTITY_LINE, HOSTILE_REASON_CODE, "billion_laughs")

    def procurement_days(self) -> None:
        """Which delivery days have procurement results, per market."""
        for market in self.portfolio.markets:
            self.book.procurement_days[market.code] = {
                "first_delivery_day": self.portfolio.months[0].first_day.isoformat(),
                "last_procured_day": self.last_procured.isoformat(),
                "last_day_of_period": self.portfolio.months[-1].last_day.isoformat(),
            }


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
    CSV, XML and JSON files of an earlier generation in the source folders are removed first. Files are written
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
        run.emobility(truth_dir)
        run.allocation(truth_dir)
        for month in portfolio.months:
            for market in portfolio.markets:
                run.weather_month(market.code, month)
            for dso_number, dso in enumerate(portfolio.dsos):
                run.dso_month(dso_number, dso, month)
            for market in portfolio.markets:
                run.market_month(market, month)
        run.market_extras()
        run.procurement_days()
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
