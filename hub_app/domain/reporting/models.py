"""Rollups: per-day totals of bookings and payments, kept by database triggers (migration 0018).

Every booking or payment insert, update and delete adds its row's contribution to the day it
belongs to and takes the old row's contribution away, in the same transaction, so the totals
always equal a recount of the source rows (`reporting.recount` rebuilds them and tests compare).
Reports read a few hundred of these rows instead of every booking of the period. Money is kept
in cents (integers): exact on PostgreSQL and SQLite alike.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from hub_app.domain.base import TenantScoped
from hub_app.domain.types import UTCDateTime


class BookingDayStats(TenantScoped, SQLModel, table=True):
    """Bookings per store, local booking day (`booking.booking_date`) and current status, with the
    sum of their `total_amount`: the manager's overview and the platform's no-show rate."""

    __tablename__ = "booking_day_stats"
    # Platform-wide reports read one window of days across every store.
    __table_args__ = (sa.Index("ix_booking_day_stats_day", "day"),)

    store_id: int = Field(sa_column_kwargs={"nullable": False}, foreign_key="store.id", ondelete="CASCADE",
                          primary_key=True)
    day: date = Field(primary_key=True)
    status: str = Field(max_length=20, primary_key=True)
    bookings: int = Field(default=0, sa_type=sa.BigInteger, nullable=False)
    amount_cents: int = Field(default=0, sa_type=sa.BigInteger, nullable=False)


class BookingMadeDayStats(TenantScoped, SQLModel, table=True):
    """Bookings per store, UTC day they were made (`booking.created_at`) and current status: the
    platform's bookings per week, cancellation rate and top stores."""

    __tablename__ = "booking_made_day_stats"
    # Platform-wide reports read one window of days across every store.
    __table_args__ = (sa.Index("ix_booking_made_day_stats_day", "day"),)

    store_id: int = Field(sa_column_kwargs={"nullable": False}, foreign_key="store.id", ondelete="CASCADE",
                          primary_key=True)
    day: date = Field(primary_key=True)
    status: str = Field(max_length=20, primary_key=True)
    bookings: int = Field(default=0, sa_type=sa.BigInteger, nullable=False)


class PaymentDayStats(TenantScoped, SQLModel, table=True):
    """Revenue per store, UTC payment day and currency: charges that went through (succeeded, or
    refunded later) minus refunds paid out, as the admin landing page and analytics define it."""

    __tablename__ = "payment_day_stats"
    # Platform-wide reports read one window of days across every store.
    __table_args__ = (sa.Index("ix_payment_day_stats_day", "day"),)

    store_id: int = Field(sa_column_kwargs={"nullable": False}, foreign_key="store.id", ondelete="CASCADE",
                          primary_key=True)
    day: date = Field(primary_key=True)
    currency: str = Field(max_length=3, primary_key=True)
    amount_cents: int = Field(default=0, sa_type=sa.BigInteger, nullable=False)


class ClientStoreStats(TenantScoped, SQLModel, table=True):
    """One row per store and person who is its client: how many bookings they have there, their
    latest start, and whether they accepted the store's invitation (or are its unclaimed Calendly
    record). Recomputed for the pair by triggers on `booking` and `store_client`; the clients
    list reads it instead of every booking of the store."""

    __tablename__ = "client_store_stats"

    store_id: int = Field(sa_column_kwargs={"nullable": False}, foreign_key="store.id", ondelete="CASCADE",
                          primary_key=True)
    client_user_id: int = Field(foreign_key="app_user.id", ondelete="CASCADE", primary_key=True)
    bookings: int = Field(default=0, sa_type=sa.BigInteger, nullable=False)
    last_start_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    linked: bool = Field(default=False, nullable=False)
