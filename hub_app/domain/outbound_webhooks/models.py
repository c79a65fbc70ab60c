"""Tables of outbound webhooks: endpoints, one delivery per endpoint per event, and each attempt.

A delivery row is written in the same transaction as the change it announces (the outbox), so a
change that rolls back sends nothing. Its `payload` is the exact body sent on every attempt, and
`event_id` is the same on every retry and on every endpoint, so a receiver can dedupe by it.
"""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field

from hub_app.domain.base import TenantScoped, Timestamped, store_fk
from hub_app.domain.types import UTCDateTime, enum_type


class EventType(str, enum.Enum):
    BOOKING_CREATED = "booking.created"
    BOOKING_RESCHEDULED = "booking.rescheduled"
    BOOKING_CANCELLED = "booking.cancelled"
    BOOKING_NO_SHOW = "booking.no_show"
    PAYMENT_SUCCEEDED = "payment.succeeded"
    PAYMENT_REFUNDED = "payment.refunded"
    CLIENT_CREATED = "client.created"


class DeliveryStatus(str, enum.Enum):
    PENDING = "pending"        # waiting for its (next) attempt, or being attempted under a lease
    SUCCEEDED = "succeeded"    # the receiver answered 2xx
    FAILED = "failed"          # every attempt failed; the manager may resend it
    CANCELLED = "cancelled"    # the endpoint was disabled before it could be sent


class WebhookEndpoint(TenantScoped, Timestamped, table=True):
    __tablename__ = "webhook_endpoint"

    id: int | None = Field(default=None, primary_key=True)
    store_id: int = store_fk()
    url: str = Field(max_length=500, nullable=False)
    description: str = Field(default="", max_length=200, nullable=False)
    # Comma-separated EventType values the endpoint receives.
    event_types: str = Field(max_length=500, nullable=False)
    enabled: bool = Field(default=True, nullable=False)
    # Encrypted with hub_app.domain.secrets: the signing needs the secret itself, not a hash.
    secret_encrypted: str = Field(sa_type=sa.Text, nullable=False)
    # After a rotation the old secret also signs (a second v1) until it expires, so the
    # integrator can switch without losing events (Stripe's rolling rotation).
    previous_secret_encrypted: str | None = Field(default=None, sa_type=sa.Text)
    previous_secret_expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_by_user_id: int | None = Field(default=None, foreign_key="app_user.id", ondelete="SET NULL")

    @property
    def events(self) -> list[str]:
        return [part for part in self.event_types.split(",") if part]


class WebhookDelivery(TenantScoped, Timestamped, table=True):
    __tablename__ = "webhook_delivery"
    __table_args__ = (
        sa.UniqueConstraint("endpoint_id", "event_id", name="uq_webhook_delivery_endpoint_id"),
        sa.Index("ix_webhook_delivery_due", "status", "next_attempt_at"),
        sa.Index("ix_webhook_delivery_store_created", "store_id", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    store_id: int = store_fk(index=False)
    endpoint_id: int = Field(foreign_key="webhook_endpoint.id", ondelete="CASCADE", nullable=False)
    event_id: str = Field(max_length=40, nullable=False)
    event_type: str = Field(max_length=40, nullable=False)
    payload: str = Field(sa_type=sa.Text, nullable=False)
    status: DeliveryStatus = Field(default=DeliveryStatus.PENDING,
                                   sa_type=enum_type(DeliveryStatus, "webhook_delivery_status"), nullable=False)
    attempts: int = Field(default=0, nullable=False)
    # Attempts allowed in all (a resend adds a fresh allowance).
    max_attempts: int = Field(nullable=False)
    # When the next attempt is due; while an attempt runs, the end of its lease.
    next_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_status_code: int | None = Field(default=None)
    last_error: str | None = Field(default=None, max_length=500)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class WebhookAttempt(TenantScoped, Timestamped, table=True):
    """One try of a delivery: what the receiver answered and how long it took."""

    __tablename__ = "webhook_attempt"

    id: int | None = Field(default=None, primary_key=True)
    store_id: int = store_fk(index=False)
    delivery_id: int = Field(foreign_key="webhook_delivery.id", ondelete="CASCADE", nullable=False, index=True)
    number: int = Field(nullable=False)
    duration_ms: int = Field(nullable=False)
    status_code: int | None = Field(default=None)
    error: str | None = Field(default=None, max_length=500)
    response_body: str | None = Field(default=None, max_length=1000)
