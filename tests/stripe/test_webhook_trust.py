"""Stripe events are applied only when their sender may act on what they name.

Each test reproduces an attack with events signed exactly as Stripe signs them: a store owner
controls their own connected account, so Stripe signs whatever they put there (metadata
included) with the platform's Connect endpoint secret. Such events must be refused, kept in the
inbox as "refused" with the reason, and never applied. The honest paths are in the other files.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from hub_app import db as hub_db
from hub_app.domain.billing import checkout as opening
from hub_app.domain.billing import subscriptions
from hub_app.domain.billing.models import (
    Payment, PaymentRecordStatus, PlanInterval, Subscription, SubscriptionPlan, SubscriptionStatus,
)
from hub_app.domain.bookings.models import Booking, BookingStatus, PaymentStatus
from hub_app.domain.integrations.models import InboxStatus, WebhookEvent
from hub_app.domain.stores.models import Store
from hub_app.domain.tenancy import TenantContext
from tests.stripe.helpers import PaidShop, load, make_paid_shop, pending_booking, rows
from tests.stripe.test_subscriptions import admin_ctx


@pytest.fixture
def other_shop(stripe_env, worker, shop) -> PaidShop:
    """A second store with its own connected account: the one whose owner attacks."""
    return make_paid_shop(stripe_env, worker)


def inbox(event: dict) -> WebhookEvent:
    [row] = rows(select(WebhookEvent).where(WebhookEvent.event_id == event["id"]))
    return row


def assert_refused(event: dict, reason: str) -> None:
    row = inbox(event)
    assert row.status == InboxStatus.REFUSED and reason in row.last_error, (row.status, row.last_error)


def untouched(booking_id: int) -> None:
    booking = load(Booking, booking_id)
    assert booking.status == BookingStatus.PENDING and booking.payment_status == PaymentStatus.UNPAID
    assert booking.amount_paid == Decimal("0.00")


# --- booking payments -----------------------------------------------------------------------------


def test_a_payment_on_another_stores_account_naming_my_booking_is_refused(shop, other_shop, worker):
    """Reproduced: 6000 JPY paid on the attacker's own account with the victim's booking_id in the
    metadata marked the victim's booking paid €6000.00."""
    victim = pending_booking(shop)
    fake = shop.fake
    fake.auto_deliver = False
    with fake.lock:
        session = fake.state.create_checkout_session({
            "mode": "payment", "success_url": "http://attacker/ok",
            "line_items": [{"price_data": {"currency": "jpy", "unit_amount": "6000"}, "quantity": "1"}],
            "metadata": {"booking_id": str(victim), "store_id": str(shop.store_id)},
            "payment_intent_data": {"metadata": {"booking_id": str(victim), "store_id": str(shop.store_id)}},
        }, other_shop.account_id)
    fake.pay_checkout_session(session["id"])
    completed, succeeded = fake.held_events
    assert completed["account"] == succeeded["account"] == other_shop.account_id
    for event in (completed, succeeded):
        assert fake.deliver(event) == 200          # genuine: signed with the Connect secret
    worker()

    untouched(victim)
    assert rows(select(Payment).where(Payment.booking_id == victim)) == []
    assert_refused(completed, "was not opened by this app")
    assert_refused(succeeded, "does not belong to a checkout this app opened")


def test_my_own_checkout_completed_on_another_stores_account_is_refused(shop, other_shop, worker):
    """The session id the app recorded, but the event comes from a different connected account."""
    victim = pending_booking(shop)
    start = opening.start_booking_checkout(shop.client_ctx(), victim)
    fake = shop.fake
    fake.auto_deliver = False
    fake.pay_checkout_session(start.session_id)
    completed = fake.held_events[0]
    forged = fake.make_event("checkout.session.completed", completed["data"]["object"],
                             account=other_shop.account_id)
    assert fake.deliver(forged) == 200
    worker()
    untouched(victim)
    assert_refused(forged, "belongs to another store")


