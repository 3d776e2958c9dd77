"""Rate every CDR not rated yet: read it and the configuration from the warehouse, rate it, record the outcome.

Reads the first delivery of each CDR id that has no row in `emobility.cdr_ratings` (staging keeps
every delivery; later ones are repeats, never rated), joined with its EVSE for the country and
the local time zone. The configuration (offers, tax rates, subsidiaries and their rounding, OCPI
tariffs) is read once per run. Ratings are written in one transaction: a run stopped half-way
leaves nothing half-rated, and the next run rates what is left. Rating is a pure function of the
CDR and the configuration (`rating.offers`), run in chunks so memory stays bounded.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal

import duckdb
import pandas as pd

from rating.ledger_tables import create_emobility_tables
from rating.ocpi import load_json
from rating.ocpi_offers import OcpiTariffPricer
from rating.offers import Offer, OfferBook, OfferRater, Rating, Session, TaxRates
from rating.rating_status import NOTIFY_CPO, RATED
from rating.rounding import RoundingRule

CHUNK_ROWS = 200_000

NEW_CDRS_SQL = """
select
    c.cdr_id, c.emp_id, c.currency, c.total_energy_kwh, c.total_time_hours, c.total_parking_time_hours,
    c.product_id, c.is_credit, e.country_code,
    cast(timezone(e.time_zone, c.start_date_time) as date) as local_start_day,
    epoch_ms(c.start_date_time) as start_epoch_ms, epoch_ms(c.end_date_time) as end_epoch_ms,
    e.time_zone, c.charging_periods_json
from staging.stg_emobility__charge_detail_records as c
left join staging.stg_emobility__evse_data as e on e.evse_id = c.evse_id
where c.is_first_delivery
  and not exists (select 1 from emobility.cdr_ratings as r where r.cdr_id = c.cdr_id)
"""


@dataclass
class RatingRunResult:
    """What one run rated: counts by status and by not-rated reason."""

    rated: int = 0
    not_rated: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    gross_by_currency: dict[str, Decimal] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return self.rated + self.not_rated

    def add(self, rating: Rating, currency: str) -> None:
        if rating.status == RATED:
            self.rated += 1
            self.gross_by_currency[currency] = self.gross_by_currency.get(currency, Decimal(0)) + rating.gross_amount
        else:
            self.not_rated += 1
            self.reasons[rating.reason_code or ""] = self.reasons.get(rating.reason_code or "", 0) + 1


def load_rater(connection: duckdb.DuckDBPyConnection) -> tuple[OfferRater, dict[str, str]]:
    """The configured rater, and the subsidiary company per country."""
    offers = [
        Offer(*row)
        for row in connection.execute(
            """select offer_id, emp_id, country_code, pricing_methodology, currency, valid_from, valid_to, product_id,
                      reference_unit, price_per_unit, price_per_session, ocpi_tariff_id, min_session_minutes, min_session_energy_kwh
               from staging.stg_emobility__emp_offers"""
        ).fetchall()
    ]
    taxes = TaxRates(
        connection.execute(
            "select emp_id, country_code, price_component, valid_from, vat_rate_pct from staging.stg_emobility__emp_tax_rates"
        ).fetchall()
    )
    subsidiaries = connection.execute(
        "select country_code, company_id, net_rounding, vat_rounding, amount_decimals from reference.cpo_subsidiaries"
    ).fetchall()
    rounding = {country: RoundingRule(net, vat, decimals) for country, _, net, vat, decimals in subsidiaries}
    tariffs = {tariff_id: load_json(text) for tariff_id, text in connection.execute(
        "select tariff_id, tariff_json from staging.stg_emobility__ocpi_tariffs"
    ).fetchall()}
    rater = OfferRater(
        OfferBook(offers), taxes, rounding, ocpi_pricer=OcpiTariffPricer(tariffs), subsidiary_countries=frozenset(rounding)
    )
    return rater, {country: company for country, company, *_ in subsidiaries}


def _sessions(rows: list[tuple]) -> Iterator[Session]:
    for row in rows:
        yield Session(*row)


def rate_new_cdrs(connection: duckdb.DuckDBPyConnection, chunk_rows: int = CHUNK_ROWS) -> RatingRunResult:
    """Rate every CDR not rated yet and record the outcome; returns what was rated."""
    create_emobility_tables(connection)
    rater, companies = load_rater(connection)
    result = RatingRunResult()
    now = datetime.now(timezone.utc)
    cursor = connection.cursor()
    cursor.execute(NEW_CDRS_SQL)
    ratings_frames: list[pd.DataFrame] = []
    component_frames: list[pd.DataFrame] = []
    while rows := cursor.fetchmany(chunk_rows):
        ratings, components = _rate_chunk(rows, rater, companies, result)
        ratings_frames.append(ratings)
        component_frames.append(components)
    cursor.close()
    if not ratings_frames:
        return result
    connection.execute("BEGIN TRANSACTION")
    try:
        _insert(connection, pd.concat(ratings_frames, ignore_index=True), pd.concat(component_frames, ignore_index=True), now)
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    return result


RATING_COLUMNS = (
    "cdr_id", "status", "reason_code", "reason", "notify_cpo", "company_id", "country_code", "offer_id",
    "pricing_methodology", "net_amount", "vat_amount", "gross_amount",
)
COMPONENT_COLUMNS = ("cdr_id", "component", "quantity", "unit", "unit_price", "net_amount", "vat_rate_pct", "vat_amount")


def _rate_chunk(
    rows: list[tuple], rater: OfferRater, companies: dict[str, str], result: RatingRunResult
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rate one chunk of CDR rows into the two ledger tables' rows (amounts as exact decimal text)."""
    rating_rows: list[tuple] = []
    component_rows: list[tuple] = []
    rate = rater.rate
    for session in _sessions(rows):
        rating = rate(session)
        result.add(rating, session.currency)
        offer = rating.offer
        if rating.status == RATED:
            amounts = (str(rating.net_amount), str(rating.vat_amount), str(rating.gross_amount))
        else:
            amounts = (None, None, None)
        rating_rows.append((
            session.cdr_id, rating.status, rating.reason_code, rating.reason, rating.reason_code in NOTIFY_CPO,
            companies.get(session.country_code or ""), session.country_code, offer.offer_id if offer else None,
            offer.pricing_methodology if offer else None, *amounts,
        ))
        for c in rating.components:
            component_rows.append((
                session.cdr_id, c.component, str(c.quantity), c.unit, str(c.unit_price), str(c.net_amount),
                str(c.vat_rate_pct), str(c.vat_amount),
            ))
    return (
        pd.DataFrame(rating_rows, columns=RATING_COLUMNS, dtype=object),
        pd.DataFrame(component_rows, columns=COMPONENT_COLUMNS, dtype=object),
    )


