"""Who takes a booking made for "anyone": the store's rule, and the order calendars are tried in.

A client picks a person (a calendar) or "anyone". For "anyone" the placement
(hub_app.domain.bookings.placement) tries the free calendars in the order `candidate_order`
gives, under each calendar's lock, so the rule only decides the order and never weakens the
no-double-booking guarantee. Rules (store.anyone_rule):

- `least_busy` (default, the behaviour before the setting existed): the calendar with the fewest
  live bookings that day, then the store's order (calendar.priority), then the id.
- `round_robin`: the calendar whose latest "anyone" booking of this service is the oldest
  (never = oldest), then the store's order. Only "anyone" bookings take a turn: a client who
  names a person does not push that person back in the queue.
- `priority`: the first free calendar in the store's order.

Whatever the rule, a group session that already has people is filled before an empty one is
opened (the rule decides between equals).

Round-robin's memory is a counter, `calendar_service.last_assigned_turn`, written in the same
transaction as the booking, rather than read back from bookings. Reading "whose last anyone
booking is oldest" from the booking table would need a flag kept right through reschedules,
cancellations and admin edits, and a scan that grows with the table; the counter is one small
row per (calendar, service), rolls back with a failed booking, and stays O(calendars).

Race safety: two "anyone" bookings of one service placed at once must not both read the same
oldest turn (the second would repeat the first's calendar, and over many bookings the spread
would drift). `lock_rotation` locks the service's row before the turns are read; on PostgreSQL
with FOR NO KEY UPDATE, which does not conflict with the KEY SHARE lock a booking's foreign key
check takes on that row, so named bookings and other rules never wait for it, and nothing that
holds a calendar lock ever waits for it either (no deadlock: rotation lock first, then calendar
locks, always in that order). On SQLite the whole write is serialised by BEGIN IMMEDIATE.
"""

from __future__ import annotations

import enum
from functools import lru_cache

import sqlalchemy as sa
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hub_app.domain.bookings.inputs import AvailabilityInputs
from hub_app.domain.scheduling.models import Calendar, CalendarService, Service


class AnyoneRule(str, enum.Enum):
    LEAST_BUSY = "least_busy"
    ROUND_ROBIN = "round_robin"
    PRIORITY = "priority"


RULES = tuple(rule.value for rule in AnyoneRule)


def rule_of(value: str | None) -> AnyoneRule:
    try:
        return AnyoneRule(value or AnyoneRule.LEAST_BUSY.value)
    except ValueError:
        return AnyoneRule.LEAST_BUSY


@lru_cache(maxsize=None)
def _rotation_lock_statement():
    return select(Service.id).where(Service.id == sa.bindparam("id")).with_for_update(key_share=True)


@lru_cache(maxsize=None)
def _order_statement():
    return (select(CalendarService.calendar_id, Calendar.priority, CalendarService.last_assigned_turn)
            .join(Calendar, Calendar.id == CalendarService.calendar_id)
            .where(CalendarService.service_id == sa.bindparam("service_id")))


def lock_rotation(db: Session, service_id: int) -> None:
    """Serialise round-robin placements of one service (see the module docstring)."""
    db.execute(_rotation_lock_statement(), {"id": service_id})


def candidate_order(db: Session, inputs: AvailabilityInputs, free: dict[int, int], rule: AnyoneRule,
                    asked: int | None = None) -> list[int]:
    """The free calendars (`free`: calendar -> places left) in the order to try them.

    `asked`: a calendar to try first without insisting on it (a reschedule keeps its calendar
    when it can)."""
    if not free:
        return []
    rows = db.execute(_order_statement(), {"service_id": inputs.rules.service_id}).all()
    priority = {cal: prio for cal, prio, _ in rows}
    turn = {cal: last for cal, _, last in rows}
    load: dict[int, int] = {}
    for row in inputs.bookings:
        load[row.calendar_id] = load.get(row.calendar_id, 0) + 1
    capacity = inputs.rules.capacity

    def rule_key(cal: int) -> tuple:
        if rule is AnyoneRule.ROUND_ROBIN:
            return (turn.get(cal, 0), priority.get(cal, 0))
        if rule is AnyoneRule.PRIORITY:
            return (priority.get(cal, 0),)
        return (load.get(cal, 0), priority.get(cal, 0))

    return sorted(free, key=lambda cal: (cal != asked, free[cal] >= capacity, *rule_key(cal), cal))


def record_turn(db: Session, service_id: int, calendar_id: int) -> None:
    """Give `calendar_id` the next round-robin turn of the service (under `lock_rotation`)."""
    latest = db.scalar(select(sa.func.max(CalendarService.last_assigned_turn))
                       .where(CalendarService.service_id == service_id)) or 0
    db.execute(update(CalendarService)
               .where(CalendarService.service_id == service_id, CalendarService.calendar_id == calendar_id)
               .values(last_assigned_turn=latest + 1)
               .execution_options(synchronize_session=False))
