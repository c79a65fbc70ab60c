"""The people (calendars) a client can choose, the store's order of them, their photos, and the
store's rule for "anyone" (hub_app.domain.bookings.assignment)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub_app.domain.audit.service import record_change, snapshot
from hub_app.domain.bookings.assignment import RULES, AnyoneRule
from hub_app.domain.errors import NotFound, ValidationFailed
from hub_app.domain.permissions import Feature, require
from hub_app.domain.scheduling.models import Calendar, CalendarService, Service
from hub_app.domain.scheduling.service import get_calendar, list_calendars
from hub_app.domain.stores.models import Store
from hub_app.domain.stores.photos import remove_after_commit, save_image
from hub_app.domain.tenancy import TenantContext
from hub_app.i18n import t

AVATAR_BOX = (256, 256)


@dataclass(frozen=True)
class Person:
    """A calendar as a client sees it when choosing who does the service."""

    id: int
    name: str
    initials: str
    color: str | None
    photo_url: str | None


def initials(name: str) -> str:
    """"Maria Papadopoulou" -> "MP", "Chair 2" -> "C2", "Άννα" -> "Ά"."""
    words = [w for w in (name or "").split() if w]
    return "".join(w[0] for w in words[:2]).upper() or "?"


def photo_url(path: str | None) -> str | None:
    return f"/uploads/{path}" if path else None


def person_of(cal: Calendar) -> Person:
    return Person(id=cal.id, name=cal.name, initials=initials(cal.name), color=cal.color,
                  photo_url=photo_url(cal.photo_thumbnail_path or cal.photo_path))


def bookable_people(db: Session, ctx: TenantContext, service_id: int) -> list[Person]:
    """Active calendars offering the service, in the store's order (what a client chooses from).

    Public: an anonymous context of the store reads it (unknown or another store's service: 404)."""
    service = db.get(Service, service_id) if isinstance(service_id, int) else None
    if service is None or service.store_id != ctx.store_id or service.is_archived:
        raise NotFound(t("service.not_found", ctx.locale))
    rows = db.scalars(
        select(Calendar).join(CalendarService, CalendarService.calendar_id == Calendar.id)
        .where(CalendarService.service_id == service.id, Calendar.is_active.is_(True))
        .order_by(Calendar.priority, Calendar.name, Calendar.id))
    return [person_of(cal) for cal in rows]


def ordered_calendars(db: Session, ctx: TenantContext, include_inactive: bool = True) -> list[Calendar]:
    """The store's calendars in its order (priority, then name)."""
    return sorted(list_calendars(db, ctx, include_inactive=include_inactive),
                  key=lambda c: (c.priority, c.name, c.id))


def _store(db: Session, ctx: TenantContext) -> Store:
    store = db.get(Store, ctx.store_id) if ctx.store_id is not None else None
    if store is None:
        raise NotFound(t("store.not_found", ctx.locale))
    return store


def anyone_rule(db: Session, ctx: TenantContext) -> AnyoneRule:
    return AnyoneRule(_store(db, ctx).anyone_rule)


def set_anyone_rule(db: Session, ctx: TenantContext, rule: str) -> Store:
    """Choose who takes bookings made for "anyone": least_busy, round_robin or priority."""
    require(ctx, Feature.MANAGE_CALENDARS)
    store = _store(db, ctx)
    value = rule.value if isinstance(rule, AnyoneRule) else str(rule or "")
    if value not in RULES:
        message = t("staff.rule_invalid", ctx.locale)
        raise ValidationFailed(message, fields={"anyone_rule": message})
    before = snapshot(store, ("anyone_rule",))
    store.anyone_rule = value
    record_change(db, ctx, store, before)
    db.flush()
    return store


def set_calendar_order(db: Session, ctx: TenantContext, ordered_ids: list[int]) -> list[Calendar]:
    """Put the store's calendars in exactly this order (every calendar once, no other store's)."""
    require(ctx, Feature.MANAGE_CALENDARS)
    calendars = {c.id: c for c in list_calendars(db, ctx, include_inactive=True)}
    if sorted(ordered_ids) != sorted(calendars):
        message = t("staff.order_invalid", ctx.locale)
        raise ValidationFailed(message, fields={"calendar_ids": message})
    for position, cal_id in enumerate(ordered_ids):
        calendars[cal_id].priority = position
    db.flush()
    return [calendars[i] for i in ordered_ids]


def move_calendar(db: Session, ctx: TenantContext, calendar_id: int, steps: int) -> list[Calendar]:
    """Move a calendar earlier (negative steps) or later in the store's order."""
    require(ctx, Feature.MANAGE_CALENDARS)
    cal = get_calendar(db, ctx, calendar_id)
    ids = [c.id for c in ordered_calendars(db, ctx)]
    index = ids.index(cal.id)
    target = max(0, min(len(ids) - 1, index + steps))
    ids.insert(target, ids.pop(index))
    return set_calendar_order(db, ctx, ids)


def set_calendar_photo(db: Session, ctx: TenantContext, calendar_id: int, data: bytes) -> Calendar:
    """A person's photo (checked, re-encoded, thumbnailed like the store's photos); replaces the old one."""
    require(ctx, Feature.MANAGE_CALENDARS)
    cal = get_calendar(db, ctx, calendar_id)
    saved = save_image(db, data, Path("calendars") / str(cal.store_id), ctx.locale, thumbnail_box=AVATAR_BOX)
    remove_after_commit(db, cal.photo_path, cal.photo_thumbnail_path)
    cal.photo_path, cal.photo_thumbnail_path = saved.path, saved.thumbnail_path
    db.flush()
    return cal


def remove_calendar_photo(db: Session, ctx: TenantContext, calendar_id: int) -> Calendar:
    require(ctx, Feature.MANAGE_CALENDARS)
    cal = get_calendar(db, ctx, calendar_id)
    remove_after_commit(db, cal.photo_path, cal.photo_thumbnail_path)
    cal.photo_path = cal.photo_thumbnail_path = None
    db.flush()
    return cal
