"""Reading the dashboard's form fields: text, optional whole numbers, ids, days and switches.
A bad value becomes a ValidationFailed naming the field, in the reader's language."""

from __future__ import annotations

from datetime import date
from typing import Any

from hub_app.domain.errors import ValidationFailed
from hub_app.domain.stores.local_time import parse_date
from hub_app.i18n import t


def form_text(form: dict[str, Any], name: str) -> str:
    value = form.get(name)
    return "" if value is None else str(value).strip()


def optional_int(form: dict[str, Any], name: str) -> int | None | str:
    """A whole number, None when empty, or the text itself (the domain then says what is wrong)."""
    text = form_text(form, name)
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        return text


def parse_id(value: object) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


def whole_number(form: dict, name: str, locale: str, *, required: bool = True, default: int | None = None) -> int | None:
    text = str(form.get(name) or "").strip()
    if not text:
        if required and default is None:
            raise ValidationFailed(t("validation.required", locale), fields={name: t("validation.required", locale)})
        return default
    try:
        return int(text)
    except ValueError:
        message = t("manage.whole_number", locale)
        raise ValidationFailed(message, fields={name: message})


def optional_day(form: dict, name: str, locale: str) -> date | None:
    text = str(form.get(name) or "").strip()
    return parse_date(text, name, locale) if text else None


def switched_on(form: dict, name: str) -> bool:
    return str(form.get(name) or "").lower() in ("on", "true", "1", "yes")
