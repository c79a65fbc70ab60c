"""Ranges in requests: a plain date is a whole day in the store's time zone, an instant needs an
offset, and the rule is written once in the OpenAPI description (RANGE_RULE)."""

from __future__ import annotations

from datetime import timedelta

from tests.api.conftest import (
    V1, assert_error, bearer, book_new_client, booking_day, local_start, open_service,
)


def _book(api, world, offer, day, hour, email):
    answer = book_new_client(api, world.slug_a, offer.service_id, local_start(day, hour), email)
    assert answer.status_code == 201, answer.text
    return answer.json()["id"]


def _listed(api, world, headers, **params) -> list[int]:
    answer = api.get(f"{V1}/stores/{world.slug_a}/bookings", params=params, headers=headers)
    assert answer.status_code == 200, answer.text
    return sorted(item["id"] for item in answer.json()["items"])


def test_a_plain_date_is_that_whole_day_in_the_store_time_zone(api, world):
    headers = bearer(api, world.manager_a_email)
    offer = open_service(api, world.slug_a, headers)
    day = booking_day()
    # 09:00 Athens is 07:00 UTC; 16:30 Athens is still the same local day.
    early = _book(api, world, offer, day, 9, "early@example.com")
    late = _book(api, world, offer, day, 16, "late@example.com")
    next_day = _book(api, world, offer, day + timedelta(days=1), 9, "next@example.com")

    iso = day.isoformat()
    assert _listed(api, world, headers, start=iso, end=iso) == sorted([early, late])
    assert _listed(api, world, headers, start=iso) == sorted([early, late, next_day])
    assert _listed(api, world, headers, end=iso) == sorted([early, late])
    # Instants with an offset still mean exactly that instant: the end is exclusive.
    assert _listed(api, world, headers, start=local_start(day, 9), end=local_start(day, 16)) == [early]
    assert _listed(api, world, headers, start=local_start(day, 9, 1)) == sorted([late, next_day])


def test_a_time_without_an_offset_or_a_non_date_is_a_clear_422(api, world):
    headers = bearer(api, world.manager_a_email)
    url = f"{V1}/stores/{world.slug_a}/bookings"
    for bad in ("2026-12-10T09:00:00", "2026-12-10T00:00", "10/12/2026", "2026-13-01", "tomorrow"):
        error = assert_error(api.get(url, params={"start": bad}, headers=headers), 422)
        assert "offset" in error["message"] + str(error["fields"]), (bad, error)


def test_the_range_rule_is_written_once_in_the_openapi_description(api):
    document = api.get(f"{V1}/openapi.json").json()
    assert "plain date" in document["info"]["description"]
    params = {p["name"]: p for p in document["paths"]["/stores/{slug}/bookings"]["get"]["parameters"]}
    assert params["start"]["schema"]["anyOf"][0]["type"] == "string"
