"""The .ics file: one VEVENT at the right local time with TZID and a VTIMEZONE, readable back."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from icalendar import Calendar

from hub_app.domain.bookings.ics import booking_ics
from hub_app.domain.bookings.models import Booking, BookingStatus
from hub_app.domain.scheduling.models import PriceType, Service
from hub_app.domain.stores.models import Store


def test_event_carries_zone_times_summary_location_and_uid():
    tz = ZoneInfo("America/New_York")
    start = datetime(2031, 11, 2, 1, 30, fold=1, tzinfo=tz)  # the second 01:30 of the fall-back night
    store = Store(id=4, name="Nails NYC", slug="nails", timezone="America/New_York", address="5th Ave 1",
                  city="New York", currency="USD")
    service = Service(id=9, store_id=4, name="Manicure", duration_minutes=45, price_type=PriceType.FIXED,
                      base_price_amount=Decimal("30"))
    booking = Booking(id=77, store_id=4, client_user_id=1, service_id=9, calendar_id=1, number_of_persons=1,
                      start_at=start.astimezone(ZoneInfo("UTC")), end_at=(start + timedelta(minutes=45)).astimezone(ZoneInfo("UTC")),
                      status=BookingStatus.CONFIRMED, total_amount=Decimal("30.00"), currency="USD")
    raw = booking_ics(booking, store, service)
    assert b"BEGIN:VTIMEZONE" in raw and b"TZID:America/New_York" in raw
    # The repeated hour cannot be named with TZID (that means the first 01:30): UTC instead.
    assert b"DTSTART:20311102T063000Z" in raw and b"DTEND;TZID=America/New_York:20311102T021500" in raw
    event = next(c for c in Calendar.from_ical(raw).walk("VEVENT"))
    assert event.decoded("dtstart").astimezone(ZoneInfo("UTC")) == booking.start_at
    assert event.decoded("dtend").astimezone(ZoneInfo("UTC")) == booking.end_at
    assert str(event["summary"]) == "Manicure – Nails NYC"
    assert str(event["location"]) == "5th Ave 1, New York"
    assert str(event["uid"]).startswith("booking-77@")


def test_an_ordinary_time_is_written_with_tzid():
    tz = ZoneInfo("Europe/Athens")
    start = datetime(2031, 6, 2, 10, 0, tzinfo=tz)
    store = Store(id=1, name="Salon", slug="salon", timezone="Europe/Athens")
    service = Service(id=2, store_id=1, name="Cut", duration_minutes=30, price_type=PriceType.FIXED,
                      base_price_amount=Decimal("20"))
    booking = Booking(id=3, store_id=1, client_user_id=1, service_id=2, calendar_id=1, number_of_persons=1,
                      start_at=start.astimezone(ZoneInfo("UTC")), end_at=(start + timedelta(minutes=30)).astimezone(ZoneInfo("UTC")),
                      status=BookingStatus.CONFIRMED, total_amount=Decimal("20.00"), currency="EUR")
    raw = booking_ics(booking, store, service)
    assert b"DTSTART;TZID=Europe/Athens:20310602T100000" in raw and b"TZID:Europe/Athens" in raw
    assert b"LOCATION" not in raw