@pytest.mark.parametrize("change", [{"amount_total": 1}, {"currency": "jpy"}], ids=["amount", "currency"])
def test_a_payment_for_another_amount_or_currency_than_asked_is_refused(shop, worker, change):
    booking_id = pending_booking(shop)
    start = opening.start_booking_checkout(shop.client_ctx(), booking_id)    # asks for 1000 EUR cents
    fake = shop.fake
    fake.object(start.session_id).update(change)
    fake.auto_deliver = False
    fake.pay_checkout_session(start.session_id)
    completed, succeeded = fake.held_events
    for event in (completed, succeeded):
        assert fake.deliver(event) == 200
    worker()

    untouched(booking_id)
    [payment] = rows(select(Payment).where(Payment.booking_id == booking_id))
    assert payment.status == PaymentRecordStatus.PENDING and payment.stripe_payment_intent_id is None
    for event in (completed, succeeded):
        assert_refused(event, "the app asked for 1000 EUR")


def test_a_failed_payment_on_another_stores_account_does_not_release_my_booking(shop, other_shop, worker):
    victim = pending_booking(shop)
    opening.start_booking_checkout(shop.client_ctx(), victim)
    fake = shop.fake
    failed = fake.make_event("payment_intent.payment_failed", {
        "id": "pi_attacker", "object": "payment_intent", "amount": 100, "currency": "eur",
        "metadata": {"booking_id": str(victim)}, "last_payment_error": {"message": "declined"}},
        account=other_shop.account_id)
    assert fake.deliver(failed) == 200
    worker()
    untouched(victim)
    assert_refused(failed, "has no open checkout of this store")


# --- store plans ----------------------------------------------------------------------------------


def plans(fake) -> tuple[int, int]:
    """A cheap and a dear plan, both synced to the fake's platform account."""
    with hub_db.unit_of_work(TenantContext.system()) as db:
        basic = SubscriptionPlan(name="Basic", price_amount=Decimal("9.00"), interval=PlanInterval.MONTH)
        pro = SubscriptionPlan(name="Pro", price_amount=Decimal("29.00"), interval=PlanInterval.MONTH)
        db.add_all([basic, pro])
        db.flush()
        ids = basic.id, pro.id
    admin = admin_ctx()
    with hub_db.unit_of_work(admin) as db:
        subscriptions.sync_plans(db, admin)
    return ids


def subscribe(shop: PaidShop, plan_id: int, worker) -> Subscription:
    """The honest path: the manager subscribes through the app's Checkout and pays."""
    ctx = shop.manager_ctx()
    with hub_db.unit_of_work(ctx) as db:
        url = subscriptions.start_plan_checkout(db, ctx, plan_id)
    shop.fake.pay_checkout_session(url.rsplit("/", 1)[-1])
    worker()
    [row] = rows(select(Subscription).where(Subscription.store_id == shop.store_id))
    assert row.status == SubscriptionStatus.ACTIVE
    return row


def forged_plan_event(fake, plan_id: int, store_id: int, *, account: str | None) -> dict:
    price = fake.object(load(SubscriptionPlan, plan_id).stripe_price_id)
    meta = {"kind": "store_plan", "store_id": str(store_id), "plan_id": str(plan_id)}
    with fake.lock:
        sub = fake.new_subscription("cus_attacker", price, meta, account)
    sub["status"] = "trialing"
    return fake.make_event("customer.subscription.created", sub, account=account)


@pytest.mark.parametrize("target", ["itself", "the other store"])
def test_a_plan_subscription_from_a_connected_account_is_refused(shop, other_shop, worker, target):
    """Reproduced: a trialing subscription in the attacker's own account with store_plan metadata
    gave a store a paid plan for free, or moved another store down (cancelling its real one)."""
    basic, pro = plans(shop.fake)
    victim_sub = subscribe(shop, pro, worker)
    fake = shop.fake
    store_id, plan_id = (other_shop.store_id, pro) if target == "itself" else (shop.store_id, basic)
    event = forged_plan_event(fake, plan_id, store_id, account=other_shop.account_id)
    assert fake.deliver(event) == 200
    worker()

    assert load(Store, other_shop.store_id).current_subscription_plan_id is None
    assert load(Store, shop.store_id).current_subscription_plan_id == pro
    assert load(Subscription, victim_sub.id).status == SubscriptionStatus.ACTIVE
    assert fake.object(victim_sub.stripe_subscription_id)["status"] == "active"
    assert rows(select(Subscription).where(Subscription.store_id == other_shop.store_id)) == []
    assert_refused(event, "was not started by this app")


