"""How big each generated store is: Zipf-like booking counts by rank, and the calendars,
services and clients such a store needs to hold them without overlapping bookings.

Pure functions of the sizes asked for (no randomness here), so every level of a run and every
re-run agrees on which store is the biggest (store id 1) and which is the median one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# Exponent of the rank-size law: 1.0 is the classic Zipf curve (store 1 holds ~10% of all
# bookings at 10,000 stores; the median store holds a couple of hundred).
ZIPF_EXPONENT = 1.0
# Each calendar (a chair, a room, a person) is open Mon-Sat 09:00-18:00 local time and gets on
# average this many bookings per open day; a day never holds more than MAX_PER_DAY (9 hours of
# 30-60 minute services, placed without overlap).
BOOKINGS_PER_CALENDAR_DAY = 5
MAX_PER_DAY = 8
OPEN_MINUTES = (9 * 60, 18 * 60)
OPEN_WEEKDAYS = (0, 1, 2, 3, 4, 5)        # Monday..Saturday (Python's weekday numbers)
HISTORY_DAYS = 730                        # two years back from the anchor day
FUTURE_DAYS = 60                          # and two months ahead (the default booking horizon)
BOOKINGS_PER_CLIENT = 6                   # a client books ~6 times at a store over two years


@dataclass(frozen=True)
class StoreShape:
    rank: int            # 1 = the biggest store; also its id
    bookings: int
    calendars: int
    services: int
    clients: int


def booking_counts(stores: int, bookings: int) -> list[int]:
    """Bookings per store by rank, summing exactly to `bookings` (every store gets at least one)."""
    if stores < 1 or bookings < stores:
        raise ValueError("need at least one store and at least one booking per store")
    weights = [1.0 / (rank ** ZIPF_EXPONENT) for rank in range(1, stores + 1)]
    total = sum(weights)
    counts = [max(1, int(bookings * w / total)) for w in weights]
    # Rounding leftovers go to the biggest stores, one each, so the total is exact.
    short = bookings - sum(counts)
    rank = 0
    while short != 0:
        step = 1 if short > 0 else -1
        if counts[rank] + step >= 1:
            counts[rank] += step
            short -= step
        rank = (rank + 1) % stores
    return counts


def open_days_per_week() -> int:
    return len(OPEN_WEEKDAYS)


def store_shape(rank: int, bookings: int) -> StoreShape:
    open_days = (HISTORY_DAYS + FUTURE_DAYS) * open_days_per_week() / 7
    calendars = max(1, math.ceil(bookings / (open_days * BOOKINGS_PER_CALENDAR_DAY)))
    services = min(25, 1 + math.ceil(math.log2(1 + bookings / 200)))
    clients = max(3, math.ceil(bookings / BOOKINGS_PER_CLIENT))
    return StoreShape(rank, bookings, calendars, services, clients)


def shapes(stores: int, bookings: int) -> list[StoreShape]:
    return [store_shape(rank, count) for rank, count in enumerate(booking_counts(stores, bookings), start=1)]


def median_rank(stores: int) -> int:
    """The store in the middle of the size ranking (sizes fall with rank)."""
    return (stores + 1) // 2
