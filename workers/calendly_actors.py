"""Calendly background work: apply webhook deliveries and sync stores with Calendly.

Every worker process runs a small ticker (a middleware thread) that enqueues `reconcile_calendly`
every SYNC_SECONDS; it fans out one `reconcile_calendly_store` per connected store that was not
synced recently, so several workers ticking at once cost Calendly nothing extra. Webhooks carry
the real-time part; the sync catches what they missed.
"""

from __future__ import annotations

import logging
import os
import threading

import dramatiq

from workers.broker import broker
from hub_app.domain.calendly import jobs
from hub_app.domain.calendly.client import CalendlyRateLimited

logger = logging.getLogger(__name__)

QUEUE = "calendly"
SYNC_SECONDS = float(os.environ.get("HUB_CALENDLY_SYNC_SECONDS", "900"))


@dramatiq.actor(queue_name=QUEUE, max_retries=8, min_backoff=2_000, max_backoff=600_000)
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


class CalendlySyncTicker(dramatiq.Middleware):
    """Enqueues `reconcile_calendly` every `interval` seconds while a worker runs."""

    def __init__(self, interval: float = SYNC_SECONDS):
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def after_worker_boot(self, broker, worker) -> None:
        if self.interval <= 0 or self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="calendly-sync-ticker", daemon=True)
        self._thread.start()

    def before_worker_shutdown(self, broker, worker) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                reconcile_calendly.send()
            except Exception:  # the queue is down; try again next interval
                logger.warning("Could not enqueue the Calendly sync", exc_info=True)


if not any(isinstance(m, CalendlySyncTicker) for m in broker.middleware):
    broker.add_middleware(CalendlySyncTicker())
