"""Outbound webhook actors: send one delivery, and the sweep that finds what is due.

Each delivery is queued as soon as its transaction commits by the after-commit hand-off of
hub_app.domain.outbound_webhooks (`workers.jobs.connect_after_commit_hooks`). Retries
are scheduled by the delivery itself (its `next_attempt_at`): the actor re-enqueues itself with
that delay, and the tick sends anything due that no message carries (queue down at commit,
a worker that died inside an attempt).
"""

from __future__ import annotations

import logging
import os

import dramatiq

from workers.broker import broker
from workers.ticker import PeriodicTicker, install
from hub_app.db import unit_of_work
from hub_app.domain.outbound_webhooks import sending
from hub_app.domain.tenancy import TenantContext
from hub_app.domain.types import utcnow

logger = logging.getLogger(__name__)

QUEUE = "webhooks"
TICK_SECONDS = float(os.environ.get("HUB_WEBHOOK_TICK_SECONDS", "60"))


@dramatiq.actor(queue_name=QUEUE, max_retries=3, min_backoff=5_000, max_backoff=60_000)
def deliver_webhook(delivery_id: int) -> None:
    outcome = sending.deliver(delivery_id)
    logger.info("Webhook delivery %s: %s", delivery_id, outcome.status)
    if outcome.retry_at is not None:
        delay = max(0, int((outcome.retry_at - utcnow()).total_seconds() * 1000))
        deliver_webhook.send_with_options(args=(delivery_id,), delay=delay)


@dramatiq.actor(queue_name=QUEUE, max_retries=0)
def webhook_tick() -> None:
    with unit_of_work(TenantContext.system()) as db:
        due = sending.due_deliveries(db)
    for delivery_id in due:
        deliver_webhook.send(delivery_id)
    if due:
        logger.info("Webhook tick: %d deliveries enqueued", len(due))




class WebhookTicker(PeriodicTicker):
    """Enqueues `webhook_tick` every `interval` seconds while a worker runs."""

    name = "webhook-ticker"

    def __init__(self, interval: float = TICK_SECONDS):
        super().__init__(interval)

    def tick(self) -> None:
        webhook_tick.send()


install(broker, WebhookTicker())
