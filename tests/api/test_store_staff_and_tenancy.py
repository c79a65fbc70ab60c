"""Managers' booking lists and actions, and that no one reaches another store's data."""

from __future__ import annotations

import json
from datetime import timedelta

from hub_app import db as hub_db
from hub_app.domain.bookings.models import Booking
from hub_app.domain.tenancy import TenantContext
from tests.api.conftest import (
    V1, assert_error, bearer, book_new_client, booking_day, local_start, open_service,
)


def _store_with_a_booking(api, world, slug: str, manager_email: str, email: str):
    manager = bearer(api, manager_email)
    offer = open_service(api, slug, manager)
    booking = book_new_client(api, slug, offer.service_id, local_start(booking_day(), 10), email).json()
    return manager, offer, booking


def _move_into_the_past(engine, booking_id: int) -> None:
    """Appointments can be completed only once they began; bookings cannot be made in the past."""
    with hub_db.unit_of_work(TenantContext.system(), engine) as db:
        booking = db.get(Booking, booking_id)
        booking.start_at -= timedelta(days=30)
        booking.end_at -= timedelta(days=30)


def test_manager_lists_filters_and_acts_on_their_bookings(api, world, committed_engine):
    manager, offer, booking = _store_with_a_booking(api, world, world.slug_a, world.manager_a_email, "p@example.com")
    book_new_client(api, world.slug_a, offer.service_id, local_start(booking_day(), 11), "q@example.com")
    url = f"{V1}/stores/{world.slug_a}/bookings"
    page = api.get(url, headers=manager).json()
    assert page["total"] == 2 and len(page["items"]) == 2 and page["limit"] == 100
    assert api.get(url, params={"search": "q@exa"}, headers=manager).json()["total"] == 1
    assert api.get(url, params={"limit": 1, "offset": 1}, headers=manager).json()["items"][0]["start"] == \
        local_start(booking_day(), 11)
    window = {"start": local_start(booking_day(), 10, 30), "end": local_start(booking_day(), 23)}
    assert api.get(url, params=window, headers=manager).json()["total"] == 1
    assert "start" in assert_error(api.get(url, params={"start": "2030-01-01T00:00:00"}, headers=manager),
                                   422)["fields"]
    assert_error(api.get(url, params={"status": "lost"}, headers=manager), 422)
    # Not before the appointment's start.
    assert_error(api.post(f"{V1}/bookings/{booking['id']}/complete", headers=manager), 409)
    _move_into_the_past(committed_engine, booking["id"])
    completed = api.post(f"{V1}/bookings/{booking['id']}/complete", headers=manager)
    assert completed.status_code == 200 and completed.json()["status"] == "completed"
    assert api.get(url, params={"status": "completed"}, headers=manager).json()["total"] == 1
    # A completed booking cannot be confirmed again or marked as a no-show.
    assert_error(api.post(f"{V1}/bookings/{booking['id']}/confirm", headers=manager), 409)
    assert_error(api.post(f"{V1}/bookings/{booking['id']}/no-show", headers=manager), 409)
    other = page["items"][1]["id"]
    _move_into_the_past(committed_engine, other)
    assert api.post(f"{V1}/bookings/{other}/no-show", headers=manager).json()["status"] == "no_show"
    clients = api.get(f"{V1}/stores/{world.slug_a}/clients", headers=manager).json()
    assert clients["total"] == 2 and {c["email"] for c in clients["items"]} == {"p@example.com", "q@example.com"}
    assert api.get(f"{V1}/stores/{world.slug_a}/clients", params={"search": "p@"},
                   headers=manager).json()["total"] == 1


def test_clients_cannot_use_the_store_lists_or_manager_steps(api, world):
    _, _, booking = _store_with_a_booking(api, world, world.slug_a, world.manager_a_email, "c@example.com")
    client = bearer(api, "c@example.com", "client-password")
    assert_error(api.get(f"{V1}/stores/{world.slug_a}/bookings", headers=client), 403)
    assert_error(api.get(f"{V1}/stores/{world.slug_a}/clients", headers=client), 403)
    assert_error(api.get(f"{V1}/stores/{world.slug_a}/bookings"), 401)
    for step in ("confirm", "complete", "no-show"):
        response = api.post(f"{V1}/bookings/{booking['id']}/{step}", headers=client)
        assert response.status_code in (403, 404)
        assert_error(response, response.status_code)


