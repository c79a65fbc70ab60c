"""A store's Calendly connection: connect with a token, map event types, keep the webhook alive.

Functions that talk to Calendly first commit whatever the session holds, so no database lock
(SQLite takes its write lock at BEGIN) is held while waiting on the network or a rate-limit reset.
The token and the webhook signing key are stored encrypted and never leave this module in clear.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub_app.domain.accounts.models import AppUser
from hub_app.domain.audit.service import record as audit
from hub_app.domain.calendly.client import (
    CalendlyClient, CalendlyError, CalendlyNotFound, CalendlyRateLimited, CalendlyRequestError,
    CalendlyUnauthorized, CalendlyUser, EventType, WebhookSubscription,
)
from hub_app.domain.errors import DomainError, NotFound, RateLimited, ValidationFailed
from hub_app.domain.integrations.models import (
    CalendlyConnection, CalendlyConnectionState, CalendlyEventTypeLink,
)
from hub_app.domain.notifications.models import Channel, Notification, NotificationKind
from hub_app.domain.permissions import Feature, require
from hub_app.domain.scheduling.service import get_calendar, get_service, service_calendar_ids
from hub_app.domain.secrets import decrypt_secret, encrypt_secret, mask
from hub_app.domain.stores.models import Store
from hub_app.domain.tenancy import TenantContext
from hub_app.domain.types import utcnow
from hub_app.i18n import t
from hub_app.settings import get_settings

logger = logging.getLogger(__name__)

WEBHOOK_EVENTS = ["invitee.created", "invitee.canceled"]
# Webhook subscriptions need a paid Calendly plan; without one the sync runs on the periodic job.
WEBHOOK_UNAVAILABLE = "unavailable"

ClientFactory = Callable[[str], CalendlyClient]


class CalendlyUnavailable(DomainError):
    """Calendly did not answer usefully (5xx, network): nothing was changed, try again later."""

    code = "provider_unavailable"
    http_status = 503


@dataclass(frozen=True)
class EventTypeMapping:
    event_type: EventType
    calendar_id: int | None
    service_id: int | None


@dataclass(frozen=True)
class CalendlyStatus:
    state: str  # "not_connected", "connected", "broken", "disconnected"
    webhook_state: str | None
    last_error: str | None
    last_synced_at: datetime | None
    user_uri: str | None
    organization_uri: str | None
    token: str  # masked: whether one is stored, never any of it
    links: tuple[CalendlyEventTypeLink, ...]


def callback_url(store_id: int) -> str:
    """Where Calendly posts this store's events; the id selects the signing key to verify with."""
    return f"{get_settings().public_base_url.rstrip('/')}/webhooks/calendly/{store_id}"


def release_lock(db: Session) -> None:
    """End the current transaction before a network call (see module docstring)."""
    if db.in_transaction():
        db.commit()


def _store_id(ctx: TenantContext) -> int:
    if ctx.store_id is None:
        raise NotFound(t("store.not_found", ctx.locale))
    return ctx.store_id


def get_connection(db: Session, ctx: TenantContext) -> CalendlyConnection | None:
    # Tenant scoping limits the table to ctx's store; the store id is also unique per row.
    return db.scalar(select(CalendlyConnection).where(CalendlyConnection.store_id == _store_id(ctx)))


def _connected(db: Session, ctx: TenantContext) -> CalendlyConnection:
    conn = get_connection(db, ctx)
    if conn is None or conn.state != CalendlyConnectionState.CONNECTED or not conn.token_encrypted:
        message = t("calendly.not_connected", ctx.locale)
        raise ValidationFailed(message, fields={"token": message})
    return conn


def token_of(conn: CalendlyConnection) -> str:
    return decrypt_secret(conn.token_encrypted or "")


def signing_key_of(conn: CalendlyConnection) -> str | None:
    return decrypt_secret(conn.signing_key_encrypted) if conn.signing_key_encrypted else None


def links(db: Session) -> dict[str, CalendlyEventTypeLink]:
    return {link.event_type_uri: link for link in db.scalars(select(CalendlyEventTypeLink))}


