"""Races with real commits, on SQLite and PostgreSQL: the database settles who gets the place."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from hub_app.db import unit_of_work
from hub_app.domain.accounts.models import UserRole
from hub_app.domain.bookings.models import Booking
from hub_app.domain.bookings.service import BookingRequest, book
from hub_app.domain.errors import SlotTaken
from hub_app.domain.tenancy import TenantContext
from tests.bookings.helpers import MONDAY, act, build_shop
from tests.factories import make_user

RACERS = 24


def arrange(**service):
    with unit_of_work(TenantContext.system()) as db:
        shop = build_shop(db, **service)
        act(db, TenantContext.system())
        clients = [make_user(db, UserRole.CLIENT) for _ in range(RACERS)]
        return shop, [TenantContext.for_user(c, store_id=shop.store.id) for c in clients]


def race(contexts, request_for):
    """Every context books at once; returns (bookings made, SlotTaken errors)."""
    gate = threading.Barrier(len(contexts))

    def attempt(ctx):
        gate.wait()
        try:
            with unit_of_work(ctx) as db:
                booking = book(db, ctx, request_for(ctx))
                return booking.id, booking.number_of_persons
        except SlotTaken as exc:
            return exc

    with ThreadPoolExecutor(len(contexts)) as pool:
        results = list(pool.map(attempt, contexts))
    made = [r for r in results if not isinstance(r, Exception)]
    taken = [r for r in results if isinstance(r, SlotTaken)]
    assert len(made) + len(taken) == len(contexts), results
    return made, taken


def booked_at(shop, start) -> int:
    with unit_of_work(TenantContext.system(shop.store.id)) as db:
        return db.scalar(select(func.coalesce(func.sum(Booking.number_of_persons), 0))
                         .where(Booking.start_at == start)) or 0


def test_one_place_many_clients_exactly_one_wins(committed_engine):
    shop, contexts = arrange()
    start = shop.local(MONDAY, "10:00")
    made, taken = race(contexts, lambda ctx: BookingRequest(service_id=shop.service.id, start=start))
    assert len(made) == 1 and len(taken) == RACERS - 1
    assert all(err.details["next_free"] and start.isoformat() not in err.details["next_free"] for err in taken)
    assert booked_at(shop, start) == 1


def test_group_session_fills_to_capacity_exactly(committed_engine):
    shop, contexts = arrange(calendars=1, duration_minutes=60, max_persons=2, capacity_persons=7)
    start = shop.local(MONDAY, "10:00")
    # Half ask for one place, half for two: whatever the order, never more than 7 persons.
    persons = {ctx.user_id: 1 + i % 2 for i, ctx in enumerate(contexts)}
    made, taken = race(contexts, lambda ctx: BookingRequest(service_id=shop.service.id, start=start,
                                                            persons=persons[ctx.user_id]))
    assert sum(p for _, p in made) == booked_at(shop, start)
    # Exactly full: twelve one-place requests exceed the capacity, so the last place never stays empty.
    assert booked_at(shop, start) == 7
    assert len(taken) == RACERS - len(made)


def test_group_of_single_places_books_exactly_capacity(committed_engine):
    shop, contexts = arrange(calendars=2, duration_minutes=60, max_persons=1, capacity_persons=5)
    start = shop.local(MONDAY, "10:00")
    made, taken = race(contexts, lambda ctx: BookingRequest(service_id=shop.service.id, start=start))
    assert len(made) == 10 and booked_at(shop, start) == 10  # two calendars × 5 places


def test_the_same_request_sent_many_times_books_once(committed_engine):
    shop, contexts = arrange(calendars=3)
    start = shop.local(MONDAY, "10:00")
    same_client = [contexts[0]] * 12
    made, taken = race(same_client, lambda ctx: BookingRequest(service_id=shop.service.id, start=start,
                                                               idempotency_key="double-click"))
    assert not taken and len({booking_id for booking_id, _ in made}) == 1
    assert booked_at(shop, start) == 1


def test_one_named_calendar_many_clients_exactly_one_wins(committed_engine):
    # Naming the calendar takes the path that locks it before reading its day.
    shop, contexts = arrange(calendars=3)
    start, chair = shop.local(MONDAY, "10:00"), shop.calendars[1].id
    made, taken = race(contexts, lambda ctx: BookingRequest(service_id=shop.service.id, start=start,
                                                            calendar_id=chair))
    assert len(made) == 1 and len(taken) == RACERS - 1
    with unit_of_work(TenantContext.system(shop.store.id)) as db:
        assert db.scalars(select(Booking.calendar_id).where(Booking.start_at == start)).all() == [chair]


def test_a_named_group_calendar_fills_to_capacity_exactly(committed_engine):
    shop, contexts = arrange(calendars=2, duration_minutes=60, max_persons=2, capacity_persons=5)
    start, chair = shop.local(MONDAY, "10:00"), shop.calendars[0].id
    persons = {ctx.user_id: 1 + i % 2 for i, ctx in enumerate(contexts)}
    made, _taken = race(contexts, lambda ctx: BookingRequest(service_id=shop.service.id, start=start,
                                                             persons=persons[ctx.user_id], calendar_id=chair))
    assert sum(p for _, p in made) == booked_at(shop, start) == 5
