"""Placing a booking on a calendar without ever double-booking.

No double booking is enforced by the database, not only by a check: on PostgreSQL the chosen
calendar's row is locked (`SELECT … FOR UPDATE`) before its bookings are read again and the new
one is inserted, so two transactions for one calendar run one after the other; SQLite takes its
write lock at BEGIN IMMEDIATE (hub_app.db). When several calendars could take the booking, each
is tried inside its own savepoint, so a calendar lost to a racing booking is unlocked again
before the next one is tried (no deadlocks: a transaction never waits for a calendar while
holding another). A booking for one named calendar locks it before reading anything of its day.
Which free calendar an "anyone" booking tries first is the store's rule
(hub_app.domain.bookings.assignment); the rule orders the attempts, the locks decide.

The same request made twice (a double click without an idempotency key) is recognised under
the lock, in the same statement that reads the calendar's bookings (`Repeat`), and gets the
booking the first one made.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hub_app.domain.bookings.availability import (
    AvailabilityInputs, bookable_bounds, calendar_openings, free_slots, is_offered_start, load_bookings,
    load_inputs, to_ts,
)
from hub_app.domain.bookings.assignment import AnyoneRule, candidate_order, lock_rotation, record_turn, rule_of
from hub_app.domain.bookings.inputs import Repeat, repeat_criteria, repeat_params
from hub_app.domain.bookings.models import Booking
from hub_app.domain.errors import SlotTaken, ValidationFailed
from hub_app.domain.scheduling.models import Calendar, Service
from hub_app.domain.stores.models import Store
from hub_app.domain.tenancy import TenantContext
from hub_app.domain.types import utcnow
from hub_app.i18n import t

NEXT_FREE_COUNT = 5


def by_key(db: Session, store: Store, key: str) -> Booking | None:
    # Keys are unique per store (uq_booking_idempotency); a client also sees their own bookings of
    # other stores, hence the store condition here.
    return db.scalar(select(Booking).where(Booking.store_id == store.id, Booking.idempotency_key == key))


@lru_cache(maxsize=None)
def _same_booking_statement():
    # Built once: a booking at the plan's limit, or at a time with no room left, runs it.
    return select(Booking).where(*repeat_criteria()).limit(1)


def same_booking(db: Session, client_id: int, service_id: int, start: datetime) -> Booking | None:
    """The client's live booking of this service at this start (a double click without a key)."""
    return db.scalar(_same_booking_statement(), repeat_params(Repeat(client_id, service_id, start), utcnow()))


def place(db: Session, ctx: TenantContext, service: Service, store: Store, start: datetime, persons: int,
          build: Callable[[int, datetime, datetime], Booking], *, now: datetime, calendar_id: int | None = None,
          strict: bool = False, dedupe: tuple[int, str | None] | None = None) -> tuple[Booking, bool]:
    """Insert the booking `build` makes on a free calendar at `start`, or raise SlotTaken.

    Returns (booking, created); created is False when `dedupe` (client, idempotency key) found the
    booking a racing identical request made.
    """
    day = start.astimezone(store_zone(store)).date()
    repeat = Repeat(dedupe[0], service.id, start) if dedupe is not None else None
    if strict:
        # A named calendar is the only one that can take the booking: locked first, one read of
        # its day (with the repeat check) is final.
        _lock_calendar(db, calendar_id)
    inputs = load_inputs(db, ctx, service, store, day, day, calendar_ids=[calendar_id] if strict else None, now=now,
                         repeat=repeat if strict else None)
    if strict and calendar_id not in inputs.calendar_ids:
        message = t("booking.calendar_invalid", ctx.locale)
        raise ValidationFailed(message, fields={"calendar_id": message})
    start_ts = to_ts(start)
    lowest, highest = bookable_bounds(inputs, now)
    if not lowest <= start_ts < highest or not is_offered_start(inputs, start_ts):
        message = t("booking.start_unavailable", ctx.locale)
        raise ValidationFailed(message, fields={"start": message})
    free = calendar_openings(inputs, persons, now, only_start=start_ts).get(start_ts, {})
    rule = rule_of(store.anyone_rule)
    # Only a booking for "anyone" takes a round-robin turn (a reschedule keeps its calendar).
    rotating = not strict and calendar_id is None and rule is AnyoneRule.ROUND_ROBIN and bool(free)
    if rotating:
        lock_rotation(db, service.id)
    candidates = _preference(db, inputs, free, calendar_id, strict, rule)
    # A savepoint per calendar lets a lost calendar be unlocked before the next is tried, and a
    # racing request's idempotency key be looked up after its insert failed. With one calendar
    # and no key there is nothing to go on with: the caller's own savepoint undoes the attempt.
    isolated = len(candidates) > 1 or bool(dedupe and dedupe[1])
    for cal in candidates:
        try:
            outcome = _try_calendar(db, inputs, cal, start_ts, persons, build, now, dedupe, isolated,
                                    locked=strict, repeat=repeat)
        except IntegrityError as exc:
            if not refused_as_overlap(exc):
                raise
            # The database caught what the lock should have. Without a savepoint of its own the
            # transaction is spoilt (the caller's savepoint undoes it), so no next free times.
            raise SlotTaken(t("booking.slot_taken", ctx.locale), next_free=[]) from exc
        if outcome is not None:
            if rotating and outcome[1]:
                record_turn(db, service.id, cal)
            return outcome
    # The same request again (a double click without a key) whose first booking took the last
    # place: the client gets that booking back, not "just taken". A calendar that was tried was
    # checked for it under its lock already; this is for a time no calendar had room at.
    if repeat is not None and not candidates:
        duplicate = (_booking_at(db, inputs.repeat_booking_id) if strict
                     else same_booking(db, repeat.client_id, repeat.service_id, start))
        if duplicate is not None:
            return duplicate, False
    raise SlotTaken(t("booking.slot_taken", ctx.locale),
                    next_free=_next_free(db, ctx, service, store, start, persons, now,
                                         calendar_id if strict else None))


