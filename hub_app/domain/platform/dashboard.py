"""The numbers on the admin landing page."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub_app.domain.accounts.models import AppUser, UserRole
from hub_app.domain.integrations.models import InboxStatus, WebhookEvent
from hub_app.domain.notifications.models import Notification, NotificationStatus
from hub_app.domain.permissions import Feature, require
from hub_app.domain.reporting.models import BookingMadeDayStats, PaymentDayStats
from hub_app.domain.stores.models import Store
from hub_app.domain.tenancy import TenantContext
from hub_app.domain.types import utcnow


@dataclass
class DashboardCounts:
    month_start: datetime
    stores: int
    active_stores: int
    managers: int
    clients: int
    bookings_this_month: int
    # Per currency: stores may charge in different currencies, and sums across them mean nothing.
    revenue_this_month: dict[str, Decimal] = field(default_factory=dict)
    failed_notifications: int = 0
    unprocessed_webhooks: int = 0


def month_bounds(now: datetime) -> tuple[datetime, datetime]:
    """The calendar month (UTC) that contains `now`: [start, next start)."""
    now = now.astimezone(timezone.utc)
    start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = start.replace(year=start.year + 1, month=1) if start.month == 12 else start.replace(month=start.month + 1)
    return start, end


def dashboard_counts(db: Session, ctx: TenantContext, now: datetime | None = None) -> DashboardCounts:
    """Platform-wide counts.

    "Bookings this month" are bookings made (created) in the current UTC month. Revenue is the sum
    of charges that went through this month (still succeeded, or refunded later) minus the refunds
    paid out this month, per currency.
    """
    require(ctx, Feature.FULL_DATA_ACCESS)
    start, end = month_bounds(now or utcnow())
    count = lambda query: db.scalar(query) or 0  # noqa: E731
    users_with = lambda role: count(select(func.count()).select_from(AppUser).where(AppUser.role == role))  # noqa: E731
    # Both month figures come from the per-day rollups (migration 0018); the month is whole UTC days.
    first, stop = start.date(), end.date()
    revenue = {currency: (Decimal(int(cents or 0)) / 100) for currency, cents in db.execute(
        select(PaymentDayStats.currency, func.sum(PaymentDayStats.amount_cents))
        .where(PaymentDayStats.day >= first, PaymentDayStats.day < stop).group_by(PaymentDayStats.currency)
    ).all()}
    return DashboardCounts(
        month_start=start,
        stores=count(select(func.count()).select_from(Store)),
        active_stores=count(select(func.count()).select_from(Store).where(Store.is_active.is_(True))),
        managers=users_with(UserRole.STORE_MANAGER),
        clients=users_with(UserRole.CLIENT),
        bookings_this_month=int(count(select(func.sum(BookingMadeDayStats.bookings))
                                      .where(BookingMadeDayStats.day >= first, BookingMadeDayStats.day < stop))),
        revenue_this_month={c: v.quantize(Decimal("0.01")) for c, v in sorted(revenue.items())},
        failed_notifications=count(select(func.count()).select_from(Notification)
                                   .where(Notification.status == NotificationStatus.FAILED)),
        unprocessed_webhooks=count(select(func.count()).select_from(WebhookEvent)
                                   .where(WebhookEvent.status.in_([InboxStatus.RECEIVED, InboxStatus.STARTED,
                                                                    InboxStatus.FAILED]))),
    )
