"""Domain-facing functions of the Bookings section: each opens a unit of work with the caller's
TenantContext and returns plain rows for the page. A booking id of another store is simply not
found by the domain (NotFound), whatever the page sent."""

from __future__ import annotations

import secrets
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from hub_app.db import unit_of_work
from hub_app.domain.accounts.service import ClientDetails
from hub_app.domain.billing.refund_options import refundable_charges
from hub_app.domain.billing.refunds import cancel_with_refund, refund_payment
from hub_app.domain.bookings.availability import free_slots
from hub_app.domain.bookings.listing import (
    BookingFilters,
    booking_view,
    calendar_view,
    find_bookings,
    view_cursor,
)
from hub_app.domain.bookings.models import BookingSource
from hub_app.domain.bookings.service import (
    BookingRequest,
    book,
    complete_booking,
    confirm_booking,
    mark_no_show,
    reschedule_booking,
)
from hub_app.domain.calendar_sync import service as calendar_sync
from hub_app.domain.clients.card import client_card
from hub_app.domain.errors import ValidationFailed
from hub_app.domain.reporting.export_links import bookings_export_link
from hub_app.domain.scheduling.service import list_services
from hub_app.domain.stores.access import dashboard_store
from hub_app.domain.stores.local_time import local_today
from hub_app.domain.tenancy import TenantContext
from hub_app.domain.types import utcnow
from hub_app.i18n import format_date, format_datetime, format_money, format_time, t
from hub_app.manage.shell.present import booking_row

MONTH_CHIPS = 3
MINUTE_PX = 1  # one pixel per minute in the day and week grids


def list_page(ctx: TenantContext, filters: BookingFilters, cursor: str,
              size: int) -> tuple[list[dict[str, str]], int, str]:
    """One page of the list (after `cursor`), how many match (capped), and the next page's cursor."""
    with unit_of_work(ctx) as db:
        store = dashboard_store(db, ctx)
        views, total = find_bookings(db, ctx, filters, limit=size, cursor=cursor or None)
    following = view_cursor(views[-1], filters.order) if len(views) >= size else ""
    return [booking_row(v, store.timezone, ctx.locale) for v in views], total, following


def export_link(ctx: TenantContext, filters: BookingFilters) -> str:
    """The download path of the bookings the filters select, streamed over HTTP (a refused period
    or size raises ValidationFailed here, shown next to the filters)."""
    with unit_of_work(ctx) as db:
        return bookings_export_link(db, ctx, filters)


def _lanes(items: list[dict[str, str]]) -> None:
    """Side by side placement of overlapping bookings within one day column."""
    cluster: list[dict[str, str]] = []
    lane_ends: list[int] = []
    cluster_end = -1

    def close() -> None:
        for item in cluster:
            item["left"] = f"{100 * int(item['lane']) / len(lane_ends):.3f}%"
            item["width"] = f"{100 / len(lane_ends):.3f}%"

    for item in sorted(items, key=lambda i: (int(i["start_minute"]), int(i["end_minute"]))):
        start, end = int(item["start_minute"]), int(item["end_minute"])
        if start >= cluster_end and cluster:
            close()
            cluster, lane_ends = [], []
        lane = next((n for n, lane_end in enumerate(lane_ends) if lane_end <= start), None)
        if lane is None:
            lane_ends.append(end)
            lane = len(lane_ends) - 1
        else:
            lane_ends[lane] = end
        item["lane"] = str(lane)
        cluster.append(item)
        cluster_end = max(cluster_end, end)
    if cluster:
        close()


