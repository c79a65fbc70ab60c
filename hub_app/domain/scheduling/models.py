"""What a store offers and when: services, calendars, opening hours, overrides, blocks, slots."""

from __future__ import annotations

import enum
from datetime import date, datetime, time
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from hub_app.domain.base import TenantScoped, Timestamped, store_fk
from hub_app.domain.types import UTCDateTime, enum_type, money_type


class PriceType(str, enum.Enum):
    FIXED = "fixed"
    PER_HOUR = "per_hour"
    PER_PERSON = "per_person"


class AdvancePaymentType(str, enum.Enum):
    FIXED = "fixed"
    PERCENT = "percent"


class RecurringInterval(str, enum.Enum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"


class Service(TenantScoped, Timestamped, table=True):
    __tablename__ = "service"
    __table_args__ = (
        sa.CheckConstraint("duration_minutes > 0 AND duration_minutes <= 1440", name="ck_service_duration"),
        sa.CheckConstraint("buffer_before_minutes >= 0 AND buffer_after_minutes >= 0", name="ck_service_buffers"),
        sa.CheckConstraint("slot_step_minutes IS NULL OR slot_step_minutes > 0", name="ck_service_step"),
        sa.CheckConstraint("min_persons >= 1 AND max_persons >= min_persons", name="ck_service_persons"),
        sa.CheckConstraint("capacity_persons >= max_persons", name="ck_service_capacity"),
        sa.CheckConstraint("base_price_amount >= 0", name="ck_service_price"),
        sa.CheckConstraint(
            "(advance_payment_type IS NULL) = (advance_payment_amount IS NULL)",
            name="ck_service_advance_pair",
        ),
        sa.CheckConstraint(
            "advance_payment_amount IS NULL OR advance_payment_amount >= 0", name="ck_service_advance_positive"
        ),
        sa.CheckConstraint(
            "advance_payment_type IS NULL OR advance_payment_type <> 'percent' "
            "OR advance_payment_amount <= 100",
            name="ck_service_advance_percent",
        ),
        sa.CheckConstraint(
            "(is_recurring AND recurring_interval IS NOT NULL) OR (NOT is_recurring AND recurring_interval IS NULL)",
            name="ck_service_recurring",
        ),
        sa.CheckConstraint(
            "available_from IS NULL OR available_until IS NULL OR available_from <= available_until",
            name="ck_service_dates",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    store_id: int = store_fk()
    name: str = Field(max_length=200, nullable=False)
    description: str | None = Field(default=None, sa_type=sa.Text)
    duration_minutes: int = Field(nullable=False)
    buffer_before_minutes: int = Field(default=0, nullable=False)
    buffer_after_minutes: int = Field(default=0, nullable=False)
    # Start-time increment; NULL means the duration.
    slot_step_minutes: int | None = None
    min_persons: int = Field(default=1, nullable=False)
    max_persons: int = Field(default=1, nullable=False)
    # Persons who can share one start time on one calendar (a group class); 1 = private.
    capacity_persons: int = Field(default=1, nullable=False)
    price_type: PriceType = Field(sa_type=enum_type(PriceType, "price_type"), nullable=False)
    base_price_amount: Decimal = Field(sa_type=money_type(), nullable=False)
    payment_enabled: bool = Field(default=False, nullable=False)
    advance_payment_type: AdvancePaymentType | None = Field(
        default=None, sa_type=enum_type(AdvancePaymentType, "advance_payment_type")
    )
    advance_payment_amount: Decimal | None = Field(default=None, sa_type=money_type())
    is_recurring: bool = Field(default=False, nullable=False)
    recurring_interval: RecurringInterval | None = Field(
        default=None, sa_type=enum_type(RecurringInterval, "recurring_interval")
    )
    available_from: date | None = None
    available_until: date | None = None
    # Per-service overrides of the store's booking policy.
    min_notice_minutes: int | None = None
    booking_horizon_days: int | None = None
    is_archived: bool = Field(default=False, nullable=False)
    stripe_product_id: str | None = Field(default=None, max_length=64)
    stripe_price_id: str | None = Field(default=None, max_length=64)


class Calendar(TenantScoped, Timestamped, table=True):
    """A bookable resource (a chair, a room, a person). Calendly event types are linked to it through
    `calendly_event_type_link` (several may land on one calendar); the Calendly organization belongs
    to the store's connection, not to a calendar."""

    __tablename__ = "calendar"

    id: int | None = Field(default=None, primary_key=True)
    store_id: int = store_fk()
    name: str = Field(max_length=200, nullable=False)
    is_active: bool = Field(default=True, nullable=False)
    color: str | None = Field(default=None, max_length=9)
    # The store's order of its calendars (lower first): the "priority" rule for "anyone" bookings
    # tries them in this order, and clients see people listed in it (migration 0023).
    priority: int = Field(default=0, nullable=False, sa_column_kwargs={"server_default": "0"})
    # A person's photo under settings.upload_dir (hub_app/domain/scheduling/staff_photos.py).
    photo_path: str | None = Field(default=None, max_length=300)
    photo_thumbnail_path: str | None = Field(default=None, max_length=300)


class CalendarService(TenantScoped, SQLModel, table=True):
    """Which calendars offer which service."""

    __tablename__ = "calendar_service"

    calendar_id: int = Field(foreign_key="calendar.id", ondelete="CASCADE", primary_key=True)
    service_id: int = Field(foreign_key="service.id", ondelete="CASCADE", primary_key=True, index=True)
    store_id: int = store_fk()
    # Round-robin memory: the store-wide turn number of this calendar's latest "anyone" booking
    # of this service (0 = never). See hub_app/domain/bookings/assignment.py.
    last_assigned_turn: int = Field(default=0, nullable=False, sa_column_kwargs={"server_default": "0"})


class OpeningRule(TenantScoped, Timestamped, table=True):
    """A weekly opening interval in the store's local wall-clock time (several per day allowed)."""

    __tablename__ = "opening_rule"
    __table_args__ = (
        sa.CheckConstraint("weekday >= 0 AND weekday <= 6", name="ck_opening_rule_weekday"),
        sa.CheckConstraint("start_time < end_time", name="ck_opening_rule_order"),
    )

    id: int | None = Field(default=None, primary_key=True)
    store_id: int = store_fk()
    calendar_id: int = Field(foreign_key="calendar.id", ondelete="CASCADE", index=True)
    weekday: int = Field(nullable=False)  # 0 = Monday … 6 = Sunday
    start_time: time = Field(nullable=False)
    end_time: time = Field(nullable=False)


class DateOverride(TenantScoped, Timestamped, table=True):
    """Replaces the weekly rules on one local date: closed (no times) or open at the given times."""

    __tablename__ = "date_override"
    __table_args__ = (
        sa.CheckConstraint(
            "(start_time IS NULL AND end_time IS NULL) OR (start_time < end_time)",
            name="ck_date_override_times",
        ),
        sa.Index("ix_date_override_calendar_date", "calendar_id", "on_date"),
    )

    id: int | None = Field(default=None, primary_key=True)
    store_id: int = store_fk()
    calendar_id: int = Field(foreign_key="calendar.id", ondelete="CASCADE")
    on_date: date = Field(nullable=False)
    start_time: time | None = None
    end_time: time | None = None
    reason: str | None = Field(default=None, max_length=200)


class BlockedPeriod(TenantScoped, Timestamped, table=True):
    """Time nobody can book (holiday, lunch, a single hour). No calendar means the whole store."""

    __tablename__ = "blocked_period"
    __table_args__ = (
        sa.CheckConstraint("start_at < end_at", name="ck_blocked_period_order"),
        sa.Index("ix_blocked_period_store_range", "store_id", "start_at", "end_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    store_id: int = store_fk(index=False)
    calendar_id: int | None = Field(default=None, foreign_key="calendar.id", ondelete="CASCADE", index=True)
    start_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    end_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    reason: str | None = Field(default=None, max_length=200)
    created_by_user_id: int | None = Field(default=None, foreign_key="app_user.id", ondelete="SET NULL")


class CalendarSlot(TenantScoped, Timestamped, table=True):
    """An explicit bookable window on an internal calendar, with its own capacity in persons."""

    __tablename__ = "calendar_slot"
    __table_args__ = (
        sa.CheckConstraint("start_time < end_time", name="ck_calendar_slot_order"),
        sa.CheckConstraint("capacity_available IS NULL OR capacity_available >= 0", name="ck_calendar_slot_capacity"),
        sa.Index("ix_calendar_slot_calendar_start", "calendar_id", "start_time"),
    )

    id: int | None = Field(default=None, primary_key=True)
    store_id: int = store_fk()
    calendar_id: int = Field(foreign_key="calendar.id", ondelete="CASCADE")
    start_time: datetime = Field(sa_type=UTCDateTime, nullable=False)
    end_time: datetime = Field(sa_type=UTCDateTime, nullable=False)
    capacity_available: int | None = None


class ExternalBusyTime(TenantScoped, Timestamped, table=True):
    """Time taken outside Appointment Hub (a Calendly event): never offered on the booking page."""

    __tablename__ = "external_busy_time"
    __table_args__ = (
        sa.UniqueConstraint("store_id", "external_uri", name="uq_external_busy_time_uri"),
        sa.CheckConstraint("start_at < end_at", name="ck_external_busy_time_order"),
        sa.Index("ix_external_busy_time_calendar_range", "calendar_id", "start_at", "end_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    store_id: int = store_fk(index=False)
    calendar_id: int = Field(foreign_key="calendar.id", ondelete="CASCADE")
    source: str = Field(default="calendly", max_length=20, nullable=False)
    external_uri: str = Field(max_length=300, nullable=False)
    start_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    end_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    is_active: bool = Field(default=True, nullable=False)


class AvailabilityVersion(SQLModel, table=True):
    """A counter per calendar that database triggers raise whenever anything a calendar can offer
    changes: its bookings, hours, overrides, blocks, slots, Calendly busy time, service links,
    or its store's and services' rules (migration 0006). Cached availability answers are keyed by
    the store's counters, so an answer is reused only while nothing it was built from has changed.

    Holds no tenant data (only ids and counters), hence no row-level security: the public
    availability read checks it in one statement before any tenant is known.
    """

    __tablename__ = "availability_version"

    calendar_id: int = Field(foreign_key="calendar.id", ondelete="CASCADE", primary_key=True)
    store_id: int = Field(foreign_key="store.id", ondelete="CASCADE", index=True)
    version: int = Field(default=0, sa_type=sa.BigInteger, nullable=False)
