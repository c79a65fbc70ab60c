"""Inbound webhook inbox and per-store provider connections (secrets stored encrypted)."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from hub_app.domain.base import TenantScoped, Timestamped, store_fk
from hub_app.domain.types import UTCDateTime, enum_type, utcnow


class InboxStatus(str, enum.Enum):
    RECEIVED = "received"
    # An attempt was counted and committed before the work began; a row left here had its worker
    # stop mid-attempt (killed, crashed), and that attempt still counts against the limit.
    STARTED = "started"
    PROCESSED = "processed"
    FAILED = "failed"
    IGNORED = "ignored"
    # Genuine (signature verified) but not acceptable: it claims what its sender may not claim.
    # Never applied; `last_error` says why.
    REFUSED = "refused"


class VerifiedBy(str, enum.Enum):
    """Which of the provider's signing secrets verified a delivery (Stripe has two endpoints)."""

    PLATFORM = "platform"
    CONNECT = "connect"


class WebhookEvent(SQLModel, table=True):
    """Every verified webhook delivery, recorded once before any work is done.

    Recorded by system work (row-level security lets a store see only its own deliveries; one
    whose store is not known yet is the platform's). Deduplicated on (provider, provider's event id).
    """

    __tablename__ = "webhook_event"
    __table_args__ = (
        sa.UniqueConstraint("provider", "event_id", name="uq_webhook_event_provider_id"),
        sa.Index("ix_webhook_event_status", "status", "received_at"),
        # The worker-side queries (pending rows, lost deliveries, lag) all filter by provider.
        sa.Index("ix_webhook_event_provider_status", "provider", "status", "received_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    provider: str = Field(max_length=20, nullable=False)
    event_id: str = Field(max_length=300, nullable=False)
    event_type: str = Field(max_length=100, nullable=False)
    store_id: int | None = Field(default=None, foreign_key="store.id", ondelete="SET NULL", index=True)
    payload: str = Field(sa_type=sa.Text, nullable=False)
    status: InboxStatus = Field(
        default=InboxStatus.RECEIVED, sa_type=enum_type(InboxStatus, "inbox_status"), nullable=False
    )
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    processed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    attempts: int = Field(default=0, nullable=False)
    last_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    verified_by: VerifiedBy | None = Field(default=None, sa_type=enum_type(VerifiedBy, "webhook_verified_by"))
    last_error: str | None = Field(default=None, max_length=1000)


class CalendlyConnectionState(str, enum.Enum):
    CONNECTED = "connected"
    BROKEN = "broken"
    DISCONNECTED = "disconnected"


class CalendlyConnection(TenantScoped, Timestamped, table=True):
    """A store's link to Calendly (the spec's stores.calendly_api_key, kept in a secured table)."""

    __tablename__ = "calendly_connection"

    id: int | None = Field(default=None, primary_key=True)
    store_id: int = Field(foreign_key="store.id", ondelete="CASCADE", sa_column_kwargs={"unique": True, "nullable": False})
    token_encrypted: str | None = Field(default=None, sa_type=sa.Text)
    signing_key_encrypted: str | None = Field(default=None, sa_type=sa.Text)
    user_uri: str | None = Field(default=None, max_length=300)
    organization_uri: str | None = Field(default=None, max_length=300)
    webhook_subscription_uri: str | None = Field(default=None, max_length=300)
    webhook_state: str | None = Field(default=None, max_length=20)
    state: CalendlyConnectionState = Field(
        default=CalendlyConnectionState.CONNECTED,
        sa_type=enum_type(CalendlyConnectionState, "calendly_connection_state"),
        nullable=False,
    )
    last_error: str | None = Field(default=None, max_length=500)
    last_synced_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class CalendlyEventTypeLink(TenantScoped, Timestamped, table=True):
    """Maps a Calendly event type to the calendar and service its bookings land in."""

    __tablename__ = "calendly_event_type_link"
    __table_args__ = (sa.UniqueConstraint("store_id", "event_type_uri", name="uq_calendly_event_type_link"),)

    id: int | None = Field(default=None, primary_key=True)
    store_id: int = store_fk(index=False)
    event_type_uri: str = Field(max_length=300, nullable=False)
    name: str = Field(default="", max_length=200)
    calendar_id: int = Field(foreign_key="calendar.id", ondelete="CASCADE", nullable=False)
    service_id: int = Field(foreign_key="service.id", ondelete="CASCADE", nullable=False)
