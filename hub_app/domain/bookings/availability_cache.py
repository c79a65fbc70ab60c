"""Public availability answers, reused while nothing they were built from has changed.

Browsing free times is the busiest read by far and mostly asks the same few questions (this
week, this month) again and again. An answer is kept in process memory under the store's
availability versions: one counter per calendar that database triggers raise on every change
to what the calendar can offer (migration 0006 lists them). A request first reads the store's
counters in a single small statement; the kept answer is used only when they are unchanged.

Why this is exact, not "fresh enough":
- The counters are read *before* an answer is computed, and the answer is kept under them. A
  change committed in between makes the counters differ on the next read, so that answer is never
  reused; an answer can only be reused while no change has committed since it was built.
- Time only takes free times away (a start comes closer than the minimum notice), so a kept
  answer is filtered again by the notice at every use; and it is kept only for the local day it
  was built on, because the booking horizon moves at midnight.
- A payment hold that expires frees its time without any write; the kept answer then lacks that
  time for at most `max_age` seconds. It never offers a time that is taken.

Answers for signed-in readers are never different (availability does not depend on who asks),
but only the public, anonymous read goes through here: everything that books reads afresh under
the calendar lock (bookings.service).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy import Engine

from hub_app.domain.bookings.availability import FreeSlot, free_slots_and_rules
from hub_app.domain.stores.service import get_store_by_slug
from hub_app.domain.tenancy import TenantContext
from hub_app.domain.types import utcnow

# One statement, no tenant context needed: `store` is public and `availability_version` holds
# nothing but ids and counters (neither is row-level-secured).
_STAMP_SQL = (
    "SELECT s.id, s.timezone, v.calendar_id, v.version FROM store s "
    "LEFT JOIN availability_version v ON v.store_id = s.id "
    "WHERE s.slug = {slug} AND s.is_active ORDER BY v.calendar_id"
)
_STAMP = sa.text(_STAMP_SQL.format(slug=":slug"))
_STAMP_PSYCOPG = _STAMP_SQL.format(slug="%(slug)s")


@dataclass(frozen=True)
class StoreStamp:
    store_id: int
    timezone: str
    versions: tuple[tuple[int, int], ...]


def read_stamp(engine: Engine, slug: str) -> StoreStamp | None:
    """The active store at `slug` (current slugs only) and its calendars' versions."""
    with _single_statement(engine).connect() as conn:
        if conn.dialect.name == "postgresql":
            # Straight to the driver: SQLAlchemy's execution and result layers cost more CPU than
            # the query (0.15 of the ~1.4 ms a kept answer takes to serve).
            rows = conn.connection.driver_connection.execute(_STAMP_PSYCOPG, {"slug": slug}).fetchall()
        else:
            rows = conn.execute(_STAMP, {"slug": slug}).all()
    if not rows:
        return None
    versions = tuple((cal, version) for _id, _tz, cal, version in rows if cal is not None)
    return StoreStamp(store_id=rows[0][0], timezone=rows[0][1], versions=versions)


@lru_cache(maxsize=8)
def _single_statement(engine: Engine) -> Engine:
    """On PostgreSQL, the engine in autocommit: one statement needs no transaction, and without
    one the read is a single round trip instead of BEGIN, SELECT and ROLLBACK. (SQLite's engine
    begins its own way, see hub_app.db, and a local read costs no round trips anyway.)"""
    if engine.dialect.name != "postgresql":
        return engine
    return engine.execution_options(isolation_level="AUTOCOMMIT")


@dataclass(frozen=True)
class _Kept:
    stamp: StoreStamp
    built_on: date  # the store's local date when built: the horizon moves at midnight
    built_at: float  # time.monotonic()
    notice: int  # seconds
    slots: tuple[FreeSlot, ...]


class AvailabilityCache:
    """A bounded, thread-safe map from (store, service, range, persons) to a kept answer."""

    def __init__(self, max_entries: int = 4096, max_slots: int = 100_000, max_age: float = 60.0) -> None:
        # Bounded by answers and by slots kept (a month's answer holds hundreds): ~100 bytes
        # a slot keeps the whole cache near 10 MB per worker.
        self.max_entries, self.max_slots, self.max_age = max_entries, max_slots, max_age
        self._entries: OrderedDict[tuple, _Kept] = OrderedDict()
        self._slots = 0
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: tuple, stamp: StoreStamp, now: datetime) -> list[FreeSlot] | None:
        with self._lock:
            kept = self._entries.get(key)
            if (kept is None or kept.stamp != stamp or time.monotonic() - kept.built_at > self.max_age
                    or now.astimezone(ZoneInfo(stamp.timezone)).date() != kept.built_on):
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
        earliest = now.timestamp() + kept.notice
        return [slot for slot in kept.slots if slot.start.timestamp() >= earliest]

    def put(self, key: tuple, kept: _Kept) -> None:
        with self._lock:
            replaced = self._entries.pop(key, None)
            if replaced is not None:
                self._slots -= len(replaced.slots)
            self._entries[key] = kept
            self._slots += len(kept.slots)
            while len(self._entries) > self.max_entries or (self._slots > self.max_slots and len(self._entries) > 1):
                _key, dropped = self._entries.popitem(last=False)
                self._slots -= len(dropped.slots)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._slots = 0


# One per process: every worker keeps its own answers and checks the shared counters.
PUBLIC_AVAILABILITY = AvailabilityCache()


def public_free_slots(engine: Engine, slug: str, service_id: int, start_date: date, end_date: date,
                      persons: int = 1, locale: str | None = None, *,
                      cache: AvailabilityCache = PUBLIC_AVAILABILITY,
                      calendar_id: int | None = None) -> tuple[str, list[FreeSlot]]:
    """(store timezone, free slots) of a service at /<slug> for an anonymous reader.

    Errors are those of `free_slots` (unknown store or service, bad range or persons) and are
    never kept: an unknown or old slug always takes the full path.
    """
    from hub_app.db import rescope, unit_of_work  # the domain's own unit of work, imported late like its peers

    now = utcnow()
    stamp = read_stamp(engine, slug)
    key = (stamp.store_id if stamp else None, service_id, start_date, end_date, persons, calendar_id)
    if stamp is not None:
        hit = cache.get(key, stamp, now)
        if hit is not None:
            return stamp.timezone, hit
    with unit_of_work(TenantContext.anonymous(locale=locale), engine) as db:
        store = get_store_by_slug(db, slug, locale)
        ctx = TenantContext.anonymous(store.id, locale=locale)
        rescope(db, ctx)
        slots, notice = free_slots_and_rules(db, ctx, service_id, start_date, end_date, persons, now, calendar_id)
        timezone = store.timezone
    if stamp is not None and stamp.store_id == store.id and stamp.timezone == timezone:
        cache.put(key, _Kept(stamp=stamp, built_on=now.astimezone(ZoneInfo(timezone)).date(),
                             built_at=time.monotonic(), notice=notice, slots=tuple(slots)))
    return timezone, slots
