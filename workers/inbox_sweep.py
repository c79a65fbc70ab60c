"""One sweep for every provider's webhook inbox: send again the deliveries whose message was lost.

A webhook is recorded in the inbox first and enqueued after the commit. When that enqueue fails
(Redis down) or the message dies with a process, the row stays "received" and the webhook has
already been answered 2xx, so the provider will not send it again. Every TICK_SECONDS each worker
enqueues `sweep_inbox`, which re-sends every row older than GRACE that is still "received" to the
actor that applies that provider's rows. Applying a row is idempotent (the row is locked and its
status checked), so a row swept while its first message is merely queued is still applied once.

Only "received" rows are sent: a "failed" one is retried by the queue (Dramatiq's backoff) and,
once it used up its attempts (inbox.max_attempts), is left for an admin to read and replay.
EasySMS delivery reports are swept by the notification tick instead (capped the same way).
"""

from __future__ import annotations

from workers.broker import broker  # first: sets the global broker before any actor below
from workers.ticker import PeriodicTicker, install

import logging
import os
from datetime import timedelta

import dramatiq

from hub_app import db as hub_db
from hub_app.domain.billing.events import PROVIDER as STRIPE
from hub_app.domain.calendly.inbound import PROVIDER as CALENDLY
from hub_app.domain.integrations import inbox
from hub_app.domain.tenancy import TenantContext
from hub_app.domain.types import utcnow
from workers.calendly_actors import apply_calendly_event
from workers.stripe_actors import process_stripe_event

logger = logging.getLogger(__name__)

QUEUE = "inbox"
TICK_SECONDS = float(os.environ.get("HUB_INBOX_SWEEP_SECONDS", "60"))
# Longer than a healthy queue takes to start a message, so a normal delivery is not sent twice.
GRACE = timedelta(minutes=2)

# provider -> the actor that applies one of its inbox rows (by id)
APPLIERS: dict[str, dramatiq.Actor] = {
    STRIPE: process_stripe_event,
    CALENDLY: apply_calendly_event,
}


@dramatiq.actor(queue_name=QUEUE, max_retries=0)
def sweep_inbox() -> None:
    cutoff = utcnow() - GRACE
    with hub_db.unit_of_work(TenantContext.system()) as db:
        lost = {provider: inbox.lost_deliveries(db, provider, cutoff) for provider in APPLIERS}
    for provider, ids in lost.items():
        for inbox_id in ids:
            APPLIERS[provider].send(inbox_id)
        if ids:
            logger.info("Inbox sweep: %d %s deliveries enqueued again", len(ids), provider)


class InboxSweepTicker(PeriodicTicker):
    """Enqueues `sweep_inbox` every `interval` seconds while a worker runs."""

    name = "inbox-sweep-ticker"

    def __init__(self, interval: float = TICK_SECONDS):
        super().__init__(interval)

    def tick(self) -> None:
        sweep_inbox.send()


install(broker, InboxSweepTicker())
