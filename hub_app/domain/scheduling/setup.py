"""What the Services and Calendars sections read and the few changes the scheduling service
does not offer: a calendar's full setup (hours, overrides, blocks, slots), renaming and
(de)activating calendars, and deleting a service that was never booked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from hub_app.domain.bookings.models import Booking
from hub_app.domain.stores.access import dashboard_store
from hub_app.domain.stores.local_time import local_day_bounds
from hub_app.domain.errors import Conflict, ValidationFailed
from hub_app.domain.integrations.models import CalendlyEventTypeLink
from hub_app.domain.permissions import Feature, require
from hub_app.domain.scheduling.models import (
    BlockedPeriod, Calendar, CalendarService, CalendarSlot, DateOverride, OpeningRule,
)
from hub_app.domain.scheduling.service import check_plan_limit, get_calendar, get_service
from hub_app.domain.tenancy import TenantContext
from hub_app.i18n import t

COLOR_CHARS = set("0123456789abcdefABCDEF")


@dataclass(frozen=True)
class CalendarSummary:
    id: int
    name: str
    color: str
    is_active: bool
    calendly_linked: bool
    service_ids: tuple[int, ...]


@dataclass(frozen=True)
class CalendarSetup:
    calendar: CalendarSummary
    weekly: list[tuple[int, time, time]]
    overrides: list[tuple[date, time | None, time | None, str]]
    blocks: list[BlockedPeriod]        # the calendar's and the store-wide ones
    slots: list[CalendarSlot]


def _summary(cal: Calendar, service_ids: list[int], calendly_linked: bool) -> CalendarSummary:
    return CalendarSummary(cal.id, cal.name, cal.color or "", cal.is_active, calendly_linked,
                           tuple(sorted(service_ids)))


def _calendly_linked(db: Session, calendar_ids: list[int]) -> set[int]:
    """Calendars that at least one Calendly event type books into (set in the Integrations flow)."""
    if not calendar_ids:
        return set()
    return set(db.scalars(select(CalendlyEventTypeLink.calendar_id).distinct()
                          .where(CalendlyEventTypeLink.calendar_id.in_(calendar_ids))))


def calendars(db: Session, ctx: TenantContext, include_inactive: bool = True) -> list[CalendarSummary]:
    dashboard_store(db, ctx)
    query = select(Calendar).order_by(Calendar.is_active.desc(), Calendar.name, Calendar.id)
    if not include_inactive:
        query = query.where(Calendar.is_active.is_(True))
    rows = list(db.scalars(query))
    links: dict[int, list[int]] = {}
    for cal_id, service_id in db.execute(select(CalendarService.calendar_id, CalendarService.service_id)):
        links.setdefault(cal_id, []).append(service_id)
    linked = _calendly_linked(db, [c.id for c in rows])
    return [_summary(c, links.get(c.id, []), c.id in linked) for c in rows]


def calendar_setup(db: Session, ctx: TenantContext, calendar_id: int, from_day: date) -> CalendarSetup:
    """A calendar's weekly hours, and its overrides, blocks and slots from `from_day` on."""
    store = dashboard_store(db, ctx)
    cal = get_calendar(db, ctx, calendar_id)
    since, _ = local_day_bounds(store.timezone, from_day, from_day)
    weekly = [(r.weekday, r.start_time, r.end_time) for r in db.scalars(
        select(OpeningRule).where(OpeningRule.calendar_id == cal.id).order_by(OpeningRule.weekday, OpeningRule.start_time))]
    overrides = [(o.on_date, o.start_time, o.end_time, o.reason or "") for o in db.scalars(
        select(DateOverride).where(DateOverride.calendar_id == cal.id, DateOverride.on_date >= from_day)
        .order_by(DateOverride.on_date, DateOverride.start_time))]
    blocks = list(db.scalars(select(BlockedPeriod).where(
        or_(BlockedPeriod.calendar_id == cal.id, BlockedPeriod.calendar_id.is_(None)), BlockedPeriod.end_at > since,
    ).order_by(BlockedPeriod.start_at)))
    slots = list(db.scalars(select(CalendarSlot).where(CalendarSlot.calendar_id == cal.id, CalendarSlot.end_time > since)
                            .order_by(CalendarSlot.start_time)))
    service_ids = list(db.scalars(select(CalendarService.service_id).where(CalendarService.calendar_id == cal.id)))
    return CalendarSetup(_summary(cal, service_ids, cal.id in _calendly_linked(db, [cal.id])), weekly, overrides,
                         blocks, slots)


