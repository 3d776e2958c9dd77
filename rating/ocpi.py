"""OCPI 2.2.1 Tariff and CDR object models (frozen dataclasses) and strict parsing from JSON.

Only what pricing needs is modelled, but that part is parsed fully and strictly: a missing required
field, a wrong type, an unknown enum value, a negative price or a non-positive step size raises
`OcpiFormatError`, whose message names the JSON path and the reason, e.g.
``elements[1].price_components[0].step_size: expected a positive integer, got -5``.
Fields the engine does not use (tariff_alt_text, energy_mix, last_updated, ...) are ignored.

Numbers become `decimal.Decimal`, never binary floats: `load_json` parses the JSON text with
``parse_float=Decimal, parse_int=Decimal``; already-parsed ints/floats are converted through `str()`.
DateTimes are UTC instants (OCPI: "the absence of the timezone designator implies a UTC timestamp").
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any, Mapping

TARIFF_DIMENSION_TYPES = frozenset({"ENERGY", "FLAT", "PARKING_TIME", "TIME"})
TARIFF_TYPES = frozenset({"AD_HOC_PAYMENT", "PROFILE_CHEAP", "PROFILE_FAST", "PROFILE_GREEN", "REGULAR"})
DAYS_OF_WEEK = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
RESERVATION_TYPES = frozenset({"RESERVATION", "RESERVATION_EXPIRES"})
CDR_DIMENSION_TYPES = frozenset(
    {
        "CURRENT",
        "ENERGY",
        "ENERGY_EXPORT",
        "ENERGY_IMPORT",
        "MAX_CURRENT",
        "MIN_CURRENT",
        "MAX_POWER",
        "MIN_POWER",
        "PARKING_TIME",
        "POWER",
        "RESERVATION_TIME",
        "STATE_OF_CHARGE",
        "TIME",
    }
)
TOKEN_TYPES = frozenset({"AD_HOC_USER", "APP_USER", "OTHER", "RFID"})

_TIME_RE = re.compile(r"([0-1][0-9]|2[0-3]):[0-5][0-9]")
_DATE_RE = re.compile(r"([12][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])")
_CURRENCY_RE = re.compile(r"[A-Z]{3}")


class OcpiFormatError(ValueError):
    """A JSON document is not a valid OCPI object; the message is ``<json path>: <reason>``."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = path or "(root)"
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


# --------------------------------------------------------------------------- models


@dataclass(frozen=True)
class Price:
    """OCPI Price: an amount excluding VAT and, optionally, including VAT."""

    excl_vat: Decimal
    incl_vat: Decimal | None = None


@dataclass(frozen=True)
class PriceComponent:
    """Price per unit (excl. VAT) of one dimension; `vat` None means no VAT applicable (not 0 %)."""

    type: str
    price: Decimal
    step_size: int
    vat: Decimal | None = None


@dataclass(frozen=True)
class TariffRestrictions:
    """When a TariffElement applies. Times/dates are local to the location; None means unrestricted."""

    start_time: time | None = None
    end_time: time | None = None
    start_date: date | None = None
    end_date: date | None = None
    min_kwh: Decimal | None = None
    max_kwh: Decimal | None = None
    min_current: Decimal | None = None
    max_current: Decimal | None = None
    min_power: Decimal | None = None
    max_power: Decimal | None = None
    min_duration: int | None = None
    max_duration: int | None = None
    day_of_week: tuple[str, ...] = ()
    reservation: str | None = None


@dataclass(frozen=True)
class TariffElement:
    """Price components that apply together while the (optional) restrictions hold."""

    price_components: tuple[PriceComponent, ...]
    restrictions: TariffRestrictions | None = None

    def component(self, dimension: str) -> PriceComponent | None:
        """The first price component of that dimension type in this element, if any."""
        return next((c for c in self.price_components if c.type == dimension), None)


@dataclass(frozen=True)
class Tariff:
    """OCPI Tariff: the elements, in order, plus the session-level min/max price and validity window."""

    id: str
    currency: str
    elements: tuple[TariffElement, ...]
    type: str | None = None
    country_code: str | None = None
    party_id: str | None = None
    min_price: Price | None = None
    max_price: Price | None = None
    start_date_time: datetime | None = None
    end_date_time: datetime | None = None


@dataclass(frozen=True)
class CdrDimension:
    """One measured value of a charging period (ENERGY in kWh, TIME/PARKING_TIME in hours, MAX_POWER in kW, ...)."""

    type: str
    volume: Decimal


@dataclass(frozen=True)
class ChargingPeriod:
    """A period runs from its start to the next period's start (the last one to the session end)."""

    start_date_time: datetime
    dimensions: tuple[CdrDimension, ...]
    tariff_id: str | None = None

    def volume(self, dimension: str) -> Decimal | None:
        """The volume of that dimension type in this period, or None when the CDR does not give it."""
        return next((d.volume for d in self.dimensions if d.type == dimension), None)


