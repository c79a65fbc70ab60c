"""The calendars section: calendars, weekly hours, day overrides, blocked time, extra slots, and
the preview of the free times clients are offered."""

from __future__ import annotations

import re
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from hub_app.db import unit_of_work
from hub_app.domain.bookings.availability import free_slots
from hub_app.domain.errors import ValidationFailed
from hub_app.domain.scheduling import service as scheduling
from hub_app.domain.scheduling import setup
from hub_app.domain.stores.access import dashboard_store
from hub_app.domain.stores.local_time import local_period, local_today, parse_date, parse_time
from hub_app.domain.tenancy import TenantContext
from hub_app.domain.types import utcnow
from hub_app.i18n import format_date, format_datetime, format_time, t
from hub_app.manage.shell.forms import switched_on, whole_number

WEEKDAYS = range(7)
_RANGE = re.compile(r"^\s*(\d{1,2}:\d{2})\s*[-–]\s*(\d{1,2}:\d{2})\s*$")


def calendars_list(ctx: TenantContext) -> list[dict[str, str]]:
    with unit_of_work(ctx) as db:
        return [{"id": str(c.id), "name": c.name, "color": c.color, "active": "1" if c.is_active else "",
                 "calendly": "1" if c.calendly_linked else "", "services": str(len(c.service_ids))}
                for c in setup.calendars(db, ctx)]


def create_calendar(ctx: TenantContext, name: str, color: str) -> int:
    with unit_of_work(ctx) as db:
        cal = scheduling.create_calendar(db, ctx, name, None)
        if color:
            setup.update_calendar(db, ctx, cal.id, color=color)
        return cal.id


def update_calendar(ctx: TenantContext, calendar_id: int, **changes) -> None:
    with unit_of_work(ctx) as db:
        setup.update_calendar(db, ctx, calendar_id, **changes)


def _hm(value) -> str:
    return value.strftime("%H:%M") if value else ""


def calendar_detail(ctx: TenantContext, calendar_id: int) -> dict:
    """Weekly hours as editable text per weekday, and the upcoming overrides, blocks and slots."""
    with unit_of_work(ctx) as db:
        store = dashboard_store(db, ctx)
        today = local_today(store.timezone, utcnow())
        found = setup.calendar_setup(db, ctx, calendar_id, today)
        services = [s for s in scheduling.list_services(db, ctx) if s.id in found.calendar.service_ids]
    tz, loc = store.timezone, ctx.locale
    weekly = {str(d): ", ".join(f"{_hm(s)}-{_hm(e)}" for wd, s, e in found.weekly if wd == d) for d in WEEKDAYS}
    return {
        "calendar": {"id": str(found.calendar.id), "name": found.calendar.name, "color": found.calendar.color,
                     "active": "1" if found.calendar.is_active else "", "calendly": "1" if found.calendar.calendly_linked else ""},
        "weekly": weekly,
        "overrides": [{"day": d.isoformat(), "label": format_date(d, locale=loc, fmt="medium"),
                       "hours": f"{_hm(s)}–{_hm(e)}" if s else "", "reason": r} for d, s, e, r in found.overrides],
        "blocks": [{"id": str(b.id), "from": format_datetime(b.start_at, tz, loc, "short"),
                    "to": format_datetime(b.end_at, tz, loc, "short"), "reason": b.reason or "",
                    "whole_store": "" if b.calendar_id else "1"} for b in found.blocks],
        "slots": [{"id": str(s.id), "from": format_datetime(s.start_time, tz, loc, "short"),
                   "to": format_time(s.end_time, tz, loc), "capacity": "" if s.capacity_available is None else str(s.capacity_available)}
                  for s in found.slots],
        "services": [{"id": str(s.id), "name": s.name} for s in services],
        "today": today.isoformat(),
    }


