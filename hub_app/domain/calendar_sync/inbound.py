"""Remote events → busy time on the hub calendar, one source at a time, touching only what changed.

Each remote object keeps a `calendar_sync_item` row (href, ETag, how many busy rows it produced).
Its busy rows live in `external_busy_time` with `external_uri = "caldav:<item id>:<n>"`, so a
changed or deleted object finds its rows by key (the store's unique index), never by scanning.
The hub's own events (marked with this store's id) produce no busy time. A busy interval that
overlaps a live booking is recorded as a conflict; the booking stands.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from hub_app.domain.base import new_row
from hub_app.domain.bookings.models import Booking, BookingStatus
from hub_app.domain.calendar_sync.client import RemoteChanges
from hub_app.domain.calendar_sync.ics import BusyInterval, IcsError, read_object
from hub_app.domain.calendar_sync.models import (
    CalendarConnection, ConnectionKind, CalendarSyncConflict, CalendarSyncItem, CalendarSyncSource,
)
from hub_app.domain.scheduling.models import ExternalBusyTime
from hub_app.domain.types import utcnow

LIVE = (BookingStatus.PENDING, BookingStatus.CONFIRMED)
# How far ahead remote events are expanded into busy time; recurring ones are re-expanded as
# time moves on (see `refresh_recurring`).
HORIZON_DAYS = 400
REEXPAND_MARGIN_DAYS = 30


@dataclass
class InboundResult:
    changed: int = 0
    deleted: int = 0
    busy_rows: int = 0
    conflicts: int = 0
    problems: list[str] = field(default_factory=list)


def window(now: datetime) -> tuple[datetime, datetime]:
    return now - timedelta(days=1), now + timedelta(days=HORIZON_DAYS)


def busy_uri(item_id: int, n: int) -> str:
    return f"caldav:{item_id}:{n}"


def _drop_busy(db: Session, items: list[CalendarSyncItem]) -> None:
    """Delete the busy rows (and their open conflicts) of these items, by key, in batches."""
    uris = [busy_uri(item.id, n) for item in items if item.id is not None for n in range(item.occurrences)]
    for item in items:
        item.occurrences = 0
    if not uris:
        return
    store_id = items[0].store_id
    for start in range(0, len(uris), 500):
        batch = uris[start:start + 500]
        db.execute(delete(ExternalBusyTime).where(ExternalBusyTime.store_id == store_id,
                                                  ExternalBusyTime.external_uri.in_(batch)))
        # The remote event moved or went away: its overlaps are found again from its new times.
        db.execute(delete(CalendarSyncConflict).where(CalendarSyncConflict.store_id == store_id,
                                                      CalendarSyncConflict.remote_key.in_(batch)))


def _record_conflicts(db: Session, connection: CalendarConnection,
                      busy: list[tuple[str, BusyInterval]]) -> int:
    """One read of the live bookings under all the new busy intervals; each overlap recorded once."""
    if not busy:
        return 0
    lowest, highest = min(i.start for _k, i in busy), max(i.end for _k, i in busy)
    bookings = db.execute(select(Booking.id, Booking.start_at, Booking.end_at).where(
        Booking.calendar_id == connection.calendar_id, Booking.status.in_(LIVE),
        Booking.start_at < highest, Booking.end_at > lowest).order_by(Booking.start_at)).all()
    if not bookings:
        return 0
    known = set(db.execute(select(CalendarSyncConflict.booking_id, CalendarSyncConflict.remote_key).where(
        CalendarSyncConflict.booking_id.in_([b.id for b in bookings]))).all())
    added = 0
    for key, interval in busy:
        for booking in bookings:
            if booking.start_at < interval.end and booking.end_at > interval.start and (booking.id, key) not in known:
                db.add(new_row(CalendarSyncConflict, store_id=connection.store_id, connection_id=connection.id,
                               booking_id=booking.id, remote_key=key, summary=interval.summary,
                               start_at=interval.start, end_at=interval.end))
                known.add((booking.id, key))
                added += 1
    return added


def apply_objects(db: Session, connection: CalendarConnection, objects: list[tuple[CalendarSyncItem, str | None]],
                  zone: ZoneInfo, now: datetime, result: InboundResult, source: str = "caldav") -> None:
    """Replace the busy rows of these remote objects with what their current texts say.

    Batched: one flush for the new items, one delete per 500 old busy rows, one bookings read for
    the conflicts, whatever the number of objects."""
    start, end = window(now)
    replaced: list[tuple[CalendarSyncItem, list[BusyInterval]]] = []
    for item, text in objects:
        name = item.href.rsplit("/", 1)[-1]
        if text is None:
            item.error = "the object is too large or could not be read"
            result.problems.append(f"{name}: {item.error}")
            continue
        try:
            parsed, problems = read_object(text, zone, start, end)
        except IcsError as exc:
            # Keep what the object blocked before: a broken edit must not free the time.
            item.error = str(exc)[:500]
            result.problems.append(f"{name}: {exc}")
            continue
        item.error = "; ".join(problems)[:500] or None
        result.problems.extend(f"{name}: {p}" for p in problems)
        item.uid = (parsed.uid or "")[:300] or None
        item.own = parsed.own_store_id == connection.store_id
        item.recurring_ics = text if parsed.recurring and not item.own else None
        item.expanded_until = end
        replaced.append((item, [] if item.own else parsed.intervals))
    _drop_busy(db, [item for item, _ in replaced])
    db.flush()  # the new items get the ids that name their busy rows
    busy: list[tuple[str, BusyInterval]] = []
    for item, intervals in replaced:
        for n, interval in enumerate(intervals):
            key = busy_uri(item.id, n)
            db.add(new_row(ExternalBusyTime, store_id=connection.store_id, calendar_id=connection.calendar_id,
                           source=source, external_uri=key, start_at=interval.start, end_at=interval.end,
                           is_active=True))
            busy.append((key, interval))
        item.occurrences = len(intervals)
    result.busy_rows += len(busy)
    result.conflicts += _record_conflicts(db, connection, busy)


def known_etags(db: Session, source: CalendarSyncSource) -> dict[str, str | None]:
    """Every object's ETag: needed only for a full listing (no usable sync token)."""
    return dict(db.execute(select(CalendarSyncItem.href, CalendarSyncItem.etag)
                           .where(CalendarSyncItem.source_id == source.id)).all())


