"""The calendars section's "who takes bookings" panel: the store's rule for bookings made for
anyone, the calendars' order, and each calendar's (person's) photo."""

from __future__ import annotations

from hub_app.db import unit_of_work
from hub_app.domain.bookings.assignment import RULES
from hub_app.domain.scheduling import staff
from hub_app.domain.stores.access import dashboard_store
from hub_app.domain.tenancy import TenantContext


def staff_settings(ctx: TenantContext) -> dict:
    with unit_of_work(ctx) as db:
        store = dashboard_store(db, ctx)
        ordered = staff.ordered_calendars(db, ctx)
        people = [{"id": str(c.id), "name": c.name, "initials": staff.initials(c.name),
                   "photo": staff.photo_url(c.photo_thumbnail_path or c.photo_path) or "",
                   "active": "1" if c.is_active else "", "first": "1" if i == 0 else "",
                   "last": "1" if i == len(ordered) - 1 else ""} for i, c in enumerate(ordered)]
        return {"rule": store.anyone_rule, "rules": list(RULES), "people": people}


def set_rule(ctx: TenantContext, rule: str) -> None:
    with unit_of_work(ctx) as db:
        staff.set_anyone_rule(db, ctx, rule)


def move(ctx: TenantContext, calendar_id: int, steps: int) -> None:
    with unit_of_work(ctx) as db:
        staff.move_calendar(db, ctx, calendar_id, steps)


def upload_photo(ctx: TenantContext, calendar_id: int, data: bytes) -> None:
    with unit_of_work(ctx) as db:
        staff.set_calendar_photo(db, ctx, calendar_id, data)


def remove_photo(ctx: TenantContext, calendar_id: int) -> None:
    with unit_of_work(ctx) as db:
        staff.remove_calendar_photo(db, ctx, calendar_id)
