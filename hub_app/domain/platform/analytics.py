"""Cross-store figures for the platform's operator (admin only, read-only).

Every figure is bounded by a time window, so a page view reads the rows of that window through
the indexes on `created_at`, `start_at` and `payment_date`, never the whole history:
- stores by their current plan (active stores; "no plan" included);
- monthly recurring revenue (MRR) per currency: active and past-due plan subscriptions, a yearly
  price counted as a twelfth per month (trials pay nothing yet);
- bookings made and revenue per week (UTC weeks starting on Monday), the last WEEKS weeks;
- no-show rate of the bookings that ended in the last RATE_DAYS days and were marked completed or
  no-show, and the cancellation rate of the bookings made in those days;
- the top stores by bookings made in the last TOP_DAYS days, with their revenue in those days.
Revenue everywhere is what the landing page calls revenue: charges that went through (still
succeeded, or refunded later) minus refunds paid out, per currency (sums across currencies mean
nothing).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from hub_app.domain.billing.models import (
    Payment, PaymentKind, PaymentRecordStatus, PlanInterval, Subscription, SubscriptionPlan, SubscriptionStatus,
)
from hub_app.domain.billing.limits import grace_period
from hub_app.domain.bookings.models import Booking, BookingStatus
from hub_app.domain.permissions import Feature, require
from hub_app.domain.stores.models import Store
from hub_app.domain.tenancy import TenantContext
from hub_app.domain.types import utcnow

WEEKS = 12
RATE_DAYS = 90
TOP_DAYS = 30
TOP_STORES = 10
CENT = Decimal("0.01")
PAYING = (SubscriptionStatus.ACTIVE, SubscriptionStatus.PAST_DUE)
WENT_THROUGH = (PaymentRecordStatus.SUCCEEDED, PaymentRecordStatus.REFUNDED)

Money = dict[str, Decimal]  # currency -> amount


@dataclass(frozen=True)
class PlanShare:
    plan: str | None  # None: stores without a plan
    stores: int


@dataclass(frozen=True)
class Week:
    starts: date
    bookings: int
    revenue: Money


@dataclass(frozen=True)
class Rate:
    count: int
    out_of: int

    @property
    def percent(self) -> Decimal | None:
        return (Decimal(100 * self.count) / self.out_of).quantize(Decimal("0.1")) if self.out_of else None


@dataclass(frozen=True)
class TopStore:
    store_id: int
    name: str
    slug: str
    bookings: int
    revenue: Money


@dataclass(frozen=True)
class PlatformAnalytics:
    generated_at: datetime
    stores_by_plan: list[PlanShare]
    mrr: Money
    weeks: list[Week]
    no_shows: Rate
    cancellations: Rate
    top_stores: list[TopStore]
    past_due_in_grace: int = 0   # subscriptions past due, still with their plan's limits
    restricted: int = 0          # past due beyond the grace period: the free plan's limits


def platform_analytics(db: Session, ctx: TenantContext, now: datetime | None = None) -> PlatformAnalytics:
    require(ctx, Feature.FULL_DATA_ACCESS)
    now = (now or utcnow()).astimezone(timezone.utc)
    return PlatformAnalytics(
        generated_at=now, stores_by_plan=_stores_by_plan(db), mrr=_mrr(db), weeks=_weeks(db, now),
        no_shows=_no_shows(db, now), cancellations=_cancellations(db, now), top_stores=_top_stores(db, now),
        **_past_due(db, now),
    )


def _past_due(db: Session, now: datetime) -> dict[str, int]:
    cutoff = now - grace_period()
    in_grace = Subscription.past_due_since > cutoff
    grace, restricted = db.execute(
        select(func.count(case((in_grace, 1))), func.count(case((~in_grace, 1))))
        .where(Subscription.status == SubscriptionStatus.PAST_DUE, Subscription.past_due_since.is_not(None))
    ).one()
    return {"past_due_in_grace": grace or 0, "restricted": restricted or 0}


def _stores_by_plan(db: Session) -> list[PlanShare]:
    rows = db.execute(
        select(SubscriptionPlan.name, func.count(Store.id))
        .select_from(Store).outerjoin(SubscriptionPlan, SubscriptionPlan.id == Store.current_subscription_plan_id)
        .where(Store.is_active.is_(True)).group_by(SubscriptionPlan.name)
    ).all()
    shares = [PlanShare(name, count) for name, count in rows]
    return sorted(shares, key=lambda s: (-s.stores, s.plan is None, s.plan or ""))


def _mrr(db: Session) -> Money:
    rows = db.execute(
        select(SubscriptionPlan.currency, SubscriptionPlan.interval, func.sum(SubscriptionPlan.price_amount))
        .select_from(Subscription).join(SubscriptionPlan, SubscriptionPlan.id == Subscription.plan_id)
        .where(Subscription.status.in_(PAYING))
        .group_by(SubscriptionPlan.currency, SubscriptionPlan.interval)
    ).all()
    mrr: Money = {}
    for currency, interval, total in rows:
        monthly = Decimal(total or 0) / (12 if interval == PlanInterval.YEAR else 1)
        mrr[currency] = mrr.get(currency, Decimal("0")) + monthly
    return {c: v.quantize(CENT) for c, v in sorted(mrr.items())}


def _week_starts(now: datetime) -> list[datetime]:
    this_monday = (now - timedelta(days=now.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    return [this_monday - timedelta(weeks=n) for n in range(WEEKS - 1, -1, -1)]


def _buckets(column, starts: list[datetime], value=1):
    """One SUM per week: a single pass over the window's rows instead of a query per week."""
    return [func.coalesce(func.sum(case((and_(column >= s, column < s + timedelta(weeks=1)), value), else_=0)), 0)
            for s in starts]