def parse_ranges(text: str, field: str, locale: str) -> list[tuple[str, str]]:
    """"09:00-13:00, 14:00-18:00" → [("09:00", "13:00"), ("14:00", "18:00")]; empty → closed."""
    ranges = []
    for part in (p for p in re.split(r"[,;]", text or "") if p.strip()):
        match = _RANGE.match(part)
        if not match:
            message = t("manage.calendars.hours_format", locale)
            raise ValidationFailed(message, fields={field: message})
        ranges.append((parse_time(match.group(1).zfill(5), field, locale).isoformat("minutes"),
                       parse_time(match.group(2).zfill(5), field, locale).isoformat("minutes")))
    return ranges


def save_weekly_hours(ctx: TenantContext, calendar_id: int, form: dict) -> None:
    hours = []
    for day in WEEKDAYS:
        for start, end in parse_ranges(str(form.get(f"day{day}") or ""), f"day{day}", ctx.locale):
            hours.append({"weekday": day, "start": start, "end": end})
    with unit_of_work(ctx) as db:
        try:
            scheduling.set_weekly_hours(db, ctx, calendar_id, hours)
        except ValidationFailed as exc:
            # The scheduling service names entries by position; point at the weekday instead.
            raise ValidationFailed(exc.message, fields={"weekly": exc.message}) from exc


def set_override(ctx: TenantContext, calendar_id: int, form: dict) -> None:
    day = parse_date(form.get("day"), "day", ctx.locale)
    hours = [] if switched_on(form, "closed") else parse_ranges(str(form.get("hours") or ""), "hours", ctx.locale)
    with unit_of_work(ctx) as db:
        scheduling.set_date_override(db, ctx, calendar_id, day, hours, str(form.get("reason") or "").strip() or None)


def clear_override(ctx: TenantContext, calendar_id: int, day: str) -> None:
    with unit_of_work(ctx) as db:
        scheduling.clear_date_override(db, ctx, calendar_id, parse_date(day, "day", ctx.locale))


def add_block(ctx: TenantContext, calendar_id: int | None, form: dict) -> None:
    with unit_of_work(ctx) as db:
        store = dashboard_store(db, ctx)
        start_day = form.get("start_date")
        start, end = local_period(store.timezone, start_day, form.get("start_time"), form.get("end_date") or start_day,
                                  form.get("end_time"), ctx.locale)
        target = None if switched_on(form, "whole_store") else calendar_id
        scheduling.add_block(db, ctx, start, end, calendar_id=target, reason=str(form.get("reason") or "").strip() or None)


def remove_block(ctx: TenantContext, block_id: int) -> None:
    with unit_of_work(ctx) as db:
        scheduling.remove_block(db, ctx, block_id)


def add_slot(ctx: TenantContext, calendar_id: int, form: dict) -> None:
    with unit_of_work(ctx) as db:
        store = dashboard_store(db, ctx)
        day = form.get("day")
        start, end = local_period(store.timezone, day, form.get("start_time"), day, form.get("end_time"), ctx.locale)
        capacity = whole_number(form, "capacity", ctx.locale, required=False)
        scheduling.add_calendar_slot(db, ctx, calendar_id, start, end, capacity)


def remove_slot(ctx: TenantContext, slot_id: int) -> None:
    with unit_of_work(ctx) as db:
        scheduling.remove_calendar_slot(db, ctx, slot_id)


def preview(ctx: TenantContext, service_id: int, first: date, days: int = 7) -> list[dict[str, str]]:
    """Free times of a service for `days` days from `first`: exactly what clients are offered."""
    with unit_of_work(ctx) as db:
        store = dashboard_store(db, ctx)
        slots = free_slots(db, ctx, service_id, first, first + timedelta(days=days - 1))
    by_day: dict[date, list[str]] = {first + timedelta(days=i): [] for i in range(days)}
    for slot in slots:
        local_day = slot.start.astimezone(ZoneInfo(store.timezone)).date()
        by_day.setdefault(local_day, []).append(format_time(slot.start, store.timezone, ctx.locale))
    return [{"day": d.isoformat(), "label": format_date(d, locale=ctx.locale, fmt="EEE d MMM"),
             "times": " · ".join(times), "count": str(len(times))} for d, times in sorted(by_day.items())]