def test_a_plan_event_verified_by_the_connect_secret_is_refused(shop, worker):
    """No `account`, but signed with the Connect endpoint's secret: not from the platform."""
    basic, pro = plans(shop.fake)
    ctx = shop.manager_ctx()
    with hub_db.unit_of_work(ctx) as db:
        subscriptions.start_plan_checkout(db, ctx, pro)     # an incomplete row the app made
    fake = shop.fake
    meta = fake.requests_to("POST", "/v1/checkout/sessions")[-1].params["subscription_data"]["metadata"]
    price = fake.object(load(SubscriptionPlan, pro).stripe_price_id)
    with fake.lock:
        sub = fake.new_subscription("cus_x", price, meta, None)
    event = fake.make_event("customer.subscription.created", sub)
    assert fake.deliver(event, secret=fake.connect_webhook_secret) == 200
    worker()
    assert load(Store, shop.store_id).current_subscription_plan_id is None
    [row] = rows(select(Subscription))
    assert row.status == SubscriptionStatus.INCOMPLETE and row.stripe_subscription_id is None
    assert_refused(event, "verified by the Connect secret")


def test_a_subscription_the_app_never_started_is_refused_even_from_the_platform(shop, worker):
    """Platform-signed, no account, store_plan metadata naming a store and a plan: the app did not
    start it, so its metadata decides nothing."""
    basic, pro = plans(shop.fake)
    event = forged_plan_event(shop.fake, pro, shop.store_id, account=None)
    assert shop.fake.deliver(event) == 200
    worker()
    assert load(Store, shop.store_id).current_subscription_plan_id is None
    assert rows(select(Subscription)) == []
    assert_refused(event, "was not started by this app")


def test_an_event_of_an_account_verified_by_the_platform_secret_is_refused(shop, worker):
    event = shop.fake.make_event("account.updated", {"id": shop.account_id, "object": "account",
                                                     "charges_enabled": False, "payouts_enabled": False},
                                 account=shop.account_id)
    assert shop.fake.deliver(event, secret=shop.fake.webhook_secret) == 200
    worker()
    assert load(Store, shop.store_id).stripe_onboarding_state == "complete"
    assert_refused(event, "verified by the platform secret")
    assert inbox(event).verified_by.value == "platform"


# --- recurring services ---------------------------------------------------------------------------


def test_another_stores_account_cannot_move_my_clients_recurring_service(shop, other_shop, worker):
    """The row id the app put in the metadata of my store's subscription, reused on another account."""
    from hub_app.domain.billing.models import ServiceSubscription
    from hub_app.domain.scheduling.models import PriceType, RecurringInterval, Service

    with hub_db.unit_of_work(TenantContext.system()) as db:
        service = Service(store_id=shop.store_id, name="Monthly massage", duration_minutes=60,
                          price_type=PriceType.FIXED, base_price_amount=Decimal("50.00"), is_recurring=True,
                          recurring_interval=RecurringInterval.MONTH)
        db.add(service)
        db.flush()
        service_id = service.id
    ctx = shop.client_ctx()
    with hub_db.unit_of_work(ctx) as db:
        row, _ = subscriptions.subscribe_to_service(db, ctx, service_id)
    fake = shop.fake
    meta = fake.requests_to("POST", "/v1/checkout/sessions")[-1].params["subscription_data"]["metadata"]
    price = {"id": "price_attacker", "object": "price", "unit_amount": 1, "currency": "eur",
             "recurring": {"interval": "month"}}
    with fake.lock:
        sub = fake.new_subscription("cus_attacker", price, meta, other_shop.account_id)
    event = fake.make_event("customer.subscription.created", sub, account=other_shop.account_id)
    assert fake.deliver(event) == 200
    worker()
    mine = load(ServiceSubscription, row.id)
    assert mine.status == SubscriptionStatus.INCOMPLETE and mine.stripe_subscription_id is None
    assert_refused(event, "belongs to another store")
