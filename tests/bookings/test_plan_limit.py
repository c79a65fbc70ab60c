"""The plan's "max bookings a month": refused over it, retries and reschedules unaffected,
Calendly bookings recorded anyway, other stores and last month not counted, exact under races."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from hub_app.db import unit_of_work
from hub_app.domain.accounts.models import AppUser, UserRole
from hub_app.domain.accounts.service import ClientDetails
from hub_app.domain.billing.models import PlanInterval, SubscriptionPlan
from hub_app.domain.bookings.models import Booking, BookingSource
from hub_app.domain.bookings.plan_limit import EXACT_BELOW_LIMIT, bookings_made_this_month
from hub_app.domain.bookings.service import BookingRequest, book, reschedule_booking
from hub_app.domain.errors import PlanLimitReached
from hub_app.domain.tenancy import TenantContext
from hub_app.domain.types import utcnow
from tests.bookings.helpers import MONDAY, act, build_shop
from tests.factories import link_client, make_user


def on_plan(db, shop, limit: int | None) -> SubscriptionPlan:
    act(db, TenantContext.system())
    plan = SubscriptionPlan(name=f"Starter {shop.store.id}", price_amount=Decimal("9.00"),
                            interval=PlanInterval.MONTH, max_bookings_per_month=limit)
    db.add(plan)
    db.flush()
    shop.store.current_subscription_plan_id = plan.id
    db.flush()
    return plan


def client_ctx(db, shop) -> TenantContext:
    act(db, TenantContext.system())
    return TenantContext.for_user(make_user(db, UserRole.CLIENT), store_id=shop.store.id)


def book_at(db, shop, ctx, hhmm: str, **request):
    act(db, ctx)
    return book(db, ctx, BookingRequest(service_id=shop.service.id, start=shop.local(MONDAY, hhmm), **request))


def new_client(email: str) -> ClientDetails:
    return ClientDetails(first_name="Nora", last_name="Limit", email=email, phone="6971234567", address="Athens",
                         age=33, password="a-long-password")


def test_a_store_over_its_monthly_limit_refuses_new_bookings(db):
    shop = build_shop(db, calendars=2)
    on_plan(db, shop, limit=2)
    book_at(db, shop, client_ctx(db, shop), "09:00")
    book_at(db, shop, client_ctx(db, shop), "09:30")
    with pytest.raises(PlanLimitReached) as refused:
        book_at(db, shop, client_ctx(db, shop), "10:00")
    assert refused.value.message == "This store is not taking more online bookings this month. Please contact the store to book."
    assert refused.value.details == {"limit": 2, "what": "bookings_per_month"}
    # Registering inside the refused booking leaves no account behind.
    act(db, shop.anonymous())
    with pytest.raises(PlanLimitReached):
        book(db, shop.anonymous(), BookingRequest(service_id=shop.service.id, start=shop.local(MONDAY, "11:00")),
             new_client=new_client("nora.limit@example.com"))
    act(db, TenantContext.system())
    assert db.scalar(select(func.count()).select_from(Booking).where(Booking.store_id == shop.store.id)) == 2
    assert db.scalar(select(func.count()).select_from(AppUser).where(AppUser.email == "nora.limit@example.com")) == 0


def test_the_manager_is_told_which_plan_limits_them_in_their_language(db):
    shop = build_shop(db)
    plan = on_plan(db, shop, limit=1)
    book_at(db, shop, client_ctx(db, shop), "09:00")
    manager = shop.manager_ctx
    act(db, manager)
    client = client_ctx(db, shop)
    link_client(db, shop.store.id, client.user_id)  # staff book only the store's own clients
    act(db, manager)
    with pytest.raises(PlanLimitReached, match=f"Your plan “{plan.name}” allows 1 bookings a month"):
        book(db, manager, BookingRequest(service_id=shop.service.id, start=shop.local(MONDAY, "10:00")),
             client_user_id=client.user_id)
    greek = TenantContext.anonymous(shop.store.id, locale="el")
    act(db, greek)
    with pytest.raises(PlanLimitReached, match="δεν δέχεται άλλες ηλεκτρονικές κρατήσεις"):
        book(db, greek, BookingRequest(service_id=shop.service.id, start=shop.local(MONDAY, "11:00")),
             new_client=new_client("greek.limit@example.com"))


def test_retries_and_reschedules_are_not_refused_at_the_limit(db):
    shop = build_shop(db)
    on_plan(db, shop, limit=2)
    ctx = client_ctx(db, shop)
    first = book_at(db, shop, ctx, "09:00", idempotency_key="tap-1")
    book_at(db, shop, client_ctx(db, shop), "09:30")
    # At the limit, the same request again (a retry, a double click) gives back its booking ...
    assert book_at(db, shop, ctx, "09:00", idempotency_key="tap-1").id == first.id
    assert book_at(db, shop, ctx, "09:00").id == first.id
    # ... and moving a booking is not a new one.
    act(db, ctx)
    moved = reschedule_booking(db, ctx, first.id, shop.local(MONDAY, "12:00"))
    assert moved.rescheduled_from_id == first.id
    act(db, TenantContext.system())
    assert db.scalar(select(func.count()).select_from(Booking).where(Booking.store_id == shop.store.id)) == 3


def test_calendly_bookings_are_recorded_anyway_and_count(db):
    shop = build_shop(db)
    on_plan(db, shop, limit=1)
    book_at(db, shop, client_ctx(db, shop), "09:00")
    from_calendly = book_at(db, shop, client_ctx(db, shop), "10:00", source=BookingSource.CALENDLY)
    assert from_calendly.source == BookingSource.CALENDLY
    act(db, TenantContext.system())
    assert bookings_made_this_month(db, shop.store) == 2


def test_only_this_store_and_this_month_count(db):
    shop, other = build_shop(db), build_shop(db)
    on_plan(db, shop, limit=2)
    ctx = client_ctx(db, shop)
    # The same client's bookings elsewhere, and this store's bookings of last month, do not count.
    book_at(db, other, TenantContext.for_user(db.get(AppUser, ctx.user_id), store_id=other.store.id), "09:00")
    book_at(db, other, TenantContext.for_user(db.get(AppUser, ctx.user_id), store_id=other.store.id), "09:30")
    old = book_at(db, shop, ctx, "09:00")
    act(db, TenantContext.system())
    old.created_at = utcnow() - timedelta(days=40)
    db.flush()
    book_at(db, shop, ctx, "10:00")
    book_at(db, shop, client_ctx(db, shop), "11:00")
    with pytest.raises(PlanLimitReached):
        book_at(db, shop, client_ctx(db, shop), "12:00")


def test_no_plan_or_no_limit_means_unlimited(db):
    shop = build_shop(db, calendars=1)
    for hhmm in ("09:00", "09:30", "10:00"):
        book_at(db, shop, client_ctx(db, shop), hhmm)
    on_plan(db, shop, limit=None)
    book_at(db, shop, client_ctx(db, shop), "10:30")


def test_racing_bookings_never_pass_the_limit(committed_engine):
    racers = 12
    with unit_of_work(TenantContext.system()) as db:
        shop = build_shop(db, calendars=racers)
        limit = min(EXACT_BELOW_LIMIT, 5)
        on_plan(db, shop, limit=limit)
        act(db, TenantContext.system())
        contexts = [TenantContext.for_user(make_user(db, UserRole.CLIENT), store_id=shop.store.id)
                    for _ in range(racers)]
    gate = threading.Barrier(racers)

    def attempt(n: int):
        gate.wait()
        try:
            with unit_of_work(contexts[n]) as db:
                # Each racer its own time: only the plan limit can refuse them.
                book(db, contexts[n], BookingRequest(service_id=shop.service.id,
                                                     start=shop.local(MONDAY, "09:00") + timedelta(minutes=30 * n)))
            return True
        except PlanLimitReached:
            return False

    with ThreadPoolExecutor(racers) as pool:
        outcomes = list(pool.map(attempt, range(racers)))
    assert outcomes.count(True) == limit
    with unit_of_work(TenantContext.system(shop.store.id)) as db:
        assert db.scalar(select(func.count()).select_from(Booking)) == limit
