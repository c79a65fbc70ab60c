"""The dashboard's view of bookings: rows with names and store-local times, for the list and
the calendar (day, week, month), built on the booking engine's `list_bookings`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub_app.domain.accounts.models import AppUser
from hub_app.domain.bookings.models import Booking
from hub_app.domain.bookings.paging import COUNT_CAP, encode_cursor
from hub_app.domain.bookings.queries import MAX_PAGE, list_bookings
from hub_app.domain.stores.access import dashboard_store
from hub_app.domain.stores.local_time import calendar_range, local_day_bounds
from hub_app.domain.errors import ValidationFailed
from hub_app.domain.scheduling.models import Calendar, Service
from hub_app.domain.tenancy import TenantContext
from hub_app.i18n import t

# More than this in one calendar view would not be readable anyway; the list view pages.
CALENDAR_VIEW_LIMIT = 2000
SORTS = ("start", "-start", "created", "-created")


@dataclass(frozen=True)
class BookingView:
    id: int
    status: str
    start_at: datetime
    end_at: datetime
    local_date: date
    local_start: str          # HH:MM in the store's zone
    local_end: str
    start_minute: int         # minutes after local midnight (placement in the day grid)
    end_minute: int
    service_id: int
    service_name: str
    calendar_id: int
    calendar_name: str
    client_user_id: int
    client_name: str
    client_email: str
    client_phone: str
    persons: int
    total_amount: Decimal
    currency: str
    payment_status: str
    source: str
    notes: str
    cancel_reason: str
    rescheduled_from_id: int | None
    created_at: datetime


@dataclass(frozen=True)
class BookingFilters:
    date_from: date | None = None
    date_to: date | None = None
    status: str | None = None
    service_id: int | None = None
    client_user_id: int | None = None
    search: str | None = None
    order: str = "start"


def to_views(db: Session, tz: str, bookings: list[Booking]) -> list[BookingView]:
    """Bookings with their service, calendar and client names, loaded in three queries."""
    if not bookings:
        return []
    zone = ZoneInfo(tz)
    # Only the columns shown, as plain rows: building ORM objects for them cost more than the
    # queries (half of an export page's time for 500 bookings).
    services = dict(db.execute(
        select(Service.id, Service.name).where(Service.id.in_({b.service_id for b in bookings}))).all())
    calendars = dict(db.execute(
        select(Calendar.id, Calendar.name).where(Calendar.id.in_({b.calendar_id for b in bookings}))).all())
    clients = {row.id: row for row in db.execute(
        select(AppUser.id, AppUser.first_name, AppUser.last_name, AppUser.email, AppUser.phone_number)
        .where(AppUser.id.in_({b.client_user_id for b in bookings})))}
    views = []
    for b in bookings:
        start, end = b.start_at.astimezone(zone), b.end_at.astimezone(zone)
        client = clients.get(b.client_user_id)
        end_minute = end.hour * 60 + end.minute if end.date() == start.date() else 24 * 60
        views.append(BookingView(
            id=b.id, status=b.status.value, start_at=b.start_at, end_at=b.end_at, local_date=start.date(),
            local_start=start.strftime("%H:%M"), local_end=end.strftime("%H:%M"),
            start_minute=start.hour * 60 + start.minute, end_minute=end_minute,
            service_id=b.service_id, service_name=services.get(b.service_id, ""),
            calendar_id=b.calendar_id, calendar_name=calendars.get(b.calendar_id, ""),
            client_user_id=b.client_user_id, client_name=f"{client.first_name} {client.last_name}".strip() if client else "",
            client_email=client.email if client else "", client_phone=(client.phone_number or "") if client else "",
            persons=b.number_of_persons, total_amount=b.total_amount, currency=b.currency,
            payment_status=b.payment_status.value, source=b.source.value, notes=b.notes or "",
            cancel_reason=b.cancel_reason or "", rescheduled_from_id=b.rescheduled_from_id, created_at=b.created_at,
        ))
    return views


def find_bookings(db: Session, ctx: TenantContext, filters: BookingFilters, *, limit: int = 25,
                  offset: int = 0, cursor: str | None = None, count: bool = True,
                  count_cap: int = COUNT_CAP) -> tuple[list[BookingView], int]:
    """One page of the store's bookings for the list view (after `cursor`, see `view_cursor`),
    and how many match, counted up to COUNT_CAP + 1."""
    store = dashboard_store(db, ctx)
    if filters.order not in SORTS:
        raise ValidationFailed(t("dashboard.bad_sort", ctx.locale), fields={"order": ", ".join(SORTS)})
    if filters.date_from and filters.date_to and filters.date_to < filters.date_from:
        message = t("validation.time_range", ctx.locale)
        raise ValidationFailed(message, fields={"date_to": message})
    start = end = None
    if filters.date_from:
        start, _ = local_day_bounds(store.timezone, filters.date_from, filters.date_from)
    if filters.date_to:
        _, end = local_day_bounds(store.timezone, filters.date_to, filters.date_to)
    rows, total = list_bookings(
        db, ctx, start=start, end=end, status=filters.status or None, service_id=filters.service_id,
        client_user_id=filters.client_user_id, search=filters.search or None, order=filters.order,
        limit=limit, offset=offset, cursor=cursor, count=count, count_cap=count_cap,
    )
    return to_views(db, store.timezone, rows), total


def view_cursor(view: BookingView, order: str) -> str:
    """The cursor of the page that follows `view` in the list sorted by `order`."""
    return encode_cursor(order, [view.created_at if order.lstrip("-") == "created" else view.start_at], view.id)


def all_bookings(db: Session, ctx: TenantContext, filters: BookingFilters,
                 cap: int = CALENDAR_VIEW_LIMIT) -> list[BookingView]:
    """Every booking matching the filters (keyset page by page), up to `cap`."""
    result: list[BookingView] = []
    cursor = None
    while len(result) < cap:
        size = min(MAX_PAGE, cap - len(result))
        page, _ = find_bookings(db, ctx, filters, limit=size, cursor=cursor, count=False)
        result.extend(page)
        if len(page) < size:
            break
        cursor = view_cursor(page[-1], filters.order)
    return result


@dataclass(frozen=True)
class CalendarView:
    view: str
    first: date
    last: date
    days: list[date]
    bookings: list[BookingView]


def calendar_view(db: Session, ctx: TenantContext, view: str, anchor: date, *,
                  include_cancelled: bool = True) -> CalendarView:
    """The bookings of a day, a week or a month grid, in start order."""
    first, last = calendar_range(view, anchor, ctx.locale)
    rows = all_bookings(db, ctx, BookingFilters(date_from=first, date_to=last))
    if not include_cancelled:
        rows = [r for r in rows if r.status not in ("cancelled", "rescheduled")]
    days = [date.fromordinal(n) for n in range(first.toordinal(), last.toordinal() + 1)]
    return CalendarView(view, first, last, days, rows)


def booking_view(db: Session, ctx: TenantContext, booking_id: int) -> BookingView:
    """One booking of the store (NotFound for any other store's)."""
    from hub_app.domain.bookings.queries import get_booking

    store = dashboard_store(db, ctx)
    return to_views(db, store.timezone, [get_booking(db, ctx, booking_id)])[0]