@dataclass(frozen=True)
class CdrToken:
    """The token that authorised the session."""

    uid: str
    type: str
    contract_id: str
    country_code: str
    party_id: str


@dataclass(frozen=True)
class CdrLocation:
    """The EVSE the session took place at (OCPI CDRs carry no time zone)."""

    evse_uid: str
    evse_id: str


@dataclass(frozen=True)
class Cdr:
    """OCPI CDR: the session window, its charging periods and the totals the CPO reported."""

    id: str
    country_code: str
    party_id: str
    start_date_time: datetime
    end_date_time: datetime
    currency: str
    cdr_token: CdrToken
    cdr_location: CdrLocation
    charging_periods: tuple[ChargingPeriod, ...]
    total_energy: Decimal
    total_time: Decimal
    tariffs: tuple[Tariff, ...] = ()
    total_parking_time: Decimal | None = None
    credit: bool = False
    credit_reference_id: str | None = None


# --------------------------------------------------------------------------- primitives


def load_json(text: str) -> Any:
    """Parse JSON text with every number as a Decimal (no binary floats)."""
    return json.loads(text, parse_float=Decimal, parse_int=Decimal)


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _obj(value: Any, path: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise OcpiFormatError(path, f"expected an object, got {_show(value)}")
    return value


def _show(value: Any) -> str:
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "null"
    return json.dumps(value) if isinstance(value, (str, bool)) else str(value)


def _required(obj: Mapping[str, Any], key: str, path: str) -> Any:
    if key not in obj or obj[key] is None:
        raise OcpiFormatError(_join(path, key), "required field is missing")
    return obj[key]


def _string(obj: Mapping[str, Any], key: str, path: str, *, required: bool = True) -> str | None:
    value = _required(obj, key, path) if required else obj.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise OcpiFormatError(_join(path, key), f"expected a non-empty string, got {_show(value)}")
    return value


def _enum(obj: Mapping[str, Any], key: str, path: str, allowed: frozenset[str], *, required: bool = True) -> str | None:
    value = _string(obj, key, path, required=required)
    if value is not None and value not in allowed:
        raise OcpiFormatError(_join(path, key), f"expected one of {', '.join(sorted(allowed))}, got {_show(value)}")
    return value


def _decimal(value: Any, path: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (Decimal, int, float)):
        raise OcpiFormatError(path, f"expected a number, got {_show(value)}")
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation:  # pragma: no cover - str() of an int/float is always a valid Decimal
        raise OcpiFormatError(path, f"expected a number, got {_show(value)}") from None
    if not number.is_finite():
        raise OcpiFormatError(path, f"expected a finite number, got {_show(value)}")
    return number


def _number(obj: Mapping[str, Any], key: str, path: str, *, required: bool = True) -> Decimal | None:
    value = _required(obj, key, path) if required else obj.get(key)
    if value is None:
        return None
    number = _decimal(value, _join(path, key))
    if number < 0:
        raise OcpiFormatError(_join(path, key), f"expected a non-negative number, got {_show(value)}")
    return number


def _integer(obj: Mapping[str, Any], key: str, path: str, *, minimum: int, required: bool = True) -> int | None:
    value = _required(obj, key, path) if required else obj.get(key)
    if value is None:
        return None
    kind = "a positive integer" if minimum == 1 else "a non-negative integer"
    # JSON "300.0" is a number with a fraction, not an OCPI int: reject it like any non-integer.
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, Decimal) and value.is_finite() and int(value.as_tuple().exponent) >= 0:
        number = int(value)
    else:
        raise OcpiFormatError(_join(path, key), f"expected {kind}, got {_show(value)}")
    if number < minimum:
        raise OcpiFormatError(_join(path, key), f"expected {kind}, got {_show(value)}")
    return number


def _boolean(obj: Mapping[str, Any], key: str, path: str) -> bool:
    value = obj.get(key)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise OcpiFormatError(_join(path, key), f"expected true or false, got {_show(value)}")
    return value


def _list(obj: Mapping[str, Any], key: str, path: str, *, required: bool, non_empty: bool) -> list[Any]:
    value = _required(obj, key, path) if required else obj.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise OcpiFormatError(_join(path, key), f"expected a list, got {_show(value)}")
    if non_empty and not value:
        raise OcpiFormatError(_join(path, key), "expected at least one entry, got an empty list")
    return value


