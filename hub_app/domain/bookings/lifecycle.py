"""The booking status lifecycle: the one gate every status change goes through.

pending → confirmed | cancelled
confirmed → completed | cancelled | rescheduled | no_show
Everything else is refused. Each change is written to the audit log (values before and after)
and handed to the notifications outbox in the same transaction.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from hub_app.domain.audit.service import record, snapshot
from hub_app.domain.bookings.models import Booking, BookingStatus
from hub_app.domain.errors import Conflict
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
    return booking


def record_created(db: Session, ctx: TenantContext, booking: Booking) -> None:
    record(db, ctx, entity=booking, action="created", after=snapshot(booking, AUDITED_FIELDS))
