"""Charging sessions of one country-month: ordinary sessions, the planned defects and their expected rating.

Instants are integer epoch seconds (UTC). Every duration is a multiple of 9 seconds, so a duration
in hours has at most 4 decimals (OCPI numbers) and `total_time_hours × 60` is exact; energy is in Wh
(kWh with 3 decimals). AC sessions last 1-6 h and charge 5-40 kWh (part of them parked after
charging), DC sessions 15-50 min and 15-70 kWh (at most 35 kWh on 50 kW chargers).

`DEFECTS_PER_MONTH` is what each country-month gets besides its ordinary sessions; each defect
session has exactly one problem, so its expected reason does not depend on the order of checks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

import numpy as np

from data.sample_portfolio.emobility_master import (
    CLEAN_EMPS,
    EURO_CHANGEOVER,
    OCPI_TARIFF_ID,
    TIME_ZONES,
    Evse,
    Offer,
    offer_for,
)
from data.sample_portfolio.randomness import stream
from data.sample_portfolio.timegrid import Month

STEP = 9  # seconds; durations are multiples of it
# (kind, EMP, expected reason) planned per country-month; `kind` names the defect in the truth.
DEFECTS_PER_MONTH: dict[str, tuple[tuple[str, str, str], ...]] = {
    "RO": (
        ("no_evse_data", "RO-EMO", "no_evse_data"),
        ("currency_not_supported", "RO-EMO", "currency_not_supported"),
        ("product_id_missing", "AT-SMT", "product_id_missing"),
        ("product_id_unknown", "AT-SMT", "product_id_unknown"),
        ("session_below_validity", "AT-SMT", "session_below_validity"),
        ("session_below_validity", "AT-SMT", "session_below_validity"),
        ("session_below_validity", "NL-PLG", "session_below_validity"),
        ("no_tax_configuration", "RO-NEW", "tax_not_configured"),
        ("no_tax_configuration", "RO-NEW", "tax_not_configured"),
        ("no_tax_configuration", "RO-NEW", "tax_not_configured"),
        ("methodology_not_supported", "DE-ICE", "methodology_not_supported"),
        ("methodology_not_supported", "DE-ICE", "methodology_not_supported"),
    ),
    "BG": (
        ("no_evse_data", "BG-ELC", "no_evse_data"),
        ("currency_not_supported", "DE-ICE", "currency_not_supported"),
        ("product_id_missing", "AT-SMT", "product_id_missing"),
        ("product_id_unknown", "AT-SMT", "product_id_unknown"),
        ("session_below_validity", "AT-SMT", "session_below_validity"),
        ("missing_component_tax", "NL-PLG", "tax_not_configured"),
        ("missing_component_tax", "NL-PLG", "tax_not_configured"),
    ),
}
QUARANTINED_PER_MONTH = ("end_before_start", "negative_energy", "credit_without_reference")  # RO CSV only
QUARANTINE_REASONS = {
    "end_before_start": "inconsistent_row",
    "negative_energy": "negative_value",
    "credit_without_reference": "inconsistent_row",
}
CREDITS_PER_MONTH = 1  # per country
CLEAN_SESSIONS = {"RO": (132, 148), "BG": (86, 98)}  # ordinary sessions per month: low, high (exclusive)
UNKNOWN_PRODUCT = "AC_PROMO"
HOUR_WEIGHTS = np.array([1, 1, 1, 1, 1, 2, 4, 7, 9, 9, 8, 8, 9, 9, 8, 8, 9, 10, 10, 9, 7, 5, 3, 2], dtype=float)


@dataclass(frozen=True)
class Period:
    """One OCPI charging period: `offset` seconds after the start, lasting `seconds`; parking when `parking`."""

    offset: int
    seconds: int
    energy_wh: int
    parking: bool


@dataclass(frozen=True)
class Session:
    """One CDR to be written, with what its rating must be."""

    country: str  # of the file (the EVSE's country, or the intended one for an unknown EVSE)
    evse: Evse  # for an unknown EVSE: the site it stands at, with `evse_id` the unregistered id
    evse_id: str
    emp_id: str
    currency: str
    start: int
    seconds: int
    parking_seconds: int
    energy_wh: int
    periods: tuple[Period, ...]
    driver: int
    kind: str = "clean"  # or a defect kind
    status: str = "rated"
    reason: str | None = None
    product_id: str = ""
    tariff_id: str = ""
    credit: bool = False
    credit_of: Session | None = None  # the session a credit CDR reverses
    with_periods: bool = False  # CSV: charging_periods_json filled
    cdr_id: str = ""
    overrides: dict[str, str] = field(default_factory=dict)  # CSV texts replaced (quarantine defects)

    @property
    def end(self) -> int:
        return self.start + self.seconds

    def local_day(self) -> date:
        return datetime.fromtimestamp(self.start, ZoneInfo(TIME_ZONES[self.country])).date()


def bg_currency(day: date) -> str:
    return "BGN" if day < EURO_CHANGEOVER else "EUR"


def _start(rng: np.random.Generator, month: Month, country: str) -> int:
    """A session start in the local month, busier by day than at night."""
    day = int(rng.integers(1, month.days + 1))
    hour = int(rng.choice(24, p=HOUR_WEIGHTS / HOUR_WEIGHTS.sum()))
    minute, second = int(rng.integers(60)), int(rng.integers(60))
    local = datetime(month.year, month.month, day, hour, minute, second, tzinfo=ZoneInfo(TIME_ZONES[country]))
    return int(local.timestamp())


def _steps(rng: np.random.Generator, low_seconds: int, high_seconds: int) -> int:
    """A duration in [low, high] seconds, a multiple of STEP."""
    return STEP * int(rng.integers(math.ceil(low_seconds / STEP), high_seconds // STEP + 1))


def physics(rng: np.random.Generator, evse: Evse) -> tuple[int, int, int]:
    """(duration s, parking s, energy Wh) of a realistic session at `evse`."""
    if evse.is_dc:
        energy_wh = int(rng.integers(15_000, (35_000 if evse.max_power_kw <= 50 else 70_000) + 1))
        fastest = math.ceil(energy_wh / (evse.max_power_kw * 850) * 3600)
        parking = _steps(rng, 90, 297) if rng.random() < 0.15 else 0
        if STEP * math.ceil(max(fastest, 900) / STEP) + parking > 3000:
            parking = 0
        charging = _steps(rng, max(fastest, 900 - parking), 3000 - parking)
        return charging + parking, parking, energy_wh
    seconds = _steps(rng, 3600, 6 * 3600)
    parking = _steps(rng, 600, int(seconds * 0.4)) if rng.random() < 0.45 else 0
    cap_wh = int((seconds - parking) / 3600 * evse.max_power_kw * 920)
    energy_wh = int(rng.integers(5_000, min(40_000, cap_wh) + 1))
    return seconds, parking, energy_wh


def split_periods(rng: np.random.Generator, seconds: int, parking: int, energy_wh: int, pieces: int) -> tuple[Period, ...]:
    """Charging periods (energy shared by time) then one parking period; volumes add up to the totals."""
    charging = seconds - parking
    steps = charging // STEP
    cuts = (
        sorted(int(c) * STEP for c in rng.choice(np.arange(1, steps), size=min(pieces, steps) - 1, replace=False))
        if steps > 1
        else []
    )
    bounds = [0, *cuts, charging]
    periods, given = [], 0
    for index, (a, b) in enumerate(zip(bounds, bounds[1:])):
        energy = energy_wh - given if index == len(bounds) - 2 else energy_wh * (b - a) // charging
        given += energy
        periods.append(Period(a, b - a, energy, False))
    if parking:
        periods.append(Period(charging, parking, 0, True))
    return tuple(periods)


class MonthSessions:
    """Draws the sessions of one country-month."""

    def __init__(
        self, seed: int, country: str, month: Month, evses: list[Evse], weights: np.ndarray, offers: list[Offer]
    ) -> None:
        self.country, self.month, self.evses, self.weights, self.offers = country, month, evses, weights, offers
        self.rng = stream(seed, "emobility_sessions", 0 if country == "RO" else 1, month.ordinal)

    def session(
        self, emp_id: str, evse: Evse | None = None, kind: str = "clean", status: str = "rated", reason: str | None = None
    ) -> Session:
        rng = self.rng
        if evse is None:
            evse = self.evses[int(rng.choice(len(self.evses), p=self.weights))]
        seconds, parking, energy_wh = physics(rng, evse)
        start = _start(rng, self.month, self.country)
        pieces = 1 if evse.is_dc else int(rng.integers(1, 4))
        periods = split_periods(rng, seconds, parking, energy_wh, pieces)
        draft = Session(
            self.country,
            evse,
            evse.evse_id,
            emp_id,
            "",
            start,
            seconds,
            parking,
            energy_wh,
            periods,
            driver=int(rng.integers(40)),
            kind=kind,
            status=status,
            reason=reason,
            with_periods=bool(rng.random() < 0.3),
        )
        day = draft.local_day()
        currency = bg_currency(day) if self.country == "BG" else (offer_for(self.offers, emp_id, "RO", day) or _NO_OFFER).currency
        product = ("DC_FAST" if evse.is_dc else "AC_STD") if emp_id == "AT-SMT" else ""
        tariff = OCPI_TARIFF_ID if (emp_id, self.country) == ("BG-ELC", "RO") else ""
        return replace(draft, currency=currency, product_id=product, tariff_id=tariff)

    def clean(self) -> list[Session]:
        low, high = CLEAN_SESSIONS[self.country]
        names, shares = zip(*CLEAN_EMPS[self.country])
        probabilities = np.array(shares) / sum(shares)
        count = int(self.rng.integers(low, high))
        return [self.session(names[int(self.rng.choice(len(names), p=probabilities))]) for _ in range(count)]

    def defect(self, kind: str, emp_id: str, reason: str) -> Session:
        rng = self.rng
        evse = None
        if kind == "session_below_validity" or emp_id == "AT-SMT":
            ac = [e for e in self.evses if not e.is_dc]
            evse = ac[int(rng.integers(len(ac)))]
        session = self.session(emp_id, evse, kind=kind, status="not_rated", reason=reason)
        if kind == "no_evse_data":
            unknown = f"{session.evse.operator_id}*E{int(rng.integers(90, 100)):05d}"
            return replace(session, evse_id=unknown)
        if kind == "currency_not_supported":
            return replace(session, currency="USD")
        if kind == "product_id_missing":
            return replace(session, product_id="")
        if kind == "product_id_unknown":
            return replace(session, product_id=UNKNOWN_PRODUCT)
        if kind == "session_below_validity":
            # AT-SMT: 1.05 min and < 0.2 kWh (both limits); NL-PLG: 1.2 min (its only limit is 2 minutes)
            seconds, energy_wh = (63, int(rng.integers(50, 151))) if emp_id == "AT-SMT" else (72, int(rng.integers(300, 601)))
            periods = (Period(0, seconds, energy_wh, False),)
            return replace(session, seconds=seconds, parking_seconds=0, energy_wh=energy_wh, periods=periods)
        return session

    def quarantined(self, kind: str) -> Session:
        session = self.session("RO-EMO", kind=kind, status="rejected", reason=QUARANTINE_REASONS[kind])
        session = replace(session, with_periods=False)
        if kind == "credit_without_reference":
            return replace(session, credit=True)
        return session


_NO_OFFER = Offer("", "", "", "", "EUR", date.min)


def month_sessions(
    seed: int, country: str, month: Month, evses: list[Evse], weights: np.ndarray, offers: list[Offer]
) -> list[Session]:
    """Ordinary and defect sessions by start, then the credit CDRs and (RO) the rows the loader must reject."""
    draw = MonthSessions(seed, country, month, evses, weights, offers)
    sessions = draw.clean() + [draw.defect(*planned) for planned in DEFECTS_PER_MONTH[country]]
    sessions.sort(key=lambda s: (s.start, s.evse_id))
    creditable = [s for s in sessions if s.kind == "clean" and s.emp_id in ("RO-EMO", "DE-ICE", "NL-PLG", "AT-SMT")]
    picks = draw.rng.choice(len(creditable), size=CREDITS_PER_MONTH, replace=False)
    credits = [
        replace(creditable[int(i)], kind="credit", credit=True, credit_of=creditable[int(i)], with_periods=False)
        for i in sorted(picks.tolist())
    ]
    quarantined = [draw.quarantined(kind) for kind in QUARANTINED_PER_MONTH] if country == "RO" else []
    return sessions + credits + quarantined
