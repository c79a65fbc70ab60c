"""The Dramatiq worker inside the web process, for running without Redis (`make run`).

Importing the actors here declares their queues before the worker starts consuming.
"""

from __future__ import annotations

import logging

import dramatiq

import workers.actors  # noqa: F401  (declares every queue)
from workers.broker import broker, stop_worker

logger = logging.getLogger(__name__)


def start_embedded_worker(worker_threads: int = 2) -> dramatiq.Worker:
    """Start consuming every declared queue inside this process and return the worker.

    Used by the web app's lifespan when REDIS_URL is unset, and by tests. Queues declared
    after the start are picked up too (the worker listens for `after_declare_queue`).
    """
    worker = dramatiq.Worker(broker, worker_threads=worker_threads)
    worker.start()
    logger.info("Embedded Dramatiq worker started (%d threads)", worker_threads)
    return worker


def stop_embedded_worker(worker: dramatiq.Worker, timeout_ms: int = 5000) -> None:
    """Stop the worker; in-flight messages get `timeout_ms` to finish (blocking call)."""
    stop_worker(worker, timeout_ms)
    logger.info("Embedded Dramatiq worker stopped")
