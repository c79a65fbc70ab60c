"""`book`: who books for whom, prices, statuses, idempotency, atomic registration, errors."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from hub_app.domain.accounts.models import AppUser, UserRole
from hub_app.domain.accounts.service import ClientDetails
from hub_app.domain.audit.models import AuditEntry
from hub_app.domain.bookings.availability import free_slots
from hub_app.domain.bookings.models import Booking, BookingSource, BookingStatus
from hub_app.domain.bookings.service import BookingRequest, book
from hub_app.domain.errors import Conflict, NotAuthenticated, PermissionDenied, SlotTaken, ValidationFailed
from hub_app.domain.tenancy import TenantContext
from hub_app.domain.types import utcnow
from tests.bookings.helpers import MONDAY, act, build_shop, new_client
from tests.factories import link_client


def details(email="new.client@example.com", **kw) -> ClientDetails:
    values = dict(first_name="Maria", last_name="Nikolaou", email=email, phone="6971234567", address="Patission 5",
                  age=29, password="a-long-password")
    values.update(kw)
    return ClientDetails(**values)


def at(shop, hhmm, day=MONDAY):
    return shop.local(day, hhmm)


def test_new_client_registers_and_books_in_one_step(db):
    shop = build_shop(db, price_type="per_hour", base_price_amount="45.00", duration_minutes=40)
    ctx = shop.anonymous()
    act(db, ctx)
    booking = book(db, ctx, BookingRequest(service_id=shop.service.id, start=at(shop, "09:40")), new_client=details())
    client = db.get(AppUser, booking.client_user_id)
    assert client.email == "new.client@example.com" and client.phone_number == "+306971234567"
    assert booking.status == BookingStatus.CONFIRMED and booking.hold_expires_at is None
    assert booking.total_amount == Decimal("30.00") and booking.currency == shop.store.currency
    assert (booking.booking_date, booking.start_time.isoformat(), booking.end_time.isoformat()) == (
        MONDAY, "09:40:00", "10:20:00")
    assert booking.end_at - booking.start_at == timedelta(minutes=40)
    created = db.scalar(select(AuditEntry).where(AuditEntry.entity_type == "booking", AuditEntry.entity_id == booking.id))
    assert created.action == "created" and created.after["status"] == "confirmed"


def test_failed_booking_leaves_no_account_behind(db):
    shop = build_shop(db)
    ctx = shop.anonymous()
    act(db, ctx)
    book(db, ctx, BookingRequest(service_id=shop.service.id, start=at(shop, "10:00")), new_client=details("a@example.com"))
    with pytest.raises(SlotTaken) as taken:
        book(db, ctx, BookingRequest(service_id=shop.service.id, start=at(shop, "10:00")), new_client=details("b@example.com"))
    assert taken.value.details["next_free"][0] == at(shop, "09:00").isoformat()
    act(db, TenantContext.system())
    assert db.scalar(select(func.count()).select_from(AppUser).where(AppUser.email == "b@example.com")) == 0


def test_registration_errors_name_the_fields(db):
    shop = build_shop(db)
    ctx = shop.anonymous()
    act(db, ctx)
    with pytest.raises(ValidationFailed) as err:
        book(db, ctx, BookingRequest(service_id=shop.service.id, start=at(shop, "10:00")),
             new_client=details(email="not-an-email", phone="12", age="x"))
    assert {"email", "phone", "age"} <= set(err.value.fields)
    book(db, ctx, BookingRequest(service_id=shop.service.id, start=at(shop, "10:00")), new_client=details())
    with pytest.raises(Conflict) as taken:
        book(db, ctx, BookingRequest(service_id=shop.service.id, start=at(shop, "11:00")), new_client=details())
    assert "email" in taken.value.fields
    with pytest.raises(NotAuthenticated):
        book(db, ctx, BookingRequest(service_id=shop.service.id, start=at(shop, "12:00")))


def test_idempotency_key_and_double_click_make_one_booking(db):
    shop = build_shop(db, calendars=2)
    ctx = shop.anonymous()
    act(db, ctx)
    request = BookingRequest(service_id=shop.service.id, start=at(shop, "10:00"), idempotency_key="k-1")
    first = book(db, ctx, request, new_client=details())
    again = book(db, ctx, request, new_client=details())
    assert again.id == first.id
    with pytest.raises(Conflict):  # the same key for another time
        book(db, ctx, BookingRequest(service_id=shop.service.id, start=at(shop, "11:00"), idempotency_key="k-1"),
             new_client=details())
    client_ctx = TenantContext(store_id=shop.store.id, user_id=first.client_user_id, role=UserRole.CLIENT)
    act(db, client_ctx)
    double = book(db, client_ctx, BookingRequest(service_id=shop.service.id, start=at(shop, "10:00")))
    assert double.id == first.id
    assert db.scalar(select(func.count(Booking.id)).where(Booking.store_id == shop.store.id)) == 1


def test_a_double_click_on_the_last_place_gets_its_booking_back(db):
    # Without a key: the first click took the only place, so the second finds the time full and
    # is answered with the booking it repeats, not "just taken".
    shop = build_shop(db, calendars=1)
    _client, ctx = new_client(db, shop)
    act(db, ctx)
    first = book(db, ctx, BookingRequest(service_id=shop.service.id, start=at(shop, "10:00")))
    again = book(db, ctx, BookingRequest(service_id=shop.service.id, start=at(shop, "10:00")))
    named = book(db, ctx, BookingRequest(service_id=shop.service.id, start=at(shop, "10:00"),
                                         calendar_id=shop.calendars[0].id))
    assert again.id == first.id == named.id
    _other, other = new_client(db, shop)
    act(db, other)
    with pytest.raises(SlotTaken):
        book(db, other, BookingRequest(service_id=shop.service.id, start=at(shop, "10:00")))


@pytest.fixture
def stripe_configured(monkeypatch):
    from hub_app.settings import reset_settings_cache

    monkeypatch.setenv("STRIPE_SECRET_KEY", "sk_test_configured")
    reset_settings_cache()
    yield
    monkeypatch.delenv("STRIPE_SECRET_KEY")
    reset_settings_cache()


PAYABLE_STORE = {"stripe_enabled": True, "payment_hold_minutes": 20, "stripe_account_id": "acct_1",
                 "stripe_onboarding_state": "complete"}


def test_payment_services_wait_pending_with_a_hold(db, stripe_configured):
    shop = build_shop(db, store_kw=PAYABLE_STORE, payment_enabled=True,
                      advance_payment_type="percent", advance_payment_amount="33.33", base_price_amount="10.00")
    client, ctx = new_client(db, shop)
    act(db, ctx)
    before = utcnow()
    booking = book(db, ctx, BookingRequest(service_id=shop.service.id, start=at(shop, "10:00")))
    assert booking.status == BookingStatus.PENDING
    assert before + timedelta(minutes=20) <= booking.hold_expires_at <= utcnow() + timedelta(minutes=20)
    assert booking.advance_payment_amount == Decimal("3.33")
    # The held time is taken for others.
    starts = [s.start for s in free_slots(db, ctx, shop.service.id, MONDAY, MONDAY)]
    assert at(shop, "10:00") not in starts


@pytest.mark.parametrize("store_kw, keys, switched_off", [
    (PAYABLE_STORE, False, False),                                    # no Stripe keys on this server
    ({**PAYABLE_STORE, "stripe_onboarding_state": "pending"}, True, False),  # account not ready
    (PAYABLE_STORE, True, True),                     # the admin switched payments off afterwards
])
def test_payment_services_confirm_at_once_when_online_payment_is_impossible(db, monkeypatch, store_kw, keys,
                                                                            switched_off):
    from hub_app.settings import reset_settings_cache

    if keys:
        monkeypatch.setenv("STRIPE_SECRET_KEY", "sk_test_configured")
    reset_settings_cache()
    shop = build_shop(db, store_kw=store_kw, payment_enabled=True, base_price_amount="10.00")
    if switched_off:
        shop.store.stripe_enabled = False
        db.flush()
    client, ctx = new_client(db, shop)
    act(db, ctx)
    booking = book(db, ctx, BookingRequest(service_id=shop.service.id, start=at(shop, "10:00")))
    reset_settings_cache()
    assert booking.status == BookingStatus.CONFIRMED and booking.hold_expires_at is None
    assert booking.payment_status.value == "unpaid"


def test_manager_books_for_a_client_on_the_phone(db):
    shop = build_shop(db, calendars=2)
    client, _ = new_client(db, shop)
    act(db, shop.manager_ctx)
    link_client(db, shop.store.id, client.id)  # staff book only the store's own clients
    booking = book(db, shop.manager_ctx, BookingRequest(service_id=shop.service.id, start=at(shop, "10:00"),
                                                        calendar_id=shop.calendars[1].id), client_user_id=client.id)
    assert booking.client_user_id == client.id and booking.calendar_id == shop.calendars[1].id
    assert booking.source == BookingSource.MANAGER
    # Naming nobody is booking for oneself, which the matrix gives to clients only.
    with pytest.raises(PermissionDenied):
        book(db, shop.manager_ctx, BookingRequest(service_id=shop.service.id, start=at(shop, "11:00")))
    with pytest.raises(ValidationFailed) as err:   # a named person who is not a client
        book(db, shop.manager_ctx, BookingRequest(service_id=shop.service.id, start=at(shop, "11:00")),
             client_user_id=shop.manager.id)
    assert "client_user_id" in err.value.fields
    other_client, _ = new_client(db, shop)
    link_client(db, shop.store.id, other_client.id)
    with pytest.raises(SlotTaken):
        book(db, shop.manager_ctx, BookingRequest(service_id=shop.service.id, start=at(shop, "10:00"),
                                                  calendar_id=shop.calendars[1].id), client_user_id=other_client.id)


def test_least_busy_calendar_is_chosen(db):
    shop = build_shop(db, calendars=3)
    client, ctx = new_client(db, shop)
    act(db, ctx)
    used = [book(db, ctx, BookingRequest(service_id=shop.service.id, start=at(shop, hhmm))).calendar_id
            for hhmm in ("09:00", "10:00", "11:00")]
    assert sorted(used) == sorted(c.id for c in shop.calendars)


def test_group_bookings_share_the_session_until_full(db):
    shop = build_shop(db, duration_minutes=60, max_persons=3, capacity_persons=4, price_type="per_person",
                      base_price_amount="12.50")
    start = at(shop, "10:00")
    first_client, ctx1 = new_client(db, shop)
    act(db, ctx1)
    one = book(db, ctx1, BookingRequest(service_id=shop.service.id, start=start, persons=3))
    assert one.total_amount == Decimal("37.50")
    _, ctx2 = new_client(db, shop)
    act(db, ctx2)
    with pytest.raises(SlotTaken):
        book(db, ctx2, BookingRequest(service_id=shop.service.id, start=start, persons=2))
    two = book(db, ctx2, BookingRequest(service_id=shop.service.id, start=start, persons=1))
    assert two.calendar_id == one.calendar_id


@pytest.mark.parametrize("change,field", [
    (dict(start=datetime(2031, 3, 3, 10, 0)), "start"),                   # no UTC offset
    (dict(persons=5), "persons"),
    (dict(offset_minutes=7), "start"),                                    # not on the slot grid
    (dict(offset_minutes=-60 * 24 * 365 * 20), "start"),                  # in the past
    (dict(calendar_id=999999), "calendar_id"),
])
def test_invalid_requests_are_specific(db, change, field):
    shop = build_shop(db)
    client, ctx = new_client(db, shop)
    act(db, ctx)
    values = dict(service_id=shop.service.id, start=at(shop, "10:00"))
    change = dict(change)  # the parameters are shared by both backends
    offset = change.pop("offset_minutes", 0)
    values["start"] += timedelta(minutes=offset)
    values.update(change)
    with pytest.raises(ValidationFailed) as err:
        book(db, ctx, BookingRequest(**values))
    assert field in err.value.fields


def test_managers_cannot_book_in_another_store(db):
    shop = build_shop(db)
    other = build_shop(db)
    client, _ = new_client(db, shop)
    ctx = TenantContext(store_id=shop.store.id, user_id=other.manager.id, role=other.manager.role,
                        home_store_id=other.store.id)
    act(db, ctx)
    with pytest.raises(PermissionDenied):
        book(db, ctx, BookingRequest(service_id=shop.service.id, start=at(shop, "10:00")), client_user_id=client.id)