def calendar_grid(ctx: TenantContext, view: str, anchor: date) -> dict:
    """Days, the bookings of each placed at their times, and the hour labels of the grid."""
    with unit_of_work(ctx) as db:
        store = dashboard_store(db, ctx)
        grid = calendar_view(db, ctx, view, anchor)
    loc, tz = ctx.locale, store.timezone
    today = local_today(tz, utcnow())
    rows = [booking_row(v, tz, loc) | {"start_minute": str(v.start_minute), "end_minute": str(max(v.end_minute, v.start_minute + 15))}
            for v in grid.bookings]
    first_hour = min([8] + [int(r["start_minute"]) // 60 for r in rows])
    last_hour = max([20] + [-(-int(r["end_minute"]) // 60) for r in rows])
    by_day: dict[str, list[dict[str, str]]] = {d.isoformat(): [] for d in grid.days}
    for row in rows:
        by_day.setdefault(row["day"], []).append(row)
    days, items, more = [], [], []
    for day in grid.days:
        day_rows = by_day[day.isoformat()]
        if view == "month":
            shown = day_rows[:MONTH_CHIPS]
            more.append(str(max(len(day_rows) - MONTH_CHIPS, 0)))
        else:
            shown = day_rows
            for row in shown:
                row["top"] = f"{(int(row['start_minute']) - first_hour * 60) * MINUTE_PX}px"
                row["height"] = f"{(int(row['end_minute']) - int(row['start_minute'])) * MINUTE_PX}px"
            _lanes(shown)
            more.append("0")
        days.append({
            "iso": day.isoformat(), "day": str(day.day),
            "label": format_date(day, locale=loc, fmt="EEE d MMM" if view != "month" else "d"),
            "today": "1" if day == today else "", "in_month": "1" if day.month == anchor.month else "",
            "count": str(len(day_rows)),
        })
        items.append(shown)
    hours = [{"label": f"{h:02d}:00", "top": f"{(h - first_hour) * 60 * MINUTE_PX}px"} for h in range(first_hour, last_hour)]
    # Busy time from outside calendars (CalDAV, ICS, Calendly), shown behind the bookings.
    external = ([[] for _ in grid.days] if view == "month" else
                external_blocks(ctx, grid.days, tz, first_hour, last_hour, MINUTE_PX))
    return {
        "title": _title(view, grid.first, grid.last, anchor, loc), "days": days, "items": items, "more": more,
        "external": external,
        "hours": hours, "height": f"{(last_hour - first_hour) * 60 * MINUTE_PX}px", "count": len(rows),
    }


def _title(view: str, first: date, last: date, anchor: date, loc: str) -> str:
    if view == "day":
        return format_date(anchor, locale=loc, fmt="full")
    if view == "month":
        return format_date(anchor, locale=loc, fmt="LLLL y")
    return f"{format_date(first, locale=loc, fmt='medium')} – {format_date(last, locale=loc, fmt='medium')}"


def detail(ctx: TenantContext, booking_id: int) -> dict[str, str]:
    with unit_of_work(ctx) as db:
        store = dashboard_store(db, ctx)
        return booking_row(booking_view(db, ctx, booking_id), store.timezone, ctx.locale)


def _act(ctx: TenantContext, change) -> dict[str, str]:
    with unit_of_work(ctx) as db:
        booking = change(db)
        store = dashboard_store(db, ctx)
        return booking_row(booking_view(db, ctx, booking.id), store.timezone, ctx.locale)


def confirm(ctx: TenantContext, booking_id: int) -> dict[str, str]:
    return _act(ctx, lambda db: confirm_booking(db, ctx, booking_id))


def cancel(ctx: TenantContext, booking_id: int, reason: str) -> dict[str, str]:
    # The store cancels: whatever the client paid is refunded in full (billing's policy).
    return _act(ctx, lambda db: cancel_with_refund(db, ctx, booking_id, reason or None))


def complete(ctx: TenantContext, booking_id: int) -> dict[str, str]:
    return _act(ctx, lambda db: complete_booking(db, ctx, booking_id))


def no_show(ctx: TenantContext, booking_id: int) -> dict[str, str]:
    return _act(ctx, lambda db: mark_no_show(db, ctx, booking_id))


def reschedule(ctx: TenantContext, booking_id: int, new_start: datetime) -> dict[str, str]:
    return _act(ctx, lambda db: reschedule_booking(db, ctx, booking_id, new_start))


def free_times(ctx: TenantContext, service_id: int, day: date, persons: int = 1) -> list[dict[str, str]]:
    with unit_of_work(ctx) as db:
        store = dashboard_store(db, ctx)
        slots = free_slots(db, ctx, service_id, day, day, persons=persons)
    return [{"iso": s.start.isoformat(), "label": format_time(s.start, store.timezone, ctx.locale),
             "remaining": str(s.remaining)} for s in slots]


def service_options(ctx: TenantContext) -> list[dict[str, str]]:
    with unit_of_work(ctx) as db:
        dashboard_store(db, ctx)
        services = list_services(db, ctx)
    return [{"id": str(s.id), "name": s.name, "min": str(s.min_persons), "max": str(s.max_persons)} for s in services]


def phone_booking(ctx: TenantContext, *, service_id: int, start: datetime, persons: int, notes: str,
                  client_user_id: int | None, new_client: dict[str, str] | None) -> dict[str, str]:
    """Book for a client on the phone: an existing client of the store, or a new one (who gets a
    random password: they sign in later through a password reset, never with one made up here)."""
    details = None
    if client_user_id is None and new_client is not None:
        details = ClientDetails(first_name=new_client.get("first_name", ""), last_name=new_client.get("last_name", ""),
                                email=new_client.get("email", ""), phone=new_client.get("phone", ""),
                                address=new_client.get("address", ""), age=new_client.get("age", ""),
                                password=secrets.token_urlsafe(24), locale=new_client.get("locale") or ctx.locale)
    request = BookingRequest(service_id=service_id, start=start, persons=persons, notes=notes or None,
                             source=BookingSource.MANAGER)

    def place(db):
        if client_user_id is not None:
            # Only someone who already booked here: a guessed id must not reveal (or book) a
            # person of another store.
            client_card(db, ctx, client_user_id)
        return book(db, ctx, request, new_client=details, client_user_id=client_user_id)

    return _act(ctx, place)


def month_anchor_label(anchor: date, loc: str) -> str:
    return format_date(anchor, locale=loc, fmt="LLLL y")


def parse_start(iso: str) -> datetime | None:
    try:
        value = datetime.fromisoformat(iso)
    except (TypeError, ValueError):
        return None
    return value if value.tzinfo is not None else None


def store_zone(ctx: TenantContext) -> ZoneInfo:
    with unit_of_work(ctx) as db:
        return ZoneInfo(dashboard_store(db, ctx).timezone)


def external_blocks(ctx: TenantContext, days: list[date], tz: str, first_hour: int, last_hour: int,
                    minute_px: float) -> list[list[dict[str, str]]]:
    """Per day of the bookings calendar (day and week views), the outside busy time placed on the
    grid like the bookings, clipped to the hours shown; marked as external on the page."""
    if not days:
        return []
    zone = ZoneInfo(tz)
    first = datetime.combine(days[0], time(0), tzinfo=zone)
    last = datetime.combine(days[-1] + timedelta(days=1), time(0), tzinfo=zone)
    with unit_of_work(ctx) as db:
        busy = calendar_sync.external_busy_in_store(db, ctx, first, last)
    placed: list[list[dict[str, str]]] = []
    for day in days:
        top = datetime.combine(day, time(first_hour), tzinfo=zone)
        bottom = datetime.combine(day, time(0), tzinfo=zone) + timedelta(hours=last_hour)
        shown = []
        for b in busy:
            start, end = max(b.start_at, top), min(b.end_at, bottom)
            if end <= start:
                continue
            offset = (start - top).total_seconds() / 60
            length = (end - start).total_seconds() / 60
            shown.append({"top": f"{offset * minute_px:.0f}px", "height": f"{max(length, 15) * minute_px:.0f}px",
                          "label": format_time(b.start_at, tz, ctx.locale) + "–" + format_time(b.end_at, tz, ctx.locale),
                          "source": b.source, "calendar_id": str(b.calendar_id or "")})
        placed.append(shown)
    return placed


# --- refunds ---------------------------------------------------------------------------------


def charge_rows(ctx: TenantContext, booking_id: int) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """(the paid charges, the refunds made of them): flat rows, as the page lists them."""
    with unit_of_work(ctx) as db:
        tz = dashboard_store(db, ctx).timezone
        charges = refundable_charges(db, ctx, booking_id)
    loc = ctx.locale

    def when(value) -> str:
        return format_datetime(value, tz, loc) if value else ""

    rows = [{
        "id": str(c.id), "paid": format_money(c.amount, c.currency, loc), "left": format_money(c.left, c.currency, loc),
        "can_refund": "1" if c.left > 0 else "", "suggested": f"{c.suggested:.2f}", "paid_at": when(c.paid_at),
        "method": t("manage.refunds.at_store" if c.payment_method == "at_store" else "manage.refunds.online", loc),
    } for c in charges]
    made = [{"id": str(r.id), "charge": str(c.id), "amount": format_money(r.amount, c.currency, loc),
             "when": when(r.made_at), "status": t(f"manage.refunds.status_{r.status}", loc)}
            for c in charges for r in c.refunds]
    return rows, made


def parse_amount(text: str, locale: str) -> Decimal:
    """A typed amount ("12.50" or "12,50"); anything else is a field error, never a crash."""
    try:
        amount = Decimal(text.strip().replace(",", "."))
    except (InvalidOperation, AttributeError):
        amount = Decimal("NaN")
    if not amount.is_finite() or amount <= 0:
        message = t("manage.refunds.bad_amount", locale)
        raise ValidationFailed(message, fields={"amount": message})
    return amount


def refund(ctx: TenantContext, payment_id: int, amount_text: str, reason: str) -> None:
    amount = parse_amount(amount_text, ctx.locale)
    with unit_of_work(ctx) as db:
        refund_payment(db, ctx, payment_id, amount, reason=reason.strip()[:200] or "requested_by_customer")
