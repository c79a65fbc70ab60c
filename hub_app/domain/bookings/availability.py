"""Free times: the one availability implementation behind the booking pages, the API, the workers
and `book` itself.

Everything for the asked range is loaded in a fixed handful of queries (never one per day or per
calendar) and the answer is computed in Python on integer POSIX seconds, which keeps a month's
answer fast.

Rules in short (see also the tests in tests/bookings):
- Opening windows come from each calendar's weekly rules, replaced on a date by its overrides (an
  override without times closes the day), plus explicit CalendarSlots (extra windows, optionally
  with their own capacity). Local wall-clock times are turned into instants with zoneinfo; start
  times then step through each window in real elapsed time. So on a spring-forward day no start
  falls on a local time that does not exist, and on a fall-back day the repeated hour is offered
  once per real instant.
- A calendar serves one session at a time. A start conflicts with bookings (their buffers and the
  service's), blocked periods (store-wide or the calendar's) and active external busy times.
  Bookings of the same service at the very same start share the session up to its capacity.
- Occupying bookings: confirmed, completed, no-show and pending ones whose payment hold has not
  expired. Cancelled and rescheduled ones free their time.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from hub_app.domain.bookings.inputs import (  # noqa: F401  (re-exported: one availability module)
    OCCUPYING_STATUSES, AvailabilityInputs, BookingRow, ServiceRules, check_persons, days_between, from_ts,
    get_bookable_service, load_bookings, load_inputs, to_ts,
)
from hub_app.domain.errors import ValidationFailed
from hub_app.domain.tenancy import TenantContext
from hub_app.domain.types import utcnow
from hub_app.i18n import t

# A longer range is refused: a month view needs 31 days, a client never needs a year at once.
MAX_RANGE_DAYS = 93


@dataclass(frozen=True)
class FreeSlot:
    start: datetime
    end: datetime
    # Persons still bookable at this start, summed over `calendar_ids` (one booking must fit on
    # one calendar: at most max(remaining per calendar), never more than service.max_persons).
    remaining: int
    calendar_ids: tuple[int, ...]


@dataclass
class _CalendarBusy:
    """Busy time of one calendar as seen by one service, ready for binary search."""

    # Disjoint, sorted intervals the session itself (without buffers) must not touch.
    hard_starts: list[int]
    hard_ends: list[int]
    # Bookings of the same service: shareable at their exact start, otherwise in the way.
    share_starts: list[int]
    share_items: list[tuple[int, int, int, int, int]]  # (exp_start, exp_end, start, end, persons)
    share_span: int


def _calendar_busy(inputs: AvailabilityInputs, cal: int, bookings: list[BookingRow]) -> _CalendarBusy:
    rules = inputs.rules
    raw: list[tuple[int, int]] = [
        (s - rules.after, e + rules.before)
        for s, e in [*inputs.hard_busy.get(cal, ()), *inputs.hard_busy.get(None, ())]
    ]
    shared: list[tuple[int, int, int, int, int]] = []
    for b in bookings:
        b_before, b_after = inputs.buffers.get(b.service_id, (0, 0))
        # Two sessions need the larger of the facing buffers between them.
        exp = (b.start - max(rules.after, b_before), b.end + max(rules.before, b_after))
        if b.service_id == rules.service_id:
            shared.append((exp[0], exp[1], b.start, b.end, b.persons))
        else:
            raw.append(exp)
    raw.sort()
    starts: list[int] = []
    ends: list[int] = []
    for s, e in raw:
        if ends and s <= ends[-1]:
            ends[-1] = max(ends[-1], e)
        else:
            starts.append(s)
            ends.append(e)
    shared.sort()
    span = max((i[1] - i[0] for i in shared), default=0)
    return _CalendarBusy(starts, ends, [i[0] for i in shared], shared, span)


def _remaining_at(busy: _CalendarBusy, start: int, end: int, capacity: int) -> int:
    """Persons still bookable in a session [start, end) on one calendar; 0 when it conflicts."""
    i = bisect_left(busy.hard_starts, end) - 1
    if i >= 0 and busy.hard_ends[i] > start:
        return 0
    used = 0
    k = bisect_left(busy.share_starts, end) - 1
    lowest = start - busy.share_span
    items = busy.share_items
    while k >= 0 and items[k][0] >= lowest:
        exp_start, exp_end, b_start, b_end, persons = items[k]
        if exp_end > start:
            if b_start != start or b_end != end:
                return 0
            used += persons
        k -= 1
    return max(capacity - used, 0)


def bookable_bounds(inputs: AvailabilityInputs, now: datetime) -> tuple[int, int]:
    """[lowest, highest) start instants allowed by the range, notice, horizon and service dates."""
    rules = inputs.rules
    today = now.astimezone(inputs.tz).date()
    lowest = max(inputs.day_start(inputs.start_date), to_ts(now) + rules.notice)
    highest = min(inputs.day_start(inputs.end_date + timedelta(days=1)),
                  inputs.day_start(today + timedelta(days=rules.horizon_days + 1)))
    if rules.available_from:
        lowest = max(lowest, inputs.day_start(rules.available_from))
    if rules.available_until:
        highest = min(highest, inputs.day_start(rules.available_until + timedelta(days=1)))
    return lowest, highest


def _candidates(inputs: AvailabilityInputs, cal: int, lowest: int, highest: int) -> dict[int, int]:
    """Start instant -> capacity, for every start the calendar's windows allow."""
    rules = inputs.rules
    found: dict[int, int] = {}
    windows: list[tuple[int, int, int]] = []
    for day in days_between(inputs.start_date, inputs.end_date):
        day_rules = inputs.overrides.get((cal, day))
        if day_rules is None:
            day_rules = inputs.weekly.get((cal, day.weekday()), ())
        for open_at, close_at in day_rules:
            windows.append((inputs.local_ts(day, open_at), inputs.local_ts(day, close_at), rules.capacity))
    for s, e, capacity in inputs.slot_windows.get(cal, ()):
        windows.append((s, e, rules.capacity if capacity is None else min(capacity, rules.capacity)))
    duration, step = rules.duration, rules.step
    for s, e, capacity in windows:
        start = s
        if start < lowest:  # jump to the first start on the window's grid that is late enough
            start += -(-(lowest - start) // step) * step
        while start + duration <= e and start < highest:
            if found.get(start, -1) < capacity:
                found[start] = capacity
            start += step
    return found


def is_offered_start(inputs: AvailabilityInputs, start: int) -> bool:
    """Whether some calendar's windows have a session starting at `start` (free or not)."""
    return any(start in _candidates(inputs, cal, start, start + 1) for cal in inputs.calendar_ids)


def calendar_openings(inputs: AvailabilityInputs, persons: int, now: datetime,
                      only_start: int | None = None) -> dict[int, dict[int, int]]:
    """Start -> {calendar_id: remaining persons} for every start where `persons` fit."""
    lowest, highest = bookable_bounds(inputs, now)
    if only_start is not None:
        if not lowest <= only_start < highest:
            return {}
        lowest, highest = only_start, only_start + 1
    result: dict[int, dict[int, int]] = defaultdict(dict)
    duration = inputs.rules.duration
    by_calendar: dict[int, list[BookingRow]] = defaultdict(list)
    for row in inputs.bookings:
        by_calendar[row.calendar_id].append(row)
    for cal in inputs.calendar_ids:
        candidates = _candidates(inputs, cal, lowest, highest)
        if only_start is not None:
            candidates = {only_start: candidates[only_start]} if only_start in candidates else {}
        if not candidates:
            continue
        busy = _calendar_busy(inputs, cal, by_calendar.get(cal, []))
        for start, capacity in candidates.items():
            remaining = _remaining_at(busy, start, start + duration, capacity)
            if remaining >= persons:
                result[start][cal] = remaining
    return result


def _check_range(start_date: date, end_date: date, locale: str | None) -> None:
    if end_date < start_date or (end_date - start_date).days >= MAX_RANGE_DAYS:
        message = t("booking.date_range", locale, days=MAX_RANGE_DAYS)
        raise ValidationFailed(message, fields={"end": message})


def _openings(db: Session, ctx: TenantContext, service_id: int, start_date: date, end_date: date,
              persons: int, now: datetime | None,
              calendar_id: int | None = None) -> tuple[AvailabilityInputs | None, dict[int, dict[int, int]]]:
    _check_range(start_date, end_date, ctx.locale)
    service, store = get_bookable_service(db, ctx, service_id)
    rules = ServiceRules.of(service, store)
    check_persons(rules, persons, ctx.locale)
    if service.is_archived:
        return None, {}
    now = now or utcnow()
    inputs = load_inputs(db, ctx, service, store, start_date, end_date, now=now,
                         calendar_ids=[calendar_id] if calendar_id is not None else None)
    if calendar_id is not None and calendar_id not in inputs.calendar_ids:
        # Not a person offering this service (another store's, inactive, or unknown): refused
        # like a booking naming it, never answered with "no free times".
        message = t("booking.calendar_invalid", ctx.locale)
        raise ValidationFailed(message, fields={"calendar_id": message})
    return inputs, calendar_openings(inputs, persons, now)


def free_slots(db: Session, ctx: TenantContext, service_id: int, start_date: date, end_date: date,
               persons: int = 1, now: datetime | None = None, calendar_id: int | None = None) -> list[FreeSlot]:
    """Free starts of a service between two local dates (inclusive), earliest first; of one
    person (`calendar_id`) or of anyone (the union of the calendars offering it)."""
    return free_slots_and_rules(db, ctx, service_id, start_date, end_date, persons, now, calendar_id)[0]


def free_slots_and_rules(db: Session, ctx: TenantContext, service_id: int, start_date: date, end_date: date,
                         persons: int = 1, now: datetime | None = None,
                         calendar_id: int | None = None) -> tuple[list[FreeSlot], int]:
    """`free_slots`, and the minimum notice (seconds) that applied: a kept answer is filtered
    by it again when reused later (availability_cache)."""
    inputs, openings = _openings(db, ctx, service_id, start_date, end_date, persons, now, calendar_id)
    if inputs is None:
        return [], 0
    duration = inputs.rules.duration
    slots = [
        FreeSlot(start=from_ts(start), end=from_ts(start + duration),
                 remaining=sum(per_cal.values()), calendar_ids=tuple(sorted(per_cal)))
        for start, per_cal in sorted(openings.items())
    ]
    return slots, inputs.rules.notice


def days_with_free_slots(db: Session, ctx: TenantContext, service_id: int, start_date: date, end_date: date,
                         persons: int = 1, now: datetime | None = None, calendar_id: int | None = None) -> dict[date, int]:
    """Number of free starts per local date (every date of the range, 0 when none), of one
    person (`calendar_id`) or of anyone."""
    counts = {day: 0 for day in days_between(start_date, end_date)} if end_date >= start_date else {}
    inputs, openings = _openings(db, ctx, service_id, start_date, end_date, persons, now, calendar_id)
    if inputs is None:
        return counts
    for start in openings:
        day = datetime.fromtimestamp(start, inputs.tz).date()
        if day in counts:
            counts[day] += 1
    return counts
