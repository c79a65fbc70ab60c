"""Bookings: a client's appointment on one calendar for one service."""

from __future__ import annotations

import enum
from datetime import date, datetime, time
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Field

from hub_app.domain.base import TenantScoped, Timestamped, store_fk
from hub_app.domain.types import UTCDateTime, enum_type, money_type


class BookingStatus(str, enum.Enum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    COMPLETED = "completed"
    RESCHEDULED = "rescheduled"
    NO_SHOW = "no_show"


class PaymentStatus(str, enum.Enum):
    UNPAID = "unpaid"
    PARTIAL = "partial"
    PAID = "paid"
    REFUNDED = "refunded"


class BookingSource(str, enum.Enum):
    WEB = "web"
    API = "api"
    MANAGER = "manager"
    CALENDLY = "calendly"


# The bookings a plan's "max bookings a month" counts: a reschedule is not a new booking.
MONTH_COUNTED = "rescheduled_from_id IS NULL AND status <> 'rescheduled'"


class Booking(TenantScoped, Timestamped, table=True):
    """One appointment.

    `start_at`/`end_at` are the true instants (UTC). The spec's `booking_date`, `start_time` and
    `end_time` are kept as the same moments in the store's local wall-clock time, written only by
    the booking service from the instants, so they never disagree.
    """

    __tablename__ = "booking"
    __table_args__ = (
        sa.CheckConstraint("start_at < end_at", name="ck_booking_order"),
        sa.CheckConstraint("number_of_persons >= 1", name="ck_booking_persons"),
        sa.CheckConstraint("total_amount >= 0", name="ck_booking_total"),
        sa.CheckConstraint(
            "advance_payment_amount IS NULL OR (advance_payment_amount >= 0 AND advance_payment_amount <= total_amount)",
            name="ck_booking_advance",
        ),
        sa.UniqueConstraint("store_id", "idempotency_key", name="uq_booking_idempotency"),
        sa.Index("ix_booking_calendar_start", "calendar_id", "start_at"),
        # The no-overlap check (migration 0010) looks for bookings ending after a new one starts:
        # the calendar's later bookings only, never its whole history.
        sa.Index("ix_booking_calendar_end", "calendar_id", "end_at"),
        # Keyset pages of one store's bookings (migration 0018): by start, and by creation.
        sa.Index("ix_booking_store_start_id", "store_id", "start_at", "id"),
        sa.Index("ix_booking_store_created", "store_id", "created_at", "id"),
        sa.Index("ix_booking_client_start", "client_user_id", "start_at"),
        # The plan's monthly count (bookings/plan_limit.py) on every booking: exactly the rows it
        # counts, and the row policy's column, so it reads this month's entries of the index only.
        sa.Index("ix_booking_store_month_count", "store_id", "created_at", postgresql_include=["client_user_id"],
                 postgresql_where=sa.text(MONTH_COUNTED), sqlite_where=sa.text(MONTH_COUNTED)),
    )

    id: int | None = Field(default=None, primary_key=True)
    store_id: int = store_fk(index=False)
    client_user_id: int = Field(foreign_key="app_user.id", ondelete="RESTRICT", nullable=False)
    service_id: int = Field(foreign_key="service.id", ondelete="RESTRICT", nullable=False, index=True)
    calendar_id: int = Field(foreign_key="calendar.id", ondelete="RESTRICT", nullable=False)
    start_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    end_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    booking_date: date = Field(nullable=False)
    start_time: time = Field(nullable=False)
    end_time: time = Field(nullable=False)
    number_of_persons: int = Field(default=1, nullable=False)
    status: BookingStatus = Field(sa_type=enum_type(BookingStatus, "booking_status"), nullable=False, index=True)
    total_amount: Decimal = Field(sa_type=money_type(), nullable=False)
    advance_payment_amount: Decimal | None = Field(default=None, sa_type=money_type())
    amount_paid: Decimal = Field(default=Decimal("0.00"), sa_type=money_type(), nullable=False)
    currency: str = Field(default="EUR", max_length=3, nullable=False)
    payment_status: PaymentStatus = Field(
        default=PaymentStatus.UNPAID, sa_type=enum_type(PaymentStatus, "payment_status"), nullable=False
    )
    # A pending booking that waits for payment holds its time until this instant.
    hold_expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    source: BookingSource = Field(
        default=BookingSource.WEB, sa_type=enum_type(BookingSource, "booking_source"), nullable=False
    )
    idempotency_key: str | None = Field(default=None, max_length=100)
    calendly_event_uri: str | None = Field(default=None, max_length=300, index=True)
    calendly_invitee_uri: str | None = Field(default=None, max_length=300, sa_column_kwargs={"unique": True})
    rescheduled_from_id: int | None = Field(default=None, foreign_key="booking.id", ondelete="SET NULL")
    cancelled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    cancel_reason: str | None = Field(default=None, max_length=500)
    cancelled_by_user_id: int | None = Field(default=None, foreign_key="app_user.id", ondelete="SET NULL")
    notes: str | None = Field(default=None, sa_type=sa.Text)
    # The client named this person (calendar) rather than "anyone" (migration 0023).
    staff_requested: bool = Field(default=False, nullable=False, sa_column_kwargs={"server_default": sa.false()})

    # A client sees and changes their own bookings in every store, besides the store in context.
    @classmethod
    def tenant_read_criteria(cls, store_id: int, user_id: int):
        return sa.or_(cls.store_id == store_id, cls.client_user_id == user_id)

    def tenant_write_allowed(self, store_id: int | None, user_id: int | None) -> bool:
        return (store_id is not None and self.store_id == store_id) or (
            user_id is not None and self.client_user_id == user_id
        )
