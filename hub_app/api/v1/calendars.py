"""A store's calendars: create and list them, put them in the store's order, set weekly hours, block time."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends

from hub_app import db as hub_db
from hub_app.api.v1.deps import StoreScope, operation_id, signed_in_store_scope
from hub_app.api.v1.errors import error_responses
from hub_app.api.v1.schemas import PathId, BlockIn, BlockOut, CalendarIn, CalendarOrderIn, CalendarOut, OpeningHours
from hub_app.api.v1.serializers import block_out, calendar_out, hours_out
from hub_app.domain.permissions import Feature, require
from hub_app.domain.scheduling.service import add_block, create_calendar, set_weekly_hours
from hub_app.domain.scheduling.staff import ordered_calendars, set_calendar_order

router = APIRouter(prefix="/stores/{slug}/calendars", tags=["calendars"], generate_unique_id_function=operation_id)

CalendarId = PathId
MANAGE_ERRORS = error_responses(400, 401, 403, 404, 422)


@router.get("", response_model=list[CalendarOut], responses=error_responses(401, 403, 404, 422))
def read_calendars(scope: StoreScope = Depends(signed_in_store_scope)) -> list[CalendarOut]:
    """Managers and admins: every calendar of the store, inactive ones included, in the store's order."""
    # The domain's list is also used for public pages, so the management permission is asked here.
    require(scope.ctx, Feature.MANAGE_CALENDARS)
    with hub_db.unit_of_work(scope.ctx) as db:
        return [calendar_out(c) for c in ordered_calendars(db, scope.ctx, include_inactive=True)]


@router.put("/order", response_model=list[CalendarOut], responses=MANAGE_ERRORS)
def reorder_calendars(body: CalendarOrderIn, scope: StoreScope = Depends(signed_in_store_scope)) -> list[CalendarOut]:
    """Put the store's calendars in this order (every calendar once). The store's `anyone_rule`
    `priority` gives a booking for anyone to the first one free in it; clients see people in it."""
    with hub_db.unit_of_work(scope.ctx) as db:
        return [calendar_out(c) for c in set_calendar_order(db, scope.ctx, list(body.calendar_ids))]


@router.post("", status_code=201, response_model=CalendarOut, responses=MANAGE_ERRORS)
def add_calendar(body: CalendarIn, scope: StoreScope = Depends(signed_in_store_scope)) -> CalendarOut:
    with hub_db.unit_of_work(scope.ctx) as db:
        return calendar_out(create_calendar(db, scope.ctx, body.name, body.color))


@router.put("/{calendar_id}/hours", response_model=list[OpeningHours], responses=MANAGE_ERRORS)
def replace_hours(
    calendar_id: CalendarId,
    hours: Annotated[list[OpeningHours], Body(max_length=100)],
    scope: StoreScope = Depends(signed_in_store_scope),
) -> list[OpeningHours]:
    """Replace the calendar's weekly opening intervals (local wall-clock times of the store).

    Several intervals per day are allowed; they must not overlap. An empty list closes the calendar.
    """
    with hub_db.unit_of_work(scope.ctx) as db:
        rules = set_weekly_hours(db, scope.ctx, calendar_id, [h.model_dump() for h in hours])
        return [hours_out(r) for r in sorted(rules, key=lambda r: (r.weekday, r.start_time))]


@router.post("/{calendar_id}/blocks", status_code=201, response_model=BlockOut, responses=MANAGE_ERRORS)
def block_time(calendar_id: CalendarId, body: BlockIn,
               scope: StoreScope = Depends(signed_in_store_scope)) -> BlockOut:
    """Make a period unbookable on this calendar (holiday, break)."""
    with hub_db.unit_of_work(scope.ctx) as db:
        block = add_block(db, scope.ctx, body.start, body.end, calendar_id=calendar_id, reason=body.reason)
        return block_out(block, scope.store)
