"""The export document: everything the hub holds about one person, as plain JSON values.

Two scopes: the person's whole account (the person themself, or an admin on their request),
or what ONE store holds about its client (the store's manager on the client's request). The
keys are documented in `KEYS` (and in the README); `export_files.py` turns the document into the
downloadable files. Each export is audited and limited to `EXPORTS_PER_DAY` per person and scope.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from sqlalchemy import Text, and_, cast, func, or_, select, true
from sqlalchemy.orm import Session

from hub_app import db as hub_db
from hub_app.domain.accounts.models import AppUser, AuthSession, LoginFailure, UserRole
from hub_app.domain.audit.models import AuditEntry
from hub_app.domain.audit.service import json_ready, record
from hub_app.domain.billing.models import Payment, ServiceSubscription
from hub_app.domain.bookings.models import Booking
from hub_app.domain.calendar_sync.models import CalendarSyncConflict, CalendarSyncEvent
from hub_app.domain.clients.membership import is_store_client, record_addresses
from hub_app.domain.clients.models import StoreClient
from hub_app.domain.errors import NotFound, PermissionDenied, RateLimited
from hub_app.domain.integrations.models import WebhookEvent
from hub_app.domain.notifications.models import Notification
from hub_app.domain.permissions import Feature, require
from hub_app.domain.scheduling.models import Service
from hub_app.domain.stores.models import Store
from hub_app.domain.tenancy import TenantContext
from hub_app.domain.types import utcnow
from hub_app.i18n import t

FORMAT = "appointment-hub.personal-data"
VERSION = 1
EXPORTS_PER_DAY = 5
EXPORT_ACTION = "personal_data_exported"

# Every top-level key of the document and what it holds (shown in the readable copy and README).
KEYS = {
    "format": "always \"appointment-hub.personal-data\"",
    "version": "the document's layout version (1)",
    "generated_at": "when the export was made (UTC, ISO 8601)",
    "scope": "\"account\" (everything, every store) or \"store\" (what one store holds), and that store",
    "profile": "the account: names, email, phone, address, age, language, role, dates",
    "bookings": "every booking, with its store and service names, times, amounts and notes",
    "payments": "charges and refunds: amounts, currency, status, dates, Stripe ids",
    "subscriptions": "recurring services subscribed to, with status and period",
    "notifications": "every email and SMS written to the person: address, subject, text, status",
    "store_links": "stores the person is a client of by invitation, and invitations to their address",
    "sessions": "sign-ins (devices): when, from which address, until when, whether ended",
    "sign_in_failures": "failed sign-ins with the person's email: when and from which address",
    "audit_entries": "the change log's entries about the person's account and rows",
    "calendar_sync": "copies of their bookings written to outside calendars, and overlaps found",
    "calendly": "Calendly ids of bookings made there, and Calendly deliveries naming the person",
}

# Secrets and internal keys: never part of an export.
_NEVER = {"password_hash", "token_hash", "invite_token_hash", "checkout_request_key", "idempotency_key",
          "password_encrypted", "token_encrypted", "signing_key_encrypted"}


def plain_row(row: Any) -> dict[str, Any]:
    """A row's columns as JSON values, secrets left out."""
    return {c.name: json_ready(getattr(row, c.name)) for c in row.__table__.columns if c.name not in _NEVER}


@dataclass(frozen=True)
class Scope:
    """Whose data, and whether all of it (store_id None) or one store's."""

    user_id: int
    store_id: int | None = None


def export_scope(db: Session, ctx: TenantContext, user_id: int, *, store_wide: bool) -> Scope:
    """Check who may export what: a person their own account, an admin anyone's, a store's staff
    what their store holds about one of its clients (NotFound for anyone else: ids prove nothing)."""
    if store_wide:
        require(ctx, Feature.VIEW_CLIENTS)
        if ctx.store_id is None or not isinstance(user_id, int) or not is_store_client(db, ctx.store_id, user_id):
            raise NotFound(t("user.not_found", ctx.locale))
        user = db.get(AppUser, user_id)
        if user is None or user.role != UserRole.CLIENT:
            raise NotFound(t("user.not_found", ctx.locale))
        return Scope(user_id, ctx.store_id)
    if ctx.user_id is None:
        require(ctx, Feature.MANAGE_PROFILE)  # raises "not signed in"
    if user_id != ctx.user_id and not ctx.is_admin:
        raise PermissionDenied(t("auth.forbidden", ctx.locale))
    if db.get(AppUser, user_id) is None:
        raise NotFound(t("user.not_found", ctx.locale))
    return Scope(user_id, None)


