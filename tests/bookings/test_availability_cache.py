"""Availability versions (database triggers) and the kept public availability answers."""

from __future__ import annotations

import time as clock
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from hub_app.db import unit_of_work
from hub_app.domain.bookings.availability import FreeSlot
from hub_app.domain.bookings.availability_cache import (
    AvailabilityCache, StoreStamp, _Kept, public_free_slots, read_stamp,
)
from hub_app.domain.bookings.models import BookingStatus
from hub_app.domain.errors import NotFound
from hub_app.domain.bookings.service import BookingRequest, book, cancel_booking
from hub_app.domain.scheduling.models import AvailabilityVersion, ExternalBusyTime
from hub_app.domain.scheduling.service import (
    ServiceInput, add_block, add_calendar_slot, create_calendar, set_date_override, set_weekly_hours, update_service,
)
from hub_app.domain.stores.service import update_store
from hub_app.domain.tenancy import TenantContext
from hub_app.domain.types import utcnow
from tests.bookings.helpers import MONDAY, act, build_shop, insert_booking, new_client, next_monday_after


def versions(db, store_id: int) -> dict[int, int]:
    rows = db.execute(select(AvailabilityVersion.calendar_id, AvailabilityVersion.version)
                      .where(AvailabilityVersion.store_id == store_id))
    return dict(rows.all())


def raised(before: dict[int, int], after: dict[int, int]) -> set[int]:
    return {cal for cal in after if after[cal] != before.get(cal)} | (set(before) - set(after))


def service_input(shop, **changes) -> ServiceInput:
    values = dict(name="Cut", duration_minutes=30, price_type="fixed", base_price_amount="20.00",
                  calendar_ids=[c.id for c in shop.calendars])
    values.update(changes)
    return ServiceInput(**values)


# Each change, made the way the product makes it, and which calendars it must raise.
CHANGES = {
    "booking": (lambda db, shop: insert_booking(db, shop, shop.local(MONDAY, "10:00"), calendar=shop.calendars[1]), {1}),
    "weekly hours": (lambda db, shop: set_weekly_hours(db, shop.manager_ctx, shop.calendars[0].id,
                                                       [{"weekday": 0, "start": "10:00", "end": "12:00"}]), {0}),
    "date override": (lambda db, shop: set_date_override(db, shop.manager_ctx, shop.calendars[1].id, MONDAY), {1}),
    "calendar block": (lambda db, shop: add_block(db, shop.manager_ctx, shop.local(MONDAY, "09:00"),
                                                  shop.local(MONDAY, "10:00"), calendar_id=shop.calendars[0].id), {0}),
    "store-wide block": (lambda db, shop: add_block(db, shop.manager_ctx, shop.local(MONDAY, "09:00"),
                                                    shop.local(MONDAY, "10:00")), {0, 1}),
    "explicit slot": (lambda db, shop: add_calendar_slot(db, shop.manager_ctx, shop.calendars[1].id,
                                                         shop.local(MONDAY, "18:00"), shop.local(MONDAY, "19:00")), {1}),
    "service rules": (lambda db, shop: update_service(db, shop.manager_ctx, shop.service.id,
                                                      service_input(shop, buffer_after_minutes=15)), {0, 1}),
    "store policy": (lambda db, shop: update_store(db, shop.manager_ctx, shop.store.id,
                                                  {"min_notice_minutes": 120}), {0, 1}),
}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_every_change_to_what_a_calendar_offers_raises_its_version(db, change):
    shop = build_shop(db, calendars=2)
    make, expected = CHANGES[change]
    act(db, shop.manager_ctx)
    before = versions(db, shop.store.id)
    make(db, shop)
    db.flush()
    assert raised(before, versions(db, shop.store.id)) == {shop.calendars[i].id for i in expected}


def test_calendly_busy_time_raises_its_calendar(db):
    shop = build_shop(db, calendars=2)
    before = versions(db, shop.store.id)
    db.add(ExternalBusyTime(store_id=shop.store.id, calendar_id=shop.calendars[0].id, external_uri="https://x/e/1",
                            start_at=shop.local(MONDAY, "11:00"), end_at=shop.local(MONDAY, "12:00")))
    db.flush()
    assert raised(before, versions(db, shop.store.id)) == {shop.calendars[0].id}


def test_occupancy_changes_raise_but_other_booking_edits_do_not(db):
    shop = build_shop(db)
    booking = insert_booking(db, shop, shop.local(MONDAY, "10:00"))
    cal = shop.calendars[0].id
    before = versions(db, shop.store.id)
    booking.notes = "Prefers the window seat"
    db.flush()
    assert versions(db, shop.store.id) == before
    booking.status = BookingStatus.CANCELLED
    db.flush()
    assert raised(before, versions(db, shop.store.id)) == {cal}


def test_a_new_calendar_gets_a_version_and_plain_sql_writes_raise_it(db):
    shop = build_shop(db)
    act(db, shop.manager_ctx)
    cal = create_calendar(db, shop.manager_ctx, "Room 2")
    assert versions(db, shop.store.id)[cal.id] == 0
    booking = insert_booking(db, shop, shop.local(MONDAY, "10:00"), calendar=cal)
    before = versions(db, shop.store.id)[cal.id]
    db.execute(text("UPDATE booking SET status = 'cancelled' WHERE id = :id"), {"id": booking.id})
    assert versions(db, shop.store.id)[cal.id] == before + 1


