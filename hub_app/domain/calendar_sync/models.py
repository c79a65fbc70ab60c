"""Tables of calendar sync: a connection per hub calendar, the remote calendars it reads, the
remote objects seen, the events the hub wrote, overlaps found, and subscription feeds.

Busy time found remotely is written to `external_busy_time` (source "caldav" or "ics_url"), the
table availability already reads and whose triggers (migration 0006) invalidate cached answers.
"""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field

from hub_app.domain.base import TenantScoped, Timestamped, store_fk
from hub_app.domain.types import UTCDateTime, enum_type


class ConnectionKind(str, enum.Enum):
    CALDAV = "caldav"     # read busy sources, write the target (two-way)
    ICS_URL = "ics_url"   # a read-only remote .ics feed used as a busy source


class ConnectionState(str, enum.Enum):
    ACTIVE = "active"
    ERROR = "error"        # the last sync failed; retried with backoff, shown to the manager
    PAUSED = "paused"      # disconnected by the manager; kept for its history


class CalendarConnection(TenantScoped, Timestamped, table=True):
    """One hub calendar's link to an outside calendar server (or feed)."""

    __tablename__ = "calendar_connection"
    __table_args__ = (
        sa.UniqueConstraint("calendar_id", "kind", name="uq_calendar_connection_calendar_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    store_id: int = store_fk()
    calendar_id: int = Field(foreign_key="calendar.id", ondelete="CASCADE", nullable=False)
    kind: ConnectionKind = Field(default=ConnectionKind.CALDAV,
                                 sa_type=enum_type(ConnectionKind, "calendar_connection_kind"), nullable=False)
    server_url: str = Field(max_length=500, nullable=False)
    username: str | None = Field(default=None, max_length=200)
    # Encrypted with hub_app.domain.secrets; write-only, never shown again.
    password_encrypted: str | None = Field(default=None, sa_type=sa.Text)
    # The remote calendar the hub writes its bookings into (None: read only).
    target_url: str | None = Field(default=None, max_length=500)
    state: ConnectionState = Field(default=ConnectionState.ACTIVE,
                                   sa_type=enum_type(ConnectionState, "calendar_connection_state"), nullable=False)
    last_synced_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_pushed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str | None = Field(default=None, max_length=1000)
    last_error_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    failures: int = Field(default=0, nullable=False)
    # A short lease so two workers never push the same connection at once (see outbound.py).
    push_lease_until: datetime | None = Field(default=None, sa_type=UTCDateTime)


class CalendarSyncSource(TenantScoped, Timestamped, table=True):
    """A remote calendar read as busy time, with where its incremental sync stopped."""

    __tablename__ = "calendar_sync_source"
    __table_args__ = (
        sa.UniqueConstraint("connection_id", "remote_url", name="uq_calendar_sync_source_connection_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    store_id: int = store_fk(index=False)
    connection_id: int = Field(foreign_key="calendar_connection.id", ondelete="CASCADE", nullable=False)
    remote_url: str = Field(max_length=500, nullable=False)
    display_name: str | None = Field(default=None, max_length=200)
    sync_token: str | None = Field(default=None, max_length=500)
    ctag: str | None = Field(default=None, max_length=500)


class CalendarSyncItem(TenantScoped, Timestamped, table=True):
    """One remote calendar object as last read: its ETag, whether the hub wrote it, and how many
    busy rows it produced (`external_busy_time.external_uri` = "caldav:<item id>:<n>")."""

    __tablename__ = "calendar_sync_item"
    __table_args__ = (
        sa.UniqueConstraint("source_id", "href", name="uq_calendar_sync_item_source_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    store_id: int = store_fk(index=False)
    source_id: int = Field(foreign_key="calendar_sync_source.id", ondelete="CASCADE", nullable=False)
    href: str = Field(max_length=500, nullable=False)
    etag: str | None = Field(default=None, max_length=200)
    uid: str | None = Field(default=None, max_length=300)
    own: bool = Field(default=False, nullable=False)
    occurrences: int = Field(default=0, nullable=False)
    # Kept for recurring objects only, to expand them again as the horizon moves.
    recurring_ics: str | None = Field(default=None, sa_type=sa.Text)
    expanded_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    error: str | None = Field(default=None, max_length=500)


class CalendarSyncEvent(TenantScoped, Timestamped, table=True):
    """An event the hub wrote for a booking: one per reschedule chain (the UID names its first
    booking), so a retry, a crash or a reschedule always lands on the same remote event."""

    __tablename__ = "calendar_sync_event"
    __table_args__ = (
        sa.UniqueConstraint("connection_id", "uid", name="uq_calendar_sync_event_connection_id"),
        sa.Index("ix_calendar_sync_event_booking", "booking_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    store_id: int = store_fk(index=False)
    connection_id: int = Field(foreign_key="calendar_connection.id", ondelete="CASCADE", nullable=False)
    booking_id: int = Field(foreign_key="booking.id", ondelete="CASCADE", nullable=False)
    uid: str = Field(max_length=300, nullable=False)
    href: str = Field(max_length=500, nullable=False)
    etag: str | None = Field(default=None, max_length=200)
    start_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    end_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    summary: str = Field(default="", max_length=300, nullable=False)
    deleted: bool = Field(default=False, nullable=False)


class CalendarSyncConflict(TenantScoped, Timestamped, table=True):
    """A remote event overlapping a live hub booking: the booking stands, the manager decides."""

    __tablename__ = "calendar_sync_conflict"
    __table_args__ = (
        sa.UniqueConstraint("booking_id", "remote_key", name="uq_calendar_sync_conflict_booking_id"),
        sa.Index("ix_calendar_sync_conflict_store_open", "store_id", "resolved_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    store_id: int = store_fk(index=False)
    connection_id: int = Field(foreign_key="calendar_connection.id", ondelete="CASCADE", nullable=False)
    booking_id: int = Field(foreign_key="booking.id", ondelete="CASCADE", nullable=False)
    remote_key: str = Field(max_length=300, nullable=False)   # the busy row's external_uri
    summary: str = Field(default="", max_length=300, nullable=False)
    start_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    end_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class CalendarFeed(TenantScoped, Timestamped, table=True):
    """A secret subscription URL for a calendar (or, without one, the whole store)."""

    __tablename__ = "calendar_feed"
    __table_args__ = (
        sa.UniqueConstraint("token_hash", name="uq_calendar_feed_token_hash"),
    )

    id: int | None = Field(default=None, primary_key=True)
    store_id: int = store_fk()
    calendar_id: int | None = Field(default=None, foreign_key="calendar.id", ondelete="CASCADE")
    # sha256 of the token: the URL itself is shown once, like the other secrets.
    token_hash: str = Field(max_length=64, nullable=False)
    show_client_names: bool = Field(default=False, nullable=False)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
