"""The periodic sync catches missed webhooks and corrects stale rows, through the actors."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from hub_app import db as hub_db
from hub_app.domain.bookings.models import Booking, BookingStatus
from hub_app.domain.calendly import jobs
from hub_app.domain.calendly import service as calendly
from hub_app.domain.integrations.models import CalendlyConnection
from hub_app.domain.scheduling.models import ExternalBusyTime
from hub_app.domain.tenancy import TenantContext
from tests.calendly.conftest import TOKEN, drain, future_day


@pytest.fixture
def linked(fake, shop, public_url):
    event_type = fake.add_event_type("Haircut", duration=30)
    ctx = shop.ctx()
    with hub_db.unit_of_work(ctx) as db:
        calendly.connect(db, ctx, TOKEN)
        calendly.map_event_type(db, ctx, event_type, shop.calendar_id, shop.service_id, "Haircut")
    return event_type


def rows(store_id: int, model) -> list:
    with hub_db.unit_of_work(TenantContext.system(store_id)) as db:
        return list(db.scalars(select(model).order_by(model.id)))


def test_missed_bookings_are_created_page_by_page_and_missed_cancels_applied(fake, shop, linked, worker):
    from workers.calendly_actors import reconcile_calendly

    day = future_day()
    invitees = [fake.book(linked, shop.at(day, hour), email=f"p{hour}@example.com") for hour in (10, 11, 12)]
    other_type = fake.add_event_type("Not mapped")
    fake.book(other_type, shop.at(day, 15), email="x@example.com")
    fake.book(linked, shop.at(day, 9) - timedelta(days=20), email="old@example.com")  # in the past: not listed

    reconcile_calendly.send()
    drain(worker)
    bookings = rows(shop.store_id, Booking)
    assert [b.calendly_invitee_uri for b in bookings] == [i["uri"] for i in invitees]
    assert {b.status for b in bookings} == {BookingStatus.CONFIRMED}
    assert sorted(b.start_at for b in rows(shop.store_id, ExternalBusyTime) if b.is_active) == [
        shop.at(day, h) for h in (10, 11, 12)]
    # Four future events, two per page.
    event_pages = [q for _, path, q in fake.requests if path == "/scheduled_events"]
    assert len(event_pages) == 2 and all(q["organization"] == fake.organization_uri for q in event_pages)
    assert all(q["user"] == fake.user_uri and q["status"] == "active" for q in event_pages)
    with hub_db.unit_of_work(TenantContext.system(shop.store_id)) as db:
        assert db.scalar(select(CalendlyConnection)).last_synced_at is not None

    # The periodic tick skips a store synced moments ago.
    fake.requests.clear()
    reconcile_calendly.send()
    drain(worker)
    assert fake.requests == []
    # A forced run with nothing new asks for no invitees at all.
    reconcile_calendly.send(0)
    drain(worker)
    assert fake.requests and not [path for _, path, _ in fake.requests if path.endswith("/invitees")]
    assert len(rows(shop.store_id, Booking)) == 3

    fake.cancel(invitees[1]["uri"])
    old, new = fake.reschedule(invitees[2]["uri"], shop.at(day, 16))
    reconcile_calendly.send(0)
    drain(worker)
    by_uri = {b.calendly_invitee_uri: b for b in rows(shop.store_id, Booking)}
    assert by_uri[invitees[0]["uri"]].status == BookingStatus.CONFIRMED
    assert by_uri[invitees[1]["uri"]].status == BookingStatus.CANCELLED
    assert by_uri[old["uri"]].status == BookingStatus.CANCELLED
    assert by_uri[new["uri"]].status == BookingStatus.CONFIRMED
    assert by_uri[new["uri"]].rescheduled_from_id == by_uri[old["uri"]].id
    active = sorted(b.start_at for b in rows(shop.store_id, ExternalBusyTime) if b.is_active)
    assert active == [shop.at(day, 10), shop.at(day, 16)]


def test_stale_busy_rows_are_corrected(fake, shop, linked, worker):
    day = future_day()
    invitee = fake.book(linked, shop.at(day, 10), email="maria@example.com")
    jobs.reconcile(shop.store_id)
    with hub_db.unit_of_work(TenantContext.system(shop.store_id)) as db:
        busy = db.scalar(select(ExternalBusyTime))
        busy.start_at, busy.end_at = shop.at(day, 13), shop.at(day, 14)
        db.add(ExternalBusyTime(store_id=shop.store_id, calendar_id=shop.calendar_id,
                                external_uri=f"{fake.base_url}/scheduled_events/GONE",
                                start_at=shop.at(day, 15), end_at=shop.at(day, 16)))
    result = jobs.reconcile(shop.store_id)
    assert result.busy_deactivated == 1 and result.created == 0
    busy = {b.external_uri: b for b in rows(shop.store_id, ExternalBusyTime)}
    assert (busy[invitee["event"]].start_at, busy[invitee["event"]].is_active) == (shop.at(day, 10), True)
    assert busy[f"{fake.base_url}/scheduled_events/GONE"].is_active is False


def test_a_rate_limited_sync_waits_and_a_failing_one_changes_nothing(fake, shop, linked, worker):
    from hub_app.domain.calendly.client import CalendlyClient, CalendlyServerError

    def quick(token: str) -> CalendlyClient:
        return CalendlyClient(token, sleep=lambda seconds: None, backoff_seconds=0)

    fake.book(linked, shop.at(future_day(), 10), email="maria@example.com")
    fake.rate_limit_next(1, reset_seconds=1)
    assert jobs.reconcile(shop.store_id, client_factory=quick).created == 1
    fake.book(linked, shop.at(future_day(), 11), email="nikos@example.com")
    fake.fail_next(*[500] * 40)
    with pytest.raises(CalendlyServerError):
        jobs.reconcile(shop.store_id, client_factory=quick)
    assert len(rows(shop.store_id, Booking)) == 1


def test_the_worker_ticker_runs_the_sync_on_its_own(fake, shop, linked, worker):
    from workers.calendly_actors import CalendlySyncTicker

    fake.book(linked, shop.at(future_day(), 10), email="maria@example.com")
    ticker = CalendlySyncTicker(interval=0.2)
    ticker.after_worker_boot(worker, None)
    try:
        deadline = time.monotonic() + 30
        while not rows(shop.store_id, Booking) and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        ticker.before_worker_shutdown(worker, None)
    drain(worker)
    assert len(rows(shop.store_id, Booking)) == 1
