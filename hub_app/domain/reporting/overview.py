"""The overview: today's and upcoming bookings, and per-day figures over a chosen period.

Definitions (shown to managers in the same words):
- bookings of a day: bookings starting that local day that are pending, confirmed, completed or
  no-show (cancelled and rescheduled ones are counted apart / not at all: a reschedule's new
  booking is the one that counts);
- revenue: the booked value (total amount) of confirmed and completed bookings;
  (both read from the per-day rollup `booking_day_stats`, never from the bookings themselves);
- utilisation of a calendar: minutes taken by sessions (a group session counts once) divided by
  the minutes the calendar was open (weekly hours, replaced by date overrides, plus explicit
  slots), over the period.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func, literal, select
from sqlalchemy.orm import Session

from hub_app.domain.bookings.models import Booking, BookingStatus
from hub_app.domain.stores.access import dashboard_store
from hub_app.domain.stores.local_time import local_day_bounds, local_today
from hub_app.domain.bookings.listing import BookingFilters, BookingView, find_bookings
from hub_app.domain.errors import ValidationFailed
from hub_app.domain.reporting.models import BookingDayStats
from hub_app.domain.scheduling.models import Calendar, CalendarSlot, DateOverride, OpeningRule
from hub_app.domain.tenancy import TenantContext
from hub_app.domain.types import utcnow
from hub_app.i18n import t

MAX_PERIOD_DAYS = 366
COUNTED = (BookingStatus.PENDING, BookingStatus.CONFIRMED, BookingStatus.COMPLETED, BookingStatus.NO_SHOW)
EARNING = (BookingStatus.CONFIRMED, BookingStatus.COMPLETED)
OCCUPYING = COUNTED


@dataclass(frozen=True)
class DayFigures:
    day: date
    bookings: int
    revenue: Decimal
    cancellations: int
    no_shows: int


@dataclass(frozen=True)
class CalendarUse:
    calendar_id: int
    name: str
    open_minutes: int
    booked_minutes: int

    @property
    def percent(self) -> int:
        return round(100 * self.booked_minutes / self.open_minutes) if self.open_minutes else 0


@dataclass(frozen=True)
class PeriodFigures:
    first: date
    last: date
    currency: str
    days: list[DayFigures]
    calendars: list[CalendarUse]

    @property
    def bookings(self) -> int:
        return sum(d.bookings for d in self.days)

    @property
    def revenue(self) -> Decimal:
        return sum((d.revenue for d in self.days), Decimal("0.00"))

    @property
    def cancellations(self) -> int:
        return sum(d.cancellations for d in self.days)

    @property
    def no_shows(self) -> int:
        return sum(d.no_shows for d in self.days)


def todays_and_upcoming(db: Session, ctx: TenantContext, now: datetime | None = None,
                        upcoming_limit: int = 10) -> tuple[list[BookingView], list[BookingView]]:
    """Today's bookings (every status but rescheduled), and the next active ones after today."""
    store = dashboard_store(db, ctx)
    today = local_today(store.timezone, now or utcnow())
    todays, _ = find_bookings(db, ctx, BookingFilters(date_from=today, date_to=today), limit=200, count=False)
    todays = [b for b in todays if b.status != BookingStatus.RESCHEDULED.value]
    upcoming, _ = find_bookings(
        db, ctx, BookingFilters(date_from=today + timedelta(days=1), status=None), limit=upcoming_limit * 3,
        count=False)
    upcoming = [b for b in upcoming if b.status in (BookingStatus.PENDING.value, BookingStatus.CONFIRMED.value)]
    return todays, upcoming[:upcoming_limit]


def _check_period(first: date, last: date, locale: str | None) -> None:
    if last < first:
        message = t("validation.time_range", locale)
        raise ValidationFailed(message, fields={"last": message})
    if (last - first).days >= MAX_PERIOD_DAYS:
        message = t("dashboard.period_too_long", locale, days=MAX_PERIOD_DAYS)
        raise ValidationFailed(message, fields={"last": message})


