"""Booking: registering inside it, idempotency, price and status, cancelling, rescheduling.

How a booking is placed on a calendar without ever double-booking: hub_app.domain.bookings.placement.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy.orm import Session

from hub_app.domain.accounts.models import AppUser, UserRole
from hub_app.domain.accounts.service import ClientDetails, register_client
from hub_app.domain.base import new_row
from hub_app.domain.billing.readiness import payments_available
from hub_app.domain.bookings.access import acting_in_store, is_staff, visible_booking
from hub_app.domain.bookings.availability import ServiceRules, check_persons, get_bookable_service
from hub_app.domain.bookings.placement import by_key, place, same_booking
from hub_app.domain.bookings.lifecycle import (  # noqa: F401  (the staff's steps are part of this interface)
    complete_booking, confirm_booking, expire_holds, mark_no_show, notify, record_created, transition,
)
from hub_app.domain.bookings.models import Booking, BookingSource, BookingStatus
from hub_app.domain.bookings.plan_limit import check_monthly_bookings
from hub_app.domain.bookings.pricing import advance_due, price_for
from hub_app.domain.bookings.queries import (  # noqa: F401  (part of this module's interface)
    ClientSummary, get_booking, list_bookings, list_clients, my_bookings, next_cursor,
)
from hub_app.domain.clients.membership import bookable_client
from hub_app.domain.outbound_webhooks import events as webhook_events
from hub_app.domain.errors import (
    Conflict, NotAuthenticated, PermissionDenied, PlanLimitReached, ValidationFailed,
)
from hub_app.domain.permissions import Feature, require
from hub_app.domain.scheduling.models import Service
from hub_app.domain.stores.models import Store
from hub_app.domain.tenancy import TenantContext
from hub_app.domain.types import utcnow
from hub_app.domain.validation import normalize_email
from hub_app.i18n import t

__all__ = [
    "BookingRequest", "ClientDetails", "ClientSummary", "book", "cancel_booking", "reschedule_booking",
    "confirm_booking", "complete_booking", "mark_no_show", "transition", "get_booking", "list_bookings",
    "my_bookings", "list_clients", "expire_holds", "next_cursor",
]


@dataclass
class BookingRequest:
    service_id: int
    start: datetime
    persons: int = 1
    idempotency_key: str | None = None
    notes: str | None = None
    calendar_id: int | None = None
    source: BookingSource = BookingSource.WEB


def _aware_start(value: object, locale: str | None) -> datetime:
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        message = t("booking.start_offset", locale)
        raise ValidationFailed(message, fields={"start": message})
    return value.astimezone(timezone.utc)


def _clean_key(key: str | None) -> str | None:
    key = (key or "").strip()
    return key[:100] or None


def _replay(db: Session, ctx: TenantContext, existing: Booking, request: BookingRequest, start: datetime,
            new_client: ClientDetails | None, client_user_id: int | None) -> Booking:
    """The same request again returns the booking it made; a key reused for anything else is refused."""
    same_client = False
    if ctx.role == UserRole.CLIENT:
        same_client = existing.client_user_id == ctx.user_id
    elif is_staff(ctx):
        same_client = client_user_id is None or existing.client_user_id == client_user_id
    elif new_client is not None:
        client = db.get(AppUser, existing.client_user_id)
        try:
            same_client = client is not None and client.email == normalize_email(new_client.email)
        except ValidationFailed:
            same_client = False
    if not same_client or existing.service_id != request.service_id or existing.start_at != start:
        raise Conflict(t("booking.idempotency_reused", ctx.locale), fields={"idempotency_key": "reused"})
    return existing


def _resolve_client(db: Session, ctx: TenantContext, store: Store, new_client: ClientDetails | None,
                    client_user_id: int | None) -> int:
    if ctx.role == UserRole.CLIENT:
        require(ctx, Feature.BOOK_APPOINTMENTS)
        return ctx.user_id  # type: ignore[return-value]
    if is_staff(ctx):
        if not ctx.bypass:
            require(ctx, Feature.MANAGE_BOOKINGS)
        if client_user_id is None and new_client is not None:  # a new client on the phone
            return register_client(db, new_client, region=store.country or "GR").id  # type: ignore[return-value]
        if client_user_id is None:  # the matrix: staff book for a client, never for themselves
            raise PermissionDenied(t("booking.staff_books_for_clients", ctx.locale))
        # Only the store's own clients: a bare user id must not pull anyone else into the store
        # (their details would then show in its client list). Same answer for unknown ids.
        return bookable_client(db, ctx, store.id, client_user_id).id  # type: ignore[return-value]
    if ctx.user_id is None and new_client is not None:
        return register_client(db, new_client, region=store.country or "GR").id  # type: ignore[return-value]
    raise NotAuthenticated(t("booking.sign_in_to_book", ctx.locale))


def book(db: Session, ctx: TenantContext, request: BookingRequest, new_client: ClientDetails | None = None,
         client_user_id: int | None = None) -> Booking:
    """Book a service at `request.start` (see the module docstring for how races are settled).

    Anonymous with `new_client`: registers the client and books in this one transaction. A client
    books for themselves; a manager or admin for `client_user_id` (or a new client). Raises
    SlotTaken (details `next_free`: ISO starts) when the time is gone, PlanLimitReached when the
    store's plan has no booking left this month (bookings from Calendly are taken anyway).
    """
    service, store = get_bookable_service(db, ctx, request.service_id)
    if service.is_archived:
        message = t("booking.service_unavailable", ctx.locale)
        raise ValidationFailed(message, fields={"service_id": message})
    check_persons(ServiceRules.of(service, store), request.persons, ctx.locale)
    start = _aware_start(request.start, ctx.locale)
    key = _clean_key(request.idempotency_key)
    if key:
        existing = by_key(db, store, key)
        if existing is not None:
            return _replay(db, ctx, existing, request, start, new_client, client_user_id)
    # A failed booking leaves nothing behind, not even the account it registered. Without a new
    # account there is nothing to undo: every check comes before the booking's own rows.
    savepoint = db.begin_nested() if new_client is not None else None
    try:
        client_id = _resolve_client(db, ctx, store, new_client, client_user_id)
        repeat = None
        if BookingSource(request.source) != BookingSource.CALENDLY:
            repeat = _repeat_over_plan(db, ctx, store, client_id, service.id, start)
        booking = repeat or _book_for(db, ctx, request, service, store, start, client_id, key)
        if savepoint is not None:
            savepoint.commit()
    except BaseException as exc:
        if savepoint is not None and savepoint.is_active:
            savepoint.rollback()
        if key and isinstance(exc, Conflict):
            # The same request sent twice at once (a double submit): its twin registered the
            # email and booked while this one waited, so answer with that booking.
            existing = by_key(db, store, key)
            if existing is not None:
                return _replay(db, ctx, existing, request, start, new_client, client_user_id)
        raise
    return booking


def _repeat_over_plan(db: Session, ctx: TenantContext, store: Store, client_id: int, service_id: int,
                      start: datetime) -> Booking | None:
    """Check the plan's bookings this month. Over the limit, a repeated request (a double click)
    still gets back the booking the first one made."""
    try:
        check_monthly_bookings(db, ctx, store)
    except PlanLimitReached:
        repeat = same_booking(db, client_id, service_id, start)
        if repeat is None:
            raise
        return repeat
    return None


def _online_payment_possible(store: Store) -> bool:
    """Hold the slot for payment only when the client can actually pay online right now.

    Otherwise (no Stripe keys, gateway switched off, onboarding unfinished) the booking is
    confirmed at once and paid at the store, rather than held for a payment that cannot happen.
    """
    return payments_available(store)[0]


def _book_for(db: Session, ctx: TenantContext, request: BookingRequest, service: Service, store: Store,
              start: datetime, client_id: int, key: str | None) -> Booking:
    now = utcnow()
    total = price_for(service, request.persons, store.currency)
    # A recurring service is paid by its subscription (started from the wizard), never by a
    # one-off charge: its booking is not held waiting for a payment.
    needs_payment = (service.payment_enabled and not service.is_recurring and total > 0
                     and _online_payment_possible(store))
    source = BookingSource(request.source)
    if is_staff(ctx) and source == BookingSource.WEB:
        source = BookingSource.MANAGER

    def build(calendar_id: int, start_at: datetime, end_at: datetime) -> Booking:
        return new_row(
            Booking, store_id=store.id, client_user_id=client_id, service_id=service.id, calendar_id=calendar_id,
            start_at=start_at, end_at=end_at, number_of_persons=request.persons,
            status=BookingStatus.PENDING if needs_payment else BookingStatus.CONFIRMED,
            total_amount=total, advance_payment_amount=advance_due(service, total, store.currency),
            currency=store.currency, source=source, idempotency_key=key,
            hold_expires_at=now + timedelta(minutes=store.payment_hold_minutes) if needs_payment else None,
            notes=(request.notes or "").strip() or None, staff_requested=request.calendar_id is not None,
        )

    booking, created = place(db, ctx, service, store, start, request.persons, build, now=now,
                             calendar_id=request.calendar_id, strict=request.calendar_id is not None,
                             dedupe=(client_id, key))
    if created:
        # Messages first: their template query would otherwise flush the audit entry on its
        # own. Both are written by one flush, still in the booking's own context.
        notify(db, booking, "pending" if booking.status == BookingStatus.PENDING else "confirmed", new_booking=True)
        record_created(db, ctx, booking)
        webhook_events.booking_made(db, booking)
        db.flush()
    return booking


def _check_cutoff(db: Session, ctx: TenantContext, booking: Booking) -> None:
    """Clients change their bookings only up to the store's cutoff; staff always can."""
    if is_staff(ctx):
        return
    store = db.get(Store, booking.store_id)
    hours = store.cancellation_cutoff_hours if store else 0
    if utcnow() > booking.start_at - timedelta(hours=hours):
        raise PermissionDenied(t("booking.cutoff_passed", ctx.locale, hours=hours), cutoff_hours=hours)


