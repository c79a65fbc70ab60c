"""A store's webhook endpoints: register, change, enable/disable, rotate the secret, remove.

The signing secret is shown once, when the endpoint is made or its secret rotated; it is kept
encrypted (hub_app.domain.secrets) because signing needs the secret itself. Disabling an endpoint
stops it at once: no new deliveries are written for it and those still waiting are cancelled.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hub_app.domain.audit.service import record as audit
from hub_app.domain.base import new_row
from hub_app.domain.errors import NotFound, ValidationFailed
from hub_app.domain.outbound_webhooks.addresses import AddressRefused, check_url
from hub_app.domain.outbound_webhooks.models import DeliveryStatus, EventType, WebhookDelivery, WebhookEndpoint
from hub_app.domain.permissions import Feature, require
from hub_app.domain.secrets import decrypt_secret, encrypt_secret
from hub_app.domain.tenancy import TenantContext
from hub_app.domain.types import utcnow
from hub_app.i18n import t

MAX_ENDPOINTS_PER_STORE = 10
# How long the previous secret keeps signing after a rotation.
ROTATION_OVERLAP = timedelta(hours=24)
ALL_EVENTS = tuple(e.value for e in EventType)


@dataclass(frozen=True)
class EndpointSecret:
    """An endpoint with its signing secret, shown once."""

    endpoint: WebhookEndpoint
    secret: str


def _new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def _event_types(values: list[str] | tuple[str, ...] | None, locale: str | None) -> str:
    chosen = [v for v in ALL_EVENTS if v in set(values or ())]
    unknown = set(values or ()) - set(ALL_EVENTS)
    if unknown or not chosen:
        message = t("webhooks.events_required", locale, allowed=", ".join(ALL_EVENTS))
        raise ValidationFailed(message, fields={"event_types": message})
    return ",".join(chosen)


def _url(url: str, locale: str | None) -> str:
    try:
        return check_url(url, locale)
    except AddressRefused as exc:
        raise ValidationFailed(str(exc), fields={"url": str(exc)}) from exc


def _description(value: str | None, locale: str | None) -> str:
    clean = (value or "").strip()
    if len(clean) > 200:
        message = t("webhooks.description_too_long", locale)
        raise ValidationFailed(message, fields={"description": message})
    return clean


def _validated(url: str, event_types, description: str | None, locale: str | None) -> tuple[str, str, str]:
    errors: dict[str, str] = {}
    values: dict[str, str] = {}
    for name, check in (("url", lambda: _url(url, locale)), ("event_types", lambda: _event_types(event_types, locale)),
                        ("description", lambda: _description(description, locale))):
        try:
            values[name] = check()
        except ValidationFailed as exc:
            errors.update(exc.fields)
    if errors:
        raise ValidationFailed(next(iter(errors.values())), fields=errors)
    return values["url"], values["event_types"], values["description"]


def create_endpoint(db: Session, ctx: TenantContext, url: str, event_types: list[str],
                    description: str | None = None) -> EndpointSecret:
    require(ctx, Feature.MANAGE_STORE_INFO)
    clean_url, events, text = _validated(url, event_types, description, ctx.locale)
    count = len(db.scalars(select(WebhookEndpoint.id)).all())
    if count >= MAX_ENDPOINTS_PER_STORE:
        message = t("webhooks.too_many", ctx.locale, limit=MAX_ENDPOINTS_PER_STORE)
        raise ValidationFailed(message, fields={"url": message})
    secret = _new_secret()
    row = new_row(WebhookEndpoint, store_id=ctx.store_id, url=clean_url, description=text, event_types=events,
                  enabled=True, secret_encrypted=encrypt_secret(secret), created_by_user_id=ctx.user_id)
    db.add(row)
    db.flush()
    audit(db, ctx, entity=row, action="webhook_endpoint_created", after={"url": clean_url, "event_types": events})
    return EndpointSecret(endpoint=row, secret=secret)


def get_endpoint(db: Session, ctx: TenantContext, endpoint_id: int) -> WebhookEndpoint:
    require(ctx, Feature.MANAGE_STORE_INFO)
    row = db.get(WebhookEndpoint, endpoint_id)
    if row is None:
        raise NotFound(t("webhooks.not_found", ctx.locale))
    return row


def list_endpoints(db: Session, ctx: TenantContext) -> list[WebhookEndpoint]:
    require(ctx, Feature.MANAGE_STORE_INFO)
    return list(db.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id)))


def update_endpoint(db: Session, ctx: TenantContext, endpoint_id: int, *, url: str | None = None,
                    event_types: list[str] | None = None, description: str | None = None,
                    enabled: bool | None = None) -> WebhookEndpoint:
    row = get_endpoint(db, ctx, endpoint_id)
    clean_url, events, text = _validated(
        row.url if url is None else url, row.events if event_types is None else event_types,
        row.description if description is None else description, ctx.locale)
    before = {"url": row.url, "event_types": row.event_types, "description": row.description, "enabled": row.enabled}
    row.url, row.event_types, row.description = clean_url, events, text
    if enabled is not None:
        row.enabled = bool(enabled)
    if not row.enabled:
        _cancel_waiting(db, row.id)
    db.flush()
    after = {"url": row.url, "event_types": row.event_types, "description": row.description, "enabled": row.enabled}
    changed = [k for k in before if before[k] != after[k]]
    if changed:
        audit(db, ctx, entity=row, action="webhook_endpoint_updated",
              before={k: before[k] for k in changed}, after={k: after[k] for k in changed})
    return row


def _cancel_waiting(db: Session, endpoint_id: int) -> None:
    db.execute(update(WebhookDelivery)
               .where(WebhookDelivery.endpoint_id == endpoint_id, WebhookDelivery.status == DeliveryStatus.PENDING)
               .values(status=DeliveryStatus.CANCELLED, next_attempt_at=None, last_error="endpoint disabled")
               .execution_options(synchronize_session=False))


def rotate_secret(db: Session, ctx: TenantContext, endpoint_id: int) -> EndpointSecret:
    row = get_endpoint(db, ctx, endpoint_id)
    secret = _new_secret()
    row.previous_secret_encrypted = row.secret_encrypted
    row.previous_secret_expires_at = utcnow() + ROTATION_OVERLAP
    row.secret_encrypted = encrypt_secret(secret)
    db.flush()
    audit(db, ctx, entity=row, action="webhook_secret_rotated",
          after={"previous_valid_until": row.previous_secret_expires_at.isoformat()})
    return EndpointSecret(endpoint=row, secret=secret)


def delete_endpoint(db: Session, ctx: TenantContext, endpoint_id: int) -> None:
    row = get_endpoint(db, ctx, endpoint_id)
    audit(db, ctx, entity=row, action="webhook_endpoint_deleted", before={"url": row.url})
    db.delete(row)
    db.flush()


def signing_secrets(endpoint: WebhookEndpoint) -> list[str]:
    """The secrets that sign a delivery now: the current one, and the previous one while it lasts."""
    found = [decrypt_secret(endpoint.secret_encrypted)]
    if endpoint.previous_secret_encrypted and endpoint.previous_secret_expires_at \
            and endpoint.previous_secret_expires_at > utcnow():
        found.append(decrypt_secret(endpoint.previous_secret_encrypted))
    return found
