"""Plans for the plan-limit tests: a free plan flagged in the test's own transaction, a paid plan,
and a store subscription in a given state."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import update
from sqlalchemy.orm import Session

from hub_app.domain.billing.models import (
    PlanInterval, SmsOverage, Subscription, SubscriptionPlan, SubscriptionStatus,
)
from hub_app.domain.billing.subscriptions import refresh_store_plan
from hub_app.domain.stores.models import Store
from hub_app.domain.types import utcnow


def flag_free_plan(db: Session, *, calendars: int | None = 1, services: int | None = 3,
                   bookings: int | None = 50, sms: int | None = 0) -> SubscriptionPlan:
    """THE free plan (the seeded one is unflagged for the other tests: see tests/conftest.py)."""
    db.execute(update(SubscriptionPlan).where(SubscriptionPlan.is_free.is_(True)).values(is_free=False))
    plan = SubscriptionPlan(name="Free", price_amount=Decimal("0.00"), interval=PlanInterval.MONTH, is_free=True,
                            max_calendars=calendars, max_services=services, max_bookings_per_month=bookings,
                            sms_included=sms)
    db.add(plan)
    db.flush()
    return plan


def paid_plan(db: Session, *, sms: int | None = None, overage: SmsOverage = SmsOverage.STOP,
              overage_price: str | None = None, **limits) -> SubscriptionPlan:
    plan = SubscriptionPlan(name="Pro", price_amount=Decimal("29.00"), interval=PlanInterval.MONTH,
                            sms_included=sms, sms_overage=overage,
                            sms_overage_price=Decimal(overage_price) if overage_price else None, **limits)
    db.add(plan)
    db.flush()
    return plan


def subscribe(db: Session, store: Store, plan: SubscriptionPlan, status: SubscriptionStatus, *,
              event_at: datetime | None = None, period_end: datetime | None = None) -> Subscription:
    """A subscription whose status was applied from a Stripe event created at `event_at`."""
    event_at = event_at or utcnow()
    row = Subscription(store_id=store.id, plan_id=plan.id, start_date=event_at - timedelta(days=40),
                       status=status, last_event_at=event_at,
                       current_period_end=period_end or event_at + timedelta(days=20),
                       end_date=event_at if status in (SubscriptionStatus.CANCELLED, SubscriptionStatus.ENDED) else None)
    db.add(row)
    db.flush()
    refresh_store_plan(db, store.id)
    db.flush()
    return row
