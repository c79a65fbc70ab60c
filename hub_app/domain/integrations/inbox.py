"""The inbound webhook inbox: record a verified delivery once, then let a worker apply it.

Webhook handlers verify the signature, call `record_event`, enqueue the returned id when the
event is new, and answer at once. Workers call `start_processing` / `finish` / `fail` so every
attempt and error stays visible in the admin's inbox view. A delivery whose enqueue was lost
(the queue was down, a process died) stays "received"; `lost_deliveries` finds it for the sweep.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hub_app.domain.integrations.models import InboxStatus, WebhookEvent
from hub_app.domain.types import utcnow


def record_event(db: Session, *, provider: str, event_id: str, event_type: str, payload: str,
                 store_id: int | None = None) -> tuple[WebhookEvent, bool]:
    """Store the delivery unless (provider, event_id) is already there. Returns (event, is_new).

    Uses a savepoint so a concurrent duplicate insert loses cleanly to the unique constraint.
    """
    event_id = event_id[:300]  # the column's length: look up exactly what is stored
    existing = db.scalar(select(WebhookEvent).where(WebhookEvent.provider == provider, WebhookEvent.event_id == event_id))
    if existing is not None:
        return existing, False
    event = WebhookEvent(provider=provider, event_id=event_id, event_type=event_type[:100],
                         payload=payload, store_id=store_id)
    try:
        with db.begin_nested():
            db.add(event)
            db.flush()
    except IntegrityError:
        existing = db.scalar(select(WebhookEvent).where(WebhookEvent.provider == provider, WebhookEvent.event_id == event_id))
        if existing is None:
            raise
        return existing, False
    return event, True


def start_processing(db: Session, event_id: int) -> WebhookEvent | None:
    """Lock the event row for this attempt; None when it is already processed (a redelivery)."""
    query = select(WebhookEvent).where(WebhookEvent.id == event_id)
    if db.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    event = db.scalar(query)
    if event is None or event.status in (InboxStatus.PROCESSED, InboxStatus.IGNORED):
        return None
    event.attempts += 1
    return event


def finish(event: WebhookEvent, *, ignored: bool = False) -> None:
    event.status = InboxStatus.IGNORED if ignored else InboxStatus.PROCESSED
    event.processed_at = utcnow()
    event.last_error = None


def fail(db: Session, event_id: int, error: str) -> None:
    """Record a failed attempt (in its own transaction: the attempt's work was rolled back)."""
    event = db.get(WebhookEvent, event_id)
    if event is not None:
        event.status = InboxStatus.FAILED
        event.last_error = error[:1000]


def pending_events(db: Session, limit: int = 100) -> list[WebhookEvent]:
    return list(db.scalars(
        select(WebhookEvent)
        .where(WebhookEvent.status.in_([InboxStatus.RECEIVED, InboxStatus.FAILED]))
        .order_by(WebhookEvent.received_at)
        .limit(limit)
    ))


def lost_deliveries(db: Session, provider: str, received_before: datetime, limit: int = 500) -> list[int]:
    """Ids of `provider`'s deliveries recorded before `received_before` that no attempt has finished.

    "received" is the state between the webhook's commit and the end of a worker's first attempt
    (a failed attempt says "failed" and is retried by the queue itself), so a row still in it after
    a grace period lost its message. Sending it again is safe: applying a row is idempotent.
    """
    return list(db.scalars(
        select(WebhookEvent.id)
        .where(WebhookEvent.provider == provider, WebhookEvent.status == InboxStatus.RECEIVED,
               WebhookEvent.received_at < received_before)
        .order_by(WebhookEvent.received_at)
        .limit(limit)
    ))
