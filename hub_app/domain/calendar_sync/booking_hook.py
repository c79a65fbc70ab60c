"""Booking changes → a push of the calendar's connection, handed to the queue after COMMIT.

The outbox here is the database itself: a push compares the live bookings with the ledger of
written events (outbound.py), so nothing has to be written beside the booking. A session event
notes the calendars whose bookings were inserted or changed in this transaction; after the
outermost commit, the pushes of those calendars' connections are enqueued. If the queue is down
then, or the connection is newer than the cached list below, the periodic tick pushes within one
interval: a missed message delays a write, it never loses one.

Which calendars have a write target is kept per process for CACHE_SECONDS, so a booking in a
store without outside calendars costs no query and no queue message.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from hub_app.domain.bookings.models import Booking

logger = logging.getLogger(__name__)

CACHE_SECONDS = 30.0
_KEY = "calendar_sync_calendars"
# Columns whose change moves, adds or removes the booking's remote event.
_WATCHED = ("status", "start_at", "end_at", "calendar_id", "service_id")

_enqueuer: Callable[[list[int]], None] | None = None
# Per database (tests and tools use several in one process): (loaded at, calendar -> connections).
_targets: dict[str, tuple[float, dict[int, list[int]]]] = {}
_lock = threading.Lock()


def register_enqueuer(enqueue: Callable[[list[int]], None] | None) -> None:
    """Set the function that queues pushes for connection ids (the worker module does this)."""
    global _enqueuer
    _enqueuer = enqueue


def forget_targets() -> None:
    """Read the connections again on the next booking (after a connect or disconnect here)."""
    with _lock:
        _targets.clear()


def _connections_by_calendar(engine) -> dict[int, list[int]]:
    key = str(engine.url)
    with _lock:
        loaded_at, targets = _targets.get(key, (0.0, {}))
        if time.monotonic() - loaded_at < CACHE_SECONDS:
            return targets
    from hub_app import db as hub_db  # the unit of work sits above the domain models
    from hub_app.domain.calendar_sync.models import CalendarConnection, ConnectionKind, ConnectionState
    from hub_app.domain.tenancy import TenantContext

    found: dict[int, list[int]] = {}
    with hub_db.unit_of_work(TenantContext.system(), engine) as db:
        for calendar_id, connection_id in db.execute(select(CalendarConnection.calendar_id, CalendarConnection.id).where(
                CalendarConnection.kind == ConnectionKind.CALDAV, CalendarConnection.target_url.is_not(None),
                CalendarConnection.state != ConnectionState.PAUSED)):
            found.setdefault(calendar_id, []).append(connection_id)
    with _lock:
        _targets[key] = (time.monotonic(), found)
    return found


@event.listens_for(Session, "after_flush")
def _note_changed_calendars(session: Session, _flush_context) -> None:
    if _enqueuer is None:
        return
    noted = None
    for obj in session.new:
        if isinstance(obj, Booking):
            noted = noted if noted is not None else session.info.setdefault(_KEY, set())
            noted.add(obj.calendar_id)
    for obj in session.dirty:
        if isinstance(obj, Booking):
            state = inspect(obj)
            changed = [name for name in _WATCHED if state.attrs[name].history.has_changes()]
            if changed:
                noted = noted if noted is not None else session.info.setdefault(_KEY, set())
                noted.add(obj.calendar_id)
                before = state.attrs["calendar_id"].history.deleted
                noted.update(c for c in before if c is not None)


@event.listens_for(Session, "after_commit")
def _enqueue_pushes(session: Session) -> None:
    if session.get_nested_transaction() is not None:
        return
    calendars = session.info.pop(_KEY, None)
    if not calendars or _enqueuer is None:
        return
    try:
        bind = session.get_bind()  # the database the booking was written to
        targets = _connections_by_calendar(getattr(bind, "engine", bind))
        connection_ids = sorted({c for cal in calendars for c in targets.get(cal, ())})
        if connection_ids:
            _enqueuer(connection_ids)
    except Exception:  # the booking is committed; the tick pushes what could not be queued
        logger.warning("Could not enqueue calendar pushes for %s", sorted(calendars), exc_info=True)


@event.listens_for(Session, "after_transaction_end")
def _forget_rolled_back(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_KEY, None)
