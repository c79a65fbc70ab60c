"""CSV exports of the store's bookings and clients (UTF-8 with BOM so spreadsheet programs
read Greek names correctly).

Exports are produced as a stream of chunks, one keyset page of rows at a time, so memory stays
flat whatever the size. They are bounded before the first byte: a bookings export covers at most
MAX_EXPORT_DAYS days and EXPORT_LIMIT rows, and a request beyond either gets a clear message
asking for a shorter period instead of a file cut short, a timeout or an exhausted server.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from hub_app.domain.bookings.queries import MAX_PAGE, list_clients, next_client_cursor
from hub_app.domain.stores.access import dashboard_store
from hub_app.domain.bookings.listing import BookingFilters, find_bookings, view_cursor
from hub_app.domain.errors import ValidationFailed
from hub_app.domain.permissions import Feature, require
from hub_app.domain.tenancy import TenantContext
from hub_app.i18n import t

EXPORT_LIMIT = 50_000
MAX_EXPORT_DAYS = 366
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


def _lines(rows: Iterable[Iterable[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return out.getvalue()


def check_bookings_export(db: Session, ctx: TenantContext, filters: BookingFilters) -> None:
    """Refuse, with a message next to the period, an export longer than MAX_EXPORT_DAYS or
    larger than EXPORT_LIMIT rows (counting stops at the limit)."""
    require(ctx, Feature.VIEW_BOOKINGS)
    dashboard_store(db, ctx)
    if filters.date_from and filters.date_to and (filters.date_to - filters.date_from).days >= MAX_EXPORT_DAYS:
        message = t("dashboard.export_period_too_long", ctx.locale, days=MAX_EXPORT_DAYS)
        raise ValidationFailed(message, fields={"to": message})
    _, matching = find_bookings(db, ctx, filters, limit=1, count_cap=EXPORT_LIMIT)
    if matching > EXPORT_LIMIT:
        message = t("dashboard.export_too_many", ctx.locale, rows=f"{EXPORT_LIMIT:,}", days=MAX_EXPORT_DAYS)
        raise ValidationFailed(message, fields={"from": message})


def bookings_csv_chunks(db: Session, ctx: TenantContext, filters: BookingFilters) -> Iterator[str]:
    """The bookings the list view's filters select, local dates and times, MAX_PAGE rows per chunk.
    Call `check_bookings_export` first."""
    dashboard_store(db, ctx)
    yield "\ufeff" + _lines([BOOKING_COLUMNS])
    cursor, written = None, 0
    while written < EXPORT_LIMIT:
        page, _ = find_bookings(db, ctx, filters, limit=MAX_PAGE, cursor=cursor, count=False)
        yield _lines(
            (b.id, b.local_date.isoformat(), b.local_start, b.local_end, b.status, b.service_name, b.calendar_name,
             b.client_name, b.client_email, b.client_phone, b.persons, f"{b.total_amount:.2f}", b.currency,
             b.payment_status, b.source, b.notes, b.cancel_reason)
            for b in page
        )
        written += len(page)
        db.expunge_all()  # the rows of a written page are not needed again: memory stays flat
        if len(page) < MAX_PAGE:
            return
        cursor = view_cursor(page[-1], filters.order)


def bookings_csv(db: Session, ctx: TenantContext, filters: BookingFilters) -> str:
    """The whole export as one text (at most EXPORT_LIMIT rows), for a browser download."""
    check_bookings_export(db, ctx, filters)
    return "".join(bookings_csv_chunks(db, ctx, filters))


def clients_csv_chunks(db: Session, ctx: TenantContext, search: str | None = None) -> Iterator[str]:
    require(ctx, Feature.VIEW_CLIENTS)
    zone = ZoneInfo(dashboard_store(db, ctx).timezone)
    yield "\ufeff" + _lines([CLIENT_COLUMNS])
    cursor, written = None, 0
    while written < EXPORT_LIMIT:
        page, _ = list_clients(db, ctx, search=search, limit=MAX_PAGE, cursor=cursor, count=False)
        yield _lines(
            (c.user_id, c.first_name, c.last_name, c.email, c.phone_number or "", c.address or "",
             "" if c.age is None else c.age, c.bookings_count,
             c.last_booking_start.astimezone(zone).strftime("%Y-%m-%d %H:%M") if c.last_booking_start else "")
            for c in page
        )
        written += len(page)
        db.expunge_all()
        cursor = next_client_cursor(page, MAX_PAGE)
        if cursor is None:
            return


def clients_csv(db: Session, ctx: TenantContext, search: str | None = None) -> str:
    return "".join(clients_csv_chunks(db, ctx, search))
