"""Sign-in throttling slows guessing down without locking anyone out (API and admin sign-in).

Failures count per (account, address) and cost a growing delay; an address's own limit only holds
requests a little longer; an address or device the account signed in from before is never kept
from signing in with the right password; the admin's trusted networks skip the per-address limit.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from hub_app import db as hub_db
from hub_app.api.app import create_api
from hub_app.domain.accounts.models import AppUser, LoginFailure
from hub_app.domain.accounts.signin_throttle import device_known
from hub_app.domain.platform.trusted_networks import save_trusted_network
from hub_app.domain.tenancy import TenantContext
from hub_app.security.trusted import trusted_networks
from tests.factories import PASSWORD

THROUGH_PROXY = dict(TRUSTED_PROXIES="testclient")
ATTACKER, OWNER = "203.0.113.66", "198.51.100.10"


def sign_in(client: TestClient, email: str, password: str, ip: str, device: str | None = None):
    body = {"email": email, "password": password}
    if device:
        body["device_token"] = device
    return client.post("/api/v1/auth/token", json=body, headers={"X-Forwarded-For": ip})


def admin_sign_in(client: TestClient, email: str, password: str, ip: str):
    return client.post("/admin/login", data={"username": email, "password": password},
                       headers={"X-Forwarded-For": ip}, follow_redirects=False)


def move_failures_back(engine, seconds: int) -> None:
    """As if `seconds` had passed since every failure so far."""
    with hub_db.unit_of_work(TenantContext.system(), engine) as db:
        for failure in db.scalars(select(LoginFailure)):
            failure.at = failure.at - timedelta(seconds=seconds)


def test_a_hundred_failures_from_one_address_leave_another_account_there_alone(world, security_env):
    security_env(**THROUGH_PROXY)  # the default limits
    with TestClient(create_api()) as client:
        def fail(i: int) -> int:
            email = world.admin_email if i % 2 else f"nobody{i}@example.com"
            return sign_in(client, email, "wrong-password", ATTACKER).status_code

        with ThreadPoolExecutor(max_workers=16) as pool:
            codes = list(pool.map(fail, range(100)))
        assert codes.count(401) >= 50 and 500 not in codes
        started = time.monotonic()
        answer = sign_in(client, world.client_email, PASSWORD, ATTACKER)
        assert answer.status_code == 200, answer.text
        assert time.monotonic() - started < 5


def test_an_attackers_failures_never_stop_the_owner_from_a_known_address_or_device(world, security_env):
    security_env(**THROUGH_PROXY)
    with TestClient(create_api()) as client:
        first = sign_in(client, world.client_email, PASSWORD, OWNER)
        assert first.status_code == 200
        device = first.json().get("device_token")
        for _ in range(30):
            assert sign_in(client, world.client_email, "a-guess", ATTACKER).status_code in (401, 429)
        # The attacker's own address is slowed down, whatever it sends...
        refused = sign_in(client, world.client_email, PASSWORD, ATTACKER)
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
        # ...while the owner signs in from the address used before, and from a new one with the device token.
        assert sign_in(client, world.client_email, PASSWORD, OWNER).status_code == 200
        assert sign_in(client, world.client_email, PASSWORD, "192.0.2.77", device).status_code == 200
        # A device token names one account: another account's, or a forged one, is not known here.
        other = sign_in(client, world.admin_email, PASSWORD, OWNER).json()["device_token"]
        with hub_db.unit_of_work(TenantContext.system()) as db:
            owner = db.scalar(select(AppUser).where(AppUser.email == world.client_email))
            assert device_known(owner, device)
            assert not device_known(owner, other) and not device_known(owner, device[:-2] + "xx")


def test_a_guessing_loop_gets_slower_and_slower(world, security_env, committed_engine):
    security_env(**THROUGH_PROXY)
    waits: list[int] = []
    with TestClient(create_api()) as client:
        while len(waits) < 6:
            answer = sign_in(client, world.client_email, "a-guess", ATTACKER)
            if answer.status_code == 429:
                waits.append(int(answer.headers["Retry-After"]))
                move_failures_back(committed_engine, waits[-1])  # wait exactly as long as asked
            else:
                assert answer.status_code == 401
    assert waits == sorted(waits) and len(set(waits)) == len(waits), waits
    assert waits[-1] >= 16 * waits[0]


def test_the_admin_sign_in_slows_guessing_and_lets_the_admin_in(world, security_env, committed_engine):
    security_env(**THROUGH_PROXY)
    with TestClient(create_api()) as admin_browser, TestClient(create_api()) as attacker:
        assert admin_sign_in(admin_browser, world.admin_email, PASSWORD, OWNER).status_code == 302
        waits: list[int] = []
        while len(waits) < 4:
            answer = admin_sign_in(attacker, world.admin_email, "a-guess", ATTACKER)
            if answer.status_code == 429:
                waits.append(int(answer.headers["Retry-After"]))
                move_failures_back(committed_engine, waits[-1])
            else:
                assert answer.status_code == 400
        assert waits == sorted(waits) and len(set(waits)) == 4, waits
        # One more guess once the delay is over starts a longer one, even for the right password...
        assert admin_sign_in(attacker, world.admin_email, "a-guess", ATTACKER).status_code == 400
        assert admin_sign_in(attacker, world.admin_email, PASSWORD, ATTACKER).status_code == 429
        # ...while the admin signs in from the address used before, and from anywhere in the same browser.
        assert admin_sign_in(attacker, world.admin_email, PASSWORD, OWNER).status_code == 302
        assert admin_browser.cookies.get("hub_admin_device")
        assert admin_sign_in(admin_browser, world.admin_email, PASSWORD, ATTACKER).status_code == 302


def test_the_per_address_limit_holds_requests_and_trusted_networks_skip_it(world, security_env, committed_engine):
    security_env(**THROUGH_PROXY, RATE_LIMIT_LOGIN_PER_IP="1")
    trusted_networks.forget()
    try:
        with TestClient(create_api()) as client:
            def timed(ip: str) -> float:
                started = time.monotonic()
                # No password: refused by the domain without hashing, but counted by the limiter.
                answer = client.post("/api/v1/auth/token", json={"email": "x@example.com", "password": ""},
                                     headers={"X-Forwarded-For": ip})
                assert answer.status_code == 422
                return time.monotonic() - started

            held = [timed("198.51.100.200") for _ in range(11)]
            assert held[-1] >= 0.45 and held[-1] > held[1]  # 50 ms more for each over the limit, never refused
            with hub_db.unit_of_work(TenantContext.system(), committed_engine) as db:
                admin = db.scalar(select(AppUser).where(AppUser.email == world.admin_email))
                save_trusted_network(db, TenantContext.for_user(admin), None,
                                     {"cidr": "198.51.100.0/24", "note": "office"})
            trusted_networks.forget()
            assert max(timed("198.51.100.200") for _ in range(5)) < 0.4
    finally:
        trusted_networks.forget()
