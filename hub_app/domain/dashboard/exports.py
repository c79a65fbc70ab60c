"""CSV exports of the store's bookings and clients (UTF-8 with BOM so spreadsheet programs
read Greek names correctly)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from sqlalchemy.orm import Session

from hub_app.domain.bookings.queries import MAX_PAGE, list_clients
from hub_app.domain.dashboard.access import dashboard_store
from hub_app.domain.dashboard.bookings import BookingFilters, all_bookings
from hub_app.domain.permissions import Feature, require
from hub_app.domain.tenancy import TenantContext

EXPORT_LIMIT = 50_000
BOOKING_COLUMNS = (
    "id", "date", "start", "end", "status", "service", "calendar", "client", "email", "phone", "persons",
    "total", "currency", "payment_status", "source", "notes", "cancel_reason",
)
CLIENT_COLUMNS = ("id", "first_name", "last_name", "email", "phone", "address", "age", "bookings", "last_booking")
# A cell starting with one of these is a formula to spreadsheet programs: neutralise it.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _csv(header: Iterable[str], rows: Iterable[Iterable[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return "\ufeff" + out.getvalue()


def bookings_csv(db: Session, ctx: TenantContext, filters: BookingFilters) -> str:
    """The bookings the list view's filters select (every page), local dates and times."""
    dashboard_store(db, ctx)
    rows = all_bookings(db, ctx, filters, cap=EXPORT_LIMIT)
    return _csv(BOOKING_COLUMNS, (
        (b.id, b.local_date.isoformat(), b.local_start, b.local_end, b.status, b.service_name, b.calendar_name,
         b.client_name, b.client_email, b.client_phone, b.persons, f"{b.total_amount:.2f}", b.currency,
         b.payment_status, b.source, b.notes, b.cancel_reason)
        for b in rows
    ))


def clients_csv(db: Session, ctx: TenantContext, search: str | None = None) -> str:
    require(ctx, Feature.VIEW_CLIENTS)
    store = dashboard_store(db, ctx)
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(store.timezone)
    clients = []
    while len(clients) < EXPORT_LIMIT:
        page, total = list_clients(db, ctx, search=search, limit=MAX_PAGE, offset=len(clients))
        clients.extend(page)
        if not page or len(clients) >= total:
            break
    return _csv(CLIENT_COLUMNS, (
        (c.user_id, c.first_name, c.last_name, c.email, c.phone_number or "", c.address or "",
         "" if c.age is None else c.age, c.bookings_count,
         c.last_booking_start.astimezone(zone).strftime("%Y-%m-%d %H:%M") if c.last_booking_start else "")
        for c in clients
    ))
