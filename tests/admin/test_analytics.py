"""Admin analytics: cross-store figures (stores by plan, MRR, bookings and revenue per week, no-show
and cancellation rates, top stores), exact on known data, and the read-only page that shows them."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

from hub_app.domain.billing.models import (
    Payment, PaymentKind, PaymentRecordStatus, PlanInterval, Subscription, SubscriptionPlan, SubscriptionStatus,
)
from hub_app.domain.bookings.models import BookingStatus
from hub_app.domain.platform.analytics import platform_analytics
from hub_app.domain.tenancy import TenantContext
from tests.admin.conftest import seed
from tests.dashboard.helpers import MONDAY, act, add_booking, admin_ctx, build_shop

# Wednesday of MONDAY's week, at noon UTC.
NOW = datetime(MONDAY.year, MONDAY.month, MONDAY.day, 12, tzinfo=timezone.utc) + timedelta(days=2)


def _plan(db, name: str, price: str, interval: PlanInterval) -> SubscriptionPlan:
    plan = SubscriptionPlan(name=name, price_amount=Decimal(price), currency="EUR", interval=interval)
    db.add(plan)
    db.flush()
    return plan


def _subscribe(db, store, plan: SubscriptionPlan, status: SubscriptionStatus) -> None:
    db.add(Subscription(store_id=store.id, plan_id=plan.id, start_date=NOW - timedelta(days=40), status=status))
    if status != SubscriptionStatus.CANCELLED:
        store.current_subscription_plan_id = plan.id
    db.flush()


def _paid(db, booking, amount: str, when: datetime, kind: PaymentKind = PaymentKind.CHARGE) -> None:
    db.add(Payment(store_id=booking.store_id, user_id=booking.client_user_id, booking_id=booking.id,
                   amount=Decimal(amount), currency="EUR", status=PaymentRecordStatus.SUCCEEDED, kind=kind,
                   payment_date=when))
    db.flush()


def build_platform(db):
    """Store A (Basic, monthly 20), B (Pro, yearly 240), C (Basic, trialing), D (no plan)."""
    a, b, c, d = (build_shop(db) for _ in range(4))
    act(db, TenantContext.system())
    basic = _plan(db, "Basic", "20.00", PlanInterval.MONTH)
    pro = _plan(db, "Pro", "240.00", PlanInterval.YEAR)
    _subscribe(db, a.store, basic, SubscriptionStatus.ACTIVE)
    _subscribe(db, b.store, pro, SubscriptionStatus.ACTIVE)
    _subscribe(db, b.store, basic, SubscriptionStatus.CANCELLED)  # an old one: no revenue
    _subscribe(db, c.store, basic, SubscriptionStatus.TRIALING)  # pays nothing yet
    this_week = NOW - timedelta(hours=1)
    two_weeks_ago = NOW - timedelta(days=14)
    kept = add_booking(db, a, MONDAY, "10:00", created_at=this_week)
    add_booking(db, a, MONDAY, "11:00", created_at=this_week, status=BookingStatus.CANCELLED)
    add_booking(db, a, MONDAY, "12:00", created_at=this_week)
    old = add_booking(db, a, MONDAY - timedelta(days=14), "10:00", created_at=two_weeks_ago,
                      status=BookingStatus.COMPLETED)
    missed = add_booking(db, b, MONDAY, "09:00", created_at=this_week, status=BookingStatus.NO_SHOW)
    act(db, TenantContext.system())
    _paid(db, kept, "20.00", this_week)
    _paid(db, kept, "5.00", this_week, PaymentKind.REFUND)
    _paid(db, missed, "30.00", two_weeks_ago)
    _paid(db, old, "99.00", NOW - timedelta(days=400))  # outside every window
    return a, b, c, d


def test_the_figures_add_up_on_known_data(db):
    a, b, _, _ = build_platform(db)
    figures = platform_analytics(db, admin_ctx(db), now=NOW)

    assert [(s.plan, s.stores) for s in figures.stores_by_plan] == [("Basic", 2), ("Pro", 1), (None, 1)]
    assert figures.mrr == {"EUR": Decimal("40.00")}  # 20 monthly + 240 / 12; the trial pays nothing
    assert len(figures.weeks) == 12 and figures.weeks[-1].starts == MONDAY
    by_week = {w.starts: (w.bookings, w.revenue) for w in figures.weeks}
    assert by_week[MONDAY] == (4, {"EUR": Decimal("15.00")})
    assert by_week[MONDAY - timedelta(days=14)] == (1, {"EUR": Decimal("30.00")})
    assert sum(w.bookings for w in figures.weeks) == 5
    assert (figures.no_shows.count, figures.no_shows.out_of, figures.no_shows.percent) == (1, 2, Decimal("50.0"))
    assert (figures.cancellations.count, figures.cancellations.out_of) == (1, 5)
    assert figures.cancellations.percent == Decimal("20.0")
    assert [(t.store_id, t.bookings, t.revenue) for t in figures.top_stores] == [
        (a.store.id, 4, {"EUR": Decimal("15.00")}), (b.store.id, 1, {"EUR": Decimal("30.00")})]


def test_an_empty_platform_has_no_rates_rather_than_a_division_by_zero(db):
    figures = platform_analytics(db, admin_ctx(db), now=NOW)
    assert figures.no_shows.percent is None and figures.cancellations.percent is None
    assert figures.mrr == {} and figures.top_stores == [] and all(w.bookings == 0 for w in figures.weeks)


def test_the_admin_page_shows_them(admin_client):
    seed(build_platform)
    page = admin_client.get("/admin/analytics")
    assert page.status_code == 200
    assert 'data-table="plans"' in page.text and "Basic" in page.text and "No plan" in page.text
    assert 'data-table="top"' in page.text
    greek = admin_client.get("/admin/analytics?lang=el")
    assert "Ποσοστό ακυρώσεων" in greek.text


def test_managers_cannot_open_it(client, shop):
    from tests.admin.conftest import login

    _, manager, _ = shop
    assert login(client, manager.email).status_code != 302
    assert client.get("/admin/analytics", follow_redirects=False).status_code in (302, 303, 401, 403)
