"""Rate limits on sign-in (API and admin) and booking, per IP and per account: 429 + Retry-After in
the API's error shape; shared through Redis by several app processes; never failing closed."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient

from hub_app import db as hub_db
from hub_app.api.app import create_api
from hub_app.domain.tenancy import TenantContext
from hub_app.security.install import shared_limiter
from hub_app.settings import reset_settings_cache
from tests.api.conftest import (
    bearer,
    book_new_client,
    booking_day,
    local_start,
    open_service,
)
from tests.factories import PASSWORD, link_client
from tests.security.conftest import THROUGH_REDIS, redis_counters

LOW_LIMITS = dict(RATE_LIMIT_LOGIN_PER_IP="100", RATE_LIMIT_LOGIN_PER_ACCOUNT="3",
                  RATE_LIMIT_BOOKING_PER_IP="100", RATE_LIMIT_BOOKING_PER_ACCOUNT="2",
                  TRUSTED_PROXIES="testclient")


def assert_rate_limited(response) -> int:
    assert response.status_code == 429, response.text
    retry_after = int(response.headers["retry-after"])
    assert retry_after >= 1
    error = response.json()["error"]
    assert error["code"] == "rate_limited" and error["message"] and error["fields"] == {}
    assert error["retry_after"] == retry_after
    return retry_after


def sign_in(client: TestClient, email: str, password: str = "wrong-password", ip: str = "198.51.100.1"):
    return client.post("/api/v1/auth/token", json={"email": email, "password": password},
                       headers={"X-Forwarded-For": ip})


def test_booking_and_registration_are_limited_per_account_and_per_address(world, security_env):
    security_env(**{**LOW_LIMITS, "RATE_LIMIT_BOOKING_PER_IP": "5"})
    with TestClient(create_api()) as client:
        offer = open_service(client, world.slug_a, bearer(client, world.manager_a_email))
        day = booking_day()
        starts = iter(local_start(day, 9 + i // 2, 30 * (i % 2)) for i in range(16))
        client.headers["X-Forwarded-For"] = "198.51.100.20"
        assert book_new_client(client, world.slug_a, offer.service_id, next(starts), "one@example.com").status_code == 201
        assert book_new_client(client, world.slug_a, offer.service_id, next(starts), "one@example.com").status_code in (
            409, 422)  # the second registration with that email is refused by the domain, but counted
        assert_rate_limited(book_new_client(client, world.slug_a, offer.service_id, next(starts), "one@example.com"))
        # Signed-in clients are counted by their token.
        client_auth = bearer(client, world.client_email)
        for expected in (201, 201):
            made = client.post(f"/api/v1/stores/{world.slug_a}/bookings", headers=client_auth,
                               json={"service_id": offer.service_id, "start": next(starts), "persons": 1})
            assert made.status_code == expected, made.text
        assert_rate_limited(client.post(f"/api/v1/stores/{world.slug_a}/bookings", headers=client_auth,
                                        json={"service_id": offer.service_id, "start": next(starts), "persons": 1}))
        # Over this address's limit the next is held a little, never refused.
        assert book_new_client(client, world.slug_a, offer.service_id, next(starts), "two@example.com").status_code == 201


def test_limits_are_shared_through_redis_by_every_app_process(world, security_env, redis_server, monkeypatch):
    monkeypatch.setenv("REDIS_URL", redis_server)
    monkeypatch.setenv("HUB_QUEUE_NAMESPACE", f"hub-test-{uuid.uuid4().hex[:8]}")
    reset_settings_cache()
    security_env(**LOW_LIMITS, **THROUGH_REDIS)
    try:
        with TestClient(create_api()) as first, TestClient(create_api()) as second:
            for client in (first, second, first, second):
                assert sign_in(client, world.client_email, PASSWORD).status_code == 200
            # Every attempt of both apps is counted in Redis (none in a process's memory).
            assert redis_counters(redis_server, "login", "198.51.100.1", world.client_email) == (4, 4)
    finally:
        with TestClient(create_api()) as cleaner:
            cleaner.portal.call(shared_limiter().reset)
        reset_settings_cache()


def test_an_unreachable_redis_never_refuses(world, security_env, monkeypatch):
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")
    reset_settings_cache()
    security_env(**LOW_LIMITS)
    try:
        with TestClient(create_api()) as client:
            for _ in range(5):
                assert sign_in(client, world.client_email, PASSWORD).status_code == 200
    finally:
        reset_settings_cache()


@pytest.mark.parametrize("path", ["/api/v1/stores/alpha-salon", "/api/v1/openapi.json"])
def test_other_routes_are_not_limited(world, security_env, path):
    security_env(**{**LOW_LIMITS, "RATE_LIMIT_LOGIN_PER_IP": "1"})
    with TestClient(create_api()) as client:
        assert all(client.get(path).status_code == 200 for _ in range(5))


def test_staff_booking_for_clients_are_not_counted_as_their_own(world, security_env):
    security_env(**LOW_LIMITS)  # two bookings per account
    with hub_db.unit_of_work(TenantContext.system()) as db:
        link_client(db, world.store_a_id, world.client_id)  # a client of the store (staff book only those)
    with TestClient(create_api()) as client:
        manager = bearer(client, world.manager_a_email)
        offer = open_service(client, world.slug_a, manager)
        day = booking_day()
        client.headers["X-Forwarded-For"] = "198.51.100.30"
        for i in range(4):  # a desk booking one client after another on the phone
            made = client.post(f"/api/v1/stores/{world.slug_a}/bookings", headers=manager,
                               json={"service_id": offer.service_id, "start": local_start(day, 9 + i),
                                     "persons": 1, "client_user_id": world.client_id})
            assert made.status_code == 201, made.text
