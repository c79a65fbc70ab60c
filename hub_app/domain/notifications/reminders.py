"""Reminders, found from the database on every scan (not from delayed queue messages).

A booking gets its reminder once it is confirmed and starts within the store's
`reminder_hours_before` (elapsed hours between instants, so a DST change in between does not
shift it). The dedupe key names the booking AND its start instant: a rescan never adds a second
reminder, a restart loses none (the next scan finds what is due), and a booking whose start
changed would get a fresh one. Cancelled and rescheduled bookings are never selected, their
pending reminders are withdrawn by the outbox, and the dispatcher checks again before sending.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub_app.domain.bookings.models import Booking, BookingStatus
from hub_app.domain.notifications.models import Notification, NotificationKind
from hub_app.domain.notifications.outbox import acting_for_store, build_for_booking
from hub_app.domain.stores.models import Store
from hub_app.domain.tenancy import TenantContext
from hub_app.domain.types import utcnow


def start_stamp(start_at: datetime) -> str:
    return start_at.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def reminder_key_base(booking: Booking) -> str:
    return f"reminder:{booking.id}:{start_stamp(booking.start_at)}"


def reminder_due_at(booking: Booking, hours_before: int) -> datetime:
    return booking.start_at - timedelta(hours=hours_before)


def is_current_reminder(notification: Notification, booking: Booking | None, now: datetime) -> str | None:
    """None when the reminder may still go out, else the reason it must not."""
    if booking is None:
        return "booking no longer exists"
    if booking.status != BookingStatus.CONFIRMED:
        return f"booking is {booking.status.value}; reminder not sent"
    if not (notification.dedupe_key or "").startswith(reminder_key_base(booking) + ":"):
        return "booking time changed; reminder for the old time not sent"
    if booking.start_at <= now:
        return "booking already started; reminder not sent"
    return None


def due_bookings(db: Session, now: datetime, limit: int = 500) -> list[tuple[Booking, int]]:
    """Confirmed bookings whose reminder time has come and that have no reminder for this start."""
    horizons = db.scalars(
        select(Store.reminder_hours_before).where(Store.is_active.is_(True), Store.reminder_hours_before > 0).distinct()
    ).all()
    found: list[tuple[Booking, int]] = []
    for hours in horizons:
        rows = db.scalars(
            select(Booking)
            .join(Store, Store.id == Booking.store_id)
            .where(
                Store.reminder_hours_before == hours, Store.is_active.is_(True),
                Booking.status == BookingStatus.CONFIRMED,
                Booking.start_at > now, Booking.start_at <= now + timedelta(hours=hours),
            )
            .order_by(Booking.start_at)
            .limit(limit)
        ).all()
        found.extend((booking, hours) for booking in rows)
    if not found:
        return []
    existing = set(db.scalars(
        select(Notification.dedupe_key).where(
            Notification.kind == NotificationKind.REMINDER,
            Notification.booking_id.in_([b.id for b, _ in found]),
        )
    ))
    reminded = {key.rsplit(":", 1)[0] for key in existing if key}
    due = []
    for booking, hours in found:
        if reminder_key_base(booking) in reminded:
            continue
        # Booked inside the reminder window: the confirmation just told them; no reminder.
        if booking.created_at > reminder_due_at(booking, hours):
            continue
        due.append((booking, hours))
    return due


def queue_due_reminders(db: Session, ctx: TenantContext, now: datetime | None = None,
                        limit: int = 500) -> list[Notification]:
    """Write the reminder rows that are due (system context); they are enqueued after commit."""
    if not ctx.bypass:
        raise PermissionError("the reminder scan runs in the system context")
    now = now or utcnow()
    by_store: dict[int, list[Booking]] = defaultdict(list)
    for booking, _hours in due_bookings(db, now, limit):
        by_store[booking.store_id].append(booking)
    created: list[Notification] = []
    for store_id, bookings in by_store.items():
        with acting_for_store(db, store_id):
            for booking in bookings:
                created.extend(build_for_booking(db, booking, NotificationKind.REMINDER, reminder_key_base(booking)))
    return created
