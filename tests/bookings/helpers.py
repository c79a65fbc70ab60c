"""Building shops for booking tests through the scheduling domain functions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from hub_app.domain.accounts.models import AppUser, UserRole
from hub_app.domain.bookings.models import Booking, BookingStatus
from hub_app.domain.scheduling.models import Calendar, Service
from hub_app.domain.scheduling.service import ServiceInput, create_calendar, create_service, set_weekly_hours
from hub_app.domain.stores.models import Store
from hub_app.domain.tenancy import NO_ID, TenantContext
from hub_app.row_security import publish_rls
from tests.factories import make_client, make_store, make_user

UTC = timezone.utc
# A far-away Monday: nothing in the tests depends on today's date.
MONDAY = date(2031, 3, 3)


def act(db: Session, ctx: TenantContext) -> Session:
    """Switch the session's actor (the ORM scoping and, on PostgreSQL, the RLS settings)."""
    db.info["tenant"] = ctx
    if db.get_bind().dialect.name == "postgresql":
        store_id, user_id = ctx.criteria_ids
        publish_rls(db, store_id, user_id, bypass=ctx.bypass)
    return db


@dataclass
class Shop:
    store: Store
    manager: AppUser
    calendars: list[Calendar]
    service: Service
    tz: ZoneInfo
    extra: dict = field(default_factory=dict)

    @property
    def manager_ctx(self) -> TenantContext:
        return TenantContext.for_user(self.manager)

    def anonymous(self) -> TenantContext:
        return TenantContext.anonymous(self.store.id)

    def local(self, day: date, at: time | str, fold: int = 0) -> datetime:
        if isinstance(at, str):
            at = time.fromisoformat(at)
        return datetime.combine(day, at, tzinfo=self.tz).replace(fold=fold).astimezone(UTC)


def build_shop(db: Session, *, tz: str = "Europe/Athens", calendars: int = 1,
               hours: list[tuple[str, str]] | None = None, weekdays=range(7), store_kw: dict | None = None,
               **service_kw) -> Shop:
    """A store with `calendars` calendars open `hours` on `weekdays`, all offering one service."""
    act(db, TenantContext.system())
    defaults = dict(min_notice_minutes=0, booking_horizon_days=100000, cancellation_cutoff_hours=24)
    defaults.update(store_kw or {})
    store, manager = make_store(db, timezone=tz, **defaults)
    ctx = TenantContext.for_user(manager)
    act(db, ctx)
    cals = [create_calendar(db, ctx, f"Chair {i + 1}") for i in range(calendars)]
    hours = hours or [("09:00", "17:00")]
    for cal in cals:
        set_weekly_hours(db, ctx, cal.id, [{"weekday": d, "start": s, "end": e} for d in weekdays for s, e in hours])
    values = dict(name="Cut", duration_minutes=30, price_type="fixed", base_price_amount="20.00")
    values.update(service_kw)
    service = create_service(db, ctx, ServiceInput(calendar_ids=[c.id for c in cals], **values))
    return Shop(store=store, manager=manager, calendars=cals, service=service, tz=ZoneInfo(tz))


def new_client(db: Session, shop: Shop | None = None) -> tuple[AppUser, TenantContext]:
    previous = db.info.get("tenant")
    act(db, TenantContext.system())
    client = make_client(db)
    if previous is not None:
        act(db, previous)
    return client, TenantContext.for_user(client, store_id=shop.store.id if shop else None)


def local_starts(shop: Shop, slots) -> list[str]:
    return [s.start.astimezone(shop.tz).strftime("%H:%M") for s in slots]


def next_monday_after(days: int = 14) -> date:
    today = datetime.now(UTC).date() + timedelta(days=days)
    return today + timedelta(days=(7 - today.weekday()) % 7)


def insert_booking(db, shop, start, minutes=30, calendar=None, service=None, persons=1,
                   status=BookingStatus.CONFIRMED, hold=None):
    """A booking row as another writer (an import, an older version) might have left it."""
    act(db, TenantContext.system())
    client = make_user(db, UserRole.CLIENT)
    local = start.astimezone(shop.tz)
    row = Booking(store_id=shop.store.id, client_user_id=client.id, service_id=(service or shop.service).id,
                  calendar_id=(calendar or shop.calendars[0]).id, start_at=start, end_at=start + timedelta(minutes=minutes),
                  booking_date=local.date(), start_time=local.time(), end_time=(local + timedelta(minutes=minutes)).time(),
                  number_of_persons=persons, status=status, total_amount=Decimal("0"), hold_expires_at=hold)
    db.add(row)
    db.flush()
    return row


__all__ = ["MONDAY", "NO_ID", "Shop", "UTC", "act", "build_shop", "insert_booking", "local_starts", "new_client", "next_monday_after"]
