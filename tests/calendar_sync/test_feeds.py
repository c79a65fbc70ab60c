"""ICS subscription feeds: valid RFC 5545 with the store's VTIMEZONE, no client data unless
chosen, revocable; parsed with icalendar and imported into Radicale as a whole calendar."""

from __future__ import annotations

from datetime import datetime

import icalendar
import pytest
from fastapi.testclient import TestClient

from hub_app import db as hub_db
from hub_app.api.app import create_api
from hub_app.domain.accounts.models import AppUser
from hub_app.domain.bookings.models import Booking
from hub_app.domain.bookings.service import cancel_booking, reschedule_booking
from hub_app.domain.calendar_sync import feeds
from hub_app.domain.calendar_sync.ics import booking_uid
from hub_app.domain.tenancy import TenantContext
from tests.calendar_sync.test_inbound import future_day, local
from tests.calendar_sync.test_outbound import new_booking


@pytest.fixture
def api(shop) -> TestClient:
    return TestClient(create_api())


def make_feed(shop, calendar_id, show_client_names=False) -> feeds.NewFeed:
    ctx = shop.manager_ctx()
    with hub_db.unit_of_work(ctx) as db:
        return feeds.create_feed(db, ctx, calendar_id, show_client_names=show_client_names)


def test_a_calendar_feed_is_valid_icalendar_without_client_data(shop, api):
    day = future_day(21)
    kept = new_booking(shop, local(shop, day, "10:00"))
    moved = new_booking(shop, local(shop, day, "11:00"))
    gone = new_booking(shop, local(shop, day, "12:00"))
    ctx = shop.manager_ctx()
    with hub_db.unit_of_work(ctx) as db:
        reschedule_booking(db, ctx, moved, local(shop, day, "15:00"))
    with hub_db.unit_of_work(ctx) as db:
        cancel_booking(db, ctx, gone, "no")
    with hub_db.unit_of_work(TenantContext.system()) as db:
        client = db.get(AppUser, db.get(Booking, kept).client_user_id)
        client_name = client.last_name

    feed = make_feed(shop, shop.calendar_id)
    answer = api.get(f"/feeds/{feed.token}.ics")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/calendar")
    assert client_name not in answer.text and "@" not in answer.text.replace("@appointment", "")
    cal = icalendar.Calendar.from_ical(answer.text)
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["Europe/Athens"]
    events = {str(e["UID"]): e for e in cal.walk("VEVENT")}
    assert set(events) == {booking_uid(shop.store_id, kept), booking_uid(shop.store_id, moved)}
    moved_event = events[booking_uid(shop.store_id, moved)]
    assert moved_event["DTSTART"].params["TZID"] == "Europe/Athens"
    assert moved_event["DTSTART"].dt == local(shop, day, "15:00")
    assert all(not e.errors for e in cal.walk()) and str(moved_event["SUMMARY"]) == "Haircut"


def test_client_names_only_when_chosen_and_a_revoked_feed_is_gone(shop, api):
    day = future_day(22)
    booking_id = new_booking(shop, local(shop, day, "10:00"))
    with hub_db.unit_of_work(TenantContext.system()) as db:
        client = db.get(AppUser, db.get(Booking, booking_id).client_user_id)
        name = f"{client.first_name} {client.last_name}"
    feed = make_feed(shop, None, show_client_names=True)  # the whole store
    assert name in api.get(f"/feeds/{feed.token}.ics").text

    ctx = shop.manager_ctx()
    with hub_db.unit_of_work(ctx) as db:
        feeds.revoke_feed(db, ctx, feed.id)
    assert api.get(f"/feeds/{feed.token}.ics").status_code == 404
    assert api.get("/feeds/not-a-token.ics").status_code == 404


def test_radicale_imports_the_feed_as_a_calendar(shop, api, radicale):
    day = future_day(23)
    ids = [new_booking(shop, local(shop, day, f"{h:02d}:00")) for h in (9, 11, 13)]
    feed = make_feed(shop, shop.calendar_id)
    body = api.get(f"/feeds/{feed.token}.ics").text
    # PUT of a whole iCalendar file on a new collection URL: Radicale checks and stores each event.
    url = radicale.url + f"staff/imported-{shop.store_id}-{datetime.now().timestamp():.0f}/"
    response = radicale.client().put(url, body, {"Content-Type": "text/calendar"})
    assert response.status in (201, 204), response.status
    texts = radicale.texts(url)
    uids = {str(e["UID"]) for text in texts.values() for e in icalendar.Calendar.from_ical(text).walk("VEVENT")}
    assert uids == {booking_uid(shop.store_id, i) for i in ids}
