"""Double submits and racing registrations over real HTTP, with real threads, on both databases:
never a 500. The same request twice gets the same booking back; a second registration of one email
is a 409 naming the email; one free time taken twice is a 409 with the next free times."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import func, select

from hub_app import db as hub_db
from hub_app.domain.accounts.models import AppUser
from hub_app.domain.bookings.models import Booking
from hub_app.domain.tenancy import TenantContext
from tests.api.conftest import V1, bearer, booking_day, local_start, new_client, open_service
from tests.live_api import serve_api

RACERS = 6


@pytest.fixture
def live_api(committed_engine):
    """The API served by uvicorn on a real port; the requests race in real threads."""
    with serve_api() as base_url:
        yield base_url


def _race(url: str, bodies_and_keys: list[tuple[dict, str | None]]) -> list[httpx.Response]:
    gate = threading.Barrier(len(bodies_and_keys))

    def send(item):
        body, key = item
        headers = {"Idempotency-Key": key} if key else {}
        with httpx.Client(timeout=60) as client:
            gate.wait()
            return client.post(url, json=body, headers=headers)

    with ThreadPoolExecutor(len(bodies_and_keys)) as pool:
        return list(pool.map(send, bodies_and_keys))


def _count(model, *where) -> int:
    with hub_db.unit_of_work(TenantContext.system()) as db:
        return db.scalar(select(func.count()).select_from(model).where(*where)) or 0


def _offer(api, world):
    return open_service(api, world.slug_a, bearer(api, world.manager_a_email))


def test_the_same_registering_request_sent_at_once_books_once_and_never_answers_500(api, world, live_api):
    offer = _offer(api, world)
    body = {"service_id": offer.service_id, "start": local_start(booking_day(), 10), "persons": 1,
            "client": new_client("twice@example.com")}
    answers = _race(f"{live_api}{V1}/stores/{world.slug_a}/bookings", [(body, "same-key-1")] * RACERS)

    statuses = Counter(a.status_code for a in answers)
    assert set(statuses) <= {200, 201}, [a.text for a in answers if a.status_code not in (200, 201)]
    # Every answer is the one booking (a twin that waited for the first may still say 201).
    assert len({a.json()["id"] for a in answers}) == 1
    assert _count(Booking) == 1 and _count(AppUser, AppUser.email == "twice@example.com") == 1


def test_one_email_registering_with_different_keys_is_one_account_and_a_clear_409(api, world, live_api):
    offer = _offer(api, world)
    day = booking_day()
    items = [({"service_id": offer.service_id, "start": local_start(day, 9 + i), "persons": 1,
               "client": new_client("one.email@example.com")}, f"key-{i}") for i in range(RACERS)]
    answers = _race(f"{live_api}{V1}/stores/{world.slug_a}/bookings", items)

    statuses = Counter(a.status_code for a in answers)
    assert statuses == {201: 1, 409: RACERS - 1}, [a.text for a in answers]
    for refused in (a for a in answers if a.status_code == 409):
        assert any("email" in field for field in refused.json()["error"]["fields"]), refused.text
    assert _count(Booking) == 1 and _count(AppUser, AppUser.email == "one.email@example.com") == 1


def test_one_free_time_taken_by_several_new_clients_is_one_booking_and_409s(api, world, live_api):
    offer = _offer(api, world)
    start = local_start(booking_day(), 11)
    items = [({"service_id": offer.service_id, "start": start, "persons": 1,
               "client": new_client(f"racer{i}@example.com")}, f"slot-{i}") for i in range(RACERS)]
    answers = _race(f"{live_api}{V1}/stores/{world.slug_a}/bookings", items)

    statuses = Counter(a.status_code for a in answers)
    assert statuses == {201: 1, 409: RACERS - 1}, [a.text for a in answers]
    assert all(a.json()["error"]["code"] == "slot_taken" for a in answers if a.status_code == 409)
    # A refused registration leaves no account behind.
    assert _count(Booking) == 1 and _count(AppUser, AppUser.email.like("racer%")) == 1


def test_any_unique_race_the_domain_did_not_settle_is_a_409_not_a_500(committed_engine):
    """The safety net under every route: a real unique violation from the database (two inserts of
    one email) reaches the caller as 409 "conflict", with nothing saved; other errors stay 500."""
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from hub_app.api.v1.errors import install_error_handlers
    from tests.factories import make_client

    app = FastAPI()
    install_error_handlers(app)

    @app.post("/twice")
    def twice() -> dict:
        with hub_db.unit_of_work(TenantContext.system()) as db:
            make_client(db, email="same@example.com")
            make_client(db, email="same@example.com")
        return {}

    @app.post("/broken")
    def broken() -> dict:
        with hub_db.unit_of_work(TenantContext.system()) as db:
            db.add(AppUser(email=None))  # NOT NULL: an integrity error that is no race
            db.flush()
        return {}

    client = TestClient(app, raise_server_exceptions=False)
    answer = client.post("/twice")
    assert answer.status_code == 409 and answer.json()["error"]["code"] == "conflict"
    assert _count(AppUser, AppUser.email == "same@example.com") == 0
    assert client.post("/broken").status_code == 500
