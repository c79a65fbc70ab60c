"""Rows and facts more than one dashboard section shows: a booking as a row, the store's today,
the clients a picker offers,
a manual message (sent from a client's card and from the notifications section)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from hub_app.db import unit_of_work
from hub_app.domain.bookings.lifecycle import can_transition
from hub_app.domain.bookings.listing import (
    BookingView,
)
from hub_app.domain.bookings.models import BookingStatus
from hub_app.domain.bookings.queries import list_clients
from hub_app.domain.errors import ValidationFailed
from hub_app.domain.notifications.models import Channel
from hub_app.domain.notifications.outbox import Recipients, queue_manual
from hub_app.domain.stores.access import dashboard_store
from hub_app.domain.stores.local_time import local_today
from hub_app.domain.tenancy import TenantContext
from hub_app.domain.types import utcnow
from hub_app.i18n import format_date, format_money, t

STATUS_COLORS = {
    "pending": "amber", "confirmed": "teal", "cancelled": "gray", "completed": "blue", "rescheduled": "purple",
    "no_show": "red",
}


def booking_row(view: BookingView, tz: str, locale: str, now: datetime | None = None) -> dict[str, str]:
    now = now or utcnow()
    status = BookingStatus(view.status)
    started = view.start_at <= now
    flag = lambda ok: "1" if ok else ""  # noqa: E731
    return {
        "id": str(view.id), "day": view.local_date.isoformat(),
        "date_label": format_date(view.local_date, locale=locale, fmt="medium"),
        "start": view.local_start, "end": view.local_end, "service": view.service_name,
        "service_id": str(view.service_id), "calendar": view.calendar_name, "client": view.client_name,
        "client_id": str(view.client_user_id), "email": view.client_email, "phone": view.client_phone,
        "persons": str(view.persons), "total": format_money(view.total_amount, view.currency, locale),
        "status": view.status, "color": STATUS_COLORS.get(view.status, "gray"), "notes": view.notes,
        "cancel_reason": view.cancel_reason, "source": view.source, "payment_status": view.payment_status,
        "can_confirm": flag(can_transition(status, BookingStatus.CONFIRMED)),
        "can_cancel": flag(can_transition(status, BookingStatus.CANCELLED)),
        "can_reschedule": flag(can_transition(status, BookingStatus.RESCHEDULED)),
        "can_finish": flag(started and can_transition(status, BookingStatus.COMPLETED)),
    }


def store_today(ctx: TenantContext) -> date:
    with unit_of_work(ctx) as db:
        return local_today(dashboard_store(db, ctx).timezone, utcnow())


def find_clients(ctx: TenantContext, search: str, limit: int = 8) -> list[dict[str, str]]:
    with unit_of_work(ctx) as db:
        clients, _ = list_clients(db, ctx, search=search or None, limit=limit)
    return [{"id": str(c.user_id), "name": c.full_name, "email": c.email, "phone": c.phone_number or ""}
            for c in clients]


def send_message(ctx: TenantContext, *, audience: str, client_user_id: int | None, day: date | None, channel: str,
                 subject: str, body: str, idempotency_key: str | None = None) -> int:
    """Queue a manual message; returns how many messages were queued."""
    if audience == "client":
        recipients = Recipients.one(client_user_id) if client_user_id is not None else None
    elif audience == "day":
        recipients = Recipients.on_day(day) if day is not None else None
    else:
        recipients = Recipients.everyone()
    if recipients is None:
        message = t("notifications.no_recipients", ctx.locale)
        raise ValidationFailed(message, fields={"recipients": message})
    with unit_of_work(ctx) as db:
        rows = queue_manual(db, ctx, recipients, Channel(channel), subject or None, body,
                            idempotency_key=idempotency_key or uuid.uuid4().hex)
        return len(rows)
