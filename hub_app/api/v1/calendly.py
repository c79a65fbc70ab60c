"""A store's Calendly link: connect with a token, map event types, check the webhook, sync, disconnect.

The token is write-only: it is accepted here and never returned (the status says only whether
one is stored).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, Field

from hub_app import db as hub_db
from hub_app.api.v1.deps import StoreScope, operation_id, signed_in_store_scope
from hub_app.api.v1.errors import error_responses
from hub_app.domain.calendly import service as calendly
from hub_app.domain.permissions import Feature, require
from workers.jobs import RECONCILE_CALENDLY_STORE, send

router = APIRouter(prefix="/stores/{slug}/calendly", tags=["calendly"], generate_unique_id_function=operation_id)
ERRORS = error_responses(400, 401, 403, 404, 422, 429, 503)


class CalendlyConnectIn(BaseModel):
    # Printable ASCII: the token travels in an HTTP header to Calendly.
    token: str = Field(min_length=1, max_length=2000, pattern=r"^[!-~]+$",
                       description="A Calendly personal access token (never shown again).")


class EventTypeLinkOut(BaseModel):
    event_type_uri: str
    name: str
    calendar_id: int
    service_id: int


class CalendlyStatusOut(BaseModel):
    state: str = Field(description="not_connected, connected, broken (token revoked) or disconnected")
    webhook_state: str | None = Field(description="active, disabled, or unavailable (needs a paid Calendly plan)")
    last_error: str | None
    last_synced_at: datetime | None
    user_uri: str | None
    organization_uri: str | None
    token: str
    links: list[EventTypeLinkOut]


class EventTypeOut(BaseModel):
    uri: str
    name: str
    active: bool
    duration_minutes: int | None
    scheduling_url: str | None
    calendar_id: int | None = None
    service_id: int | None = None


class CalendlyConnectOut(BaseModel):
    status: CalendlyStatusOut
    event_types: list[EventTypeOut]


class EventTypeMapIn(BaseModel):
    event_type_uri: str = Field(min_length=8, max_length=300, pattern=r"^https?://[^\x00\s]+$")
    calendar_id: int = Field(ge=1, le=2**31 - 1)
    service_id: int = Field(ge=1, le=2**31 - 1)
    name: str = Field(default="", max_length=200, pattern=r"^[^\x00]*$")


def _status_out(status: calendly.CalendlyStatus) -> CalendlyStatusOut:
    return CalendlyStatusOut(
        state=status.state, webhook_state=status.webhook_state, last_error=status.last_error,
        last_synced_at=status.last_synced_at, user_uri=status.user_uri, organization_uri=status.organization_uri,
        token=status.token,
        links=[EventTypeLinkOut(event_type_uri=link.event_type_uri, name=link.name, calendar_id=link.calendar_id,
                                service_id=link.service_id) for link in status.links],
    )


def _event_type_out(event_type, calendar_id=None, service_id=None) -> EventTypeOut:
    return EventTypeOut(uri=event_type.uri, name=event_type.name, active=event_type.active,
                        duration_minutes=event_type.duration_minutes, scheduling_url=event_type.scheduling_url,
                        calendar_id=calendar_id, service_id=service_id)


@router.get("", response_model=CalendlyStatusOut, responses=ERRORS)
def read_calendly_status(scope: StoreScope = Depends(signed_in_store_scope)) -> CalendlyStatusOut:
    with hub_db.unit_of_work(scope.ctx) as db:
        return _status_out(calendly.status(db, scope.ctx))


@router.post("/connect", response_model=CalendlyConnectOut, responses=ERRORS)
def connect_calendly(body: CalendlyConnectIn, scope: StoreScope = Depends(signed_in_store_scope)) -> CalendlyConnectOut:
    """Check the token with Calendly, list its event types and subscribe to its bookings."""
    with hub_db.unit_of_work(scope.ctx) as db:
        status, event_types = calendly.connect(db, scope.ctx, body.token)
        return CalendlyConnectOut(status=_status_out(status), event_types=[_event_type_out(e) for e in event_types])


@router.get("/event-types", response_model=list[EventTypeOut], responses=ERRORS)
def read_calendly_event_types(scope: StoreScope = Depends(signed_in_store_scope)) -> list[EventTypeOut]:
    with hub_db.unit_of_work(scope.ctx) as db:
        return [_event_type_out(m.event_type, m.calendar_id, m.service_id)
                for m in calendly.list_event_types(db, scope.ctx)]


@router.put("/event-types", response_model=EventTypeLinkOut, responses=ERRORS)
def map_calendly_event_type(body: EventTypeMapIn, scope: StoreScope = Depends(signed_in_store_scope)) -> EventTypeLinkOut:
    """Bookings of this Calendly event type land on the calendar, as the service."""
    with hub_db.unit_of_work(scope.ctx) as db:
        link = calendly.map_event_type(db, scope.ctx, body.event_type_uri, body.calendar_id, body.service_id, body.name)
        return EventTypeLinkOut(event_type_uri=link.event_type_uri, name=link.name, calendar_id=link.calendar_id,
                                service_id=link.service_id)


@router.delete("/event-types", status_code=204, response_class=Response, responses=ERRORS)
def unmap_calendly_event_type(
    event_type_uri: Annotated[str, Query(min_length=8, max_length=300, pattern=r"^https?://[^\x00\s]+$")],
    scope: StoreScope = Depends(signed_in_store_scope),
) -> Response:
    with hub_db.unit_of_work(scope.ctx) as db:
        calendly.unmap_event_type(db, scope.ctx, event_type_uri)
    return Response(status_code=204)


@router.post("/webhook/refresh", response_model=CalendlyStatusOut, responses=ERRORS)
def refresh_calendly_webhook(scope: StoreScope = Depends(signed_in_store_scope)) -> CalendlyStatusOut:
    """Check the webhook subscription and recreate it if Calendly has disabled it."""
    with hub_db.unit_of_work(scope.ctx) as db:
        return _status_out(calendly.refresh_subscription(db, scope.ctx))


@router.post("/sync", status_code=202, responses=ERRORS)
def sync_calendly(scope: StoreScope = Depends(signed_in_store_scope)) -> dict:
    """Queue a sync of this store's future Calendly events now."""
    require(scope.ctx, Feature.MANAGE_CALENDARS)
    send(RECONCILE_CALENDLY_STORE, scope.store.id)
    return {"queued": True}


@router.delete("", response_model=CalendlyStatusOut, responses=ERRORS)
def disconnect_calendly(scope: StoreScope = Depends(signed_in_store_scope)) -> CalendlyStatusOut:
    """Delete the webhook subscription and forget the token; existing bookings stay."""
    with hub_db.unit_of_work(scope.ctx) as db:
        return _status_out(calendly.disconnect(db, scope.ctx))
