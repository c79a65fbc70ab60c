"""Counting sign-in and booking attempts per client address and per account: one rule for every door.

The HTTP middleware (throttle.py) and the page actions sent over Reflex's websocket (the sign-in
page, the booking wizard's sign-in and its booking with registration) count here, with the same
limits (SecuritySettings) and the same counter keys. The counters are shared through Redis when
REDIS_URL is set; without it each process counts in memory (the pages apart from the API).

What happens over a limit (`Pace`):

- per address (sign-in and booking): the attempt is held a little longer for every attempt over
  the limit (`DELAY_STEP_SECONDS`, at most `MAX_DELAY_SECONDS`), never refused: one noisy
  neighbour behind a shared address must not lock everyone else out. Addresses in the admin's
  trusted networks are not counted;
- sign-in per (account, address): held the same way; the growing "try again in N seconds" of
  repeated failures is the domain's (hub_app.domain.accounts.signin_throttle), which knows the
  account's devices and addresses;
- booking per account: refused with "try again in N seconds" (a booking flood of one client);
  staff booking for a client count as that client's bookings, not their own.

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
from hub_app.security.trusted import trusted_networks

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


# Held per attempt over a per-address or sign-in limit: 50 ms more for each, at most 2 s, so a
# guessing loop slows down while a person behind the same address still signs in within seconds.
DELAY_STEP_SECONDS = 0.05
MAX_DELAY_SECONDS = 2.0


@dataclass(frozen=True)
class Pace:
    retry_after: int = 0  # > 0: refused, try again in this many seconds
    delay: float = 0.0    # seconds to hold the attempt before handling it

    def merge(self, other: "Pace") -> "Pace":
        return Pace(max(self.retry_after, other.retry_after), max(self.delay, other.delay))


def slowdown(count: int, limit: int) -> float:
    return min(MAX_DELAY_SECONDS, DELAY_STEP_SECONDS * (count - limit)) if count > limit else 0.0


@dataclass(frozen=True)
class Counter:
    key: str
    limit: int
    refuses: bool  # over the limit: refused (True) or only slowed down (False)


def _counters(kind: str, limits: Limits, ip: str | None, account: str | None) -> list[Counter]:
    counters = []
    if not trusted_networks.contains(ip):
        counters.append(Counter(f"{kind}:ip:{ip or 'unknown'}", limits.per_ip, refuses=False))
    if account and kind == LOGIN:
        # Per account AND address: failures elsewhere never slow the owner's own address down.
        pair = account_key(account) + ":" + account_key(ip or "unknown")
        counters.append(Counter(f"{kind}:pair:{pair}", limits.per_account, refuses=False))
    elif account:
        counters.append(Counter(f"{kind}:account:{account_key(account)}", limits.per_account, refuses=True))
    return counters


def _pace(counter: Counter, decision) -> Pace:
    if decision.allowed:
        return Pace()
    if counter.refuses:
        return Pace(retry_after=decision.retry_after)
    return Pace(delay=slowdown(decision.count, decision.limit))


async def count_attempt(limiter: RateLimiter, kind: str, limits: Limits, ip: str | None,
                        account: str | None) -> Pace:
    """Count one attempt; whether to refuse it or hold it, and how long."""
    pace = Pace()
    for counter in _counters(kind, limits, ip, account):
        pace = pace.merge(_pace(counter, await limiter.hit(counter.key, counter.limit, limits.window_seconds)))
    return pace


def count_attempt_now(limiter: RateLimiter, kind: str, limits: Limits, ip: str | None,
                      account: str | None) -> Pace:
    """`count_attempt` for synchronous callers (blocking: one Redis round trip per counter)."""
    pace = Pace()
    for counter in _counters(kind, limits, ip, account):
        pace = pace.merge(_pace(counter, limiter.hit_now(counter.key, counter.limit, limits.window_seconds)))
    return pace


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


def pace_page_attempt(kind: str, ip: str | None, account: str | None, locale: str) -> tuple[str | None, float]:
    """Count a page action's attempt: (the message to show when refused, else None; seconds to hold it)."""
    settings = get_security_settings()
    if not settings.rate_limit_enabled:
        return None, 0.0
    pace = count_attempt_now(page_limiter(), kind, limits_for(kind, settings), ip, account)
    if pace.retry_after:
        return t("security.rate_limited", locale, seconds=pace.retry_after), 0.0
    return None, pace.delay
