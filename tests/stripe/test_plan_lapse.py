"""A store's plan payment fails on Stripe (signed webhooks from the fake): the moment it became past
due is recorded, the paid limits hold through the grace period, then the free plan's apply and
the manager is told; a later successful payment lifts it. The free plan is never sold."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from hub_app import db as hub_db
from hub_app.domain.billing import dunning, subscriptions
from hub_app.domain.billing.limits import GRACE, PAID, RESTRICTED, limits_in_force
from hub_app.domain.billing.models import Subscription, SubscriptionStatus
from hub_app.domain.errors import Conflict
from hub_app.domain.notifications.models import Notification, NotificationKind
from hub_app.domain.stores.models import Store
from hub_app.domain.tenancy import TenantContext
from tests.billing.helpers import flag_free_plan
from tests.stripe.helpers import load, rows
from tests.stripe.test_subscriptions import admin_ctx, make_plan, subscribe_store, sync

SYSTEM = TenantContext.system()


def standing(store_id: int, now):
    with hub_db.unit_of_work(SYSTEM) as db:
        limits = limits_in_force(db, db.get(Store, store_id), now)
        return limits.state, limits.plan.name


def test_a_failed_renewal_starts_the_grace_period_then_the_free_limits(shop, worker):
    fake = shop.fake
    with hub_db.unit_of_work(SYSTEM) as db:
        flag_free_plan(db)
    plan_id = make_plan()
    sync(admin_ctx())
    fake.pay_checkout_session(subscribe_store(shop, plan_id))
    worker()
    [sub] = rows(select(Subscription))
    fake.renew_subscription(sub.stripe_subscription_id, paid=False)
    worker()
    row = load(Subscription, sub.id)
    assert row.status == SubscriptionStatus.PAST_DUE and row.past_due_since is not None
    since = row.past_due_since
    assert standing(shop.store_id, since + timedelta(days=6)) == (GRACE, "Pro")
    assert standing(shop.store_id, since + timedelta(days=7)) == (RESTRICTED, "Free")

    with hub_db.unit_of_work(SYSTEM) as db:
        assert dunning.advance_all(db, since + timedelta(days=7, minutes=1)) == 1
        subjects = db.scalars(select(Notification.subject).where(Notification.kind == NotificationKind.ACCOUNT)).all()
    assert any("free plan" in s for s in subjects)

    fake.renew_subscription(sub.stripe_subscription_id, paid=True)
    worker()
    row = load(Subscription, sub.id)
    assert row.status == SubscriptionStatus.ACTIVE and row.past_due_since is None
    assert standing(shop.store_id, since + timedelta(days=8))[0] == PAID


def test_the_free_plan_is_not_sold_through_checkout(shop):
    with hub_db.unit_of_work(SYSTEM) as db:
        free_id = flag_free_plan(db).id
    ctx = shop.manager_ctx()
    with pytest.raises(Conflict, match="free plan needs no payment"):
        with hub_db.unit_of_work(ctx) as db:
            subscriptions.start_plan_checkout(db, ctx, free_id)
    assert shop.fake.requests_to("POST", "/v1/checkout/sessions") == []