def status(db: Session, ctx: TenantContext) -> CalendlyStatus:
    require(ctx, Feature.MANAGE_CALENDARS)
    conn = get_connection(db, ctx)
    if conn is None:
        return CalendlyStatus("not_connected", None, None, None, None, None, mask(None), ())
    return CalendlyStatus(
        state=conn.state.value, webhook_state=conn.webhook_state, last_error=conn.last_error,
        last_synced_at=conn.last_synced_at, user_uri=conn.user_uri, organization_uri=conn.organization_uri,
        token=mask(conn.token_encrypted), links=tuple(sorted(links(db).values(), key=lambda link: link.name)),
    )


def unavailable(exc: CalendlyError, locale: str | None) -> DomainError:
    """The domain error an adapter shows for a Calendly failure that is not the token's fault."""
    if isinstance(exc, CalendlyRateLimited):
        return RateLimited(t("calendly.rate_limited", locale), retry_after=exc.reset_seconds)
    return CalendlyUnavailable(t("calendly.unavailable", locale, error=exc.title))


# --- connect / disconnect -----------------------------------------------------------------------


def connect(db: Session, ctx: TenantContext, token: str, *,
            client_factory: ClientFactory = CalendlyClient) -> tuple[CalendlyStatus, list[EventType]]:
    """Check the token with GET /users/me, list its event types and subscribe to its invitees."""
    require(ctx, Feature.MANAGE_CALENDARS)
    store_id = _store_id(ctx)
    token = (token or "").strip()
    if not token or len(token) > 2000:
        message = t("validation.required", ctx.locale)
        raise ValidationFailed(message, fields={"token": message})
    existing = get_connection(db, ctx)
    old_token = token_of(existing) if existing is not None and existing.token_encrypted else None
    old_subscription = existing.webhook_subscription_uri if existing is not None else None
    release_lock(db)
    signing_key = secrets.token_urlsafe(32)
    try:
        with client_factory(token) as client:
            user = client.get_me()
            event_types = client.list_event_types(user=user.uri)
            if old_subscription and old_token:
                _delete_quietly(client_factory, old_token, old_subscription)
            subscription, webhook_error = create_subscription(client, store_id, user, signing_key)
    except CalendlyUnauthorized:
        message = t("calendly.token_rejected", ctx.locale)
        raise ValidationFailed(message, fields={"token": message}) from None
    except CalendlyError as exc:
        raise unavailable(exc, ctx.locale) from exc
    conn = existing or CalendlyConnection(store_id=store_id)
    conn.token_encrypted = encrypt_secret(token)
    conn.user_uri = user.uri
    conn.organization_uri = user.organization_uri
    conn.state = CalendlyConnectionState.CONNECTED
    conn.last_error = webhook_error
    _set_subscription(conn, subscription, signing_key)
    db.add(conn)
    db.flush()
    audit(db, ctx, entity=conn, action="calendly_connected",
          after={"user_uri": user.uri, "webhook_state": conn.webhook_state})
    return status(db, ctx), event_types


def _set_subscription(conn: CalendlyConnection, subscription: WebhookSubscription | None, signing_key: str) -> None:
    if subscription is None:
        conn.webhook_subscription_uri = None
        conn.signing_key_encrypted = None
        conn.webhook_state = WEBHOOK_UNAVAILABLE
        return
    conn.webhook_subscription_uri = subscription.uri
    conn.signing_key_encrypted = encrypt_secret(signing_key)
    conn.webhook_state = subscription.state


def create_subscription(client: CalendlyClient, store_id: int, user: CalendlyUser,
                        signing_key: str) -> tuple[WebhookSubscription | None, str | None]:
    """Subscribe to this user's invitee events. Returns (subscription or None, why not)."""
    url = callback_url(store_id)

    def create() -> WebhookSubscription:
        return client.create_webhook_subscription(url=url, events=WEBHOOK_EVENTS, organization=user.organization_uri,
                                                  scope="user", user=user.uri, signing_key=signing_key)

    try:
        return create(), None
    except CalendlyRequestError as exc:
        if exc.status == 403:  # free plan: no webhooks (the periodic sync still runs)
            return None, f"{exc.title}: {exc.message}"[:500]
        if exc.status != 409:
            raise
    # 409: a subscription for this URL exists (left over, signed with a key we no longer have).
    for existing in client.list_webhook_subscriptions(organization=user.organization_uri, scope="user", user=user.uri):
        if existing.callback_url == url:
            client.delete_webhook_subscription(existing.uri)
    return create(), None


