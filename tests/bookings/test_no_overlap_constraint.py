"""No double booking holds in the database itself, not only under the app's calendar lock.

The bookings here are plain INSERTs and UPDATEs of `booking` rows (no booking function, so no
calendar lock): the database's rule (migration 0010, trigger `booking_no_overlap`) alone decides.
On SQLite and PostgreSQL.
"""

from __future__ import annotations

import threading
import time as clock
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy.exc import IntegrityError

from hub_app import db as hub_db
from hub_app.domain.accounts.models import UserRole
from hub_app.domain.bookings.models import Booking, BookingSource, BookingStatus
from hub_app.domain.bookings.placement import place, refused_as_overlap
from hub_app.domain.errors import SlotTaken
from hub_app.domain.scheduling.service import ServiceInput, create_service
from hub_app.domain.tenancy import TenantContext
from hub_app.domain.types import utcnow
from tests.bookings.helpers import UTC, act, build_shop, next_monday_after
from tests.factories import make_user


@dataclass(frozen=True)
class Ids:
    store: int
    calendar: int
    service: int
    group: int  # the same calendar, a class of up to 3 persons
    clients: tuple[int, ...]


def arrange(db) -> Ids:
    shop = build_shop(db, calendars=1)
    group = create_service(db, shop.manager_ctx, ServiceInput(
        name="Class", duration_minutes=30, price_type="fixed", base_price_amount="5.00", capacity_persons=3,
        max_persons=3, calendar_ids=[shop.calendars[0].id]))
    act(db, TenantContext.system())
    clients = tuple(make_user(db, UserRole.CLIENT).id for _ in range(4))
    return Ids(shop.store.id, shop.calendars[0].id, shop.service.id, group.id, clients)


START = datetime.combine(next_monday_after(), datetime.min.time(), tzinfo=UTC) + timedelta(hours=9)


def row(ids: Ids, minute: int, *, minutes: int = 30, client: int = 0, service: int | None = None, persons: int = 1,
        status: BookingStatus = BookingStatus.CONFIRMED, hold: datetime | None = None,
        source: BookingSource = BookingSource.WEB) -> Booking:
    start = START + timedelta(minutes=minute)
    end = start + timedelta(minutes=minutes)
    return Booking(store_id=ids.store, client_user_id=ids.clients[client], service_id=service or ids.service,
                   calendar_id=ids.calendar, start_at=start, end_at=end, booking_date=start.date(),
                   start_time=start.time(), end_time=end.time(), number_of_persons=persons, status=status,
                   total_amount=Decimal("0.00"), currency="EUR", hold_expires_at=hold, source=source)


def accepted(db, booking: Booking) -> bool:
    """Insert `booking` in a savepoint: True if the database took it, False if it refused it as
    an overlap (any other error is a failure of the test)."""
    attempt = db.begin_nested()
    try:
        db.add(booking)
        db.flush()
    except IntegrityError as exc:
        attempt.rollback()
        assert refused_as_overlap(exc), exc
        return False
    attempt.commit()
    return True


@pytest.fixture
def ids(db) -> Ids:
    return arrange(db)


def test_overlapping_live_bookings_are_refused_and_the_rest_accepted(db, ids):
    assert accepted(db, row(ids, 0))                                     # 09:00-09:30
    assert not accepted(db, row(ids, 15, client=1))                      # 09:15: overlaps
    assert not accepted(db, row(ids, 0, client=1))                       # the same time, one place
    assert not accepted(db, row(ids, -15, minutes=60, client=1))         # 08:45-09:45 covers it
    assert accepted(db, row(ids, 30, client=1))                          # back to back after
    assert accepted(db, row(ids, -30, client=2))                         # back to back before
    assert accepted(db, row(ids, 120, client=3))                         # elsewhere in the day
    # Bookings that do not hold their time never block, and are never blocked.
    assert accepted(db, row(ids, 0, client=1, status=BookingStatus.CANCELLED))
    assert accepted(db, row(ids, 0, client=2, status=BookingStatus.RESCHEDULED))
    expired = utcnow() - timedelta(minutes=5)
    assert accepted(db, row(ids, 180, status=BookingStatus.PENDING, hold=expired))
    assert accepted(db, row(ids, 180, client=1))                         # over an expired hold
    held = utcnow() + timedelta(minutes=10)
    assert accepted(db, row(ids, 240, status=BookingStatus.PENDING, hold=held))
    assert not accepted(db, row(ids, 240, client=1))                     # a live hold blocks
    # Calendly bookings already happened elsewhere: recorded even when they overlap.
    assert accepted(db, row(ids, 0, client=3, source=BookingSource.CALENDLY))