def cancel_booking(db: Session, ctx: TenantContext, booking_id: int, reason: str | None = None) -> Booking:
    booking = visible_booking(db, ctx, booking_id, lock=True)
    with acting_in_store(db, ctx, booking.store_id) as actx:
        _check_cutoff(db, actx, booking)
        transition(db, actx, booking, BookingStatus.CANCELLED, reason)
    return booking


def reschedule_booking(db: Session, ctx: TenantContext, booking_id: int, new_start: datetime) -> Booking:
    """Move a confirmed booking: a new booking (linked by rescheduled_from_id) takes the new time,
    keeping the price and what was paid; the old one stays as history with status RESCHEDULED."""
    old = visible_booking(db, ctx, booking_id, lock=True)
    start = _aware_start(new_start, ctx.locale)
    with acting_in_store(db, ctx, old.store_id) as actx:
        _check_cutoff(db, actx, old)
        if start == old.start_at:
            message = t("booking.same_time", ctx.locale)
            raise ValidationFailed(message, fields={"start": message})
        store = db.get(Store, old.store_id)
        service = db.get(Service, old.service_id)
        savepoint = db.begin_nested()
        try:
            # The old time is released first, so a move by a few minutes on the same calendar works.
            transition(db, actx, old, BookingStatus.RESCHEDULED)

            def build(calendar_id: int, start_at: datetime, end_at: datetime) -> Booking:
                return Booking(
                    store_id=old.store_id, client_user_id=old.client_user_id, service_id=old.service_id,
                    calendar_id=calendar_id, start_at=start_at, end_at=end_at,
                    number_of_persons=old.number_of_persons, status=BookingStatus.CONFIRMED,
                    total_amount=old.total_amount, advance_payment_amount=old.advance_payment_amount,
                    amount_paid=old.amount_paid, currency=old.currency, payment_status=old.payment_status,
                    source=old.source, rescheduled_from_id=old.id, notes=old.notes,
                    staff_requested=old.staff_requested,
                )

            new, _ = place(db, actx, service, store, start, old.number_of_persons, build, now=utcnow(),
                           calendar_id=old.calendar_id)
            record_created(db, actx, new)
            notify(db, new, "rescheduled", new_booking=True)
            webhook_events.booking_rescheduled(db, new, old)
            savepoint.commit()
        except BaseException:
            if savepoint.is_active:
                savepoint.rollback()
            raise
    return new
