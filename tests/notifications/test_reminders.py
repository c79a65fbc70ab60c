"""Reminders found from the database: timing across DST, never twice, never stale."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from hub_app.domain.bookings.models import BookingStatus
from hub_app.domain.notifications.models import Channel, NotificationKind
from hub_app.domain.notifications.reminders import is_current_reminder, queue_due_reminders, reminder_due_at
from hub_app.domain.tenancy import TenantContext
from tests.factories import make_client, make_store
from tests.notifications.conftest import make_booking

ATHENS = ZoneInfo("Europe/Athens")
SYSTEM = TenantContext.system()
LONG_AGO = datetime(2026, 9, 1, tzinfo=timezone.utc)
# Summer time in Athens ends on the last Sunday of October 2026: 25 Oct, 04:00 EEST -> 03:00 EET.
SUNDAY_10 = datetime(2026, 10, 25, 10, 0, tzinfo=ATHENS)   # after the change: 08:00 UTC
MONDAY_10 = datetime(2026, 10, 26, 10, 0, tzinfo=ATHENS)   # 08:00 UTC


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


@pytest.fixture
def athens_store(db):
    store, _ = make_store(db, timezone="Europe/Athens", reminder_hours_before=24)
    return store


def booking_at(db, store, local_start, **kw):
    return make_booking(db, store, make_client(db), local_start.astimezone(timezone.utc), created_at=LONG_AGO, **kw)


def scan(db, now):
    return queue_due_reminders(db, SYSTEM, now=now)


def test_dst_sunday_booking_24h_reminder_is_24_real_hours_before(db, athens_store):
    booking = booking_at(db, athens_store, SUNDAY_10)
    assert booking.start_at == utc(2026, 10, 25, 8, 0)
    # 24 h before is Saturday 08:00 UTC = 11:00 local summer time, not "10:00 the day before" (07:00 UTC).
    assert reminder_due_at(booking, 24) == utc(2026, 10, 24, 8, 0)
    assert scan(db, utc(2026, 10, 24, 7, 0)) == []
    assert scan(db, utc(2026, 10, 24, 7, 59, 59)) == []
    created = scan(db, utc(2026, 10, 24, 8, 0))
    assert {(n.kind, n.type) for n in created} == {(NotificationKind.REMINDER, Channel.EMAIL),
                                                   (NotificationKind.REMINDER, Channel.SMS)}
    sms = next(n for n in created if n.type == Channel.SMS)
    assert "10:00" in sms.body and "Sunday, October 25, 2026" in sms.body   # local wall time after the change


def test_dst_monday_after_the_change(db, athens_store):
    booking = booking_at(db, athens_store, MONDAY_10)
    assert scan(db, utc(2026, 10, 25, 7, 59)) == []          # Sunday 09:59 local
    assert len(scan(db, utc(2026, 10, 25, 8, 0))) == 2       # Sunday 10:00 local = 24 h before
    athens_store.reminder_hours_before = 48
    other = booking_at(db, athens_store, MONDAY_10 + timedelta(minutes=30))
    # 48 h before Monday 10:30 EET is Saturday 08:30 UTC = 11:30 summer time.
    assert scan(db, utc(2026, 10, 24, 7, 30)) == []
    assert {n.booking_id for n in scan(db, utc(2026, 10, 24, 8, 30))} == {other.id}
    assert booking.id != other.id


def test_rescan_and_restart_never_repeat(db, athens_store):
    booking_at(db, athens_store, SUNDAY_10)
    assert len(scan(db, utc(2026, 10, 24, 9, 0))) == 2
    assert scan(db, utc(2026, 10, 24, 9, 1)) == []
    assert scan(db, utc(2026, 10, 25, 7, 0)) == []


def test_a_missed_scan_still_reminds_before_the_start(db, athens_store):
    booking_at(db, athens_store, SUNDAY_10)
    # The worker was down from the due time until an hour before the start.
    assert len(scan(db, utc(2026, 10, 25, 7, 0))) == 2
    assert scan(db, utc(2026, 10, 25, 8, 0)) == []   # started: too late for anything


@pytest.mark.parametrize("status", [BookingStatus.CANCELLED, BookingStatus.RESCHEDULED, BookingStatus.PENDING,
                                    BookingStatus.COMPLETED])
def test_only_confirmed_bookings_get_reminders(db, athens_store, status):
    booking_at(db, athens_store, SUNDAY_10, status=status)
    assert scan(db, utc(2026, 10, 24, 9, 0)) == []


def test_booked_inside_the_window_gets_no_reminder(db, athens_store):
    make_booking(db, athens_store, make_client(db), SUNDAY_10.astimezone(timezone.utc),
                 created_at=utc(2026, 10, 24, 20, 0))
    assert scan(db, utc(2026, 10, 24, 21, 0)) == []


def test_store_without_reminders_and_inactive_store(db, athens_store):
    off, _ = make_store(db, reminder_hours_before=0)
    closed, _ = make_store(db, is_active=False)
    booking_at(db, off, SUNDAY_10)
    booking_at(db, closed, SUNDAY_10)
    assert scan(db, utc(2026, 10, 24, 9, 0)) == []


def test_moved_start_gets_a_new_reminder_and_the_old_one_is_stale(db, athens_store):
    booking = booking_at(db, athens_store, SUNDAY_10)
    first = scan(db, utc(2026, 10, 24, 9, 0))
    booking.start_at = booking.start_at + timedelta(hours=2)
    booking.end_at = booking.end_at + timedelta(hours=2)
    db.flush()
    second = scan(db, utc(2026, 10, 24, 11, 0))
    assert len(second) == 2 and {n.dedupe_key for n in first}.isdisjoint({n.dedupe_key for n in second})
    now = utc(2026, 10, 24, 11, 0)
    assert "time changed" in is_current_reminder(first[0], booking, now)
    assert is_current_reminder(second[0], booking, now) is None
    booking.status = BookingStatus.CANCELLED
    assert "cancelled" in is_current_reminder(second[0], booking, now)
    assert is_current_reminder(second[0], None, now) == "booking no longer exists"


def test_scan_refuses_a_store_context(db, athens_store):
    with pytest.raises(PermissionError):
        queue_due_reminders(db, TenantContext(store_id=athens_store.id))
