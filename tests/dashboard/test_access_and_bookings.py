"""Opening a store's dashboard, and the bookings it shows (list filters and calendar ranges)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from hub_app.domain.bookings.listing import BookingFilters, booking_view, calendar_view, find_bookings
from hub_app.domain.bookings.models import BookingStatus
from hub_app.domain.errors import NotAuthenticated, NotFound, PermissionDenied, ValidationFailed
from hub_app.domain.stores.access import store_for_dashboard, stores_for_admin
from hub_app.domain.stores.local_time import calendar_range, shift_anchor
from hub_app.domain.tenancy import TenantContext
from tests.dashboard.helpers import MONDAY, act, add_booking, admin_ctx, as_manager, client, two_shops


def test_a_manager_always_gets_their_own_store_whatever_slug_is_asked(db):
    a, b = two_shops(db)
    ctx = as_manager(db, a)
    assert store_for_dashboard(db, ctx, b.store.slug).id == a.store.id
    assert store_for_dashboard(db, ctx, None).id == a.store.id


def test_an_admin_opens_any_store_by_slug_and_picks_from_all(db):
    a, b = two_shops(db)
    ctx = admin_ctx(db)
    assert store_for_dashboard(db, ctx, b.store.slug.upper()).id == b.store.id
    assert store_for_dashboard(db, ctx, "") is None
    with pytest.raises(NotFound):
        store_for_dashboard(db, ctx, "no-such-store")
    slugs = {s.slug for s in stores_for_admin(db, ctx)}
    assert {a.store.slug, b.store.slug} <= slugs


def test_clients_and_visitors_are_refused(db):
    a, _ = two_shops(db)
    person = client(db)
    act(db, TenantContext.for_user(person, a.store.id))
    with pytest.raises(PermissionDenied):
        store_for_dashboard(db, TenantContext.for_user(person, a.store.id), a.store.slug)
    with pytest.raises(NotAuthenticated):
        store_for_dashboard(db, TenantContext.anonymous(a.store.id), a.store.slug)


def test_list_filters_use_store_local_days_and_never_show_another_store(db):
    a, b = two_shops(db)
    eleni = client(db, email="eleni.filter@example.com")
    first = add_booking(db, a, MONDAY, "09:00", who=eleni)
    add_booking(db, a, MONDAY + timedelta(days=1), "16:30", status=BookingStatus.CANCELLED)
    add_booking(db, b, MONDAY, "09:00")
    ctx = as_manager(db, a)
    rows, total = find_bookings(db, ctx, BookingFilters(date_from=MONDAY, date_to=MONDAY))
    assert total == 1 and rows[0].id == first.id
    assert rows[0].local_start == "09:00" and rows[0].local_date == MONDAY
    assert rows[0].service_name == "Cut" and rows[0].client_email == "eleni.filter@example.com"
    assert rows[0].start_minute == 9 * 60 and rows[0].end_minute == 9 * 60 + 30
    rows, total = find_bookings(db, ctx, BookingFilters(status="cancelled"))
    assert total == 1 and rows[0].status == "cancelled"
    rows, total = find_bookings(db, ctx, BookingFilters(search="eleni.filter"))
    assert [r.id for r in rows] == [first.id]
    rows, total = find_bookings(db, ctx, BookingFilters(order="-start"), limit=1, offset=0)
    assert total == 2 and rows[0].local_date == MONDAY + timedelta(days=1)
    with pytest.raises(ValidationFailed):
        find_bookings(db, ctx, BookingFilters(order="price"))
    with pytest.raises(ValidationFailed):
        find_bookings(db, ctx, BookingFilters(date_from=MONDAY, date_to=MONDAY - timedelta(days=1)))


def test_calendar_ranges_are_a_day_a_monday_week_or_the_weeks_of_a_month():
    wednesday = date(2031, 3, 5)
    assert calendar_range("day", wednesday) == (wednesday, wednesday)
    assert calendar_range("week", wednesday) == (date(2031, 3, 3), date(2031, 3, 9))
    first, last = calendar_range("month", wednesday)
    assert first.weekday() == 0 and last.weekday() == 6
    assert first <= date(2031, 3, 1) and last >= date(2031, 3, 31)
    assert shift_anchor("month", date(2031, 12, 15), 1) == date(2032, 1, 1)
    assert shift_anchor("week", wednesday, -1) == date(2031, 2, 26)
    with pytest.raises(ValidationFailed):
        calendar_range("year", wednesday)


def test_calendar_view_places_bookings_of_the_week(db):
    a, b = two_shops(db)
    inside = add_booking(db, a, MONDAY + timedelta(days=6), "16:30")
    add_booking(db, a, MONDAY + timedelta(days=7), "09:00")  # next Monday: outside
    add_booking(db, b, MONDAY + timedelta(days=2), "10:00")
    ctx = as_manager(db, a)
    view = calendar_view(db, ctx, "week", MONDAY + timedelta(days=3))
    assert view.first == MONDAY and len(view.days) == 7
    assert [r.id for r in view.bookings] == [inside.id]


def test_one_booking_of_another_store_is_not_found(db):
    a, b = two_shops(db)
    theirs = add_booking(db, b, MONDAY, "10:00")
    ctx = as_manager(db, a)
    with pytest.raises(NotFound):
        booking_view(db, ctx, theirs.id)
