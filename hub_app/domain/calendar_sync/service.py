"""What a manager does with outside calendars: test a server, connect a hub calendar to it, choose
the busy sources and the target, see the status and the conflicts, disconnect.

The app password is encrypted with the project's secrets helper and never shown again. Functions
that talk to a server do so before writing anything, so a refused connection changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from hub_app.domain.audit.service import record as audit
from hub_app.domain.base import new_row
from hub_app.domain.calendar_sync import booking_hook
from hub_app.domain.calendar_sync.caldav_client import CaldavPackageClient
from hub_app.domain.calendar_sync.client import (
    CalDavClient, CalendarAuthFailed, CalendarNotFound, CalendarSyncError, CalendarUnavailable, RemoteCalendar,
)
from hub_app.domain.calendar_sync.inbound import busy_uri
from hub_app.domain.calendar_sync.models import (
    CalendarConnection, CalendarSyncConflict, CalendarSyncItem, CalendarSyncSource, ConnectionKind, ConnectionState,
)
from hub_app.domain.errors import NotFound, ValidationFailed
from hub_app.domain.permissions import Feature, require
from hub_app.domain.scheduling.models import ExternalBusyTime
from hub_app.domain.scheduling.service import get_calendar
from hub_app.domain.secrets import decrypt_secret, encrypt_secret, mask
from hub_app.domain.tenancy import TenantContext
from hub_app.i18n import t

ClientFactory = Callable[[str, str | None, str | None], CalDavClient]


@dataclass(frozen=True)
class ConnectionStatus:
    id: int
    calendar_id: int
    kind: str
    server_url: str
    username: str | None
    password: str            # masked: whether one is stored, never any of it
    target_url: str | None
    sources: tuple[str, ...]
    state: str
    last_synced_at: datetime | None
    last_pushed_at: datetime | None
    last_error: str | None
    failures: int


@dataclass(frozen=True)
class ConflictView:
    id: int
    booking_id: int
    summary: str
    start_at: datetime
    end_at: datetime


def error_message(exc: CalendarSyncError, locale: str | None) -> str:
    """A manager-facing sentence for a provider error (the detail stays in the logs)."""
    if isinstance(exc, CalendarAuthFailed):
        key = "calendar_sync.auth_failed"
    elif isinstance(exc, CalendarNotFound):
        key = "calendar_sync.not_found"
    elif isinstance(exc, CalendarUnavailable):
        key = "calendar_sync.unavailable"
    else:
        key = "calendar_sync.not_caldav"
    return t(key, locale)


def _check_url(url: str, locale: str | None) -> str:
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > 500:
        message = t("calendar_sync.bad_url", locale)
        raise ValidationFailed(message, fields={"server_url": message})
    return url


def discover(url: str, username: str | None, password: str | None, *, locale: str | None = None,
             client_factory: ClientFactory = CaldavPackageClient) -> list[RemoteCalendar]:
    """The "test connection" step: the server's event calendars, or a clear error."""
    url = _check_url(url, locale)
    try:
        calendars = client_factory(url, username, password).calendars()
    except CalendarSyncError as exc:
        message = error_message(exc, locale)
        raise ValidationFailed(message, fields={"server_url": message}) from exc
    return [c for c in calendars if c.supports_events]


def _connection(db: Session, calendar_id: int, kind: ConnectionKind) -> CalendarConnection | None:
    return db.scalar(select(CalendarConnection).where(CalendarConnection.calendar_id == calendar_id,
                                                      CalendarConnection.kind == kind))


