"""Store plans synced to Stripe, plan checkout, subscription events in any order, recurring services."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from hub_app import db as hub_db
from hub_app.domain.accounts.models import UserRole
from hub_app.domain.billing import subscriptions
from hub_app.domain.billing.models import (
    Payment, PaymentRecordStatus, PlanInterval, ServiceSubscription, Subscription, SubscriptionPlan,
    SubscriptionStatus,
)
from hub_app.domain.scheduling.models import PriceType, RecurringInterval, Service
from hub_app.domain.stores.models import Store
from hub_app.domain.tenancy import TenantContext
from tests.factories import make_user
from tests.stripe.helpers import load, rows


def admin_ctx() -> TenantContext:
    with hub_db.unit_of_work(TenantContext.system()) as db:
        return TenantContext.for_user(make_user(db, UserRole.ADMIN))


def make_plan(name: str = "Pro", amount: str = "29.00") -> int:
    with hub_db.unit_of_work(TenantContext.system()) as db:
        plan = SubscriptionPlan(name=name, price_amount=Decimal(amount), interval=PlanInterval.MONTH)
        db.add(plan)
        db.flush()
        return plan.id


def sync(ctx) -> None:
    with hub_db.unit_of_work(ctx) as db:
        subscriptions.sync_plans(db, ctx)


def subscribe_store(shop, plan_id: int) -> str:
    ctx = shop.manager_ctx()
    with hub_db.unit_of_work(ctx) as db:
        url = subscriptions.start_plan_checkout(db, ctx, plan_id)
    return url.rsplit("/", 1)[-1]


def test_plan_sync_creates_a_new_price_on_change_and_archives_the_old(stripe_env):
    fake, admin = stripe_env, admin_ctx()
    plan_id = make_plan()
    sync(admin)
    plan = load(SubscriptionPlan, plan_id)
    first_price = plan.stripe_price_id
    assert plan.stripe_product_id.startswith("prod_") and first_price.startswith("price_")
    assert fake.object(first_price)["unit_amount"] == 2900 and fake.object(first_price)["recurring"]["interval"] == "month"

    sync(admin)                                            # nothing changed: no new price
    assert len(fake.requests_to("POST", "/v1/prices")) == 1

    with hub_db.unit_of_work(TenantContext.system()) as db:
        db.get(SubscriptionPlan, plan_id).price_amount = Decimal("35.00")
    sync(admin)
    plan = load(SubscriptionPlan, plan_id)
    assert plan.stripe_price_id != first_price and fake.object(plan.stripe_price_id)["unit_amount"] == 3500
    assert fake.object(first_price)["active"] is False
    assert fake.object(plan.stripe_price_id)["product"] == plan.stripe_product_id


def test_manager_subscribes_renewal_fails_then_subscription_ends(shop, worker):
    fake, plan_id = shop.fake, make_plan()
    sync(admin_ctx())
    session_id = subscribe_store(shop, plan_id)
    created = fake.requests_to("POST", "/v1/checkout/sessions")[-1]
    assert created.stripe_account is None and created.params["mode"] == "subscription"
    assert created.params["subscription_data"]["metadata"]["store_id"] == str(shop.store_id)

    fake.pay_checkout_session(session_id)
    worker()
    [sub] = rows(select(Subscription))
    assert sub.status == SubscriptionStatus.ACTIVE and sub.stripe_subscription_id.startswith("sub_")
    assert sub.stripe_customer_id.startswith("cus_") and sub.current_period_end is not None
    assert load(Store, shop.store_id).current_subscription_plan_id == plan_id
    [payment] = rows(select(Payment).where(Payment.subscription_id == sub.id))
    assert payment.amount == Decimal("29.00") and payment.stripe_invoice_id.startswith("in_")
    assert payment.status == PaymentRecordStatus.SUCCEEDED

    fake.renew_subscription(sub.stripe_subscription_id, paid=False)
    worker()
    assert load(Subscription, sub.id).status == SubscriptionStatus.PAST_DUE
    assert load(Store, shop.store_id).current_subscription_plan_id == plan_id  # limited, not gone

    with fake.lock:
        fake.cancel_subscription(sub.stripe_subscription_id, None)
    worker()
    assert load(Subscription, sub.id).status == SubscriptionStatus.CANCELLED
    assert load(Store, shop.store_id).current_subscription_plan_id is None


def test_updated_before_created_ends_right(shop, worker):
    fake, plan_id = shop.fake, make_plan()
    sync(admin_ctx())
    price = fake.object(load(SubscriptionPlan, plan_id).stripe_price_id)
    subscribe_store(shop, plan_id)     # the app starts it: its row id travels in the metadata
    meta = fake.requests_to("POST", "/v1/checkout/sessions")[-1].params["subscription_data"]["metadata"]
    sub = fake.new_subscription("cus_x", price, meta, None)
    sub["status"] = "incomplete"
    created = fake.make_event("customer.subscription.created", sub, created=1_800_000_000)
    sub = dict(sub, status="active")
    updated = fake.make_event("customer.subscription.updated", sub, created=1_800_000_005,
                              previous_attributes={"status": "incomplete"})
    assert fake.deliver(updated) == 200
    worker()
    assert fake.deliver(created) == 200             # the older event arrives last
    worker()
    [row] = rows(select(Subscription))
    assert row.status == SubscriptionStatus.ACTIVE
    assert load(Store, shop.store_id).current_subscription_plan_id == plan_id


def test_upgrade_replaces_the_old_subscription(shop, worker):
    fake = shop.fake
    basic, pro = make_plan("Basic", "9.00"), make_plan("Pro", "29.00")
    sync(admin_ctx())
    fake.pay_checkout_session(subscribe_store(shop, basic))
    worker()
    fake.pay_checkout_session(subscribe_store(shop, pro))
    worker()
    by_plan = {s.plan_id: s for s in rows(select(Subscription))}
    assert by_plan[pro].status == SubscriptionStatus.ACTIVE
    assert by_plan[basic].status == SubscriptionStatus.CANCELLED
    assert fake.object(by_plan[basic].stripe_subscription_id)["status"] == "canceled"
    assert load(Store, shop.store_id).current_subscription_plan_id == pro


def test_recurring_service_subscription_and_cancel(shop, worker):
    fake = shop.fake
    with hub_db.unit_of_work(TenantContext.system()) as db:
        service = Service(store_id=shop.store_id, name="Monthly massage", duration_minutes=60,
                          price_type=PriceType.FIXED, base_price_amount=Decimal("50.00"), is_recurring=True,
                          recurring_interval=RecurringInterval.MONTH)
        db.add(service)
        db.flush()
        service_id = service.id
    ctx = shop.client_ctx()
    with hub_db.unit_of_work(ctx) as db:
        row, url = subscriptions.subscribe_to_service(db, ctx, service_id)
    service = load(Service, service_id)
    assert fake.object(service.stripe_price_id)["unit_amount"] == 5000
    assert fake.requests_to("POST", "/v1/prices")[-1].stripe_account == shop.account_id

    fake.pay_checkout_session(url.rsplit("/", 1)[-1])
    worker()
    sub = load(ServiceSubscription, row.id)
    assert sub.status == SubscriptionStatus.ACTIVE and sub.stripe_subscription_id.startswith("sub_")
    [payment] = rows(select(Payment).where(Payment.service_subscription_id == row.id))
    assert payment.amount == Decimal("50.00") and payment.user_id == shop.client_id

    with hub_db.unit_of_work(ctx) as db:
        subscriptions.cancel_service_subscription(db, ctx, row.id)
    worker()
    # Cancelled at the end of the period already paid for: live until Stripe ends it then.
    cancelled = load(ServiceSubscription, row.id)
    assert cancelled.status == SubscriptionStatus.ACTIVE and cancelled.cancel_at_period_end is True
    assert fake.object(sub.stripe_subscription_id)["cancel_at_period_end"] is True
    fake.end_subscription_period(sub.stripe_subscription_id)
    worker()
    assert load(ServiceSubscription, row.id).status == SubscriptionStatus.CANCELLED
    assert fake.object(sub.stripe_subscription_id)["status"] == "canceled"
