"""Emitting events: one delivery row per subscribed endpoint, in the changing transaction.

The domain calls these where the things happen (booking service, lifecycle, payments, client
links). Rows are written through the session of the change, so a rollback leaves none; their ids
are handed to the registered enqueuer after the outermost COMMIT (the worker module registers
one). If the queue is down then, the periodic sweep sends them (see sending.due_deliveries).

Each emission asks for the store's enabled endpoints (one indexed read); a store without
endpoints pays that read and nothing else: the payload is built only when someone listens.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from hub_app.domain.accounts.models import AppUser
from hub_app.domain.base import new_row
from hub_app.domain.billing.models import Payment
from hub_app.domain.bookings.models import Booking
from hub_app.domain.notifications.outbox import acting_for_store
from hub_app.domain.outbound_webhooks import payloads
from hub_app.domain.outbound_webhooks.models import DeliveryStatus, EventType, WebhookDelivery, WebhookEndpoint
from hub_app.domain.outbound_webhooks.sending_policy import MAX_ATTEMPTS
from hub_app.domain.stores.models import Store
from hub_app.domain.types import utcnow

logger = logging.getLogger(__name__)

_PENDING = "webhook_deliveries_to_enqueue"
_enqueuer: Callable[[list[int]], None] | None = None


def register_enqueuer(enqueue: Callable[[list[int]], None] | None) -> None:
    """Set the function that queues committed delivery ids (the worker module does this)."""
    global _enqueuer
    _enqueuer = enqueue


@event.listens_for(Session, "after_commit")
def _enqueue_committed(session: Session) -> None:
    if session.get_nested_transaction() is not None:
        return
    rows = session.info.pop(_PENDING, None)
    if not rows or _enqueuer is None:
        return
    ids = [row.id for row in rows if row.id is not None]
    if not ids:
        return
    try:
        _enqueuer(ids)
    except Exception:  # committed; the sweep sends what could not be queued
        logger.warning("Could not enqueue webhook deliveries %s; the sweep will send them", ids, exc_info=True)


@event.listens_for(Session, "after_transaction_end")
def _forget_rolled_back(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_PENDING, None)


def queue_after_commit(db: Session, rows: list[WebhookDelivery]) -> None:
    """Hand these deliveries to the queue once the session's transaction commits."""
    db.info.setdefault(_PENDING, []).extend(rows)


def _enabled_endpoints(db: Session) -> list[WebhookEndpoint]:
    return list(db.scalars(select(WebhookEndpoint).where(WebhookEndpoint.enabled.is_(True))))


def _listening(endpoints: list[WebhookEndpoint], event_type: EventType) -> list[WebhookEndpoint]:
    return [e for e in endpoints if event_type.value in e.events]


def emit(db: Session, store_id: int, event_type: EventType, build: Callable[[Store], dict], *,
         enabled: list[WebhookEndpoint] | None = None) -> list[WebhookDelivery]:
    """Write a delivery of one event to each endpoint of the store that listens for it.

    `build(store)` returns the event's `data`; it runs only when an endpoint listens. Every
    delivery of the event carries the same event id and the same body. `enabled`: the store's
    enabled endpoints when the caller has read them already.
    """
    with acting_for_store(db, store_id):
        endpoints = _listening(_enabled_endpoints(db) if enabled is None else enabled, event_type)
        if not endpoints:
            return []
        store = db.get(Store, store_id)
        event_id = "evt_" + uuid.uuid4().hex
        body = json.dumps({
            "id": event_id, "type": event_type.value, "created": utcnow().isoformat(),
            "api_version": payloads.API_VERSION, "store": payloads.store_part(store), "data": build(store),
        }, ensure_ascii=False, separators=(",", ":"))
        now = utcnow()
        rows = [new_row(WebhookDelivery, store_id=store_id, endpoint_id=e.id, event_id=event_id,
                        event_type=event_type.value, payload=body, status=DeliveryStatus.PENDING,
                        attempts=0, max_attempts=MAX_ATTEMPTS, next_attempt_at=now) for e in endpoints]
        db.add_all(rows)
    queue_after_commit(db, rows)
    return rows


