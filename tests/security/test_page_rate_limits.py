"""The page actions sent over Reflex's websocket are limited like their REST counterparts: the sign-in
page, the booking wizard's own sign-in and its booking with registration count per address and per
account with the same limits and counters, and a flood gets the same "try again in N seconds"."""

from __future__ import annotations

import uuid
from datetime import datetime

import pytest
import redis
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from hub_app import db as hub_db
from hub_app.api.app import create_api, wrap_reflex
from hub_app.domain.accounts.models import AppUser
from hub_app.domain.bookings.models import Booking
from hub_app.domain.tenancy import TenantContext
from hub_app.i18n import t
from hub_app.security import attempts
from hub_app.settings import reset_settings_cache
from hub_app.state.booking import BookingState
from hub_app.state.session import LoginState
from tests.api.conftest import bearer, booking_day, local_start, open_service
from tests.factories import PASSWORD
from tests.page_states import open_page, run
from tests.security.conftest import THROUGH_REDIS, redis_counters

LOW_LIMITS = dict(RATE_LIMIT_LOGIN_PER_IP="100", RATE_LIMIT_LOGIN_PER_ACCOUNT="3",
                  RATE_LIMIT_BOOKING_PER_IP="100", RATE_LIMIT_BOOKING_PER_ACCOUNT="2",
                  TRUSTED_PROXIES="testclient")


@pytest.fixture
def limits(security_env):
    """Set the limits; each test starts with fresh page counters (in memory without REDIS_URL)."""

    def apply(**values: str) -> None:
        security_env(**{**LOW_LIMITS, **values})
        attempts._page_limiter.cache_clear()

    yield apply
    attempts._page_limiter.cache_clear()


def refused(message: str) -> bool:
    """The limiter's own message ("Too many requests. Try again in N seconds.") with 1 <= N <= window."""
    return any(message == t("security.rate_limited", "en", seconds=n) for n in range(1, 601))


def page_sign_in(email: str, password: str = PASSWORD, ip: str = "198.51.100.1") -> LoginState:
    page = open_page(LoginState, path="/login", ip=ip)
    run(page, "sign_in", {"email": email, "password": password})
    return page


def wizard_sign_in(slug: str, email: str, password: str = PASSWORD, ip: str = "198.51.100.1") -> BookingState:
    wizard = open_page(BookingState, path=f"/{slug}/book", ip=ip)
    run(wizard, "load_store")
    run(wizard, "toggle_login")     # "I have an account": the details form then signs in
    run(wizard, "submit_details", {"email": email, "password": password})
    return wizard


def test_page_sign_ins_over_the_limits_are_held_not_refused(world, limits):
    limits(RATE_LIMIT_LOGIN_PER_IP="2")
    wrong = t("auth.invalid_credentials", "en")
    for i in range(4):
        assert page_sign_in(f"nobody{i}@example.com", "wrong-password").login_error == wrong
    # Over both limits of this address: another account still signs in, on either page.
    page = page_sign_in(world.client_email)
    assert page.login_error == "" and page.auth_token and page.device_token
    assert wizard_sign_in(world.slug_a, world.client_email).login_error == ""


def test_limits_off_leave_page_sign_in_alone(world, limits):
    limits(RATE_LIMIT_ENABLED="false", RATE_LIMIT_LOGIN_PER_ACCOUNT="1")
    assert [page_sign_in(world.client_email).login_error for _ in range(3)] == ["", "", ""]


def test_page_and_api_sign_ins_count_together_through_redis(world, limits, redis_server, monkeypatch):
    namespace = f"hub-test-{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("REDIS_URL", redis_server)
    monkeypatch.setenv("HUB_QUEUE_NAMESPACE", namespace)
    reset_settings_cache()
    limits(**THROUGH_REDIS)
    try:
        with TestClient(create_api()) as api:
            for _ in range(2):
                answer = api.post("/api/v1/auth/token", json={"email": world.client_email, "password": PASSWORD},
                                  headers={"X-Forwarded-For": "198.51.100.5"})
                assert answer.status_code == 200, answer.text
            assert page_sign_in(world.client_email, ip="198.51.100.5").login_error == ""
            # Every attempt of both doors is counted in Redis (none in a process's memory).
            assert redis_counters(redis_server, "login", "198.51.100.5", world.client_email) == (3, 3)
    finally:
        client = redis.Redis.from_url(redis_server)
        keys = list(client.scan_iter(f"{namespace}:*"))
        if keys:
            client.delete(*keys)
        client.close()
        reset_settings_cache()


