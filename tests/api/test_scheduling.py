"""Calendars, weekly hours, blocks, services and free times over HTTP."""

from __future__ import annotations

from datetime import datetime, timedelta

from tests.api.conftest import V1, assert_error, bearer, booking_day, open_service


def test_manager_sets_up_a_bookable_service(api, world):
    headers = bearer(api, world.manager_a_email)
    offer = open_service(api, world.slug_a, headers, price="25")
    calendars = api.get(f"{V1}/stores/{world.slug_a}/calendars", headers=headers)
    assert [c["id"] for c in calendars.json()] == [offer.calendar_id]
    services = api.get(f"{V1}/stores/{world.slug_a}/services").json()
    assert len(services) == 1
    service = services[0]
    assert service["base_price_amount"] == "25.00" and service["currency"] == "EUR"
    assert service["calendar_ids"] == [offer.calendar_id] and service["duration_minutes"] == 30
    assert api.get(f"{V1}/stores/{world.slug_a}/services/{offer.service_id}").json()["name"] == "Haircut"
    # Another store lists nothing of it, and cannot address it.
    assert api.get(f"{V1}/stores/{world.slug_b}/services").json() == []
    assert_error(api.get(f"{V1}/stores/{world.slug_b}/services/{offer.service_id}"), 404)


def test_availability_answers_local_slots_with_remaining_places(api, world):
    offer = open_service(api, world.slug_a, bearer(api, world.manager_a_email), capacity=3, max_persons=2)
    day = booking_day()
    response = api.get(f"{V1}/stores/{world.slug_a}/services/{offer.service_id}/availability",
                       params={"start": day.isoformat(), "end": day.isoformat(), "persons": 2})
    assert response.status_code == 200, response.text
    slots = response.json()
    assert len(slots) == 16  # 09:00 .. 16:30 every 30 minutes
    first = datetime.fromisoformat(slots[0]["start"])
    assert first.utcoffset() in (timedelta(hours=2), timedelta(hours=3))  # Athens, winter or summer
    assert (first.hour, first.minute) == (9, 0) and first.date() == day
    assert datetime.fromisoformat(slots[0]["end"]) - first == timedelta(minutes=30)
    assert slots[0]["remaining"] >= 2


def test_availability_input_checks(api, world):
    offer = open_service(api, world.slug_a, bearer(api, world.manager_a_email))
    url = f"{V1}/stores/{world.slug_a}/services/{offer.service_id}/availability"
    day = booking_day()
    too_long = {"start": day.isoformat(), "end": (day + timedelta(days=62)).isoformat()}
    assert "end" in assert_error(api.get(url, params=too_long), 422, "validation_error")["fields"]
    ok_range = {"start": day.isoformat(), "end": (day + timedelta(days=61)).isoformat()}
    assert api.get(url, params=ok_range).status_code == 200
    backwards = {"start": day.isoformat(), "end": (day - timedelta(days=1)).isoformat()}
    assert "end" in assert_error(api.get(url, params=backwards), 422)["fields"]
    for bad in ({"start": "tomorrow", "end": day.isoformat()}, {"start": day.isoformat()},
                {"start": "9999-12-31", "end": "9999-12-31"}, {"start": "0001-01-01", "end": "0001-01-01"},
                {"start": day.isoformat(), "end": day.isoformat(), "persons": 0},
                {"start": day.isoformat(), "end": day.isoformat(), "persons": 10**20}):
        assert_error(api.get(url, params=bad), 422)
    params = {"start": day.isoformat(), "end": day.isoformat()}
    assert_error(api.get(f"{V1}/stores/{world.slug_a}/services/999999/availability", params=params), 404)
    assert_error(api.get(f"{V1}/stores/{world.slug_a}/services/{10**30}/availability", params=params), 422)
    # Asking more persons than the service takes is a validation error, not an empty answer or a 500.
    assert_error(api.get(url, params=dict(params, persons=5)), 422)


