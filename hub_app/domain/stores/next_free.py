"""The next few free start times of each service, for the "next free" line of a store's page.

Asked from the availability engine (the same answer the booking wizard and the API give) over a
short window ahead, so a store page stays cheap to build; a service with nothing free in that
window simply shows none and the reader opens the wizard's calendar instead.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from hub_app.domain.bookings.availability import free_slots
from hub_app.domain.errors import DomainError
from hub_app.domain.scheduling.models import Service
from hub_app.domain.stores.models import Store
from hub_app.domain.tenancy import TenantContext
from hub_app.domain.types import utcnow

LOOK_AHEAD_DAYS = 14
STARTS_PER_SERVICE = 3


def next_free_starts(db: Session, ctx: TenantContext, store: Store, services: list[Service],
                     now: datetime | None = None, count: int = STARTS_PER_SERVICE) -> dict[int, list[datetime]]:
    """Up to `count` earliest free starts (UTC) per service id within LOOK_AHEAD_DAYS."""
    now = now or utcnow()
    today = now.astimezone(ZoneInfo(store.timezone)).date()
    last = today + timedelta(days=LOOK_AHEAD_DAYS - 1)
    starts: dict[int, list[datetime]] = {}
    for service in services:
        try:
            slots = free_slots(db, ctx, service.id, today, last, persons=service.min_persons, now=now)
        except DomainError:  # not bookable right now (outside its dates, say): nothing to offer
            slots = []
        starts[service.id] = [slot.start for slot in slots[:count]]
    return starts