def apply_changes(db: Session, connection: CalendarConnection, source: CalendarSyncSource, changes: RemoteChanges,
                  zone: ZoneInfo, now: datetime | None = None, kind: str = "caldav") -> InboundResult:
    now = now or utcnow()
    result = InboundResult()
    hrefs = [o.href for o in changes.changed] + list(changes.deleted)
    items: dict[str, CalendarSyncItem] = {}
    for start in range(0, len(hrefs), 500):
        for item in db.scalars(select(CalendarSyncItem).where(CalendarSyncItem.source_id == source.id,
                                                             CalendarSyncItem.href.in_(hrefs[start:start + 500]))):
            items[item.href] = item
    gone = [items[href] for href in changes.deleted if href in items]
    _drop_busy(db, gone)
    for item in gone:
        db.delete(item)
    result.deleted = len(gone)
    objects = []
    for obj in changes.changed:
        item = items.get(obj.href)
        if item is None:
            item = new_row(CalendarSyncItem, store_id=connection.store_id, source_id=source.id, href=obj.href[:500])
            db.add(item)
        item.etag = (obj.etag or "")[:200] or None
        objects.append((item, obj.data))
    apply_objects(db, connection, objects, zone, now, result, kind)
    result.changed = len(objects)
    if changes.sync_token:
        source.sync_token = changes.sync_token[:500]
    db.flush()
    return result


def refresh_recurring(db: Session, connection: CalendarConnection, zone: ZoneInfo,
                      now: datetime | None = None) -> InboundResult:
    """Expand again the recurring objects whose busy rows stop too soon (the horizon moved)."""
    now = now or utcnow()
    result = InboundResult()
    due = now + timedelta(days=HORIZON_DAYS - REEXPAND_MARGIN_DAYS)
    sources = select(CalendarSyncSource.id).where(CalendarSyncSource.connection_id == connection.id)
    items = list(db.scalars(select(CalendarSyncItem).where(
        CalendarSyncItem.source_id.in_(sources), CalendarSyncItem.recurring_ics.is_not(None),
        CalendarSyncItem.expanded_until < due)))
    apply_objects(db, connection, [(item, item.recurring_ics) for item in items], zone, now, result,
                  ConnectionKind(connection.kind).value)
    db.flush()
    return result
