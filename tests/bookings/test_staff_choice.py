"""Choosing a person or "anyone": the store's rule for "anyone", each rule's fairness over 1,000
bookings, a named person's own free times, and the people a client chooses from."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from datetime import timedelta

import pytest
from sqlalchemy import select

from hub_app.domain.bookings.assignment import AnyoneRule
from hub_app.domain.bookings.availability import days_with_free_slots, free_slots
from hub_app.domain.bookings.service import BookingRequest, book, reschedule_booking
from hub_app.domain.errors import NotFound, SlotTaken, ValidationFailed
from hub_app.domain.scheduling.models import CalendarService
from hub_app.domain.scheduling.service import create_calendar, set_weekly_hours
from hub_app.domain.scheduling.staff import (
    bookable_people, initials, move_calendar, set_anyone_rule, set_calendar_order,
)
from hub_app.domain.tenancy import TenantContext
from tests.bookings.helpers import MONDAY, act, build_shop, local_starts, new_client

BOOKINGS = 1000
PEOPLE = 4


def shop_with_rule(db, rule: AnyoneRule, calendars: int = PEOPLE, **kw):
    shop = build_shop(db, calendars=calendars, **kw)
    act(db, shop.manager_ctx)
    set_anyone_rule(db, shop.manager_ctx, rule.value)
    return shop


def clients(db, shop, n=PEOPLE):
    return [new_client(db, shop)[1] for _ in range(n)]


def anyone(db, ctx, shop, start, calendar_id=None):
    act(db, ctx)
    return book(db, ctx, BookingRequest(service_id=shop.service.id, start=start, calendar_id=calendar_id))


def starts_of(shop, days: int):
    """Every start of `days` days from MONDAY (09:00–17:00, 30 minutes): 16 a day."""
    return [shop.local(MONDAY + timedelta(days=d), "09:00") + timedelta(minutes=30 * i)
            for d in range(days) for i in range(16)]


# --- each rule on its own ------------------------------------------------------------------------


def test_least_busy_is_the_default_and_takes_the_calendar_with_fewest_bookings_that_day(db):
    shop = build_shop(db, calendars=3)
    assert shop.store.anyone_rule == AnyoneRule.LEAST_BUSY.value
    a, b, c = shop.calendars
    ctx, other = clients(db, shop, 2)
    anyone(db, ctx, shop, shop.local(MONDAY, "09:00"), a.id)
    anyone(db, ctx, shop, shop.local(MONDAY, "10:00"), a.id)
    anyone(db, ctx, shop, shop.local(MONDAY, "11:00"), b.id)
    # a has two that day, b one, c none: c first, then b.
    assert anyone(db, other, shop, shop.local(MONDAY, "12:00")).calendar_id == c.id
    assert anyone(db, other, shop, shop.local(MONDAY, "13:00")).calendar_id == b.id


def test_fixed_priority_takes_the_first_free_calendar_in_the_stores_order(db):
    shop = shop_with_rule(db, AnyoneRule.PRIORITY, calendars=3)
    a, b, c = shop.calendars
    set_calendar_order(db, shop.manager_ctx, [c.id, a.id, b.id])
    people = clients(db, shop, 4)
    start = shop.local(MONDAY, "10:00")
    assert [anyone(db, p, shop, start).calendar_id for p in people[:3]] == [c.id, a.id, b.id]
    with pytest.raises(SlotTaken):
        anyone(db, people[3], shop, start)
    # The first in the order takes the next time too, however busy it is.
    assert anyone(db, people[0], shop, shop.local(MONDAY, "11:00")).calendar_id == c.id


def test_round_robin_takes_turns_and_named_bookings_take_no_turn(db):
    shop = shop_with_rule(db, AnyoneRule.ROUND_ROBIN, calendars=3)
    a, b, c = shop.calendars
    ctx = clients(db, shop, 1)[0]
    got = [anyone(db, ctx, shop, shop.local(MONDAY, f"{9 + i:02d}:00")).calendar_id for i in range(3)]
    assert sorted(got) == sorted([a.id, b.id, c.id])
    # got[0] is next in turn. A client naming it does not move the rotation; busy at that time,
    # the one after takes it, and got[0] keeps its place for the next booking.
    anyone(db, ctx, shop, shop.local(MONDAY, "13:00"), got[0])
    other = clients(db, shop, 1)[0]    # the same client at the same time would be a repeat
    assert anyone(db, other, shop, shop.local(MONDAY, "13:00")).calendar_id == got[1]
    assert anyone(db, ctx, shop, shop.local(MONDAY, "14:00")).calendar_id == got[0]
    assert anyone(db, ctx, shop, shop.local(MONDAY, "15:00")).calendar_id == got[2]


def test_round_robin_turn_is_rolled_back_with_a_failed_booking(db):
    shop = shop_with_rule(db, AnyoneRule.ROUND_ROBIN, calendars=2)
    ctx = clients(db, shop, 1)[0]
    savepoint = db.begin_nested()
    anyone(db, ctx, shop, shop.local(MONDAY, "09:00"))
    savepoint.rollback()
    act(db, TenantContext.system())
    assert set(db.scalars(select(CalendarService.last_assigned_turn)
                          .where(CalendarService.service_id == shop.service.id))) == {0}


def test_group_session_with_people_is_filled_before_another_opens_whatever_the_rule(db):
    shop = shop_with_rule(db, AnyoneRule.ROUND_ROBIN, calendars=2, max_persons=1, capacity_persons=3)
    people = clients(db, shop, 3)
    start = shop.local(MONDAY, "10:00")
    assert len({anyone(db, p, shop, start).calendar_id for p in people}) == 1


def test_a_named_booking_is_marked_requested_and_anyone_is_not(db):
    shop = build_shop(db, calendars=2)
    ctx = clients(db, shop, 1)[0]
    named = anyone(db, ctx, shop, shop.local(MONDAY, "09:00"), shop.calendars[1].id)
    assigned = anyone(db, ctx, shop, shop.local(MONDAY, "10:00"))
    assert named.staff_requested and named.calendar_id == shop.calendars[1].id
    assert not assigned.staff_requested
    moved = reschedule_booking(db, ctx, named.id, shop.local(MONDAY, "11:00"))
    assert moved.staff_requested and moved.calendar_id == shop.calendars[1].id


def test_unknown_rule_is_refused(db):
    shop = build_shop(db)
    act(db, shop.manager_ctx)
    with pytest.raises(ValidationFailed) as refused:
        set_anyone_rule(db, shop.manager_ctx, "coin_flip")
    assert "anyone_rule" in refused.value.fields


# --- fairness over 1,000 bookings ----------------------------------------------------------------


def test_round_robin_spreads_1000_anyone_bookings_within_one(db):
    shop = shop_with_rule(db, AnyoneRule.ROUND_ROBIN)
    ctx = clients(db, shop, 1)[0]
    starts = starts_of(shop, -(-BOOKINGS // 16))[:BOOKINGS]
    random.Random(18).shuffle(starts)   # any order of times, not the calendar's own
    counts = Counter(anyone(db, ctx, shop, start).calendar_id for start in starts)
    assert sum(counts.values()) == BOOKINGS and len(counts) == PEOPLE
    assert max(counts.values()) - min(counts.values()) <= 1, counts


def least_busy_run(db, shop, starts):
    """Book "anyone" at each start (a start repeated goes to another client); check that every
    booking went to one of the least busy people that day among those free at that time, and
    return the bookings per day and person."""
    people = clients(db, shop)
    taken: dict = defaultdict(list)
    per_day: dict = defaultdict(lambda: Counter({cal.id: 0 for cal in shop.calendars}))
    for start in starts:
        booking = anyone(db, people[len(taken[start])], shop, start)
        load = per_day[booking.booking_date]
        free = [cal for cal in load if cal not in taken[start]]
        assert load[booking.calendar_id] == min(load[cal] for cal in free)
        load[booking.calendar_id] += 1
        taken[start].append(booking.calendar_id)
    return per_day


def test_least_busy_balances_each_day_over_1000_bookings(db):
    shop = shop_with_rule(db, AnyoneRule.LEAST_BUSY)
    starts = starts_of(shop, 80)       # 1,280 times; 1,000 of them in random order
    random.Random(7).shuffle(starts)
    per_day = least_busy_run(db, shop, starts[:BOOKINGS])
    assert sum(sum(c.values()) for c in per_day.values()) == BOOKINGS
    spreads = {day: max(c.values()) - min(c.values()) for day, c in per_day.items()}
    assert max(spreads.values()) <= 1, spreads


def test_least_busy_with_people_taken_at_the_asked_time_still_takes_the_least_busy_free(db):
    # The same times asked up to four times: when the least busy person is already taken at that
    # time, the least busy of the others takes it (the day can then be uneven; nobody is skipped).
    shop = shop_with_rule(db, AnyoneRule.LEAST_BUSY)
    starts = [s for s in starts_of(shop, 3) for _ in range(PEOPLE)]
    random.Random(5).shuffle(starts)
    per_day = least_busy_run(db, shop, starts[:150])
    assert sum(sum(c.values()) for c in per_day.values()) == 150


def test_fixed_priority_fills_the_first_free_in_order_over_1000_bookings(db):
    shop = shop_with_rule(db, AnyoneRule.PRIORITY)
    order = [c.id for c in reversed(shop.calendars)]
    set_calendar_order(db, shop.manager_ctx, order)
    people = clients(db, shop)
    rng = random.Random(11)
    starts = [s for s in starts_of(shop, 20) for _ in range(PEOPLE)]
    rng.shuffle(starts)
    taken: dict = defaultdict(list)
    for start in starts[:BOOKINGS]:
        booking = anyone(db, people[len(taken[start])], shop, start)
        expected = next(cal for cal in order if cal not in taken[start])
        assert booking.calendar_id == expected
        taken[start].append(booking.calendar_id)
    counts = Counter(cal for cals in taken.values() for cal in cals)
    assert counts[order[0]] >= counts[order[1]] >= counts[order[2]] >= counts[order[3]]


# --- a person's own free times, the people offered ----------------------------------------------


def test_a_named_persons_free_times_are_their_own_and_anyone_is_the_union(db):
    shop = build_shop(db, calendars=2)
    a, b = shop.calendars
    act(db, shop.manager_ctx)
    set_weekly_hours(db, shop.manager_ctx, b.id, [{"weekday": MONDAY.weekday(), "start": "12:00", "end": "13:00"}])
    ctx = clients(db, shop, 1)[0]
    anyone(db, ctx, shop, shop.local(MONDAY, "12:00"), b.id)
    act(db, shop.anonymous())
    only_b = free_slots(db, shop.anonymous(), shop.service.id, MONDAY, MONDAY, calendar_id=b.id)
    assert local_starts(shop, only_b) == ["12:30"] and only_b[0].calendar_ids == (b.id,)
    union = free_slots(db, shop.anonymous(), shop.service.id, MONDAY, MONDAY)
    assert len(union) == 16 and local_starts(shop, union)[:2] == ["09:00", "09:30"]
    days = days_with_free_slots(db, shop.anonymous(), shop.service.id, MONDAY, MONDAY + timedelta(days=1),
                                calendar_id=b.id)
    assert days == {MONDAY: 1, MONDAY + timedelta(days=1): 0}


def test_free_times_of_a_calendar_not_offering_the_service_are_refused(db):
    shop = build_shop(db, calendars=1)
    act(db, shop.manager_ctx)
    stranger = create_calendar(db, shop.manager_ctx, "Not a barber")
    act(db, shop.anonymous())
    with pytest.raises(ValidationFailed) as refused:
        free_slots(db, shop.anonymous(), shop.service.id, MONDAY, MONDAY, calendar_id=stranger.id)
    assert "calendar_id" in refused.value.fields


def test_named_slot_taken_offers_that_persons_next_free_times(db):
    shop = build_shop(db, calendars=2, hours=[("09:00", "10:00")])
    a, b = shop.calendars
    first, second = clients(db, shop, 2)
    anyone(db, first, shop, shop.local(MONDAY, "09:00"), a.id)
    with pytest.raises(SlotTaken) as taken:
        anyone(db, second, shop, shop.local(MONDAY, "09:00"), a.id)
    assert taken.value.details["next_free"][0] == shop.local(MONDAY, "09:30").isoformat()


def test_people_offered_are_active_calendars_of_the_service_in_the_stores_order(db):
    shop = build_shop(db, calendars=3)
    a, b, c = shop.calendars
    act(db, shop.manager_ctx)
    move_calendar(db, shop.manager_ctx, c.id, -2)
    b.is_active = False
    db.flush()
    act(db, shop.anonymous())
    people = bookable_people(db, shop.anonymous(), shop.service.id)
    assert [p.id for p in people] == [c.id, a.id]
    assert people[0].initials == "C3" and people[0].photo_url is None
    with pytest.raises(NotFound):
        bookable_people(db, shop.anonymous(), shop.service.id + 1000)


def test_initials():
    assert initials("Maria Papadopoulou") == "MP"
    assert initials("Άννα") == "Ά"
    assert initials("  ") == "?"


def test_a_new_calendar_goes_last_in_the_order(db):
    shop = build_shop(db, calendars=2)
    act(db, shop.manager_ctx)
    new = create_calendar(db, shop.manager_ctx, "Newcomer")
    assert new.priority > max(c.priority for c in shop.calendars)
    with pytest.raises(ValidationFailed):
        set_calendar_order(db, shop.manager_ctx, [new.id])
