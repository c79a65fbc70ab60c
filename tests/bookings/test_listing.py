"""Reading bookings: a store's filtered list, a client's own bookings, a store's clients; demo data."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from hub_app.domain.accounts.models import UserRole
from hub_app.domain.bookings.models import Booking, BookingStatus
from hub_app.domain.bookings.service import BookingRequest, book, list_bookings, list_clients, my_bookings
from hub_app.domain.errors import NotAuthenticated, PermissionDenied
from hub_app.domain.tenancy import TenantContext
from tests.bookings.helpers import MONDAY, act, build_shop, insert_booking, new_client
from tests.factories import make_user


def test_store_list_filters_searches_and_pages(db):
    shop = build_shop(db, calendars=2)
    act(db, TenantContext.system())
    eleni = make_user(db, first_name="Eleni", last_name="Papadaki", email="eleni.p@example.com")
    other = make_user(db, first_name="Kostas", last_name="Ioannou", email="kostas@example.com")
    for i in range(5):
        act(db, TenantContext.for_user(eleni, store_id=shop.store.id))
        book(db, db.info["tenant"], BookingRequest(service_id=shop.service.id, start=shop.local(MONDAY + timedelta(days=i), "10:00")))
    act(db, TenantContext.for_user(other, store_id=shop.store.id))
    book(db, db.info["tenant"], BookingRequest(service_id=shop.service.id, start=shop.local(MONDAY, "11:00")))
    insert_booking(db, shop, shop.local(MONDAY, "12:00"), status=BookingStatus.CANCELLED)
    foreign = build_shop(db)
    insert_booking(db, foreign, foreign.local(MONDAY, "10:00"))
    act(db, shop.manager_ctx)
    ctx = shop.manager_ctx
    rows, total = list_bookings(db, ctx)
    assert total == 7 and [b.start_at for b in rows] == sorted(b.start_at for b in rows)
    assert list_bookings(db, ctx, search="papad")[1] == 5
    assert list_bookings(db, ctx, search="Eleni Papadaki")[1] == 5
    assert list_bookings(db, ctx, search="KOSTAS@")[1] == 1
    assert list_bookings(db, ctx, search="%")[1] == 0
    assert list_bookings(db, ctx, status="cancelled")[1] == 1
    assert list_bookings(db, ctx, status=["confirmed", "cancelled"])[1] == 7
    day = list_bookings(db, ctx, start=shop.local(MONDAY, "00:00"), end=shop.local(MONDAY, "23:59"))
    assert day[1] == 3
    page, total = list_bookings(db, ctx, order="-start", limit=2, offset=2)
    assert total == 7 and len(page) == 2 and page[0].start_at >= page[1].start_at
    assert list_bookings(db, ctx, client_user_id=other.id)[1] == 1


def test_clients_of_the_store(db):
    shop = build_shop(db)
    for hhmm in ("10:00", "11:00"):
        insert_booking(db, shop, shop.local(MONDAY, hhmm))
    act(db, shop.manager_ctx)
    clients, total = list_clients(db, shop.manager_ctx)
    assert total == 2 and all(c.bookings_count == 1 for c in clients)
    assert clients[0].last_booking_start.tzinfo is not None
    assert list_clients(db, shop.manager_ctx, search=clients[0].email)[1] == 1
    client, cctx = new_client(db, shop)
    act(db, cctx)
    with pytest.raises(PermissionDenied):
        list_clients(db, cctx)
    with pytest.raises(PermissionDenied):
        list_bookings(db, cctx)


def test_my_bookings_span_stores_and_only_mine(db):
    first, second = build_shop(db), build_shop(db)
    client, _ = new_client(db)
    for shop in (first, second):
        ctx = TenantContext.for_user(client, store_id=shop.store.id)
        act(db, ctx)
        book(db, ctx, BookingRequest(service_id=shop.service.id, start=shop.local(MONDAY, "10:00")))
    insert_booking(db, first, first.local(MONDAY, "11:00"))  # someone else's
    account = TenantContext.for_user(client)
    act(db, account)
    mine = my_bookings(db, account)
    assert {b.store_id for b in mine} == {first.store.id, second.store.id} and len(mine) == 2
    inside = TenantContext.for_user(client, store_id=first.store.id)
    act(db, inside)
    assert len(my_bookings(db, inside)) == 2
    with pytest.raises(NotAuthenticated):
        my_bookings(db, TenantContext.anonymous(first.store.id))
    # "View Own Bookings" is a client row of the matrix: staff are refused, not shown an empty list.
    act(db, TenantContext.system())
    admin = TenantContext.for_user(make_user(db, UserRole.ADMIN))
    for staff in (first.manager_ctx, admin):
        act(db, staff)
        with pytest.raises(PermissionDenied):
            my_bookings(db, staff)


def test_demo_bookings_are_made_once(committed_engine):
    from hub_app.db import unit_of_work
    from hub_app.demo import seed_demo

    lines = seed_demo()
    assert any("demo bookings:" in line for line in lines) and any("client login" in line for line in lines)
    with unit_of_work(TenantContext.system()) as db:
        count = db.scalar(select(func.count(Booking.id)))
        assert count >= 8
        assert db.scalar(select(func.count(Booking.id)).where(Booking.status != BookingStatus.CONFIRMED)) == 0
    again = seed_demo()
    assert not any("demo bookings:" in line for line in again)
    with unit_of_work(TenantContext.system()) as db:
        assert db.scalar(select(func.count(Booking.id))) == count
