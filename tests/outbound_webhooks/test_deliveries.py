"""Outbound webhooks end to end: bookings made over real HTTP, deliveries sent to a real local
receiver that checks the signature and dedupes by event id; retries, leases, rollbacks,
disabled endpoints and tenant isolation."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

from sqlalchemy import func, select

from hub_app import db as hub_db
from hub_app.domain.bookings import service as bookings
from hub_app.domain.bookings.models import Booking
from hub_app.domain.outbound_webhooks import sending
from hub_app.domain.outbound_webhooks.models import DeliveryStatus, WebhookAttempt, WebhookDelivery
from hub_app.domain.outbound_webhooks.sending_policy import BACKOFF, LEASE, MAX_ATTEMPTS
from hub_app.domain.tenancy import TenantContext
from hub_app.domain.types import utcnow
from tests.api.conftest import booking_day, book_new_client, local_start, open_service
from tests.outbound_webhooks.conftest import V1, bearer

SYSTEM = TenantContext.system()
ALL = ["booking.created", "booking.rescheduled", "booking.cancelled", "booking.no_show", "payment.succeeded",
       "payment.refunded", "client.created"]


def register(api, slug: str, headers: dict, url: str, events=ALL) -> dict:
    made = api.post(f"{V1}/stores/{slug}/webhook-endpoints", json={"url": url, "event_types": events},
                    headers=headers)
    assert made.status_code == 201, made.text
    return made.json()


def deliveries(**where) -> list[WebhookDelivery]:
    with hub_db.unit_of_work(SYSTEM) as db:
        query = select(WebhookDelivery).order_by(WebhookDelivery.id)
        for name, value in where.items():
            query = query.where(getattr(WebhookDelivery, name) == value)
        return list(db.scalars(query))


def send_all_due(now=None) -> list[str]:
    with hub_db.unit_of_work(SYSTEM) as db:
        due = sending.due_deliveries(db, now)
    return [sending.deliver(i, now=now).status for i in due]


def test_a_booking_reaches_the_receiver_signed_with_what_an_integrator_needs(live_api, stores, receiver, enqueued):
    manager = bearer(live_api, stores.manager_a)
    endpoint = register(live_api, stores.slug_a, manager, receiver.url)
    assert endpoint["secret"].startswith("whsec_")
    receiver.secret = endpoint["secret"]
    assert "secret" not in live_api.get(f"{V1}/stores/{stores.slug_a}/webhook-endpoints", headers=manager).json()[0]
    offer = open_service(live_api, stores.slug_a, manager, price="30.00")
    booked = book_new_client(live_api, stores.slug_a, offer.service_id, local_start(booking_day(), 10), "maria@example.com",
                             first_name="Maria", last_name="Ioannou", phone="6971112233")
    assert booked.status_code == 201, booked.text

    rows = deliveries()
    assert sorted(r.event_type for r in rows) == ["booking.created", "client.created"]
    assert sorted(enqueued) == sorted(r.id for r in rows), "queued after the booking committed"
    assert send_all_due() == ["succeeded", "succeeded"]

    assert all(r.signature_ok for r in receiver.requests)
    created = next(r for r in receiver.requests if r.event_type == "booking.created")
    body = created.body
    assert created.event_id == body["id"] and body["id"].startswith("evt_")
    assert body["type"] == "booking.created" and body["api_version"] and body["created"]
    assert body["store"]["slug"] == stores.slug_a and body["store"]["timezone"] == "Europe/Athens"
    booking = body["data"]["booking"]
    assert booking["start"].endswith(("+02:00", "+03:00")) and booking["start"][11:16] == "10:00"
    assert booking["service"]["name"] == "Haircut" and booking["calendar"]["name"] == "Chair 1"
    assert booking["price"] == {"amount": "30.00", "currency": "EUR"} and booking["status"] == "confirmed"
    assert booking["client"]["email"] == "maria@example.com" and booking["client"]["name"] == "Maria Ioannou"
    assert booking["client"]["phone"].endswith("6971112233")
    client = next(r for r in receiver.requests if r.event_type == "client.created").body["data"]["client"]
    assert client["email"] == "maria@example.com"

    log = live_api.get(f"{V1}/stores/{stores.slug_a}/webhook-deliveries", headers=manager).json()
    assert {d["status"] for d in log} == {"succeeded"}
    detail = live_api.get(f"{V1}/stores/{stores.slug_a}/webhook-deliveries/{log[0]['id']}", headers=manager).json()
    assert detail["attempt_log"][0]["status_code"] == 200 and detail["attempt_log"][0]["response_body"] == "thanks"
    assert detail["payload"]["id"] == detail["event_id"]


def test_cancel_reschedule_no_show_and_payment_events(live_api, stores, receiver, enqueued):
    manager = bearer(live_api, stores.manager_a)
    receiver.secret = register(live_api, stores.slug_a, manager, receiver.url)["secret"]
    offer = open_service(live_api, stores.slug_a, manager)
    day = booking_day()
    first = book_new_client(live_api, stores.slug_a, offer.service_id, local_start(day, 10), "a@example.com").json()
    moved = live_api.post(f"{V1}/bookings/{first['id']}/reschedule", json={"start": local_start(day, 12)},
                          headers=manager)
    assert moved.status_code == 200, moved.text
    assert live_api.post(f"{V1}/bookings/{moved.json()['id']}/cancel", json={"reason": "closed"},
                         headers=manager).status_code == 200
    second = book_new_client(live_api, stores.slug_a, offer.service_id, local_start(day, 14), "b@example.com").json()
    paid = live_api.post(f"{V1}/stores/{stores.slug_a}/bookings/{second['id']}/mark-paid", headers=manager)
    assert paid.status_code in (200, 201), paid.text
    refund = live_api.post(f"{V1}/stores/{stores.slug_a}/payments/{paid.json()['id']}/refund", json={},
                           headers=manager)
    assert refund.status_code in (200, 201), refund.text
    send_all_due()
    kinds = [r.event_type for r in receiver.requests]
    for kind in ("booking.rescheduled", "booking.cancelled", "payment.succeeded", "payment.refunded"):
        assert kinds.count(kind) == 1, (kind, kinds)
    rescheduled = next(r.body for r in receiver.requests if r.event_type == "booking.rescheduled")
    assert rescheduled["data"]["previous_booking"]["id"] == first["id"]
    assert rescheduled["data"]["booking"]["start"][11:16] == "12:00"
    payment = next(r.body for r in receiver.requests if r.event_type == "payment.succeeded")["data"]
    assert payment["payment"]["amount"] == "25.00" and payment["payment"]["currency"] == "EUR"
    assert payment["booking"]["id"] == second["id"]


def test_a_failing_receiver_gets_the_same_event_until_it_accepts(live_api, stores, receiver, enqueued):
    receiver.fail_first = 2
    manager = bearer(live_api, stores.manager_a)
    receiver.secret = register(live_api, stores.slug_a, manager, receiver.url, ["booking.created"])["secret"]
    offer = open_service(live_api, stores.slug_a, manager)
    book_new_client(live_api, stores.slug_a, offer.service_id, local_start(booking_day(), 10), "c@example.com")
    (row,) = deliveries()

    first = sending.deliver(row.id)
    assert first.status == "retry" and timedelta(seconds=50) < first.retry_at - utcnow() <= timedelta(minutes=1)
    assert sending.deliver(row.id).status == "skipped", "not due before its backoff"
    second = sending.deliver(row.id, now=first.retry_at + timedelta(seconds=1))
    assert second.status == "retry" and second.retry_at - first.retry_at >= timedelta(minutes=4)
    assert sending.deliver(row.id, now=second.retry_at + timedelta(seconds=1)).status == "succeeded"

    assert [r.event_id for r in receiver.requests] == [row.event_id] * 3
    assert [r.headers["Hub-Delivery-Attempt"] for r in receiver.requests] == ["1", "2", "3"]
    assert len({json.dumps(r.body, sort_keys=True) for r in receiver.requests}) == 1, "the same body every time"
    assert list(receiver.processed) == [row.event_id]
    with hub_db.unit_of_work(SYSTEM) as db:
        attempts = db.scalars(select(WebhookAttempt).where(WebhookAttempt.delivery_id == row.id)
                              .order_by(WebhookAttempt.number)).all()
        assert [(a.number, a.status_code, a.response_body) for a in attempts] == [
            (1, 500, "try later"), (2, 500, "try later"), (3, 200, "thanks")]
        assert all(a.duration_ms >= 0 for a in attempts)
        assert db.get(WebhookDelivery, row.id).status == DeliveryStatus.SUCCEEDED


def test_attempts_end_after_the_cap_and_the_manager_can_resend(live_api, stores, receiver, enqueued):
    receiver.fail_first = MAX_ATTEMPTS
    manager = bearer(live_api, stores.manager_a)
    receiver.secret = register(live_api, stores.slug_a, manager, receiver.url, ["booking.created"])["secret"]
    offer = open_service(live_api, stores.slug_a, manager)
    book_new_client(live_api, stores.slug_a, offer.service_id, local_start(booking_day(), 10), "d@example.com")
    (row,) = deliveries()
    now, outcome = None, None
    for _ in range(MAX_ATTEMPTS):
        outcome = sending.deliver(row.id, now=now)
        now = (outcome.retry_at or utcnow()) + timedelta(seconds=1)
    assert outcome.status == "failed"
    assert sum(span.total_seconds() for span in BACKOFF) / 86400 > 2.5, "retried for more than 2.5 days"
    assert len(receiver.requests) == MAX_ATTEMPTS

    resent = live_api.post(f"{V1}/stores/{stores.slug_a}/webhook-deliveries/{row.id}/resend", headers=manager)
    assert resent.status_code == 200 and resent.json()["status"] == "pending"
    assert enqueued[-1] == row.id
    again = live_api.post(f"{V1}/stores/{stores.slug_a}/webhook-deliveries/{row.id}/resend", headers=manager)
    assert again.status_code == 422, "still pending: a second resend could send it twice"
    assert sending.deliver(row.id).status == "succeeded"
    assert receiver.requests[-1].event_id == row.event_id and list(receiver.processed) == [row.event_id]


def test_two_workers_never_send_one_delivery_at_once(live_api, stores, receiver, enqueued):
    receiver.delay_seconds = 0.5
    manager = bearer(live_api, stores.manager_a)
    receiver.secret = register(live_api, stores.slug_a, manager, receiver.url, ["booking.created"])["secret"]
    offer = open_service(live_api, stores.slug_a, manager)
    book_new_client(live_api, stores.slug_a, offer.service_id, local_start(booking_day(), 10), "e@example.com")
    (row,) = deliveries()
    gate, outcomes = threading.Barrier(4), []

    def race():
        gate.wait()
        outcomes.append(sending.deliver(row.id).status)

    threads = [threading.Thread(target=race) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) == ["skipped", "skipped", "skipped", "succeeded"]
    assert len(receiver.requests) == 1


def test_an_attempt_whose_worker_died_is_retried_after_its_lease(live_api, stores, receiver, enqueued):
    manager = bearer(live_api, stores.manager_a)
    receiver.secret = register(live_api, stores.slug_a, manager, receiver.url, ["booking.created"])["secret"]
    offer = open_service(live_api, stores.slug_a, manager)
    book_new_client(live_api, stores.slug_a, offer.service_id, local_start(booking_day(), 10), "f@example.com")
    (row,) = deliveries()
    with hub_db.unit_of_work(SYSTEM) as db:  # a worker claimed it, then died before sending
        assert sending._claim(db, row.id, utcnow()) is not None
    assert send_all_due() == []
    later = utcnow() + LEASE + timedelta(seconds=1)
    assert send_all_due(later) == ["succeeded"]
    assert [r.event_id for r in receiver.requests] == [row.event_id]
    assert deliveries()[0].attempts == 2


def test_a_rolled_back_change_sends_nothing(live_api, stores, receiver, enqueued):
    manager = bearer(live_api, stores.manager_a)
    register(live_api, stores.slug_a, manager, receiver.url, ["booking.cancelled"])
    offer = open_service(live_api, stores.slug_a, manager)
    booking_id = book_new_client(live_api, stores.slug_a, offer.service_id, local_start(booking_day(), 10),
                                 "g@example.com").json()["id"]
    ctx = SYSTEM
    try:
        with hub_db.unit_of_work(ctx) as db:
            bookings.cancel_booking(db, ctx, booking_id, "oops")
            assert len(db.scalars(select(WebhookDelivery)).all()) == 1, "written inside the transaction"
            raise RuntimeError("the request failed after the change")
    except RuntimeError:
        pass
    assert deliveries() == [] and enqueued == []
    with hub_db.unit_of_work(ctx) as db:
        assert db.get(Booking, booking_id).status.value == "confirmed"


def test_a_disabled_or_deleted_endpoint_gets_nothing(live_api, stores, receiver, enqueued):
    manager = bearer(live_api, stores.manager_a)
    endpoint = register(live_api, stores.slug_a, manager, receiver.url, ["booking.created"])
    offer = open_service(live_api, stores.slug_a, manager)
    book_new_client(live_api, stores.slug_a, offer.service_id, local_start(booking_day(), 10), "h@example.com")
    off = live_api.patch(f"{V1}/stores/{stores.slug_a}/webhook-endpoints/{endpoint['id']}", json={"enabled": False},
                         headers=manager)
    assert off.status_code == 200 and off.json()["enabled"] is False
    assert [d.status for d in deliveries()] == [DeliveryStatus.CANCELLED], "what waited is cancelled"
    book_new_client(live_api, stores.slug_a, offer.service_id, local_start(booking_day(), 11), "i@example.com")
    assert len(deliveries()) == 1, "no delivery is written for a disabled endpoint"
    assert live_api.delete(f"{V1}/stores/{stores.slug_a}/webhook-endpoints/{endpoint['id']}",
                           headers=manager).status_code == 204
    book_new_client(live_api, stores.slug_a, offer.service_id, local_start(booking_day(), 12), "j@example.com")
    assert send_all_due() == [] and receiver.requests == []


def test_one_stores_events_never_reach_another_stores_endpoints(live_api, stores, receiver, other_receiver, enqueued):
    manager_a, manager_b = bearer(live_api, stores.manager_a), bearer(live_api, stores.manager_b)
    receiver.secret = register(live_api, stores.slug_a, manager_a, receiver.url)["secret"]
    other_receiver.secret = register(live_api, stores.slug_b, manager_b, other_receiver.url)["secret"]
    offer = open_service(live_api, stores.slug_a, manager_a)
    book_new_client(live_api, stores.slug_a, offer.service_id, local_start(booking_day(), 10), "k@example.com")
    send_all_due()
    assert receiver.requests and other_receiver.requests == []
    assert deliveries(store_id=stores.store_b_id) == []
    assert live_api.get(f"{V1}/stores/{stores.slug_b}/webhook-deliveries", headers=manager_b).json() == []
    a_delivery = deliveries(store_id=stores.store_a_id)[0].id
    for path in (f"/stores/{stores.slug_b}/webhook-deliveries/{a_delivery}",):
        assert live_api.get(V1 + path, headers=manager_b).status_code == 404
    assert live_api.get(f"{V1}/stores/{stores.slug_a}/webhook-deliveries", headers=manager_b).status_code == 403
    assert live_api.post(f"{V1}/stores/{stores.slug_b}/webhook-deliveries/{a_delivery}/resend",
                         headers=manager_b).status_code == 404


def test_the_address_is_validated_with_a_clear_error(live_api, stores):
    manager = bearer(live_api, stores.manager_a)
    cases = {"http://example.com/hook": "https://", "https://10.1.2.3/hook": "private",
             "https://169.254.169.254/latest": "private", "ftp://example.com": "full web address",
             "https://printer.local/x": "private"}
    for url, words in cases.items():
        answer = live_api.post(f"{V1}/stores/{stores.slug_a}/webhook-endpoints",
                               json={"url": url, "event_types": ["booking.created"]}, headers=manager)
        assert answer.status_code == 422, url
        assert words in answer.json()["error"]["fields"]["url"], (url, answer.text)
    none = live_api.post(f"{V1}/stores/{stores.slug_a}/webhook-endpoints",
                         json={"url": "https://hooks.example.com/x", "event_types": []}, headers=manager)
    assert none.status_code == 422


def test_rotating_the_secret_signs_with_both_for_a_while(live_api, stores, receiver, enqueued):
    from hub_app.domain.outbound_webhooks.signing import verify_signature

    manager = bearer(live_api, stores.manager_a)
    endpoint = register(live_api, stores.slug_a, manager, receiver.url, ["booking.created"])
    rotated = live_api.post(f"{V1}/stores/{stores.slug_a}/webhook-endpoints/{endpoint['id']}/rotate-secret",
                            headers=manager)
    assert rotated.status_code == 200 and rotated.json()["secret"] != endpoint["secret"]
    receiver.secret = rotated.json()["secret"]
    offer = open_service(live_api, stores.slug_a, manager)
    book_new_client(live_api, stores.slug_a, offer.service_id, local_start(booking_day(), 10), "l@example.com")
    send_all_due()
    (got,) = receiver.requests
    assert got.signature_ok
    raw = json.dumps(got.body, ensure_ascii=False, separators=(",", ":")).encode()
    assert verify_signature(endpoint["secret"], got.headers["Hub-Signature"], raw), "the old secret still signs"


def test_client_created_once_per_store(live_api, stores, receiver, enqueued):
    manager = bearer(live_api, stores.manager_a)
    register(live_api, stores.slug_a, manager, receiver.url, ["client.created"])
    offer = open_service(live_api, stores.slug_a, manager)
    for hour, email in ((10, "m@example.com"), (11, "m@example.com")):
        headers = {}
        if hour == 11:
            token = live_api.post(f"{V1}/auth/token", json={"email": email, "password": "client-password"})
            headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
            answer = live_api.post(f"{V1}/stores/{stores.slug_a}/bookings", headers=headers,
                                   json={"service_id": offer.service_id, "start": local_start(booking_day(), hour)})
        else:
            answer = book_new_client(live_api, stores.slug_a, offer.service_id, local_start(booking_day(), hour),
                                     email)
        assert answer.status_code == 201, answer.text
    with hub_db.unit_of_work(SYSTEM) as db:
        assert db.scalar(select(func.count()).select_from(WebhookDelivery)) == 1, "client.created once per store"
