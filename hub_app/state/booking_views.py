"""Plain values the booking wizard shows: the month grid of the day picker and the confirmation."""

from __future__ import annotations

import calendar
from datetime import date
from zoneinfo import ZoneInfo

from hub_app.domain.bookings.models import Booking, BookingStatus
from hub_app.i18n import format_datetime, format_money, format_time, t


def month_cells(year: int, month: int, free: dict[date, int], today: date) -> list[dict[str, str]]:
    """A Monday-first grid of one month: blanks, then one cell per day with its free-time count."""
    first_weekday, days = calendar.monthrange(year, month)
    cells = [{"day": "", "iso": "", "free": "0", "kind": "blank"} for _ in range(first_weekday)]
    for day in range(1, days + 1):
        d = date(year, month, day)
        count = free.get(d, 0)
        kind = "past" if d < today else ("free" if count else "full")
        cells.append({"day": str(day), "iso": d.isoformat(), "free": str(count), "kind": kind})
    return cells


def describe_booking(booking: Booking, service_name: str, staff_name: str, tz: str, loc: str) -> dict[str, str]:
    """The confirmation's lines, in the reader's language and the store's timezone."""
    pending = booking.status == BookingStatus.PENDING
    return {
        "id": str(booking.id),
        "start": booking.start_at.astimezone(ZoneInfo(tz)).isoformat(),
        "service": service_name,
        "staff": staff_name,
        "when": format_datetime(booking.start_at, tz, loc, "full"),
        "persons": str(booking.number_of_persons),
        "total": format_money(booking.total_amount, booking.currency, loc),
        "status": t(f"booking.status.{booking.status.value}", loc),
        "pending": "yes" if pending else "",
        "hold_until": format_time(booking.hold_expires_at, tz, loc) if pending and booking.hold_expires_at else "",
        "subscribe": "",
    }
