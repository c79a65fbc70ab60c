"""Errors the domain raises. Adapters map them to HTTP statuses, form messages or admin flashes.

Each carries a stable `code`, a translation key for the message and, for validation errors, the
fields that were wrong, so a form can keep what the user typed and point at the bad input.
"""

from __future__ import annotations

from typing import Any

from hub_app.i18n import t


class DomainError(Exception):
    code = "error"
    http_status = 400

    def __init__(self, message: str, *, fields: dict[str, str] | None = None, **details: Any):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        self.details = details


class ValidationFailed(DomainError):
    code = "validation_error"
    http_status = 422


class NotFound(DomainError):
    code = "not_found"
    http_status = 404


class PermissionDenied(DomainError):
    code = "forbidden"
    http_status = 403


class NotAuthenticated(DomainError):
    code = "not_authenticated"
    http_status = 401


class Conflict(DomainError):
    code = "conflict"
    http_status = 409


class SlotTaken(Conflict):
    code = "slot_taken"


class RateLimited(DomainError):
    code = "rate_limited"
    http_status = 429

    def __init__(self, message: str, *, retry_after: int, **details: Any):
        super().__init__(message, retry_after=retry_after, **details)
        self.retry_after = retry_after


class PlanLimitReached(DomainError):
    code = "plan_limit"
    http_status = 403


class TenantViolation(PermissionDenied):
    """A write or read that crossed from one store into another: a bug or an attack."""

    code = "tenant_violation"


def unknown_fields(names: set[str] | list[str], locale: str | None) -> ValidationFailed:
    """The refusal of fields an edit does not know (one message, and one next to each field)."""
    listed = ", ".join(sorted(names))
    return ValidationFailed(t("validation.unknown_fields", locale, fields=listed),
                            fields={name: t("validation.unknown_field", locale) for name in names})


def invalid_field(field: str, key: str, locale: str | None, **params: object) -> ValidationFailed:
    """One field refused: the catalog's message, shown on the form and next to the field."""
    message = t(key, locale, **params)
    return ValidationFailed(message, fields={field: message})
