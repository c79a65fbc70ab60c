"""English and Greek for the admin panel.

SQLAdmin ships no Greek catalog. Its interface strings are looked up here under keys
`sqladmin:<English text>` in hub_app/i18n/{en,el}.json, and Greek is registered as one more
SQLAdmin locale; our own labels (menu, columns, pages) come from the same catalogs through
`hub_app.i18n.t`. Labels are lazy: each request renders them in the locale SQLAdmin chose
(`?lang=el`, the language cookie, or Accept-Language).
"""

from __future__ import annotations

import re

from babel.support import LazyProxy, NullTranslations
from sqladmin import i18n as sqladmin_i18n

from hub_app.i18n import catalog, t

SQLADMIN_PREFIX = "sqladmin:"
ADMIN_LOCALES = ["en", "el"]


class CatalogTranslations(NullTranslations):
    """SQLAdmin's gettext interface over our JSON catalogs."""

    def __init__(self, locale: str) -> None:
        super().__init__()
        self.locale = locale

    def gettext(self, message: str) -> str:
        return catalog(self.locale).get(SQLADMIN_PREFIX + message) or message

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.gettext(singular if n == 1 else plural)


def register_catalogs() -> None:
    """Serve SQLAdmin's strings from our catalogs and accept "el" as a locale (idempotent)."""
    if "el" not in sqladmin_i18n.SUPPORTED_LOCALES:
        sqladmin_i18n.SUPPORTED_LOCALES.append("el")
    if getattr(sqladmin_i18n, "BABEL_INSTALLED", False):
        for locale in ADMIN_LOCALES:
            sqladmin_i18n.translations[locale] = CatalogTranslations(locale)


def current_locale() -> str:
    return sqladmin_i18n.get_locale()


def _humanize(name: str) -> str:
    text = re.sub(r"_id$", "", name).replace("_", " ")
    return text[:1].upper() + text[1:]


def _text(key: str, fallback: str) -> str:
    locale = current_locale()
    if key in catalog(locale) or key in catalog("en"):
        return t(key, locale)
    return fallback


class LazyLabel(LazyProxy):
    """A lazily translated label that can also be a dict key (SQLAdmin indexes labels)."""

    def __hash__(self) -> int:
        return hash(object.__getattribute__(self, "_args"))


def label(key: str, fallback: str | None = None) -> str:
    """A label translated when rendered (key in the catalogs under `admin.`)."""
    return LazyLabel(_text, f"admin.{key}", fallback or key, enable_cache=False)  # type: ignore[return-value]


def column_labels(*names: str) -> dict[str, str]:
    """Labels for columns: `admin.col.<name>` when the catalogs have it, else the humanized name."""
    return {name: label(f"col.{name}", _humanize(name)) for name in names}


def text(key: str, **params: object) -> str:
    """An admin message in the current request's locale."""
    return t(f"admin.{key}", current_locale(), **params)