# --- the events ---------------------------------------------------------------------------------


def _booking(event_type: EventType):
    def announce(db: Session, booking: Booking, enabled: list[WebhookEndpoint] | None = None,
                 **extra) -> list[WebhookDelivery]:
        if booking.id is None:
            db.flush()

        def build(store: Store) -> dict:
            data = {"booking": payloads.booking_part(db, booking, store)}
            previous = extra.get("previous")
            if previous is not None:
                data["previous_booking"] = {"id": previous.id, "start": payloads.local_time(previous.start_at, store.timezone),
                                            "end": payloads.local_time(previous.end_at, store.timezone)}
            return data

        return emit(db, booking.store_id, event_type, build, enabled=enabled)

    return announce


booking_created = _booking(EventType.BOOKING_CREATED)
booking_cancelled = _booking(EventType.BOOKING_CANCELLED)
booking_no_show = _booking(EventType.BOOKING_NO_SHOW)
_booking_rescheduled = _booking(EventType.BOOKING_RESCHEDULED)


def booking_rescheduled(db: Session, new: Booking, previous: Booking) -> list[WebhookDelivery]:
    return _booking_rescheduled(db, new, previous=previous)


def _payment(event_type: EventType):
    def announce(db: Session, payment: Payment) -> list[WebhookDelivery]:
        if payment.id is None:
            db.flush()

        def build(store: Store) -> dict:
            data = {"payment": payloads.payment_part(payment, store)}
            if payment.booking_id is not None:
                data["booking"] = payloads.booking_part(db, db.get(Booking, payment.booking_id), store)
            else:
                data["client"] = payloads.client_part(db, payment.store_id, db.get(AppUser, payment.user_id))
            return data

        return emit(db, payment.store_id, event_type, build)

    return announce


payment_succeeded = _payment(EventType.PAYMENT_SUCCEEDED)
payment_refunded = _payment(EventType.PAYMENT_REFUNDED)


def client_created(db: Session, store_id: int, user_id: int, *,
                   enabled: list[WebhookEndpoint] | None = None) -> list[WebhookDelivery]:
    """Someone became a client of the store (first booking there, or an accepted invitation)."""
    return emit(db, store_id, EventType.CLIENT_CREATED,
                lambda store: {"client": payloads.client_part(db, store_id, db.get(AppUser, user_id))},
                enabled=enabled)


def booking_made(db: Session, booking: Booking) -> list[WebhookDelivery]:
    """A booking was just made (by the booking service): `client.created` when it is its client's
    first booking in the store and no invitation made them a client before, and `booking.created`
    when it holds already (a payment hold is announced when its payment confirms it). The store's
    endpoints are read once for both: a store without endpoints pays one query per booking."""
    from hub_app.domain.bookings.models import BookingStatus
    from hub_app.domain.clients.membership import LINKED
    from hub_app.domain.clients.models import StoreClient

    with acting_for_store(db, booking.store_id):
        enabled = _enabled_endpoints(db)
        if not enabled:
            return []
        first_time = False
        if _listening(enabled, EventType.CLIENT_CREATED):
            earlier = db.scalar(select(Booking.id).where(
                Booking.store_id == booking.store_id, Booking.client_user_id == booking.client_user_id,
                Booking.id != booking.id).limit(1))
            linked = db.scalar(select(StoreClient.id).where(
                StoreClient.store_id == booking.store_id, StoreClient.user_id == booking.client_user_id,
                StoreClient.status.in_(LINKED)).limit(1))
            first_time = earlier is None and linked is None
    rows = client_created(db, booking.store_id, booking.client_user_id, enabled=enabled) if first_time else []
    if booking.status == BookingStatus.CONFIRMED:
        rows += booking_created(db, booking, enabled)
    return rows
