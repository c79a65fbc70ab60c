"""The outbox hook and manual messages: rows, wording, dedupe, scoping (both databases)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from hub_app.domain.accounts.models import UserRole
from hub_app.domain.bookings.models import BookingStatus
from hub_app.domain.errors import NotAuthenticated, NotFound, ValidationFailed
from hub_app.domain.notifications import outbox
from hub_app.domain.notifications.models import (
    Channel, Notification, NotificationKind, NotificationStatus, NotificationTemplate,
)
from hub_app.domain.notifications.outbox import Recipients, on_booking_event, queue_manual
from hub_app.domain.tenancy import TenantContext
from tests.factories import make_client, make_store
from tests.notifications.conftest import make_booking, make_service

START = datetime(2031, 3, 10, 8, 0, tzinfo=timezone.utc)   # 10:00 in Athens (EET)


@pytest.fixture
def setup(db):
    store, manager = make_store(db, name="Salon Eleni", address="Ermou 1", city="Athens")
    client = make_client(db)
    calendar, service = make_service(db, store)
    booking = make_booking(db, store, client, START, service=service, calendar=calendar)
    return store, manager, client, booking


def rows(db, **where) -> list[Notification]:
    query = select(Notification).order_by(Notification.id)
    for key, value in where.items():
        query = query.where(getattr(Notification, key) == value)
    return list(db.scalars(query))


def manager_ctx(store, manager) -> TenantContext:
    return TenantContext(store_id=store.id, user_id=manager.id, role=UserRole.STORE_MANAGER, home_store_id=store.id)


def test_confirmation_writes_one_row_per_channel_once(db, setup):
    store, _, client, booking = setup
    created = on_booking_event(db, booking, "confirmed")
    assert {(n.type, n.kind) for n in created} == {(Channel.EMAIL, NotificationKind.CONFIRMATION),
                                                   (Channel.SMS, NotificationKind.CONFIRMATION)}
    email = next(n for n in created if n.type == Channel.EMAIL)
    sms = next(n for n in created if n.type == Channel.SMS)
    assert email.to_address == client.email and sms.to_address == client.phone_number
    assert "10:00" in sms.body and "Haircut" in sms.body and "Salon Eleni" in sms.body
    assert f"/account/bookings/{booking.id}" in sms.body
    assert email.subject.startswith("Booking confirmed: Haircut") and "Ermou 1, Athens" in email.body
    assert email.body_html and sms.body_html is None
    assert all(n.status == NotificationStatus.PENDING and n.store_id == store.id for n in created)
    # The booking service calling the hook again (a retry, a replay) adds nothing.
    assert on_booking_event(db, booking, "confirmed") == []
    assert len(rows(db, booking_id=booking.id)) == 2


def test_greek_client_gets_greek_text(db, setup):
    _, _, client, booking = setup
    client.locale = "el"
    sms = next(n for n in on_booking_event(db, booking, "confirmed") if n.type == Channel.SMS)
    assert "ραντεβού" in sms.body and "10:00" in sms.body


def test_store_template_and_disabled_channel(db, setup):
    store, _, _, booking = setup
    db.add_all([
        NotificationTemplate(store_id=store.id, kind=NotificationKind.CONFIRMATION, channel=Channel.SMS,
                             locale="en", enabled=False, body="unused"),
        NotificationTemplate(store_id=store.id, kind=NotificationKind.CONFIRMATION, channel=Channel.EMAIL,
                             locale="en", subject="See you {first_name}", body="Booked: {service} {time}"),
    ])
    db.flush()
    (email,) = on_booking_event(db, booking, "confirmed")
    assert email.type == Channel.EMAIL and email.body == "Booked: Haircut 10:00 AM"
    assert email.subject == "See you Eleni"


def test_another_stores_disabled_template_does_not_apply(db, setup, session_for):
    store, _, _, booking = setup
    other, _ = make_store(db)
    db.add(NotificationTemplate(store_id=other.id, kind=NotificationKind.CONFIRMATION, channel=Channel.SMS,
                                locale="en", enabled=False, body="x"))
    db.flush()
    # System context (bypass) sees every store's rows; the hook must still only read this store's.
    assert len(on_booking_event(db, booking, "confirmed")) == 2


def test_cancellation_withdraws_pending_reminders(db, setup):
    _, _, _, booking = setup
    on_booking_event(db, booking, "confirmed")
    reminder = Notification(store_id=booking.store_id, recipient_user_id=booking.client_user_id, booking_id=booking.id,
                            type=Channel.SMS, kind=NotificationKind.REMINDER, body="r", dedupe_key="reminder:x")
    db.add(reminder)
    db.flush()
    booking.status = BookingStatus.CANCELLED
    created = on_booking_event(db, booking, "cancelled")
    assert {n.kind for n in created} == {NotificationKind.CANCELLATION}
    db.refresh(reminder)
    assert reminder.status == NotificationStatus.NOT_SENT and "cancelled" in reminder.last_error


def test_cancelling_a_never_announced_hold_sends_nothing(db, setup):
    _, _, _, booking = setup
    assert on_booking_event(db, booking, "pending") == []
    booking.status = BookingStatus.CANCELLED
    assert on_booking_event(db, booking, "cancelled") == []


def test_reschedule_announces_the_new_booking_once(db, setup):
    store, _, client, old = setup
    on_booking_event(db, old, "confirmed")
    old.status = BookingStatus.RESCHEDULED
    new = make_booking(db, store, client, START.replace(day=11), rescheduled_from_id=old.id)
    assert on_booking_event(db, old, "rescheduled") == []
    created = on_booking_event(db, new, "rescheduled")
    assert {n.kind for n in created} == {NotificationKind.RESCHEDULE} and len(created) == 2
    assert on_booking_event(db, new, "confirmed") == []   # same dedupe keys


def test_client_context_without_store_writes_into_the_bookings_store(db, setup, session_for):
    store, _, client, booking = setup
    client_ctx = TenantContext(user_id=client.id, role=UserRole.CLIENT)
    session = session_for(client_ctx)
    mine = session.get(type(booking), booking.id)
    created = on_booking_event(session, mine, "confirmed")
    assert len(created) == 2 and all(n.store_id == store.id for n in created)
    assert session.info["tenant"] == client_ctx
    # Back in the client's own scope, the store's notification rows are not readable.
    assert session.scalars(select(Notification)).all() == []
    # (A fresh system session: on PostgreSQL the sessions share the test's connection and its
    # transaction-local RLS settings, which the client session's transaction set last.)
    assert len(rows(session_for(TenantContext.system()), booking_id=booking.id)) == 2


def test_manual_to_one_client_renders_placeholders(db, setup, session_for):
    store, manager, client, booking = setup
    ctx = manager_ctx(store, manager)
    session = session_for(ctx)
    (sms,) = queue_manual(session, ctx, Recipients.one(client.id), Channel.SMS, None,
                          "Hi {first_name}, {service} at {store} on {date} {time}")
    assert sms.kind == NotificationKind.MANUAL and sms.to_address == client.phone_number
    assert sms.body.startswith("Hi Eleni, Haircut at Salon Eleni on ") and sms.body.endswith("10:00 AM")


def test_manual_to_clients_of_a_day_and_to_everyone(db, setup, session_for):
    store, manager, client, booking = setup
    second = make_client(db)
    make_booking(db, store, second, START.replace(day=12))
    outsider = make_client(db)
    other_store, _ = make_store(db)
    make_booking(db, other_store, outsider, START)
    ctx = manager_ctx(store, manager)
    session = session_for(ctx)
    day = queue_manual(session, ctx, Recipients.on_day(START.date()), Channel.EMAIL, "Note", "Hello {first_name}")
    assert [n.recipient_user_id for n in day] == [client.id]
    everyone = queue_manual(session, ctx, Recipients.everyone(), Channel.EMAIL, "News", "We moved, {first_name}!",
                            idempotency_key="compose-1")
    assert sorted(n.recipient_user_id for n in everyone) == sorted([client.id, second.id])
    # A double submit of the same compose form adds nothing.
    assert queue_manual(session, ctx, Recipients.everyone(), Channel.EMAIL, "News", "We moved, {first_name}!",
                        idempotency_key="compose-1") == []


def test_manual_validation_and_permissions(db, setup, session_for):
    store, manager, client, _ = setup
    ctx = manager_ctx(store, manager)
    session = session_for(ctx)
    with pytest.raises(ValidationFailed) as unknown:
        queue_manual(session, ctx, Recipients.one(client.id), Channel.SMS, None, "Hi {first_name.__class__} {evil}")
    assert "{evil}" in unknown.value.fields["body"]
    with pytest.raises(ValidationFailed) as no_subject:
        queue_manual(session, ctx, Recipients.one(client.id), Channel.EMAIL, "", "Hi")
    assert "subject" in no_subject.value.fields
    stranger = make_client(db)
    with pytest.raises(NotFound):
        queue_manual(session, ctx, Recipients.one(stranger.id), Channel.SMS, None, "Hi")
    with pytest.raises(NotAuthenticated):
        queue_manual(session, TenantContext.anonymous(store.id), Recipients.one(client.id), Channel.SMS, None, "Hi")


def test_unknown_event_is_a_programming_error(db, setup):
    with pytest.raises(ValueError):
        on_booking_event(db, setup[3], "exploded")
    assert outbox.BOOKING_EVENTS >= {"confirmed", "cancelled", "rescheduled", "pending"}


def test_rows_racing_for_one_dedupe_key_are_settled_one_by_one(db, setup):
    """Two rows with a key nobody has yet (as when a concurrent transaction inserts it between
    the check and the insert): the batch insert fails, and exactly one of them is kept."""
    store, _, client, booking = setup

    def row(body: str) -> Notification:
        return Notification(store_id=store.id, recipient_user_id=client.id, booking_id=booking.id,
                            type=Channel.SMS, kind=NotificationKind.MANUAL, body=body,
                            to_address=client.phone_number, dedupe_key="manual:race:1:sms")

    with outbox.acting_for_store(db, store.id):
        kept = outbox.add_all_once(db, [row("first"), row("second")])
    assert [n.body for n in kept] == ["first"]
    assert [n.body for n in rows(db, dedupe_key="manual:race:1:sms")] == ["first"]
