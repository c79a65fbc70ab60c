"""The inbound webhook inbox: record a verified delivery once, then let a worker apply it.

Webhook handlers verify the signature, call `record_event`, enqueue the returned id when the
event is new, and answer at once. Workers call `start_processing` / `finish` / `fail` so every
attempt and error stays visible in the admin's inbox view. A delivery whose enqueue was lost
(the queue was down, a process died) stays "received"; `lost_deliveries` finds it for the sweep.

Attempts: a successful attempt is counted by `start_processing` and committed with its work. A
failed attempt's work is rolled back, and that count with it, so `fail` (its own unit of work)
counts it again. A row that failed `max_attempts(provider)` times is given up: it stays "failed"
for an admin to read and replay, and nothing picks it up or applies it again until then.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

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


# Attempts per provider before a row is given up: the first one plus the queue's retries (the
# Stripe and Calendly actors take their max_retries from here; EasySMS reports are re-sent by
# the notification tick until they reach theirs).
MAX_ATTEMPTS = {"stripe": 13, "calendly": 9, "easysms": 10}
DEFAULT_MAX_ATTEMPTS = 10
DONE = (InboxStatus.PROCESSED, InboxStatus.IGNORED)


def max_attempts(provider: str) -> int:
    return MAX_ATTEMPTS.get(provider, DEFAULT_MAX_ATTEMPTS)


def gave_up(event: WebhookEvent) -> bool:
    """Failed as often as its provider allows. A replayed row is "received" again: one more try."""
    return event.status == InboxStatus.FAILED and event.attempts >= max_attempts(event.provider)


def start_processing(db: Session, event_id: int) -> WebhookEvent | None:
    """Lock the event row for this attempt and count it.

    None when there is nothing to do: already processed (a redelivery), or given up (a message
    still queued when the last allowed attempt failed must not start another).
    """
    query = select(WebhookEvent).where(WebhookEvent.id == event_id)
    if db.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    event = db.scalar(query)
    if event is None or event.status in DONE or gave_up(event):
        return None
    event.attempts += 1
    return event


def finish(event: WebhookEvent, *, ignored: bool = False) -> None:
    event.status = InboxStatus.IGNORED if ignored else InboxStatus.PROCESSED
    event.processed_at = utcnow()
    event.last_error = None


def fail(db: Session, event_id: int, error: str) -> int | None:
    """Record a failed attempt: count it, keep its error, mark the row "failed".

    Call it once per failed attempt, in a new unit of work after the attempt's was rolled back
    (its count went with it). One UPDATE adds to the stored count, so two workers failing the
    same row at once both count. A row another attempt has finished meanwhile is left alone.
    Returns the attempts now recorded (None when nothing was changed).
    """
    return db.scalar(
        update(WebhookEvent)
        .where(WebhookEvent.id == event_id, WebhookEvent.status.not_in(DONE))
        .values(status=InboxStatus.FAILED, attempts=WebhookEvent.attempts + 1, last_error=error[:1000])
        .returning(WebhookEvent.attempts)
        .execution_options(synchronize_session=False)
    )


def _retryable(provider: str) -> ColumnElement[bool]:
    """Rows of `provider` still to apply: never tried (or replayed), or failed but not given up."""
    return and_(WebhookEvent.provider == provider, or_(
        WebhookEvent.status == InboxStatus.RECEIVED,
        and_(WebhookEvent.status == InboxStatus.FAILED, WebhookEvent.attempts < max_attempts(provider)),
    ))


def pending_events(db: Session, provider: str, limit: int = 100) -> list[WebhookEvent]:
    """`provider`'s rows still to apply, oldest first.

    Filtered in the query (provider and attempts), so neither another provider's backlog nor
    this provider's given-up rows can fill the `limit` and hide the rows that are due.
    """
    return list(db.scalars(
        select(WebhookEvent)
        .where(_retryable(provider))
        .order_by(WebhookEvent.received_at)
        .limit(limit)
    ))


def lost_deliveries(db: Session, provider: str, received_before: datetime, limit: int = 500) -> list[int]:
    """Ids of `provider`'s deliveries recorded before `received_before` that no attempt has finished.

    "received" is the state between the webhook's commit and the end of a worker's first attempt
    (a failed attempt says "failed" and is retried by the queue itself), so a row still in it after
    a grace period lost its message. Sending it again is safe: applying a row is idempotent.
    A "failed" row is never returned, so one that used up its attempts stays where it is.
    """
    return list(db.scalars(
        select(WebhookEvent.id)
        .where(WebhookEvent.provider == provider, WebhookEvent.status == InboxStatus.RECEIVED,
               WebhookEvent.received_at < received_before)
        .order_by(WebhookEvent.received_at)
        .limit(limit)
    ))
