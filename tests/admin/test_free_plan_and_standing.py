"""The admin edits THE free plan (its limits apply to stores without a paid plan), cannot delete it
or give it a price, and sees which stores are past due, in grace or restricted, and their SMS."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select, update

from hub_app.domain.billing.limits import limits_in_force
from hub_app.domain.billing.models import SmsUsage, Subscription, SubscriptionPlan, SubscriptionStatus
from hub_app.domain.stores.models import Store
from hub_app.domain.types import utcnow
from tests.admin.conftest import fetch, seed
from tests.admin.test_billing_and_readonly import PLAN
from tests.billing.helpers import flag_free_plan, paid_plan, subscribe

FREE = {**PLAN, "name": "Free", "price_amount": "0", "max_services": "3", "max_calendars": "1",
        "max_bookings_per_month": "50", "sms_included": "0", "sms_overage": "stop", "is_free": "y"}


def test_the_admin_edits_the_free_plan_and_its_limits_apply_to_a_store_without_a_plan(admin_client, shop):
    store, _, _ = shop
    seed(lambda db: db.execute(update(SubscriptionPlan).values(is_free=False)))
    assert admin_client.post("/admin/subscription-plan/create", data=FREE, follow_redirects=False).status_code == 302
    free = seed(lambda db: db.scalar(select(SubscriptionPlan).where(SubscriptionPlan.is_free.is_(True))))
    assert seed(lambda db: limits_in_force(db, db.get(Store, store.id)).limit("calendars")) == 1

    response = admin_client.post(f"/admin/subscription-plan/edit/{free.id}", data={**FREE, "max_calendars": "4"},
                                 follow_redirects=False)
    assert response.status_code == 302
    assert seed(lambda db: limits_in_force(db, db.get(Store, store.id)).limit("calendars")) == 4

    response = admin_client.post(f"/admin/subscription-plan/edit/{free.id}", data={**FREE, "price_amount": "5"})
    assert response.status_code == 400 and "free plan costs nothing" in response.text
    unflagged = {key: value for key, value in FREE.items() if key != "is_free"}
    response = admin_client.post(f"/admin/subscription-plan/edit/{free.id}", data=unflagged)
    assert response.status_code == 400 and "Mark another plan as the free plan first" in response.text
    assert fetch(SubscriptionPlan, free.id).is_free is True
    response = admin_client.delete(f"/admin/subscription-plan/delete?pks={free.id}")
    assert "Mark another plan as the free plan first" in admin_client.get(response.text).text
    assert fetch(SubscriptionPlan, free.id) is not None

    # Flagging another plan as THE free plan unflags the first.
    admin_client.post("/admin/subscription-plan/create", data={**FREE, "name": "Starter free"})
    flagged = seed(lambda db: db.scalars(select(SubscriptionPlan.name).where(SubscriptionPlan.is_free.is_(True))).all())
    assert flagged == ["Starter free"]


def test_the_plan_form_sets_the_sms_overage_policy_and_price(admin_client, shop):
    data = {**PLAN, "name": "Bill", "sms_overage": "bill", "sms_overage_price": "0.07"}
    assert admin_client.post("/admin/subscription-plan/create", data=data, follow_redirects=False).status_code == 302
    plan = seed(lambda db: db.scalar(select(SubscriptionPlan).where(SubscriptionPlan.name == "Bill")))
    assert (plan.sms_overage.value, plan.sms_overage_price) == ("bill", Decimal("0.07"))
    assert "Bill" in admin_client.get("/admin/subscription-plan/list").text


def test_the_subscription_list_shows_and_filters_grace_and_restricted(admin_client, shop):
    store, _, _ = shop

    def lapse(db):
        flag_free_plan(db)
        pro = paid_plan(db)
        late = subscribe(db, db.get(Store, store.id), pro, SubscriptionStatus.PAST_DUE,
                         event_at=utcnow() - timedelta(days=9))
        db.add(SmsUsage(store_id=store.id, period_start=utcnow() - timedelta(days=3),
                        period_end=utcnow() + timedelta(days=27), sent=12, included=10, overage=2,
                        overage_unit_price=Decimal("0.08")))
        return late.id

    late_id = seed(lambda db: lapse(db))
    page = admin_client.get("/admin/subscription/list").text
    assert "Restricted (free limits)" in page
    restricted = admin_client.get("/admin/subscription/list?standing=restricted").text
    grace = admin_client.get("/admin/subscription/list?standing=grace").text
    assert f"/admin/subscription/details/{late_id}" in restricted
    assert f"/admin/subscription/details/{late_id}" not in grace
    assert seed(lambda db: db.get(Subscription, late_id).past_due_since) is not None
    usage = admin_client.get("/admin/sms-usage/list")
    assert usage.status_code == 200 and "0.08" in usage.text
    analytics = admin_client.get("/admin/analytics").text
    assert 'data-value="restricted">1<' in analytics and 'data-value="past-due-in-grace">0<' in analytics
