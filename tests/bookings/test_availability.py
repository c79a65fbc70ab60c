"""Availability rules, one at a time, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from hub_app.domain.bookings.availability import days_with_free_slots, free_slots
from hub_app.domain.bookings.models import BookingStatus
from hub_app.domain.errors import ValidationFailed
from hub_app.domain.scheduling.models import ExternalBusyTime
from hub_app.domain.scheduling.service import (
    ServiceInput, add_block, add_calendar_slot, archive_service, create_service, set_date_override,
)
from hub_app.domain.tenancy import TenantContext
from tests.bookings.helpers import MONDAY, UTC, act, build_shop, insert_booking, local_starts

NOW = datetime(2031, 1, 1, tzinfo=UTC)


def slots(db, shop, day=MONDAY, end=None, persons=1, now=NOW, service=None):
    ctx = shop.anonymous()
    act(db, ctx)
    return free_slots(db, ctx, (service or shop.service).id, day, end or day, persons, now=now)


def test_grid_follows_weekly_hours(db):
    shop = build_shop(db, hours=[("09:00", "12:00"), ("13:00", "15:00")])
    assert local_starts(shop, slots(db, shop)) == [
        "09:00", "09:30", "10:00", "10:30", "11:00", "11:30", "13:00", "13:30", "14:00", "14:30"]


def test_slot_step_and_closed_weekdays(db):
    shop = build_shop(db, hours=[("09:00", "10:30")], weekdays=[0], duration_minutes=45, slot_step_minutes=15)
    assert local_starts(shop, slots(db, shop)) == ["09:00", "09:15", "09:30", "09:45"]
    assert slots(db, shop, MONDAY + timedelta(days=1)) == []


def test_date_override_replaces_or_closes_a_day(db):
    shop = build_shop(db)
    cal = shop.calendars[0].id
    act(db, shop.manager_ctx)
    set_date_override(db, shop.manager_ctx, cal, MONDAY, [("18:00", "19:00")], reason="late opening")
    set_date_override(db, shop.manager_ctx, cal, MONDAY + timedelta(days=1), [])
    assert local_starts(shop, slots(db, shop)) == ["18:00", "18:30"]
    assert slots(db, shop, MONDAY + timedelta(days=1)) == []
    assert len(slots(db, shop, MONDAY + timedelta(days=2))) == 16


def test_blocks_of_the_calendar_and_of_the_whole_store(db):
    shop = build_shop(db, calendars=2)
    a, b = shop.calendars
    act(db, shop.manager_ctx)
    add_block(db, shop.manager_ctx, shop.local(MONDAY, "09:00"), shop.local(MONDAY, "12:00"), calendar_id=a.id)
    add_block(db, shop.manager_ctx, shop.local(MONDAY, "15:10"), shop.local(MONDAY, "15:20"))  # whole store
    by_start = {s.start.astimezone(shop.tz).strftime("%H:%M"): s.calendar_ids for s in slots(db, shop)}
    assert by_start["09:00"] == (b.id,) and by_start["11:30"] == (b.id,)
    assert by_start["12:00"] == (a.id, b.id)
    assert "15:00" not in by_start and "15:30" in by_start


def test_buffers_keep_distance_from_other_bookings(db):
    shop = build_shop(db, slot_step_minutes=15, buffer_after_minutes=15, buffer_before_minutes=10)
    act(db, shop.manager_ctx)
    colour = create_service(db, shop.manager_ctx, ServiceInput(
        name="Colour", duration_minutes=60, price_type="fixed", base_price_amount="50", buffer_after_minutes=30,
        calendar_ids=[shop.calendars[0].id]))
    insert_booking(db, shop, shop.local(MONDAY, "12:00"), minutes=60, service=colour)
    starts = local_starts(shop, slots(db, shop))
    # Our 30 minutes and 15 after must end by 12:00; after 13:00 the colour's 30 minutes (longer than
    # our 10 before) must pass first.
    assert "11:15" in starts and "11:30" not in starts and "11:45" not in starts
    assert "13:15" not in starts and "13:30" in starts


def test_external_busy_times_only_when_active(db):
    shop = build_shop(db)
    act(db, TenantContext.system())
    for minute, active in ((0, True), (60, False)):
        db.add(ExternalBusyTime(store_id=shop.store.id, calendar_id=shop.calendars[0].id, is_active=active,
                                external_uri=f"https://api.calendly.com/scheduled_events/{minute}",
                                start_at=shop.local(MONDAY, "10:00") + timedelta(minutes=minute),
                                end_at=shop.local(MONDAY, "10:45") + timedelta(minutes=minute)))
    db.flush()
    starts = local_starts(shop, slots(db, shop))
    assert "10:00" not in starts and "10:30" not in starts
    assert "11:00" in starts and "11:30" in starts


def test_which_bookings_occupy(db):
    shop = build_shop(db)
    taken = {
        "09:00": (BookingStatus.CONFIRMED, None), "09:30": (BookingStatus.PENDING, NOW + timedelta(minutes=5)),
        "10:00": (BookingStatus.PENDING, NOW - timedelta(minutes=5)), "10:30": (BookingStatus.CANCELLED, None),
        "11:00": (BookingStatus.RESCHEDULED, None), "11:30": (BookingStatus.COMPLETED, None),
    }
    for at, (status, hold) in taken.items():
        insert_booking(db, shop, shop.local(MONDAY, at), status=status, hold=hold)
    starts = local_starts(shop, slots(db, shop))
    assert [s for s in taken if s in starts] == ["10:00", "10:30", "11:00"]


def test_explicit_slots_open_extra_windows_with_their_capacity(db):
    shop = build_shop(db, weekdays=[0], min_persons=1, max_persons=2, capacity_persons=6)
    sunday = MONDAY + timedelta(days=6)
    act(db, shop.manager_ctx)
    add_calendar_slot(db, shop.manager_ctx, shop.calendars[0].id, shop.local(sunday, "10:00"),
                      shop.local(sunday, "11:00"), capacity=3)
    found = slots(db, shop, sunday)
    assert local_starts(shop, found) == ["10:00", "10:30"]
    assert [s.remaining for s in found] == [3, 3]
    assert slots(db, shop, MONDAY)[0].remaining == 6


def test_notice_horizon_and_service_dates(db):
    shop = build_shop(db, store_kw={"min_notice_minutes": 120, "booking_horizon_days": 10})
    now = shop.local(MONDAY, "08:00")
    assert local_starts(shop, slots(db, shop, now=now))[0] == "10:00"
    assert slots(db, shop, MONDAY + timedelta(days=10), now=now) != []
    assert slots(db, shop, MONDAY + timedelta(days=11), now=now) == []
    act(db, TenantContext.system())
    shop.service.available_from = MONDAY + timedelta(days=2)
    shop.service.available_until = MONDAY + timedelta(days=3)
    shop.service.min_notice_minutes = 0
    db.flush()
    counts = days_with_free_slots(db, shop.anonymous(), shop.service.id, MONDAY, MONDAY + timedelta(days=4), now=now)
    assert list(counts.values()) == [0, 0, 16, 16, 0]


def test_group_sessions_share_a_start_up_to_capacity(db):
    shop = build_shop(db, duration_minutes=60, min_persons=1, max_persons=4, capacity_persons=5)
    insert_booking(db, shop, shop.local(MONDAY, "10:00"), minutes=60, persons=3)
    by_start = {s.start.astimezone(shop.tz).strftime("%H:%M"): s.remaining for s in slots(db, shop)}
    assert by_start["10:00"] == 2 and by_start["11:00"] == 5
    two = {s.start.astimezone(shop.tz).strftime("%H:%M") for s in slots(db, shop, persons=2)}
    three = {s.start.astimezone(shop.tz).strftime("%H:%M") for s in slots(db, shop, persons=3)}
    assert "10:00" in two and "10:00" not in three


def test_group_session_blocks_other_starts_and_services(db):
    shop = build_shop(db, duration_minutes=60, max_persons=4, capacity_persons=8, slot_step_minutes=30)
    insert_booking(db, shop, shop.local(MONDAY, "10:00"), minutes=60, persons=1)
    starts = local_starts(shop, slots(db, shop))
    assert "10:00" in starts and "09:30" not in starts and "10:30" not in starts
    act(db, shop.manager_ctx)
    private = create_service(db, shop.manager_ctx, ServiceInput(
        name="Private", duration_minutes=30, price_type="fixed", base_price_amount="9",
        calendar_ids=[shop.calendars[0].id]))
    assert "10:00" not in local_starts(shop, slots(db, shop, service=private))


def test_archived_service_has_no_slots_and_persons_are_checked(db):
    shop = build_shop(db, max_persons=2, capacity_persons=2)
    with pytest.raises(ValidationFailed) as err:
        slots(db, shop, persons=3)
    assert "persons" in err.value.fields
    act(db, shop.manager_ctx)
    archive_service(db, shop.manager_ctx, shop.service.id)
    assert slots(db, shop) == []


def test_month_answer_in_one_call_with_few_queries(db):
    shop = build_shop(db, calendars=3)
    for day in range(0, 28, 3):
        insert_booking(db, shop, shop.local(MONDAY + timedelta(days=day), "11:00"))
    statements: list[str] = []
    act(db, shop.anonymous())

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    engine = db.get_bind().engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        one_day = slots(db, shop)
        n_one = len(statements)
        statements.clear()
        month = slots(db, shop, MONDAY, MONDAY + timedelta(days=30))
        n_month = len(statements)
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert n_month == n_one <= 12
    assert len(one_day) == 16 and len(month) == 31 * 16
    assert sum(1 for s in month if s.remaining == 2) == 10


def test_day_counts_and_range_limits(db):
    shop = build_shop(db, weekdays=[0, 2])
    counts = days_with_free_slots(db, shop.anonymous(), shop.service.id, MONDAY, MONDAY + timedelta(days=6), now=NOW)
    assert counts == {MONDAY + timedelta(days=i): (16 if i in (0, 2) else 0) for i in range(7)}
    with pytest.raises(ValidationFailed):
        slots(db, shop, MONDAY, MONDAY - timedelta(days=1))
    with pytest.raises(ValidationFailed):
        slots(db, shop, MONDAY, MONDAY + timedelta(days=400))


def test_other_stores_rows_never_count(db):
    shop = build_shop(db)
    other = build_shop(db)
    act(db, other.manager_ctx)
    add_block(db, other.manager_ctx, other.local(MONDAY, "00:00"), other.local(MONDAY, "23:00"))
    insert_booking(db, other, other.local(MONDAY, "09:00"))
    assert len(slots(db, shop)) == 16
    assert slots(db, other) == []
