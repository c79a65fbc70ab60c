"""Bookings → exactly one remote event each, in the connection's target calendar.

The push is a reconciliation, safe to run any number of times and after any crash:

1. `plan` (one transaction): take the connection's lease, compare the live bookings with the
   ledger (`calendar_sync_event`) and write the intent first — a ledger row for each event to
   create, the new times on each one to update (ETag cleared = "not confirmed written"), a
   `deleted` mark on each one to remove. Committed before any network call.
2. `execute` (no transaction held): PUT each pending event at a URL derived from its UID
   (`If-None-Match: *` for a new one, `If-Match` for a known one; a 412 means the event is
   there already — a replay after a crash — so its ETag is read and the write repeated onto it),
   DELETE each removed one (404 = already gone).
3. `record` (one transaction): store the ETags, drop the ledger rows of deleted events, release
   the lease.

Because the intent is durable before the network call and the URL never changes for a
reschedule chain, a crash anywhere replays onto the same remote event: never a duplicate, never
an orphan once the next push has run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from hub_app.domain.base import new_row
from hub_app.domain.bookings.models import Booking, BookingStatus
from hub_app.domain.calendar_sync.caldav_client import object_url
from hub_app.domain.calendar_sync.client import CalDavClient, CalendarPreconditionFailed, CalendarSyncError
from hub_app.domain.calendar_sync.ics import booking_event, booking_uid
from hub_app.domain.calendar_sync.models import CalendarConnection, CalendarSyncEvent
from hub_app.domain.scheduling.models import Service
from hub_app.domain.stores.models import Store
from hub_app.domain.types import utcnow
from hub_app.i18n import t

LIVE = (BookingStatus.PENDING, BookingStatus.CONFIRMED)
LEASE_SECONDS = 300
# Bookings that ended before this are history: not written any more (their events stay).
PAST_DAYS = 1


@dataclass(frozen=True)
class PendingWrite:
    ledger_id: int
    url: str
    ics: str
    etag: str | None
    create: bool


@dataclass(frozen=True)
class PendingDelete:
    ledger_id: int
    url: str


@dataclass
class PushPlan:
    connection_id: int
    writes: list[PendingWrite] = field(default_factory=list)
    deletes: list[PendingDelete] = field(default_factory=list)
    leased: bool = True


@dataclass
class PushOutcome:
    etags: dict[int, str] = field(default_factory=dict)      # ledger id -> new ETag ("*" if none given)
    removed: list[int] = field(default_factory=list)         # ledger ids whose events are gone
    errors: list[CalendarSyncError] = field(default_factory=list)


def take_lease(db: Session, connection_id: int, now: datetime) -> bool:
    taken = db.execute(update(CalendarConnection).where(
        CalendarConnection.id == connection_id,
        or_(CalendarConnection.push_lease_until.is_(None), CalendarConnection.push_lease_until < now))
        .values(push_lease_until=now + timedelta(seconds=LEASE_SECONDS)))
    return taken.rowcount == 1


def chain_roots(db: Session, bookings: list[Booking]) -> dict[int, tuple[int, int]]:
    """booking id -> (first booking of its reschedule chain, how many moves since)."""
    parent = {b.id: b.rescheduled_from_id for b in bookings}
    result = {b.id: (b.id, 0) for b in bookings}
    frontier = {b.id: b.rescheduled_from_id for b in bookings if b.rescheduled_from_id}
    hops = 0
    while frontier and hops < 100:
        hops += 1
        missing = [p for p in frontier.values() if p not in parent]
        if missing:
            parent.update(dict(db.execute(select(Booking.id, Booking.rescheduled_from_id)
                                          .where(Booking.id.in_(missing))).all()))
        following = {}
        for booking_id, ancestor in frontier.items():
            result[booking_id] = (ancestor, hops)
            if parent.get(ancestor):
                following[booking_id] = parent[ancestor]
        frontier = following
    return result


def plan_push(db: Session, connection: CalendarConnection, now: datetime | None = None) -> PushPlan:
    now = now or utcnow()
    plan = PushPlan(connection_id=connection.id)
    if not take_lease(db, connection.id, now):
        plan.leased = False
        return plan
    bookings = list(db.scalars(select(Booking).where(
        Booking.calendar_id == connection.calendar_id, Booking.status.in_(LIVE),
        Booking.end_at > now - timedelta(days=PAST_DAYS))))
    names = dict(db.execute(select(Service.id, Service.name).where(
        Service.id.in_({b.service_id for b in bookings}))).all()) if bookings else {}
    roots = chain_roots(db, bookings)
    # The events land in the store's own calendar: written in the store's language.
    store = db.get(Store, connection.store_id)
    locale = store.locale if store is not None else None
    ledger = {row.uid: row for row in db.scalars(select(CalendarSyncEvent).where(
        CalendarSyncEvent.connection_id == connection.id))}
    wanted: set[str] = set()
    for booking in bookings:
        root, moves = roots[booking.id]
        uid = booking_uid(connection.store_id, root)
        wanted.add(uid)
        summary = (names.get(booking.service_id) or t("calendar_sync.event_summary", locale))[:300]
        row = ledger.get(uid)
        if row is None:
            row = new_row(CalendarSyncEvent, store_id=connection.store_id, connection_id=connection.id,
                          booking_id=booking.id, uid=uid, href=object_url(connection.target_url, f"{uid}.ics"),
                          etag=None, start_at=booking.start_at, end_at=booking.end_at, summary=summary)
            db.add(row)
            if_match = None
        else:
            same = (row.booking_id == booking.id and row.start_at == booking.start_at
                    and row.end_at == booking.end_at and row.summary == summary and not row.deleted)
            if same and row.etag is not None:
                continue
            if_match = row.etag
            row.booking_id, row.start_at, row.end_at, row.summary = booking.id, booking.start_at, booking.end_at, summary
            row.deleted = False
            row.etag = None  # pending until the write is confirmed
        db.flush()
        ics = booking_event(uid=uid, store_id=connection.store_id, start=booking.start_at, end=booking.end_at,
                            summary=summary, description=t("calendar_sync.event_description", locale, id=booking.id),
                            sequence=moves, stamp=now)
        plan.writes.append(PendingWrite(ledger_id=row.id, url=row.href, ics=ics, etag=if_match,
                                        create=if_match is None))
    for uid, row in ledger.items():
        if uid not in wanted:
            row.deleted = True
            plan.deletes.append(PendingDelete(ledger_id=row.id, url=row.href))
    db.flush()
    return plan


def execute_push(client: CalDavClient, plan: PushPlan) -> PushOutcome:
    """The network part; every success is reported even when a later call fails."""
    outcome = PushOutcome()
    for write in plan.writes:
        try:
            outcome.etags[write.ledger_id] = _write(client, write)
        except CalendarSyncError as exc:
            outcome.errors.append(exc)
    for removal in plan.deletes:
        try:
            client.delete(removal.url)
            outcome.removed.append(removal.ledger_id)
        except CalendarSyncError as exc:
            outcome.errors.append(exc)
    return outcome


def _write(client: CalDavClient, write: PendingWrite) -> str:
    try:
        etag = client.put(write.url, write.ics, etag=write.etag, create=write.create)
    except CalendarPreconditionFailed:
        # Created by an earlier attempt that did not live to record it, or edited remotely: the
        # booking stands, so the event is rewritten onto its current version.
        current = client.etag_of(write.url)
        etag = client.put(write.url, write.ics, etag=current, create=current is None)
    return etag or "*"


def record_push(db: Session, plan: PushPlan, outcome: PushOutcome, now: datetime | None = None) -> None:
    now = now or utcnow()
    rows = {row.id: row for row in db.scalars(select(CalendarSyncEvent).where(
        CalendarSyncEvent.id.in_(list(outcome.etags) + outcome.removed)))} if (outcome.etags or outcome.removed) else {}
    for ledger_id, etag in outcome.etags.items():
        row = rows.get(ledger_id)
        if row is not None and not row.deleted:
            row.etag = etag[:200]
    for ledger_id in outcome.removed:
        row = rows.get(ledger_id)
        if row is not None and row.deleted:
            db.delete(row)
    connection = db.get(CalendarConnection, plan.connection_id)
    if connection is not None:
        connection.push_lease_until = None
        if not outcome.errors:
            connection.last_pushed_at = now
    db.flush()