def period_figures(db: Session, ctx: TenantContext, first: date, last: date) -> PeriodFigures:
    """Bookings, revenue, cancellations and no-shows per local day, and calendar utilisation."""
    store = dashboard_store(db, ctx)
    _check_period(first, last, ctx.locale)
    per_day: dict[date, dict[str, object]] = {
        first + timedelta(days=i): {"bookings": 0, "revenue": Decimal("0.00"), "cancellations": 0, "no_shows": 0}
        for i in range((last - first).days + 1)
    }
    # From the per-day rollup (migration 0018): a year of figures is at most 366 x 6 small rows,
    # however many bookings the store has.
    rows = db.execute(
        select(BookingDayStats.day, BookingDayStats.status, BookingDayStats.bookings, BookingDayStats.amount_cents)
        .where(BookingDayStats.store_id == store.id, BookingDayStats.day.between(first, last))
    )
    for day, status, count, cents in rows:
        figures = per_day.get(day)
        if figures is None or not count:
            continue
        status = BookingStatus(status)
        if status in COUNTED:
            figures["bookings"] += count
        if status in EARNING:
            figures["revenue"] += (Decimal(cents) / 100).quantize(Decimal("0.01"))
        if status == BookingStatus.CANCELLED:
            figures["cancellations"] += count
        if status == BookingStatus.NO_SHOW:
            figures["no_shows"] += count
    days = [DayFigures(day, **values) for day, values in sorted(per_day.items())]  # type: ignore[arg-type]
    return PeriodFigures(first, last, store.currency, days, utilisation(db, ctx, store.timezone, first, last))


def _minutes(start: datetime, end: datetime) -> int:
    return max(int((end.astimezone(timezone.utc) - start.astimezone(timezone.utc)).total_seconds() // 60), 0)


def _clip(start: datetime, end: datetime, low: datetime, high: datetime) -> int:
    return _minutes(max(start, low), min(end, high)) if end > low and start < high else 0


def utilisation(db: Session, ctx: TenantContext, tz: str, first: date, last: date) -> list[CalendarUse]:
    zone = ZoneInfo(tz)
    low, high = local_day_bounds(zone, first, last)
    calendars = list(db.scalars(select(Calendar).where(Calendar.is_active.is_(True)).order_by(Calendar.name, Calendar.id)))
    if not calendars:
        return []
    ids = [c.id for c in calendars]
    weekly: dict[tuple[int, int], list[tuple[time, time]]] = defaultdict(list)
    for rule in db.scalars(select(OpeningRule).where(OpeningRule.calendar_id.in_(ids))):
        weekly[(rule.calendar_id, rule.weekday)].append((rule.start_time, rule.end_time))
    overrides: dict[tuple[int, date], list[tuple[time, time]]] = defaultdict(list)
    for row in db.scalars(select(DateOverride).where(DateOverride.calendar_id.in_(ids),
                                                     DateOverride.on_date.between(first, last))):
        windows = overrides[(row.calendar_id, row.on_date)]  # the key alone marks the day as overridden
        if row.start_time is not None and row.end_time is not None:
            windows.append((row.start_time, row.end_time))
    open_minutes: dict[int, int] = defaultdict(int)
    day = first
    while day <= last:
        for cal in ids:
            windows = overrides.get((cal, day))
            if windows is None:
                windows = weekly.get((cal, day.weekday()), [])
            for start, end in windows:
                open_minutes[cal] += _minutes(datetime.combine(day, start, tzinfo=zone),
                                              datetime.combine(day, end, tzinfo=zone))
        day += timedelta(days=1)
    for slot in db.scalars(select(CalendarSlot).where(CalendarSlot.calendar_id.in_(ids),
                                                      CalendarSlot.start_time < high, CalendarSlot.end_time > low)):
        open_minutes[slot.calendar_id] += _clip(slot.start_time, slot.end_time, low, high)
    booked = _booked_minutes(db, ids, low, high)
    return [CalendarUse(c.id, c.name, open_minutes[c.id], booked[c.id]) for c in calendars]


def _booked_minutes(db: Session, ids: list[int], low: datetime, high: datetime) -> dict[int, int]:
    """Minutes of sessions (a group session once) per calendar, clipped to [low, high), summed by
    the database: a year of a large store's bookings never travels to Python."""
    sessions = (select(Booking.calendar_id, Booking.start_at, Booking.end_at)
                .where(Booking.calendar_id.in_(ids), Booking.status.in_(OCCUPYING),
                       Booking.start_at < high, Booking.end_at > low)
                .distinct().subquery())
    low_at, high_at = literal(low, Booking.start_at.type), literal(high, Booking.start_at.type)
    if db.get_bind().dialect.name == "postgresql":
        start, end = func.greatest(sessions.c.start_at, low_at), func.least(sessions.c.end_at, high_at)
        minutes = func.floor(func.extract("epoch", end - start) / 60)
    else:  # SQLite: two-argument max/min are scalar; instants are stored as UTC text
        start, end = func.max(sessions.c.start_at, low_at), func.min(sessions.c.end_at, high_at)
        minutes = func.floor((func.julianday(end) - func.julianday(start)) * 1440 + 1e-6)
    rows = db.execute(select(sessions.c.calendar_id, func.sum(minutes)).group_by(sessions.c.calendar_id))
    return defaultdict(int, {calendar_id: int(total or 0) for calendar_id, total in rows})
