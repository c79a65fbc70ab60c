"""The clients who booked in a store (managers and admins)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from hub_app import db as hub_db
from hub_app.api.v1.deps import StoreScope, operation_id, signed_in_store_scope
from hub_app.api.v1.errors import error_responses
from hub_app.api.v1.pages import ClientPage, Cursor, Limit, Offset, capped
from hub_app.api.v1.schemas import ClientOut, Text
from hub_app.api.v1.serializers import local
from hub_app.domain.bookings.queries import next_client_cursor
from hub_app.domain.bookings.service import list_clients

router = APIRouter(prefix="/stores/{slug}/clients", tags=["clients"], generate_unique_id_function=operation_id)


@router.get("", response_model=ClientPage, responses=error_responses(401, 403, 404, 422))
def list_store_clients(
    scope: StoreScope = Depends(signed_in_store_scope),
    search: Annotated[Text(100) | None, Query(description="Name or email.")] = None,
    limit: Limit = 100,
    offset: Offset = 0,
    cursor: Cursor = None,
) -> ClientPage:
    """Managers and admins: the store's clients by name (id breaks ties), one page at a time:
    follow `next_cursor` for the next page."""
    with hub_db.unit_of_work(scope.ctx) as db:
        rows, total = list_clients(db, scope.ctx, search=search or None, limit=limit, offset=offset, cursor=cursor)
    tz = scope.store.timezone
    items = [
        ClientOut(user_id=c.user_id, first_name=c.first_name, last_name=c.last_name, email=c.email,
                  phone=c.phone_number, address=c.address, age=c.age, bookings_count=c.bookings_count,
                  last_booking_start=local(c.last_booking_start, tz))
        for c in rows
    ]
    return ClientPage(items=items, limit=limit, offset=offset, next_cursor=next_client_cursor(rows, limit),
                      **capped(total))
