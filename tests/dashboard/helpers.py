"""Stores, bookings and clients for the dashboard tests, built through the domain layer."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from hub_app.domain.accounts.models import AppUser, UserRole
from hub_app.domain.bookings.models import Booking, BookingStatus
from hub_app.domain.tenancy import TenantContext
from tests.bookings.helpers import Shop, act, build_shop
from tests.factories import make_client, make_user

# A far-away Monday, so "today" never interferes with fixed dates.
MONDAY = date(2031, 3, 3)


def two_shops(db: Session) -> tuple[Shop, Shop]:
    """Store A and store B, each with a calendar open 09:00-17:00 and one 30-minute service."""
    return build_shop(db), build_shop(db)


def client(db: Session, **kw) -> AppUser:
    previous = db.info.get("tenant")
    act(db, TenantContext.system())
    user = make_client(db, **kw)
    if previous is not None:
        act(db, previous)
    return user


def add_booking(db: Session, shop: Shop, day: date, at: str, *, who: AppUser | None = None,
                status: BookingStatus = BookingStatus.CONFIRMED, total: str = "20.00", minutes: int = 30,
                calendar=None, service=None, persons: int = 1, created_at: datetime | None = None) -> Booking:
    """A booking row written as the system would (statuses the lifecycle reaches over time)."""
    previous = db.info.get("tenant")
    act(db, TenantContext.system())
    who = who or make_client(db)
    start = shop.local(day, at)
    local = start.astimezone(shop.tz)
    row = Booking(
        store_id=shop.store.id, client_user_id=who.id, service_id=(service or shop.service).id,
        calendar_id=(calendar or shop.calendars[0]).id, start_at=start, end_at=start + timedelta(minutes=minutes),
        booking_date=local.date(), start_time=local.time(), end_time=(local + timedelta(minutes=minutes)).time(),
        number_of_persons=persons, status=status, total_amount=Decimal(total), currency=shop.store.currency,
    )
    if created_at is not None:
        row.created_at = created_at
    db.add(row)
    db.flush()
    if previous is not None:
        act(db, previous)
    return row


def as_manager(db: Session, shop: Shop) -> TenantContext:
    ctx = shop.manager_ctx
    act(db, ctx)
    return ctx


def admin_ctx(db: Session, store_id: int | None = None) -> TenantContext:
    act(db, TenantContext.system())
    admin = make_user(db, UserRole.ADMIN)
    ctx = TenantContext.for_user(admin, store_id)
    act(db, ctx)
    return ctx


__all__ = ["MONDAY", "Shop", "act", "add_booking", "admin_ctx", "as_manager", "build_shop", "client", "time",
           "two_shops"]



def follow_export_link(path: str) -> str:
    """The CSV text behind a dashboard download path, read the way `GET /exports/<token>` reads it
    (tests/dashboard/test_csv_downloads.py covers the route itself over HTTP)."""
    from hub_app.api.exports import csv_rows, open_export

    ctx, link = open_export(path.rsplit("/", 1)[1])
    return b"".join(csv_rows(ctx, link)).decode("utf-8")
