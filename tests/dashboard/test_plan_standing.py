"""The manager sees the store's standing: a lapsed payment with its grace end date, the free plan's
limits (nothing deleted), and the SMS of the period, on the subscription page and the overview."""

from __future__ import annotations

from datetime import timedelta

from hub_app.db import unit_of_work
from hub_app.domain.accounts.models import AppUser
from hub_app.domain.billing.limits import limits_in_force
from hub_app.domain.billing.models import SmsUsage, SubscriptionStatus
from hub_app.domain.billing.plan_standing import plan_standing
from hub_app.domain.notifications.sms_allowance import billing_period
from hub_app.domain.tenancy import TenantContext
from hub_app.domain.types import utcnow
from hub_app.manage.overview import present as overview_section
from hub_app.manage.shell import present as shell_section
from hub_app.manage.subscription import present as subscription_section
from tests.billing.helpers import flag_free_plan, paid_plan, subscribe
from tests.bookings.helpers import act, build_shop
from tests.factories import make_store

SYSTEM = TenantContext.system()


def test_past_due_within_grace_shows_the_date_the_paid_limits_end(db):
    shop = build_shop(db)
    act(db, SYSTEM)
    flag_free_plan(db)
    subscribe(db, shop.store, paid_plan(db), SubscriptionStatus.PAST_DUE, event_at=utcnow() - timedelta(days=1))
    standing = plan_standing(db, shop.manager_ctx)
    assert standing.state == "grace" and "payment for the plan failed" in standing.banner
    assert str((utcnow() + timedelta(days=6)).year) in standing.banner


def test_restricted_says_what_the_limits_are_and_that_nothing_is_deleted_in_greek_too(db):
    shop = build_shop(db)
    act(db, SYSTEM)
    flag_free_plan(db, calendars=1, services=3, bookings=50, sms=0)
    subscribe(db, shop.store, paid_plan(db), SubscriptionStatus.PAST_DUE, event_at=utcnow() - timedelta(days=8))
    standing = plan_standing(db, shop.manager_ctx)
    assert standing.state == "restricted"
    assert "1 calendars, 3 services, 50 bookings a month, 0 SMS" in standing.banner
    assert "Nothing is deleted" in standing.banner
    shop.manager.locale = "el"
    greek = plan_standing(db, TenantContext.for_user(shop.manager))
    assert "Τίποτα δεν διαγράφεται" in greek.banner


def test_sms_at_80_percent_and_used_up_are_shown(db):
    shop = build_shop(db)
    act(db, SYSTEM)
    flag_free_plan(db)
    subscribe(db, shop.store, paid_plan(db, sms=10), SubscriptionStatus.ACTIVE,
              period_end=utcnow() + timedelta(days=12))
    start, end = billing_period(shop.store, limits_in_force(db, shop.store), utcnow())
    usage = SmsUsage(store_id=shop.store.id, period_start=start, period_end=end, sent=8, overage=0)
    db.add(usage)
    db.flush()
    standing = plan_standing(db, shop.manager_ctx)
    assert (standing.sms.sent, standing.sms.included) == (8, 10) and "8 of the 10 SMS" in standing.sms_banner
    assert abs(end - (utcnow() + timedelta(days=12))) < timedelta(minutes=1)
    usage.sent = 10
    db.flush()
    assert "automated SMS are not sent" in plan_standing(db, shop.manager_ctx).sms_banner


def test_subscription_page_and_overview_data_of_a_restricted_store(committed_engine):
    with unit_of_work(SYSTEM) as db:
        store, manager = make_store(db)
        flag_free_plan(db, calendars=1, services=3, bookings=50, sms=0)
        subscribe(db, store, paid_plan(db, max_calendars=9), SubscriptionStatus.CANCELLED)
        manager_id = manager.id
    with unit_of_work(SYSTEM) as db:
        ctx = TenantContext.for_user(db.get(AppUser, manager_id))
    data = subscription_section.subscription_data(ctx)
    assert data["plan"]["name"] == "Free"
    assert data["usage"]["calendars"]["limit"] == "1" and data["usage"]["sms"]["limit"] == "0"
    assert data["sms"]["period_end"] and any("free plan's limits" in text for text in data["banners"])
    assert all(p["name"] != "Free" for p in data["plans"])  # the free plan is not for sale
    today = shell_section.store_today(ctx)
    overview = overview_section.overview_data(ctx, today, today)
    assert any("Nothing is deleted" in text for text in overview["banners"])
