"""Calendar sync in the background: a periodic tick, a sync per connection, a push per booking
change. Actors take ids; the domain (hub_app.domain.calendar_sync.jobs) does the work.

Provider errors that may pass (401, 404, 412, 5xx, timeouts) are raised by the job after the
connection's status was written, so Dramatiq retries them with exponential backoff; an answer
that is not CalDAV at all (an HTML page, a 50 MB feed) waits for the next tick instead.
"""

from __future__ import annotations

import logging
import os

import dramatiq

from workers.broker import broker
from workers.ticker import PeriodicTicker, install
from hub_app.domain.calendar_sync import jobs
from hub_app.domain.calendar_sync.client import CalendarSyncError

logger = logging.getLogger(__name__)

QUEUE = "calendar_sync"
# A remote change blocks its slot within one tick (plus the sync itself).
SYNC_SECONDS = float(os.environ.get("HUB_CALENDAR_SYNC_SECONDS", "60"))


def _retry_up_to(limit: int):
    def should_retry(retries: int, exc: BaseException) -> bool:
        return retries < limit and (not isinstance(exc, CalendarSyncError) or exc.retryable)
    return should_retry


@dramatiq.actor(queue_name=QUEUE, min_backoff=5_000, max_backoff=600_000, retry_when=_retry_up_to(6))
def sync_calendar_connection(connection_id: int) -> None:
    report = jobs.sync_connection(connection_id)
    logger.info("Calendar sync %s: %s", connection_id, report)


@dramatiq.actor(queue_name=QUEUE, min_backoff=2_000, max_backoff=600_000, retry_when=_retry_up_to(8))
def push_calendar_connection(connection_id: int) -> None:
    report = jobs.push(connection_id)
    if report.skipped == "busy":
        # Another worker holds the push lease: its plan may predate this change, so look again.
        push_calendar_connection.send_with_options(args=(connection_id,), delay=5_000)


@dramatiq.actor(queue_name=QUEUE, max_retries=0)
def calendar_sync_tick(min_interval_seconds: float = SYNC_SECONDS / 2) -> None:
    for connection_id in jobs.connections_due(min_interval_seconds):
        sync_calendar_connection.send(connection_id)


class CalendarSyncTicker(PeriodicTicker):
    """Enqueues `calendar_sync_tick` every `interval` seconds while a worker runs."""

    name = "calendar-sync-ticker"

    def __init__(self, interval: float = SYNC_SECONDS):
        super().__init__(interval)

    def tick(self) -> None:
        calendar_sync_tick.send()


install(broker, CalendarSyncTicker())
