"""Money, dates and basis points for display, in the visitor's language."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from babel import localedata
from babel.numbers import format_decimal
from flask import Flask
from flask_babel import format_date, format_datetime, get_locale

from coopshop.money import format_eur


def euro(cents: int | None) -> str:
    """``€ 1.234,56`` in Dutch, ``€1,234.56`` in English; Decimal only for display."""
    if cents is None:
        return ""
    return format_eur(cents, str(get_locale() or "nl"))


def basis_points(bp: int | None) -> str:
    """2500 → ``25 %`` (Dutch) or ``25%`` (English)."""
    if bp is None:
        return ""
    locale = str(get_locale() or "nl")
    number = format_decimal(Decimal(bp) / 100, format="#,##0.##", locale=locale)
    return f"{number} %" if locale == "nl" else f"{number}%"


def day(value: date | None) -> str:
    return format_date(value, "long") if value else ""


def moment(value: datetime | None) -> str:
    return format_datetime(value, "d MMM yyyy HH:mm") if value else ""


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(euro=euro, bp=basis_points, day=day, moment=moment)
    load_locale_data(app.config["LANGUAGES"])


def load_locale_data(languages: list[str]) -> None:
    """Read Babel's data for the app's languages now, while the app starts.

    Babel reads a locale's data from disk the first time a date, month or amount is formatted
    in it: 30-40 ms for Dutch (with the data it inherits) and 5-10 ms for English. Read here,
    that is paid once per process at start-up (and shared by the workers a preloading server
    forks), not by the first page, e-mail or period close that formats something.
    """
    for language in languages:
        localedata.load(language)
