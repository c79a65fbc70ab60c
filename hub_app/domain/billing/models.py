"""Money: subscription plans, store subscriptions, client recurring services, payments."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Field

from hub_app.domain.base import TenantScoped, Timestamped, store_fk
from hub_app.domain.scheduling.models import RecurringInterval
from hub_app.domain.types import UTCDateTime, enum_type, money_type


class PlanInterval(str, enum.Enum):
    MONTH = "month"
    YEAR = "year"


class SubscriptionStatus(str, enum.Enum):
    ACTIVE = "active"
    CANCELLED = "cancelled"
    PAST_DUE = "past_due"
    TRIALING = "trialing"
    ENDED = "ended"
    INCOMPLETE = "incomplete"


class SmsOverage(str, enum.Enum):
    """What happens to automated SMS once a plan's included SMS for the period are used up."""
    STOP = "stop"   # no more SMS until the next period (email still goes)
    BILL = "bill"   # keep sending; each extra SMS is counted and billed at the plan's overage price


class PaymentRecordStatus(str, enum.Enum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    REFUNDED = "refunded"


class PaymentKind(str, enum.Enum):
    CHARGE = "charge"
    REFUND = "refund"


class SubscriptionPlan(Timestamped, table=True):
    """A global plan offered to stores. Limits are columns, not free JSON: NULL means unlimited."""

    __tablename__ = "subscription_plan"
    __table_args__ = (
        sa.CheckConstraint("price_amount >= 0", name="ck_plan_price"),
        sa.CheckConstraint("length(currency) = 3", name="ck_plan_currency"),
        sa.CheckConstraint("sms_overage_price IS NULL OR sms_overage_price >= 0", name="ck_plan_sms_overage_price"),
        # At most one plan is THE free plan (what a store without a paid plan gets).
        sa.Index("uq_plan_free", "is_free", unique=True, postgresql_where=sa.text("is_free"),
                 sqlite_where=sa.text("is_free")),
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, nullable=False)
    description: str | None = Field(default=None, sa_type=sa.Text)
    price_amount: Decimal = Field(sa_type=money_type(), nullable=False)
    currency: str = Field(default="EUR", max_length=3, nullable=False)
    interval: PlanInterval = Field(sa_type=enum_type(PlanInterval, "plan_interval"), nullable=False)
    max_services: int | None = None
    max_calendars: int | None = None
    max_bookings_per_month: int | None = None
    sms_included: int | None = None
    stripe_product_id: str | None = Field(default=None, max_length=64)
    stripe_price_id: str | None = Field(default=None, max_length=64, sa_column_kwargs={"unique": True})
    is_active: bool = Field(default=True, nullable=False)
    sort_order: int = Field(default=0, nullable=False)
    # The limits of a store without a live paid plan (none, lapsed, cancelled, or past due after grace).
    is_free: bool = Field(default=False, nullable=False, sa_column_kwargs={"server_default": sa.false()})
    sms_overage: SmsOverage = Field(
        default=SmsOverage.STOP, sa_type=enum_type(SmsOverage, "plan_sms_overage"), nullable=False,
        sa_column_kwargs={"server_default": SmsOverage.STOP.value})
    sms_overage_price: Decimal | None = Field(default=None, sa_type=money_type())


class Subscription(TenantScoped, Timestamped, table=True):
    """A store's subscription to a plan."""

    __tablename__ = "subscription"

    id: int | None = Field(default=None, primary_key=True)
    store_id: int = store_fk()
    plan_id: int = Field(foreign_key="subscription_plan.id", ondelete="RESTRICT", nullable=False)
    start_date: datetime = Field(sa_type=UTCDateTime, nullable=False)
    end_date: datetime | None = Field(default=None, sa_type=UTCDateTime)
    status: SubscriptionStatus = Field(
        sa_type=enum_type(SubscriptionStatus, "subscription_status"), nullable=False
    )
    stripe_subscription_id: str | None = Field(default=None, max_length=64, sa_column_kwargs={"unique": True})
    stripe_customer_id: str | None = Field(default=None, max_length=64)
    current_period_end: datetime | None = Field(default=None, sa_type=UTCDateTime)
    cancel_at_period_end: bool = Field(default=False, nullable=False)
    # When the status last became past_due (the grace period counts from here); NULL otherwise.
    past_due_since: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Stripe `created` of the newest event applied, so an older event never overwrites a newer one.
    last_event_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ServiceSubscription(TenantScoped, Timestamped, table=True):
    """A client's subscription to a recurring service of a store."""

    __tablename__ = "service_subscription"

    id: int | None = Field(default=None, primary_key=True)
    store_id: int = store_fk()
    client_user_id: int = Field(foreign_key="app_user.id", ondelete="RESTRICT", nullable=False, index=True)
    service_id: int = Field(foreign_key="service.id", ondelete="RESTRICT", nullable=False)
    booking_id: int | None = Field(default=None, foreign_key="booking.id", ondelete="SET NULL")
    interval: RecurringInterval = Field(
        sa_type=enum_type(RecurringInterval, "service_subscription_interval"), nullable=False
    )
    status: SubscriptionStatus = Field(
        sa_type=enum_type(SubscriptionStatus, "service_subscription_status"), nullable=False
    )
    stripe_subscription_id: str | None = Field(default=None, max_length=64, sa_column_kwargs={"unique": True})
    current_period_end: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Cancelled by the client or the store: it stays live until current_period_end, then Stripe ends it.
    cancel_at_period_end: bool = Field(default=False, nullable=False)
    last_event_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    # A client reads their own subscriptions in every store (/account); changes stay in the
    # subscription's own store, as for every other tenant row.
    @classmethod
    def tenant_read_criteria(cls, store_id: int, user_id: int):
        return sa.or_(cls.store_id == store_id, cls.client_user_id == user_id)


class Payment(TenantScoped, Timestamped, table=True):
    """A charge or refund for a booking, a store subscription or a client's recurring service
    (exactly one of the three)."""

    __tablename__ = "payment"
    __table_args__ = (
        sa.CheckConstraint(
            "(CASE WHEN booking_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN subscription_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN service_subscription_id IS NULL THEN 0 ELSE 1 END) = 1",
            name="ck_payment_one_target",
        ),
        sa.CheckConstraint("amount >= 0", name="ck_payment_amount"),
    )

    id: int | None = Field(default=None, primary_key=True)
    store_id: int = store_fk()
    user_id: int = Field(foreign_key="app_user.id", ondelete="RESTRICT", nullable=False, index=True)
    booking_id: int | None = Field(default=None, foreign_key="booking.id", ondelete="RESTRICT", index=True)
    subscription_id: int | None = Field(default=None, foreign_key="subscription.id", ondelete="RESTRICT", index=True)
    service_subscription_id: int | None = Field(
        default=None, foreign_key="service_subscription.id", ondelete="RESTRICT", index=True)
    kind: PaymentKind = Field(default=PaymentKind.CHARGE, sa_type=enum_type(PaymentKind, "payment_kind"), nullable=False)
    refund_of_payment_id: int | None = Field(default=None, foreign_key="payment.id", ondelete="RESTRICT")
    stripe_charge_id: str | None = Field(default=None, max_length=64, sa_column_kwargs={"unique": True})
    stripe_payment_intent_id: str | None = Field(default=None, max_length=64, sa_column_kwargs={"unique": True})
    stripe_checkout_session_id: str | None = Field(default=None, max_length=80, sa_column_kwargs={"unique": True})
    stripe_invoice_id: str | None = Field(default=None, max_length=64, sa_column_kwargs={"unique": True})
    stripe_refund_id: str | None = Field(default=None, max_length=64, sa_column_kwargs={"unique": True})
    # The idempotency key the app sent when it opened this payment's Checkout session: set before
    # the call, so a checkout interrupted before its session id was saved is reopened under it.
    checkout_request_key: str | None = Field(default=None, max_length=120, sa_column_kwargs={"unique": True})
    amount: Decimal = Field(sa_type=money_type(), nullable=False)
    currency: str = Field(max_length=3, nullable=False)
    status: PaymentRecordStatus = Field(sa_type=enum_type(PaymentRecordStatus, "payment_record_status"), nullable=False)
    payment_method: str | None = Field(default=None, max_length=40)
    payment_date: datetime = Field(sa_type=UTCDateTime, nullable=False)
    failure_reason: str | None = Field(default=None, max_length=300)


class SmsUsage(TenantScoped, Timestamped, table=True):
    """SMS handed to the provider by a store in one billing period, and what went beyond the plan.

    One row per store and period start; the row is locked while an SMS is admitted, so parallel
    senders count exactly. `included` and the overage price are copied from the plan in force when
    the row was last written, so a later plan edit does not rewrite a past period's bill.
    """

    __tablename__ = "sms_usage"
    __table_args__ = (sa.UniqueConstraint("store_id", "period_start", name="uq_sms_usage_period"),)

    id: int | None = Field(default=None, primary_key=True)
    store_id: int = store_fk(index=False)
    period_start: datetime = Field(sa_type=UTCDateTime, nullable=False)
    period_end: datetime = Field(sa_type=UTCDateTime, nullable=False)
    sent: int = Field(default=0, nullable=False)
    included: int | None = None
    overage: int = Field(default=0, nullable=False)
    overage_unit_price: Decimal | None = Field(default=None, sa_type=money_type())
    currency: str = Field(default="EUR", max_length=3, nullable=False)
    # The pending Stripe invoice item that bills the overage once the period is over.
    stripe_invoice_item_id: str | None = Field(default=None, max_length=64)
