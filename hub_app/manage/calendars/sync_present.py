"""Domain-facing functions of the Calendars page's outside-calendar section (CalDAV, ICS import).

The app password goes from the submitted form straight to the domain and is never returned or
kept in the page's state. "Sync now" runs the sync in this request's worker thread, so the page
shows its result (new busy time, or the error) right away.
"""

from __future__ import annotations

from datetime import timedelta

from hub_app.db import unit_of_work
from hub_app.domain.calendar_sync import feeds, jobs
from hub_app.domain.calendar_sync import service as calendar_sync
from hub_app.domain.calendar_sync.client import CalendarSyncError
from hub_app.domain.errors import DomainError
from hub_app.domain.scheduling.service import get_calendar
from hub_app.domain.stores.access import dashboard_store
from hub_app.domain.tenancy import TenantContext
from hub_app.domain.types import utcnow
from hub_app.i18n import format_datetime, format_time, t
from hub_app.settings import get_settings

EXTERNAL_DAYS = 14


class SyncFailed(DomainError):
    """The sync ran and the server refused or failed; the message is the manager-facing one."""

    code = "calendar_sync_failed"
    http_status = 502


def panel(ctx: TenantContext, calendar_id: int) -> dict:
    """The calendar's connection (or none), its open conflicts and the coming external busy time."""
    with unit_of_work(ctx) as db:
        store = dashboard_store(db, ctx)
        every = calendar_sync.statuses(db, ctx, calendar_id)
        statuses = [s for s in every if s.kind == "caldav"]
        imports = [s for s in every if s.kind == "ics_url"]
        links = [f for f in feeds.list_feeds(db, ctx) if f.calendar_id == calendar_id]
        conflicts = calendar_sync.conflicts(db, ctx, calendar_id)
        now = utcnow()
        busy = calendar_sync.external_busy(db, ctx, calendar_id, now, now + timedelta(days=EXTERNAL_DAYS))
    tz, loc = store.timezone, ctx.locale
    connection = {}
    if statuses:
        s = statuses[0]
        connection = {
            "id": str(s.id), "server": s.server_url, "user": s.username or "", "password": s.password,
            "target": s.target_url or "", "sources": ", ".join(s.sources), "state": s.state,
            "synced": format_datetime(s.last_synced_at, tz, loc, "short") if s.last_synced_at else "",
            "error": s.last_error or "",
        }
    ics = {}
    if imports:
        i = imports[0]
        ics = {"url": i.server_url, "state": i.state, "error": i.last_error or "",
               "synced": format_datetime(i.last_synced_at, tz, loc, "short") if i.last_synced_at else ""}
    return {
        "connection": connection,
        "ics": ics,
        "feeds": [{"created": format_datetime(f.created_at, tz, loc, "short"),
                   "names": "1" if f.show_client_names else ""} for f in links],
        "conflicts": [{"id": str(c.id), "booking": str(c.booking_id), "summary": c.summary,
                       "when": format_datetime(c.start_at, tz, loc, "short") + "–" + format_time(c.end_at, tz, loc)}
                      for c in conflicts],
        "external": [{"source": b.source, "from": format_datetime(b.start_at, tz, loc, "short"),
                      "to": format_datetime(b.end_at, tz, loc, "short")} for b in busy],
    }


def test_connection(ctx: TenantContext, server_url: str, username: str, password: str) -> list[dict[str, str]]:
    """The server's event calendars, or ValidationFailed with a clear reason."""
    found = calendar_sync.discover(server_url, username, password, locale=ctx.locale)
    return [{"url": c.url, "name": c.name} for c in found]


def connect(ctx: TenantContext, calendar_id: int, server_url: str, username: str, password: str,
            sources: list[str], target: str | None) -> None:
    with unit_of_work(ctx) as db:
        calendar_sync.connect_caldav(db, ctx, calendar_id, server_url=server_url, username=username,
                                     password=password or None, source_urls=sources, target_url=target or None)


def sync_now(ctx: TenantContext, calendar_id: int) -> str:
    """Sync the calendar's connection now; the summary the page shows."""
    with unit_of_work(ctx) as db:
        get_calendar(db, ctx, calendar_id)  # NotFound for another store's calendar
        statuses = [s for s in calendar_sync.statuses(db, ctx, calendar_id) if s.kind == "caldav"]
    if not statuses:
        raise SyncFailed(t("calendar_sync.no_connection", ctx.locale))
    try:
        report = jobs.sync_connection(statuses[0].id)
    except CalendarSyncError as exc:
        raise SyncFailed(calendar_sync.error_message(exc, ctx.locale)) from exc
    return t("manage.calendar_sync.synced", ctx.locale, changed=report.changed, written=report.written)


def disconnect(ctx: TenantContext, calendar_id: int) -> None:
    with unit_of_work(ctx) as db:
        get_calendar(db, ctx, calendar_id)  # NotFound for another store's calendar
        for status in calendar_sync.statuses(db, ctx, calendar_id):
            if status.kind == "caldav":
                calendar_sync.disconnect(db, ctx, status.id)


def import_ics(ctx: TenantContext, calendar_id: int, feed_url: str) -> str:
    """Read an .ics URL as a busy source of the calendar, and read it once now."""
    with unit_of_work(ctx) as db:
        connection_id = calendar_sync.connect_ics_url(db, ctx, calendar_id, feed_url).id
    try:
        report = jobs.sync_inbound(connection_id)
    except CalendarSyncError as exc:
        raise SyncFailed(calendar_sync.error_message(exc, ctx.locale)) from exc
    return t("manage.calendar_sync.synced", ctx.locale, changed=report.changed, written=0)


def create_feed(ctx: TenantContext, calendar_id: int, show_client_names: bool) -> str:
    """A new subscription URL for the calendar, returned once (only its hash is stored)."""
    with unit_of_work(ctx) as db:
        created = feeds.create_feed(db, ctx, calendar_id, show_client_names=show_client_names)
    return f"{get_settings().public_base_url.rstrip('/')}/feeds/{created.token}.ics"


def revoke_feeds(ctx: TenantContext, calendar_id: int) -> None:
    """Every subscription URL of the calendar stops working."""
    with unit_of_work(ctx) as db:
        get_calendar(db, ctx, calendar_id)  # NotFound for another store's calendar
        for feed in feeds.list_feeds(db, ctx):
            if feed.calendar_id == calendar_id:
                feeds.revoke_feed(db, ctx, feed.id)
