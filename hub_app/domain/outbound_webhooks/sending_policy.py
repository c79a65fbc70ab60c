"""How hard a delivery is tried: attempts, waits between them, the lease and the timeout."""

from __future__ import annotations

from datetime import timedelta

# Waits after failed attempts 1, 2, …: about 2.7 days from the first attempt to the last.
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2),
           timedelta(hours=5), timedelta(hours=10), timedelta(hours=12), timedelta(hours=12),
           timedelta(hours=12), timedelta(hours=12))
MAX_ATTEMPTS = len(BACKOFF) + 1
TIMEOUT_SECONDS = 10.0
# An attempt holds its delivery this long; a worker that dies mid-attempt frees it after.
LEASE = timedelta(seconds=60)
RESPONSE_BODY_KEPT = 1000


def backoff_after(attempt: int) -> timedelta:
    return BACKOFF[min(max(attempt, 1), len(BACKOFF)) - 1]
