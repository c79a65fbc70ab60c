"""The confirmation's calendar file: one VEVENT in the store's timezone (with its VTIMEZONE)."""

from __future__ import annotations

from datetime import datetime, timezone
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vText

from hub_app.domain.bookings.models import Booking, BookingStatus
from hub_app.domain.scheduling.models import Service
from hub_app.domain.stores.models import Store
from hub_app.domain.types import utcnow
from hub_app.settings import get_settings


def booking_uid(booking: Booking) -> str:
    # Stable for the booking, so a second download updates the event instead of duplicating it.
    host = urlsplit(get_settings().public_base_url).hostname or "appointment-hub"
    return f"booking-{booking.id}@{host}"


def _ical_time(instant: datetime, tz: ZoneInfo) -> datetime:
    """Local time with TZID (the appointment stays at 10:00 in the store's zone whatever the
    device's), except in a fall-back night's repeated hour: a TZID time there means the first
    occurrence (RFC 5545), so the second one is written in UTC."""
    local = instant.astimezone(tz)
    if local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset():
        return instant.astimezone(timezone.utc)
    return local


def booking_ics(booking: Booking, store: Store, service: Service) -> bytes:
    tz = ZoneInfo(store.timezone)
    cal = Calendar()
    cal.add("prodid", "-//Appointment Hub//Bookings//EN")
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    event = Event()
    event.add("uid", booking_uid(booking))
    event.add("dtstamp", utcnow())
    event.add("dtstart", _ical_time(booking.start_at, tz))
    event.add("dtend", _ical_time(booking.end_at, tz))
    event.add("summary", f"{service.name} – {store.name}")
    location = ", ".join(part for part in (store.address, store.city) if part)
    if location:
        event.add("location", vText(location))
    details = [f"{booking.number_of_persons} × {service.name}", f"{booking.total_amount} {booking.currency}"]
    if store.phone_number:
        details.append(store.phone_number)
    event.add("description", "\n".join(details))
    event.add("status", "CANCELLED" if booking.status == BookingStatus.CANCELLED else "CONFIRMED")
    event.add("sequence", 0)
    cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()
