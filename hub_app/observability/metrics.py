"""Prometheus metrics, served at GET /metrics.

Counted in the web process:
- `hub_http_requests_total{method,route,status}` and `hub_http_request_duration_seconds{method,route}`
  (route = the route template, e.g. `/api/v1/stores/{slug}/bookings`, so labels stay few);
- `hub_bookings_created_total{status}` and `hub_bookings_cancelled_total`, counted when the
  transaction that made the change commits (SQLAlchemy session events, ORM changes).

Read from the database and Redis at scrape time (so they are right whichever process or worker
did the work; cached for a few seconds):
- `hub_webhook_lag_seconds{provider}`: age of the oldest unprocessed inbox row (0 when none),
  `hub_webhook_unprocessed{provider}`;
- `hub_queue_depth{queue}`: messages waiting in each Dramatiq queue (ready + delayed) when
  REDIS_URL is set, `hub_queue_dead_letters{queue}`;
- `hub_notifications{status}` (pending and failed rows: failures are `status="failed"`);
- `hub_dependency_up{dependency}`: whether the database and Redis answered the scrape.

Several server worker processes: set PROMETHEUS_MULTIPROC_DIR to an empty directory before the
server starts, and the counters of every process are added up at scrape time.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterable

import sqlalchemy as sa
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import event
from sqlalchemy.orm import Session

from hub_app.domain.bookings.models import Booking, BookingStatus
from hub_app.domain.integrations.models import InboxStatus, WebhookEvent
from hub_app.domain.notifications.models import Notification, NotificationStatus
from hub_app.domain.types import utcnow

logger = logging.getLogger(__name__)

MULTIPROCESS = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
# In multiprocess mode the values live in files and the default registry is not used for output.
REGISTRY = CollectorRegistry(auto_describe=True)

HTTP_REQUESTS = Counter("hub_http_requests_total", "HTTP requests answered.", ["method", "route", "status"],
                        registry=REGISTRY)
HTTP_LATENCY = Histogram(
    "hub_http_request_duration_seconds", "Time to answer an HTTP request.", ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0), registry=REGISTRY)
BOOKINGS_CREATED = Counter("hub_bookings_created_total", "Bookings created (committed).", ["status"],
                           registry=REGISTRY)
BOOKINGS_CANCELLED = Counter("hub_bookings_cancelled_total", "Bookings cancelled (committed).", registry=REGISTRY)

STATE_CACHE_SECONDS = 5.0
KNOWN_QUEUES = ("default", "notifications", "stripe", "calendly", "webhooks")


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    HTTP_REQUESTS.labels(method, route, str(status)).inc()
    HTTP_LATENCY.labels(method, route).observe(seconds)


# --- bookings, counted at commit -----------------------------------------------------------

_PENDING = "hub_metrics_booking_changes"


@event.listens_for(Session, "after_flush")
def _note_booking_changes(session: Session, _flush_context) -> None:
    changes = session.info.setdefault(_PENDING, [])
    for obj in session.new:
        if isinstance(obj, Booking):
            changes.append(("created", getattr(obj.status, "value", str(obj.status))))
    for obj in session.dirty:
        if isinstance(obj, Booking):
            history = sa.inspect(obj).attrs.status.history
            if BookingStatus.CANCELLED in (history.added or ()) and BookingStatus.CANCELLED not in (history.deleted or ()):
                changes.append(("cancelled", "cancelled"))


@event.listens_for(Session, "after_commit")
def _count_committed(session: Session) -> None:
    if session.get_nested_transaction() is not None:
        return  # a savepoint was released; the outer transaction may still roll back
    for kind, status in session.info.pop(_PENDING, ()):
        if kind == "created":
            BOOKINGS_CREATED.labels(status).inc()
        else:
            BOOKINGS_CANCELLED.inc()


@event.listens_for(Session, "after_transaction_end")
def _forget_rolled_back(session: Session, transaction) -> None:
    # The outermost transaction ended without a commit (after_commit pops the list first).
    if transaction.parent is None:
        session.info.pop(_PENDING, None)


# --- state read at scrape time -------------------------------------------------------------


class HubStateCollector(Collector):
    """Gauges read from the database and Redis, cached for STATE_CACHE_SECONDS."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cached_at = 0.0
        self._cached: list[GaugeMetricFamily] = []

    def invalidate(self) -> None:
        with self._lock:
            self._cached_at = 0.0

    def collect(self) -> Iterable[GaugeMetricFamily]:
        with self._lock:
            if time.monotonic() - self._cached_at > STATE_CACHE_SECONDS:
                self._cached = self._read()
                self._cached_at = time.monotonic()
            return list(self._cached)

    def _read(self) -> list[GaugeMetricFamily]:
        up = GaugeMetricFamily("hub_dependency_up", "Whether a dependency answered the last scrape.",
                               labels=["dependency"])
        families = [up]
        try:
            families += _database_gauges()
            up.add_metric(["database"], 1)
        except Exception as exc:
            logger.warning("Metrics: database unavailable (%s)", type(exc).__name__)
            up.add_metric(["database"], 0)
        redis_url = _redis_url()
        if redis_url:
            try:
                families += _queue_gauges(redis_url)
                up.add_metric(["redis"], 1)
            except Exception as exc:
                logger.warning("Metrics: Redis unavailable (%s)", type(exc).__name__)
                up.add_metric(["redis"], 0)
        return families