def _datetime(obj: Mapping[str, Any], key: str, path: str, *, required: bool = True) -> datetime | None:
    text = _string(obj, key, path, required=required)
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise OcpiFormatError(_join(path, key), f"expected an RFC 3339 date-time, got {_show(text)}") from None
    if "T" not in text:
        raise OcpiFormatError(_join(path, key), f"expected an RFC 3339 date-time, got {_show(text)}")
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _local_time(obj: Mapping[str, Any], key: str, path: str) -> time | None:
    text = _string(obj, key, path, required=False)
    if text is None:
        return None
    if not _TIME_RE.fullmatch(text):
        raise OcpiFormatError(_join(path, key), f"expected a time of day HH:MM (24h, leading zeros), got {_show(text)}")
    return time(int(text[:2]), int(text[3:]))


def _local_date(obj: Mapping[str, Any], key: str, path: str) -> date | None:
    text = _string(obj, key, path, required=False)
    if text is None:
        return None
    try:
        if not _DATE_RE.fullmatch(text):
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise OcpiFormatError(_join(path, key), f"expected a date YYYY-MM-DD, got {_show(text)}") from None


def _currency(obj: Mapping[str, Any], key: str, path: str) -> str:
    text = _string(obj, key, path)
    assert text is not None
    if not _CURRENCY_RE.fullmatch(text):
        raise OcpiFormatError(_join(path, key), f"expected an ISO 4217 currency code, got {_show(text)}")
    return text


# --------------------------------------------------------------------------- tariff


def parse_price(value: Any, path: str) -> Price:
    """An OCPI Price object {excl_vat, incl_vat?}."""
    obj = _obj(value, path)
    excl = _number(obj, "excl_vat", path)
    assert excl is not None
    return Price(excl_vat=excl, incl_vat=_number(obj, "incl_vat", path, required=False))


def parse_price_component(value: Any, path: str) -> PriceComponent:
    """A PriceComponent; FLAT components may have step_size 0 (it is not used for FLAT)."""
    obj = _obj(value, path)
    kind = _enum(obj, "type", path, TARIFF_DIMENSION_TYPES)
    assert kind is not None
    price = _number(obj, "price", path)
    step = _integer(obj, "step_size", path, minimum=0 if kind == "FLAT" else 1)
    assert price is not None and step is not None
    return PriceComponent(type=kind, price=price, step_size=step, vat=_number(obj, "vat", path, required=False))


def parse_restrictions(value: Any, path: str) -> TariffRestrictions:
    """TariffRestrictions; every field optional, each validated when present."""
    obj = _obj(value, path)
    days = _list(obj, "day_of_week", path, required=False, non_empty=False)
    for index, day in enumerate(days):
        if day not in DAYS_OF_WEEK:
            raise OcpiFormatError(
                _join(_join(path, "day_of_week"), index), f"expected a day MONDAY..SUNDAY, got {_show(day)}"
            )
    restrictions = TariffRestrictions(
        start_time=_local_time(obj, "start_time", path),
        end_time=_local_time(obj, "end_time", path),
        start_date=_local_date(obj, "start_date", path),
        end_date=_local_date(obj, "end_date", path),
        min_kwh=_number(obj, "min_kwh", path, required=False),
        max_kwh=_number(obj, "max_kwh", path, required=False),
        min_current=_number(obj, "min_current", path, required=False),
        max_current=_number(obj, "max_current", path, required=False),
        min_power=_number(obj, "min_power", path, required=False),
        max_power=_number(obj, "max_power", path, required=False),
        min_duration=_integer(obj, "min_duration", path, minimum=0, required=False),
        max_duration=_integer(obj, "max_duration", path, minimum=0, required=False),
        day_of_week=tuple(days),
        reservation=_enum(obj, "reservation", path, RESERVATION_TYPES, required=False),
    )
    return restrictions


def parse_tariff_element(value: Any, path: str) -> TariffElement:
    """A TariffElement: one or more price components plus optional restrictions."""
    obj = _obj(value, path)
    components_path = _join(path, "price_components")
    components = _list(obj, "price_components", path, required=True, non_empty=True)
    restrictions = obj.get("restrictions")
    return TariffElement(
        price_components=tuple(
            parse_price_component(item, _join(components_path, i)) for i, item in enumerate(components)
        ),
        restrictions=None if restrictions is None else parse_restrictions(restrictions, _join(path, "restrictions")),
    )


