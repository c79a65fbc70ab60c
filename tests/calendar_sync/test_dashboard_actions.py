"""The Calendars page's outside-calendar functions: test connection, connect, sync now (with its
error), the status, conflicts and external busy time the page shows."""

from __future__ import annotations

import pytest

from hub_app import db as hub_db
from hub_app.domain.calendar_sync.models import CalendarConnection
from hub_app.domain.errors import ValidationFailed
from hub_app.domain.secrets import encrypt_secret
from hub_app.domain.tenancy import TenantContext
from hub_app.manage.calendars import sync_present as actions
from tests.calendar_sync.events import utc_event
from tests.calendar_sync.test_inbound import future_day, local


def test_connect_sync_now_and_what_the_page_shows(shop, radicale):
    ctx = shop.manager_ctx()
    remote = radicale.new_calendar(name="Maria's work")
    url, user, password = radicale.account()
    with pytest.raises(ValidationFailed):
        actions.test_connection(ctx, url, user, "wrong")
    found = actions.test_connection(ctx, url, user, password)
    assert {"url": remote, "name": "Maria's work"} in found
    actions.connect(ctx, shop.calendar_id, url, user, password, [remote], remote)
    assert actions.panel(ctx, shop.calendar_id)["connection"]["synced"] == ""

    day = future_day(2)
    radicale.put_event(remote, "gym.ics", utc_event("gym", local(shop, day, "18:00"), local(shop, day, "19:00")))
    assert "1 remote changes" in actions.sync_now(ctx, shop.calendar_id)
    shown = actions.panel(ctx, shop.calendar_id)
    assert shown["connection"]["state"] == "active" and shown["connection"]["synced"]
    assert shown["connection"]["password"] == "•••• set" and password not in str(shown)
    assert [b["source"] for b in shown["external"]] == ["caldav"]

    with hub_db.unit_of_work(TenantContext.system(shop.store_id)) as db:
        db.get(CalendarConnection, int(shown["connection"]["id"])).password_encrypted = encrypt_secret("revoked")
    with pytest.raises(actions.SyncFailed) as failed:
        actions.sync_now(ctx, shop.calendar_id)
    assert failed.value.message == "The calendar server refused the user name or app password."
    after = actions.panel(ctx, shop.calendar_id)
    assert after["connection"]["state"] == "error" and after["external"] == shown["external"]

    actions.disconnect(ctx, shop.calendar_id)
    assert actions.panel(ctx, shop.calendar_id) == {"connection": {}, "ics": {}, "feeds": [], "conflicts": [], "external": []}


def test_the_bookings_calendar_shows_outside_busy_time_as_external(shop, radicale):
    from hub_app.manage.bookings.present import calendar_grid

    ctx = shop.manager_ctx()
    remote = radicale.new_calendar()
    url, user, password = radicale.account()
    actions.connect(ctx, shop.calendar_id, url, user, password, [remote], None)
    day = future_day(3)
    radicale.put_event(remote, "x.ics", utc_event("x", local(shop, day, "10:00"), local(shop, day, "11:30")))
    actions.sync_now(ctx, shop.calendar_id)
    grid = calendar_grid(ctx, "day", day)
    [block] = grid["external"][0]
    assert (block["source"], block["label"].replace("\u202f", " "), block["height"]) == ("caldav", "10:00 AM–11:30 AM", "90px")
    assert calendar_grid(ctx, "month", day)["external"][0] == []


def test_an_ics_link_as_busy_time_and_a_subscription_link_shown_once(shop):
    from fastapi.testclient import TestClient

    from hub_app.api.app import create_api
    from tests.calendar_sync.feed_server import FeedServer
    from tests.calendar_sync.test_outbound import new_booking

    ctx = shop.manager_ctx()
    day = future_day(4)
    server = FeedServer()
    try:
        url = server.serve("/team.ics", utc_event("t", local(shop, day, "12:00"), local(shop, day, "13:00")))
        assert "1 remote changes" in actions.import_ics(ctx, shop.calendar_id, url)
        server.serve("/team.ics", "<html>moved</html>", "text/html")
        with pytest.raises(actions.SyncFailed):
            actions.import_ics(ctx, shop.calendar_id, url)
    finally:
        server.close()
    shown = actions.panel(ctx, shop.calendar_id)
    assert shown["ics"]["state"] == "error" and "HTML" in shown["ics"]["error"]
    assert len(shown["external"]) == 1  # the feed's busy time stays while the feed is broken

    new_booking(shop, local(shop, day, "10:00"))
    link = actions.create_feed(ctx, shop.calendar_id, False)
    assert link.endswith(".ics") and "/feeds/" in link
    assert actions.panel(ctx, shop.calendar_id)["feeds"][0]["names"] == ""
    api = TestClient(create_api())
    path = "/feeds/" + link.rsplit("/feeds/", 1)[1]
    assert "Haircut" in api.get(path).text
    actions.revoke_feeds(ctx, shop.calendar_id)
    assert api.get(path).status_code == 404 and actions.panel(ctx, shop.calendar_id)["feeds"] == []