def test_a_client_cancelling_their_own_booking_raises_the_version(db):
    """The client's context sees only their own bookings (row-level security on PostgreSQL);
    the counters still move, so no kept answer goes on hiding the freed time."""
    shop = build_shop(db, store_kw={"cancellation_cutoff_hours": 0})
    client, client_ctx = new_client(db, shop)
    act(db, client_ctx)
    start = shop.local(next_monday_after(), "11:00")
    booking = book(db, client_ctx, BookingRequest(service_id=shop.service.id, start=start))
    before = versions(db, shop.store.id)
    act(db, TenantContext.for_user(client))
    cancel_booking(db, TenantContext.for_user(client), booking.id)
    db.flush()
    act(db, TenantContext.system())
    assert raised(before, versions(db, shop.store.id)) == {shop.calendars[0].id}


# --- kept answers ---------------------------------------------------------------------------


def _slot(hhmm: str, shop, day) -> FreeSlot:
    start = shop.local(day, hhmm)
    return FreeSlot(start=start, end=start + timedelta(minutes=30), remaining=1, calendar_ids=(1,))


def test_a_kept_answer_is_used_only_under_the_same_versions_and_filtered_by_the_notice(db):
    shop = build_shop(db)
    cache = AvailabilityCache()
    now = utcnow()
    day = now.astimezone(shop.tz).date()
    stamp = StoreStamp(store_id=shop.store.id, timezone=shop.store.timezone, versions=((1, 3),))
    slots = tuple(_slot(f"{h:02d}:00", shop, day + timedelta(days=1)) for h in range(9, 17))
    cache.put("k", _Kept(stamp=stamp, built_on=day, built_at=clock.monotonic(), notice=0, slots=slots))
    assert cache.get("k", stamp, now) == list(slots)
    assert cache.get("k", StoreStamp(shop.store.id, shop.store.timezone, ((1, 4),)), now) is None
    # Later, the first starts come closer than the notice (0 here: they are in the past).
    later = shop.local(day + timedelta(days=1), "12:30")
    kept_later = AvailabilityCache()
    kept_later.put("k", _Kept(stamp=stamp, built_on=later.astimezone(shop.tz).date(), built_at=clock.monotonic(),
                              notice=3600, slots=slots))
    assert [s.start.astimezone(shop.tz).strftime("%H:%M") for s in kept_later.get("k", stamp, later)] == [
        "14:00", "15:00", "16:00"]
    # Built on another local day: never reused (the horizon moved at midnight).
    assert cache.get("k", stamp, now + timedelta(days=1)) is None


def test_public_answers_are_reused_until_a_booking_takes_a_time(committed_engine):
    engine = committed_engine
    cache = AvailabilityCache()
    day = next_monday_after()
    with unit_of_work(TenantContext.system(), engine) as db:
        shop = build_shop(db)
        slug, service_id, store_id = shop.store.slug, shop.service.id, shop.store.id
        start = shop.local(day, "10:00")
    ask = lambda: public_free_slots(engine, slug, service_id, day, day, cache=cache)[1]  # noqa: E731
    first = ask()
    assert start in [s.start for s in first] and cache.misses == 1
    assert ask() == first and cache.hits == 1
    with unit_of_work(TenantContext.anonymous(store_id), engine) as db:
        client, client_ctx = new_client(db)
        act(db, client_ctx.in_store(store_id))
        book(db, client_ctx.in_store(store_id), BookingRequest(service_id=service_id, start=start))
    after = ask()
    assert start not in [s.start for s in after] and len(after) == len(first) - 1
    assert cache.misses == 2


def test_unknown_slugs_are_not_kept_and_still_answer_not_found(committed_engine):
    cache = AvailabilityCache()
    assert read_stamp(committed_engine, "nobody-here") is None
    with pytest.raises(NotFound):
        public_free_slots(committed_engine, "nobody-here", 1, MONDAY, MONDAY, cache=cache)
    assert cache.hits == 0 and not cache._entries


def test_the_cache_stays_within_its_answer_and_slot_bounds(db):
    shop = build_shop(db)
    day = utcnow().astimezone(shop.tz).date()
    stamp = StoreStamp(store_id=shop.store.id, timezone=shop.store.timezone, versions=())
    slots = tuple(_slot(f"{h:02d}:00", shop, day + timedelta(days=1)) for h in range(9, 17))  # 8 slots
    cache = AvailabilityCache(max_entries=3, max_slots=20)

    def keep(key):
        cache.put(key, _Kept(stamp=stamp, built_on=day, built_at=clock.monotonic(), notice=0, slots=slots))

    keep("a")
    keep("b")
    keep("b")  # replacing an answer does not count its slots twice
    assert list(cache._entries) == ["a", "b"] and cache._slots == 16
    keep("c")  # 24 slots > 20: the oldest answer goes
    assert list(cache._entries) == ["b", "c"] and cache._slots == 16
    cache.get("b", stamp, utcnow())  # used: now the newest
    keep("d")
    assert list(cache._entries) == ["b", "d"]
