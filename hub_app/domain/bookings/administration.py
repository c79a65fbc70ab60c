"""The admin's booking status change, through the booking lifecycle's own functions."""

from __future__ import annotations

from sqlalchemy.orm import Session

from hub_app.domain.bookings import service as bookings
from hub_app.domain.bookings.models import Booking, BookingStatus
from hub_app.domain.errors import NotFound, ValidationFailed
from hub_app.domain.permissions import Feature, require
from hub_app.domain.tenancy import TenantContext
from hub_app.i18n import t


# Target status -> the booking service's function for it (each checks what that change needs:
# a completed or no-show booking must have started; a cancellation releases the time).
_STATUS_FUNCTIONS = {
    BookingStatus.CONFIRMED: "confirm_booking",
    BookingStatus.COMPLETED: "complete_booking",
    BookingStatus.NO_SHOW: "mark_no_show",
    BookingStatus.CANCELLED: "cancel_booking",
}
ADMIN_TARGET_STATUSES = tuple(_STATUS_FUNCTIONS)


def change_booking_status(db: Session, ctx: TenantContext, booking_id: int, new_status: BookingStatus | str,
                          reason: str | None = None) -> Booking:
    """Move a booking through its lifecycle (the booking service and its `transition`).

    The lifecycle refuses changes it does not allow and writes each change to the audit log with the
    acting admin. A reschedule needs a new time, so it is not offered here. Cancelling does not
    refund: refund the booking's payments from the payments list (the admin decides the amount).
    """
    require(ctx, Feature.MANAGE_BOOKINGS)
    try:
        target = BookingStatus(getattr(new_status, "value", new_status))
    except ValueError:
        raise ValidationFailed(t("admin.invalid_status", ctx.locale), fields={"status": t("admin.invalid_status", ctx.locale)}) from None
    if target not in _STATUS_FUNCTIONS:
        raise ValidationFailed(t("admin.invalid_status", ctx.locale), fields={"status": t("admin.invalid_status", ctx.locale)})
    if db.get(Booking, booking_id) is None:
        raise NotFound(t("booking.not_found", ctx.locale))
    change = getattr(bookings, _STATUS_FUNCTIONS[target], None)
    if target == BookingStatus.CANCELLED and change is not None:
        return change(db, ctx, booking_id, reason=(reason or "").strip() or None)
    if change is not None:
        return change(db, ctx, booking_id)
    return bookings.transition(db, ctx, db.get(Booking, booking_id), target, (reason or "").strip() or None)
