"""Blocking booking work on worker threads, under a limiter of its own per server process.

FastAPI runs every plain `def` route on one shared pool of 40 threads. For bookings that many
at once only wait for each other: on the same calendar's row lock, and on the interpreter lock,
which costs CPU to hand over. Bookings go through a limiter of `settings.booking_concurrency`
instead; requests beyond it wait in the event loop, which costs nothing.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from typing import TypeVar
from weakref import WeakKeyDictionary

import anyio
import anyio.to_thread

from hub_app.settings import get_settings

Result = TypeVar("Result")

# One limiter per event loop: a limiter belongs to the loop it was first used in (tests start
# several loops in one process).
_BOOKING_LIMITERS: "WeakKeyDictionary[asyncio.AbstractEventLoop, anyio.CapacityLimiter]" = WeakKeyDictionary()


def _booking_limiter() -> anyio.CapacityLimiter:
    loop = asyncio.get_running_loop()
    limiter = _BOOKING_LIMITERS.get(loop)
    if limiter is None:
        limiter = _BOOKING_LIMITERS[loop] = anyio.CapacityLimiter(get_settings().booking_concurrency)
    return limiter


async def run_booking_work(func: Callable[..., Result], *args, **kwargs) -> Result:
    """`func(*args, **kwargs)` on a worker thread, at most `booking_concurrency` at once."""
    return await anyio.to_thread.run_sync(functools.partial(func, *args, **kwargs), limiter=_booking_limiter())
