"""Outbound: each live booking is one event in the target calendar of a real Radicale server,
moved on reschedule, removed on cancel, replayed onto the same event after a crash, and never
read back as busy time."""

from __future__ import annotations

from datetime import datetime, timedelta

import icalendar
from sqlalchemy import select

from hub_app import db as hub_db
from hub_app.domain.bookings.service import BookingRequest, book, cancel_booking, reschedule_booking
from hub_app.domain.calendar_sync import jobs, outbound
from hub_app.domain.calendar_sync.caldav_client import CaldavPackageClient
from hub_app.domain.calendar_sync.ics import booking_uid
from hub_app.domain.calendar_sync.models import CalendarConnection, CalendarSyncEvent
from hub_app.domain.scheduling.models import ExternalBusyTime
from hub_app.domain.tenancy import TenantContext
from tests.calendar_sync.events import utc_event
from tests.calendar_sync.test_inbound import connect, future_day, local
from tests.factories import link_client, make_client


def new_booking(shop, start: datetime) -> int:
    ctx = shop.manager_ctx()
    with hub_db.unit_of_work(TenantContext.system()) as db:
        client_id = make_client(db).id
        link_client(db, shop.store_id, client_id)  # staff book only the store's own clients
    with hub_db.unit_of_work(ctx) as db:
        return book(db, ctx, BookingRequest(service_id=shop.service_id, start=start), client_user_id=client_id).id


def remote_events(radicale, calendar_url: str) -> dict[str, tuple[datetime, datetime]]:
    """UID -> (start, end) of every VEVENT in the remote calendar (one per object expected)."""
    found = {}
    for text in radicale.texts(calendar_url).values():
        for event in icalendar.Calendar.from_ical(text).walk("VEVENT"):
            uid = str(event["UID"])
            assert uid not in found, f"duplicate event {uid}"
            found[uid] = (event["DTSTART"].dt, event["DTEND"].dt)
    return found


def test_bookings_are_written_moved_and_removed_once(shop, radicale):
    target = radicale.new_calendar()
    connection_id = connect(shop, radicale, [], target)
    day = future_day(12)
    first = new_booking(shop, local(shop, day, "10:00"))
    second = new_booking(shop, local(shop, day, "12:00"))
    assert jobs.push(connection_id).written == 2
    assert jobs.push(connection_id).written == 0  # nothing changed: nothing written
    events = remote_events(radicale, target)
    assert events == {booking_uid(shop.store_id, first): (local(shop, day, "10:00"), local(shop, day, "10:30")),
                      booking_uid(shop.store_id, second): (local(shop, day, "12:00"), local(shop, day, "12:30"))}

    ctx = shop.manager_ctx()
    with hub_db.unit_of_work(ctx) as db:
        moved = reschedule_booking(db, ctx, first, local(shop, day, "15:00")).id
    with hub_db.unit_of_work(ctx) as db:
        cancel_booking(db, ctx, second, "client called")
    report = jobs.push(connection_id)
    assert (report.written, report.removed) == (1, 1)
    # The moved booking keeps its event (UID of the chain's first booking), at the new time.
    assert remote_events(radicale, target) == {
        booking_uid(shop.store_id, first): (local(shop, day, "15:00"), local(shop, day, "15:30"))}
    with hub_db.unit_of_work(TenantContext.system(shop.store_id)) as db:
        [row] = db.scalars(select(CalendarSyncEvent)).all()
        assert row.booking_id == moved and row.etag


def test_a_push_that_died_after_writing_replays_onto_the_same_event(shop, radicale):
    target = radicale.new_calendar()
    connection_id = connect(shop, radicale, [], target)
    day = future_day(14)
    booking_id = new_booking(shop, local(shop, day, "11:00"))
    url, user, password = radicale.account()
    ctx = TenantContext.system(shop.store_id)
    with hub_db.unit_of_work(ctx) as db:
        plan = outbound.plan_push(db, db.get(CalendarConnection, connection_id))
    outcome = outbound.execute_push(CaldavPackageClient(url, user, password), plan)
    assert len(outcome.etags) == 1  # written remotely, but the worker dies before recording it

    # The lease of the dead worker runs out; the next push finds the intent still pending.
    later = datetime.now().astimezone() + timedelta(seconds=outbound.LEASE_SECONDS + 1)
    report = jobs.push(connection_id, now=later)
    assert report.written == 1 and report.error is None  # the 412 of If-None-Match led back to it
    assert list(remote_events(radicale, target)) == [booking_uid(shop.store_id, booking_id)]
    assert len(radicale.hrefs(target)) == 1


def test_a_remote_edit_of_the_hubs_event_is_overwritten_on_the_next_change(shop, radicale):
    target = radicale.new_calendar()
    connection_id = connect(shop, radicale, [], target)
    day = future_day(16)
    booking_id = new_booking(shop, local(shop, day, "09:00"))
    jobs.push(connection_id)
    uid = booking_uid(shop.store_id, booking_id)
    # Someone drags the event in their calendar app: the ETag moves.
    radicale.put_event(target, f"{uid}.ics", utc_event(uid, local(shop, day, "13:00"), local(shop, day, "14:00")))
    ctx = shop.manager_ctx()
    with hub_db.unit_of_work(ctx) as db:
        reschedule_booking(db, ctx, booking_id, local(shop, day, "10:00"))
    assert jobs.push(connection_id).error is None  # If-Match failed (412); the booking stands
    assert remote_events(radicale, target) == {uid: (local(shop, day, "10:00"), local(shop, day, "10:30"))}


def test_the_hubs_events_read_back_from_the_target_are_not_busy_time(shop, radicale):
    shared = radicale.new_calendar()
    connection_id = connect(shop, radicale, [shared], shared)
    day = future_day(18)
    new_booking(shop, local(shop, day, "10:00"))
    radicale.put_event(shared, "lunch.ics", utc_event("lunch", local(shop, day, "13:00"), local(shop, day, "14:00")))
    report = jobs.sync_connection(connection_id)
    assert report.written == 1
    jobs.sync_inbound(connection_id)  # reads the hub's own event back
    with hub_db.unit_of_work(TenantContext.system(shop.store_id)) as db:
        busy = [(r.start_at, r.end_at) for r in db.scalars(select(ExternalBusyTime))]
    assert busy == [(local(shop, day, "13:00"), local(shop, day, "14:00"))]
