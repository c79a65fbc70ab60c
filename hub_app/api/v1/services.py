"""A store's services (public list, management create) and their free times."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request, Response

from hub_app import db as hub_db
from hub_app.api.v1.deps import (
    StoreScope, is_slug_shaped, operation_id, public_store, request_locale, signed_in_store_scope,
)
from hub_app.api.v1.errors import error_responses
from hub_app.api.v1.schemas import PathId, MAX_YEAR, MIN_YEAR, PersonOut, ServiceIn, ServiceOut, SlotOut
from hub_app.api.v1.serializers import service_out
from hub_app.domain.bookings.availability_cache import public_free_slots
from hub_app.domain.errors import NotFound, ValidationFailed
from hub_app.domain.scheduling.service import ServiceInput, create_service, get_service, service_calendar_ids
from hub_app.domain.scheduling.staff import bookable_people
from hub_app.domain.stores.models import Store
from hub_app.domain.stores.public import bookable_services
from hub_app.domain.tenancy import TenantContext
from hub_app.i18n import t

router = APIRouter(prefix="/stores/{slug}/services", tags=["services"], generate_unique_id_function=operation_id)

ServiceId = PathId
# One request answers at most two months: enough for a month view with its edges.
MAX_AVAILABILITY_DAYS = 62


@router.get("", response_model=list[ServiceOut], responses=error_responses(404, 422))
def read_services(request: Request, store: Store = Depends(public_store)) -> list[ServiceOut]:
    """Services a client can book: not archived and offered by at least one active calendar."""
    ctx = TenantContext.anonymous(store.id, locale=request_locale(request))
    with hub_db.unit_of_work(ctx) as db:
        return [service_out(s, store, service_calendar_ids(db, s.id)) for s in bookable_services(db, ctx)]


@router.get("/{service_id}", response_model=ServiceOut, responses=error_responses(404, 422))
def read_service(service_id: ServiceId, request: Request, store: Store = Depends(public_store)) -> ServiceOut:
    ctx = TenantContext.anonymous(store.id, locale=request_locale(request))
    with hub_db.unit_of_work(ctx) as db:
        service = get_service(db, ctx, service_id)
        return service_out(service, store, service_calendar_ids(db, service.id))


@router.post("", status_code=201, response_model=ServiceOut, responses=error_responses(400, 401, 403, 404, 422))
def add_service(body: ServiceIn, scope: StoreScope = Depends(signed_in_store_scope)) -> ServiceOut:
    """Define a service and the calendars that offer it."""
    values = body.model_dump()
    # The same calendar twice means once (the link table has one row per pair).
    values["calendar_ids"] = list(dict.fromkeys(body.calendar_ids))
    with hub_db.unit_of_work(scope.ctx) as db:
        service = create_service(db, scope.ctx, ServiceInput(**values))
        return service_out(service, scope.store, values["calendar_ids"])


@router.get("/{service_id}/staff", response_model=list[PersonOut], responses=error_responses(404, 422))
def read_staff(service_id: ServiceId, request: Request, store: Store = Depends(public_store)) -> list[PersonOut]:
    """The people a client can choose for this service, in the store's order. Send one's `id` as
    `calendar_id` to the availability and booking endpoints, or leave it out for anyone."""
    ctx = TenantContext.anonymous(store.id, locale=request_locale(request))
    with hub_db.unit_of_work(ctx) as db:
        return [PersonOut(id=p.id, name=p.name, initials=p.initials, color=p.color, photo_url=p.photo_url)
                for p in bookable_people(db, ctx, service_id)]


def _check_range(start: date, end: date, locale: str) -> None:
    for name, value in (("start", start), ("end", end)):
        if not MIN_YEAR <= value.year <= MAX_YEAR:
            message = t("api.date_out_of_range", locale, min=MIN_YEAR, max=MAX_YEAR)
            raise ValidationFailed(message, fields={name: message})
    if end < start:
        message = t("validation.time_range", locale)
        raise ValidationFailed(message, fields={"end": message})
    if (end - start).days + 1 > MAX_AVAILABILITY_DAYS:
        message = t("api.range_too_long", locale, days=MAX_AVAILABILITY_DAYS)
        raise ValidationFailed(message, fields={"end": message})


@router.get("/{service_id}/availability", response_model=list[SlotOut], responses=error_responses(404, 422))
def availability(
    slug: str,
    service_id: ServiceId,
    request: Request,
    start: Annotated[date, Query(description="First local day (YYYY-MM-DD), in the store's timezone.")],
    end: Annotated[date, Query(description=f"Last local day, inclusive; at most {MAX_AVAILABILITY_DAYS} days.")],
    persons: Annotated[int, Query(ge=1, le=1000)] = 1,
    calendar_id: Annotated[int | None, Query(ge=1, le=2**31 - 1, description=(
        "One person's free times (an `id` from `…/staff`); without it, the times anyone is free "
        "(each slot's `calendar_ids` names who)."))] = None,
) -> Response:
    """Free start times for `persons` people, in the store's UTC offset."""
    locale = request_locale(request)
    if not is_slug_shaped(slug):
        raise NotFound(t("store.not_found", locale))
    _check_range(start, end, locale)
    # The busiest public read: answered from the kept answers while the store is unchanged.
    tz, slots = public_free_slots(hub_db.get_engine(), slug, service_id, start, end, persons, locale,
                                  calendar_id=calendar_id)
    zone = ZoneInfo(tz)
    # Rendered here rather than through the response model: the same JSON, without validating
    # hundreds of freshly built objects per request.
    body = [{"start": s.start.astimezone(zone).isoformat(), "end": s.end.astimezone(zone).isoformat(),
             "remaining": s.remaining, "calendar_ids": list(s.calendar_ids)} for s in slots]
    return Response(json.dumps(body, separators=(",", ":")), media_type="application/json")
