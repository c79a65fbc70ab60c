"""Booking: make one (registering inside it), read it, its .ics, and every lifecycle step."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Header, Query, Response

from hub_app import db as hub_db
from hub_app.api.v1.deps import (
    Caller, StoreAddress, StoreScope, operation_id, signed_in, signed_in_store_scope, store_address, store_scope_in,
)
from hub_app.api.v1.bounded import run_booking_work
from hub_app.api.v1.errors import error_responses
from hub_app.api.v1.pages import BookingPage, Cursor, Limit, Offset, capped
from hub_app.api.v1.ranges import DayOrInstant
from hub_app.api.v1.schemas import (
    PathId,
    MAX_INT, BookingIn, BookingOut, CancelIn, ClientIn, RescheduleIn, Text,
)
from hub_app.api.v1.serializers import booking_out
from hub_app.domain.accounts.service import ClientDetails
from hub_app.domain.billing.refunds import cancel_with_refund
from hub_app.domain.bookings import service as bookings
from hub_app.domain.bookings.access import acting_in_store
from hub_app.domain.bookings.ics import booking_ics
from hub_app.domain.bookings.models import BookingSource, BookingStatus
from hub_app.domain.stores.local_time import range_instants
from hub_app.domain.errors import DomainError, ValidationFailed
from hub_app.domain.scheduling.service import get_service
from hub_app.domain.stores.service import get_store
from hub_app.domain.types import utcnow
from hub_app.i18n import t

router = APIRouter(tags=["bookings"], generate_unique_id_function=operation_id)

BookingId = PathId
IdempotencyKey = Annotated[
    str | None,
    Header(alias="Idempotency-Key", min_length=1, max_length=100, pattern=r"^[!-~]+$",
           description="Retrying with the same key returns the first booking instead of making another."),
]
ACT_ERRORS = error_responses(400, 401, 403, 404, 409, 422)
CLIENT_FIELDS = frozenset(ClientIn.model_fields)


@router.post(
    "/stores/{slug}/bookings", status_code=201, response_model=BookingOut,
    responses={200: {"model": BookingOut, "description": "A repeated Idempotency-Key: the booking it made."},
               **ACT_ERRORS},
)
async def create_booking(body: BookingIn, response: Response, idempotency_key: IdempotencyKey = None,
                         address: StoreAddress = Depends(store_address)) -> BookingOut:
    """Book a service. Without a bearer token, `client` registers the new client in the same step.

    A time that was just taken answers 409 `slot_taken` with the next free starts in `next_free`.
    """
    return await run_booking_work(_create_booking, body, response, idempotency_key, address)


def _create_booking(body: BookingIn, response: Response, idempotency_key: str | None,
                    address: StoreAddress) -> BookingOut:
    asked_at = utcnow()
    # One transaction for the store, the caller and the booking: the busiest write route.
    with hub_db.unit_of_work(address.anonymous()) as db:
        scope = store_scope_in(db, address)
        locale = scope.caller.locale
        if not scope.caller.signed_in and body.client is None:
            message = t("api.client_required", locale)
            raise ValidationFailed(message, fields={"client": message})
        if scope.caller.signed_in and body.client is not None:
            message = t("api.client_with_token", locale)
            raise ValidationFailed(message, fields={"client": message})
        new_client = ClientDetails(**body.client.model_dump()) if body.client is not None else None
        request = bookings.BookingRequest(
            service_id=body.service_id, start=body.start, persons=body.persons, idempotency_key=idempotency_key,
            notes=body.notes, calendar_id=body.calendar_id, source=BookingSource.API,
        )
        try:
            booking = bookings.book(db, scope.ctx, request, new_client=new_client,
                                    client_user_id=body.client_user_id)
        except DomainError as exc:
            if new_client is not None:
                # Name the new client's fields as the request does ("client.email"), as the
                # request validation errors do.
                exc.fields = {f"client.{k}" if k in CLIENT_FIELDS else k: v for k, v in exc.fields.items()}
            raise
        if idempotency_key is not None and booking.created_at < asked_at:
            response.status_code = 200  # made by an earlier request with this key
        return booking_out(booking, scope.store)


@router.get("/stores/{slug}/bookings", response_model=BookingPage, responses=error_responses(401, 403, 404, 422))
def list_store_bookings(
    scope: StoreScope = Depends(signed_in_store_scope),
    start: Annotated[DayOrInstant | None, Query(description="Bookings starting on or after this day, or at or after "
                                                       "this instant (see Ranges).")] = None,
    end: Annotated[DayOrInstant | None, Query(description="Bookings starting on or before this day, or before this "
                                                     "instant (see Ranges).")] = None,
    status: BookingStatus | None = None,
    service_id: Annotated[int | None, Query(ge=1, le=MAX_INT)] = None,
    search: Annotated[Text(100) | None, Query(description="Client name, email or phone.")] = None,
    limit: Limit = 100,
    offset: Offset = 0,
    cursor: Cursor = None,
) -> BookingPage:
    """Managers and admins: the store's bookings, filtered, in start order (id breaks ties), one
    page at a time: follow `next_cursor` for the next page."""
    start_at, end_at = range_instants(scope.store.timezone, start, end)
    with hub_db.unit_of_work(scope.ctx) as db:
        rows, total = bookings.list_bookings(
            db, scope.ctx, start=start_at, end=end_at, status=status, service_id=service_id,
            search=search or None, limit=limit, offset=offset, cursor=cursor,
        )
        return BookingPage(items=[booking_out(b, scope.store) for b in rows], limit=limit, offset=offset,
                           next_cursor=bookings.next_cursor(rows, "start", limit), **capped(total))


def _answer(db, ctx, booking) -> BookingOut:
    return booking_out(booking, get_store(db, booking.store_id, ctx.locale))


@router.get("/bookings/{booking_id}", response_model=BookingOut, responses=error_responses(401, 403, 404, 422))
def read_booking(booking_id: BookingId, caller: Caller = Depends(signed_in)) -> BookingOut:
    """The booking's client, or the store's manager or an admin."""
    ctx = caller.context()
    with hub_db.unit_of_work(ctx) as db:
        return _answer(db, ctx, bookings.get_booking(db, ctx, booking_id))


@router.get(
    "/bookings/{booking_id}/ics", response_class=Response, responses={
        200: {"description": "An iCalendar file with the appointment.",
              "content": {"text/calendar": {"schema": {"type": "string"}}}},
        **error_responses(401, 403, 404, 422),
    },
)
def booking_calendar_file(booking_id: BookingId, caller: Caller = Depends(signed_in)) -> Response:
    ctx = caller.context()
    with hub_db.unit_of_work(ctx) as db:
        booking = bookings.get_booking(db, ctx, booking_id)
        store = get_store(db, booking.store_id, ctx.locale)
        with acting_in_store(db, ctx, booking.store_id) as inner:
            service = get_service(db, inner, booking.service_id)
        content = booking_ics(booking, store, service)
    return Response(content, media_type="text/calendar; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="booking-{booking_id}.ics"'})


@router.post("/bookings/{booking_id}/cancel", response_model=BookingOut, responses=ACT_ERRORS)
def cancel(booking_id: BookingId, body: Annotated[CancelIn | None, Body()] = None,
           caller: Caller = Depends(signed_in)) -> BookingOut:
    """Clients until the store's cancellation cutoff; the store's manager and admins at any time.

    Money paid is refunded by the store's policy (all when the store cancels)."""
    ctx = caller.context()
    with hub_db.unit_of_work(ctx) as db:
        booking = cancel_with_refund(db, ctx, booking_id, reason=body.reason if body else None)
        return _answer(db, ctx, booking)


