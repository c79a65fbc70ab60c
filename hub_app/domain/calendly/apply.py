"""Applying Calendly invitees to bookings and busy time, idempotently.

Everything is keyed on the invitee URI (one booking per invitee, `calendly_invitee_uri` is unique)
and the scheduled event URI (one busy-time row per event). Calendly already accepted the booking,
so the free-slot check is not consulted: the booking is recorded even when it overlaps something
here, and the overlap is written into the booking's notes for the manager.

A reschedule is a cancel of the old invitee plus a create of a new one, in either order; each half
touches only its own invitee, so the outcome is one cancelled and one new booking whatever the
order. A cancel that arrives before its create records the booking as cancelled at once, so the
late create finds it and changes nothing.
"""

from __future__ import annotations

import json
import logging
from zoneinfo import ZoneInfo

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from hub_app.domain.accounts.models import AppUser
from hub_app.domain.bookings.lifecycle import record_created, transition
from hub_app.domain.outbound_webhooks import events as webhook_events
from hub_app.domain.bookings.models import Booking, BookingSource, BookingStatus
from hub_app.domain.bookings.pricing import price_for
from hub_app.domain.calendly.client import Invitee, ScheduledEvent
from hub_app.domain.calendly.service import links
from hub_app.domain.clients.unclaimed import unclaimed_client
from hub_app.domain.errors import ValidationFailed
from hub_app.domain.integrations import inbox
from hub_app.domain.integrations.models import CalendlyEventTypeLink, WebhookEvent
from hub_app.domain.scheduling.models import BlockedPeriod, ExternalBusyTime, Service
from hub_app.domain.stores.models import Store
from hub_app.domain.tenancy import TenantContext
from hub_app.domain.types import utcnow
from hub_app.domain.validation import normalize_email, normalize_phone
from hub_app.i18n import t

logger = logging.getLogger(__name__)

CREATED, CANCELED = "invitee.created", "invitee.canceled"
LIVE_STATUSES = (BookingStatus.PENDING, BookingStatus.CONFIRMED)


def apply_inbox_event(db: Session, ctx: TenantContext, event: WebhookEvent) -> str:
    """Apply one recorded delivery and mark it processed or ignored. Returns what happened."""
    body = json.loads(event.payload)
    name = body.get("event")
    if name not in (CREATED, CANCELED):
        inbox.finish(event, ignored=True)
        event.last_error = f"event type {name!r} is not handled"
        return "ignored"
    try:
        payload = body["payload"]
        scheduled, invitee = ScheduledEvent.from_json(payload["scheduled_event"]), Invitee.from_json(payload)
    except (KeyError, TypeError, ValueError) as exc:
        # Signed by Calendly but not the documented shape: retrying cannot help, so keep it visible.
        inbox.finish(event, ignored=True)
        event.last_error = f"payload not understood: {type(exc).__name__}: {exc}"[:1000]
        return "ignored"
    outcome = record_invitee(db, ctx, scheduled, invitee, canceled=name == CANCELED)
    inbox.finish(event, ignored=outcome == "unmapped")
    if outcome == "unmapped":
        event.last_error = "event type not mapped to a calendar and service"
    return outcome


def record_invitee(db: Session, ctx: TenantContext, scheduled: ScheduledEvent, invitee: Invitee, *,
                   canceled: bool, link_map: dict[str, CalendlyEventTypeLink] | None = None) -> str:
    """Make the store's bookings agree with this invitee. Returns created/cancelled/unchanged/unmapped."""
    booking = db.scalar(select(Booking).where(Booking.calendly_invitee_uri == invitee.uri))
    if booking is not None:
        if not canceled or booking.status not in LIVE_STATUSES:
            return "unchanged"  # a redelivery, or a create arriving after its cancel
        transition(db, ctx, booking, BookingStatus.CANCELLED, reason=_cancel_reason(db, booking, invitee))
        _link_reschedule(db, old=booking, new_invitee_uri=invitee.new_invitee_uri)
        sync_busy_time(db, ctx, booking.calendar_id, scheduled)
        return "cancelled"
    link = (link_map if link_map is not None else links(db)).get(scheduled.event_type_uri or "")
    if link is None:
        logger.info("Calendly event type %s is not mapped in store %s", scheduled.event_type_uri, ctx.store_id)
        return "unmapped"
    booking = _create_booking(db, ctx, link, scheduled, invitee, canceled=canceled)
    if invitee.old_invitee_uri:
        old = db.scalar(select(Booking).where(Booking.calendly_invitee_uri == invitee.old_invitee_uri))
        if old is not None:
            booking.rescheduled_from_id = old.id
    if canceled:
        _link_reschedule(db, old=booking, new_invitee_uri=invitee.new_invitee_uri)
    sync_busy_time(db, ctx, link.calendar_id, scheduled)
    return "cancelled" if canceled else "created"


def _cancel_reason(db: Session, booking: Booking, invitee: Invitee) -> str:
    store = db.get(Store, booking.store_id)
    locale = store.locale if store else None
    if invitee.rescheduled:
        return t("calendly.rescheduled_reason", locale)
    return t("calendly.cancelled_reason", locale, reason=invitee.cancel_reason or "-")


