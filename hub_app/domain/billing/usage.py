"""The subscription section: the store's plan, its limits, what the store uses of them, the
other plans, and starting an upgrade (the checkout itself belongs to billing.subscriptions)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub_app.domain.billing.models import SubscriptionPlan
from hub_app.domain.billing.subscriptions import start_plan_checkout
from hub_app.domain.bookings.models import Booking, BookingStatus
from hub_app.domain.stores.access import dashboard_store
from hub_app.domain.errors import Conflict, NotFound
from hub_app.domain.permissions import Feature, require
from hub_app.domain.scheduling.models import Calendar, Service
from hub_app.domain.tenancy import TenantContext
from hub_app.domain.types import utcnow
from hub_app.i18n import t


@dataclass(frozen=True)
class PlanView:
    id: int
    name: str
    description: str
    price_amount: Decimal
    currency: str
    interval: str
    max_services: int | None
    max_calendars: int | None
    max_bookings_per_month: int | None
    sms_included: int | None
    is_current: bool

    @classmethod
    def of(cls, plan: SubscriptionPlan, current_id: int | None) -> "PlanView":
        return _view(plan, current_id)


@dataclass(frozen=True)
class PlanUsage:
    plan: PlanView | None
    services: int
    calendars: int
    bookings_this_month: int
    month_start: datetime  # the store's local month, as a UTC instant
    timezone: str = "UTC"  # the store's


def _view(plan: SubscriptionPlan, current_id: int | None) -> PlanView:
    return PlanView(
        id=plan.id, name=plan.name, description=plan.description or "", price_amount=plan.price_amount,
        currency=plan.currency, interval=plan.interval.value, max_services=plan.max_services,
        max_calendars=plan.max_calendars, max_bookings_per_month=plan.max_bookings_per_month,
        sms_included=plan.sms_included, is_current=plan.id == current_id,
    )


def month_start(tz: str, now: datetime) -> datetime:
    local = now.astimezone(ZoneInfo(tz))
    return datetime.combine(local.date().replace(day=1), time(0), tzinfo=ZoneInfo(tz))


def plan_usage(db: Session, ctx: TenantContext, now: datetime | None = None) -> PlanUsage:
    """What the store uses, counted the way the limits are enforced: services that are not
    archived, active calendars, and bookings made since the start of the store's local month
    (a rescheduled booking's replacement is not counted a second time)."""
    require(ctx, Feature.MANAGE_SUBSCRIPTION)
    store = dashboard_store(db, ctx)
    plan = db.get(SubscriptionPlan, store.current_subscription_plan_id) if store.current_subscription_plan_id else None
    start = month_start(store.timezone, now or utcnow())
    count = lambda query: db.scalar(query) or 0  # noqa: E731
    return PlanUsage(
        plan=_view(plan, plan.id) if plan else None,
        services=count(select(func.count()).select_from(Service).where(Service.is_archived.is_(False))),
        calendars=count(select(func.count()).select_from(Calendar).where(Calendar.is_active.is_(True))),
        bookings_this_month=count(select(func.count(Booking.id)).where(
            Booking.created_at >= start, Booking.rescheduled_from_id.is_(None),
            Booking.status != BookingStatus.RESCHEDULED)),
        month_start=start, timezone=store.timezone,
    )


def offered_plans(db: Session, ctx: TenantContext) -> list[PlanView]:
    require(ctx, Feature.MANAGE_SUBSCRIPTION)
    store = dashboard_store(db, ctx)
    # The free plan is not offered: it is what a store has without one of these.
    plans = db.scalars(select(SubscriptionPlan).where(SubscriptionPlan.is_active.is_(True),
                                                      SubscriptionPlan.is_free.is_(False))
                       .order_by(SubscriptionPlan.sort_order, SubscriptionPlan.price_amount, SubscriptionPlan.id))
    return [_view(p, store.current_subscription_plan_id) for p in plans]


def start_upgrade(db: Session, ctx: TenantContext, plan_id: int, *, success_url: str | None = None,
                  cancel_url: str | None = None) -> str:
    """Open the payment for switching to `plan_id`; returns the checkout address.

    Raises Conflict with a readable reason when payments are not set up on the platform.
    """
    require(ctx, Feature.MANAGE_SUBSCRIPTION)
    store = dashboard_store(db, ctx)
    plan = db.get(SubscriptionPlan, plan_id) if isinstance(plan_id, int) else None
    if plan is None or not plan.is_active:
        raise NotFound(t("payments.plan_not_found", ctx.locale))
    if plan.id == store.current_subscription_plan_id:
        raise Conflict(t("dashboard.plan_already_current", ctx.locale))
    if plan.is_free:
        raise Conflict(t("payments.free_plan_not_sold", ctx.locale))
    return start_plan_checkout(db, ctx, plan.id, success_url=success_url, cancel_url=cancel_url)