def wizard_at_details(slug: str, service_id: int, start: str, ip: str, token: str = "") -> BookingState:
    """The booking wizard walked up to its last step through its own handlers."""
    wizard = open_page(BookingState, path=f"/{slug}/book", ip=ip, token=token)
    run(wizard, "load_store")
    run(wizard, "start_wizard")
    run(wizard, "choose_service", str(service_id))
    when = datetime.fromisoformat(start)
    run(wizard, "pick_day", when.date().isoformat())
    [slot] = [s for s in wizard.slots if datetime.fromisoformat(s["iso"]) == when]
    run(wizard, "pick_time", slot["iso"], slot["remaining"])
    assert wizard.step == "details"
    return wizard


def registration(email: str) -> dict:
    return {"first_name": "Nikos", "last_name": "Papas", "age": "41", "email": email, "phone": "6971112233",
            "address": "Patision 10, Athens", "password": "client-password"}


def counts() -> tuple[int, int]:
    with hub_db.unit_of_work(TenantContext.system()) as db:
        return db.scalar(select(func.count(Booking.id))), db.scalar(select(func.count(AppUser.id)))


def test_wizard_booking_is_limited_per_account_and_per_address(world, limits):
    limits(RATE_LIMIT_BOOKING_PER_IP="5")
    with TestClient(create_api()) as api:
        offer = open_service(api, world.slug_a, bearer(api, world.manager_a_email))
    day = booking_day()
    starts = iter(local_start(day, 9 + i // 2, 30 * (i % 2)) for i in range(16))

    def register(email: str, ip: str = "198.51.100.20") -> BookingState:
        wizard = wizard_at_details(world.slug_a, offer.service_id, next(starts), ip)
        run(wizard, "submit_details", registration(email))
        return wizard

    assert register("one@example.com").step == "done"
    again = register("one@example.com")      # refused by the domain (the email is taken), but counted
    assert again.step == "details" and "email" in again.field_errors
    before = counts()
    flooded = register("one@example.com")
    assert flooded.step == "details" and refused(flooded.form_error) and counts() == before
    # A signed-in client is counted by the session, like a bearer token on the API.
    token = page_sign_in(world.client_email, ip="198.51.100.20").auth_token
    for _ in range(2):
        wizard = wizard_at_details(world.slug_a, offer.service_id, next(starts), "198.51.100.20", token)
        run(wizard, "submit_as_signed_in")
        assert wizard.step == "done", wizard.form_error
    wizard = wizard_at_details(world.slug_a, offer.service_id, next(starts), "198.51.100.20", token)
    run(wizard, "submit_as_signed_in")
    assert refused(wizard.form_error) and wizard.step == "details"
    # Six from this address so far: over its limit the next is held a little, not refused.
    assert register("two@example.com").step == "done"


@pytest.mark.parametrize("trusted, expected", [("", "testclient"), ("testclient", "203.0.113.9")])
def test_the_page_connection_has_the_address_the_http_side_trusts(security_env, trusted, expected):
    """Reflex's websocket is mounted inside our app (wrap_reflex), behind the same proxy-headers
    middleware: the address Reflex gives the page handlers follows TRUSTED_PROXIES exactly."""
    from reflex.app import EventNamespace
    from reflex.istate.data import SessionData

    security_env(TRUSTED_PROXIES=trusted)
    seen = []

    async def reflex_stand_in(scope, receive, send):
        seen.append(scope)
        await receive()
        await send({"type": "websocket.accept"})
        await send({"type": "websocket.close"})

    with TestClient(wrap_reflex(reflex_stand_in)) as client:
        with client.websocket_connect("/_event/?EIO=4&transport=websocket",
                                      headers={"X-Forwarded-For": "203.0.113.9"}):
            pass
    # What Reflex computes for `router.session.client_ip` from the connection it was handed.
    router_data = EventNamespace._build_static_router_data(None, "sid", {"asgi.scope": seen[-1]})
    assert SessionData.from_router_data(router_data).client_ip == expected
