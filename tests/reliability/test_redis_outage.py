"""Redis stops while the app serves traffic: bookings and webhooks are still taken, and the queued
work (confirmation SMS) is done once Redis is back, by the worker's periodic tick."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

from bench.procs import wait_until
from hub_app import db as hub_db
from hub_app.domain.integrations.models import CalendlyConnection, CalendlyConnectionState
from hub_app.domain.secrets import encrypt_secret
from hub_app.domain.tenancy import TenantContext
from tests.reliability.conftest import (
    DLR_TOKEN,
    STRIPE_SECRET,
    booking_body,
    open_shop,
    query,
)


def stripe_delivery(event_id: str) -> tuple[bytes, dict[str, str]]:
    payload = json.dumps({"id": event_id, "object": "event", "type": "customer.created", "created": int(time.time()),
                          "livemode": False, "data": {"object": {"id": "cus_outage", "object": "customer"}}}).encode()
    stamp = int(time.time())
    mac = hmac.new(STRIPE_SECRET.encode(), f"{stamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return payload, {"Stripe-Signature": f"t={stamp},v1={mac}", "Content-Type": "application/json"}


def sms_sent_to(fake, count: int) -> bool:
    return len(fake.sent) >= count


def test_bookings_and_webhooks_survive_a_redis_outage_and_messages_follow(
        shared_pg_database, private_redis, fake_easysms, make_stack):
    stack = make_stack(shared_pg_database, private_redis.url, fake=fake_easysms)
    shop = open_shop(stack)
    with stack.client() as http:
        before = http.post(f"/api/v1/stores/{shop.slug}/bookings", json=booking_body(shop, 0, "before@example.com"))
        assert before.status_code == 201, before.text
        wait_until(lambda: sms_sent_to(fake_easysms, 1), 30, what="confirmation SMS before the outage")

        private_redis.stop()
        during = [http.post(f"/api/v1/stores/{shop.slug}/bookings",
                            json=booking_body(shop, 1 + i, f"during{i}@example.com")) for i in range(3)]
        assert [r.status_code for r in during] == [201, 201, 201], [r.text for r in during]
        report = http.get(f"/webhooks/easysms/{DLR_TOKEN}", params={"msgid": "outage-1", "status": "d"})
        assert report.status_code == 200, report.text
        ready = http.get("/ready")
        assert ready.status_code == 503 and ready.json()["database"] == "ok"
        assert ready.json()["redis"].startswith("error")

        private_redis.start()
        assert http.get("/ready").status_code == 200
        # The rows written during the outage are sent by the tick, once each.
        wait_until(lambda: sms_sent_to(fake_easysms, 4), 60, what="SMS of the bookings made during the outage")
        time.sleep(2)  # a few more ticks: nothing is sent twice
    assert len(fake_easysms.sent) == 4
    recipients = sorted(s.to for s in fake_easysms.sent.values())
    assert len(set(recipients)) == 1 or len(recipients) == 4
    rows = query(stack, "SELECT status, count(*) FROM notification WHERE type = 'sms' GROUP BY status")
    assert dict(rows) == {"sent": 4}
    assert query(stack, "SELECT count(*) FROM booking")[0][0] == 4


def calendly_delivery(store_id: int, signing_key: str) -> tuple[bytes, dict[str, str]]:
    payload = json.dumps({"event": "invitee_no_show.created", "created_at": "2030-01-01T10:00:00.000000Z",
                          "payload": {"uri": f"https://api.calendly.com/invitee_no_shows/outage-{store_id}"}}).encode()
    stamp = int(time.time())
    mac = hmac.new(signing_key.encode(), f"{stamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return payload, {"Calendly-Webhook-Signature": f"t={stamp},v1={mac}", "Content-Type": "application/json"}


def connect_calendly(stack, store_id: int, signing_key: str) -> None:
    """The store's webhook subscription as `calendly.connect` leaves it (only the signing key matters)."""
    with hub_db.unit_of_work(TenantContext.system(store_id), stack.engine) as db:
        db.add(CalendlyConnection(store_id=store_id, signing_key_encrypted=encrypt_secret(signing_key),
                                  webhook_state="active", state=CalendlyConnectionState.CONNECTED))


def inbox_status(stack, provider: str) -> list[tuple[str, int]]:
    return [tuple(r) for r in query(stack, "SELECT status, attempts FROM webhook_event WHERE provider = :p",
                                    p=provider)]


def test_webhooks_are_accepted_during_a_redis_outage_and_processed_after(
        shared_pg_database, private_redis, make_stack):
    stack = make_stack(shared_pg_database, private_redis.url, worker_options={"fast_sweeps": True})
    shop = open_shop(stack)
    connect_calendly(stack, shop.store_id, "calendly-outage-signing-key")
    private_redis.stop()
    with stack.client() as http:
        stripe_body, stripe_headers = stripe_delivery("evt_outage_1")
        answer = http.post("/webhooks/stripe", content=stripe_body, headers=stripe_headers)
        # Recorded in the inbox, so the answer is a 2xx: the provider stops retrying, nothing is lost.
        assert answer.status_code == 200 and answer.json()["duplicate"] is False, answer.text
        body, headers = calendly_delivery(shop.store_id, "calendly-outage-signing-key")
        answer = http.post(f"/webhooks/calendly/{shop.store_id}", content=body, headers=headers)
        assert answer.status_code == 200 and answer.json()["duplicate"] is False, answer.text
        assert inbox_status(stack, "stripe") == inbox_status(stack, "calendly") == [("received", 0)]
        private_redis.start()
        retry = http.post("/webhooks/stripe", content=stripe_body, headers=stripe_headers)
        assert retry.status_code == 200 and retry.json()["duplicate"] is True, retry.text
    # The enqueues were lost with Redis; the worker's inbox sweep (shortened here) sends them again.
    wait_until(lambda: inbox_status(stack, "stripe") == [("ignored", 1)] and inbox_status(stack, "calendly") == [
        ("ignored", 1)], 60, interval=0.5, what="both deliveries processed once after Redis returned")
    time.sleep(3)  # more sweeps: a processed row is never sent again
    assert inbox_status(stack, "stripe") == [("ignored", 1)] and inbox_status(stack, "calendly") == [("ignored", 1)]
