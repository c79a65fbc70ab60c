"""`new_row` builds the same object as the model's constructor, for less CPU."""

from __future__ import annotations

from datetime import time, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import inspect, select

from hub_app.domain.audit.models import AuditEntry
from hub_app.domain.base import new_row
from hub_app.domain.bookings.models import Booking, BookingStatus
from hub_app.domain.notifications.models import Channel, Notification, NotificationKind, NotificationStatus
from tests.factories import T0, make_client, make_store, one_of_each_tenant_row

TIMESTAMPS = {"created_at", "updated_at", "at"}  # "now" when built


def _fields(row) -> dict:
    return {k: v for k, v in row.__dict__.items() if not k.startswith("_") and k not in TIMESTAMPS}


@pytest.mark.parametrize("model, values", [
    (Notification, dict(store_id=1, recipient_user_id=2, booking_id=3, type=Channel.EMAIL,
                        kind=NotificationKind.CONFIRMATION, subject="Booked", body="See you", to_address="a@b.gr",
                        dedupe_key="confirmation:3:email")),
    (AuditEntry, dict(store_id=1, actor_user_id=2, entity_type="booking", entity_id=3, action="created",
                      after={"status": "confirmed"})),
    (Booking, dict(store_id=1, client_user_id=2, service_id=3, calendar_id=4, start_at=T0,
                   end_at=T0 + timedelta(minutes=30), status=BookingStatus.CONFIRMED, total_amount=Decimal("20.00"))),
], ids=lambda v: v.__name__ if isinstance(v, type) else "")
def test_the_same_fields_defaults_and_change_tracking_as_the_constructor(model, values):
    built, fast = model(**values), new_row(model, **values)
    assert _fields(fast) == _fields(built)
    assert fast.__pydantic_fields_set__ == built.__pydantic_fields_set__ == set(values)
    assert TIMESTAMPS & set(model.model_fields) <= set(fast.__dict__)
    assert fast.model_dump().keys() == built.model_dump().keys()
    assert inspect(fast).transient
    for name in values:
        assert inspect(fast).attrs[name].history.added == inspect(built).attrs[name].history.added


def test_defaults_are_filled_in():
    row = new_row(Notification, store_id=1, recipient_user_id=2, type=Channel.SMS, kind=NotificationKind.MANUAL,
                  body="hi")
    assert row.status == NotificationStatus.PENDING and row.attempts == 0
    assert row.created_at is not None and row.id is None


def test_an_unknown_field_is_refused():
    with pytest.raises(TypeError, match="no field"):
        new_row(Notification, store_id=1, recipient=2)


def test_a_row_built_this_way_is_saved_and_read_back(db):
    store, _ = make_store(db)
    client = make_client(db)
    booking = one_of_each_tenant_row(db, store, client)[Booking]
    row = new_row(Booking, store_id=store.id, client_user_id=client.id, service_id=booking.service_id,
                  calendar_id=booking.calendar_id, start_at=T0 + timedelta(days=1),
                  end_at=T0 + timedelta(days=1, minutes=30), booking_date=(T0 + timedelta(days=1)).date(),
                  start_time=time(11), end_time=time(11, 30), status=BookingStatus.PENDING,
                  total_amount=Decimal("20.00"), currency="EUR")
    db.add(row)
    db.flush()
    db.expire(row)
    saved = db.scalar(select(Booking).where(Booking.id == row.id))
    assert saved.status == BookingStatus.PENDING and saved.total_amount == Decimal("20.00")
    assert saved.amount_paid == Decimal("0") and saved.created_at is not None