def test_a_group_session_shares_its_time_up_to_the_capacity(db, ids):
    assert accepted(db, row(ids, 0, service=ids.group, persons=2))
    assert accepted(db, row(ids, 0, client=1, service=ids.group))        # 3 of 3
    assert not accepted(db, row(ids, 0, client=2, service=ids.group))    # a 4th person
    assert not accepted(db, row(ids, 15, client=2, service=ids.group))   # another start of the class
    assert not accepted(db, row(ids, 0, client=2))                       # another service


def test_moving_or_reviving_a_booking_onto_a_taken_time_is_refused(db, ids):
    assert accepted(db, row(ids, 0))
    later = row(ids, 60, client=1)
    assert accepted(db, later)
    cancelled = row(ids, 0, client=2, status=BookingStatus.CANCELLED)
    assert accepted(db, cancelled)
    for booking, change in ((later, {"start_at": START + timedelta(minutes=15),
                                     "end_at": START + timedelta(minutes=45)}),
                            (cancelled, {"status": BookingStatus.CONFIRMED})):
        attempt = db.begin_nested()
        with pytest.raises(IntegrityError) as refused:
            for name, value in change.items():
                setattr(booking, name, value)
            db.flush()
        attempt.rollback()
        assert refused_as_overlap(refused.value)
    db.expire_all()
    attempt = db.begin_nested()
    db.get(Booking, later.id).status = BookingStatus.COMPLETED  # nothing moves: nothing to check
    db.flush()
    attempt.commit()


def test_the_booking_path_maps_the_refusal_to_slot_taken(db, ids):
    """The app's clock says a hold has expired; the database's says it has not (a skew, or a
    writer that bypassed the lock): the database refuses, the client gets "slot taken"."""
    assert accepted(db, row(ids, 0, status=BookingStatus.PENDING, hold=utcnow() + timedelta(minutes=1)))
    from hub_app.domain.scheduling.models import Service
    from hub_app.domain.stores.models import Store

    ctx = TenantContext(store_id=ids.store, user_id=ids.clients[1], role=UserRole.CLIENT)
    act(db, ctx)
    service, store = db.get(Service, ids.service), db.get(Store, ids.store)

    def build(calendar_id: int, start: datetime, end: datetime) -> Booking:
        booking = row(ids, 0, client=1)
        booking.calendar_id = calendar_id
        return booking

    attempt = db.begin_nested()
    with pytest.raises(SlotTaken):
        place(db, ctx, service, store, START, 1, build, now=utcnow() + timedelta(minutes=2))
    attempt.rollback()


def test_two_connections_racing_without_the_lock_book_once(committed_engine):
    with hub_db.unit_of_work(TenantContext.system(), committed_engine) as db:
        ids = arrange(db)
    ctx = TenantContext.system(ids.store)
    first = hub_db.open_session(ctx, committed_engine)
    second = hub_db.open_session(ctx, committed_engine)
    outcome: dict[str, object] = {}

    def racing_insert() -> None:
        try:
            second.add(row(ids, 15, client=1))
            second.commit()
            outcome["second"] = "booked"
        except IntegrityError as exc:
            second.rollback()
            outcome["second"] = "refused" if refused_as_overlap(exc) else repr(exc)

    try:
        first.add(row(ids, 0))
        first.flush()  # inserted, not committed: the second writer cannot see it yet
        racer = threading.Thread(target=racing_insert)
        racer.start()
        clock.sleep(0.5)
        first.commit()
        racer.join(timeout=60)
        assert outcome == {"second": "refused"}
    finally:
        first.close()
        second.close()
    with hub_db.unit_of_work(TenantContext.system(), committed_engine) as db:
        assert [b.start_at for b in db.query(Booking).all()] == [START]