def store_zone(store: Store) -> ZoneInfo:
    return ZoneInfo(store.timezone)


def _preference(db: Session, inputs: AvailabilityInputs, free: dict[int, int], calendar_id: int | None, strict: bool,
                rule: AnyoneRule) -> list[int]:
    """Calendars to try: the asked one; a group session that already has people; the store's rule."""
    if strict:
        return [calendar_id] if calendar_id in free else []
    return candidate_order(db, inputs, free, rule, asked=calendar_id)


@lru_cache(maxsize=None)
def _calendar_lock_statement():
    return select(Calendar.id).where(Calendar.id == bindparam("id")).with_for_update()


def _lock_calendar(db: Session, calendar_id: int) -> None:
    # FOR UPDATE on PostgreSQL; SQLite already holds the database write lock (BEGIN IMMEDIATE).
    db.execute(_calendar_lock_statement(), {"id": calendar_id})


def _try_calendar(db: Session, inputs: AvailabilityInputs, cal: int, start_ts: int, persons: int,
                  build: Callable[[int, datetime, datetime], Booking], now: datetime,
                  dedupe: tuple[int, str | None] | None, isolated: bool = True,
                  locked: bool = False, repeat: Repeat | None = None) -> tuple[Booking, bool] | None:
    savepoint = db.begin_nested() if isolated else None
    try:
        outcome = _book_locked(db, inputs, cal, start_ts, persons, build, now, locked, repeat)
        if savepoint is not None:
            if outcome is None:
                savepoint.rollback()
            else:
                savepoint.commit()
        return outcome
    except IntegrityError as exc:
        if savepoint is not None and refused_as_overlap(exc):
            savepoint.rollback()  # the database's own rule (migration 0010): this calendar is taken
            return None
        if savepoint is None:
            raise
        savepoint.rollback()
        key = dedupe[1] if dedupe else None
        existing = by_key(db, inputs.store, key) if key else None
        if existing is None:
            raise
        return existing, False
    except BaseException:
        if savepoint is not None and savepoint.is_active:
            savepoint.rollback()
        raise


def refused_as_overlap(exc: IntegrityError) -> bool:
    """The database refused a live booking on a taken time (trigger `booking_no_overlap`)."""
    return "booking_no_overlap" in str(exc.orig)


def _book_locked(db: Session, inputs: AvailabilityInputs, cal: int, start_ts: int, persons: int,
                 build: Callable[[int, datetime, datetime], Booking], now: datetime, locked: bool,
                 repeat: Repeat | None) -> tuple[Booking, bool] | None:
    """Book `cal` under its lock. `locked`: `inputs` were read under it already (with `repeat`)."""
    start = datetime.fromtimestamp(start_ts, timezone.utc)
    fresh, repeat_id = inputs, inputs.repeat_booking_id
    if not locked:  # read again under the lock, with the repeat check: only now is the answer final
        _lock_calendar(db, cal)
        buffers = dict(inputs.buffers)
        rows, repeat_id = load_bookings(db, [cal], inputs.query_start, inputs.query_end, now, buffers, repeat)
        fresh = replace(inputs, calendar_ids=[cal], buffers=buffers, bookings=rows)
    duplicate = _booking_at(db, repeat_id)
    if duplicate is not None:
        return duplicate, False
    remaining = calendar_openings(fresh, persons, now, only_start=start_ts).get(start_ts, {}).get(cal, 0)
    if remaining < persons:
        return None
    end = start + timedelta(seconds=inputs.rules.duration)
    booking = build(cal, start, end)
    local_start, local_end = start.astimezone(inputs.tz), end.astimezone(inputs.tz)
    booking.booking_date = local_start.date()
    booking.start_time, booking.end_time = local_start.time(), local_end.time()
    db.add(booking)
    db.flush()
    return booking, True


def _booking_at(db: Session, booking_id: int | None) -> Booking | None:
    return db.get(Booking, booking_id) if booking_id is not None else None


def _next_free(db: Session, ctx: TenantContext, service: Service, store: Store, start: datetime, persons: int,
               now: datetime, calendar_id: int | None = None) -> list[str]:
    """The next free starts: of the named person when one was asked for, else of anyone."""
    day = start.astimezone(store_zone(store)).date()
    slots = free_slots(db, ctx, service.id, day, day + timedelta(days=6), persons, now=now, calendar_id=calendar_id)
    return [s.start.isoformat() for s in slots if s.start != start][:NEXT_FREE_COUNT]
