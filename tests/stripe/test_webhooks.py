"""POST /webhooks/stripe: signatures over the raw body, the inbox, duplicates, failures, Redis."""

from __future__ import annotations

import json
import os
import time
import uuid
from datetime import timedelta

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from sqlalchemy import func, select

from hub_app import db as hub_db
from hub_app.domain.billing.models import Payment
from hub_app.domain.bookings.models import Booking, BookingStatus
from hub_app.domain.integrations.models import InboxStatus, WebhookEvent
from hub_app.domain.stores.models import Store
from hub_app.domain.tenancy import TenantContext
from tests.stripe.fake_stripe import sign
from tests.stripe.helpers import load, pending_booking, rows


def inbox_rows() -> list[WebhookEvent]:
    return rows(select(WebhookEvent).order_by(WebhookEvent.id))


def account_event(fake, account_id: str, **fields) -> dict:
    obj = {"id": account_id, "object": "account", "charges_enabled": False, "payouts_enabled": False,
           "details_submitted": True, "requirements": {"currently_due": ["external_account"]}}
    obj.update(fields)
    return fake.make_event("account.updated", obj, account=account_id)


def test_bad_missing_or_stale_signatures_are_refused_and_nothing_is_stored(stripe_env, worker):
    event = stripe_env.make_event("payment_intent.succeeded", {"id": "pi_1", "object": "payment_intent"})
    body = json.dumps(event)

    assert stripe_env.deliver(event, secret="whsec_wrong") == 400
    assert stripe_env.deliver(event, signature="") == 400                         # no header
    assert stripe_env.deliver(event, timestamp=int(time.time()) - 301) == 400       # too old
    tampered = sign(body, stripe_env.webhook_secret)
    assert stripe_env.deliver(event, signature=tampered, body=body.replace("pi_1", "pi_2")) == 400
    assert inbox_rows() == []

    assert stripe_env.deliver(event, body=body) == 200
    worker()
    [row] = inbox_rows()
    assert row.event_id == event["id"] and row.payload == body and row.status == InboxStatus.PROCESSED


def test_connect_events_verify_with_the_connect_secret_and_duplicates_apply_once(shop, worker):
    store_id, fake = shop.store_id, shop.fake
    restricted = account_event(fake, shop.account_id, charges_enabled=False)
    assert fake.deliver(restricted) == 200
    assert fake.deliver(restricted) == 200        # duplicate delivery: accepted, not applied again
    worker()
    assert load(Store, store_id).stripe_onboarding_state == "restricted"
    assert sum(1 for r in inbox_rows() if r.event_id == restricted["id"]) == 1
    # The platform secret does not verify a Connect event signed by the other endpoint's secret.
    assert fake.deliver(account_event(fake, shop.account_id), secret="whsec_unrelated") == 400


def test_duplicate_payment_events_record_one_payment(shop, worker):
    booking_id = pending_booking(shop)
    ctx = shop.client_ctx()
    from hub_app.domain.billing import checkout

    start = checkout.start_booking_checkout(ctx, booking_id)
    fake = shop.fake
    fake.auto_deliver = False
    fake.pay_checkout_session(start.session_id)
    held = list(fake.held_events)
    for event in held + held:                    # every event delivered twice
        assert fake.deliver(event) == 200
    worker()
    assert load(Booking, booking_id).status == BookingStatus.CONFIRMED
    assert len(rows(select(Payment).where(Payment.booking_id == booking_id))) == 1
    assert sorted(r.event_id for r in inbox_rows() if r.event_type != "account.updated") == sorted(
        e["id"] for e in held)


def test_a_failing_event_is_retried_with_its_errors_kept_in_the_inbox(shop, worker):
    """invoice.paid for a subscription not linked to its row yet fails, then succeeds once the
    checkout's completion links the subscription to the row the app made when it started it."""
    fake = shop.fake
    from hub_app.domain.billing import subscriptions
    from hub_app.domain.billing.models import PlanInterval, Subscription, SubscriptionPlan
    from decimal import Decimal

    with hub_db.unit_of_work(TenantContext.system()) as db:
        plan = SubscriptionPlan(name="Pro", price_amount=Decimal("29.00"), interval=PlanInterval.MONTH)
        db.add(plan)
        db.flush()
        plan_id = plan.id
    ctx = shop.manager_ctx()
    with hub_db.unit_of_work(ctx) as db:
        session_id = subscriptions.start_plan_checkout(db, ctx, plan_id).rsplit("/", 1)[-1]
    session = fake.object(session_id)
    price = fake.object(session["line_items_input"]["price"])
    subscription = fake.new_subscription(session["customer"], price, {}, None)   # no metadata of ours
    invoice = fake.new_invoice(subscription, price, "subscription_create", None)
    assert fake.deliver(fake.make_event("invoice.paid", invoice)) == 200
    time.sleep(0.5)
    session.update(status="complete", payment_status="paid", subscription=subscription["id"], url=None)
    assert fake.deliver(fake.make_event("checkout.session.completed", session)) == 200
    worker(timeout_ms=30_000)

    invoice_row = [r for r in inbox_rows() if r.event_type == "invoice.paid"][0]
    assert invoice_row.status == InboxStatus.PROCESSED and invoice_row.attempts >= 2
    [sub] = rows(select(Subscription))
    assert sub.stripe_subscription_id == subscription["id"]
    assert rows(select(func.count()).select_from(Payment).where(Payment.stripe_invoice_id == invoice["id"])) == [1]


