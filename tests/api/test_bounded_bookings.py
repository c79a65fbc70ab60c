"""Bookings run on a limiter of their own: at most `booking_concurrency` at once per process."""

from __future__ import annotations

import asyncio
import contextvars
import threading
import time

import pytest

from hub_app.api.v1.bounded import run_booking_work
from hub_app.settings import reset_settings_cache

request_tag: contextvars.ContextVar[str] = contextvars.ContextVar("request_tag", default="")


@pytest.fixture
def concurrency(monkeypatch):
    def set_to(value: int) -> None:
        monkeypatch.setenv("BOOKING_CONCURRENCY", str(value))
        reset_settings_cache()

    yield set_to
    monkeypatch.delenv("BOOKING_CONCURRENCY", raising=False)
    reset_settings_cache()


@pytest.mark.parametrize("limit", [1, 2, 3])
def test_no_more_than_the_limit_run_at_once_and_every_one_finishes(concurrency, limit):
    concurrency(limit)
    lock, running, most = threading.Lock(), [0], [0]

    def work(n: int) -> tuple[int, str]:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.02)
        with lock:
            running[0] -= 1
        return n, request_tag.get()

    async def one(n: int):
        request_tag.set(f"request-{n}")  # each request's context reaches its thread
        return await run_booking_work(work, n)

    async def main():
        return await asyncio.gather(*(one(n) for n in range(12)))

    results = asyncio.run(main())
    assert results == [(n, f"request-{n}") for n in range(12)]
    assert most[0] == limit


def test_an_error_reaches_the_caller(concurrency):
    concurrency(2)

    def fails():
        raise ValueError("no such service")

    with pytest.raises(ValueError, match="no such service"):
        asyncio.run(run_booking_work(fails))


def test_the_setting_refuses_nonsense(concurrency):
    from hub_app.settings import get_settings

    concurrency(0)
    with pytest.raises(ValueError):
        get_settings()
