"""Signed Calendly webhooks through our HTTP endpoint, the inbox and the Dramatiq actor."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from urllib.parse import unquote

import pytest
from dramatiq.brokers.redis import RedisBroker
from sqlalchemy import select

from hub_app import db as hub_db
from hub_app.domain.accounts.models import AppUser, UserRole
from hub_app.domain.accounts.service import verify_password
from hub_app.domain.bookings.availability import free_slots
from hub_app.domain.bookings.models import Booking, BookingSource, BookingStatus
from hub_app.domain.bookings.queries import list_clients
from hub_app.domain.calendly import service as calendly
from hub_app.domain.clients.invites import accept_invite, invite_client
from hub_app.domain.clients.models import StoreClient, StoreClientStatus
from hub_app.domain.integrations.models import CalendlyConnection, InboxStatus, WebhookEvent
from hub_app.domain.scheduling.models import ExternalBusyTime
from hub_app.domain.secrets import decrypt_secret
from hub_app.domain.tenancy import TenantContext
from tests.calendly.conftest import TOKEN, drain, future_day
from tests.factories import make_client

pytestmark = pytest.mark.usefixtures("app_server")


@pytest.fixture
def linked(fake, shop):
    """The shop connected to the fake Calendly, its "Haircut" event type mapped to chair + service."""
    event_type = fake.add_event_type("Haircut", duration=30)
    ctx = shop.ctx()
    with hub_db.unit_of_work(ctx) as db:
        calendly.connect(db, ctx, TOKEN)
        calendly.map_event_type(db, ctx, event_type, shop.calendar_id, shop.service_id, "Haircut")
    return event_type


def rows(store_id: int, model) -> list:
    with hub_db.unit_of_work(TenantContext.system(store_id)) as db:
        return list(db.scalars(select(model).order_by(model.id)))


def inbox_rows() -> list[WebhookEvent]:
    with hub_db.unit_of_work(TenantContext.system()) as db:
        return list(db.scalars(select(WebhookEvent).order_by(WebhookEvent.id)))


def signing_key(store_id: int) -> str:
    with hub_db.unit_of_work(TenantContext.system(store_id)) as db:
        return decrypt_secret(db.scalar(select(CalendlyConnection)).signing_key_encrypted)


def offered_starts(shop, day) -> set:
    with hub_db.unit_of_work(TenantContext.anonymous(shop.store_id)) as db:
        return {slot.start for slot in free_slots(db, TenantContext.anonymous(shop.store_id), shop.service_id, day, day)}


def send(fake, worker, event: str, invitee_uri: str, **kw) -> list:
    responses = fake.send_webhook(event, invitee_uri, **kw)
    drain(worker)
    return responses


def test_invitee_created_makes_a_confirmed_booking_a_client_and_busy_time(fake, shop, linked, worker):
    start = shop.at(future_day(), 10)
    invitee = fake.book(linked, start, email="Maria@Example.com", name="Maria Papadopoulou", phone="6971234567")
    [response] = send(fake, worker, "invitee.created", invitee["uri"])
    assert response.status_code == 200 and response.json() == {"received": True, "duplicate": False}

    [booking] = rows(shop.store_id, Booking)
    assert booking.status == BookingStatus.CONFIRMED and booking.source == BookingSource.CALENDLY
    assert (booking.calendar_id, booking.service_id) == (shop.calendar_id, shop.service_id)
    assert booking.calendly_invitee_uri == invitee["uri"] and booking.calendly_event_uri == invitee["event"]
    assert booking.start_at == start and (booking.end_at - start).seconds == 1800
    assert str(booking.start_time) == "10:00:00" and booking.booking_date == future_day()
    assert str(booking.total_amount) == "25.00" and "Window seat" in booking.notes
    with hub_db.unit_of_work(TenantContext.system()) as db:
        # An unclaimed record of this store, holding what Calendly sent; its bookings hang on a
        # placeholder account no one can sign in to or mail.
        client = db.get(AppUser, booking.client_user_id)
        assert (client.role, client.first_name, client.last_name) == (UserRole.CLIENT, "Maria", "Papadopoulou")
        assert client.email.endswith("@unclaimed.invalid") and client.phone_number == "+306971234567"
        assert not verify_password(client.password_hash, "")  # a random password nobody knows
        [record] = db.scalars(select(StoreClient)).all()
        assert (record.store_id, record.user_id, record.status, record.email) == (
            shop.store_id, client.id, StoreClientStatus.UNCLAIMED, "maria@example.com")
    [busy] = rows(shop.store_id, ExternalBusyTime)
    assert (busy.calendar_id, busy.external_uri, busy.start_at, busy.is_active) == (
        shop.calendar_id, invitee["event"], start, True)
    [entry] = inbox_rows()
    assert entry.status == InboxStatus.PROCESSED and entry.store_id == shop.store_id
    assert entry.event_id.startswith(f"invitee.created:{invitee['uri']}:")


def test_an_invitee_never_attaches_to_an_existing_account_by_email(fake, shop, linked, worker):
    """Calendly does not verify the address: an account with that email (here a client who only
    ever booked elsewhere) stays out of this store until the person accepts its invitation."""
    with hub_db.unit_of_work(TenantContext.system()) as db:
        existing = make_client(db, email="eleni@example.com")
        existing_id, existing_ctx = existing.id, TenantContext.for_user(existing)
    first = fake.book(linked, shop.at(future_day(), 11), email="ELENI@example.com", name="Someone Else")
    second = fake.book(linked, shop.at(future_day(), 12), email="eleni@example.com")
    send(fake, worker, "invitee.created", first["uri"])
    send(fake, worker, "invitee.created", second["uri"])
    one, two = rows(shop.store_id, Booking)
    assert one.client_user_id != existing_id and one.client_user_id == two.client_user_id  # one record per address
    manager = shop.ctx()
    with hub_db.unit_of_work(manager) as db:
        [summary], _ = list_clients(db, manager)
        # The store sees what Calendly sent, nothing of the account that has this address.
        assert (summary.email, summary.full_name, summary.address, summary.age) == (
            "eleni@example.com", "Someone Else", None, None)
        invitation = invite_client(db, manager, "eleni@example.com")
        token = invitation.link.split("token=")[1]
    with hub_db.unit_of_work(existing_ctx) as db:
        accept_invite(db, existing_ctx, unquote(token))
    assert [b.client_user_id for b in rows(shop.store_id, Booking)] == [existing_id, existing_id]
    with hub_db.unit_of_work(manager) as db:
        [summary], _ = list_clients(db, manager)
        assert (summary.user_id, summary.bookings_count) == (existing_id, 2)


def test_a_booking_made_on_calendly_removes_that_time_from_the_booking_page(fake, shop, linked, worker):
    day = future_day()
    start = shop.at(day, 10)
    assert start in offered_starts(shop, day)
    invitee = fake.book(linked, start, email="maria@example.com")
    send(fake, worker, "invitee.created", invitee["uri"])
    assert start not in offered_starts(shop, day)
    assert shop.at(day, 11) in offered_starts(shop, day)

    fake.cancel(invitee["uri"], reason="Sick")
    send(fake, worker, "invitee.canceled", invitee["uri"])
    [booking] = rows(shop.store_id, Booking)
    assert booking.status == BookingStatus.CANCELLED and "Sick" in booking.cancel_reason
    assert [b.is_active for b in rows(shop.store_id, ExternalBusyTime)] == [False]
    assert start in offered_starts(shop, day)


def test_busy_time_alone_keeps_the_time_off_the_booking_page(fake, shop, linked, worker):
    """Also for an event type whose bookings we do not copy: the calendar is taken all the same."""
    day = future_day()
    invitee = fake.book(linked, shop.at(day, 14), email="maria@example.com")
    send(fake, worker, "invitee.created", invitee["uri"])
    with hub_db.unit_of_work(TenantContext.system(shop.store_id)) as db:
        db.get(Booking, rows(shop.store_id, Booking)[0].id).status = BookingStatus.CANCELLED
    assert shop.at(day, 14) not in offered_starts(shop, day)


@pytest.mark.parametrize("problem", ["tampered body", "wrong key", "stale timestamp", "future timestamp",
                                     "missing header", "unknown store"])
def test_unverifiable_deliveries_are_refused_and_nothing_is_stored(fake, shop, linked, worker, problem):
    invitee = fake.book(linked, shop.at(future_day(), 10), email="maria@example.com")
    body = fake.webhook_body("invitee.created", invitee["uri"])
    key = signing_key(shop.store_id)
    url = f"{next(iter(fake.subscriptions.values()))['callback_url']}"
    now = int(time.time())
    header = fake.sign(key, body, now)
    if problem == "tampered body":
        body = body.replace(b"maria@example.com", b"mallory@example.com")
    elif problem == "wrong key":
        header = fake.sign("not-the-key", body, now)
    elif problem == "stale timestamp":
        header = fake.sign(key, body, now - 181)
    elif problem == "future timestamp":
        header = fake.sign(key, body, now + 600)
    elif problem == "unknown store":
        url = url.rsplit("/", 1)[0] + "/999999"
    import httpx

    headers = {"Content-Type": "application/json"}
    if problem != "missing header":
        headers["Calendly-Webhook-Signature"] = header
    response = httpx.post(url, content=body, headers=headers)
    assert response.status_code == 400
    drain(worker)
    assert inbox_rows() == [] and rows(shop.store_id, Booking) == []


def test_a_timestamp_inside_the_tolerance_is_accepted(fake, shop, linked, worker):
    invitee = fake.book(linked, shop.at(future_day(), 10), email="maria@example.com")
    [response] = send(fake, worker, "invitee.created", invitee["uri"], timestamp=int(time.time()) - 170)
    assert response.status_code == 200 and len(rows(shop.store_id, Booking)) == 1


def test_a_duplicate_delivery_is_recorded_and_applied_once(fake, shop, linked, worker):
    invitee = fake.book(linked, shop.at(future_day(), 10), email="maria@example.com")
    body = fake.webhook_body("invitee.created", invitee["uri"])
    first = fake.deliver("invitee.created", body)
    second = fake.deliver("invitee.created", body, timestamp=int(time.time()) + 1)  # a retry, signed anew
    drain(worker)
    assert [r.json()["duplicate"] for r in first + second] == [False, True]
    assert len(inbox_rows()) == 1 and len(rows(shop.store_id, Booking)) == 1
    # The same event sent again later with a new created_at is a new delivery, but still one booking.
    send(fake, worker, "invitee.created", invitee["uri"], created_at="2030-01-01T00:00:00.000000Z")
    assert len(inbox_rows()) == 2 and len(rows(shop.store_id, Booking)) == 1
    assert {e.status for e in inbox_rows()} == {InboxStatus.PROCESSED}


@pytest.mark.parametrize("order", ["cancel first", "create first"])
def test_a_reschedule_ends_as_one_cancelled_and_one_new_booking(fake, shop, linked, worker, order):
    day = future_day()
    old = fake.book(linked, shop.at(day, 10), email="maria@example.com")
    send(fake, worker, "invitee.created", old["uri"])
    old, new = fake.reschedule(old["uri"], shop.at(day, 12))
    halves = [("invitee.canceled", old["uri"]), ("invitee.created", new["uri"])]
    for event, uri in halves if order == "cancel first" else reversed(halves):
        send(fake, worker, event, uri)
    for event, uri in halves:  # and Calendly retries both: nothing changes
        send(fake, worker, event, uri, created_at="2031-01-01T00:00:00.000000Z")

    cancelled, created = rows(shop.store_id, Booking)
    assert (cancelled.calendly_invitee_uri, cancelled.status) == (old["uri"], BookingStatus.CANCELLED)
    assert cancelled.cancel_reason == "Rescheduled on Calendly"
    assert (created.calendly_invitee_uri, created.status) == (new["uri"], BookingStatus.CONFIRMED)
    assert created.rescheduled_from_id == cancelled.id and created.start_at == shop.at(day, 12)
    assert {(b.external_uri, b.is_active) for b in rows(shop.store_id, ExternalBusyTime)} == {
        (old["event"], False), (new["event"], True)}
    assert shop.at(day, 10) in offered_starts(shop, day) and shop.at(day, 12) not in offered_starts(shop, day)


def test_a_cancel_arriving_before_its_create_leaves_one_cancelled_booking(fake, shop, linked, worker):
    invitee = fake.book(linked, shop.at(future_day(), 10), email="maria@example.com")
    created_body = fake.webhook_body("invitee.created", invitee["uri"])
    fake.cancel(invitee["uri"])
    send(fake, worker, "invitee.canceled", invitee["uri"])
    fake.deliver("invitee.created", created_body)
    drain(worker)
    [booking] = rows(shop.store_id, Booking)
    assert booking.status == BookingStatus.CANCELLED
    assert [b.is_active for b in rows(shop.store_id, ExternalBusyTime)] == []


def test_unknown_event_types_and_unmapped_event_types_are_recorded_and_ignored(fake, shop, linked, worker):
    invitee = fake.book(linked, shop.at(future_day(), 10), email="maria@example.com")
    body = json.loads(fake.webhook_body("invitee.created", invitee["uri"]))
    body["event"] = "invitee_no_show.created"
    [response] = fake.deliver("invitee.created", json.dumps(body).encode())
    unmapped_type = fake.add_event_type("Consultation")
    other = fake.book(unmapped_type, shop.at(future_day(), 12), email="nikos@example.com")
    send(fake, worker, "invitee.created", other["uri"])
    assert response.status_code == 200
    ignored = inbox_rows()
    assert [(e.event_type, e.status) for e in ignored] == [
        ("invitee_no_show.created", InboxStatus.IGNORED), ("invitee.created", InboxStatus.IGNORED)]
    assert "not handled" in ignored[0].last_error and "not mapped" in ignored[1].last_error
    assert rows(shop.store_id, Booking) == [] and rows(shop.store_id, ExternalBusyTime) == []


def test_an_overlapping_calendly_booking_is_still_recorded_and_the_overlap_noted(fake, shop, linked, worker):
    first = fake.book(linked, shop.at(future_day(), 10), email="maria@example.com")
    second = fake.book(linked, shop.at(future_day(), 10, 15), email="nikos@example.com")
    send(fake, worker, "invitee.created", first["uri"])
    send(fake, worker, "invitee.created", second["uri"])
    one, two = rows(shop.store_id, Booking)
    assert one.status == two.status == BookingStatus.CONFIRMED
    assert "Overlaps" not in one.notes and f"booking #{one.id}" in two.notes


def test_a_signed_delivery_we_cannot_apply_stays_visible_in_the_inbox(fake, shop, linked, worker):
    invitee = fake.book(linked, shop.at(future_day(), 10), email="not an address")
    shapeless = json.dumps({"event": "invitee.created", "created_at": "2030-01-01T00:00:00Z",
                            "payload": {"uri": f"{fake.base_url}/x"}}).encode()
    responses = send(fake, worker, "invitee.created", invitee["uri"]) + fake.deliver("invitee.created", shapeless)
    drain(worker)
    assert [r.status_code for r in responses] == [200, 200]
    refused, shapeless_row = inbox_rows()
    assert refused.status == InboxStatus.FAILED and "ValidationFailed" in refused.last_error
    assert refused.attempts == 1  # counted although the attempt's own work was rolled back
    assert shapeless_row.status == InboxStatus.IGNORED and "payload not understood" in shapeless_row.last_error
    assert rows(shop.store_id, Booking) == [] and rows(shop.store_id, ExternalBusyTime) == []


def test_a_delivery_taken_while_the_queue_is_down_is_answered_200_and_applied_by_the_sweep(
        fake, shop, linked, worker, monkeypatch):
    from workers.inbox_sweep import GRACE, sweep_inbox

    invitee = fake.book(linked, shop.at(future_day(), 10), email="maria@example.com")
    with monkeypatch.context() as outage:
        # A real Redis client on a port where nothing listens: the enqueue fails as in an outage.
        from workers import jobs

        outage.setattr(jobs, "broker", RedisBroker(url="redis://127.0.0.1:1/0"))   # the webhook's send
        [response] = send(fake, worker, "invitee.created", invitee["uri"])
    # Recorded, so Calendly must not retry: a 2xx, and the row waits in the inbox.
    assert response.status_code == 200 and response.json() == {"received": True, "duplicate": False}
    [entry] = inbox_rows()
    assert entry.status == InboxStatus.RECEIVED and rows(shop.store_id, Booking) == []

    sweep_inbox()  # inside the grace period its message might still be queued: left alone
    drain(worker)
    assert [e.status for e in inbox_rows()] == [InboxStatus.RECEIVED]

    with hub_db.unit_of_work(TenantContext.system()) as db:
        db.get(WebhookEvent, entry.id).received_at -= GRACE + timedelta(seconds=1)
    sweep_inbox()
    drain(worker)
    [entry] = inbox_rows()
    assert entry.status == InboxStatus.PROCESSED and entry.attempts == 1
    [booking] = rows(shop.store_id, Booking)
    assert booking.calendly_invitee_uri == invitee["uri"]
    sweep_inbox()  # processed rows are never sent again
    drain(worker)
    assert len(rows(shop.store_id, Booking)) == 1 and inbox_rows()[0].attempts == 1
