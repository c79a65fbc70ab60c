"""The inbound webhook inbox: record a verified delivery once, then let a worker apply it.

Webhook handlers verify the signature, call `record_event`, enqueue the returned id when the
event is new, and answer at once. Workers call `start_processing` / `finish` / `fail` so every
attempt and error stays visible in the admin's inbox view. A delivery whose enqueue was lost
(the queue was down, a process died) stays "received"; `lost_deliveries` finds it for the sweep.

Attempts: `claim_attempt` counts an attempt in its own unit of work, committed BEFORE the work
starts (status "started"). The work then runs in a second unit of work (`start_processing`,
`finish`); a failure is written by `fail` in a third. So an attempt whose worker dies in the middle
(killed, out of memory, SystemExit) is counted all the same: once a row used up
`max_attempts(provider)` attempts, failed or crashed, it is given up and stays "failed" for an
admin to read and replay, and nothing picks it up or applies it again until then.
"""

from __future__ import annotations

from datetime import datetime, timedelta

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
FINAL = (*DONE, InboxStatus.REFUSED)   # nothing more to do with these rows


def max_attempts(provider: str) -> int:
    return MAX_ATTEMPTS.get(provider, DEFAULT_MAX_ATTEMPTS)


def gave_up(event: WebhookEvent) -> bool:
    """Failed as often as its provider allows. A replayed row is "received" again: one more try."""
    return event.status == InboxStatus.FAILED and event.attempts >= max_attempts(event.provider)


def _locked(db: Session, event_id: int) -> WebhookEvent | None:
    query = select(WebhookEvent).where(WebhookEvent.id == event_id)
    if db.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return db.scalar(query)


# A row "started" less than this ago is between the two transactions of an attempt that is
# running now (its claim committed, its work not yet holding the row's lock: milliseconds). A
# second message arriving then (a duplicate delivery, the sweep racing an enqueue that got through
# late) counts no attempt of its own; one arriving later waits for the row's lock and finds the
# row done. A dead worker's message comes again only after the broker's heartbeat timeout (60 s
# by default) or the sweep (STALE_ATTEMPT), well past this.
IN_FLIGHT = timedelta(seconds=2)


def claim_attempt(db: Session, event_id: int) -> WebhookEvent | None:
    """Count one attempt at applying the row, before any of its work: commit this unit of work
    first, then apply in another (`start_processing`).

    None when no attempt may start: already done, refused, given up, or its last allowed attempts
    all ended with the worker gone (still "started"): such a row is marked "failed" here, so a
    crash that repeats on every try stops being retried instead of looping forever.
    """
    event = _locked(db, event_id)
    if event is None or event.status in FINAL or gave_up(event):
        return None
    if event.status == InboxStatus.STARTED and event.last_attempt_at and event.last_attempt_at > utcnow() - IN_FLIGHT:
        return None  # its attempt is running now: a second message for it is no attempt of its own
    if event.status == InboxStatus.STARTED and event.attempts >= max_attempts(event.provider):
        event.status = InboxStatus.FAILED
        event.last_error = (f"given up: the worker stopped during attempt {event.attempts} "
                            f"and no attempt is left")[:1000]
        return None
    event.attempts += 1
    event.status = InboxStatus.STARTED
    event.last_attempt_at = utcnow()
    return event


def start_processing(db: Session, event_id: int) -> WebhookEvent | None:
    """Lock the row for the attempt `claim_attempt` counted; None when another attempt finished
    it meanwhile (a redelivered message) or it is not to be applied at all."""
    event = _locked(db, event_id)
    if event is None or event.status in FINAL or gave_up(event):
        return None
    return event


def finish(event: WebhookEvent, *, ignored: bool = False) -> None:
    event.status = InboxStatus.IGNORED if ignored else InboxStatus.PROCESSED
    event.processed_at = utcnow()
    event.last_error = None


def refuse(event: WebhookEvent, reason: str) -> None:
    """A genuine delivery that may not be applied: kept, with why, for the admin's inbox."""
    event.status = InboxStatus.REFUSED
    event.processed_at = utcnow()
    event.last_error = reason[:1000]


def fail(db: Session, event_id: int, error: str) -> int | None:
    """Record a failed attempt: keep its error and mark the row "failed".

    Call it once per failed attempt, in a new unit of work after the attempt's was rolled back.
    The attempt itself was counted (and committed) by `claim_attempt` before the work began, so
    nothing is added here. A row another attempt has finished meanwhile is left alone.
    Returns the attempts recorded (None when nothing was changed).
    """
    return db.scalar(
        update(WebhookEvent)
        .where(WebhookEvent.id == event_id, WebhookEvent.status.not_in(FINAL))
        .values(status=InboxStatus.FAILED, last_error=error[:1000])
        .returning(WebhookEvent.attempts)
        .execution_options(synchronize_session=False)
    )


# An attempt still "started" after this long had its worker stop (attempts take seconds).
STALE_ATTEMPT = timedelta(minutes=2)


def _retryable(provider: str) -> ColumnElement[bool]:
    """Rows of `provider` still to apply: never tried (or replayed), failed but not given up, or
    left "started" by a worker that stopped (the next claim gives it up if no attempt is left)."""
    return and_(WebhookEvent.provider == provider, or_(
        WebhookEvent.status == InboxStatus.RECEIVED,
        and_(WebhookEvent.status == InboxStatus.FAILED, WebhookEvent.attempts < max_attempts(provider)),
        and_(WebhookEvent.status == InboxStatus.STARTED, WebhookEvent.last_attempt_at < utcnow() - STALE_ATTEMPT),
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
    """Ids of `provider`'s deliveries whose message was lost: recorded before `received_before`
    and never attempted, or attempted before it by a worker that stopped mid-attempt.

    "received" is the state between the webhook's commit and a worker's first attempt, and
    "started" lasts only while an attempt runs (a failed attempt says "failed" and is retried by
    the queue itself), so a row still in either after a grace period lost its message. Sending it
    again is safe: applying a row is idempotent, and `claim_attempt` gives up a row whose attempts
    are used up. A "failed" row is never returned, so one that used up its attempts stays put.
    """
    return list(db.scalars(
        select(WebhookEvent.id)
        .where(WebhookEvent.provider == provider, or_(
            and_(WebhookEvent.status == InboxStatus.RECEIVED, WebhookEvent.received_at < received_before),
            and_(WebhookEvent.status == InboxStatus.STARTED, WebhookEvent.last_attempt_at < received_before)))
        .order_by(WebhookEvent.received_at)
        .limit(limit)
    ))