def test_hours_replace_and_reject_bad_intervals(api, world):
    headers = bearer(api, world.manager_a_email)
    cal = api.post(f"{V1}/stores/{world.slug_a}/calendars", json={"name": "Room", "color": "#3366ff"},
                   headers=headers).json()
    url = f"{V1}/stores/{world.slug_a}/calendars/{cal['id']}/hours"
    split_day = [{"weekday": 0, "start": "13:00", "end": "17:00"}, {"weekday": 0, "start": "09:00", "end": "12:00"}]
    response = api.put(url, json=split_day, headers=headers)
    assert response.json() == sorted(split_day, key=lambda h: h["start"])
    for bad in ([{"weekday": 7, "start": "09:00", "end": "10:00"}],
                [{"weekday": 1, "start": "10:00", "end": "09:00"}],
                [{"weekday": 1, "start": "9am", "end": "10:00"}],
                [{"weekday": 1, "start": "09:00", "end": "12:00"}, {"weekday": 1, "start": "11:00", "end": "13:00"}],
                {"weekday": 1}, [{"weekday": 1, "start": "09:00"}]):
        assert_error(api.put(url, json=bad, headers=headers), 422)
    assert_error(api.put(f"{V1}/stores/{world.slug_a}/calendars/999999/hours", json=[], headers=headers), 404)


def test_blocks_need_offsets_and_order(api, world):
    headers = bearer(api, world.manager_a_email)
    offer = open_service(api, world.slug_a, headers)
    url = f"{V1}/stores/{world.slug_a}/calendars/{offer.calendar_id}/blocks"
    day = booking_day()
    block = {"start": f"{day}T09:00:00+02:00", "end": f"{day}T12:00:00+02:00", "reason": "Training"}
    response = api.post(url, json=block, headers=headers)
    assert response.status_code == 201, response.text
    assert response.json()["reason"] == "Training"
    naive = dict(block, start=f"{day}T09:00:00")
    assert "start" in assert_error(api.post(url, json=naive, headers=headers), 422)["fields"]
    backwards = dict(block, start=block["end"], end=block["start"])
    assert_error(api.post(url, json=backwards, headers=headers), 422)
    # The blocked morning is no longer offered.
    slots = api.get(f"{V1}/stores/{world.slug_a}/services/{offer.service_id}/availability",
                    params={"start": day.isoformat(), "end": day.isoformat()}).json()
    starts = {datetime.fromisoformat(s["start"]).astimezone(datetime.fromisoformat(block["start"]).tzinfo).hour
              for s in slots}
    assert not starts & {9, 10, 11}


def test_service_input_checks(api, world):
    headers = bearer(api, world.manager_a_email)
    url = f"{V1}/stores/{world.slug_a}/services"
    base = {"name": "Cut", "duration_minutes": 30, "price_type": "fixed", "base_price_amount": "20.00"}
    assert api.post(url, json=base, headers=headers).status_code == 201
    for bad, field in (({"duration_minutes": 0}, "duration_minutes"), ({"price_type": "free"}, "price_type"),
                       ({"base_price_amount": "-1"}, "base_price_amount"),
                       ({"base_price_amount": "1e30"}, "base_price_amount"),
                       ({"base_price_amount": "12.345"}, "base_price_amount"),
                       ({"base_price_amount": "NaN"}, "base_price_amount"),
                       ({"min_persons": 3, "max_persons": 2}, "max_persons"),
                       ({"payment_enabled": True}, "payment_enabled"),
                       ({"calendar_ids": [999999]}, None), ({"name": "x" * 201}, "name"),
                       ({"name": "bad\x00name"}, "name"), ({"max_persons": 2, "capacity_persons": 1}, None)):
        response = api.post(url, json=dict(base, **bad), headers=headers)
        assert response.status_code in (404, 422), (bad, response.text)
        error = assert_error(response, response.status_code)
        if field:
            assert field in error["fields"], (bad, error)


def test_calendar_and_service_management_needs_the_store_staff(api, world):
    body = {"name": "Chair"}
    assert_error(api.post(f"{V1}/stores/{world.slug_a}/calendars", json=body), 401)
    assert_error(api.post(f"{V1}/stores/{world.slug_a}/calendars", json=body,
                          headers=bearer(api, world.client_email)), 403)
    assert_error(api.get(f"{V1}/stores/{world.slug_a}/calendars", headers=bearer(api, world.client_email)), 403)
    admin = api.post(f"{V1}/stores/{world.slug_a}/calendars", json=body, headers=bearer(api, world.admin_email))
    assert admin.status_code == 201
