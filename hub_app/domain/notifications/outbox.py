"""The outbox: notification rows written in the same transaction as the change they announce.

The booking service calls `on_booking_event(db, booking, event)` inside its transaction, so a
booking that rolls back leaves no message behind. New row ids are collected on the session and
handed to the registered enqueuer only after the outermost transaction COMMITS (the worker
module registers one that enqueues a Dramatiq message per id). If the queue is down at that
moment, the rows stay `pending` and the periodic sweeper sends them later.

Every row carries a dedupe key (unique per store), so calling a hook twice, or a reminder scan
racing another, never produces a second message.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import event, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hub_app.domain.accounts.models import AppUser, UserRole
from hub_app.domain.base import new_row
from hub_app.domain.bookings.models import Booking, BookingStatus
from hub_app.domain.clients.membership import store_client_ids
from hub_app.domain.clients.unclaimed import is_placeholder_address
from hub_app.domain.errors import NotFound, ValidationFailed
from hub_app.domain.notifications.models import Channel, Notification, NotificationKind, NotificationStatus
from hub_app.domain.notifications.templates import (
    MANUAL_PLACEHOLDERS, StoreWording, Wording, render, unknown_placeholders,
)
from hub_app.domain.permissions import Feature, require
from hub_app.domain.scheduling.models import Service
from hub_app.domain.stores.models import Store
from hub_app.domain.tenancy import NO_ID, TenantContext, context_of
from hub_app.domain.types import utcnow
from hub_app.i18n import SUPPORTED_LOCALES, format_date, format_money, format_time, t
from hub_app.row_security import publish_rls
from hub_app.settings import get_settings

logger = logging.getLogger(__name__)

CHANNELS = (Channel.EMAIL, Channel.SMS)
BOOKING_EVENTS = frozenset({"confirmed", "cancelled", "rescheduled", "pending", "paid"})
_PENDING_IDS = "notifications_to_enqueue"

# --- enqueue after commit --------------------------------------------------------------------

_enqueuer: Callable[[list[int]], None] | None = None


def register_enqueuer(enqueue: Callable[[list[int]], None] | None) -> None:
    """Set the function that hands committed notification ids to the queue (workers do this)."""
    global _enqueuer
    _enqueuer = enqueue


def _remember(db: Session, notification: Notification) -> None:
    # The row, not its id: a row not flushed yet gets its id from the commit's flush.
    db.info.setdefault(_PENDING_IDS, []).append(notification)


@event.listens_for(Session, "after_commit")
def _enqueue_committed(session: Session) -> None:
    # after_commit also fires when a SAVEPOINT is released: only the outermost commit counts.
    if session.get_nested_transaction() is not None:
        return
    pending = session.info.pop(_PENDING_IDS, None)
    if not pending or _enqueuer is None:
        return
    ids = [row.id for row in pending if row.id is not None]
    if not ids:
        return
    try:
        _enqueuer(list(dict.fromkeys(ids)))
    except Exception:  # the change is committed; the sweeper sends what could not be enqueued
        logger.warning("Could not enqueue notifications %s; the sweeper will send them", ids, exc_info=True)


@event.listens_for(Session, "after_transaction_end")
def _forget_rolled_back(session: Session, transaction) -> None:
    # The outermost transaction ended without a commit (after_commit pops the list first).
    if transaction.parent is None:
        session.info.pop(_PENDING_IDS, None)


# --- writing rows ----------------------------------------------------------------------------


@contextmanager
def acting_for_store(db: Session, store_id: int) -> Iterator[None]:
    """Work inside one store's scope, whatever the session's context says.

    A client cancelling from "my bookings" acts without a store (the booking service has
    already authorised the change, and the messages about it belong to the booking's store);
    system work (reminder scans, syncs) runs with bypass and must still see only this store's
    templates and rows. The session's context (ORM scoping and, on PostgreSQL, the RLS
    settings of the transaction) is narrowed to the store and restored afterwards.
    """
    ctx = context_of(db)
    if ctx is not None and not ctx.bypass and ctx.store_id == store_id:
        yield
        return
    narrowed = replace(ctx, store_id=store_id, bypass=False) if ctx else TenantContext.system(store_id)
    postgres = db.get_bind().dialect.name == "postgresql"
    db.info["tenant"] = narrowed
    user_id = ctx.user_id if ctx else None
    if postgres:
        publish_rls(db, store_id, user_id, bypass=False)
    try:
        yield
        db.flush()
    finally:
        if ctx is None:
            db.info.pop("tenant", None)
        else:
            db.info["tenant"] = ctx
        if postgres:
            publish_rls(db, ctx.store_id if ctx else None, user_id, bypass=bool(ctx and ctx.bypass))


def _fit(row: Notification) -> Notification:
    if row.subject:
        row.subject = row.subject[:300]  # the column's size
    return row


def _insert(db: Session, rows: list[Notification]) -> None:
    db.add_all([_fit(row) for row in rows])
    db.flush()


def _remember_all(db: Session, rows: list[Notification]) -> list[Notification]:
    for row in rows:
        _remember(db, row)
    return rows


def add_once(db: Session, notification: Notification) -> Notification | None:
    """Insert the row unless its dedupe key exists in the store; None when it already did."""
    _fit(notification)
    exists = db.scalar(select(Notification.id).where(Notification.dedupe_key == notification.dedupe_key))
    if exists is not None:
        return None
    try:
        with db.begin_nested():
            _insert(db, [notification])
    except IntegrityError:  # a concurrent transaction inserted the same key first
        return None
    _remember(db, notification)
    return notification


def add_all_once(db: Session, notifications: list[Notification]) -> list[Notification]:
    """`add_once` for several rows in one round of statements (the booking path writes one row
    per channel): the rows whose dedupe keys are new, as inserted."""
    if not notifications:
        return []
    keys = [row.dedupe_key for row in notifications]
    existing = set(db.scalars(select(Notification.dedupe_key).where(Notification.dedupe_key.in_(keys))))
    fresh = [row for row in notifications if row.dedupe_key not in existing]
    try:
        with db.begin_nested():
            _insert(db, fresh)
    except IntegrityError:
        # A concurrent transaction inserted one of the keys first: settle them one by one (the
        # rolled-back rows are transient again).
        return [row for row in (add_once(db, row) for row in fresh) if row is not None]
    return _remember_all(db, fresh)


def add_all_new(db: Session, notifications: list[Notification]) -> list[Notification]:
    """Add rows about a booking made in this very transaction, without the dedupe query.

    Their dedupe keys name that booking's id, which no other transaction can see yet, so no row
    with the same key can exist: the query and the savepoint of `add_all_once` would only cost
    the booking path three round trips. Nothing can fail on them either, so the caller flushes
    them with what else it writes (the booking path: with its audit entry, in one flush), in the
    context it made the booking in."""
    db.add_all([_fit(row) for row in notifications])
    return _remember_all(db, notifications)


def recipient_address(user: AppUser, channel: Channel) -> str | None:
    if channel == Channel.EMAIL:
        # An unclaimed Calendly record's placeholder has no address anyone receives mail at.
        return None if is_placeholder_address(user.email) else user.email
    return user.phone_number


def message_locale(user: AppUser, store: Store) -> str:
    return user.locale if user.locale in SUPPORTED_LOCALES else (store.locale or "en")


def manage_link(booking: Booking) -> str:
    return f"{get_settings().public_base_url.rstrip('/')}/account/bookings/{booking.id}"


def placeholder_values(store: Store, user: AppUser, booking: Booking | None, service: Service | None,
                       locale: str) -> dict[str, str]:
    values = {
        "first_name": user.first_name or "",
        "last_name": user.last_name or "",
        "client_name": user.full_name,
        "store": store.name,
        "store_address": ", ".join(p for p in (store.address, store.city) if p),
        "store_phone": store.phone_number or "",
        "service": service.name if service else "",
        "date": "", "time": "", "manage_link": "", "amount": "",
    }
    if booking is not None:
        values.update(
            date=format_date(booking.start_at, store.timezone, locale),
            time=format_time(booking.start_at, store.timezone, locale),
            manage_link=manage_link(booking),
            amount=format_money(booking.amount_paid, booking.currency, locale),
        )
    return values


def build_for_booking(db: Session, booking: Booking, kind: NotificationKind, dedupe_base: str,
                      channels: Iterable[Channel] = CHANNELS, *, new_booking: bool = False) -> list[Notification]:
    """Render and insert one row per enabled channel (in the session's store scope).

    `new_booking`: the booking was inserted in this transaction (see `add_all_new`)."""
    store = db.get(Store, booking.store_id)
    client = db.get(AppUser, booking.client_user_id)
    service = db.get(Service, booking.service_id)
    if store is None or client is None:
        raise NotFound(t("booking.not_found", None))
    locale = message_locale(client, store)
    values = placeholder_values(store, client, booking, service, locale)
    wording = StoreWording(db, kind)
    rows = []
    for channel in channels:
        if not wording.enabled(channel):
            continue
        rendered = render(wording.wording(channel, locale), values, channel)
        rows.append(new_row(
            Notification, store_id=booking.store_id, recipient_user_id=client.id, booking_id=booking.id, type=channel,
            kind=kind, subject=rendered.subject, body=rendered.body, body_html=rendered.body_html,
            to_address=recipient_address(client, channel), dedupe_key=f"{dedupe_base}:{channel.value}",
            next_attempt_at=utcnow(),
        ))
    return add_all_new(db, rows) if new_booking else add_all_once(db, rows)


def withdraw_reminders(db: Session, booking_id: int, reason: str) -> int:
    """Pending reminders of a booking that was cancelled or moved will never be sent."""
    result = db.execute(
        update(Notification)
        .where(Notification.booking_id == booking_id, Notification.kind == NotificationKind.REMINDER,
               Notification.status == NotificationStatus.PENDING)
        .values(status=NotificationStatus.NOT_SENT, last_error=reason[:500], next_attempt_at=None)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def on_booking_event(db: Session, booking: Booking, event: str, *, new_booking: bool = False) -> list[Notification]:
    """Queue the messages for a booking change; called by the booking service in its transaction.

    Events: confirmed, cancelled, rescheduled (for the old and/or the new booking), pending (a
    payment hold: nothing is sent until it is confirmed) and paid (payment receipt).
    """
    if event not in BOOKING_EVENTS:
        raise ValueError(f"unknown booking event {event!r}")
    if event == "pending":
        return []
    if booking.id is None:
        db.flush()
    with acting_for_store(db, booking.store_id):
        if event == "cancelled":
            withdraw_reminders(db, booking.id, "booking cancelled before the reminder was sent")
            if not _was_announced(db, booking.id):
                return []  # e.g. an unpaid payment hold that ran out: we never told them it was booked
            return build_for_booking(db, booking, NotificationKind.CANCELLATION, f"cancellation:{booking.id}")
        if event == "rescheduled" and booking.status == BookingStatus.RESCHEDULED:
            # The old booking: its reminders die; the message goes out for the new booking.
            withdraw_reminders(db, booking.id, "booking rescheduled before the reminder was sent")
            return []
        if event in ("rescheduled", "confirmed") and booking.rescheduled_from_id is not None:
            withdraw_reminders(db, booking.rescheduled_from_id, "booking rescheduled before the reminder was sent")
            return build_for_booking(db, booking, NotificationKind.RESCHEDULE, f"reschedule:{booking.id}",
                                     new_booking=new_booking)
        if event == "confirmed":
            return build_for_booking(db, booking, NotificationKind.CONFIRMATION, f"confirmation:{booking.id}",
                                     new_booking=new_booking)
        if event == "paid":
            if not booking.amount_paid:
                return []
            return build_for_booking(db, booking, NotificationKind.PAYMENT_RECEIPT,
                                     f"payment_receipt:{booking.id}:{booking.amount_paid}")
        return []  # "rescheduled" for a booking that is neither the old nor a linked new one


def _was_announced(db: Session, booking_id: int) -> bool:
    return db.scalar(select(Notification.id).where(
        Notification.booking_id == booking_id,
        Notification.kind.in_([NotificationKind.CONFIRMATION, NotificationKind.RESCHEDULE]),
    ).limit(1)) is not None


# --- manual messages -------------------------------------------------------------------------


@dataclass(frozen=True)
class Recipients:
    """Who a manual message goes to: exactly one of these."""

    client_user_id: int | None = None
    booked_on: date | None = None      # clients with a pending/confirmed booking that local day
    all_clients: bool = False          # everyone who ever booked in the store

    @classmethod
    def one(cls, user_id: int) -> "Recipients":
        return cls(client_user_id=user_id)

    @classmethod
    def on_day(cls, day: date) -> "Recipients":
        return cls(booked_on=day)

    @classmethod
    def everyone(cls) -> "Recipients":
        return cls(all_clients=True)


ACTIVE = (BookingStatus.PENDING, BookingStatus.CONFIRMED)


def _manual_targets(db: Session, ctx: TenantContext, recipients: Recipients) -> list[tuple[AppUser, Booking | None]]:
    chosen = sum([recipients.client_user_id is not None, recipients.booked_on is not None, recipients.all_clients])
    if chosen != 1:
        raise ValueError("choose exactly one kind of recipients")
    if recipients.booked_on is not None:
        bookings = db.scalars(select(Booking).where(
            Booking.booking_date == recipients.booked_on, Booking.status.in_(ACTIVE)).order_by(Booking.start_at))
        first: dict[int, Booking] = {}
        for booking in bookings:
            first.setdefault(booking.client_user_id, booking)
        return [(db.get(AppUser, uid), b) for uid, b in first.items()]
    # Only the store's own clients: someone who booked here or accepted its invitation.
    members = store_client_ids(ctx.store_id if ctx.store_id is not None else NO_ID).subquery()
    if recipients.client_user_id is not None:
        client_ids = [recipients.client_user_id]
    else:
        client_ids = list(db.scalars(select(members.c.user_id)))
    known = set(db.scalars(select(members.c.user_id).where(members.c.user_id.in_(client_ids))))
    if recipients.client_user_id is not None and recipients.client_user_id not in known:
        raise NotFound(t("user.not_found", ctx.locale))
    targets = []
    now = utcnow()
    for uid in sorted(known):
        user = db.get(AppUser, uid)
        if user is None or user.role != UserRole.CLIENT or not user.is_active:
            continue
        upcoming = db.scalar(select(Booking).where(
            Booking.client_user_id == uid, Booking.status.in_(ACTIVE), Booking.start_at >= now,
        ).order_by(Booking.start_at).limit(1))
        targets.append((user, upcoming))
    return targets


def queue_manual(db: Session, ctx: TenantContext, recipients: Recipients, channel: Channel,
                 subject: str | None, body: str, *, idempotency_key: str | None = None) -> list[Notification]:
    """Queue a message from the dashboard's compose screen; returns the rows written.

    Placeholders: {first_name} {service} {date} {time} {store}; service, date and time come from
    the booking on the chosen day, or else the client's next booking (empty when there is none).
    `idempotency_key` (from the compose form) makes a double submit queue nothing new.
    """
    require(ctx, Feature.SEND_NOTIFICATIONS)
    store = db.get(Store, ctx.store_id) if ctx.store_id is not None else None
    if store is None:
        raise NotFound(t("store.not_found", ctx.locale))
    channel = Channel(channel)
    errors: dict[str, str] = {}
    if not (body or "").strip():
        errors["body"] = t("notifications.body_required", ctx.locale)
    if channel == Channel.EMAIL and not (subject or "").strip():
        errors["subject"] = t("notifications.subject_required", ctx.locale)
    for field_name, value in (("body", body), ("subject", subject)):
        unknown = unknown_placeholders(value or "", MANUAL_PLACEHOLDERS)
        if unknown:
            errors[field_name] = t("notifications.unknown_placeholder", ctx.locale,
                                   names=", ".join("{" + n + "}" for n in unknown),
                                   allowed=" ".join("{" + n + "}" for n in MANUAL_PLACEHOLDERS))
    if errors:
        raise ValidationFailed(next(iter(errors.values())), fields=errors)
    targets = _manual_targets(db, ctx, recipients)
    if not targets:
        message = t("notifications.no_recipients", ctx.locale)
        raise ValidationFailed(message, fields={"recipients": message})
    batch = (idempotency_key or uuid.uuid4().hex)[:60]
    wording = Wording(subject.strip() if subject else None, body.strip())
    created: list[Notification] = []
    for user, booking in targets:
        service = db.get(Service, booking.service_id) if booking is not None else None
        values = placeholder_values(store, user, booking, service, message_locale(user, store))
        rendered = render(wording, values, channel)
        row = add_once(db, Notification(
            store_id=store.id, recipient_user_id=user.id, booking_id=booking.id if booking else None,
            type=channel, kind=NotificationKind.MANUAL, subject=rendered.subject, body=rendered.body,
            body_html=rendered.body_html, to_address=recipient_address(user, channel),
            dedupe_key=f"manual:{batch}:{user.id}:{channel.value}", next_attempt_at=utcnow(),
        ))
        if row is not None:
            created.append(row)
    return created
