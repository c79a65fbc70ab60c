"""Choosing a person over the API: the people of a service, one person's free times, booking a
person or anyone, the store's rule for anyone and the calendars' order, and the OpenAPI document."""

from __future__ import annotations

from datetime import datetime

from tests.api.conftest import V1, assert_error, bearer, book_new_client, booking_day, local_start


def salon(api, world, names=("Anna Georgiou", "Nikos", "Eleni Papa")):
    """Three people open 09:00-17:00 every day, all offering one 30-minute haircut."""
    headers = bearer(api, world.manager_a_email)
    ids = []
    for name in names:
        cal = api.post(f"{V1}/stores/{world.slug_a}/calendars", json={"name": name}, headers=headers)
        assert cal.status_code == 201, cal.text
        ids.append(cal.json()["id"])
        hours = [{"weekday": d, "start": "09:00", "end": "17:00"} for d in range(7)]
        assert api.put(f"{V1}/stores/{world.slug_a}/calendars/{ids[-1]}/hours", json=hours,
                       headers=headers).status_code == 200
    svc = api.post(f"{V1}/stores/{world.slug_a}/services", headers=headers, json={
        "name": "Haircut", "duration_minutes": 30, "price_type": "fixed", "base_price_amount": "20.00",
        "calendar_ids": ids})
    assert svc.status_code == 201, svc.text
    return headers, ids, svc.json()["id"]


def test_people_of_a_service_in_the_stores_order(api, world):
    headers, ids, service_id = salon(api, world)
    people = api.get(f"{V1}/stores/{world.slug_a}/services/{service_id}/staff").json()
    assert [(p["id"], p["name"], p["initials"], p["photo_url"]) for p in people] == [
        (ids[0], "Anna Georgiou", "AG", None), (ids[1], "Nikos", "N", None), (ids[2], "Eleni Papa", "EP", None)]
    order = api.put(f"{V1}/stores/{world.slug_a}/calendars/order", headers=headers,
                    json={"calendar_ids": [ids[2], ids[0], ids[1]]})
    assert order.status_code == 200, order.text
    assert [c["priority"] for c in order.json()] == [0, 1, 2]
    people = api.get(f"{V1}/stores/{world.slug_a}/services/{service_id}/staff").json()
    assert [p["id"] for p in people] == [ids[2], ids[0], ids[1]]
    assert [c["id"] for c in api.get(f"{V1}/stores/{world.slug_a}/calendars", headers=headers).json()] == [
        ids[2], ids[0], ids[1]]
    assert_error(api.put(f"{V1}/stores/{world.slug_a}/calendars/order", headers=headers,
                         json={"calendar_ids": [ids[0]]}), 422)
    assert_error(api.put(f"{V1}/stores/{world.slug_a}/calendars/order", json={"calendar_ids": ids}), 401)
    assert_error(api.get(f"{V1}/stores/{world.slug_b}/services/{service_id}/staff"), 404)


def test_one_persons_free_times_and_booking_that_person_or_anyone(api, world):
    headers, ids, service_id = salon(api, world)
    day = booking_day()
    start = local_start(day, 10)
    url = f"{V1}/stores/{world.slug_a}/services/{service_id}/availability"
    params = {"start": day.isoformat(), "end": day.isoformat()}
    named = book_new_client(api, world.slug_a, service_id, start, "first@example.com")
    assert named.status_code == 201
    taken_by = named.json()["calendar_id"]
    assert named.json()["staff_requested"] is False

    everyone = api.get(url, params=params).json()
    at_ten = next(s for s in everyone if s["start"] == start)
    assert sorted(at_ten["calendar_ids"]) == sorted(set(ids) - {taken_by}) and at_ten["remaining"] == 2
    theirs = api.get(url, params={**params, "calendar_id": taken_by}).json()
    assert start not in [s["start"] for s in theirs] and len(theirs) == 15
    assert all(s["calendar_ids"] == [taken_by] for s in theirs)
    assert_error(api.get(url, params={**params, "calendar_id": 999999}), 422)

    client = {"service_id": service_id, "start": start, "persons": 1, "calendar_id": taken_by}
    refused = api.post(f"{V1}/stores/{world.slug_a}/bookings", headers=bearer(api, world.client_email), json=client)
    error = assert_error(refused, 409, "slot_taken")
    # That person's next free starts (their 10:00 is gone, their 09:00 is the day's first).
    offered = [datetime.fromisoformat(i) for i in error["next_free"]]
    assert offered[0] == datetime.fromisoformat(local_start(day, 9))
    assert datetime.fromisoformat(start) not in offered
    other = next(i for i in ids if i != taken_by)
    made = api.post(f"{V1}/stores/{world.slug_a}/bookings", headers=bearer(api, world.client_email),
                    json={**client, "calendar_id": other})
    assert made.status_code == 201, made.text
    assert made.json()["calendar_id"] == other and made.json()["staff_requested"] is True


def test_the_rule_for_anyone_is_a_store_setting(api, world):
    headers, ids, service_id = salon(api, world)
    store = api.get(f"{V1}/stores/{world.slug_a}").json()
    assert store["anyone_rule"] == "least_busy"
    assert_error(api.patch(f"{V1}/stores/{world.slug_a}", headers=headers, json={"anyone_rule": "coin_flip"}), 422)
    changed = api.patch(f"{V1}/stores/{world.slug_a}", headers=headers, json={"anyone_rule": "priority"})
    assert changed.status_code == 200 and changed.json()["anyone_rule"] == "priority"
    api.put(f"{V1}/stores/{world.slug_a}/calendars/order", headers=headers,
            json={"calendar_ids": [ids[1], ids[2], ids[0]]})
    day = booking_day()
    got = [book_new_client(api, world.slug_a, service_id, local_start(day, 11), f"p{i}@example.com").json()["calendar_id"]
           for i in range(3)]
    assert got == [ids[1], ids[2], ids[0]]


def test_openapi_describes_the_choice_of_person(api):
    doc = api.get(f"{V1}/openapi.json").json()
    schemas = doc["components"]["schemas"]
    assert "anyone" in schemas["BookingIn"]["properties"]["calendar_id"]["description"]
    assert "staff_requested" in schemas["BookingOut"]["properties"]
    assert "calendar_ids" in schemas["SlotOut"]["properties"]
    assert "round_robin" in str(schemas["StorePatch"]["properties"]["anyone_rule"]) + str(schemas.get("AnyoneRule"))
    assert "anyone_rule" in schemas["StoreOut"]["properties"]
    assert "/stores/{slug}/services/{service_id}/staff" in doc["paths"]
    assert "/stores/{slug}/calendars/order" in doc["paths"]
    availability = doc["paths"]["/stores/{slug}/services/{service_id}/availability"]["get"]
    assert any(p["name"] == "calendar_id" for p in availability["parameters"])
