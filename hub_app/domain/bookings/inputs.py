"""What one availability answer needs, loaded for a whole range in a fixed handful of queries."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from hub_app.domain.bookings.models import Booking, BookingStatus
from hub_app.domain.errors import NotFound, ValidationFailed
from hub_app.domain.scheduling.models import (
    BlockedPeriod, Calendar, CalendarService, CalendarSlot, DateOverride, ExternalBusyTime,
    OpeningRule, Service,
)
from hub_app.domain.stores.models import Store
from hub_app.domain.tenancy import TenantContext
from hub_app.domain.types import utcnow
from hub_app.i18n import t

# Pending bookings occupy too while their payment hold lasts (see load_bookings).
OCCUPYING_STATUSES = (BookingStatus.CONFIRMED, BookingStatus.COMPLETED, BookingStatus.NO_SHOW)


@dataclass(frozen=True)
class ServiceRules:
    """The service's booking rules in seconds, with the store's policy filled in."""

    service_id: int
    duration: int
    before: int
    after: int
    step: int
    capacity: int
    min_persons: int
    max_persons: int
    notice: int
    horizon_days: int
    available_from: date | None
    available_until: date | None

    @classmethod
    def of(cls, service: Service, store: Store) -> "ServiceRules":
        notice = service.min_notice_minutes if service.min_notice_minutes is not None else store.min_notice_minutes
        horizon = service.booking_horizon_days if service.booking_horizon_days is not None else store.booking_horizon_days
        return cls(
            service_id=service.id, duration=service.duration_minutes * 60,
            before=service.buffer_before_minutes * 60, after=service.buffer_after_minutes * 60,
            step=(service.slot_step_minutes or service.duration_minutes) * 60,
            capacity=service.capacity_persons, min_persons=service.min_persons, max_persons=service.max_persons,
            notice=notice * 60, horizon_days=horizon,
            available_from=service.available_from, available_until=service.available_until,
        )


class BookingRow(NamedTuple):
    # A tuple, not a frozen dataclass: a month's answer builds thousands, ~5x cheaper this way.
    calendar_id: int
    service_id: int
    start: int
    end: int
    persons: int


class Repeat(NamedTuple):
    """A client's live booking of a service at a start: what a request made twice (a double
    click without an idempotency key) finds. Looked up in the same statement as the bookings
    read under the calendar lock, instead of a query of its own."""
    client_id: int
    service_id: int
    start: datetime


@dataclass
class AvailabilityInputs:
    """Everything one answer needs, loaded once for the whole range."""

    store: Store
    service: Service
    rules: ServiceRules
    tz: ZoneInfo
    start_date: date
    end_date: date
    calendar_ids: list[int]
    weekly: dict[tuple[int, int], list[tuple[time, time]]]
    overrides: dict[tuple[int, date], list[tuple[time, time]]]
    # (start, end, capacity or None) per calendar.
    slot_windows: dict[int, list[tuple[int, int, int | None]]]
    # Blocks and busy times per calendar; key None = the whole store.
    hard_busy: dict[int | None, list[tuple[int, int]]]
    bookings: list[BookingRow]
    # (before, after) buffers in seconds of every service of the store.
    buffers: dict[int, tuple[int, int]]
    query_start: int
    query_end: int
    # The asked `Repeat`'s booking, when load_inputs was given one and it exists.
    repeat_booking_id: int | None = None
    _local_cache: dict[tuple[date, time], int] = field(default_factory=dict)

    def local_ts(self, day: date, at: time) -> int:
        """The instant of a local wall-clock time (a time in a spring-forward gap moves forward)."""
        key = (day, at)
        value = self._local_cache.get(key)
        if value is None:
            value = int(datetime.combine(day, at, tzinfo=self.tz).timestamp())
            self._local_cache[key] = value
        return value

    def day_start(self, day: date) -> int:
        return self.local_ts(day, time(0))


def to_ts(value: datetime) -> int:
    return int(value.timestamp())


def from_ts(value: int) -> datetime:
    return datetime.fromtimestamp(value, timezone.utc)


def days_between(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


@lru_cache(maxsize=None)
def _service_and_store():
    # Built once: every availability answer computed and every booking runs it.
    return select(Service, Store).join(Store, Store.id == Service.store_id).where(Service.id == sa.bindparam("id"))


@lru_cache(maxsize=None)
def _service_alone():
    return select(Service).where(Service.id == sa.bindparam("id"))


def get_bookable_service(db: Session, ctx: TenantContext, service_id: int) -> tuple[Service, Store]:
    """The service and its (active) store, in one query; only the service when the session
    holds the store already (the booking route read it by its slug)."""
    row = None
    if isinstance(service_id, int):
        known = db.identity_map.get(identity_key(Store, ctx.store_id)) if ctx.store_id is not None else None
        if known is not None:
            service = db.scalar(_service_alone(), {"id": service_id})
            row = (service, known) if service is not None and service.store_id == known.id else None
        else:
            row = db.execute(_service_and_store(), {"id": service_id}).first()
    if row is None or row[1].id != ctx.store_id:
        store = db.get(Store, ctx.store_id) if ctx.store_id is not None else None
        if store is None or not store.is_active:
            raise NotFound(t("store.not_found", ctx.locale))
        raise NotFound(t("service.not_found", ctx.locale))
    service, store = row
    if not store.is_active:
        raise NotFound(t("store.not_found", ctx.locale))
    return service, store


def check_persons(rules: ServiceRules, persons: int, locale: str | None) -> None:
    if not isinstance(persons, int) or not rules.min_persons <= persons <= rules.max_persons:
        message = t("booking.persons_range", locale, min=rules.min_persons, max=rules.max_persons)
        raise ValidationFailed(message, fields={"persons": message})


def _typed_null(type_):
    return sa.cast(sa.null(), type_)


# The statements are built once, with bound parameters, and reused: building these unions
# costs more CPU than running them (the tenant criteria are still added per execution).


@lru_cache(maxsize=None)
def _calendars_statement(listed_only: bool = False):
    """The calendars offering the service, their weekly rules and the range's overrides, plus the
    store's largest buffers (how far beyond the range a booking can still be in the way).

    `listed_only`: only the calendars in the parameter `calendar_ids` (a booking for a named
    calendar reads its own rules, not those of all the store's calendars)."""
    offered = (CalendarService.service_id == sa.bindparam("service_id"), Calendar.is_active.is_(True))
    if listed_only:
        offered += (CalendarService.calendar_id.in_(sa.bindparam("calendar_ids", expanding=True)),)
    return sa.union_all(
        select(sa.literal_column("0"), CalendarService.calendar_id, _typed_null(sa.Integer), _typed_null(sa.Date),
               _typed_null(sa.Time), _typed_null(sa.Time),
               select(sa.func.max(Service.buffer_before_minutes)).scalar_subquery(),
               select(sa.func.max(Service.buffer_after_minutes)).scalar_subquery())
        .join(Calendar, Calendar.id == CalendarService.calendar_id).where(*offered),
        select(sa.literal_column("1"), OpeningRule.calendar_id, OpeningRule.weekday, _typed_null(sa.Date),
               OpeningRule.start_time, OpeningRule.end_time, _typed_null(sa.Integer), _typed_null(sa.Integer))
        .join(CalendarService, CalendarService.calendar_id == OpeningRule.calendar_id)
        .join(Calendar, Calendar.id == CalendarService.calendar_id).where(*offered),
        select(sa.literal_column("2"), DateOverride.calendar_id, _typed_null(sa.Integer), DateOverride.on_date,
               DateOverride.start_time, DateOverride.end_time, _typed_null(sa.Integer), _typed_null(sa.Integer))
        .join(CalendarService, CalendarService.calendar_id == DateOverride.calendar_id)
        .join(Calendar, Calendar.id == CalendarService.calendar_id)
        .where(*offered, DateOverride.on_date.between(sa.bindparam("start_date"), sa.bindparam("end_date"))),
    )


def _range_params(calendar_ids: list[int], start: int, end: int, now: datetime, repeat: Repeat | None = None) -> dict:
    params = {"ids": list(calendar_ids), "q_start": from_ts(start), "q_end": from_ts(end), "now": now}
    if repeat is not None:
        params.update(repeat_params(repeat, now))
    return params


@lru_cache(maxsize=None)
def _busy_statement(repeat: bool = False):
    """Extra windows (explicit slots), blocks, external busy times and bookings, in one go;
    with `repeat`, also the `Repeat` asked in the parameters (kind 4)."""
    ids = sa.bindparam("ids", expanding=True)
    # Untyped: each comparison gives its copy the column's type, as a literal value would get.
    q_start, q_end = sa.bindparam("q_start"), sa.bindparam("q_end")
    return sa.union_all(
        select(sa.literal_column("0"), CalendarSlot.calendar_id, _typed_null(sa.Integer), CalendarSlot.start_time,
               CalendarSlot.end_time, CalendarSlot.capacity_available, _typed_null(sa.Integer),
               _typed_null(sa.Integer))
        .where(CalendarSlot.calendar_id.in_(ids), CalendarSlot.start_time < q_end, CalendarSlot.end_time > q_start),
        select(sa.literal_column("1"), BlockedPeriod.calendar_id, _typed_null(sa.Integer), BlockedPeriod.start_at,
               BlockedPeriod.end_at, _typed_null(sa.Integer), _typed_null(sa.Integer),
               _typed_null(sa.Integer))
        .where(or_(BlockedPeriod.calendar_id.is_(None), BlockedPeriod.calendar_id.in_(ids)),
               BlockedPeriod.start_at < q_end, BlockedPeriod.end_at > q_start),
        select(sa.literal_column("2"), ExternalBusyTime.calendar_id, _typed_null(sa.Integer),
               ExternalBusyTime.start_at, ExternalBusyTime.end_at, _typed_null(sa.Integer),
               _typed_null(sa.Integer), _typed_null(sa.Integer))
        .where(ExternalBusyTime.calendar_id.in_(ids), ExternalBusyTime.is_active.is_(True),
               ExternalBusyTime.start_at < q_end, ExternalBusyTime.end_at > q_start),
        _bookings_statement(),
        *((_repeat_branch(),) if repeat else ()),
    )


def load_inputs(db: Session, ctx: TenantContext, service: Service, store: Store, start_date: date,
                end_date: date, calendar_ids: list[int] | None = None,
                now: datetime | None = None, repeat: Repeat | None = None) -> AvailabilityInputs:
    """Load everything for [start_date, end_date] in two queries, whatever the range's length
    (`repeat`: see `Repeat`; its booking's id goes to `repeat_booking_id`)."""
    tz = ZoneInfo(store.timezone)
    rules = ServiceRules.of(service, store)
    inputs = AvailabilityInputs(
        store=store, service=service, rules=rules, tz=tz, start_date=start_date, end_date=end_date,
        calendar_ids=[], weekly=defaultdict(list), overrides=defaultdict(list),
        slot_windows=defaultdict(list), hard_busy=defaultdict(list), bookings=[],
        buffers={service.id: (rules.before, rules.after)}, query_start=0, query_end=0,
    )
    wanted = set(calendar_ids) if calendar_ids is not None else None
    cal_ids: set[int] = set()
    margin = max(rules.before, rules.after)
    params = {"service_id": service.id, "start_date": start_date, "end_date": end_date}
    if wanted is not None:
        params["calendar_ids"] = sorted(wanted)
    rows = db.execute(_calendars_statement(listed_only=wanted is not None), params)
    for kind, cal, weekday, on_date, open_at, close_at, max_before, max_after in rows:
        if kind == 0:
            cal_ids.add(cal)
            margin = max(margin, (max_before or 0) * 60, (max_after or 0) * 60)
        elif kind == 1:
            inputs.weekly[(cal, weekday)].append((open_at, close_at))
        else:
            day_windows = inputs.overrides[(cal, on_date)]  # touching the key marks the day as overridden
            if open_at is not None and close_at is not None:
                day_windows.append((open_at, close_at))
    inputs.calendar_ids = sorted(cal_ids)
    inputs.query_start = inputs.day_start(start_date) - margin
    inputs.query_end = inputs.day_start(end_date + timedelta(days=1)) + rules.duration + margin
    if not cal_ids:
        return inputs
    bookings = inputs.bookings
    params = _range_params(inputs.calendar_ids, inputs.query_start, inputs.query_end, now or utcnow(), repeat)
    rows = db.execute(_busy_statement(repeat is not None), params)
    for kind, cal, service_id, start, end, number, before, after in rows:
        if kind == 3:
            bookings.append(BookingRow(cal, service_id, to_ts(start), to_ts(end), number))
            inputs.buffers.setdefault(service_id, (before * 60, after * 60))
        elif kind == 4:
            inputs.repeat_booking_id = service_id  # the booking's id, in that column
        elif kind == 0:
            inputs.slot_windows[cal].append((to_ts(start), to_ts(end), number))
        else:
            inputs.hard_busy[cal].append((to_ts(start), to_ts(end)))
    return inputs


def repeat_criteria() -> tuple:
    """The `Repeat` given as the parameters repeat_client, repeat_service, repeat_start and now
    (see `repeat_params`): a confirmed or completed booking, or a pending one still held."""
    return (
        Booking.client_user_id == sa.bindparam("repeat_client"),
        Booking.service_id == sa.bindparam("repeat_service"), Booking.start_at == sa.bindparam("repeat_start"),
        or_(Booking.status.in_((BookingStatus.CONFIRMED, BookingStatus.COMPLETED)),
            and_(Booking.status == BookingStatus.PENDING,
                 or_(Booking.hold_expires_at.is_(None), Booking.hold_expires_at > sa.bindparam("now")))),
    )


def repeat_params(repeat: Repeat, now: datetime) -> dict:
    return {"repeat_client": repeat.client_id, "repeat_service": repeat.service_id, "repeat_start": repeat.start,
            "now": now}


@lru_cache(maxsize=None)
def _repeat_branch():
    """Kind 4: the `Repeat` in the parameters, its booking's id in the third column."""
    return (
        select(sa.literal_column("4"), Booking.calendar_id, Booking.id, Booking.start_at, Booking.end_at,
               _typed_null(sa.Integer), _typed_null(sa.Integer), _typed_null(sa.Integer))
        .where(*repeat_criteria())
    )


@lru_cache(maxsize=None)
def _bookings_statement(repeat: bool = False):
    """Occupying bookings on calendars `ids` touching [q_start, q_end), with their services'
    buffers; with `repeat`, also the `Repeat` asked in the parameters (kind 4)."""
    if repeat:
        return sa.union_all(_bookings_statement(), _repeat_branch())
    return (
        select(sa.literal_column("3"), Booking.calendar_id, Booking.service_id, Booking.start_at, Booking.end_at,
               Booking.number_of_persons, Service.buffer_before_minutes, Service.buffer_after_minutes)
        .join(Service, Service.id == Booking.service_id)
        .where(
            Booking.calendar_id.in_(sa.bindparam("ids", expanding=True)),
            Booking.start_at < sa.bindparam("q_end"), Booking.end_at > sa.bindparam("q_start"),
            or_(
                Booking.status.in_(OCCUPYING_STATUSES),
                and_(Booking.status == BookingStatus.PENDING,
                     or_(Booking.hold_expires_at.is_(None), Booking.hold_expires_at > sa.bindparam("now"))),
            ),
        )
    )


def load_bookings(db: Session, calendar_ids: list[int], start: int, end: int, now: datetime | None = None,
                  buffers: dict[int, tuple[int, int]] | None = None,
                  repeat: Repeat | None = None) -> tuple[list[BookingRow], int | None]:
    """The occupying bookings on these calendars that touch [start, end) (read again under the
    calendar lock by `book`), and the id of `repeat`'s booking if asked and found; their
    services' buffers (seconds) are added to `buffers`."""
    result, repeat_id = [], None
    params = _range_params(calendar_ids, start, end, now or utcnow(), repeat)
    for kind, cal, sid, s, e, persons, before, after in db.execute(_bookings_statement(repeat is not None), params):
        if kind == 4:
            repeat_id = sid  # the booking's id, in that column
            continue
        if buffers is not None:
            buffers.setdefault(sid, (before * 60, after * 60))
        result.append(BookingRow(cal, sid, to_ts(s), to_ts(e), persons))
    return result, repeat_id
