"""Overview figures (per day, revenue, cancellations, no-shows, utilisation) and plan usage."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from hub_app.domain.billing.models import PlanInterval, SubscriptionPlan
from hub_app.domain.billing.usage import offered_plans, plan_usage, start_upgrade
from hub_app.domain.bookings.models import BookingStatus
from hub_app.domain.errors import Conflict, NotFound, PlanLimitReached, ValidationFailed
from hub_app.domain.reporting.overview import period_figures, todays_and_upcoming
from hub_app.domain.scheduling.service import (
    ServiceInput,
    add_calendar_slot,
    archive_service,
    create_service,
    set_date_override,
)
from hub_app.domain.tenancy import TenantContext
from hub_app.domain.types import utcnow
from tests.dashboard.helpers import MONDAY, act, add_booking, as_manager, build_shop, two_shops


def test_figures_per_day_count_revenue_cancellations_and_no_shows(db):
    a, b = two_shops(db)
    tuesday = MONDAY + timedelta(days=1)
    add_booking(db, a, MONDAY, "09:00", total="20.00")
    add_booking(db, a, MONDAY, "10:00", status=BookingStatus.COMPLETED, total="35.50")
    add_booking(db, a, MONDAY, "11:00", status=BookingStatus.CANCELLED, total="20.00")
    add_booking(db, a, MONDAY, "12:00", status=BookingStatus.NO_SHOW, total="20.00")
    add_booking(db, a, MONDAY, "13:00", status=BookingStatus.RESCHEDULED, total="20.00")
    add_booking(db, a, tuesday, "09:00", status=BookingStatus.PENDING, total="20.00")
    add_booking(db, b, MONDAY, "09:00", total="99.00")
    ctx = as_manager(db, a)
    figures = period_figures(db, ctx, MONDAY, tuesday)
    monday, tue = figures.days
    assert (monday.bookings, monday.revenue, monday.cancellations, monday.no_shows) == (3, Decimal("55.50"), 1, 1)
    assert (tue.bookings, tue.revenue) == (1, Decimal("0.00"))
    assert figures.bookings == 4 and figures.revenue == Decimal("55.50") and figures.currency == a.store.currency
    with pytest.raises(ValidationFailed):
        period_figures(db, ctx, tuesday, MONDAY)
    with pytest.raises(ValidationFailed):
        period_figures(db, ctx, MONDAY, MONDAY + timedelta(days=400))


def test_utilisation_counts_a_shared_group_session_once_and_follows_overrides_and_slots(db):
    shop = build_shop(db, calendars=1, max_persons=4, capacity_persons=4)
    ctx = as_manager(db, shop)
    cal = shop.calendars[0]
    # Monday: open 09-17 (480 min); Tuesday closed by an override; plus a 60-minute extra slot on Tuesday.
    tuesday = MONDAY + timedelta(days=1)
    set_date_override(db, ctx, cal.id, tuesday, [])
    add_calendar_slot(db, ctx, cal.id, shop.local(tuesday, "18:00"), shop.local(tuesday, "19:00"), capacity=4)
    add_booking(db, shop, MONDAY, "09:00", persons=2)
    add_booking(db, shop, MONDAY, "09:00", persons=1)   # the same session: counted once
    add_booking(db, shop, MONDAY, "10:00", minutes=60)
    add_booking(db, shop, MONDAY, "12:00", status=BookingStatus.CANCELLED)
    add_booking(db, shop, tuesday, "18:00", minutes=60)
    act(db, ctx)
    (use,) = period_figures(db, ctx, MONDAY, tuesday).calendars
    assert use.open_minutes == 480 + 60
    assert use.booked_minutes == 30 + 60 + 60
    assert use.percent == round(100 * 150 / 540)


def test_today_and_upcoming(db):
    shop = build_shop(db, hours=[("00:00", "23:59")])
    today = utcnow().astimezone(shop.tz).date()
    late = add_booking(db, shop, today, "23:00")
    tomorrow = add_booking(db, shop, today + timedelta(days=1), "10:00")
    add_booking(db, shop, today + timedelta(days=2), "10:00", status=BookingStatus.CANCELLED)
    ctx = as_manager(db, shop)
    todays, upcoming = todays_and_upcoming(db, ctx)
    assert late.id in [b.id for b in todays]
    assert [b.id for b in upcoming] == [tomorrow.id]


def _plan(db, name, **limits):
    act(db, TenantContext.system())
    plan = SubscriptionPlan(name=name, price_amount=Decimal("19.00"), interval=PlanInterval.MONTH, **limits)
    db.add(plan)
    db.flush()
    return plan


def test_usage_counts_what_the_limits_count(db):
    a, b = two_shops(db)
    small = _plan(db, "Small", max_services=2, max_calendars=1, max_bookings_per_month=50, sort_order=1)
    big = _plan(db, "Big", max_services=None, sort_order=2)
    a.store.current_subscription_plan_id = small.id
    db.flush()
    now = datetime.now(timezone.utc)
    add_booking(db, a, MONDAY, "09:00", created_at=now)
    add_booking(db, a, MONDAY, "10:00", created_at=now - timedelta(days=40))
    add_booking(db, a, MONDAY, "11:00", status=BookingStatus.RESCHEDULED, created_at=now)
    add_booking(db, b, MONDAY, "09:00", created_at=now)
    ctx = as_manager(db, a)
    usage = plan_usage(db, ctx, now=now)
    assert usage.plan.name == "Small" and usage.plan.max_services == 2
    assert (usage.services, usage.calendars, usage.bookings_this_month) == (1, 1, 1)
    names = [(p.name, p.is_current) for p in offered_plans(db, ctx) if p.id in (small.id, big.id)]
    assert names == [("Small", True), ("Big", False)]
    # The domain refuses one more service than the plan allows, with a readable reason.
    create_service(db, ctx, ServiceInput(name="Colour", duration_minutes=60, price_type="fixed", base_price_amount="40"))
    with pytest.raises(PlanLimitReached, match="Small"):
        create_service(db, ctx, ServiceInput(name="Beard", duration_minutes=15, price_type="fixed", base_price_amount="9"))
    archive_service(db, ctx, a.service.id)
    assert plan_usage(db, ctx, now=now).services == 1


def test_upgrade_without_payments_configured_says_so(db, monkeypatch):
    monkeypatch.delenv("STRIPE_SECRET_KEY", raising=False)
    from hub_app.settings import reset_settings_cache

    reset_settings_cache()
    a, _ = two_shops(db)
    current = _plan(db, "Current")
    target = _plan(db, "Target")
    a.store.current_subscription_plan_id = current.id
    db.flush()
    ctx = as_manager(db, a)
    with pytest.raises(Conflict) as refused:
        start_upgrade(db, ctx, target.id)
    assert "Stripe" in refused.value.message
    with pytest.raises(Conflict):
        start_upgrade(db, ctx, current.id)
    with pytest.raises(NotFound):
        start_upgrade(db, ctx, 987654)
