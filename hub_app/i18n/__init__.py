"""The one translation layer: message catalogs (English, Greek) and locale-aware formatting.

Text shown to people is looked up by key with `t(key, locale, **params)`. Dates, times and money
go through Babel with the store's timezone and the reader's locale.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_date as _format_date
from babel.dates import format_datetime as _format_datetime
from babel.dates import format_time as _format_time
from babel.numbers import format_currency

SUPPORTED_LOCALES = ("en", "el")
DEFAULT_LOCALE = "en"
_CATALOG_DIR = Path(__file__).parent


@lru_cache
def catalog(locale: str) -> dict[str, str]:
    path = _CATALOG_DIR / f"{locale}.json"
    return json.loads(path.read_text(encoding="utf-8"))


def normalize_locale(locale: str | None) -> str:
    if not locale:
        return DEFAULT_LOCALE
    short = locale.replace("-", "_").split("_")[0].lower()
    return short if short in SUPPORTED_LOCALES else DEFAULT_LOCALE


def t(key: str, locale: str | None = None, **params: object) -> str:
    """The message for `key` in `locale`, falling back to English, then to the key itself."""
    loc = normalize_locale(locale)
    text = catalog(loc).get(key) or catalog(DEFAULT_LOCALE).get(key) or key
    return text.format(**params) if params else text


def format_money(amount: Decimal, currency: str, locale: str | None = None) -> str:
    return format_currency(amount, currency, locale=normalize_locale(locale))


def format_datetime(value: datetime, tz: str, locale: str | None = None, fmt: str = "medium") -> str:
    return _format_datetime(value.astimezone(ZoneInfo(tz)), fmt, tzinfo=ZoneInfo(tz), locale=normalize_locale(locale))


def format_date(value: date | datetime, tz: str | None = None, locale: str | None = None, fmt: str = "full") -> str:
    if isinstance(value, datetime) and tz:
        value = value.astimezone(ZoneInfo(tz)).date()
    return _format_date(value, fmt, locale=normalize_locale(locale))


def format_time(value: datetime, tz: str, locale: str | None = None, fmt: str = "short") -> str:
    return _format_time(value.astimezone(ZoneInfo(tz)), fmt, tzinfo=ZoneInfo(tz), locale=normalize_locale(locale))