def _delete_quietly(client_factory: ClientFactory, token: str, subscription_uri: str) -> str | None:
    """Delete an old subscription; a revoked token or a gone subscription is not an error here."""
    try:
        with client_factory(token) as client:
            client.delete_webhook_subscription(subscription_uri)
    except (CalendlyNotFound, CalendlyUnauthorized):
        return None
    except CalendlyError as exc:
        logger.warning("Could not delete Calendly subscription %s: %s", subscription_uri, exc)
        return str(exc)[:500]
    return None


def disconnect(db: Session, ctx: TenantContext, *, client_factory: ClientFactory = CalendlyClient) -> CalendlyStatus:
    """Delete the webhook subscription and forget the token and key (bookings are kept)."""
    require(ctx, Feature.MANAGE_CALENDARS)
    conn = get_connection(db, ctx)
    if conn is None:
        return status(db, ctx)
    token = token_of(conn) if conn.token_encrypted else None
    subscription = conn.webhook_subscription_uri
    release_lock(db)
    error = _delete_quietly(client_factory, token, subscription) if token and subscription else None
    conn.token_encrypted = None
    conn.signing_key_encrypted = None
    conn.webhook_subscription_uri = None
    conn.webhook_state = None
    conn.state = CalendlyConnectionState.DISCONNECTED
    conn.last_error = t("calendly.subscription_left", ctx.locale, error=error) if error else None
    audit(db, ctx, entity=conn, action="calendly_disconnected")
    db.flush()
    return status(db, ctx)


# --- webhook subscription upkeep ----------------------------------------------------------------


def ensure_subscription(db: Session, ctx: TenantContext, conn: CalendlyConnection, client: CalendlyClient) -> str:
    """Check the subscription; recreate it (with a new signing key) when Calendly disabled or lost it.

    Without one (a free plan refused it) creating is tried again: the store may have upgraded.
    The caller has released the lock and owns `client`; CalendlyUnauthorized propagates.
    """
    if conn.webhook_subscription_uri:
        try:
            current = client.get_webhook_subscription(conn.webhook_subscription_uri)
        except CalendlyNotFound:
            current = None
        if current is not None and current.state == "active":
            conn.webhook_state = "active"
            return conn.webhook_state
        if current is not None:  # disabled after 24 h of failed deliveries: only a new one works
            try:
                client.delete_webhook_subscription(current.uri)
            except CalendlyNotFound:
                pass
    user = CalendlyUser(uri=conn.user_uri or "", name="", email="", timezone=None, scheduling_url=None,
                        organization_uri=conn.organization_uri or "")
    signing_key = secrets.token_urlsafe(32)
    subscription, error = create_subscription(client, _store_id(ctx), user, signing_key)
    _set_subscription(conn, subscription, signing_key)
    if subscription is not None:
        audit(db, ctx, entity=conn, action="calendly_webhook_recreated", after={"uri": subscription.uri})
    conn.last_error = error
    return conn.webhook_state or ""


def refresh_subscription(db: Session, ctx: TenantContext, *,
                         client_factory: ClientFactory = CalendlyClient) -> CalendlyStatus:
    """A manager's "check webhook" button: the same upkeep the periodic job does."""
    require(ctx, Feature.MANAGE_CALENDARS)
    conn = _connected(db, ctx)
    token = token_of(conn)
    release_lock(db)
    try:
        with client_factory(token) as client:
            ensure_subscription(db, ctx, conn, client)
    except CalendlyUnauthorized as exc:
        raise broken(db, ctx, conn, exc) from exc
    except CalendlyError as exc:
        raise unavailable(exc, ctx.locale) from exc
    db.flush()
    return status(db, ctx)


# --- a revoked token ----------------------------------------------------------------------------


