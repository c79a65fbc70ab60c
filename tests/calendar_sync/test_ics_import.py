"""ICS URL import (a read-only feed as a busy source) and bad input anywhere: wrong feeds, an
HTML server, a 50 MB feed, broken VEVENTs → a clear error on that connection, nothing else in
the store disturbed."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from hub_app import db as hub_db
from hub_app.domain.calendar_sync import jobs, service
from hub_app.domain.calendar_sync.client import CalendarBadResponse
from hub_app.domain.calendar_sync.ics_import import fetch_feed
from hub_app.domain.calendar_sync.models import CalendarConnection
from hub_app.domain.scheduling.models import ExternalBusyTime
from hub_app.domain.tenancy import TenantContext
from tests.calendar_sync.events import utc_event, vevent, wrap
from tests.calendar_sync.feed_server import FeedServer
from tests.calendar_sync.test_inbound import busy_rows, connect, future_day, local

HTML = "<!DOCTYPE html><html><body><h1>Welcome to our website</h1></body></html>"


@pytest.fixture(scope="module")
def feeds():
    server = FeedServer()
    yield server
    server.close()


def import_feed(shop, url: str) -> int:
    with hub_db.unit_of_work(shop.manager_ctx()) as db:
        return service.connect_ics_url(db, shop.manager_ctx(), shop.calendar_id, url).id


def status(shop, connection_id: int) -> CalendarConnection:
    with hub_db.unit_of_work(TenantContext.system(shop.store_id)) as db:
        row = db.get(CalendarConnection, connection_id)
        db.expunge(row)
        return row


def test_a_feed_blocks_its_events_and_follows_its_changes(shop, feeds):
    run = uuid.uuid4().hex
    day = future_day(9)
    one = vevent("one", local(shop, day, "10:00"), local(shop, day, "11:00"))
    two = vevent("two", local(shop, day, "14:00"), local(shop, day, "15:00"))
    url = feeds.serve(f"/{run}/team.ics", wrap(one + two))
    connection_id = import_feed(shop, url)
    report = jobs.sync_inbound(connection_id)
    assert (report.changed, report.error) == (2, None)
    assert busy_rows(shop) == [(local(shop, day, "10:00"), local(shop, day, "11:00")),
                               (local(shop, day, "14:00"), local(shop, day, "15:00"))]
    feeds.serve(f"/{run}/team.ics", wrap(two))
    report = jobs.sync_inbound(connection_id)
    assert (report.changed, report.deleted) == (0, 1)  # the unchanged event is not rewritten
    assert busy_rows(shop) == [(local(shop, day, "14:00"), local(shop, day, "15:00"))]


@pytest.mark.parametrize("case", ["html", "huge", "missing", "not_ics"])
def test_a_bad_feed_is_a_clear_error_and_keeps_everything_else(shop, feeds, radicale, case):
    run = uuid.uuid4().hex
    remote = radicale.new_calendar()
    day = future_day(6)
    radicale.put_event(remote, "a.ics", utc_event("a", local(shop, day, "10:00"), local(shop, day, "11:00")))
    jobs.sync_inbound(connect(shop, radicale, [remote]))
    good = feeds.serve(f"/{run}/{case}.ics",
                       utc_event("feed", local(shop, day, "15:00"), local(shop, day, "16:00")))
    feed_id = import_feed(shop, good)
    jobs.sync_inbound(feed_id)
    before = busy_rows(shop)
    assert len(before) == 2

    if case == "html":
        feeds.serve(f"/{run}/{case}.ics", HTML, "text/html")
    elif case == "not_ics":
        feeds.serve(f"/{run}/{case}.ics", "hello, this is not a calendar")
    elif case == "missing":
        feeds.bodies.pop(f"/{run}/{case}.ics")
    else:
        feeds.huge_paths.add(f"/{run}/{case}.ics")
    with pytest.raises(service.CalendarSyncError):
        jobs.sync_inbound(feed_id)
    row = status(shop, feed_id)
    expected = {"html": "HTML page", "huge": "larger than 10 MB", "missing": "not found",
                "not_ics": "not iCalendar"}[case]
    assert row.state == "error" and expected in row.last_error
    assert busy_rows(shop) == before  # neither the feed's old busy time nor the CalDAV one moved


def test_a_50_mb_feed_is_refused_without_reading_it_all(feeds):
    with pytest.raises(CalendarBadResponse, match="larger than 10 MB"):
        fetch_feed(feeds.url + "/huge.ics")


def test_broken_events_are_named_and_the_good_ones_still_count(shop, feeds):
    run = uuid.uuid4().hex
    day = future_day(8)
    good = vevent("good", local(shop, day, "09:00"), local(shop, day, "10:00"))
    body = wrap(good
                + "BEGIN:VEVENT\nUID:bad-date\nDTSTAMP:20270101T000000Z\nDTSTART:notadate\nEND:VEVENT\n"
                + "BEGIN:VEVENT\nUID:no-start\nDTSTAMP:20270101T000000Z\nSUMMARY:?\nEND:VEVENT\n"
                + "BEGIN:VEVENT\nUID:bad-rule\nDTSTAMP:20270101T000000Z\nDTSTART:20270110T120000Z\n"
                  "RRULE:FREQ=SOMETIMES\nEND:VEVENT\n")
    connection_id = import_feed(shop, feeds.serve(f"/{run}/broken.ics", body))
    report = jobs.sync_inbound(connection_id)
    assert busy_rows(shop) == [(local(shop, day, "09:00"), local(shop, day, "10:00"))]
    assert len(report.problems) == 3
    row = status(shop, connection_id)
    assert row.state == "active"
    assert all(uid in row.last_error for uid in ("bad-date", "no-start", "bad-rule"))


def test_a_server_answering_html_is_not_taken_for_caldav(shop, feeds):
    url = feeds.serve("/html", HTML, "text/html")
    with pytest.raises(service.ValidationFailed) as refused:
        service.discover(url, "user", "password")
    assert refused.value.message == "That address does not answer like a CalDAV calendar server."
    with hub_db.unit_of_work(TenantContext.system(shop.store_id)) as db:
        assert db.scalars(select(ExternalBusyTime)).all() == []
