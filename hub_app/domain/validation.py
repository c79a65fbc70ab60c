"""Normalising and checking what people type: emails, phones, slugs, zones, currencies."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from hub_app.domain.errors import ValidationFailed
from hub_app.i18n import SUPPORTED_LOCALES, t

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,78})[a-z0-9]$")
# Paths the app itself owns; a store slug may not shadow them.
RESERVED_SLUGS = frozenset({
    "admin", "api", "account", "login", "logout", "register", "manage", "webhooks", "ping", "ready",
    "metrics", "static", "assets", "uploads", "_event", "_upload", "_health", "404", "docs", "embed",
})


def normalize_email(value: str, field: str = "email", locale: str | None = None) -> str:
    try:
        result = validate_email((value or "").strip(), check_deliverability=False)
    except EmailNotValidError:
        raise ValidationFailed(t("validation.email", locale), fields={field: t("validation.email", locale)})
    return result.normalized.lower()


def normalize_phone(value: str, region: str = "GR", field: str = "phone", locale: str | None = None) -> str:
    """E.164 (+306971234567). A number without a country code is read in the store's region."""
    message = t("validation.phone", locale)
    try:
        number = phonenumbers.parse((value or "").strip(), region)
    except phonenumbers.NumberParseException:
        raise ValidationFailed(message, fields={field: message})
    if not phonenumbers.is_valid_number(number):
        raise ValidationFailed(message, fields={field: message})
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def check_slug(value: str, locale: str | None = None) -> str:
    slug = (value or "").strip().lower()
    if not SLUG_RE.match(slug) or slug in RESERVED_SLUGS:
        raise ValidationFailed(t("validation.slug", locale), fields={"slug": t("validation.slug", locale)})
    return slug


def check_timezone(value: str, locale: str | None = None) -> str:
    try:
        if value not in available_timezones():
            raise ZoneInfoNotFoundError(value)
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationFailed(t("validation.timezone", locale), fields={"timezone": t("validation.timezone", locale)})
    return value


def check_currency(value: str, locale: str | None = None) -> str:
    code = (value or "").strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", code):
        raise ValidationFailed(t("validation.currency", locale), fields={"currency": t("validation.currency", locale)})
    return code


def check_locale(value: str, locale: str | None = None) -> str:
    if value not in SUPPORTED_LOCALES:
        raise ValidationFailed(t("validation.locale", locale), fields={"locale": t("validation.locale", locale)})
    return value


def require_text(fields: dict[str, object], names: list[str], locale: str | None = None) -> None:
    """Raise one error naming every missing field, so a form can mark them all at once."""
    missing = {n: t("validation.required", locale) for n in names if not str(fields.get(n) or "").strip()}
    if missing:
        raise ValidationFailed(t("validation.required", locale), fields=missing)


def check_age(value: object, locale: str | None = None) -> int:
    try:
        age = int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        age = -1
    if not 0 <= age <= 150:
        raise ValidationFailed(t("validation.age", locale), fields={"age": t("validation.age", locale)})
    return age
