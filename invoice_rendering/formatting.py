"""Locale formatting of the figures on an invoice document (amounts, quantities, prices, dates) with Babel.

The values are shown exactly as the billing engine computed them: quantities and unit prices keep
the decimals they have (at least the minimum shown), amounts show their cents. Nothing is rounded
here except trailing zeros beyond the minimum decimals, which carry no value.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from babel.dates import format_date
from babel.numbers import format_currency, format_decimal

LOCALES = {"en": "en_GB", "ro": "ro_RO", "bg": "bg_BG"}


def locale_of(language: str) -> str:
    try:
        return LOCALES[language]
    except KeyError:
        raise ValueError(f"no invoice locale for language {language!r}; known: {', '.join(LOCALES)}") from None


def _pattern(minimum_decimals: int, value: Decimal) -> str:
    exponent = value.normalize().as_tuple().exponent
    places = max(minimum_decimals, -exponent if isinstance(exponent, int) and exponent < 0 else 0)
    return "#,##0" + ("." + "0" * places if places else "")


def number(value: Decimal, language: str, minimum_decimals: int = 0) -> str:
    """A quantity or unit price with all its significant decimals (at least `minimum_decimals`)."""
    return format_decimal(value, format=_pattern(minimum_decimals, value), locale=locale_of(language), decimal_quantization=False)


def money(value: Decimal, currency: str, language: str) -> str:
    """An amount with its currency, in the locale's style (e.g. `12.409,79 RON`, `RON12,409.79`)."""
    return format_currency(value, currency, locale=locale_of(language), currency_digits=True)


def amount(value: Decimal, language: str) -> str:
    """An amount without the currency sign, always 2 decimals (for table columns)."""
    return format_decimal(value, format="#,##0.00", locale=locale_of(language))


def percent(value: Decimal, language: str) -> str:
    return number(value, language) + " %"


def day(value: date, language: str) -> str:
    """A date in the locale's medium numeric form (20.04.2026, 20/04/2026)."""
    return format_date(value, format="dd.MM.yyyy" if language != "en" else "dd/MM/yyyy", locale=locale_of(language))


def long_day(value: date, language: str) -> str:
    return format_date(value, format="long", locale=locale_of(language))


def iban_groups(iban: str) -> str:
    """An IBAN in its print format: groups of four characters (ISO 13616)."""
    compact = iban.replace(" ", "")
    return " ".join(compact[index : index + 4] for index in range(0, len(compact), 4))


@dataclass(frozen=True)
class DocumentFormatter:
    """These helpers bound to one document's language and currency, for templates (`f.money(x)`)."""

    language: str
    currency: str

    def number(self, value: Decimal, minimum_decimals: int = 0) -> str:
        return number(value, self.language, minimum_decimals)

    def amount(self, value: Decimal) -> str:
        return amount(value, self.language)

    def money(self, value: Decimal) -> str:
        return money(value, self.currency, self.language)

    def percent(self, value: Decimal) -> str:
        return percent(value, self.language)

    def day(self, value: date) -> str:
        return day(value, self.language)

    def long_day(self, value: date) -> str:
        return long_day(value, self.language)
