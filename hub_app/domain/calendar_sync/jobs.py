"""Units of background work by id: sync one connection (inbound, then outbound), push one
calendar's bookings, list the connections due. Each step opens its own transactions in the
store it concerns and holds none while waiting on the remote server.

The connection's status is written after every run: `last_synced_at` / `last_pushed_at` on
success; `state=error`, `last_error` and a failure count otherwise. Retryable provider errors
(401, 404, 412, 5xx, timeouts) are raised again after that, so the actor retries with backoff.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select

from hub_app import db as hub_db
from hub_app.domain.calendar_sync import inbound, outbound
from hub_app.domain.calendar_sync.caldav_client import CaldavPackageClient
from hub_app.domain.calendar_sync.client import CalDavClient, CalendarSyncError
from hub_app.domain.calendar_sync.ics_import import feed_changes, fetch_feed
from hub_app.domain.calendar_sync.models import (
    CalendarConnection, CalendarSyncSource, ConnectionKind, ConnectionState,
)
from hub_app.domain.secrets import decrypt_secret
from hub_app.domain.stores.models import Store
from hub_app.domain.tenancy import TenantContext
from hub_app.domain.types import utcnow

logger = logging.getLogger(__name__)

ClientFactory = Callable[[str, str | None, str | None], CalDavClient]
FeedFetcher = Callable[[str], bytes]


@dataclass
class SyncReport:
    connection_id: int
    changed: int = 0
    deleted: int = 0
    busy_rows: int = 0
    conflicts: int = 0
    written: int = 0
    removed: int = 0
    problems: list[str] = field(default_factory=list)
    error: str | None = None
    skipped: str | None = None
    # Where the time went: waiting on the remote server vs. writing busy time here.
    remote_seconds: float = 0.0
    apply_seconds: float = 0.0


def _store_of(connection_id: int) -> int | None:
    with hub_db.unit_of_work(TenantContext.system()) as db:
        return db.scalar(select(CalendarConnection.store_id).where(CalendarConnection.id == connection_id))


def _client_for(connection: CalendarConnection, factory: ClientFactory) -> CalDavClient:
    password = decrypt_secret(connection.password_encrypted) if connection.password_encrypted else None
    return factory(connection.server_url, connection.username, password)


def _record_status(ctx: TenantContext, connection_id: int, *, error: str | None, synced: bool,
                   problems: list[str], now: datetime) -> None:
    with hub_db.unit_of_work(ctx) as db:
        connection = db.get(CalendarConnection, connection_id)
        if connection is None:
            return
        if error:
            connection.state = ConnectionState.ERROR
            connection.last_error = error[:1000]
            connection.last_error_at = now
            connection.failures += 1
            return
        if synced:
            connection.last_synced_at = now
        connection.state, connection.failures = ConnectionState.ACTIVE, 0
        # Events that could not be read are reported but do not stop the rest of the sync.
        connection.last_error = ("; ".join(problems)[:1000]) if problems else None
        connection.last_error_at = now if problems else connection.last_error_at


def _start(connection_id: int, now: datetime | None) -> tuple[datetime, SyncReport, TenantContext | None]:
    """The clock, the report, and the connection's store context (None: the connection is gone)."""
    report = SyncReport(connection_id)
    store_id = _store_of(connection_id)
    if store_id is None:
        report.skipped = "missing"
        return now or utcnow(), report, None
    return now or utcnow(), report, TenantContext.system(store_id)


