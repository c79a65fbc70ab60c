"""The booking status lifecycle: the one gate every status change goes through, and the staff's
steps through it (confirm, complete, no-show) and the payment holds running out.

pending → confirmed | cancelled
confirmed → completed | cancelled | rescheduled | no_show
Everything else is refused. Each change is written to the audit log (values before and after)
and handed to the notifications outbox in the same transaction.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub_app.domain.audit.service import record, snapshot
from hub_app.domain.bookings.access import visible_booking
from hub_app.domain.bookings.models import Booking, BookingStatus
from hub_app.domain.errors import Conflict
from hub_app.domain.outbound_webhooks import events as webhook_events
from hub_app.domain.permissions import Feature, require
from hub_app.domain.tenancy import TenantContext
from hub_app.domain.types import utcnow
from hub_app.i18n import t

ALLOWED_TRANSITIONS: dict[BookingStatus, frozenset[BookingStatus]] = {
    BookingStatus.PENDING: frozenset({BookingStatus.CONFIRMED, BookingStatus.CANCELLED}),
    BookingStatus.CONFIRMED: frozenset({
        BookingStatus.COMPLETED, BookingStatus.CANCELLED, BookingStatus.RESCHEDULED, BookingStatus.NO_SHOW,
    }),
}
AUDITED_FIELDS = (
    "status", "start_at", "end_at", "calendar_id", "number_of_persons", "total_amount", "payment_status",
    "hold_expires_at", "cancelled_at", "cancel_reason", "rescheduled_from_id",
)
# Status changes the outbox hears about (reschedules are announced with the new booking).
_EVENTS = {BookingStatus.CONFIRMED: "confirmed", BookingStatus.CANCELLED: "cancelled"}


def notify(db: Session, booking: Booking, event: str, *, new_booking: bool = False) -> None:
    """Tell the notifications outbox, when that module is installed, inside this transaction.

    `new_booking`: the booking was inserted in this transaction."""
    try:
        from hub_app.domain.notifications import outbox
    except ImportError:
        return
    outbox.on_booking_event(db, booking, event, new_booking=new_booking)


def can_transition(current: BookingStatus, target: BookingStatus) -> bool:
    return target in ALLOWED_TRANSITIONS.get(BookingStatus(current), frozenset())


def transition(db: Session, ctx: TenantContext, booking: Booking, new_status: BookingStatus,
               reason: str | None = None) -> Booking:
    """Move a booking to `new_status` if the lifecycle allows it (Conflict otherwise).

    Permission checks belong to the callers (cancel_booking, confirm_booking, the payment worker).
    """
    new_status = BookingStatus(new_status)
    if not can_transition(booking.status, new_status):
        current = BookingStatus(booking.status).value
        raise Conflict(t("booking.transition_refused", ctx.locale, current=current, target=new_status.value),
                       current=current, target=new_status.value)
    before = snapshot(booking, AUDITED_FIELDS)
    previous_status = BookingStatus(booking.status)
    booking.status = new_status
    if new_status == BookingStatus.CANCELLED:
        booking.cancelled_at = utcnow()
        booking.cancelled_by_user_id = ctx.user_id
        booking.cancel_reason = (reason or "")[:500] or None
    if new_status in (BookingStatus.CONFIRMED, BookingStatus.CANCELLED):
        booking.hold_expires_at = None
    db.flush()
    record(db, ctx, entity=booking, action=f"status_{new_status.value}", before=before,
           after=snapshot(booking, AUDITED_FIELDS))
    if new_status in _EVENTS:
        notify(db, booking, _EVENTS[new_status])
    announce_to_webhooks(db, booking, previous_status, new_status)
    return booking


def announce_to_webhooks(db: Session, booking: Booking, previous: BookingStatus, new: BookingStatus) -> None:
    """Integrators hear of a booking once it holds (confirmed), and of what happens to it after:
    a payment hold that runs out was never announced, so its cancellation is not either."""
    if new == BookingStatus.CONFIRMED and previous == BookingStatus.PENDING:
        webhook_events.booking_created(db, booking)
    elif new == BookingStatus.CANCELLED and previous == BookingStatus.CONFIRMED:
        webhook_events.booking_cancelled(db, booking)
    elif new == BookingStatus.NO_SHOW:
        webhook_events.booking_no_show(db, booking)


def record_created(db: Session, ctx: TenantContext, booking: Booking) -> None:
    record(db, ctx, entity=booking, action="created", after=snapshot(booking, AUDITED_FIELDS))


def _staff_booking(db: Session, ctx: TenantContext, booking_id: int) -> Booking:
    if not ctx.bypass:
        require(ctx, Feature.MANAGE_BOOKINGS)
    return visible_booking(db, ctx, booking_id, lock=True)


def confirm_booking(db: Session, ctx: TenantContext, booking_id: int) -> Booking:
    return transition(db, ctx, _staff_booking(db, ctx, booking_id), BookingStatus.CONFIRMED)


def _after_start(ctx: TenantContext, booking: Booking) -> Booking:
    if booking.start_at > utcnow():
        raise Conflict(t("booking.not_started", ctx.locale))
    return booking


def complete_booking(db: Session, ctx: TenantContext, booking_id: int) -> Booking:
    booking = _after_start(ctx, _staff_booking(db, ctx, booking_id))
    return transition(db, ctx, booking, BookingStatus.COMPLETED)


def mark_no_show(db: Session, ctx: TenantContext, booking_id: int) -> Booking:
    booking = _after_start(ctx, _staff_booking(db, ctx, booking_id))
    return transition(db, ctx, booking, BookingStatus.NO_SHOW)


def expire_holds(db: Session, ctx: TenantContext, now: datetime | None = None) -> int:
    """Cancel pending bookings whose payment hold ran out; returns how many (workers run this)."""
    if not ctx.bypass:
        require(ctx, Feature.MANAGE_BOOKINGS)
    now = now or utcnow()
    expired = db.scalars(
        select(Booking).where(Booking.status == BookingStatus.PENDING, Booking.hold_expires_at.is_not(None),
                              Booking.hold_expires_at <= now)
        .order_by(Booking.id).with_for_update(skip_locked=True)
    ).all()
    for booking in expired:
        transition(db, ctx, booking, BookingStatus.CANCELLED, t("booking.hold_expired", ctx.locale))
    return len(expired)
