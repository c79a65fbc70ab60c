"""The REST lists page with an opaque cursor, answer a bounded total, and refuse a 100,000-row
page with a 422 naming the maximum, over real HTTP."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from hub_app import db as hub_db
from hub_app.domain.bookings.models import Booking, BookingStatus
from hub_app.domain.tenancy import TenantContext
from tests.api.conftest import V1, assert_error, bearer, booking_day, open_service
from tests.factories import make_client


def _bookings(committed_engine, world, offer, count: int) -> None:
    with hub_db.unit_of_work(TenantContext.system(), committed_engine) as db:
        store_id = world.store_a_id
        for n in range(count):
            person = make_client(db)
            day = booking_day(3 + n // 8)
            start = datetime(day.year, day.month, day.day, 9 + n % 8, tzinfo=ZoneInfo("Europe/Athens"))
            db.add(Booking(store_id=store_id, client_user_id=person.id, service_id=offer.service_id,
                           calendar_id=offer.calendar_id, start_at=start, end_at=start + timedelta(minutes=30),
                           booking_date=day, start_time=start.time(), end_time=(start + timedelta(minutes=30)).time(),
                           status=BookingStatus.CONFIRMED, total_amount=Decimal("25.00"), currency="EUR"))
        db.flush()


def test_bookings_and_clients_page_with_a_cursor(api, world, committed_engine):
    manager = bearer(api, world.manager_a_email)
    offer = open_service(api, world.slug_a, manager)
    _bookings(committed_engine, world, offer, 23)
    for path, key in (("bookings", "id"), ("clients", "user_id")):
        url = f"{V1}/stores/{world.slug_a}/{path}"
        seen, params = [], {"limit": 5}
        while True:
            page = api.get(url, params=params, headers=manager)
            assert page.status_code == 200, page.text
            body = page.json()
            assert body["total"] == 23 and body["total_capped"] is False
            seen += [item[key] for item in body["items"]]
            if body["next_cursor"] is None:
                break
            params = {"limit": 5, "cursor": body["next_cursor"]}
        assert len(seen) == len(set(seen)) == 23, path
        whole = api.get(url, params={"limit": 100}, headers=manager).json()
        assert [item[key] for item in whole["items"]] == seen and whole["next_cursor"] is None
        error = assert_error(api.get(url, params={"cursor": "not-a-cursor"}, headers=manager), 422)
        assert "cursor" in error["fields"]


def test_a_huge_page_or_a_far_offset_is_a_422_naming_the_maximum(api, world, committed_engine):
    manager = bearer(api, world.manager_a_email)
    for path in ("bookings", "clients"):
        url = f"{V1}/stores/{world.slug_a}/{path}"
        error = assert_error(api.get(url, params={"limit": 100_000}, headers=manager), 422)
        assert "limit" in error["fields"] and "500" in str(error["fields"]["limit"]) + error["message"]
        error = assert_error(api.get(url, params={"offset": 1_000_000}, headers=manager), 422)
        assert "offset" in error["fields"] and "2000" in str(error["fields"]["offset"]) + error["message"]
