"""Jobs by name: what web code, the admin and the domain's after-commit hooks put on the queue.

Web modules queue a job by its actor's queue and name (`send(PROCESS_STRIPE_EVENT, inbox_id)`)
instead of importing the actor modules, which would load worker code (and everything it imports)
into every web module that queues something. `connect_after_commit_hooks()` is the one place
where the domain's after-commit hand-offs (notification outbox, calendar pushes, outbound
webhooks) are connected to the queue: the web app calls it when it builds its routes, and
`workers.actors` when a worker process starts. tests/reliability/test_jobs_by_name.py checks
that every job named here is an actor of the workers, on the same queue.
"""

from __future__ import annotations

from dataclasses import dataclass

import dramatiq

from hub_app.domain.calendar_sync import booking_hook
from hub_app.domain.notifications import outbox
from hub_app.domain.outbound_webhooks import events
from workers.broker import broker


@dataclass(frozen=True)
class Job:
    queue: str
    actor: str


PROCESS_STRIPE_EVENT = Job("stripe", "process_stripe_event")
APPLY_CALENDLY_EVENT = Job("calendly", "apply_calendly_event")
RECONCILE_CALENDLY_STORE = Job("calendly", "reconcile_calendly_store")
PROCESS_EASYSMS_REPORT = Job("notifications", "process_easysms_report")
SEND_NOTIFICATION = Job("notifications", "send_notification")
SEND_NOTIFICATIONS = Job("notifications", "send_notifications")
PUSH_CALENDAR_CONNECTION = Job("calendar_sync", "push_calendar_connection")
DELIVER_WEBHOOK = Job("webhooks", "deliver_webhook")

# Each provider's inbox rows are applied by one job (the webhook endpoints, the inbox sweep and
# the admin's replay send them there).
INBOX_APPLIERS: dict[str, Job] = {
    "stripe": PROCESS_STRIPE_EVENT,
    "calendly": APPLY_CALENDLY_EVENT,
    "easysms": PROCESS_EASYSMS_REPORT,
}


def send(job: Job, *args, delay_ms: int | None = None) -> dramatiq.Message:
    """Queue `job` with `args`, as `actor.send(*args)` would. Blocking (a Redis round trip)."""
    # A process without the actor has not declared its queue; the in-memory broker needs it.
    broker.declare_queue(job.queue)
    message = dramatiq.Message(queue_name=job.queue, actor_name=job.actor, args=args, kwargs={}, options={})
    return broker.enqueue(message, delay=delay_ms)


def send_notifications(ids: list[int]) -> None:
    """The outbox's hand-off: one message per notification, or one for a batch."""
    if len(ids) == 1:
        send(SEND_NOTIFICATION, ids[0])
    elif ids:
        send(SEND_NOTIFICATIONS, list(ids))


def push_calendars(connection_ids: list[int]) -> None:
    """Booking changes push their calendar's CalDAV connection."""
    for connection_id in connection_ids:
        send(PUSH_CALENDAR_CONNECTION, connection_id)


def deliver_webhooks(delivery_ids: list[int]) -> None:
    """Outbound webhook deliveries recorded with a booking change go out."""
    for delivery_id in delivery_ids:
        send(DELIVER_WEBHOOK, delivery_id)


def connect_after_commit_hooks() -> None:
    """Connect the domain's after-commit hand-offs to the queue (once per process; idempotent)."""
    outbox.register_enqueuer(send_notifications)
    booking_hook.register_enqueuer(push_calendars)
    events.register_enqueuer(deliver_webhooks)