def parse_tariff(value: Any, path: str = "") -> Tariff:
    """An OCPI 2.2.1 Tariff object (already loaded with `load_json`, or any JSON-like dict)."""
    obj = _obj(value, path)
    tariff_id = _string(obj, "id", path)
    elements_path = _join(path, "elements")
    elements = _list(obj, "elements", path, required=True, non_empty=True)
    min_price, max_price = obj.get("min_price"), obj.get("max_price")
    tariff = Tariff(
        id=tariff_id or "",
        currency=_currency(obj, "currency", path),
        elements=tuple(parse_tariff_element(item, _join(elements_path, i)) for i, item in enumerate(elements)),
        type=_enum(obj, "type", path, TARIFF_TYPES, required=False),
        country_code=_string(obj, "country_code", path, required=False),
        party_id=_string(obj, "party_id", path, required=False),
        min_price=None if min_price is None else parse_price(min_price, _join(path, "min_price")),
        max_price=None if max_price is None else parse_price(max_price, _join(path, "max_price")),
        start_date_time=_datetime(obj, "start_date_time", path, required=False),
        end_date_time=_datetime(obj, "end_date_time", path, required=False),
    )
    if tariff.min_price and tariff.max_price and tariff.min_price.excl_vat > tariff.max_price.excl_vat:
        raise OcpiFormatError(_join(path, "max_price.excl_vat"), "must not be lower than min_price.excl_vat")
    return tariff


# --------------------------------------------------------------------------- cdr


def parse_charging_period(value: Any, path: str) -> ChargingPeriod:
    """A ChargingPeriod; a dimension type may occur at most once per period."""
    obj = _obj(value, path)
    start = _datetime(obj, "start_date_time", path)
    dimensions_path = _join(path, "dimensions")
    dimensions: list[CdrDimension] = []
    for index, item in enumerate(_list(obj, "dimensions", path, required=True, non_empty=True)):
        item_path = _join(dimensions_path, index)
        dim = _obj(item, item_path)
        kind = _enum(dim, "type", item_path, CDR_DIMENSION_TYPES)
        volume = _number(dim, "volume", item_path)
        assert kind is not None and volume is not None
        if any(d.type == kind for d in dimensions):
            raise OcpiFormatError(_join(item_path, "type"), f"dimension {kind} occurs more than once in this period")
        dimensions.append(CdrDimension(type=kind, volume=volume))
    assert start is not None
    return ChargingPeriod(
        start_date_time=start, dimensions=tuple(dimensions), tariff_id=_string(obj, "tariff_id", path, required=False)
    )


def parse_cdr(value: Any, path: str = "") -> Cdr:
    """An OCPI 2.2.1 CDR object. An empty `charging_periods` list is accepted here (pricing refuses it)."""
    obj = _obj(value, path)
    token_path, location_path = _join(path, "cdr_token"), _join(path, "cdr_location")
    token = _obj(_required(obj, "cdr_token", path), token_path)
    location = _obj(_required(obj, "cdr_location", path), location_path)
    start = _datetime(obj, "start_date_time", path)
    end = _datetime(obj, "end_date_time", path)
    assert start is not None and end is not None
    if end < start:
        raise OcpiFormatError(_join(path, "end_date_time"), "must not be before start_date_time")
    tariffs_path, periods_path = _join(path, "tariffs"), _join(path, "charging_periods")
    credit = _boolean(obj, "credit", path)
    credit_reference_id = _string(obj, "credit_reference_id", path, required=False)
    if credit and credit_reference_id is None:
        raise OcpiFormatError(_join(path, "credit_reference_id"), "required for a credit CDR (credit is true)")
    total_energy = _number(obj, "total_energy", path)
    total_time = _number(obj, "total_time", path)
    assert total_energy is not None and total_time is not None
    return Cdr(
        id=_string(obj, "id", path) or "",
        country_code=_string(obj, "country_code", path) or "",
        party_id=_string(obj, "party_id", path) or "",
        start_date_time=start,
        end_date_time=end,
        currency=_currency(obj, "currency", path),
        cdr_token=CdrToken(
            uid=_string(token, "uid", token_path) or "",
            type=_enum(token, "type", token_path, TOKEN_TYPES) or "",
            contract_id=_string(token, "contract_id", token_path) or "",
            country_code=_string(token, "country_code", token_path) or "",
            party_id=_string(token, "party_id", token_path) or "",
        ),
        cdr_location=CdrLocation(
            evse_uid=_string(location, "evse_uid", location_path) or "",
            evse_id=_string(location, "evse_id", location_path) or "",
        ),
        charging_periods=tuple(
            parse_charging_period(item, _join(periods_path, i))
            for i, item in enumerate(_list(obj, "charging_periods", path, required=True, non_empty=False))
        ),
        total_energy=total_energy,
        total_time=total_time,
        tariffs=tuple(
            parse_tariff(item, _join(tariffs_path, i))
            for i, item in enumerate(_list(obj, "tariffs", path, required=False, non_empty=False))
        ),
        total_parking_time=_number(obj, "total_parking_time", path, required=False),
        credit=credit,
        credit_reference_id=credit_reference_id,
    )