def connect_caldav(db: Session, ctx: TenantContext, calendar_id: int, *, server_url: str, username: str,
                   password: str | None, source_urls: list[str], target_url: str | None,
                   client_factory: ClientFactory = CaldavPackageClient) -> CalendarConnection:
    """Connect (or change) a hub calendar's CalDAV account. An empty password keeps the stored one."""
    require(ctx, Feature.MANAGE_CALENDARS)
    calendar = get_calendar(db, ctx, calendar_id)
    existing = _connection(db, calendar.id, ConnectionKind.CALDAV)
    if not password and existing is not None and existing.password_encrypted:
        password = decrypt_secret(existing.password_encrypted)
    offered = {c.url: c for c in discover(server_url, username, password, locale=ctx.locale,
                                          client_factory=client_factory)}
    unknown = [u for u in [*source_urls, *([target_url] if target_url else [])] if u not in offered]
    if unknown:
        message = t("calendar_sync.unknown_calendar", ctx.locale)
        raise ValidationFailed(message, fields={"calendars": message})
    connection = existing or new_row(CalendarConnection, store_id=calendar.store_id, calendar_id=calendar.id,
                                     kind=ConnectionKind.CALDAV, server_url="")
    connection.server_url = server_url.strip()
    connection.username = (username or "").strip()[:200] or None
    connection.password_encrypted = encrypt_secret(password) if password else None
    connection.target_url = target_url
    connection.state, connection.last_error, connection.failures = ConnectionState.ACTIVE, None, 0
    if existing is None:
        db.add(connection)
    db.flush()
    _set_sources(db, connection, {u: offered[u].name for u in source_urls})
    booking_hook.forget_targets()
    audit(db, ctx, entity=connection, action="calendar_sync_connected",
          after={"server_url": connection.server_url, "target_url": target_url, "sources": sorted(source_urls)})
    return connection


def connect_ics_url(db: Session, ctx: TenantContext, calendar_id: int, feed_url: str) -> CalendarConnection:
    """A read-only .ics feed as a busy source (checked on its first sync, like every later one)."""
    require(ctx, Feature.MANAGE_CALENDARS)
    calendar = get_calendar(db, ctx, calendar_id)
    url = _check_url(feed_url, ctx.locale)
    connection = _connection(db, calendar.id, ConnectionKind.ICS_URL)
    if connection is None:
        connection = new_row(CalendarConnection, store_id=calendar.store_id, calendar_id=calendar.id,
                             kind=ConnectionKind.ICS_URL, server_url=url)
        db.add(connection)
    connection.server_url, connection.state, connection.last_error = url, ConnectionState.ACTIVE, None
    db.flush()
    _set_sources(db, connection, {url: None})
    audit(db, ctx, entity=connection, action="calendar_sync_connected", after={"feed_url": url})
    return connection


def _drop_source(db: Session, source: CalendarSyncSource) -> None:
    for item in db.scalars(select(CalendarSyncItem).where(CalendarSyncItem.source_id == source.id)):
        uris = [busy_uri(item.id, n) for n in range(item.occurrences)]
        for start in range(0, len(uris), 500):
            db.execute(delete(ExternalBusyTime).where(ExternalBusyTime.store_id == item.store_id,
                                                      ExternalBusyTime.external_uri.in_(uris[start:start + 500])))
            db.execute(delete(CalendarSyncConflict).where(CalendarSyncConflict.store_id == item.store_id,
                                                          CalendarSyncConflict.remote_key.in_(uris[start:start + 500])))
        db.delete(item)
    db.delete(source)


def _set_sources(db: Session, connection: CalendarConnection, wanted: dict[str, str | None]) -> None:
    current = {s.remote_url: s for s in db.scalars(select(CalendarSyncSource).where(
        CalendarSyncSource.connection_id == connection.id))}
    for url, source in current.items():
        if url not in wanted:
            _drop_source(db, source)
    for url, name in wanted.items():
        if url not in current:
            db.add(new_row(CalendarSyncSource, store_id=connection.store_id, connection_id=connection.id,
                           remote_url=url, display_name=(name or "")[:200] or None))
    db.flush()


def disconnect(db: Session, ctx: TenantContext, connection_id: int) -> None:
    """Forget the account and the busy time it brought; the events the hub wrote stay remote."""
    require(ctx, Feature.MANAGE_CALENDARS)
    connection = db.get(CalendarConnection, connection_id)
    if connection is None:
        raise NotFound(t("calendar_sync.no_connection", ctx.locale))
    for source in db.scalars(select(CalendarSyncSource).where(CalendarSyncSource.connection_id == connection.id)):
        _drop_source(db, source)
    db.flush()
    audit(db, ctx, entity=connection, action="calendar_sync_disconnected")
    db.delete(connection)
    booking_hook.forget_targets()
    db.flush()


