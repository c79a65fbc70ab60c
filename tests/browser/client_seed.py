"""Data for the client-page browser tests, written through the domain layer into the live app's
SQLite file (the server reads the same file, so what is committed here is what the pages show)."""

from __future__ import annotations

import dataclasses
import itertools
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from hub_app.db import make_engine, unit_of_work
from hub_app.domain.accounts.service import ClientDetails, ensure_admin
from hub_app.domain.bookings.availability import free_slots
from hub_app.domain.bookings.service import BookingRequest, book
from hub_app.domain.scheduling.service import ServiceInput, create_calendar, create_service, set_weekly_hours
from hub_app.domain.stores.service import ManagerInput, StoreInput, onboard_store, update_store
from hub_app.domain.tenancy import TenantContext

ADMIN = ("browser-admin@example.com", "browser-admin-pass")
TIMEZONE = "Europe/Athens"
_seq = itertools.count(1)


@dataclasses.dataclass(frozen=True)
class SeededStore:
    store_id: int
    slug: str
    name: str
    haircut_id: int
    yoga_id: int


def engine_for(data_dir: Path) -> Engine:
    return make_engine(f"sqlite:///{data_dir / 'hub.db'}")


def _admin_ctx(engine: Engine) -> TenantContext:
    with unit_of_work(TenantContext.system(), engine) as db:
        admin, _ = ensure_admin(db, *ADMIN)
    return TenantContext.for_user(admin)


def make_salon(engine: Engine, prefix: str = "salon") -> SeededStore:
    """A store open 08:00-20:00 every day with a private haircut and a group yoga class."""
    n = next(_seq)
    slug, name = f"{prefix}-{n}", f"Salon {n} Kifisia"
    admin = _admin_ctx(engine)
    with unit_of_work(admin, engine) as db:
        store, _ = onboard_store(
            db, admin,
            StoreInput(name=name, slug=slug, timezone=TIMEZONE, currency="EUR", address="Kassaveti 5",
                       city="Kifisia", country="GR", phone_number="+302106231234",
                       email=f"{slug}@example.com", description="Cuts and small group yoga."),
            ManagerInput(email=f"manager-{slug}@example.com", password="manager-pass-123"),
        )
        store_id = store.id
    ctx = admin.in_store(store_id)
    with unit_of_work(ctx, engine) as db:
        chair = create_calendar(db, ctx, "Chair")
        studio = create_calendar(db, ctx, "Studio")
        hours = [{"weekday": d, "start": time(8), "end": time(20)} for d in range(7)]
        set_weekly_hours(db, ctx, chair.id, hours)
        set_weekly_hours(db, ctx, studio.id, hours)
        haircut = create_service(db, ctx, ServiceInput(
            name="Haircut", description="Wash, cut and style.", duration_minutes=60, price_type="fixed",
            base_price_amount="25.00", calendar_ids=[chair.id]))
        yoga = create_service(db, ctx, ServiceInput(
            name="Group yoga", duration_minutes=60, price_type="per_person", base_price_amount="12.00",
            min_persons=1, max_persons=4, capacity_persons=8, calendar_ids=[studio.id]))
        ids = haircut.id, yoga.id
    return SeededStore(store_id, slug, name, *ids)


def rename_slug(engine: Engine, store: SeededStore, new_slug: str) -> None:
    ctx = _admin_ctx(engine)
    with unit_of_work(ctx, engine) as db:
        update_store(db, ctx, store.store_id, {"slug": new_slug})


def store_today() -> date:
    return datetime.now(ZoneInfo(TIMEZONE)).date()


def first_slot_on(engine: Engine, store: SeededStore, service_id: int, day: date) -> datetime:
    ctx = TenantContext.anonymous(store.store_id)
    with unit_of_work(ctx, engine) as db:
        return free_slots(db, ctx, service_id, day, day)[0].start


def register_and_book(engine: Engine, store: SeededStore, service_id: int, start: datetime, *,
                      email: str, password: str, first_name: str = "Eleni") -> int:
    """Register a client by booking (the only way clients register) and return the booking id."""
    ctx = TenantContext.anonymous(store.store_id)
    details = ClientDetails(first_name=first_name, last_name="Returning", email=email, phone="+306971234567",
                            address="Athens", age=30, password=password)
    with unit_of_work(ctx, engine) as db:
        return book(db, ctx, BookingRequest(service_id=service_id, start=start), new_client=details).id


def book_as_someone_else(engine: Engine, store: SeededStore, service_id: int, start: datetime) -> int:
    """Another client takes `start` (the race the "just taken" message is about)."""
    n = next(_seq)
    return register_and_book(engine, store, service_id, start, email=f"other{n}-{store.slug}@example.com",
                             password="other-pass-123", first_name="Other")