def sync_inbound(connection_id: int, *, now: datetime | None = None,
                 client_factory: ClientFactory = CaldavPackageClient,
                 fetch: FeedFetcher = fetch_feed) -> SyncReport:
    """Read every busy source of the connection and record its status."""
    now, report, ctx = _start(connection_id, now)
    if ctx is None:
        return report
    with hub_db.unit_of_work(ctx) as db:
        connection = db.get(CalendarConnection, connection_id)
        if connection is None or connection.state == ConnectionState.PAUSED:
            report.skipped = "paused"
            return report
        kind = ConnectionKind(connection.kind)
        zone = ZoneInfo(db.scalar(select(Store.timezone).where(Store.id == ctx.store_id)) or "UTC")
        client = _client_for(connection, client_factory) if kind == ConnectionKind.CALDAV else None
        sources = [(s.id, s.remote_url, s.sync_token) for s in db.scalars(
            select(CalendarSyncSource).where(CalendarSyncSource.connection_id == connection_id)
            .order_by(CalendarSyncSource.id))]
    try:
        for source_id, url, token in sources:
            with hub_db.unit_of_work(ctx) as db:
                source = db.get(CalendarSyncSource, source_id)
                known = inbound.known_etags(db, source) if (kind == ConnectionKind.ICS_URL or not token) else {}
            started = time.perf_counter()
            if kind == ConnectionKind.ICS_URL:
                changes = feed_changes(fetch(url), known)
            else:
                changes = client.changes(url, token, known)
                if changes.full and token:
                    with hub_db.unit_of_work(ctx) as db:  # the token was refused: compare every ETag
                        known = inbound.known_etags(db, db.get(CalendarSyncSource, source_id))
                    changes = client.changes(url, None, known)
            applying = time.perf_counter()
            report.remote_seconds += applying - started
            with hub_db.unit_of_work(ctx) as db:
                connection = db.get(CalendarConnection, connection_id)
                source = db.get(CalendarSyncSource, source_id)
                result = inbound.apply_changes(db, connection, source, changes, zone, now, kind=kind.value)
            report.apply_seconds += time.perf_counter() - applying
            report.changed += result.changed
            report.deleted += result.deleted
            report.busy_rows += result.busy_rows
            report.conflicts += result.conflicts
            report.problems += result.problems
        with hub_db.unit_of_work(ctx) as db:
            result = inbound.refresh_recurring(db, db.get(CalendarConnection, connection_id), zone, now)
            report.busy_rows += result.busy_rows
    except CalendarSyncError as exc:
        report.error = str(exc)
        _record_status(ctx, connection_id, error=report.error, synced=False, problems=[], now=now)
        raise
    _record_status(ctx, connection_id, error=None, synced=True, problems=report.problems, now=now)
    return report


def push(connection_id: int, *, now: datetime | None = None,
         client_factory: ClientFactory = CaldavPackageClient) -> SyncReport:
    """Write the calendar's live bookings to the target (see outbound.py for why exactly once)."""
    now, report, ctx = _start(connection_id, now)
    if ctx is None:
        return report
    with hub_db.unit_of_work(ctx) as db:
        connection = db.get(CalendarConnection, connection_id)
        if (connection is None or connection.kind != ConnectionKind.CALDAV or not connection.target_url
                or connection.state == ConnectionState.PAUSED):
            report.skipped = "no target"
            return report
        client = _client_for(connection, client_factory)
        plan = outbound.plan_push(db, connection, now)
    if not plan.leased:
        report.skipped = "busy"
        return report
    outcome = outbound.PushOutcome()
    try:
        outcome = outbound.execute_push(client, plan)
    finally:
        # Whatever happened (even a worker being stopped), what was confirmed is recorded and the
        # lease released; what was not stays pending and is written by the next push.
        with hub_db.unit_of_work(ctx) as db:
            outbound.record_push(db, plan, outcome, now)
    report.written, report.removed = len(outcome.etags), len(outcome.removed)
    if outcome.errors:
        report.error = str(outcome.errors[0])
        _record_status(ctx, connection_id, error=report.error, synced=False, problems=[], now=now)
        raise outcome.errors[0]
    return report


def sync_connection(connection_id: int, *, now: datetime | None = None,
                    client_factory: ClientFactory = CaldavPackageClient,
                    fetch: FeedFetcher = fetch_feed) -> SyncReport:
    report = sync_inbound(connection_id, now=now, client_factory=client_factory, fetch=fetch)
    if report.skipped:
        return report
    pushed = push(connection_id, now=now, client_factory=client_factory)
    report.written, report.removed = pushed.written, pushed.removed
    return report


def connections_due(min_interval_seconds: float, now: datetime | None = None) -> list[int]:
    """Connections not synced within the interval (errored ones too: their retry is the tick)."""
    now = now or utcnow()
    recent = now - timedelta(seconds=min_interval_seconds)
    with hub_db.unit_of_work(TenantContext.system()) as db:
        return list(db.scalars(select(CalendarConnection.id).where(
            CalendarConnection.state != ConnectionState.PAUSED,
            or_(CalendarConnection.last_synced_at.is_(None), CalendarConnection.last_synced_at < recent))
            .order_by(CalendarConnection.id)))


def connections_of_calendars(calendar_ids: list[int]) -> list[int]:
    """The connections that write the given calendars' bookings somewhere."""
    if not calendar_ids:
        return []
    with hub_db.unit_of_work(TenantContext.system()) as db:
        return list(db.scalars(select(CalendarConnection.id).where(
            CalendarConnection.calendar_id.in_(calendar_ids), CalendarConnection.kind == ConnectionKind.CALDAV,
            CalendarConnection.target_url.is_not(None), CalendarConnection.state != ConnectionState.PAUSED)))