def statuses(db: Session, ctx: TenantContext, calendar_id: int | None = None) -> list[ConnectionStatus]:
    require(ctx, Feature.MANAGE_CALENDARS)
    query = select(CalendarConnection).order_by(CalendarConnection.calendar_id, CalendarConnection.id)
    if calendar_id is not None:
        query = query.where(CalendarConnection.calendar_id == calendar_id)
    found = []
    for c in db.scalars(query):
        sources = tuple(db.scalars(select(CalendarSyncSource.remote_url).where(
            CalendarSyncSource.connection_id == c.id).order_by(CalendarSyncSource.remote_url)))
        found.append(ConnectionStatus(
            id=c.id, calendar_id=c.calendar_id, kind=ConnectionKind(c.kind).value, server_url=c.server_url,
            username=c.username, password=mask(c.password_encrypted), target_url=c.target_url, sources=sources,
            state=ConnectionState(c.state).value, last_synced_at=c.last_synced_at, last_pushed_at=c.last_pushed_at,
            last_error=c.last_error, failures=c.failures))
    return found


def conflicts(db: Session, ctx: TenantContext, calendar_id: int | None = None) -> list[ConflictView]:
    """Remote events overlapping live bookings, soonest first."""
    require(ctx, Feature.MANAGE_CALENDARS)
    query = select(CalendarSyncConflict).where(CalendarSyncConflict.resolved_at.is_(None))
    if calendar_id is not None:
        query = query.where(CalendarSyncConflict.connection_id.in_(
            select(CalendarConnection.id).where(CalendarConnection.calendar_id == calendar_id)))
    return [ConflictView(id=c.id, booking_id=c.booking_id, summary=c.summary, start_at=c.start_at, end_at=c.end_at)
            for c in db.scalars(query.order_by(CalendarSyncConflict.start_at, CalendarSyncConflict.id))]


@dataclass(frozen=True)
class ExternalBusyView:
    source: str          # "caldav", "ics_url", "calendly"
    start_at: datetime
    end_at: datetime
    calendar_id: int | None = None


def external_busy(db: Session, ctx: TenantContext, calendar_id: int, start: datetime, end: datetime,
                  limit: int = 200) -> list[ExternalBusyView]:
    """Busy time from outside the hub on a calendar (what removes slots there), soonest first."""
    require(ctx, Feature.MANAGE_CALENDARS)
    get_calendar(db, ctx, calendar_id)
    rows = db.execute(select(ExternalBusyTime.source, ExternalBusyTime.start_at, ExternalBusyTime.end_at).where(
        ExternalBusyTime.calendar_id == calendar_id, ExternalBusyTime.is_active.is_(True),
        ExternalBusyTime.end_at > start, ExternalBusyTime.start_at < end)
        .order_by(ExternalBusyTime.start_at).limit(limit)).all()
    return [ExternalBusyView(source=r.source, start_at=r.start_at, end_at=r.end_at) for r in rows]


def external_busy_in_store(db: Session, ctx: TenantContext, start: datetime, end: datetime,
                           limit: int = 2000) -> list[ExternalBusyView]:
    """The store's busy time from outside the hub in a range, for the bookings calendar."""
    require(ctx, Feature.VIEW_BOOKINGS)
    rows = db.execute(select(ExternalBusyTime.source, ExternalBusyTime.start_at, ExternalBusyTime.end_at,
                             ExternalBusyTime.calendar_id).where(
        ExternalBusyTime.is_active.is_(True), ExternalBusyTime.end_at > start, ExternalBusyTime.start_at < end)
        .order_by(ExternalBusyTime.start_at).limit(limit)).all()
    return [ExternalBusyView(source=r.source, start_at=r.start_at, end_at=r.end_at, calendar_id=r.calendar_id)
            for r in rows]
