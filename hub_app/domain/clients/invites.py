"""Inviting a person to be a store's client, and the person accepting.

The store types an email address (and a name, if it likes); the person receives a signed,
single-use, expiring link. Until they accept, the store sees only what it typed, and the answer
never says whether the address has an account. Accepting (signed in, or registering through
the link when the address is new to the platform) makes them a client of this store, whom its
staff may then book for. Accepting an invitation sent for an unclaimed Calendly record also
moves that record's bookings to the accepting account (`unclaimed.claim`).

The token is signed with HUB_SECRET_KEY (itsdangerous) and names the store, the invitation and
a random nonce whose SHA-256 the row keeps: accepting clears it (the link works once), inviting
again replaces it (older links stop working), and `INVITE_MAX_AGE` ends it.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, replace
from datetime import timedelta
from urllib.parse import urlencode

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub_app.domain.accounts.models import AppUser, UserRole
from hub_app.domain.accounts.service import ClientDetails, register_client
from hub_app.domain.audit.service import record
from hub_app.domain.clients.membership import is_store_client
from hub_app.domain.clients.models import StoreClient, StoreClientStatus
from hub_app.domain.clients.unclaimed import claim
from hub_app.domain.errors import Conflict, NotAuthenticated, PermissionDenied, RateLimited, ValidationFailed
from hub_app.domain.notifications.models import Channel, Notification, NotificationKind, NotificationStatus
from hub_app.domain.notifications.outbox import acting_for_store, add_once
from hub_app.domain.outbound_webhooks import events as webhook_events
from hub_app.domain.permissions import Feature, require
from hub_app.domain.stores.models import Store
from hub_app.domain.tenancy import TenantContext
from hub_app.domain.types import utcnow
from hub_app.domain.validation import normalize_email
from hub_app.i18n import t
from hub_app.settings import get_settings

INVITE_MAX_AGE = int(timedelta(days=7).total_seconds())
INVITES_PER_STORE_PER_HOUR = 100
_SALT = "hub.store-invite"


@dataclass(frozen=True)
class Invitation:
    client: StoreClient
    link: str


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(get_settings().hub_secret_key, salt=_SALT)


def _digest(nonce: str) -> str:
    return hashlib.sha256(nonce.encode()).hexdigest()


def invite_link(token: str) -> str:
    """`{public_base_url}/invite?token=…` (the page lets the person sign in or register)."""
    return f"{get_settings().public_base_url.rstrip('/')}/invite?{urlencode({'token': token})}"


def _clean(text: str | None, size: int) -> str:
    return (text or "").strip()[:size]


def invite_client(db: Session, ctx: TenantContext, email: str, first_name: str = "",
                  last_name: str = "") -> Invitation:
    """Invite `email` to be a client of the context's store and queue the email with the link.

    Answers alike whether or not the address has an account. An address the store already
    invited (or got from Calendly) gets a fresh link; a client who already accepted is a Conflict.
    """
    require(ctx, Feature.MANAGE_BOOKINGS)
    if ctx.store_id is None or ctx.user_id is None:
        raise PermissionDenied(t("auth.forbidden", ctx.locale))
    address = normalize_email(email, locale=ctx.locale)
    store = db.get(Store, ctx.store_id)
    rows = list(db.scalars(select(StoreClient).where(StoreClient.store_id == store.id, StoreClient.email == address)
                           .order_by(StoreClient.id)))
    if any(r.status == StoreClientStatus.ACTIVE for r in rows):
        message = t("invite.already_client", ctx.locale)
        raise Conflict(message, fields={"email": message})
    _check_rate(db, ctx, store.id)
    # One pending invitation per address and store: an unclaimed Calendly record for the address
    # is the one to claim, else an earlier invitation gets a fresh link; others are superseded.
    unclaimed = [r for r in rows if r.status == StoreClientStatus.UNCLAIMED]
    invited = [r for r in rows if r.status == StoreClientStatus.INVITED]
    row = (unclaimed or invited or [None])[0]
    for stale in invited:
        if stale is not row:
            db.delete(stale)
    if row is None:
        row = StoreClient(store_id=store.id, status=StoreClientStatus.INVITED, email=address)
        db.add(row)
    if row.status == StoreClientStatus.INVITED:
        row.first_name = _clean(first_name, 100) or row.first_name
        row.last_name = _clean(last_name, 100) or row.last_name
    nonce = secrets.token_urlsafe(16)
    row.invite_token_hash, row.invited_at, row.invited_by_user_id = _digest(nonce), utcnow(), ctx.user_id
    db.flush()
    link = invite_link(_serializer().dumps({"s": store.id, "i": row.id, "n": nonce}))
    _queue_email(db, store, row, ctx.user_id, link)
    record(db, ctx, entity=row, action="invited", after={"email": address})
    return Invitation(row, link)


def _check_rate(db: Session, ctx: TenantContext, store_id: int) -> None:
    """Invitations send email to addresses the store typed: a cap keeps a store from mailing
    the world through the platform."""
    since = utcnow() - timedelta(hours=1)
    sent = db.scalar(select(func.count(StoreClient.id)).where(
        StoreClient.store_id == store_id, StoreClient.invited_at >= since)) or 0
    if sent >= INVITES_PER_STORE_PER_HOUR:
        raise RateLimited(t("invite.too_many", ctx.locale, limit=INVITES_PER_STORE_PER_HOUR), retry_after=3600)


def _queue_email(db: Session, store: Store, row: StoreClient, sender_id: int, link: str) -> None:
    locale = store.locale or "en"
    subject = t("invite.email.subject", locale, store=store.name)
    body = t("invite.email.body", locale, store=store.name, name=row.first_name or row.email, link=link,
             days=INVITE_MAX_AGE // 86400)
    # The row's recipient must be an account: never the invitee's (whether one exists stays
    # unknown to the store, and the dashboard's history would show its name), so the placeholder
    # of an unclaimed record or the inviting staff member; the address is the one typed.
    recipient = row.user_id if row.status == StoreClientStatus.UNCLAIMED and row.user_id else sender_id
    notification = Notification(
        store_id=store.id, recipient_user_id=recipient, type=Channel.EMAIL, kind=NotificationKind.ACCOUNT,
        subject=subject, body=body, to_address=row.email, status=NotificationStatus.PENDING,
        dedupe_key=f"store-invite:{row.id}:{row.invite_token_hash[:16]}", next_attempt_at=utcnow(),
    )
    with acting_for_store(db, store.id):
        add_once(db, notification)


def _refused(key: str, reason: str, locale: str | None) -> ValidationFailed:
    message = t(key, locale)
    return ValidationFailed(message, fields={"token": message}, reason=reason)


def invite_store_id(token: str, locale: str | None = None) -> int:
    """The store a valid, unexpired token was issued by (read before opening that store's scope)."""
    return _payload(token, locale)[0]


def _payload(token: str, locale: str | None) -> tuple[int, int, str]:
    try:
        data = _serializer().loads(token or "", max_age=INVITE_MAX_AGE)
    except SignatureExpired:
        raise _refused("invite.link_expired", "expired", locale) from None
    except BadSignature:
        raise _refused("invite.link_invalid", "invalid", locale) from None
    if not isinstance(data, dict) or not all(isinstance(data.get(k), int) for k in ("s", "i")) \
            or not isinstance(data.get("n"), str):
        raise _refused("invite.link_invalid", "invalid", locale)
    return data["s"], data["i"], data["n"]


def _pending(db: Session, token: str, locale: str | None) -> StoreClient:
    store_id, invite_id, nonce = _payload(token, locale)
    row = db.scalar(select(StoreClient).where(StoreClient.id == invite_id, StoreClient.store_id == store_id)
                    .with_for_update())
    if row is None:
        raise _refused("invite.link_invalid", "invalid", locale)
    if row.invite_token_hash is None or not secrets.compare_digest(row.invite_token_hash, _digest(nonce)):
        raise _refused("invite.link_used", "used", locale)
    return row


@dataclass(frozen=True)
class InviteView:
    store_id: int
    store_name: str
    store_slug: str
    email: str


def read_invite(db: Session, token: str, locale: str | None = None) -> InviteView:
    """What the link's page shows before the person decides: the store and the invited address."""
    store_id = invite_store_id(token, locale)
    with acting_for_store(db, store_id):
        row = _pending(db, token, locale)
        store = db.get(Store, store_id)
        return InviteView(store.id, store.name, store.slug, row.email)


def accept_invite(db: Session, ctx: TenantContext, token: str) -> StoreClient:
    """The signed-in client accepts: from now on a client of the inviting store."""
    if ctx.user_id is None:
        raise NotAuthenticated(t("auth.not_signed_in", ctx.locale))
    if ctx.role != UserRole.CLIENT:
        raise PermissionDenied(t("invite.clients_only", ctx.locale))
    store_id = invite_store_id(token, ctx.locale)
    with acting_for_store(db, store_id):
        row = _pending(db, token, ctx.locale)
        return _link(db, replace(ctx, store_id=store_id), row, db.get(AppUser, ctx.user_id))


def accept_invite_registering(db: Session, token: str, details: ClientDetails) -> AppUser:
    """Register through the link (an address new to the platform) and accept in one step.

    The account gets the invited address: the link reached that mailbox, which proves it.
    """
    store_id = invite_store_id(token, details.locale)
    with acting_for_store(db, store_id):
        email = _pending(db, token, details.locale).email
        store = db.get(Store, store_id)
    try:
        user = register_client(db, replace(details, email=email), region=store.country or "GR")
    except Conflict:
        message = t("invite.sign_in_to_accept", details.locale)
        raise Conflict(message, fields={"email": message}) from None
    with acting_for_store(db, store_id):
        _link(db, TenantContext.for_user(user, store_id=store_id), _pending(db, token, details.locale), user)
    return user


def _link(db: Session, ctx: TenantContext, row: StoreClient, user: AppUser) -> StoreClient:
    existing = db.scalar(select(StoreClient).where(StoreClient.store_id == row.store_id,
                                                   StoreClient.user_id == user.id, StoreClient.id != row.id))
    if row.status == StoreClientStatus.UNCLAIMED and row.user_id is not None:
        claim(db, row, user)  # the Calendly record's bookings now belong to the person
    row.invite_token_hash = None
    if existing is not None:
        # Already linked (an earlier invitation under another address): one row per person.
        existing.status, existing.accepted_at = StoreClientStatus.ACTIVE, existing.accepted_at or utcnow()
        db.delete(row)
        db.flush()
        record(db, ctx, entity=existing, action="invite_accepted")
        return existing
    already_client = is_store_client(db, row.store_id, user.id)
    row.user_id, row.status, row.accepted_at = user.id, StoreClientStatus.ACTIVE, utcnow()
    db.flush()
    record(db, ctx, entity=row, action="invite_accepted")
    if not already_client:
        webhook_events.client_created(db, row.store_id, user.id)
    return row


def pending_invitations(db: Session, ctx: TenantContext) -> list[StoreClient]:
    """The store's invitations nobody accepted yet, newest first (only what the store typed)."""
    require(ctx, Feature.VIEW_CLIENTS)
    return list(db.scalars(select(StoreClient).where(
        StoreClient.store_id == ctx.store_id, StoreClient.status == StoreClientStatus.INVITED)
        .order_by(StoreClient.invited_at.desc(), StoreClient.id.desc())))