def _link_reschedule(db: Session, *, old: Booking, new_invitee_uri: str | None) -> None:
    """The cancel half of a reschedule names the new invitee: link it if that half came first."""
    if not new_invitee_uri:
        return
    new = db.scalar(select(Booking).where(Booking.calendly_invitee_uri == new_invitee_uri))
    if new is not None and new.rescheduled_from_id is None:
        new.rescheduled_from_id = old.id


def _create_booking(db: Session, ctx: TenantContext, link: CalendlyEventTypeLink, scheduled: ScheduledEvent,
                    invitee: Invitee, *, canceled: bool) -> Booking:
    store = db.get(Store, link.store_id)
    service = db.get(Service, link.service_id)
    client = client_for_invitee(db, invitee, store)
    tz = ZoneInfo(store.timezone)
    local_start, local_end = scheduled.start.astimezone(tz), scheduled.end.astimezone(tz)
    notes = [t("calendly.booking_note", store.locale, name=invitee.name or invitee.email)]
    notes += [f"{question}: {answer}" for question, answer in invitee.questions_and_answers]
    overlaps = overlapping(db, link.calendar_id, scheduled)
    if overlaps:
        notes.append(t("calendly.overlap_note", store.locale, items="; ".join(overlaps)))
        logger.warning("Calendly booking %s overlaps %s in store %s", invitee.uri, overlaps, store.id)
    booking = Booking(
        store_id=store.id, client_user_id=client.id, service_id=service.id, calendar_id=link.calendar_id,
        start_at=scheduled.start, end_at=scheduled.end, booking_date=local_start.date(),
        start_time=local_start.time().replace(tzinfo=None), end_time=local_end.time().replace(tzinfo=None),
        number_of_persons=1, status=BookingStatus.CANCELLED if canceled else BookingStatus.CONFIRMED,
        total_amount=price_for(service, 1, store.currency), currency=store.currency,
        source=BookingSource.CALENDLY, calendly_event_uri=scheduled.uri, calendly_invitee_uri=invitee.uri,
        notes="\n".join(notes),
    )
    if canceled:
        booking.cancelled_at = utcnow()
        booking.cancel_reason = _cancel_reason(db, booking, invitee)
    db.add(booking)
    db.flush()
    record_created(db, ctx, booking)
    if booking.status == BookingStatus.CONFIRMED:
        webhook_events.booking_created(db, booking)
    return booking


def client_for_invitee(db: Session, invitee: Invitee, store: Store) -> AppUser:
    """The account the invitee's bookings in this store hang on: this store's unclaimed record
    for the address (made on first use), never an existing account found by the email alone
    (see hub_app.domain.clients.unclaimed). The record holds only what Calendly sent."""
    email = normalize_email(invitee.email)
    first, last = invitee.first_name, invitee.last_name
    if not first and not last:
        first, _, last = (invitee.name or "").strip().partition(" ")
    phone = None
    if invitee.text_reminder_number:
        try:
            phone = normalize_phone(invitee.text_reminder_number, store.country or "GR")
        except ValidationFailed:
            phone = None
    return unclaimed_client(db, store, email=email, first_name=first or "", last_name=last or "", phone=phone)


def overlapping(db: Session, calendar_id: int, scheduled: ScheduledEvent) -> list[str]:
    """What else holds this calendar during the event (bookings, blocks, other busy time)."""
    start, end = scheduled.start, scheduled.end
    found = [f"booking #{b.id} ({b.start_at:%Y-%m-%d %H:%M}Z)" for b in db.scalars(
        select(Booking).where(Booking.calendar_id == calendar_id, Booking.status.in_(LIVE_STATUSES),
                              Booking.start_at < end, Booking.end_at > start,
                              or_(Booking.calendly_event_uri.is_(None), Booking.calendly_event_uri != scheduled.uri)))]
    found += [f"block #{b.id}" for b in db.scalars(
        select(BlockedPeriod).where(or_(BlockedPeriod.calendar_id == calendar_id, BlockedPeriod.calendar_id.is_(None)),
                                    BlockedPeriod.start_at < end, BlockedPeriod.end_at > start))]
    found += [f"Calendly {b.external_uri}" for b in db.scalars(
        select(ExternalBusyTime).where(ExternalBusyTime.calendar_id == calendar_id, ExternalBusyTime.is_active.is_(True),
                                       ExternalBusyTime.external_uri != scheduled.uri,
                                       ExternalBusyTime.start_at < end, ExternalBusyTime.end_at > start))]
    return found


def sync_busy_time(db: Session, ctx: TenantContext, calendar_id: int, scheduled: ScheduledEvent) -> ExternalBusyTime | None:
    """One busy row per Calendly event: active while the event is and someone still attends."""
    has_live = db.scalar(select(exists().where(Booking.calendly_event_uri == scheduled.uri,
                                               Booking.status.in_(LIVE_STATUSES))))
    if scheduled.invitees_active is not None:
        attended = scheduled.invitees_active > 0 or has_live
    else:
        attended = has_live
    active = scheduled.status == "active" and bool(attended)
    row = db.scalar(select(ExternalBusyTime).where(ExternalBusyTime.external_uri == scheduled.uri))
    if row is None:
        if not active:
            return None
        row = ExternalBusyTime(store_id=ctx.store_id, calendar_id=calendar_id, source="calendly",
                               external_uri=scheduled.uri, start_at=scheduled.start, end_at=scheduled.end)
        db.add(row)
    row.calendar_id, row.start_at, row.end_at, row.is_active = calendar_id, scheduled.start, scheduled.end, active
    db.flush()
    return row
