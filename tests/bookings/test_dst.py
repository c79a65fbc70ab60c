"""Daylight-saving changes in Athens and New York: no vanished, doubled or non-existent starts."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from hub_app.domain.bookings.availability import days_with_free_slots, free_slots
from hub_app.domain.bookings.service import BookingRequest, book
from tests.bookings.helpers import UTC, act, build_shop, local_starts, new_client

YEAR = 2031


def transition_day(zone: str, month: int) -> date:
    """The local date on which the zone's UTC offset changes in `month` of YEAR."""
    tz = ZoneInfo(zone)
    day = date(YEAR, month, 1)
    while day.month == month:
        if datetime(day.year, day.month, day.day, tzinfo=tz).utcoffset() != \
                datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=tz).utcoffset():
            return day
        day += timedelta(days=1)
    raise AssertionError(f"no change in {zone} {YEAR}-{month}")


SPRING = {"Europe/Athens": transition_day("Europe/Athens", 3), "America/New_York": transition_day("America/New_York", 3)}
FALL = {"Europe/Athens": transition_day("Europe/Athens", 10), "America/New_York": transition_day("America/New_York", 11)}


def day_slots(db, shop, day):
    act(db, shop.anonymous())
    return free_slots(db, shop.anonymous(), shop.service.id, day, day)


def assert_real_and_unique(shop, slots):
    starts = [s.start for s in slots]
    assert len(set(starts)) == len(starts), "a start offered twice"
    assert starts == sorted(starts)
    for start in starts:
        local = start.astimezone(shop.tz)
        # The local wall-clock time exists: read back in the zone, it is the same instant.
        assert local.replace(tzinfo=None).replace(tzinfo=shop.tz, fold=local.fold).astimezone(UTC) == start


@pytest.mark.parametrize("zone", ["Europe/Athens", "America/New_York"])
@pytest.mark.parametrize("change", ["spring", "fall"])
def test_daytime_hours_are_unchanged_on_change_days(db, zone, change):
    shop = build_shop(db, tz=zone)
    day = (SPRING if change == "spring" else FALL)[zone]
    for d in (day - timedelta(days=1), day, day + timedelta(days=1)):
        slots = day_slots(db, shop, d)
        assert local_starts(shop, slots) == [f"{h:02d}:{m:02d}" for h in range(9, 17) for m in (0, 30)]
        assert_real_and_unique(shop, slots)


def test_new_york_spring_forward_skips_the_missing_hour(db):
    shop = build_shop(db, tz="America/New_York", hours=[("00:00", "04:00")])
    day = SPRING["America/New_York"]
    slots = day_slots(db, shop, day)
    assert local_starts(shop, slots) == ["00:00", "00:30", "01:00", "01:30", "03:00", "03:30"]
    assert_real_and_unique(shop, slots)
    assert all(b.start - a.start == timedelta(minutes=30) for a, b in zip(slots, slots[1:]))
    counts = days_with_free_slots(db, shop.anonymous(), shop.service.id, day - timedelta(days=1), day)
    assert counts == {day - timedelta(days=1): 8, day: 6}


def test_new_york_opening_inside_the_gap_moves_forward(db):
    shop = build_shop(db, tz="America/New_York", hours=[("02:30", "05:00")])
    slots = day_slots(db, shop, SPRING["America/New_York"])
    assert local_starts(shop, slots) == ["03:30", "04:00", "04:30"]
    assert_real_and_unique(shop, slots)


def test_new_york_fall_back_offers_each_real_instant_once(db):
    shop = build_shop(db, tz="America/New_York", hours=[("00:00", "04:00")])
    day = FALL["America/New_York"]
    slots = day_slots(db, shop, day)
    assert local_starts(shop, slots) == [
        "00:00", "00:30", "01:00", "01:30", "01:00", "01:30", "02:00", "02:30", "03:00", "03:30"]
    assert_real_and_unique(shop, slots)
    assert all(b.start - a.start == timedelta(minutes=30) for a, b in zip(slots, slots[1:]))
    first, second = slots[3], slots[5]
    assert first.start.astimezone(shop.tz).utcoffset() == timedelta(hours=-4)
    assert second.start.astimezone(shop.tz).utcoffset() == timedelta(hours=-5)


@pytest.mark.parametrize("change,expected", [
    ("spring", ["02:00", "02:30", "04:00", "04:30", "05:00", "05:30"]),
    ("fall", ["02:00", "02:30", "03:00", "03:30", "03:00", "03:30", "04:00", "04:30", "05:00", "05:30"]),
])
def test_athens_night_hours_across_the_change(db, change, expected):
    shop = build_shop(db, tz="Europe/Athens", hours=[("02:00", "06:00")])
    day = (SPRING if change == "spring" else FALL)["Europe/Athens"]
    slots = day_slots(db, shop, day)
    assert local_starts(shop, slots) == expected
    assert_real_and_unique(shop, slots)


def test_both_repeated_half_hours_can_be_booked_and_keep_local_fields(db):
    shop = build_shop(db, tz="America/New_York", hours=[("00:00", "04:00")])
    day = FALL["America/New_York"]
    slots = day_slots(db, shop, day)
    first, second = slots[3].start, slots[5].start
    client, ctx = new_client(db, shop)
    act(db, ctx)
    late = book(db, ctx, BookingRequest(service_id=shop.service.id, start=second))
    assert (late.booking_date, late.start_time.isoformat(), late.end_time.isoformat()) == (day, "01:30:00", "02:00:00")
    assert late.start_at == datetime(day.year, day.month, day.day, 6, 30, tzinfo=UTC)
    remaining = [s.start for s in day_slots(db, shop, day)]
    assert first in remaining and second not in remaining
    early = book(db, ctx, BookingRequest(service_id=shop.service.id, start=first))
    assert early.start_at == datetime(day.year, day.month, day.day, 5, 30, tzinfo=UTC)
    assert (early.booking_date, early.start_time.isoformat()) == (day, "01:30:00")
    assert early.id != late.id


def test_a_week_across_the_change_has_every_day_complete(db):
    shop = build_shop(db, tz="Europe/Athens")
    start = SPRING["Europe/Athens"] - timedelta(days=3)
    act(db, shop.anonymous())
    slots = free_slots(db, shop.anonymous(), shop.service.id, start, start + timedelta(days=6))
    assert len(slots) == 7 * 16
    assert_real_and_unique(shop, slots)
