"""The domain's sign-in throttling: growing delays per account and address, never a lock-out of a
known source, and a short, capped slow-down of unknown sources when many addresses guess."""

from __future__ import annotations

from hub_app.domain.accounts.models import LoginFailure
from hub_app.domain.accounts.service import authenticate
from hub_app.domain.accounts.signin_throttle import (
    MAX_ACCOUNT_DELAY_SECONDS, MAX_PAIR_DELAY_SECONDS, backoff_seconds, make_device_token,
)
from hub_app.domain.errors import NotAuthenticated, RateLimited
from tests.factories import PASSWORD, make_client


def test_the_delay_doubles_after_the_free_failures_up_to_the_cap():
    assert [backoff_seconds(n, 5, 900) for n in range(11)] == [0, 0, 0, 0, 0, 2, 4, 8, 16, 32, 64]
    assert backoff_seconds(40, 5, 900) == 900 and backoff_seconds(10**6, 5, 60) == 60


def guess(db, email: str, ip: str, password: str = "a-guess", device: str | None = None):
    try:
        authenticate(db, email, password, ip=ip, device_token=device)
    except (NotAuthenticated, RateLimited) as exc:
        return exc
    return None


def test_a_known_address_signs_in_during_its_delay_and_an_unknown_one_waits(db):
    client = make_client(db)
    authenticate(db, client.email, PASSWORD, ip="198.51.100.1")  # the owner's address from now on
    for _ in range(5):
        assert isinstance(guess(db, client.email, "198.51.100.1"), NotAuthenticated)
    # The pair is in its delay: a wrong password is answered like an unchecked one...
    slowed = guess(db, client.email, "198.51.100.1")
    assert isinstance(slowed, RateLimited) and 1 <= slowed.retry_after <= 2
    # ...the right one gets in, since this address is the account's.
    assert guess(db, client.email, "198.51.100.1", PASSWORD) is None
    # The same failures from an address never used: the right password waits too.
    for _ in range(6):
        guess(db, client.email, "203.0.113.9")
    assert isinstance(guess(db, client.email, "203.0.113.9", PASSWORD), RateLimited)
    # A device token of this account opens the way from that address as well.
    assert guess(db, client.email, "203.0.113.9", PASSWORD, make_device_token(client)) is None


def test_many_addresses_guessing_slow_unknown_sources_briefly_and_never_known_ones(db):
    client = make_client(db)
    authenticate(db, client.email, PASSWORD, ip="198.51.100.1")
    answers = [guess(db, client.email, f"203.0.113.{i}") for i in range(30)]  # one guess per address
    assert all(isinstance(a, NotAuthenticated) for a in answers[:20])
    assert all(isinstance(a, RateLimited) and a.retry_after <= MAX_ACCOUNT_DELAY_SECONDS for a in answers[20:])
    waiting = guess(db, client.email, "192.0.2.1", PASSWORD)
    assert isinstance(waiting, RateLimited) and waiting.retry_after <= MAX_ACCOUNT_DELAY_SECONDS
    assert guess(db, client.email, "198.51.100.1", PASSWORD) is None


def test_the_delays_are_capped(db):
    client = make_client(db)
    db.add_all([LoginFailure(email=client.email, ip_address="203.0.113.5") for _ in range(60)])
    db.flush()
    slowed = guess(db, client.email, "203.0.113.5", PASSWORD)
    assert isinstance(slowed, RateLimited) and MAX_ACCOUNT_DELAY_SECONDS < slowed.retry_after <= MAX_PAIR_DELAY_SECONDS
    # Another, unknown address waits for the account-wide delay only: at most a minute.
    elsewhere = guess(db, client.email, "192.0.2.50", PASSWORD)
    assert isinstance(elsewhere, RateLimited) and elsewhere.retry_after <= MAX_ACCOUNT_DELAY_SECONDS