def test_manager_books_by_phone_for_a_client(api, world):
    manager = bearer(api, world.manager_a_email)
    offer = open_service(api, world.slug_a, manager)
    client = bearer(api, world.client_email)
    # Staff book only the store's own clients: this one booked here before.
    first = api.post(f"{V1}/stores/{world.slug_a}/bookings", headers=client,
                     json={"service_id": offer.service_id, "start": local_start(booking_day(), 9)})
    assert first.status_code == 201, first.text
    body = {"service_id": offer.service_id, "start": local_start(booking_day(), 13), "client_user_id": world.client_id}
    response = api.post(f"{V1}/stores/{world.slug_a}/bookings", json=body, headers=manager)
    assert response.status_code == 201, response.text
    assert response.json()["client_user_id"] == world.client_id
    mine = api.get(f"{V1}/me/bookings", headers=client).json()
    assert [b["id"] for b in mine] == [response.json()["id"], first.json()["id"]]


def test_a_manager_never_reaches_another_store(api, world):
    _, offer_b, booking_b = _store_with_a_booking(api, world, world.slug_b, world.manager_b_email, "b@example.com")
    manager_a = bearer(api, world.manager_a_email)
    slug_b = world.slug_b
    by_slug = [
        api.get(f"{V1}/stores/{slug_b}/bookings", headers=manager_a),
        api.get(f"{V1}/stores/{slug_b}/clients", headers=manager_a),
        api.get(f"{V1}/stores/{slug_b}/calendars", headers=manager_a),
        api.patch(f"{V1}/stores/{slug_b}", json={"name": "Taken over"}, headers=manager_a),
        api.post(f"{V1}/stores/{slug_b}/calendars", json={"name": "Mine now"}, headers=manager_a),
        api.post(f"{V1}/stores/{slug_b}/services", headers=manager_a,
                 json={"name": "X", "duration_minutes": 30, "price_type": "fixed", "base_price_amount": "1"}),
        api.put(f"{V1}/stores/{slug_b}/calendars/{offer_b.calendar_id}/hours", json=[], headers=manager_a),
        api.post(f"{V1}/stores/{slug_b}/calendars/{offer_b.calendar_id}/blocks", headers=manager_a,
                 json={"start": local_start(booking_day(), 9), "end": local_start(booking_day(), 17)}),
    ]
    for response in by_slug:
        assert_error(response, 403)
    # Store B's ids through store A's slug, and B's booking by id: simply not there.
    by_id = [
        api.put(f"{V1}/stores/{world.slug_a}/calendars/{offer_b.calendar_id}/hours", json=[], headers=manager_a),
        api.post(f"{V1}/stores/{world.slug_a}/calendars/{offer_b.calendar_id}/blocks", headers=manager_a,
                 json={"start": local_start(booking_day(), 9), "end": local_start(booking_day(), 17)}),
        api.get(f"{V1}/bookings/{booking_b['id']}", headers=manager_a),
        api.get(f"{V1}/bookings/{booking_b['id']}/ics", headers=manager_a),
        api.post(f"{V1}/bookings/{booking_b['id']}/cancel", headers=manager_a),
        api.post(f"{V1}/bookings/{booking_b['id']}/confirm", headers=manager_a),
        api.post(f"{V1}/bookings/{booking_b['id']}/reschedule", json={"start": local_start(booking_day(), 15)},
                 headers=manager_a),
    ]
    for response in by_id:
        assert_error(response, 404)
    leaked = json.dumps([r.json() for r in by_slug + by_id])
    assert "b@example.com" not in leaked and "Chair 1" not in leaked
    # Nothing changed in store B.
    manager_b = bearer(api, world.manager_b_email)
    assert api.get(f"{V1}/bookings/{booking_b['id']}", headers=manager_b).json()["status"] == "confirmed"
    assert [c["name"] for c in api.get(f"{V1}/stores/{slug_b}/calendars", headers=manager_b).json()] == ["Chair 1"]
    assert api.get(f"{V1}/stores/{slug_b}").json()["name"] != "Taken over"


def test_a_client_never_sees_another_clients_booking(api, world):
    _, _, booking = _store_with_a_booking(api, world, world.slug_a, world.manager_a_email, "own@example.com")
    other = bearer(api, world.client_email)
    for response in (api.get(f"{V1}/bookings/{booking['id']}", headers=other),
                     api.get(f"{V1}/bookings/{booking['id']}/ics", headers=other),
                     api.post(f"{V1}/bookings/{booking['id']}/cancel", headers=other)):
        assert_error(response, 404)
    assert api.get(f"{V1}/me/bookings", headers=other).json() == []
    admin = bearer(api, world.admin_email)
    assert api.get(f"{V1}/bookings/{booking['id']}", headers=admin).status_code == 200
