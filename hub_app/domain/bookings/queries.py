"""Reading bookings: one booking, a store's list with filters, a client's own, a store's clients."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, literal, or_, select
from sqlalchemy.orm import Session

from hub_app.domain.accounts.models import AppUser
from hub_app.domain.bookings.access import visible_booking
from hub_app.domain.bookings.models import Booking, BookingStatus
from hub_app.domain.bookings.paging import (
    COUNT_CAP, after, capped_count, check_offset, decode_cursor, encode_cursor,
)
from hub_app.domain.clients.membership import record_addresses
from hub_app.domain.errors import NotAuthenticated, PermissionDenied, ValidationFailed, invalid_field
from hub_app.domain.permissions import Feature, allowed, require
from hub_app.domain.reporting.models import ClientStoreStats
from hub_app.domain.tenancy import NO_ID, TenantContext
from hub_app.i18n import t

MAX_PAGE = 500
# order -> (sort column, descending); the id breaks ties. Each has an index on (store_id, column, id).
ORDERS = {
    "start": (Booking.start_at, False),
    "-start": (Booking.start_at, True),
    "created": (Booking.created_at, False),
    "-created": (Booking.created_at, True),
}


@dataclass(frozen=True)
class ClientSummary:
    user_id: int
    first_name: str
    last_name: str
    email: str
    phone_number: str | None
    address: str | None
    age: int | None
    bookings_count: int
    last_booking_start: datetime | None

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


def get_booking(db: Session, ctx: TenantContext, booking_id: int) -> Booking:
    """A booking its client, its store's managers or an admin may see; NotFound for anyone else."""
    return visible_booking(db, ctx, booking_id)


def _page(limit: int, offset: int, locale: str | None) -> tuple[int, int]:
    try:
        limit, offset = int(limit), int(offset)
    except (TypeError, ValueError):
        raise invalid_field("limit", "validation.page_numbers", locale, max=MAX_PAGE)
    if not 1 <= limit <= MAX_PAGE or offset < 0:
        raise invalid_field("limit", "validation.page_numbers", locale, max=MAX_PAGE)
    return limit, check_offset(offset, locale)


def _order_by(order: str):
    column, descending = ORDERS[order]
    return (column.desc(), Booking.id.desc()) if descending else (column.asc(), Booking.id.asc())


def booking_cursor(booking: Booking, order: str) -> str:
    """The cursor of the page that follows `booking` in `order`."""
    column, _ = ORDERS[order]
    return encode_cursor(order, [getattr(booking, column.key)], booking.id)


def next_cursor(rows: list[Booking], order: str, limit: int) -> str | None:
    """The next page's cursor, or None when this page was the last (it was not full)."""
    return booking_cursor(rows[-1], order) if rows and len(rows) >= limit else None


def _statuses(status: object, locale: str | None) -> list[BookingStatus]:
    values = [status] if isinstance(status, (str, BookingStatus)) else list(status)  # type: ignore[arg-type]
    try:
        return [BookingStatus(v) for v in values]
    except ValueError:
        message = t("validation.one_of", locale, allowed=", ".join(s.value for s in BookingStatus))
        raise ValidationFailed(message, fields={"status": message})


def _search_condition(search: str):
    pattern = _pattern(search)
    # The same expressions as the trigram indexes of migration 0018 (a search inside a word).
    full_name = func.lower(AppUser.first_name + " " + AppUser.last_name)
    return or_(full_name.like(pattern, escape="\\"), func.lower(AppUser.email).like(pattern, escape="\\"))


def _pattern(search: str) -> str:
    return "%" + search.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _searched_clients(db: Session, search: str):
    """The ids of the store's clients a search names, found first so a rare name does not walk a
    large store's whole history looking for its bookings.

    On PostgreSQL through `hub_store_client_search` (migration 0018): row-level security keeps a
    LIKE (not leakproof) from using an index on a protected table, so the search runs as the
    owner over the trigram indexes, limited to the clients of the store in the transaction's
    `app.store_id`: it reveals nothing a manager of that store cannot already read.
    """
    if db.get_bind().dialect.name == "postgresql":
        return select(func.hub_store_client_search(_pattern(search)).table_valued("user_id").c.user_id)
    return select(AppUser.id).where(_search_condition(search))


