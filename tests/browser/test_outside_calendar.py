"""A manager connects a CalDAV calendar (a real Radicale server) on the Calendars page: the test
connection step, choosing the busy source, sync now; the remote event shows as external busy time
and a client can no longer book that time on the booking page."""

from __future__ import annotations

import os
from datetime import datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.browser.client_seed import TIMEZONE, make_salon, store_today
from tests.browser.test_manage_dashboard import at, free_starts_on_booking_page, manager_of, sign_in
from tests.calendar_sync.events import utc_event
from tests.calendar_sync.radicale_server import start_radicale, stop_radicale


@pytest.fixture(scope="module")
def radicale(tmp_path_factory):
    server = start_radicale(tmp_path_factory.mktemp("radicale-browser"))
    yield server
    stop_radicale(server)


def local(day, hhmm: str) -> datetime:
    return datetime.combine(day, time.fromisoformat(hhmm), tzinfo=ZoneInfo(TIMEZONE)).astimezone(timezone.utc)


def test_a_connected_calendars_event_blocks_the_slot_for_clients(live_app, page, engine, radicale):
    salon = make_salon(engine, prefix="caldav")
    remote = radicale.new_calendar(name="Maria at work")
    day = store_today() + timedelta(days=3)
    radicale.put_event(remote, "dentist.ics", utc_event("dentist", local(day, "10:00"), local(day, "11:00")))
    before = free_starts_on_booking_page(page, live_app, salon.slug, str(salon.haircut_id), day)
    assert {at(day, "09:00"), at(day, "10:00"), at(day, "11:00")} <= set(before)

    sign_in(page, live_app, manager_of(salon))
    page.goto(live_app.url("/manage/calendars"))
    section = page.locator("#outside-calendar")
    url, user, password = radicale.account()
    section.get_by_label("CalDAV server address").fill(url)
    section.get_by_label("User name").fill(user)
    section.get_by_label("App password").fill("not-the-password")
    page.locator("#caldav-submit").click()
    expect(page.locator("#manage-error")).to_contain_text("refused the user name or app password")

    section.get_by_label("App password").fill(password)
    page.locator("#caldav-submit").click()
    expect(page.locator("#manage-notice")).to_contain_text("Connected to the server")
    section.get_by_label("Maria at work").check()
    expect(page.locator("#caldav-submit")).to_have_text("Connect")
    page.locator("#caldav-submit").click()
    expect(page.locator("#manage-notice")).to_contain_text("Calendar connected")
    expect(page.locator("#caldav-state")).to_have_text("active")

    page.locator("#caldav-sync-now").click()
    expect(page.locator("#manage-notice")).to_contain_text("1 remote changes read")
    expect(page.locator("#caldav-external .external-busy")).to_have_count(1)
    expect(page.locator("#caldav-external")).to_contain_text("External")
    shots = Path(os.environ.get("HUB_SCREENSHOT_DIR") or live_app.data_dir)
    page.locator("#outside-calendar").screenshot(path=str(shots / "outside-calendar.png"))

    after = free_starts_on_booking_page(page, live_app, salon.slug, str(salon.haircut_id), day)
    assert at(day, "10:00") not in after
    assert at(day, "11:00") in after and at(day, "09:00") in after
