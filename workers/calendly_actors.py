"""Calendly background work: apply webhook deliveries and sync stores with Calendly.

Every worker process runs a small ticker (a middleware thread) that enqueues `reconcile_calendly`
every SYNC_SECONDS; it fans out one `reconcile_calendly_store` per connected store that was not
synced recently, so several workers ticking at once cost Calendly nothing extra. Webhooks carry
the real-time part; the sync catches what they missed.
"""

from __future__ import annotations

import logging
import os

import dramatiq

from workers.broker import broker
from workers.ticker import PeriodicTicker, install
from hub_app.domain.calendly import jobs
from hub_app.domain.calendly.client import CalendlyRateLimited
from hub_app.domain.calendly.inbound import PROVIDER
from hub_app.domain.integrations import inbox

logger = logging.getLogger(__name__)

QUEUE = "calendly"
SYNC_SECONDS = float(os.environ.get("HUB_CALENDLY_SYNC_SECONDS", "900"))


@dramatiq.actor(queue_name=QUEUE, max_retries=inbox.max_attempts(PROVIDER) - 1, min_backoff=2_000,
                max_backoff=600_000)
def apply_calendly_event(inbox_id: int) -> None:
    jobs.process_inbox_event(inbox_id)


@dramatiq.actor(queue_name=QUEUE, max_retries=5, min_backoff=10_000, max_backoff=900_000)
def reconcile_calendly_store(store_id: int) -> None:
    try:
        jobs.reconcile(store_id)
    except CalendlyRateLimited as exc:
        # A long reset: come back once it has passed instead of spending a retry.
        reconcile_calendly_store.send_with_options(args=(store_id,), delay=(exc.reset_seconds + 1) * 1000)


@dramatiq.actor(queue_name=QUEUE, max_retries=0)
def reconcile_calendly(min_interval_seconds: float = SYNC_SECONDS / 2) -> None:
    for store_id in jobs.stores_due_for_sync(min_interval_seconds):
        reconcile_calendly_store.send(store_id)


class CalendlySyncTicker(PeriodicTicker):
    """Enqueues `reconcile_calendly` every `interval` seconds while a worker runs."""

    name = "calendly-sync-ticker"

    def __init__(self, interval: float = SYNC_SECONDS):
        super().__init__(interval)

    def tick(self) -> None:
        reconcile_calendly.send()


install(broker, CalendlySyncTicker())
