"""Notification actors: send one message, the periodic tick (reminders, dunning, sweep), delivery reports.

New notification rows are queued as soon as their transaction commits by the outbox's
after-commit hand-off (`workers.jobs.connect_after_commit_hooks`). The tick runs every
TICK_SECONDS in each worker process (a small middleware thread): the scan and the sweep are
idempotent, so several workers ticking at once is harmless.
"""

from __future__ import annotations

import json
import logging
import os
from datetime import datetime

import dramatiq

from workers.broker import broker
from workers.ticker import PeriodicTicker, install
from hub_app.db import unit_of_work
from hub_app.domain.billing import dunning
from hub_app.domain.integrations import inbox
from hub_app.domain.notifications import dispatch, reminders
from hub_app.domain.notifications.delivery import PROVIDER as REPORTS, apply_delivery_report
from hub_app.domain.privacy import notices as erasure_notices
from hub_app.domain.tenancy import TenantContext
from hub_app.domain.types import utcnow

logger = logging.getLogger(__name__)

QUEUE = "notifications"
TICK_SECONDS = float(os.environ.get("HUB_NOTIFICATION_TICK_SECONDS", "60"))


def _delay_ms(until: datetime) -> int:
    return max(0, int((until - utcnow()).total_seconds() * 1000))


@dramatiq.actor(queue_name=QUEUE, max_retries=5, min_backoff=5_000, max_backoff=300_000)
def send_notification(notification_id: int) -> None:
    outcome = dispatch.deliver(notification_id)
    logger.info("Notification %s: %s %s", notification_id, outcome.status, outcome.detail or "")
    if outcome.retry_at is not None:
        send_notification.send_with_options(args=(notification_id,), delay=_delay_ms(outcome.retry_at))


@dramatiq.actor(queue_name=QUEUE, max_retries=0)
def send_notifications(notification_ids: list[int]) -> None:
    """The messages one transaction wrote (a booking's email and SMS), enqueued as one message:
    one queue write on the booking's request instead of one per message (about 0.1 ms of CPU and
    a Redis round trip each). Each is sent as `send_notification` sends it; one that fails
    goes on alone as a `send_notification` message, with that actor's retries. A batch that is
    run twice sends nothing twice: `deliver` claims each row before sending it."""
    for notification_id in notification_ids:
        try:
            send_notification.fn(notification_id)
        except Exception:
            logger.warning("Notification %s failed in its batch; retried on its own", notification_id, exc_info=True)
            send_notification.send(notification_id)


@dramatiq.actor(queue_name=QUEUE, max_retries=0)
def notification_tick() -> None:
    """Write due reminders (enqueued after commit) and re-enqueue every pending row that is due.

    Also sends again every EasySMS delivery report still to apply: those are retried from here
    (every tick) until the inbox gives them up after their last allowed attempt, and writes the
    dunning emails that are due (a grace period ends by the clock, with no webhook to say so).
    """
    with unit_of_work(TenantContext.system()) as db:
        created = reminders.queue_due_reminders(db, TenantContext.system())
    with unit_of_work(TenantContext.system()) as db:
        dunning_sent = dunning.advance_all(db)
    with unit_of_work(TenantContext.system()) as db:
        due = dispatch.due_for_sending(db)
    for notification_id in due:
        send_notification.send(notification_id)
    with unit_of_work(TenantContext.system()) as db:
        reports = [e.id for e in inbox.pending_events(db, REPORTS, limit=500)]
    for event_id in reports:
        process_easysms_report.send(event_id)
    with unit_of_work(TenantContext.system()) as db:
        # An erasure's confirmation keeps the erased address only until the outbox is done with it.
        erasure_notices.forget_sent_addresses(db)
    if created or due or dunning_sent:
        logger.info("Notification tick: %d reminders and %d dunning emails written, %d rows enqueued",
                    len(created), dunning_sent, len(due))


@dramatiq.actor(queue_name=QUEUE, max_retries=5)
def process_easysms_report(event_id: int) -> None:
    """Apply one recorded EasySMS delivery report (inbox id)."""
    # Counted and committed before the work: a worker that dies while applying still used it.
    with unit_of_work(TenantContext.system()) as db:
        if inbox.claim_attempt(db, event_id) is None:
            return
    try:
        with unit_of_work(TenantContext.system()) as db:
            event = inbox.start_processing(db, event_id)
            if event is None:
                return
            report = json.loads(event.payload)
            row = apply_delivery_report(db, TenantContext.system(), report.get("msgid", ""), report.get("status", ""))
            inbox.finish(event, ignored=row is None)
    except Exception as exc:
        with unit_of_work(TenantContext.system()) as db:
            inbox.fail(db, event_id, f"{type(exc).__name__}: {exc}")
        raise




class NotificationTicker(PeriodicTicker):
    """Enqueues `notification_tick` every `interval` seconds while a worker runs."""

    name = "notification-ticker"

    def __init__(self, interval: float = TICK_SECONDS):
        super().__init__(interval)

    def tick(self) -> None:
        notification_tick.send()


install(broker, NotificationTicker())
