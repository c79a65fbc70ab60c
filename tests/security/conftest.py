"""Security tests run against the real ASGI app (`create_api()`) over a committed database.

The `api`/`world` fixtures and helpers of tests/api are reused: two stores with their managers,
an admin and a client, built through the domain layer.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import redis

from hub_app.i18n import t
from hub_app.security.attempts import account_key, limiter_prefix
from hub_app.security.config import reset_security_settings_cache
from tests.api.conftest import api, world  # noqa: F401  (fixtures shared with the API tests)


@pytest.fixture
def security_env(monkeypatch) -> Iterator:
    """Set protection settings (environment variables) for apps built inside the test."""

    def apply(**values: str) -> None:
        for name, value in values.items():
            monkeypatch.setenv(name, value)
        reset_security_settings_cache()

    yield apply
    reset_security_settings_cache()


# For tests that prove counters are shared through Redis, so that only sharing can decide them:
# - windows are aligned to the epoch, so a few sign-ins taking a second or two under load can
#   straddle the end of a 300 s window (the count starts over): here one window spans the run;
# - a Redis answer slower than the limiter's timeout makes that app count in memory for 5 s, by
#   design: the test allows the queue's 5 s, so a stall of the loaded machine cannot decide it.
RUN_WINDOW = 10**10  # seconds: window 0 lasts until the year 2286
THROUGH_REDIS = dict(RATE_LIMIT_LOGIN_WINDOW_SECONDS=str(RUN_WINDOW), RATE_LIMIT_REDIS_TIMEOUT_SECONDS="5")


def refused_for_the_run(message: str) -> bool:
    """The limiter's "try again in N seconds" with N what is left of the THROUGH_REDIS window."""
    left = RUN_WINDOW - int(time.time())
    return any(message == t("security.rate_limited", "en", seconds=n) for n in range(left - 120, left + 2))


def redis_counters(redis_url: str, kind: str, ip: str, account: str) -> tuple[int, int]:
    """(per-address count, per-account count; per account and address for sign-ins) of `kind` as
    stored in Redis, over all windows."""
    client = redis.Redis.from_url(redis_url)
    try:
        def total(counter: str) -> int:
            return sum(int(client.get(key) or 0) for key in client.scan_iter(f"{limiter_prefix()}:{kind}:{counter}:*"))

        if kind == "login":  # counted per account and address
            return total(f"ip:{ip}"), total(f"pair:{account_key(account)}:{account_key(ip)}")
        return total(f"ip:{ip}"), total(f"account:{account_key(account)}")
    finally:
        client.close()