def _check_color(color: str | None, locale: str | None) -> str | None:
    color = (color or "").strip()
    if not color:
        return None
    if not (color.startswith("#") and len(color) in (4, 7) and set(color[1:]) <= COLOR_CHARS):
        message = t("dashboard.bad_color", locale)
        raise ValidationFailed(message, fields={"color": message})
    return color.lower()


def update_calendar(db: Session, ctx: TenantContext, calendar_id: int, *, name: str | None = None,
                    color: str | None = None, is_active: bool | None = None) -> Calendar:
    """Rename, recolour, switch off or on (switching on counts against the plan's calendars)."""
    require(ctx, Feature.MANAGE_CALENDARS)
    cal = get_calendar(db, ctx, calendar_id)
    if name is not None:
        if not name.strip():
            message = t("validation.required", ctx.locale)
            raise ValidationFailed(message, fields={"name": message})
        cal.name = name.strip()[:200]
    if color is not None:
        cal.color = _check_color(color, ctx.locale)
    if is_active is not None and is_active != cal.is_active:
        if is_active:
            check_plan_limit(db, ctx, "calendars")
        cal.is_active = is_active
    db.flush()
    return cal


def service_calendars(db: Session, ctx: TenantContext, service_id: int) -> list[int]:
    service = get_service(db, ctx, service_id)
    return sorted(db.scalars(select(CalendarService.calendar_id).where(CalendarService.service_id == service.id)))


def set_service_calendars(db: Session, ctx: TenantContext, service_id: int, calendar_ids: list[int]) -> list[int]:
    """Exactly these calendars offer the service (none is allowed: the service is then not bookable)."""
    require(ctx, Feature.MANAGE_SERVICES)
    service = get_service(db, ctx, service_id)
    cals = [get_calendar(db, ctx, cid) for cid in dict.fromkeys(calendar_ids)]
    db.execute(delete(CalendarService).where(CalendarService.service_id == service.id))
    for cal in cals:
        db.add(CalendarService(calendar_id=cal.id, service_id=service.id, store_id=service.store_id))
    db.flush()
    return sorted(c.id for c in cals)


def bookings_of_service(db: Session, ctx: TenantContext, service_id: int) -> int:
    service = get_service(db, ctx, service_id)
    return db.scalar(select(func.count(Booking.id)).where(Booking.service_id == service.id)) or 0


def delete_service(db: Session, ctx: TenantContext, service_id: int) -> None:
    """Delete a service nobody ever booked; one with bookings can only be archived."""
    require(ctx, Feature.MANAGE_SERVICES)
    service = get_service(db, ctx, service_id)
    if bookings_of_service(db, ctx, service.id):
        raise Conflict(t("dashboard.service_has_bookings", ctx.locale))
    db.execute(delete(CalendarService).where(CalendarService.service_id == service.id))
    db.delete(service)
    db.flush()


def upcoming_blocks(db: Session, ctx: TenantContext, since: datetime, limit: int = 200) -> list[BlockedPeriod]:
    """Blocks of the whole store and of every calendar that have not ended yet."""
    dashboard_store(db, ctx)
    return list(db.scalars(select(BlockedPeriod).where(BlockedPeriod.end_at > since)
                           .order_by(BlockedPeriod.start_at).limit(limit)))


def preview_range(first: date, days: int = 7) -> tuple[date, date]:
    return first, first + timedelta(days=days - 1)
