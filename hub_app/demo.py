"""The demo data `make run` starts with: one salon, its manager, services, hours and bookings.

Idempotent: a second run finds the demo store and only prints the logins again.
"""

from __future__ import annotations

from datetime import time
from decimal import Decimal

from sqlalchemy import select

from hub_app.db import unit_of_work
from hub_app.domain.accounts.service import ensure_admin
from hub_app.domain.billing.models import PlanInterval, SubscriptionPlan
from hub_app.domain.scheduling.service import ServiceInput, create_calendar, create_service, set_weekly_hours
from hub_app.domain.stores.models import Store
from hub_app.domain.stores.service import ManagerInput, StoreInput, onboard_store
from hub_app.domain.tenancy import TenantContext

DEMO_SLUG = "demo-salon"
ADMIN = ("admin@example.com", "admin-demo-pass")
MANAGER = ("manager@example.com", "manager-demo-pass")
WEEKDAY_HOURS = [{"weekday": d, "start": time(9), "end": time(17)} for d in range(0, 6)]


def _plans(db) -> list[SubscriptionPlan]:
    # The free plan (seeded by the migrations) is not one of the plans a store subscribes to.
    existing = list(db.scalars(select(SubscriptionPlan).where(SubscriptionPlan.is_free.is_(False))
                               .order_by(SubscriptionPlan.sort_order, SubscriptionPlan.id)))
    if existing:
        return existing
    plans = [
        SubscriptionPlan(name="Starter", description="For a single chair", price_amount=Decimal("19.00"),
                         currency="EUR", interval=PlanInterval.MONTH, max_services=5, max_calendars=2,
                         max_bookings_per_month=300, sms_included=100, sort_order=1),
        SubscriptionPlan(name="Professional", description="For a busy studio", price_amount=Decimal("49.00"),
                         currency="EUR", interval=PlanInterval.MONTH, max_services=30, max_calendars=10,
                         max_bookings_per_month=3000, sms_included=1000, sort_order=2),
    ]
    db.add_all(plans)
    db.flush()
    return plans


def seed_demo() -> list[str]:
    system = TenantContext.system()
    with unit_of_work(system) as db:
        admin, _ = ensure_admin(db, *ADMIN)
        plans = _plans(db)
        store = db.scalar(select(Store).where(Store.slug == DEMO_SLUG))
        created = store is None
        if created:
            admin_ctx = TenantContext.for_user(admin)
            store, _manager = onboard_store(
                db, admin_ctx,
                StoreInput(name="Demo Salon", slug=DEMO_SLUG, timezone="Europe/Athens", currency="EUR",
                           address="Ermou 10", city="Athens", country="GR", phone_number="+302101234567",
                           email="hello@demo-salon.example",
                           description="Haircuts, colour and small group yoga in the centre of Athens."),
                ManagerInput(email=MANAGER[0], password=MANAGER[1], first_name="Maria", last_name="Papadopoulou"),
            )
            store.current_subscription_plan_id = plans[-1].id
            db.flush()
            store_id = store.id
    if created:
        _seed_catalog(admin, store_id)
    lines = [
        f"demo store: /{DEMO_SLUG}" + (" (created)" if created else " (already there)"),
        f"admin login:   {ADMIN[0]} / {ADMIN[1]}  (/admin)",
        f"manager login: {MANAGER[0]} / {MANAGER[1]}  (/login)",
    ]
    try:
        from hub_app.domain.bookings.demo import seed_demo_bookings
    except ImportError:  # the booking engine adds its demo bookings through this hook
        return lines
    lines.extend(seed_demo_bookings(DEMO_SLUG))
    return lines


def _seed_catalog(admin, store_id: int) -> None:
    ctx = TenantContext.for_user(admin).in_store(store_id)
    with unit_of_work(ctx) as db:
        maria = create_calendar(db, ctx, "Maria's chair", color="#7c3aed")
        nikos = create_calendar(db, ctx, "Nikos's chair", color="#0891b2")
        studio = create_calendar(db, ctx, "Yoga studio", color="#16a34a")
        for cal in (maria, nikos, studio):
            set_weekly_hours(db, ctx, cal.id, WEEKDAY_HOURS)
        create_service(db, ctx, ServiceInput(
            name="Haircut", description="Wash, cut and style.", duration_minutes=30, price_type="fixed",
            base_price_amount="25.00", calendar_ids=[maria.id, nikos.id]))
        create_service(db, ctx, ServiceInput(
            name="Colour", description="Full colour with toner.", duration_minutes=90, price_type="per_hour",
            base_price_amount="40.00", buffer_after_minutes=15, slot_step_minutes=30, calendar_ids=[maria.id]))
        create_service(db, ctx, ServiceInput(
            name="Small group yoga", description="Up to 8 people, mats provided.", duration_minutes=60,
            price_type="per_person", base_price_amount="12.00", min_persons=1, max_persons=4,
            capacity_persons=8, slot_step_minutes=60, calendar_ids=[studio.id]))