def _redis_url() -> str | None:
    from hub_app.settings import get_settings

    return get_settings().redis_url


def _database_gauges() -> list[GaugeMetricFamily]:
    from hub_app.db import unit_of_work
    from hub_app.domain.tenancy import TenantContext

    lag = GaugeMetricFamily("hub_webhook_lag_seconds",
                            "Age of the oldest webhook delivery not yet processed (0 when none).", labels=["provider"])
    unprocessed = GaugeMetricFamily("hub_webhook_unprocessed", "Webhook deliveries not yet processed.",
                                    labels=["provider"])
    notifications = GaugeMetricFamily("hub_notifications", "Notifications by status (pending, failed).",
                                      labels=["status"])
    waiting = (InboxStatus.RECEIVED, InboxStatus.STARTED, InboxStatus.FAILED)
    now = utcnow()
    with unit_of_work(TenantContext.system()) as db:
        rows = db.execute(
            sa.select(WebhookEvent.provider, sa.func.min(WebhookEvent.received_at), sa.func.count())
            .where(WebhookEvent.status.in_(waiting)).group_by(WebhookEvent.provider)
        ).all()
        counts = dict(db.execute(
            sa.select(Notification.status, sa.func.count())
            .where(Notification.status.in_([NotificationStatus.PENDING, NotificationStatus.FAILED]))
            .group_by(Notification.status)
        ).all())
    seen = set()
    for provider, oldest, count in rows:
        seen.add(provider)
        lag.add_metric([provider], max(0.0, (now - oldest).total_seconds()) if oldest else 0.0)
        unprocessed.add_metric([provider], count)
    for provider in ("stripe", "calendly", "easysms"):
        if provider not in seen:
            lag.add_metric([provider], 0.0)
            unprocessed.add_metric([provider], 0)
    for status in (NotificationStatus.PENDING, NotificationStatus.FAILED):
        notifications.add_metric([status.value], counts.get(status, 0))
    return [lag, unprocessed, notifications]


def _queue_names() -> list[str]:
    names = set(KNOWN_QUEUES)
    try:
        from workers.broker import broker

        names |= {q for q in broker.get_declared_queues() if not q.endswith((".DQ", ".XQ"))}
    except Exception:  # the broker module could not be loaded: the known queues are enough
        pass
    return sorted(names)


def _queue_gauges(redis_url: str) -> list[GaugeMetricFamily]:
    import redis

    namespace = os.environ.get("HUB_QUEUE_NAMESPACE", "hub")
    depth = GaugeMetricFamily("hub_queue_depth", "Messages waiting in a Dramatiq queue (ready + delayed).",
                              labels=["queue"])
    dead = GaugeMetricFamily("hub_queue_dead_letters", "Messages that exhausted their retries.", labels=["queue"])
    client = redis.Redis.from_url(redis_url, socket_connect_timeout=1, socket_timeout=1)
    try:
        with client.pipeline(transaction=False) as pipe:
            names = _queue_names()
            for name in names:
                pipe.llen(f"{namespace}:{name}")
                pipe.llen(f"{namespace}:{name}.DQ")
                pipe.zcard(f"{namespace}:{name}.XQ")
            values = pipe.execute()
    finally:
        client.close()
    for i, name in enumerate(names):
        ready, delayed, dead_letters = values[3 * i: 3 * i + 3]
        depth.add_metric([name], ready + delayed)
        dead.add_metric([name], dead_letters)
    return [depth, dead]


_STATE = HubStateCollector()


def forget_cached_state() -> None:
    """Make the next scrape read the database and Redis again (tests, and after a restore)."""
    _STATE.invalidate()


def render_metrics() -> tuple[bytes, str]:
    """The exposition text (all processes' counters in multiprocess mode) and its content type."""
    registry = CollectorRegistry(auto_describe=False)
    if MULTIPROCESS:
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        for collector in (HTTP_REQUESTS, HTTP_LATENCY, BOOKINGS_CREATED, BOOKINGS_CANCELLED):
            registry.register(collector)
    registry.register(_STATE)
    return generate_latest(registry), CONTENT_TYPE_LATEST