def check_export_allowance(db: Session, ctx: TenantContext, scope: Scope) -> None:
    """At most EXPORTS_PER_DAY exports of one person (per scope) in 24 hours, counted from the audit log."""
    since = utcnow() - timedelta(hours=24)
    store_match = AuditEntry.store_id.is_(None) if scope.store_id is None else AuditEntry.store_id == scope.store_id
    times = list(db.scalars(select(AuditEntry.at).where(
        AuditEntry.entity_type == "app_user", AuditEntry.entity_id == scope.user_id,
        AuditEntry.action == EXPORT_ACTION, store_match, AuditEntry.at >= since).order_by(AuditEntry.at)))
    if len(times) >= EXPORTS_PER_DAY:
        wait = max(60, int((times[0] + timedelta(hours=24) - utcnow()).total_seconds()))
        raise RateLimited(t("privacy.export_too_often", ctx.locale, count=EXPORTS_PER_DAY,
                            hours=max(1, -(-wait // 3600))), retry_after=wait)


def export_personal_data(db: Session, ctx: TenantContext, user_id: int, *, store_wide: bool = False) -> dict:
    """Check, count, audit and build the export. `db` must see every store the scope covers
    (system work for a whole account: a person's rows are spread over stores)."""
    scope = export_scope(db, ctx, user_id, store_wide=store_wide)
    check_export_allowance(db, ctx, scope)
    document = build_document(db, scope)
    user = db.get(AppUser, user_id)
    # Who, when and which scope; never the exported data.
    record(db, ctx, entity=user, action=EXPORT_ACTION, store_id=scope.store_id,
           after={"scope": "store" if scope.store_id else "account",
                  "bookings": len(document["bookings"]), "payments": len(document["payments"])})
    db.flush()
    return document


def build_document(db: Session, scope: Scope) -> dict:
    user = db.get(AppUser, scope.user_id)
    in_store = (lambda column: column == scope.store_id) if scope.store_id is not None else (lambda column: true())
    bookings = list(db.scalars(select(Booking).where(Booking.client_user_id == user.id, in_store(Booking.store_id))
                               .order_by(Booking.start_at, Booking.id)))
    booking_ids = [b.id for b in bookings]
    names = _names(db, bookings)
    store_links = list(db.scalars(select(StoreClient).where(
        or_(StoreClient.user_id == user.id, StoreClient.email == user.email), in_store(StoreClient.store_id))
        .order_by(StoreClient.id)))
    document: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "generated_at": utcnow().isoformat(),
        "scope": _scope_part(db, scope),
        "profile": _profile(db, user, scope),
        "bookings": [{**plain_row(b), "store_name": names[0].get(b.store_id, ""),
                      "service_name": names[1].get(b.service_id, "")} for b in bookings],
        "payments": [plain_row(p) for p in db.scalars(select(Payment).where(
            Payment.user_id == user.id, in_store(Payment.store_id)).order_by(Payment.payment_date, Payment.id))],
        "subscriptions": [plain_row(s) for s in db.scalars(select(ServiceSubscription).where(
            ServiceSubscription.client_user_id == user.id, in_store(ServiceSubscription.store_id))
            .order_by(ServiceSubscription.id))],
        "notifications": [plain_row(n) for n in db.scalars(select(Notification).where(
            Notification.recipient_user_id == user.id, in_store(Notification.store_id))
            .order_by(Notification.created_at, Notification.id))],
        "store_links": [plain_row(s) for s in store_links],
        "sessions": [],
        "sign_in_failures": [],
        "audit_entries": [plain_row(a) for a in db.scalars(select(AuditEntry).where(
            about_person(user.id, booking_ids, [s.id for s in store_links]),
            AuditEntry.store_id == scope.store_id if scope.store_id is not None else true())
            .order_by(AuditEntry.at, AuditEntry.id))],
        "calendar_sync": {"events": [], "conflicts": []},
        "calendly": {"bookings": [{"booking_id": b.id, "event_uri": b.calendly_event_uri,
                                   "invitee_uri": b.calendly_invitee_uri} for b in bookings if b.calendly_event_uri],
                     "deliveries": []},
    }
    if booking_ids:
        document["calendar_sync"] = {
            "events": [plain_row(e) for e in db.scalars(select(CalendarSyncEvent).where(
                CalendarSyncEvent.booking_id.in_(booking_ids)).order_by(CalendarSyncEvent.id))],
            "conflicts": [plain_row(c) for c in db.scalars(select(CalendarSyncConflict).where(
                CalendarSyncConflict.booking_id.in_(booking_ids)).order_by(CalendarSyncConflict.id))],
        }
    document["calendly"]["deliveries"] = [
        {k: v for k, v in plain_row(w).items() if k != "last_error"}
        for w in deliveries_naming(db, user.email, scope.store_id)]
    if scope.store_id is None:   # a store holds neither the person's sign-ins nor their failures
        document["sessions"] = [plain_row(s) for s in db.scalars(select(AuthSession).where(
            AuthSession.user_id == user.id).order_by(AuthSession.created_at, AuthSession.id))]
        document["sign_in_failures"] = [plain_row(f) for f in db.scalars(select(LoginFailure).where(
            LoginFailure.email == user.email).order_by(LoginFailure.at, LoginFailure.id))]
    return document


# What a store sees of its client (the client card); the rest of the account is the platform's.
STORE_PROFILE = ("id", "first_name", "last_name", "email", "phone_number", "address", "age", "locale")


def _profile(db: Session, user: AppUser, scope: Scope) -> dict:
    row = plain_row(user)
    if scope.store_id is not None:
        # An unclaimed Calendly record shows the address Calendly sent, as the card does.
        address = record_addresses(db, scope.store_id, [user.id]).get(user.id, user.email)
        return {**{k: row[k] for k in STORE_PROFILE}, "email": address}
    return {k: v for k, v in row.items() if k != "store_id" or user.role != UserRole.CLIENT}


def about_person(user_id: int, booking_ids: list[int], store_link_ids: list[int]):
    """Audit entries whose subject is the person's account or one of their rows."""
    parts = [and_(AuditEntry.entity_type == "app_user", AuditEntry.entity_id == user_id)]
    if booking_ids:
        parts.append(and_(AuditEntry.entity_type == "booking", AuditEntry.entity_id.in_(booking_ids)))
    if store_link_ids:
        parts.append(and_(AuditEntry.entity_type == "store_client", AuditEntry.entity_id.in_(store_link_ids)))
    return or_(*parts)


def deliveries_naming(db: Session, email: str, store_id: int | None) -> list[WebhookEvent]:
    """Calendly deliveries whose payload carries the address (invitees are matched by what they typed)."""
    if not email:
        return []
    query = select(WebhookEvent).where(WebhookEvent.provider == "calendly",
                                       func.lower(cast(WebhookEvent.payload, Text)).contains(email.lower()))
    if store_id is not None:
        query = query.where(WebhookEvent.store_id == store_id)
    return list(db.scalars(query.order_by(WebhookEvent.id)))


def _names(db: Session, bookings: list[Booking]) -> tuple[dict[int, str], dict[int, str]]:
    store_ids = {b.store_id for b in bookings}
    service_ids = {b.service_id for b in bookings}
    stores = dict(db.execute(select(Store.id, Store.name).where(Store.id.in_(store_ids))).all()) if store_ids else {}
    services = (dict(db.execute(select(Service.id, Service.name).where(Service.id.in_(service_ids))).all())
                if service_ids else {})
    return stores, services


def _scope_part(db: Session, scope: Scope) -> dict:
    if scope.store_id is None:
        return {"kind": "account", "store": None}
    store = db.get(Store, scope.store_id)
    return {"kind": "store", "store": {"id": store.id, "name": store.name, "slug": store.slug}}


def export_account(ctx: TenantContext, user_id: int) -> dict:
    """The person's own export (or an admin's on their request): every store, one transaction
    spanning them once the actor is checked."""
    with hub_db.unit_of_work(replace(TenantContext.system(), locale=ctx.locale)) as db:
        return export_personal_data(db, ctx, user_id)


def export_store_client(ctx: TenantContext, user_id: int) -> dict:
    """What the acting store holds about one of its clients, in the store's own context."""
    with hub_db.unit_of_work(ctx) as db:
        return export_personal_data(db, ctx, user_id, store_wide=True)
