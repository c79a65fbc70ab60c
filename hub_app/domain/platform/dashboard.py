"""The numbers on the admin landing page."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub_app.domain.accounts.models import AppUser, UserRole
from hub_app.domain.billing.models import Payment, PaymentKind, PaymentRecordStatus
from hub_app.domain.bookings.models import Booking
from hub_app.domain.integrations.models import InboxStatus, WebhookEvent
from hub_app.domain.notifications.models import Notification, NotificationStatus
from hub_app.domain.permissions import Feature, require
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
    in_month = (Payment.payment_date >= start) & (Payment.payment_date < end)
    charged = db.execute(
        select(Payment.currency, func.sum(Payment.amount)).where(
            in_month, Payment.kind == PaymentKind.CHARGE,
            Payment.status.in_([PaymentRecordStatus.SUCCEEDED, PaymentRecordStatus.REFUNDED]),
        ).group_by(Payment.currency)
    ).all()
    refunded = db.execute(
        select(Payment.currency, func.sum(Payment.amount)).where(
            in_month, Payment.kind == PaymentKind.REFUND,
            Payment.status.in_([PaymentRecordStatus.SUCCEEDED, PaymentRecordStatus.REFUNDED]),
        ).group_by(Payment.currency)
    ).all()
    revenue: dict[str, Decimal] = {}
    for currency, amount in charged:
        revenue[currency] = revenue.get(currency, Decimal("0.00")) + Decimal(amount or 0)
    for currency, amount in refunded:
        revenue[currency] = revenue.get(currency, Decimal("0.00")) - Decimal(amount or 0)
    return DashboardCounts(
        month_start=start,
        stores=count(select(func.count()).select_from(Store)),
        active_stores=count(select(func.count()).select_from(Store).where(Store.is_active.is_(True))),
        managers=users_with(UserRole.STORE_MANAGER),
        clients=users_with(UserRole.CLIENT),
        bookings_this_month=count(select(func.count()).select_from(Booking)
                                  .where(Booking.created_at >= start, Booking.created_at < end)),
        revenue_this_month={c: v.quantize(Decimal("0.01")) for c, v in sorted(revenue.items())},
        failed_notifications=count(select(func.count()).select_from(Notification)
                                   .where(Notification.status == NotificationStatus.FAILED)),
        unprocessed_webhooks=count(select(func.count()).select_from(WebhookEvent)
                                   .where(WebhookEvent.status.in_([InboxStatus.RECEIVED, InboxStatus.STARTED,
                                                                    InboxStatus.FAILED]))),
    )