def list_bookings(db: Session, ctx: TenantContext, *, start: datetime | None = None, end: datetime | None = None,
                  status: object = None, service_id: int | None = None, client_user_id: int | None = None,
                  search: str | None = None, order: str = "start", limit: int = 100,
                  offset: int = 0, cursor: str | None = None, count: bool = True,
                  count_cap: int = COUNT_CAP) -> tuple[list[Booking], int]:
    """The store's bookings (managers, admins), filtered; returns one page and how many match,
    counted up to COUNT_CAP + 1 (more reads as "over COUNT_CAP").

    `start`/`end` select bookings starting in [start, end); `status` is one status or several;
    `search` matches the client's name or email. `cursor` (from `next_cursor`) starts the page
    after the row it names; `offset` skips rows, up to MAX_OFFSET. With `count=False` the
    total is not counted (0): for readers that page through everything anyway.
    """
    require(ctx, Feature.VIEW_BOOKINGS)
    limit, offset = _page(limit, offset, ctx.locale)
    if order not in ORDERS:
        message = t("validation.one_of", ctx.locale, allowed=", ".join(ORDERS))
        raise ValidationFailed(message, fields={"order": message})
    # The store named outright (besides the tenant criteria, which also admit a client's own
    # bookings elsewhere): the planner then walks the (store_id, sort column, id) index in order.
    conditions = [Booking.store_id == (ctx.store_id if ctx.store_id is not None else NO_ID)]
    for name, value in (("start", start), ("end", end)):
        if value is not None and (not isinstance(value, datetime) or value.tzinfo is None):
            raise invalid_field(name, "booking.start_offset", ctx.locale)
    if start is not None:
        conditions.append(Booking.start_at >= start)
    if end is not None:
        conditions.append(Booking.start_at < end)
    if status:
        conditions.append(Booking.status.in_(_statuses(status, ctx.locale)))
    if service_id is not None:
        conditions.append(Booking.service_id == service_id)
    if client_user_id is not None:
        conditions.append(Booking.client_user_id == client_user_id)
    if search and search.strip():
        conditions.append(Booking.client_user_id.in_(_searched_clients(db, search)))
    # Counted in the page's order: the planner walks the ordered index and stops at the cap.
    counted = select(Booking.id).where(*conditions).order_by(*_order_by(order))
    total = capped_count(db, counted, count_cap) if count else 0
    column, descending = ORDERS[order]
    if cursor:
        (value,), row_id = decode_cursor(cursor, order, (datetime,), ctx.locale)
        conditions.append(after([column], Booking.id, [literal(value, column.type)], row_id, descending))
    rows = db.scalars(select(Booking).where(*conditions).order_by(*_order_by(order)).limit(limit).offset(offset)).all()
    return list(rows), total


def my_bookings(db: Session, ctx: TenantContext) -> list[Booking]:
    """The signed-in client's own bookings in every store, latest start first.

    The matrix gives "View Own Bookings" to clients only: staff never book for themselves, and a
    store's bookings are read through `list_bookings`, so they are refused here rather than shown
    an empty list that reads as "no bookings".
    """
    if ctx.user_id is None:
        raise NotAuthenticated(t("auth.not_signed_in", ctx.locale))
    if not allowed(ctx, Feature.VIEW_OWN_BOOKINGS):
        raise PermissionDenied(t("booking.own_bookings_clients_only", ctx.locale))
    return list(db.scalars(
        select(Booking).where(Booking.client_user_id == ctx.user_id).order_by(Booking.start_at.desc(), Booking.id.desc())
    ))


CLIENT_ORDER = (AppUser.last_name, AppUser.first_name)


def client_cursor(client: ClientSummary) -> str:
    """The cursor of the clients page that follows `client` (name order, id breaking ties)."""
    return encode_cursor("name", [client.last_name, client.first_name], client.user_id)


def next_client_cursor(rows: list[ClientSummary], limit: int) -> str | None:
    return client_cursor(rows[-1]) if rows and len(rows) >= limit else None


def list_clients(db: Session, ctx: TenantContext, search: str | None = None, limit: int = 100,
                 offset: int = 0, cursor: str | None = None, count: bool = True) -> tuple[list[ClientSummary], int]:
    """The store's clients (who booked there or accepted its invitation) by name, with their number
    of bookings there and latest start, and how many match (counted up to COUNT_CAP + 1).
    Unclaimed Calendly records show the address Calendly sent.

    Read from `client_store_stats` (one row per store and client, kept by triggers): a large
    store's page walks the name index and looks each person up there, a small store's reads its
    few rows, and neither groups the store's bookings.
    """
    require(ctx, Feature.VIEW_CLIENTS)
    limit, offset = _page(limit, offset, ctx.locale)
    store_id = ctx.store_id if ctx.store_id is not None else NO_ID
    stats = ClientStoreStats
    conditions = [stats.store_id == store_id, or_(stats.bookings > 0, stats.linked.is_(True))]
    if search and search.strip():
        conditions.append(AppUser.id.in_(_searched_clients(db, search)))
    joined = select(AppUser.id).join(stats, stats.client_user_id == AppUser.id)
    total = capped_count(db, joined.where(*conditions)) if count else 0
    if cursor:
        (last, first), row_id = decode_cursor(cursor, "name", (str, str), ctx.locale)
        conditions.append(after(list(CLIENT_ORDER), AppUser.id, [last, first], row_id, False))
    rows = db.execute(
        select(AppUser, stats.bookings, stats.last_start_at).join(stats, stats.client_user_id == AppUser.id)
        .where(*conditions).order_by(*CLIENT_ORDER, AppUser.id).limit(limit).offset(offset)
    ).all()
    shown = record_addresses(db, store_id, [user.id for user, _, _ in rows])
    summaries = [
        ClientSummary(user_id=user.id, first_name=user.first_name, last_name=user.last_name,
                      email=shown.get(user.id, user.email), phone_number=user.phone_number, address=user.address,
                      age=user.age, bookings_count=int(count or 0), last_booking_start=_aware(last))
        for user, count, last in rows
    ]
    return summaries, total


def _aware(value: datetime | None) -> datetime | None:
    # An aggregate comes back without the column type (naive on SQLite).
    if value is None or value.tzinfo is not None:
        return value
    from datetime import timezone

    return value.replace(tzinfo=timezone.utc)
