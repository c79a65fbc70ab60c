"""Cross-store figures for the platform's operator (admin only, read-only).

Every figure is bounded by a time window and read from the per-day rollups (migration 0018,
`hub_app.domain.reporting`): a page view reads a few thousand small rows, never the bookings:
- stores by their current plan (active stores; "no plan" included);
- monthly recurring revenue (MRR) per currency: active and past-due plan subscriptions, a yearly
  price counted as a twelfth per month (trials pay nothing yet);
- bookings made and revenue per week (UTC weeks starting on Monday), the last WEEKS weeks;
- no-show rate of the bookings of the last RATE_DAYS whole days before today (their store's local
  day) that were marked completed or no-show, and the cancellation rate of the bookings made
  (UTC days) since RATE_DAYS days before today, today included;
- the top stores by bookings made since TOP_DAYS days before today, with their revenue in those
  days.
Revenue everywhere is what the landing page calls revenue: charges that went through (still
succeeded, or refunded later) minus refunds paid out, per currency (sums across currencies mean
nothing).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from hub_app.domain.billing.models import (
    PlanInterval, Subscription, SubscriptionPlan, SubscriptionStatus,
)
from hub_app.domain.billing.limits import grace_period
from hub_app.domain.bookings.models import BookingStatus
from hub_app.domain.permissions import Feature, require
from hub_app.domain.reporting.models import BookingDayStats, BookingMadeDayStats, PaymentDayStats
from hub_app.domain.stores.models import Store
from hub_app.domain.tenancy import TenantContext
from hub_app.domain.types import utcnow

WEEKS = 12
RATE_DAYS = 90
TOP_DAYS = 30
TOP_STORES = 10
CENT = Decimal("0.01")
PAYING = (SubscriptionStatus.ACTIVE, SubscriptionStatus.PAST_DUE)

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


def _week_starts(now: datetime) -> list[date]:
    this_monday = (now - timedelta(days=now.weekday())).date()
    return [this_monday - timedelta(weeks=n) for n in range(WEEKS - 1, -1, -1)]


def _money(cents) -> Decimal:
    return (Decimal(int(cents or 0)) / 100).quantize(CENT)


def _weeks(db: Session, now: datetime) -> list[Week]:
    starts = _week_starts(now)
    first, end = starts[0], starts[-1] + timedelta(weeks=1)
    index = {start: n for n, start in enumerate(starts)}

    def week_of(day) -> int:
        return index[day - timedelta(days=day.weekday())]

    counts = [0] * len(starts)
    for day, made in db.execute(
        select(BookingMadeDayStats.day, func.sum(BookingMadeDayStats.bookings))
        .where(BookingMadeDayStats.day >= first, BookingMadeDayStats.day < end).group_by(BookingMadeDayStats.day)
    ).all():
        counts[week_of(day)] += int(made or 0)
    revenue: list[Money] = [{} for _ in starts]
    for day, currency, cents in db.execute(
        select(PaymentDayStats.day, PaymentDayStats.currency, func.sum(PaymentDayStats.amount_cents))
        .where(PaymentDayStats.day >= first, PaymentDayStats.day < end)
        .group_by(PaymentDayStats.day, PaymentDayStats.currency)
    ).all():
        week = revenue[week_of(day)]
        week[currency] = week.get(currency, Decimal("0.00")) + _money(cents)
    return [Week(s, n, dict(sorted(r.items()))) for s, n, r in zip(starts, counts, revenue)]


def _window(now: datetime, days: int) -> tuple[date, date]:
    """The last `days` whole UTC days before today's (today is still being counted)."""
    today = now.date()
    return today - timedelta(days=days), today


def _no_shows(db: Session, now: datetime) -> Rate:
    first, today = _window(now, RATE_DAYS)
    counts = dict(db.execute(
        select(BookingDayStats.status, func.sum(BookingDayStats.bookings))
        .where(BookingDayStats.day >= first, BookingDayStats.day < today,
               BookingDayStats.status.in_([BookingStatus.COMPLETED.value, BookingStatus.NO_SHOW.value]))
        .group_by(BookingDayStats.status)
    ).all())
    no_show = int(counts.get(BookingStatus.NO_SHOW.value) or 0)
    return Rate(no_show, no_show + int(counts.get(BookingStatus.COMPLETED.value) or 0))


def _cancellations(db: Session, now: datetime) -> Rate:
    first, today = _window(now, RATE_DAYS)
    cancelled, made = db.execute(
        select(func.coalesce(func.sum(case((BookingMadeDayStats.status == BookingStatus.CANCELLED.value,
                                             BookingMadeDayStats.bookings), else_=0)), 0),
               func.coalesce(func.sum(BookingMadeDayStats.bookings), 0))
        .where(BookingMadeDayStats.day >= first, BookingMadeDayStats.day <= today)
    ).one()
    return Rate(int(cancelled), int(made))


def _top_stores(db: Session, now: datetime) -> list[TopStore]:
    first, today = _window(now, TOP_DAYS)
    made = func.sum(BookingMadeDayStats.bookings).label("made")
    leaders = db.execute(
        select(BookingMadeDayStats.store_id, made)
        .where(BookingMadeDayStats.day >= first, BookingMadeDayStats.day <= today)
        .group_by(BookingMadeDayStats.store_id).having(made > 0)
        .order_by(made.desc(), BookingMadeDayStats.store_id).limit(TOP_STORES)
    ).all()
    if not leaders:
        return []
    ids = [store_id for store_id, _ in leaders]
    names = {sid: (name, slug) for sid, name, slug in db.execute(
        select(Store.id, Store.name, Store.slug).where(Store.id.in_(ids)))}
    revenue: dict[int, Money] = {}
    for store_id, currency, cents in db.execute(
        select(PaymentDayStats.store_id, PaymentDayStats.currency, func.sum(PaymentDayStats.amount_cents))
        .where(PaymentDayStats.day >= first, PaymentDayStats.day <= today, PaymentDayStats.store_id.in_(ids))
        .group_by(PaymentDayStats.store_id, PaymentDayStats.currency)
    ).all():
        revenue.setdefault(store_id, {})[currency] = _money(cents)
    return [TopStore(sid, *names.get(sid, ("", "")), int(count), dict(sorted(revenue.get(sid, {}).items())))
            for sid, count in leaders]
