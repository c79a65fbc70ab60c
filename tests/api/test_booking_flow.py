"""The booking flow over HTTP: register inside the booking, idempotency, taken slots, lifecycle."""

from __future__ import annotations

from datetime import datetime

from tests.api.conftest import (
    V1, assert_error, bearer, book_new_client, booking_day, local_start, new_client, open_service,
)


def test_registering_inside_a_booking_makes_the_account_and_the_booking(api, world):
    offer = open_service(api, world.slug_a, bearer(api, world.manager_a_email))
    start = local_start(booking_day(), 10)
    response = book_new_client(api, world.slug_a, offer.service_id, start, "nikos@example.com")
    assert response.status_code == 201, response.text
    booking = response.json()
    assert booking["status"] == "confirmed" and booking["payment_status"] == "unpaid"
    assert (booking["total_amount"], booking["currency"], booking["store_slug"]) == ("25.00", "EUR", world.slug_a)
    assert booking["advance_payment_amount"] is None and booking["service_id"] == offer.service_id
    assert datetime.fromisoformat(booking["start"]) == datetime.fromisoformat(start)
    assert booking["start"] == start  # shown in the store's own offset
    client = bearer(api, "nikos@example.com", "client-password")
    mine = api.get(f"{V1}/me/bookings", headers=client).json()
    assert [b["id"] for b in mine] == [booking["id"]]
    assert api.get(f"{V1}/bookings/{booking['id']}", headers=client).json()["id"] == booking["id"]


def test_bad_client_details_create_nothing(api, world):
    offer = open_service(api, world.slug_a, bearer(api, world.manager_a_email))
    start = local_start(booking_day(), 10)
    response = book_new_client(api, world.slug_a, offer.service_id, start, "not-an-email", phone="12")
    error = assert_error(response, 422, "validation_error")
    assert {"client.email", "client.phone"} <= set(error["fields"])
    blank = book_new_client(api, world.slug_a, offer.service_id, start, "b@example.com", address=" ", last_name=" ")
    assert {"client.address", "client.last_name"} <= set(assert_error(blank, 422)["fields"])
    weak = book_new_client(api, world.slug_a, offer.service_id, start, "weak@example.com", password="short")
    assert "client.password" in assert_error(weak, 422)["fields"]
    assert_error(api.post(f"{V1}/auth/token", json={"email": "weak@example.com", "password": "short"}), 401)
    # The time is still free.
    assert book_new_client(api, world.slug_a, offer.service_id, start, "ok@example.com").status_code == 201


def test_client_details_or_token_but_not_both(api, world):
    offer = open_service(api, world.slug_a, bearer(api, world.manager_a_email))
    body = {"service_id": offer.service_id, "start": local_start(booking_day(), 11)}
    assert "client" in assert_error(api.post(f"{V1}/stores/{world.slug_a}/bookings", json=body), 422)["fields"]
    signed_in = bearer(api, world.client_email)
    both = dict(body, client=new_client("x@example.com"))
    assert "client" in assert_error(api.post(f"{V1}/stores/{world.slug_a}/bookings", json=both,
                                             headers=signed_in), 422)["fields"]
    response = api.post(f"{V1}/stores/{world.slug_a}/bookings", json=body, headers=signed_in)
    assert response.status_code == 201 and response.json()["client_user_id"] == world.client_id


def test_an_existing_email_is_a_conflict(api, world):
    offer = open_service(api, world.slug_a, bearer(api, world.manager_a_email))
    response = book_new_client(api, world.slug_a, offer.service_id, local_start(booking_day(), 10),
                               world.client_email)
    assert "client.email" in assert_error(response, 409, "conflict")["fields"]


def test_idempotency_key_returns_the_same_booking(api, world):
    offer = open_service(api, world.slug_a, bearer(api, world.manager_a_email))
    start = local_start(booking_day(), 12)
    first = book_new_client(api, world.slug_a, offer.service_id, start, "twice@example.com", key="key-123")
    assert first.status_code == 201, first.text
    again = book_new_client(api, world.slug_a, offer.service_id, start, "twice@example.com", key="key-123")
    assert again.status_code == 200, again.text
    assert again.json()["id"] == first.json()["id"]
    client = bearer(api, "twice@example.com", "client-password")
    assert len(api.get(f"{V1}/me/bookings", headers=client).json()) == 1
    for bad_key in ("", "x" * 101, "has space"):
        response = book_new_client(api, world.slug_a, offer.service_id, start, "k@example.com", key=None) \
            if bad_key == "" else api.post(f"{V1}/stores/{world.slug_a}/bookings", headers={"Idempotency-Key": bad_key},
                                           json={"service_id": offer.service_id, "start": start,
                                                 "client": new_client("k@example.com")})
        if bad_key:
            assert "Idempotency-Key" in assert_error(response, 422)["fields"]