def test_events_flow_through_the_real_redis_broker(shop, redis_server, monkeypatch):
    """Webhook -> inbox -> RedisBroker (unique namespace) -> a worker -> the booking confirmed."""
    from workers.stripe_actors import QUEUE, process_stripe_event

    namespace = f"hub-stripe-test-{uuid.uuid4().hex[:8]}"
    redis_broker = RedisBroker(url=redis_server, namespace=namespace)
    from workers import jobs

    monkeypatch.setattr(process_stripe_event, "broker", redis_broker)
    monkeypatch.setattr(jobs, "broker", redis_broker)   # the webhook sends the job by name
    redis_broker.declare_actor(process_stripe_event)
    redis_worker = dramatiq.Worker(redis_broker, worker_threads=1, worker_timeout=50)
    redis_worker.start()
    try:
        booking_id = pending_booking(shop)
        ctx = shop.client_ctx()
        from hub_app.domain.billing import checkout

        start = checkout.start_booking_checkout(ctx, booking_id)
        shop.fake.pay_checkout_session(start.session_id)
        shop.fake.wait_idle()
        redis_broker.join(QUEUE, timeout=20_000)
        redis_worker.join()
    finally:
        redis_worker.stop()
        redis_broker.flush_all()
        for key in redis_broker.client.scan_iter(f"{namespace}:*"):   # heartbeats too
            redis_broker.client.delete(key)
        redis_broker.close()
    assert load(Booking, booking_id).status == BookingStatus.CONFIRMED
    assert all(r.status == InboxStatus.PROCESSED for r in inbox_rows() if r.event_type.startswith("checkout"))
    assert os.environ.get("HUB_QUEUE_NAMESPACE") != redis_broker.namespace


def test_a_delivery_taken_while_the_queue_is_down_is_answered_200_and_applied_by_the_sweep(
        shop, worker, monkeypatch):
    from workers.inbox_sweep import GRACE, sweep_inbox

    restricted = account_event(shop.fake, shop.account_id, charges_enabled=False)
    with monkeypatch.context() as outage:
        # A real Redis client on a port where nothing listens: the enqueue fails as in an outage.
        from workers import jobs

        outage.setattr(jobs, "broker", RedisBroker(url="redis://127.0.0.1:1/0"))   # the webhook's send
        assert shop.fake.deliver(restricted) == 200   # recorded, so Stripe must not retry
    worker()
    [entry] = [r for r in inbox_rows() if r.event_id == restricted["id"]]
    assert entry.status == InboxStatus.RECEIVED and load(Store, shop.store_id).stripe_onboarding_state != "restricted"

    sweep_inbox()  # inside the grace period its message might still be queued: left alone
    worker()
    assert load(WebhookEvent, entry.id).status == InboxStatus.RECEIVED

    with hub_db.unit_of_work(TenantContext.system()) as db:
        db.get(WebhookEvent, entry.id).received_at -= GRACE + timedelta(seconds=1)
    sweep_inbox()
    worker()
    assert load(WebhookEvent, entry.id).status == InboxStatus.PROCESSED and load(WebhookEvent, entry.id).attempts == 1
    assert load(Store, shop.store_id).stripe_onboarding_state == "restricted"


def test_webhooks_answer_503_when_not_configured(stripe_env, monkeypatch):
    from hub_app.api.webhooks.stripe import accept_delivery
    from hub_app.settings import reset_settings_cache

    monkeypatch.delenv("STRIPE_WEBHOOK_SECRET")
    monkeypatch.delenv("STRIPE_CONNECT_WEBHOOK_SECRET")
    reset_settings_cache()
    event = json.dumps(stripe_env.make_event("invoice.paid", {"id": "in_1"}))
    assert accept_delivery(event.encode(), sign(event, stripe_env.webhook_secret))[0] == 503
    assert inbox_rows() == []
