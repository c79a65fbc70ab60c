"""50 racing bookings for the last free places, some for "anyone", some naming a person, under
each "anyone" rule, with real commits on PostgreSQL: exactly as many winners as places, no two
live bookings on one calendar at one time, every loser a clear 409 `slot_taken`."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from hub_app.db import unit_of_work
from hub_app.domain.accounts.models import UserRole
from hub_app.domain.bookings.assignment import AnyoneRule
from hub_app.domain.bookings.models import Booking
from hub_app.domain.bookings.service import BookingRequest, book
from hub_app.domain.errors import SlotTaken
from hub_app.domain.scheduling.models import CalendarService
from hub_app.domain.scheduling.staff import set_anyone_rule
from hub_app.domain.tenancy import TenantContext
from tests.bookings.helpers import MONDAY, act, build_shop, insert_booking
from tests.factories import make_user

pytestmark = pytest.mark.postgresql_only

RACERS = 50
PEOPLE = 5


def arrange(rule: AnyoneRule):
    """Five people; at 10:00 two are booked already and the 10:00 of the day's others is free."""
    with unit_of_work(TenantContext.system()) as db:
        shop = build_shop(db, calendars=PEOPLE)
        act(db, shop.manager_ctx)
        set_anyone_rule(db, shop.manager_ctx, rule.value)
        start = shop.local(MONDAY, "10:00")
        for cal in shop.calendars[:2]:
            insert_booking(db, shop, start, calendar=cal)
        act(db, TenantContext.system())
        clients = [make_user(db, UserRole.CLIENT) for _ in range(RACERS)]
        return shop, start, [TenantContext.for_user(c, store_id=shop.store.id) for c in clients]


@pytest.mark.parametrize("rule", list(AnyoneRule), ids=[r.value for r in AnyoneRule])
def test_last_places_raced_by_anyone_and_named_bookings(committed_engine, rule):
    shop, start, contexts = arrange(rule)
    # Every other racer says "anyone"; the rest name a person in turn, the booked ones included.
    wanted = {ctx.user_id: (None if i % 2 == 0 else shop.calendars[(i // 2) % PEOPLE].id)
              for i, ctx in enumerate(contexts)}
    gate = threading.Barrier(RACERS)

    def attempt(ctx):
        gate.wait()
        try:
            with unit_of_work(ctx) as db:
                booking = book(db, ctx, BookingRequest(service_id=shop.service.id, start=start,
                                                       calendar_id=wanted[ctx.user_id]))
                return booking.id, booking.calendar_id, booking.staff_requested
        except SlotTaken as exc:
            return exc

    with ThreadPoolExecutor(RACERS) as pool:
        results = list(pool.map(attempt, contexts))
    made = [r for r in results if not isinstance(r, Exception)]
    refused = [r for r in results if isinstance(r, SlotTaken)]
    assert len(made) + len(refused) == RACERS, [r for r in results if isinstance(r, Exception)
                                                and not isinstance(r, SlotTaken)]
    free_people = {cal.id for cal in shop.calendars[2:]}
    assert len(made) == len(free_people) == 3
    assert {cal for _, cal, _ in made} == free_people           # each free person once, nobody twice
    assert all(err.http_status == 409 and err.code == "slot_taken" for err in refused)
    with unit_of_work(TenantContext.system(shop.store.id)) as db:
        per_calendar = Counter(db.scalars(select(Booking.calendar_id).where(Booking.start_at == start)))
        assert set(per_calendar.values()) == {1} and len(per_calendar) == PEOPLE
        turns = sorted(t for t in db.scalars(select(CalendarService.last_assigned_turn)
                                             .where(CalendarService.service_id == shop.service.id)) if t)
    anyone_winners = sum(1 for _, _, requested in made if not requested)
    if rule is AnyoneRule.ROUND_ROBIN:
        # Every "anyone" winner took its own turn, one after the other (the rotation lock).
        assert turns == list(range(1, anyone_winners + 1))
    else:
        assert turns == []


def test_round_robin_stays_even_when_anyone_bookings_race(committed_engine):
    """40 clients book "anyone" at once, each at a different free time: with the rotation lock
    each of the five people gets exactly eight, and the turns run 1…40 without a gap or a twin."""
    shop, _start, contexts = arrange(AnyoneRule.ROUND_ROBIN)
    racers = contexts[:40]
    starts = [shop.local(MONDAY + timedelta(days=1 + i // 16), "09:00") + timedelta(minutes=30 * (i % 16))
              for i in range(len(racers))]
    start_of = {ctx.user_id: start for ctx, start in zip(racers, starts)}
    gate = threading.Barrier(len(racers))

    def attempt(ctx):
        gate.wait()
        with unit_of_work(ctx) as db:
            return book(db, ctx, BookingRequest(service_id=shop.service.id, start=start_of[ctx.user_id])).calendar_id

    with ThreadPoolExecutor(len(racers)) as pool:
        counts = Counter(pool.map(attempt, racers))
    assert sorted(counts.values()) == [8] * PEOPLE, counts
    with unit_of_work(TenantContext.system(shop.store.id)) as db:
        turns = sorted(db.scalars(select(CalendarService.last_assigned_turn)
                                  .where(CalendarService.service_id == shop.service.id)))
    assert turns == [36, 37, 38, 39, 40]      # the last five turns of 40, one per person
