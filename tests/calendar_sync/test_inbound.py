"""Inbound CalDAV sync against a real Radicale server: remote events become busy time that removes
slots (through the cached public availability), incrementally, with recurrences, zones, all-day
and free events, the hub's own events recognised, and overlaps with bookings recorded."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import pytest
from sqlalchemy import select

from hub_app import db as hub_db
from hub_app.domain.bookings.availability_cache import AvailabilityCache, public_free_slots
from hub_app.domain.bookings.models import Booking, BookingStatus
from hub_app.domain.bookings.service import BookingRequest, book
from hub_app.domain.calendar_sync import jobs, service
from hub_app.domain.calendar_sync.ics import booking_event, booking_uid
from hub_app.domain.calendar_sync.models import CalendarSyncItem
from hub_app.domain.scheduling.models import ExternalBusyTime
from hub_app.domain.tenancy import TenantContext
from tests.calendar_sync.events import all_day_event, utc_event, zoned_event
from tests.factories import link_client, make_client

UTC = timezone.utc


def future_day(days: int = 10) -> date:
    return date.today() + timedelta(days=days)


def local(shop, day: date, at: str) -> datetime:
    return datetime.combine(day, time.fromisoformat(at), tzinfo=shop.tz).astimezone(UTC)


def connect(shop, radicale, sources: list[str], target: str | None = None) -> int:
    url, user, password = radicale.account()
    with hub_db.unit_of_work(shop.manager_ctx()) as db:
        return service.connect_caldav(db, shop.manager_ctx(), shop.calendar_id, server_url=url, username=user,
                                      password=password, source_urls=sources, target_url=target).id


def starts(shop, day: date, cache: AvailabilityCache) -> list[str]:
    _tz, slots = public_free_slots(hub_db.get_engine(), shop.slug, shop.service_id, day, day, cache=cache)
    return [s.start.astimezone(shop.tz).strftime("%H:%M") for s in slots]


def busy_rows(shop) -> list[tuple[datetime, datetime]]:
    with hub_db.unit_of_work(TenantContext.system(shop.store_id)) as db:
        return [(r.start_at, r.end_at) for r in db.scalars(
            select(ExternalBusyTime).where(ExternalBusyTime.calendar_id == shop.calendar_id)
            .order_by(ExternalBusyTime.start_at))]


def test_remote_event_removes_slots_and_the_cached_answer_follows(shop, radicale):
    remote = radicale.new_calendar()
    connection_id = connect(shop, radicale, [remote])
    day, cache = future_day(), AvailabilityCache()
    assert "10:00" in starts(shop, day, cache) and "10:30" in starts(shop, day, cache)  # kept in the cache

    radicale.put_event(remote, "dentist.ics", utc_event("dentist-1", local(shop, day, "10:00"), local(shop, day, "11:00")))
    report = jobs.sync_inbound(connection_id)
    assert (report.changed, report.busy_rows, report.error) == (1, 1, None)
    after = starts(shop, day, cache)
    assert "10:00" not in after and "10:30" not in after and "11:00" in after and "09:30" in after

    radicale.delete_event(remote, "dentist.ics")
    report = jobs.sync_inbound(connection_id)
    assert report.deleted == 1
    assert "10:00" in starts(shop, day, cache) and busy_rows(shop) == []
    with hub_db.unit_of_work(shop.manager_ctx()) as db:
        [status] = service.statuses(db, shop.manager_ctx(), shop.calendar_id)
    assert status.state == "active" and status.last_synced_at is not None and status.password == "•••• set"


def test_a_resync_reads_only_what_changed(shop, radicale):
    remote = radicale.new_calendar()
    connection_id = connect(shop, radicale, [remote])
    day = future_day(20)
    for n in range(30):
        start = local(shop, day + timedelta(days=n), "12:00")
        radicale.put_event(remote, f"e{n}.ics", utc_event(f"e{n}", start, start + timedelta(minutes=30)))
    assert jobs.sync_inbound(connection_id).changed == 30

    assert jobs.sync_inbound(connection_id).changed == 0  # nothing changed: nothing read
    start = local(shop, day, "15:00")
    radicale.put_event(remote, "e3.ics", utc_event("e3", start, start + timedelta(minutes=30)))
    radicale.delete_event(remote, "e4.ics")
    report = jobs.sync_inbound(connection_id)
    assert (report.changed, report.deleted) == (1, 1)
    rows = busy_rows(shop)
    assert len(rows) == 29 and (start, start + timedelta(minutes=30)) in rows


def test_recurrences_zones_all_day_and_free_events(shop, radicale):
    remote = radicale.new_calendar()
    connection_id = connect(shop, radicale, [remote])
    day = future_day(30)
    wall = datetime.combine(day, time(9))  # 09:00 in New York, daily for 5 days, the 3rd excluded
    radicale.put_event(remote, "weekly.ics", zoned_event(
        "rec-1", "America/New_York", wall, wall + timedelta(hours=1),
        extra=f"RRULE:FREQ=DAILY;COUNT=5\nEXDATE;TZID=America/New_York:{(wall + timedelta(days=2)):%Y%m%dT%H%M%S}\n"))
    holiday = day + timedelta(days=10)
    radicale.put_event(remote, "holiday.ics", all_day_event("holiday-1", holiday))
    free = local(shop, day, "16:00")
    radicale.put_event(remote, "free.ics", utc_event("free-1", free, free + timedelta(hours=1), extra="TRANSP:TRANSPARENT\n"))
    cancelled = local(shop, day, "12:00")
    radicale.put_event(remote, "cancelled.ics", utc_event("c-1", cancelled, cancelled + timedelta(hours=1),
                                                          extra="STATUS:CANCELLED\n"))
    jobs.sync_inbound(connection_id)

    from zoneinfo import ZoneInfo
    new_york = ZoneInfo("America/New_York")
    expected = [(datetime.combine(day + timedelta(days=n), time(9), tzinfo=new_york).astimezone(UTC),
                 datetime.combine(day + timedelta(days=n), time(10), tzinfo=new_york).astimezone(UTC))
                for n in (0, 1, 3, 4)]
    expected.append((local(shop, holiday, "00:00"), local(shop, holiday + timedelta(days=1), "00:00")))
    assert busy_rows(shop) == sorted(expected)
    assert starts(shop, holiday, AvailabilityCache()) == []


def test_the_hubs_own_events_are_not_busy_time_but_another_stores_are(shop, radicale):
    remote = radicale.new_calendar()
    connection_id = connect(shop, radicale, [remote])
    day = future_day(5)
    start = local(shop, day, "10:00")
    ours = booking_event(uid=booking_uid(shop.store_id, 991), store_id=shop.store_id, start=start,
                         end=start + timedelta(minutes=30), summary="Haircut")
    theirs = booking_event(uid=booking_uid(shop.store_id + 1000, 991), store_id=shop.store_id + 1000,
                           start=start + timedelta(hours=2), end=start + timedelta(hours=3), summary="Other shop")
    radicale.put_event(remote, "ours.ics", ours)
    radicale.put_event(remote, "theirs.ics", theirs)
    jobs.sync_inbound(connection_id)
    assert busy_rows(shop) == [(start + timedelta(hours=2), start + timedelta(hours=3))]
    with hub_db.unit_of_work(TenantContext.system(shop.store_id)) as db:
        own = dict(db.execute(select(CalendarSyncItem.uid, CalendarSyncItem.own)).all())
    assert own == {booking_uid(shop.store_id, 991): True, booking_uid(shop.store_id + 1000, 991): False}


def test_a_remote_event_over_a_booking_is_a_conflict_and_the_booking_stands(shop, radicale):
    remote = radicale.new_calendar()
    connection_id = connect(shop, radicale, [remote])
    day = future_day(7)
    ctx = shop.manager_ctx()
    with hub_db.unit_of_work(TenantContext.system()) as db:
        client_id = make_client(db).id
        link_client(db, shop.store_id, client_id)  # staff book only the store's own clients
    with hub_db.unit_of_work(ctx) as db:
        booking_id = book(db, ctx, BookingRequest(service_id=shop.service_id, start=local(shop, day, "10:00")),
                          client_user_id=client_id).id
    radicale.put_event(remote, "meeting.ics", utc_event("m-1", local(shop, day, "10:15"), local(shop, day, "11:00"),
                                                        summary="Staff meeting"))
    report = jobs.sync_inbound(connection_id)
    assert report.conflicts == 1
    assert jobs.sync_inbound(connection_id).conflicts == 0  # found once, not again on every sync
    with hub_db.unit_of_work(ctx) as db:
        [conflict] = service.conflicts(db, ctx, shop.calendar_id)
        assert (conflict.booking_id, conflict.summary) == (booking_id, "Staff meeting")
        assert db.get(Booking, booking_id).status == BookingStatus.CONFIRMED

    radicale.delete_event(remote, "meeting.ics")
    jobs.sync_inbound(connection_id)
    with hub_db.unit_of_work(ctx) as db:
        assert service.conflicts(db, ctx, shop.calendar_id) == []


def test_wrong_credentials_are_a_clear_error_and_nothing_else_changes(shop, radicale):
    remote = radicale.new_calendar()
    url, user, _password = radicale.account()
    with hub_db.unit_of_work(shop.manager_ctx()) as db:
        with pytest.raises(service.ValidationFailed) as refused:
            service.connect_caldav(db, shop.manager_ctx(), shop.calendar_id, server_url=url, username=user,
                                   password="wrong", source_urls=[remote], target_url=None)
    assert "refused the user name or app password" in refused.value.message

    connection_id = connect(shop, radicale, [remote])
    day = future_day(3)
    radicale.put_event(remote, "a.ics", utc_event("a-1", local(shop, day, "10:00"), local(shop, day, "11:00")))
    jobs.sync_inbound(connection_id)
    before = busy_rows(shop)
    with hub_db.unit_of_work(TenantContext.system(shop.store_id)) as db:
        from hub_app.domain.calendar_sync.models import CalendarConnection
        from hub_app.domain.secrets import encrypt_secret
        db.get(CalendarConnection, connection_id).password_encrypted = encrypt_secret("revoked")
    with pytest.raises(service.CalendarAuthFailed):
        jobs.sync_inbound(connection_id)
    with hub_db.unit_of_work(shop.manager_ctx()) as db:
        [status] = service.statuses(db, shop.manager_ctx(), shop.calendar_id)
    assert status.state == "error" and "app password" in status.last_error and status.failures == 1
    assert busy_rows(shop) == before


def test_a_first_sync_skips_members_removed_before_it(shop, radicale):
    """Radicale lists removed members as tombstones (no ETag) even without a sync token."""
    remote = radicale.new_calendar()
    day = future_day(4)
    radicale.put_event(remote, "gone.ics", utc_event("gone", local(shop, day, "10:00"), local(shop, day, "11:00")))
    radicale.put_event(remote, "kept.ics", utc_event("kept", local(shop, day, "12:00"), local(shop, day, "13:00")))
    radicale.delete_event(remote, "gone.ics")
    connection_id = connect(shop, radicale, [remote])
    report = jobs.sync_inbound(connection_id)
    assert (report.changed, report.problems) == (1, [])
    assert busy_rows(shop) == [(local(shop, day, "12:00"), local(shop, day, "13:00"))]
