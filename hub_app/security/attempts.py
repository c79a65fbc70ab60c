"""Counting sign-in and booking attempts per client IP and per account: one rule for every door.

The HTTP middleware (throttle.py) and the page actions sent over Reflex's websocket (the sign-in
page, the booking wizard's sign-in and its booking with registration) count here, with the same
limits (SecuritySettings) and the same counter keys, so a flood through either door, or through
both, is refused alike with "try again in N seconds". The counters are shared through Redis when
REDIS_URL is set; without it each process counts in memory (the pages apart from the API).

The account is named by a hash of the normalised email (or session token), so no address ends up
in Redis.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from functools import lru_cache

from hub_app.i18n import t
from hub_app.security.config import SecuritySettings, get_security_settings
from hub_app.security.ratelimit import RateLimiter, limiter_for

LOGIN = "login"
BOOKING = "booking"


@dataclass(frozen=True)
class Limits:
    per_ip: int
    per_account: int
    window_seconds: int


def limits_for(kind: str, settings: SecuritySettings) -> Limits:
    if kind == LOGIN:
        return Limits(settings.rate_limit_login_per_ip, settings.rate_limit_login_per_account,
                      settings.rate_limit_login_window_seconds)
    if kind == BOOKING:
        return Limits(settings.rate_limit_booking_per_ip, settings.rate_limit_booking_per_account,
                      settings.rate_limit_booking_window_seconds)
    raise ValueError(f"unknown kind of attempt: {kind}")


def account_key(value: str) -> str:
    return hashlib.sha256(value.strip().lower().encode("utf-8")).hexdigest()[:32]


def _counters(kind: str, limits: Limits, ip: str | None, account: str | None) -> list[tuple[str, int]]:
    counters = [(f"{kind}:ip:{ip or 'unknown'}", limits.per_ip)]
    if account:
        counters.append((f"{kind}:account:{account_key(account)}", limits.per_account))
    return counters


async def count_attempt(limiter: RateLimiter, kind: str, limits: Limits, ip: str | None,
                        account: str | None) -> int:
    """Count one attempt; the seconds to wait when it is over a limit, else 0."""
    wait = 0
    for key, limit in _counters(kind, limits, ip, account):
        decision = await limiter.hit(key, limit, limits.window_seconds)
        wait = max(wait, decision.retry_after)
    return wait


def count_attempt_now(limiter: RateLimiter, kind: str, limits: Limits, ip: str | None,
                      account: str | None) -> int:
    """`count_attempt` for synchronous callers (blocking: one Redis round trip per counter)."""
    wait = 0
    for key, limit in _counters(kind, limits, ip, account):
        wait = max(wait, limiter.hit_now(key, limit, limits.window_seconds).retry_after)
    return wait


def limiter_prefix() -> str:
    """Counter keys are namespaced like the queues, so deployments sharing a Redis stay apart."""
    return f"{os.environ.get('HUB_QUEUE_NAMESPACE', 'hub')}:ratelimit"


@lru_cache(maxsize=4)
def _page_limiter(redis_url: str | None, prefix: str, timeout_seconds: float) -> RateLimiter:
    # One per process for the page actions (its memory fallback must outlive a single event).
    return limiter_for(redis_url, prefix, timeout_seconds=timeout_seconds)


def page_limiter() -> RateLimiter:
    from hub_app.settings import get_settings

    return _page_limiter(get_settings().redis_url, limiter_prefix(),
                         get_security_settings().rate_limit_redis_timeout_seconds)


def refuse_page_attempt(kind: str, ip: str | None, account: str | None, locale: str) -> str | None:
    """Count a page action's attempt; the message to show when it is over a limit, else None."""
    settings = get_security_settings()
    if not settings.rate_limit_enabled:
        return None
    wait = count_attempt_now(page_limiter(), kind, limits_for(kind, settings), ip, account)
    return t("security.rate_limited", locale, seconds=wait) if wait else None