def _revenue_sign():
    return case((Payment.kind == PaymentKind.REFUND, -Payment.amount), else_=Payment.amount)


def _went_through():
    return and_(Payment.status.in_(WENT_THROUGH), Payment.kind.in_([PaymentKind.CHARGE, PaymentKind.REFUND]))


def _weeks(db: Session, now: datetime) -> list[Week]:
    starts = _week_starts(now)
    window = (starts[0], starts[-1] + timedelta(weeks=1))
    counts = db.execute(select(*_buckets(Booking.created_at, starts))
                        .where(Booking.created_at >= window[0], Booking.created_at < window[1])).one()
    revenue: list[Money] = [{} for _ in starts]
    for currency, *amounts in db.execute(
        select(Payment.currency, *_buckets(Payment.payment_date, starts, _revenue_sign()))
        .where(_went_through(), Payment.payment_date >= window[0], Payment.payment_date < window[1])
        .group_by(Payment.currency)
    ).all():
        for week, amount in zip(revenue, amounts):
            week[currency] = Decimal(amount or 0).quantize(CENT)
    return [Week(s.date(), int(n or 0), dict(sorted(r.items()))) for s, n, r in zip(starts, counts, revenue)]


def _no_shows(db: Session, now: datetime) -> Rate:
    since = now - timedelta(days=RATE_DAYS)
    no_show, marked = db.execute(
        select(func.coalesce(func.sum(case((Booking.status == BookingStatus.NO_SHOW, 1), else_=0)), 0), func.count())
        .where(Booking.start_at >= since, Booking.start_at < now,
               Booking.status.in_([BookingStatus.COMPLETED, BookingStatus.NO_SHOW]))
    ).one()
    return Rate(int(no_show), int(marked))


def _cancellations(db: Session, now: datetime) -> Rate:
    since = now - timedelta(days=RATE_DAYS)
    cancelled, made = db.execute(
        select(func.coalesce(func.sum(case((Booking.status == BookingStatus.CANCELLED, 1), else_=0)), 0), func.count())
        .where(Booking.created_at >= since, Booking.created_at < now)
    ).one()
    return Rate(int(cancelled), int(made))


def _top_stores(db: Session, now: datetime) -> list[TopStore]:
    since = now - timedelta(days=TOP_DAYS)
    made = func.count(Booking.id).label("made")
    leaders = db.execute(
        select(Store.id, Store.name, Store.slug, made).join(Booking, Booking.store_id == Store.id)
        .where(Booking.created_at >= since, Booking.created_at < now)
        .group_by(Store.id, Store.name, Store.slug).order_by(made.desc(), Store.id).limit(TOP_STORES)
    ).all()
    revenue: dict[int, Money] = {}
    if leaders:
        for store_id, currency, amount in db.execute(
            select(Payment.store_id, Payment.currency, func.sum(_revenue_sign()))
            .where(_went_through(), Payment.payment_date >= since, Payment.payment_date < now,
                   Payment.store_id.in_([row[0] for row in leaders]))
            .group_by(Payment.store_id, Payment.currency)
        ).all():
            revenue.setdefault(store_id, {})[currency] = Decimal(amount or 0).quantize(CENT)
    return [TopStore(sid, name, slug, int(count), dict(sorted(revenue.get(sid, {}).items())))
            for sid, name, slug, count in leaders]