def test_a_taken_time_is_409_with_the_next_free_starts(api, world):
    offer = open_service(api, world.slug_a, bearer(api, world.manager_a_email))
    start = local_start(booking_day(), 14)
    assert book_new_client(api, world.slug_a, offer.service_id, start, "first@example.com").status_code == 201
    response = book_new_client(api, world.slug_a, offer.service_id, start, "second@example.com")
    error = assert_error(response, 409, "slot_taken")
    assert error["next_free"] and all(datetime.fromisoformat(s).tzinfo for s in error["next_free"])
    assert start not in error["next_free"]
    # The losing request registered nobody.
    assert_error(api.post(f"{V1}/auth/token", json={"email": "second@example.com", "password": "client-password"}),
                 401)


def test_booking_input_is_checked(api, world):
    offer = open_service(api, world.slug_a, bearer(api, world.manager_a_email))
    url = f"{V1}/stores/{world.slug_a}/bookings"
    day = booking_day()
    base = {"service_id": offer.service_id, "start": local_start(day, 10), "client": new_client("in@example.com")}
    for bad, field in (({"start": f"{day}T10:00:00"}, "start"), ({"start": "soon"}, "start"),
                       ({"persons": 0}, "persons"), ({"persons": 10**12}, "persons"),
                       ({"service_id": "abc"}, "service_id"), ({"client": {"first_name": "A"}}, "client.email"),
                       ({"extra": True}, "extra")):
        assert field in assert_error(api.post(url, json=dict(base, **bad)), 422)["fields"], bad
    assert_error(api.post(url, json=dict(base, service_id=999999)), 404)
    assert_error(api.post(f"{V1}/stores/nowhere-store/bookings", json=base), 404)
    # 10:07 is not an offered start; 03:00 is outside the opening hours.
    for off_grid in (local_start(day, 10, 7), local_start(day, 3)):
        response = api.post(url, json=dict(base, start=off_grid))
        assert response.status_code in (409, 422), response.text
        assert_error(response, response.status_code)


def test_cancel_frees_the_time_and_reschedule_makes_a_linked_booking(api, world):
    offer = open_service(api, world.slug_a, bearer(api, world.manager_a_email))
    day = booking_day(10)
    made = book_new_client(api, world.slug_a, offer.service_id, local_start(day, 9), "mover@example.com").json()
    client = bearer(api, "mover@example.com", "client-password")
    moved = api.post(f"{V1}/bookings/{made['id']}/reschedule", json={"start": local_start(day, 15)}, headers=client)
    assert moved.status_code == 200, moved.text
    new = moved.json()
    assert new["id"] != made["id"] and new["rescheduled_from_id"] == made["id"]
    assert new["start"] == local_start(day, 15) and new["status"] == "confirmed"
    assert api.get(f"{V1}/bookings/{made['id']}", headers=client).json()["status"] == "rescheduled"
    naive = api.post(f"{V1}/bookings/{new['id']}/reschedule", json={"start": f"{day}T16:00:00"}, headers=client)
    assert "start" in assert_error(naive, 422)["fields"]
    cancelled = api.post(f"{V1}/bookings/{new['id']}/cancel", json={"reason": "Sick"}, headers=client)
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled" and cancelled.json()["cancel_reason"] == "Sick"
    assert_error(api.post(f"{V1}/bookings/{new['id']}/cancel", headers=client), 409)
    # Both times are free again.
    again = book_new_client(api, world.slug_a, offer.service_id, local_start(day, 15), "next@example.com")
    assert again.status_code == 201


def test_ics_download(api, world):
    offer = open_service(api, world.slug_a, bearer(api, world.manager_a_email))
    made = book_new_client(api, world.slug_a, offer.service_id, local_start(booking_day(), 10),
                           "ics@example.com").json()
    client = bearer(api, "ics@example.com", "client-password")
    response = api.get(f"{V1}/bookings/{made['id']}/ics", headers=client)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    assert "attachment" in response.headers["content-disposition"]
    text = response.text
    assert "BEGIN:VCALENDAR" in text and "BEGIN:VEVENT" in text and "Europe/Athens" in text
    assert_error(api.get(f"{V1}/bookings/{made['id']}/ics"), 401)
    manager = bearer(api, world.manager_a_email)
    assert api.get(f"{V1}/bookings/{made['id']}/ics", headers=manager).status_code == 200
