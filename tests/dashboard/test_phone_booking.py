"""Booking for a client on the phone from the dashboard: a new client or one of the store's own."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hub_app.db import unit_of_work
from hub_app.domain.accounts.models import AppUser
from hub_app.domain.bookings.availability import free_slots
from hub_app.domain.bookings.models import Booking, BookingSource, BookingStatus
from hub_app.domain.errors import NotFound, ValidationFailed
from hub_app.domain.tenancy import TenantContext
from hub_app.domain.types import utcnow
from hub_app.manage.bookings.present import phone_booking
from tests.bookings.helpers import build_shop
from tests.dashboard.helpers import add_booking, client

NEW = {"first_name": "Kostas", "last_name": "Papas", "email": "kostas.phone@example.com", "phone": "6971234567",
       "address": "Athens", "age": "41"}


@pytest.fixture
def shop(committed_engine):
    with unit_of_work(TenantContext.system()) as db:
        shop = build_shop(db)
    return shop


def _free_start(shop, days: int = 3):
    day = utcnow().astimezone(shop.tz).date() + timedelta(days=days)
    ctx = shop.manager_ctx
    with unit_of_work(ctx) as db:
        return free_slots(db, ctx, shop.service.id, day, day)[0].start


def test_a_new_client_is_registered_with_the_booking(shop):
    row = phone_booking(shop.manager_ctx, service_id=shop.service.id, start=_free_start(shop), persons=1,
                        notes="Called at 9", client_user_id=None, new_client=NEW)
    assert row["client"] == "Kostas Papas" and row["status"] == "confirmed" and row["notes"] == "Called at 9"
    with unit_of_work(TenantContext.system()) as db:
        booking = db.get(Booking, int(row["id"]))
        person = db.get(AppUser, booking.client_user_id)
    assert booking.source == BookingSource.MANAGER and person.email == NEW["email"] and person.phone_number == "+306971234567"


def test_missing_details_are_reported_per_field_and_nothing_is_booked(shop):
    with pytest.raises(ValidationFailed) as refused:
        phone_booking(shop.manager_ctx, service_id=shop.service.id, start=_free_start(shop), persons=1, notes="",
                      client_user_id=None, new_client={**NEW, "email": "", "age": ""})
    assert {"email", "age"} <= set(refused.value.fields)
    with unit_of_work(TenantContext.system()) as db:
        assert db.query(Booking).count() == 0


def test_only_the_stores_own_clients_can_be_picked(shop):
    with unit_of_work(TenantContext.system()) as db:
        regular, stranger = client(db), client(db)
        add_booking(db, shop, utcnow().astimezone(shop.tz).date() + timedelta(days=30), "09:00", who=regular,
                    status=BookingStatus.COMPLETED)
        regular_id, stranger_id = regular.id, stranger.id
    row = phone_booking(shop.manager_ctx, service_id=shop.service.id, start=_free_start(shop), persons=1, notes="",
                        client_user_id=regular_id, new_client=None)
    assert row["client_id"] == str(regular_id)
    with pytest.raises(NotFound):
        phone_booking(shop.manager_ctx, service_id=shop.service.id, start=_free_start(shop, 4), persons=1, notes="",
                      client_user_id=stranger_id, new_client=None)
