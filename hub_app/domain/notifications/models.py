"""Messages to clients. A Notification row is also the outbox entry that a worker sends."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field

from hub_app.domain.base import TenantScoped, Timestamped, store_fk
from hub_app.domain.types import UTCDateTime, enum_type


class Channel(str, enum.Enum):
    EMAIL = "email"
    SMS = "sms"


class NotificationKind(str, enum.Enum):
    CONFIRMATION = "confirmation"
    REMINDER = "reminder"
    CANCELLATION = "cancellation"
    RESCHEDULE = "reschedule"
    PAYMENT_RECEIPT = "payment_receipt"
    MANUAL = "manual"
    ACCOUNT = "account"


class NotificationStatus(str, enum.Enum):
    PENDING = "pending"      # in the outbox, not yet handed to a provider
    SENT = "sent"
    FAILED = "failed"
    DELIVERED = "delivered"
    READ = "read"
    NOT_SENT = "not_sent"    # no provider configured: recorded with the reason, never retried


class Notification(TenantScoped, Timestamped, table=True):
    __tablename__ = "notification"
    __table_args__ = (
        # One reminder per booking and start time, one confirmation per booking change, etc.
        sa.UniqueConstraint("store_id", "dedupe_key", name="uq_notification_dedupe"),
        sa.Index("ix_notification_status_next", "status", "next_attempt_at"),
        # The dashboard's message history: a store's messages, newest first (migration 0022).
        sa.Index("ix_notification_store_created", "store_id", "created_at", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    store_id: int = store_fk()
    recipient_user_id: int = Field(foreign_key="app_user.id", ondelete="RESTRICT", nullable=False, index=True)
    booking_id: int | None = Field(default=None, foreign_key="booking.id", ondelete="SET NULL", index=True)
    type: Channel = Field(sa_type=enum_type(Channel, "notification_channel"), nullable=False)
    kind: NotificationKind = Field(sa_type=enum_type(NotificationKind, "notification_kind"), nullable=False)
    subject: str | None = Field(default=None, max_length=300)
    body: str = Field(sa_type=sa.Text, nullable=False)
    body_html: str | None = Field(default=None, sa_type=sa.Text)
    to_address: str | None = Field(default=None, max_length=254)
    status: NotificationStatus = Field(
        default=NotificationStatus.PENDING, sa_type=enum_type(NotificationStatus, "notification_status"), nullable=False
    )
    dedupe_key: str | None = Field(default=None, max_length=200)
    external_message_id: str | None = Field(default=None, max_length=100, index=True)
    segments: int | None = None
    attempts: int = Field(default=0, nullable=False)
    next_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str | None = Field(default=None, max_length=500)
    # When the provider accepted it (the spec's sent_at); NULL while in the outbox.
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class NotificationTemplate(TenantScoped, Timestamped, table=True):
    """A store's wording of an automated message, per kind, channel and language."""

    __tablename__ = "notification_template"
    __table_args__ = (
        sa.UniqueConstraint("store_id", "kind", "channel", "locale", name="uq_notification_template"),
    )

    id: int | None = Field(default=None, primary_key=True)
    store_id: int = store_fk(index=False)
    kind: NotificationKind = Field(sa_type=enum_type(NotificationKind, "template_kind"), nullable=False)
    channel: Channel = Field(sa_type=enum_type(Channel, "template_channel"), nullable=False)
    locale: str = Field(max_length=10, nullable=False)
    enabled: bool = Field(default=True, nullable=False)
    subject: str | None = Field(default=None, max_length=300)
    body: str = Field(sa_type=sa.Text, nullable=False)