def mark_broken(db: Session, ctx: TenantContext, conn: CalendlyConnection, exc: CalendlyError) -> None:
    """401: stop syncing, show why on the status, and tell the store's manager once."""
    if conn.state == CalendlyConnectionState.BROKEN:
        return
    conn.state = CalendlyConnectionState.BROKEN
    conn.last_error = str(exc)[:500]
    audit(db, ctx, entity=conn, action="calendly_broken", after={"error": conn.last_error})
    store = db.get(Store, conn.store_id)
    manager = db.get(AppUser, store.manager_user_id) if store and store.manager_user_id else None
    if store is None or manager is None:
        return
    locale = manager.locale or store.locale
    db.add(Notification(
        store_id=store.id, recipient_user_id=manager.id, type=Channel.EMAIL, kind=NotificationKind.ACCOUNT,
        subject=t("calendly.broken_subject", locale),
        body=t("calendly.broken_body", locale, store=store.name),
        to_address=manager.email,
        dedupe_key=f"calendly-broken:{conn.id}:{utcnow():%Y%m%dT%H%M%S}",
    ))


def broken(db: Session, ctx: TenantContext, conn: CalendlyConnection, exc: CalendlyError) -> DomainError:
    """Mark the connection broken, keep that (commit), and return the error for the adapter."""
    mark_broken(db, ctx, conn, exc)
    db.commit()
    return ValidationFailed(t("calendly.token_rejected", ctx.locale),
                            fields={"token": t("calendly.token_rejected", ctx.locale)})


# --- event types and their mapping ----------------------------------------------------------------


def list_event_types(db: Session, ctx: TenantContext, *,
                     client_factory: ClientFactory = CalendlyClient) -> list[EventTypeMapping]:
    """Every event type of the connected user (all pages) with the calendar/service it maps to."""
    require(ctx, Feature.MANAGE_CALENDARS)
    conn = _connected(db, ctx)
    token, user_uri = token_of(conn), conn.user_uri
    mapped = {uri: (link.calendar_id, link.service_id) for uri, link in links(db).items()}
    release_lock(db)
    try:
        with client_factory(token) as client:
            event_types = client.list_event_types(user=user_uri)
    except CalendlyUnauthorized as exc:
        raise broken(db, ctx, conn, exc) from exc
    except CalendlyError as exc:
        raise unavailable(exc, ctx.locale) from exc
    return [EventTypeMapping(et, *mapped.get(et.uri, (None, None))) for et in event_types]


def map_event_type(db: Session, ctx: TenantContext, event_type_uri: str, calendar_id: int, service_id: int,
                   name: str = "") -> CalendlyEventTypeLink:
    """Bookings of this Calendly event type land on `calendar_id` as `service_id`."""
    require(ctx, Feature.MANAGE_CALENDARS)
    _store_id(ctx)
    uri = (event_type_uri or "").strip()
    if not uri.startswith(("https://", "http://")) or len(uri) > 300:
        raise ValidationFailed(t("calendly.event_type_invalid", ctx.locale),
                               fields={"event_type_uri": t("calendly.event_type_invalid", ctx.locale)})
    calendar = get_calendar(db, ctx, calendar_id)
    service = get_service(db, ctx, service_id)
    if calendar.id not in service_calendar_ids(db, service.id):
        message = t("booking.calendar_invalid", ctx.locale)
        raise ValidationFailed(message, fields={"calendar_id": message})
    link = db.scalar(select(CalendlyEventTypeLink).where(CalendlyEventTypeLink.event_type_uri == uri))
    before = {"calendar_id": link.calendar_id, "service_id": link.service_id} if link else None
    if link is None:
        link = CalendlyEventTypeLink(store_id=ctx.store_id, event_type_uri=uri)
        db.add(link)
    link.calendar_id, link.service_id = calendar.id, service.id
    link.name = (name or link.name or "").strip()[:200]
    db.flush()
    audit(db, ctx, entity=link, action="calendly_mapped", before=before,
          after={"event_type_uri": uri, "calendar_id": calendar.id, "service_id": service.id})
    return link


def unmap_event_type(db: Session, ctx: TenantContext, event_type_uri: str) -> None:
    require(ctx, Feature.MANAGE_CALENDARS)
    _store_id(ctx)
    link = db.scalar(select(CalendlyEventTypeLink).where(CalendlyEventTypeLink.event_type_uri == event_type_uri))
    if link is None:
        raise NotFound(t("calendly.event_type_invalid", ctx.locale))
    audit(db, ctx, entity=link, action="calendly_unmapped", before={"event_type_uri": link.event_type_uri})
    db.delete(link)
    db.flush()
