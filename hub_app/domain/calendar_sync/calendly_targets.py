"""Calendly without double booking: which calendar the hub writes each hub calendar's bookings to.

Calendly offers a time only when the staff member's connected calendar (Google, iCloud, Outlook,
…) is free then. So once the hub writes its bookings into that same calendar (a CalDAV target),
Calendly's page stops offering them; a Calendly-linked hub calendar without a write target is a
double booking waiting to happen, and the Calendly settings page warns about it. Calendly's own
Scheduling API is not used for this: its shape is unconfirmed.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub_app.domain.calendar_sync.models import CalendarConnection, ConnectionKind, ConnectionState
from hub_app.domain.integrations.models import CalendlyEventTypeLink
from hub_app.domain.permissions import Feature, require
from hub_app.domain.scheduling.models import Calendar
from hub_app.domain.tenancy import TenantContext


@dataclass(frozen=True)
class WriteTarget:
    calendar_id: int
    calendar_name: str
    target: str | None        # "host/path of the remote calendar", None when the hub writes nowhere
    state: str | None         # the connection's state ("active", "error", …)
    linked_to_calendly: bool

    @property
    def needs_target(self) -> bool:
        return self.linked_to_calendly and (self.target is None or self.state == ConnectionState.PAUSED.value)


def _short(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.netloc}{parts.path}".rstrip("/")


def write_targets(db: Session, ctx: TenantContext) -> list[WriteTarget]:
    """Every active calendar of the store with where its bookings are written."""
    require(ctx, Feature.MANAGE_CALENDARS)
    linked = set(db.scalars(select(CalendlyEventTypeLink.calendar_id).where(CalendlyEventTypeLink.calendar_id.is_not(None))))
    connections = {c.calendar_id: c for c in db.scalars(select(CalendarConnection).where(
        CalendarConnection.kind == ConnectionKind.CALDAV))}
    found = []
    for calendar in db.scalars(select(Calendar).where(Calendar.is_active.is_(True)).order_by(Calendar.name, Calendar.id)):
        connection = connections.get(calendar.id)
        target = _short(connection.target_url) if connection is not None and connection.target_url else None
        found.append(WriteTarget(calendar_id=calendar.id, calendar_name=calendar.name, target=target,
                                 state=ConnectionState(connection.state).value if connection is not None else None,
                                 linked_to_calendly=calendar.id in linked))
    return found
