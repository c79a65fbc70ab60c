"""Periodic jobs without a scheduler: while a worker runs, a thread enqueues a tick every N seconds.

The tick jobs themselves find their work in the database (due reminders, stuck outbox rows, lost
webhook deliveries), so a tick that is missed or doubled (several workers) costs nothing.
"""

from __future__ import annotations

import logging
import threading

import dramatiq

logger = logging.getLogger(__name__)


class PeriodicTicker(dramatiq.Middleware):
    """Calls `tick()` every `interval` seconds between worker boot and shutdown."""

    name = "ticker"

    def __init__(self, interval: float):
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def tick(self) -> None:
        raise NotImplementedError

    def after_worker_boot(self, broker, worker) -> None:
        if self.interval <= 0 or self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()

    def before_worker_shutdown(self, broker, worker) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _run(self) -> None:
        # First tick after one interval: a worker that restarts in a loop does not flood the queue.
        while not self._stop.wait(self.interval):
            try:
                self.tick()
            except Exception:  # the queue is down; try again next interval
                logger.warning("Could not enqueue the %s tick", self.name, exc_info=True)


def install(broker: dramatiq.Broker, ticker: PeriodicTicker) -> None:
    """Add the ticker once per broker, however often its module is imported."""
    if not any(isinstance(m, type(ticker)) for m in broker.middleware):
        broker.add_middleware(ticker)
