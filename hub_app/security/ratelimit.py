"""A small rate limiter: `await limiter.hit(key, limit, window_seconds)` -> Decision.

`hit_now` is the same count for synchronous callers (Reflex page handlers that are plain
functions run on the event loop and cannot await); both share the keys, so they count together.

Fixed windows (counting per key per window of `window_seconds`) are enough to stop password
guessing and booking floods, and cost one Redis round trip. Two implementations:

- `RedisRateLimiter` (REDIS_URL set): shared by every app process and host.
- `MemoryRateLimiter`: per process; used without Redis, and as the fallback while Redis is
  unreachable, so an outage of Redis never turns into refused sign-ins or bookings.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from dataclasses import dataclass
from typing import Protocol

logger = logging.getLogger(__name__)

# Default for one Redis round trip (RATE_LIMIT_REDIS_TIMEOUT_SECONDS). A slower answer switches
# the process to memory counting for `retry_seconds`, which splits the limits between processes,
# so it must stay above the stalls of a loaded host: almost half a second was measured on a
# 2-core machine running four times more busy processes than cores. It is also what a hung (not
# refusing) Redis costs: one request per process waits this long every `retry_seconds`, and a
# page action blocks its event loop that long (`hit_now`), so it stays well below that.
REDIS_TIMEOUT_SECONDS = 1.0


@dataclass(frozen=True)
class Decision:
    allowed: bool
    count: int
    limit: int
    retry_after: int  # seconds until the window resets (0 when allowed)


class RateLimiter(Protocol):
    async def hit(self, key: str, limit: int, window_seconds: int) -> Decision: ...

    def hit_now(self, key: str, limit: int, window_seconds: int) -> Decision: ...

    async def reset(self) -> None: ...


def _window(now: float, window_seconds: int) -> tuple[int, int]:
    """(index of the current window, whole seconds until it ends, at least 1)."""
    index = int(now // window_seconds)
    remaining = math.ceil((index + 1) * window_seconds - now)
    return index, max(1, remaining)


def _decide(count: int, limit: int, remaining: int) -> Decision:
    allowed = count <= limit
    return Decision(allowed=allowed, count=count, limit=limit, retry_after=0 if allowed else remaining)


class MemoryRateLimiter:
    """Counters in this process's memory (thread-safe; old windows are dropped as they pass)."""

    def __init__(self, clock=time.time) -> None:
        self._clock = clock
        self._counts: dict[tuple[str, int, int], int] = {}
        self._lock = threading.Lock()
        self._last_prune = 0.0

    async def hit(self, key: str, limit: int, window_seconds: int) -> Decision:
        return self.hit_now(key, limit, window_seconds)

    def hit_now(self, key: str, limit: int, window_seconds: int) -> Decision:
        now = self._clock()
        index, remaining = _window(now, window_seconds)
        with self._lock:
            if now - self._last_prune > 60:
                self._prune(now)
            slot = (key, window_seconds, index)
            count = self._counts.get(slot, 0) + 1
            self._counts[slot] = count
        return _decide(count, limit, remaining)

    def _prune(self, now: float) -> None:
        self._last_prune = now
        for slot in [s for s in self._counts if (s[2] + 1) * s[1] < now]:
            del self._counts[slot]

    async def reset(self) -> None:
        with self._lock:
            self._counts.clear()


class RedisRateLimiter:
    """Counters in Redis (INCR + EXPIRE per window), falling back to memory while Redis is down.

    After a failure Redis is left alone for `retry_seconds`, so an outage costs each request
    nothing rather than a connection timeout.
    """

    def __init__(self, url: str, prefix: str = "hub:ratelimit", *, retry_seconds: float = 5.0,
                 timeout_seconds: float = REDIS_TIMEOUT_SECONDS) -> None:
        self._url = url
        self._timeout = timeout_seconds
        self._clients: dict[int, object] = {}
        self._sync_client = None
        self._prefix = prefix
        self._fallback = MemoryRateLimiter()
        self._retry_seconds = retry_seconds
        self._down_until = 0.0

    def _client(self):
        # asyncio Redis connections belong to the event loop that opened them: one client per loop
        # (a server has one loop per worker process; test clients may run several).
        import asyncio

        import redis.asyncio as aioredis

        loop_id = id(asyncio.get_running_loop())
        client = self._clients.get(loop_id)
        if client is None:
            client = aioredis.Redis.from_url(
                self._url, socket_connect_timeout=self._timeout, socket_timeout=self._timeout)
            self._clients = {loop_id: client}
        return client

    def _redis_window(self, now: float, key: str, window_seconds: int) -> tuple[str, int] | None:
        """(counter key, seconds left in the window); None while Redis is being left alone."""
        if now < self._down_until:
            return None
        index, remaining = _window(now, window_seconds)
        return f"{self._prefix}:{key}:{window_seconds}:{index}", remaining

    @staticmethod
    def _count(pipe, redis_key: str, window_seconds: int) -> None:
        pipe.incr(redis_key)
        pipe.expire(redis_key, window_seconds + 1)

    async def hit(self, key: str, limit: int, window_seconds: int) -> Decision:
        now = time.time()
        counter = self._redis_window(now, key, window_seconds)
        if counter is None:
            return self._fallback.hit_now(key, limit, window_seconds)
        redis_key, remaining = counter
        try:
            async with self._client().pipeline(transaction=True) as pipe:
                self._count(pipe, redis_key, window_seconds)
                count, _ = await pipe.execute()
        except Exception as exc:  # any Redis failure: limit in memory rather than refuse or crash
            return self._redis_failed(exc, now, key, limit, window_seconds)
        return _decide(int(count), limit, remaining)

    def hit_now(self, key: str, limit: int, window_seconds: int) -> Decision:
        now = time.time()
        counter = self._redis_window(now, key, window_seconds)
        if counter is None:
            return self._fallback.hit_now(key, limit, window_seconds)
        redis_key, remaining = counter
        try:
            if self._sync_client is None:
                import redis

                self._sync_client = redis.Redis.from_url(
                    self._url, socket_connect_timeout=self._timeout, socket_timeout=self._timeout)
            with self._sync_client.pipeline(transaction=True) as pipe:
                self._count(pipe, redis_key, window_seconds)
                count, _ = pipe.execute()
        except Exception as exc:  # same rule as `hit`
            return self._redis_failed(exc, now, key, limit, window_seconds)
        return _decide(int(count), limit, remaining)

    def _redis_failed(self, exc: Exception, now: float, key: str, limit: int, window_seconds: int) -> Decision:
        self._down_until = now + self._retry_seconds
        logger.warning("Rate limiter: Redis unavailable (%s); limiting in memory for %ss",
                       type(exc).__name__, self._retry_seconds)
        return self._fallback.hit_now(key, limit, window_seconds)

    async def reset(self) -> None:
        await self._fallback.reset()
        try:
            client = self._client()
            async for key in client.scan_iter(match=f"{self._prefix}:*", count=500):
                await client.delete(key)
        except Exception:  # nothing to reset while Redis is down
            logger.warning("Rate limiter: could not reset counters in Redis", exc_info=True)


def limiter_for(redis_url: str | None, prefix: str = "hub:ratelimit", *,
                timeout_seconds: float = REDIS_TIMEOUT_SECONDS) -> RateLimiter:
    """The shared limiter when Redis is configured, else a per-process one."""
    if redis_url:
        return RedisRateLimiter(redis_url, prefix, timeout_seconds=timeout_seconds)
    return MemoryRateLimiter()
