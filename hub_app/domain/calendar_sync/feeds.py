"""ICS subscription feeds: a secret, revocable URL per calendar (or per store) that Google, Apple
and Outlook can subscribe to.

The token is shown once; only its SHA-256 is stored, so a database leak reveals no working URL.
The feed is RFC 5545 with the store's VTIMEZONE and local times (clients show them as the store
sees them, DST included). By default an event says only the service; the manager may choose to
show the client's name. Events keep the UID the CalDAV push uses, so a subscriber that also
receives the pushed events sees one event, not two.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub_app.domain.accounts.models import AppUser
from hub_app.domain.audit.service import record as audit
from hub_app.domain.base import new_row
from hub_app.domain.bookings.models import Booking, BookingStatus
from hub_app.domain.calendar_sync.ics import PRODID, booking_uid
from hub_app.domain.calendar_sync.models import CalendarFeed
from hub_app.domain.calendar_sync.outbound import chain_roots
from hub_app.domain.errors import NotFound
from hub_app.domain.permissions import Feature, require
from hub_app.domain.scheduling.models import Calendar, Service
from hub_app.domain.scheduling.service import get_calendar
from hub_app.domain.stores.models import Store
from hub_app.domain.tenancy import TenantContext
from hub_app.domain.types import utcnow
from hub_app.i18n import t

LIVE = (BookingStatus.PENDING, BookingStatus.CONFIRMED)
PAST_DAYS = 30
FUTURE_DAYS = 400
# Subscribers poll; this asks them to come back within the hour (most read it as a hint).
REFRESH = timedelta(hours=1)


@dataclass(frozen=True)
class NewFeed:
    id: int
    token: str   # shown once, never again


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_feed(db: Session, ctx: TenantContext, calendar_id: int | None, *, show_client_names: bool = False) -> NewFeed:
    require(ctx, Feature.MANAGE_CALENDARS)
    if calendar_id is not None:
        get_calendar(db, ctx, calendar_id)
    token = secrets.token_urlsafe(32)
    feed = new_row(CalendarFeed, store_id=ctx.store_id, calendar_id=calendar_id, token_hash=token_hash(token),
                   show_client_names=show_client_names)
    db.add(feed)
    db.flush()
    audit(db, ctx, entity=feed, action="calendar_feed_created",
          after={"calendar_id": calendar_id, "show_client_names": show_client_names})
    return NewFeed(id=feed.id, token=token)


def revoke_feed(db: Session, ctx: TenantContext, feed_id: int) -> None:
    require(ctx, Feature.MANAGE_CALENDARS)
    feed = db.get(CalendarFeed, feed_id)
    if feed is None or feed.revoked_at is not None:
        raise NotFound(t("calendar_sync.no_feed", ctx.locale))
    feed.revoked_at = utcnow()
    db.flush()
    audit(db, ctx, entity=feed, action="calendar_feed_revoked")


def list_feeds(db: Session, ctx: TenantContext) -> list[CalendarFeed]:
    require(ctx, Feature.MANAGE_CALENDARS)
    return list(db.scalars(select(CalendarFeed).where(CalendarFeed.revoked_at.is_(None)).order_by(CalendarFeed.id)))


def find_feed(db: Session, token: str) -> CalendarFeed:
    """The live feed of a token (a system session: the store is not known before this)."""
    feed = db.scalar(select(CalendarFeed).where(CalendarFeed.token_hash == token_hash(token or "")))
    if feed is None or feed.revoked_at is not None:
        raise NotFound(t("calendar_sync.no_feed"))
    return feed


def _vtimezone(zone_name: str, around: date) -> icalendar.Timezone:
    return icalendar.Timezone.from_tzinfo(ZoneInfo(zone_name), zone_name, first_date=around - timedelta(days=400),
                                          last_date=around + timedelta(days=FUTURE_DAYS + 400))


def render_feed(db: Session, feed: CalendarFeed, now: datetime | None = None) -> str:
    """The feed's iCalendar text; `db` is scoped to the feed's store."""
    now = now or utcnow()
    store = db.get(Store, feed.store_id)
    zone = ZoneInfo(store.timezone)
    cal = icalendar.Calendar()
    cal.add("PRODID", PRODID)
    cal.add("VERSION", "2.0")
    cal.add("CALSCALE", "GREGORIAN")
    cal.add("METHOD", "PUBLISH")
    title = store.name
    if feed.calendar_id is not None:
        title = f"{store.name} – {db.scalar(select(Calendar.name).where(Calendar.id == feed.calendar_id))}"
    cal.add("X-WR-CALNAME", title)
    cal.add("X-WR-TIMEZONE", store.timezone)
    cal.add("REFRESH-INTERVAL", REFRESH, parameters={"VALUE": "DURATION"})
    cal.add("X-PUBLISHED-TTL", "PT1H")
    cal.add_component(_vtimezone(store.timezone, now.date()))
    query = (select(Booking, Service.name).join(Service, Service.id == Booking.service_id)
             .where(Booking.store_id == feed.store_id, Booking.status.in_(LIVE),
                    Booking.end_at > now - timedelta(days=PAST_DAYS), Booking.start_at < now + timedelta(days=FUTURE_DAYS))
             .order_by(Booking.start_at, Booking.id))
    if feed.calendar_id is not None:
        query = query.where(Booking.calendar_id == feed.calendar_id)
    rows = db.execute(query).all()
    names = {}
    if feed.show_client_names and rows:
        names = {u.id: f"{u.first_name} {u.last_name}".strip() for u in db.scalars(
            select(AppUser).where(AppUser.id.in_({b.client_user_id for b, _ in rows})))}
    roots = chain_roots(db, [b for b, _ in rows])
    for booking, service_name in rows:
        event = icalendar.Event()
        event.add("UID", booking_uid(booking.store_id, roots[booking.id][0]))
        event.add("DTSTAMP", now.replace(microsecond=0))
        event.add("DTSTART", booking.start_at.astimezone(zone))
        event.add("DTEND", booking.end_at.astimezone(zone))
        summary = service_name
        if feed.show_client_names and names.get(booking.client_user_id):
            summary = f"{service_name} – {names[booking.client_user_id]}"
        event.add("SUMMARY", summary)
        event.add("STATUS", "CONFIRMED" if booking.status == BookingStatus.CONFIRMED else "TENTATIVE")
        event.add("TRANSP", "OPAQUE")
        cal.add_component(event)
    return cal.to_ical().decode()