def _insert(connection: duckdb.DuckDBPyConnection, ratings: pd.DataFrame, components: pd.DataFrame, now: datetime) -> None:
    """Insert the ratings with the session facts from staging; decimal text is cast exactly (never through a float)."""
    connection.register("rated_chunk", ratings)
    connection.register("component_chunk", components)
    try:
        connection.execute(
            """
            insert into emobility.cdr_ratings
            select r.cdr_id, c.source_file, c.source_line, r.status, r.reason_code, r.reason, r.notify_cpo, r.company_id,
                   r.country_code, c.emp_id, c.currency, r.offer_id, r.pricing_methodology, c.is_credit, c.credit_reference_id,
                   c.start_date_time, c.end_date_time,
                   cast(date_trunc('month', timezone(e.time_zone, c.end_date_time)) as date),
                   c.total_energy_kwh, c.total_time_hours, c.total_parking_time_hours,
                   cast(r.net_amount as decimal(18,2)), cast(r.vat_amount as decimal(18,2)),
                   cast(r.gross_amount as decimal(18,2)), cast($now as timestamptz)
            from rated_chunk as r
            join staging.stg_emobility__charge_detail_records as c on c.cdr_id = r.cdr_id and c.is_first_delivery
            left join staging.stg_emobility__evse_data as e on e.evse_id = c.evse_id
            """,
            {"now": now},
        )
        if len(components):
            connection.execute(
                """
                insert into emobility.cdr_rating_components
                select cdr_id, component, cast(quantity as decimal(18,6)), unit, cast(unit_price as decimal(18,6)),
                       cast(net_amount as decimal(18,2)), cast(vat_rate_pct as decimal(5,2)), cast(vat_amount as decimal(18,2))
                from component_chunk
                """
            )
    finally:
        connection.unregister("rated_chunk")
        connection.unregister("component_chunk")
