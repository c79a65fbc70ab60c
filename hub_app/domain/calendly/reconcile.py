"""The periodic sync: make bookings and busy time agree with Calendly's list of future events.

Webhooks can be missed (Calendly gives up after 24 hours, a free plan has none), so each run lists
`/scheduled_events` from now on, creates what is missing, corrects busy rows whose event moved or
ended, and cancels Calendly bookings whose event is no longer active. Invitees are fetched only for
events whose active-invitee count differs from ours, to stay well inside the rate limit.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub_app.domain.bookings.lifecycle import transition
from hub_app.domain.bookings.models import Booking, BookingSource, BookingStatus
from hub_app.domain.calendly.apply import LIVE_STATUSES, record_invitee, sync_busy_time
from hub_app.domain.calendly.client import CalendlyClient, CalendlyUnauthorized, Invitee, ScheduledEvent
from hub_app.domain.calendly.service import (
    ClientFactory, ensure_subscription, get_connection, links, mark_broken, release_lock, token_of,
)
from hub_app.domain.integrations.models import CalendlyConnectionState
from hub_app.domain.scheduling.models import ExternalBusyTime
from hub_app.domain.stores.models import Store
from hub_app.domain.tenancy import TenantContext
from hub_app.domain.types import utcnow
from hub_app.i18n import t

logger = logging.getLogger(__name__)


@dataclass
class ReconcileResult:
    state: str  # "synced", "skipped" (not connected) or "broken"
    events: int = 0
    created: int = 0
    cancelled: int = 0
    busy_deactivated: int = 0
    webhook_state: str | None = None


def reconcile_store(db: Session, ctx: TenantContext, *, now: datetime | None = None,
                    client_factory: ClientFactory = CalendlyClient) -> ReconcileResult:
    """One store's sync. Calendly errors other than 401 propagate (the job retries later)."""
    now = now or utcnow()
    conn = get_connection(db, ctx)
    if conn is None or conn.state != CalendlyConnectionState.CONNECTED or not conn.token_encrypted:
        return ReconcileResult(state="skipped")
    token = token_of(conn)
    link_map = links(db)
    ours = Counter(db.scalars(select(Booking.calendly_event_uri).where(
        Booking.source == BookingSource.CALENDLY, Booking.status.in_(LIVE_STATUSES), Booking.start_at >= now)))
    listed_at = utcnow()
    release_lock(db)
    invitees: dict[str, list[Invitee]] = {}
    try:
        with client_factory(token) as client:
            events = client.list_scheduled_events(user=conn.user_uri, organization=conn.organization_uri,
                                                  min_start_time=now, status="active")
            for event in events:
                if event.event_type_uri in link_map and ours.get(event.uri, 0) != event.invitees_active:
                    invitees[event.uri] = client.list_invitees(event.uri, status="active")
            webhook_state = ensure_subscription(db, ctx, conn, client)
    except CalendlyUnauthorized as exc:
        mark_broken(db, ctx, conn, exc)
        return ReconcileResult(state="broken")
    result = ReconcileResult(state="synced", events=len(events), webhook_state=webhook_state)
    _apply(db, ctx, events, invitees, link_map, now=now, listed_at=listed_at, result=result)
    conn.last_synced_at = utcnow()
    db.flush()
    return result


def _apply(db: Session, ctx: TenantContext, events: list[ScheduledEvent], invitees: dict[str, list[Invitee]],
           link_map: dict, *, now: datetime, listed_at: datetime, result: ReconcileResult) -> None:
    store = db.get(Store, ctx.store_id)
    locale = store.locale if store else None
    for event in events:
        link = link_map.get(event.event_type_uri or "")
        if link is None:
            continue
        if event.uri in invitees:
            active_uris = {invitee.uri for invitee in invitees[event.uri]}
            for invitee in invitees[event.uri]:
                if record_invitee(db, ctx, event, invitee, canceled=False, link_map=link_map) == "created":
                    result.created += 1
            for booking in _live_bookings(db, listed_at, Booking.calendly_event_uri == event.uri):
                if booking.calendly_invitee_uri not in active_uris:
                    transition(db, ctx, booking, BookingStatus.CANCELLED, reason=t("calendly.sync_cancelled", locale))
                    result.cancelled += 1
        sync_busy_time(db, ctx, link.calendar_id, event)
    # Future Calendly bookings whose event is no longer listed as active were cancelled there.
    # Rows newer than the listing are left alone: a webhook may have added them meanwhile.
    listed = {event.uri for event in events}
    for booking in _live_bookings(db, listed_at, Booking.start_at >= now):
        if booking.calendly_event_uri not in listed:
            transition(db, ctx, booking, BookingStatus.CANCELLED, reason=t("calendly.sync_cancelled", locale))
            result.cancelled += 1
    for row in db.scalars(select(ExternalBusyTime).where(
            ExternalBusyTime.source == "calendly", ExternalBusyTime.is_active.is_(True),
            ExternalBusyTime.start_at >= now, ExternalBusyTime.created_at < listed_at)):
        if row.external_uri not in listed:
            row.is_active = False
            result.busy_deactivated += 1
    db.flush()


def _live_bookings(db: Session, listed_at: datetime, condition) -> list[Booking]:
    return list(db.scalars(select(Booking).where(
        Booking.source == BookingSource.CALENDLY, Booking.status.in_(LIVE_STATUSES),
        Booking.created_at < listed_at, condition)))