@router.post("/bookings/{booking_id}/reschedule", response_model=BookingOut, responses=ACT_ERRORS)
def reschedule(booking_id: BookingId, body: RescheduleIn, caller: Caller = Depends(signed_in)) -> BookingOut:
    """Move the booking. The answer is the NEW booking (`rescheduled_from_id` is the old one)."""
    ctx = caller.context()
    with hub_db.unit_of_work(ctx) as db:
        return _answer(db, ctx, bookings.reschedule_booking(db, ctx, booking_id, body.start))


@router.post("/bookings/{booking_id}/confirm", response_model=BookingOut, responses=ACT_ERRORS)
def confirm(booking_id: BookingId, caller: Caller = Depends(signed_in)) -> BookingOut:
    """Managers and admins: confirm a pending booking."""
    ctx = caller.context()
    with hub_db.unit_of_work(ctx) as db:
        return _answer(db, ctx, bookings.confirm_booking(db, ctx, booking_id))


@router.post("/bookings/{booking_id}/complete", response_model=BookingOut, responses=ACT_ERRORS)
def complete(booking_id: BookingId, caller: Caller = Depends(signed_in)) -> BookingOut:
    """Managers and admins: the appointment took place."""
    ctx = caller.context()
    with hub_db.unit_of_work(ctx) as db:
        return _answer(db, ctx, bookings.complete_booking(db, ctx, booking_id))


@router.post("/bookings/{booking_id}/no-show", response_model=BookingOut, responses=ACT_ERRORS)
def no_show(booking_id: BookingId, caller: Caller = Depends(signed_in)) -> BookingOut:
    """Managers and admins: the client did not come."""
    ctx = caller.context()
    with hub_db.unit_of_work(ctx) as db:
        return _answer(db, ctx, bookings.mark_no_show(db, ctx, booking_id))
