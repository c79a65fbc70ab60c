"""One answer to "the limits in force for this store now": the free plan without a paid one,
the paid plan's limits through a past-due grace period, the free plan's after it or on cancel."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hub_app.domain.accounts.models import UserRole
from hub_app.domain.billing.limits import FREE, GRACE, PAID, RESTRICTED, limits_in_force
from hub_app.domain.billing.models import SubscriptionStatus
from hub_app.domain.bookings.plan_limit import check_monthly_bookings
from hub_app.domain.errors import PlanLimitReached
from hub_app.domain.platform.plans import save_plan
from hub_app.domain.scheduling.models import Calendar
from hub_app.domain.scheduling.service import ServiceInput, create_calendar, create_service
from hub_app.domain.tenancy import TenantContext
from hub_app.domain.types import utcnow
from tests.billing.helpers import flag_free_plan, paid_plan, subscribe
from tests.bookings.helpers import act, build_shop
from tests.factories import make_user

SYSTEM = TenantContext.system()


def add_service(db, ctx, name: str):
    return create_service(db, ctx, ServiceInput(name=name, duration_minutes=30, price_type="fixed",
                                                base_price_amount="20.00"))


def test_a_store_without_a_plan_cannot_exceed_the_free_limits(db):
    shop = build_shop(db)  # one calendar, one service
    act(db, SYSTEM)
    flag_free_plan(db, calendars=1, services=3)
    ctx = shop.manager_ctx
    act(db, ctx)
    assert limits_in_force(db, shop.store).state == FREE
    with pytest.raises(PlanLimitReached) as refused:
        create_calendar(db, ctx, "Chair 2")
    assert refused.value.details["what"] == "calendars" and "free plan" in str(refused.value)
    add_service(db, ctx, "Colour")
    add_service(db, ctx, "Beard")
    with pytest.raises(PlanLimitReached):
        add_service(db, ctx, "Wash")


def test_the_monthly_bookings_of_the_free_plan_apply_to_a_store_without_a_plan(db):
    shop = build_shop(db)
    act(db, SYSTEM)
    flag_free_plan(db, bookings=0)
    with pytest.raises(PlanLimitReached) as refused:
        check_monthly_bookings(db, shop.manager_ctx, shop.store)
    assert refused.value.details["what"] == "bookings_per_month"


def test_past_due_keeps_the_paid_limits_for_the_grace_period_then_the_free_ones(db):
    shop = build_shop(db)
    act(db, SYSTEM)
    flag_free_plan(db, calendars=1, bookings=0)
    pro = paid_plan(db, max_calendars=5, max_bookings_per_month=100)
    failed_at = utcnow() - timedelta(days=1)
    sub = subscribe(db, shop.store, pro, SubscriptionStatus.PAST_DUE, event_at=failed_at)
    assert sub.past_due_since == failed_at  # the moment is recorded, from the event's time

    within = limits_in_force(db, shop.store, failed_at + timedelta(days=6, hours=23))
    assert (within.state, within.plan.id, within.limit("calendars")) == (GRACE, pro.id, 5)
    assert within.grace_ends_at == failed_at + timedelta(days=7)
    check_monthly_bookings(db, shop.manager_ctx, shop.store, now=failed_at + timedelta(days=6))

    after = limits_in_force(db, shop.store, failed_at + timedelta(days=7))
    assert (after.state, after.limit("calendars"), after.paid_plan.id) == (RESTRICTED, 1, pro.id)
    with pytest.raises(PlanLimitReached):
        check_monthly_bookings(db, shop.manager_ctx, shop.store, now=failed_at + timedelta(days=7, seconds=1))


def test_after_grace_what_is_over_the_limit_stays_and_nothing_new_is_added(db):
    shop = build_shop(db, calendars=3)
    act(db, SYSTEM)
    flag_free_plan(db, calendars=1)
    pro = paid_plan(db, max_calendars=5)
    subscribe(db, shop.store, pro, SubscriptionStatus.PAST_DUE, event_at=utcnow() - timedelta(days=8))
    ctx = shop.manager_ctx
    act(db, ctx)
    with pytest.raises(PlanLimitReached) as refused:
        create_calendar(db, ctx, "Chair 4")
    assert "stays" in str(refused.value)
    assert len(db.query(Calendar).filter(Calendar.is_active.is_(True)).all()) == 3


def test_a_payment_that_succeeds_again_ends_the_grace_period(db):
    shop = build_shop(db)
    act(db, SYSTEM)
    flag_free_plan(db)
    pro = paid_plan(db, max_calendars=5)
    sub = subscribe(db, shop.store, pro, SubscriptionStatus.PAST_DUE, event_at=utcnow() - timedelta(days=30))
    sub.status = SubscriptionStatus.ACTIVE
    subscribe(db, shop.store, pro, SubscriptionStatus.ACTIVE)  # refreshes the store's plan too
    assert sub.past_due_since is None
    assert limits_in_force(db, shop.store).state == PAID


def test_a_cancelled_subscription_falls_to_the_free_plan_at_once(db):
    shop = build_shop(db, calendars=2)
    act(db, SYSTEM)
    free = flag_free_plan(db, calendars=1)
    pro = paid_plan(db, max_calendars=5)
    subscribe(db, shop.store, pro, SubscriptionStatus.CANCELLED)
    limits = limits_in_force(db, shop.store)
    assert (limits.state, limits.plan.id) == (RESTRICTED, free.id)
    ctx = shop.manager_ctx
    act(db, ctx)
    with pytest.raises(PlanLimitReached):
        create_calendar(db, ctx, "Chair 3")


def test_the_admin_edits_the_free_plan_and_the_new_limits_apply(db):
    shop = build_shop(db)
    act(db, SYSTEM)
    free = flag_free_plan(db, calendars=1)
    admin = TenantContext.for_user(make_user(db, UserRole.ADMIN))
    save_plan(db, admin, free.id, {"max_calendars": "2"})
    ctx = shop.manager_ctx
    act(db, ctx)
    create_calendar(db, ctx, "Chair 2")
    with pytest.raises(PlanLimitReached):
        create_calendar(db, ctx, "Chair 3")
