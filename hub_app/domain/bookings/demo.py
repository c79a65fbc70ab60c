"""Demo bookings for the demo store: a few clients and about ten bookings over the next days.

Made through `book`, so they obey every rule a real booking does. Idempotent: a store that already
has bookings gets none added (the logins are printed again).
"""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from hub_app.db import unit_of_work
from hub_app.domain.accounts.models import UserRole
from hub_app.domain.accounts.service import ClientDetails, find_user_by_email, register_client
from hub_app.domain.bookings.availability import free_slots
from hub_app.domain.bookings.models import Booking
from hub_app.domain.bookings.service import BookingRequest, book
from hub_app.domain.errors import DomainError, NotFound
from hub_app.domain.scheduling.models import Service
from hub_app.domain.stores.service import get_store_by_slug
from hub_app.domain.tenancy import TenantContext
from hub_app.domain.types import utcnow

CLIENT_PASSWORD = "client-demo-pass"
DEMO_CLIENTS = [
    ("Eleni", "Georgiou", "eleni@example.com", "+306971234567", 34),
    ("Nikos", "Dimitriou", "nikos@example.com", "+306981234567", 41),
    ("Sofia", "Ioannou", "sofia@example.com", "+306991234567", 27),
]
BOOKINGS_PER_SERVICE = (4, 3, 3)


def _clients(store_country: str | None) -> list[int]:
    ids = []
    with unit_of_work(TenantContext.system()) as db:
        for first, last, email, phone, age in DEMO_CLIENTS:
            user = find_user_by_email(db, email) or register_client(db, ClientDetails(
                first_name=first, last_name=last, email=email, phone=phone, address="Athens", age=age,
                password=CLIENT_PASSWORD), region=store_country or "GR")
            ids.append(user.id)
    return ids


def seed_demo_bookings(slug: str) -> list[str]:
    with unit_of_work(TenantContext.system()) as db:
        try:
            store = get_store_by_slug(db, slug)
        except NotFound:
            return []
        store_id, country, tz = store.id, store.country, store.timezone
    login = f"client login:  {DEMO_CLIENTS[0][2]} / {CLIENT_PASSWORD}  (/login)"
    with unit_of_work(TenantContext.system(store_id)) as db:
        if db.scalar(select(func.count(Booking.id))):
            return [login]
        services = [s.id for s in db.scalars(select(Service).where(Service.is_archived.is_(False)).order_by(Service.id))]
    client_ids = _clients(country)
    today = utcnow().astimezone(ZoneInfo(tz)).date()
    made = 0
    for n_service, service_id in enumerate(services):
        wanted = BOOKINGS_PER_SERVICE[n_service % len(BOOKINGS_PER_SERVICE)]
        with unit_of_work(TenantContext.anonymous(store_id)) as db:
            slots = free_slots(db, TenantContext.anonymous(store_id), service_id,
                               today + timedelta(days=1), today + timedelta(days=7))
        # Spread over the week: every k-th free start.
        picks = slots[:: max(len(slots) // (wanted + 1), 1)][1: wanted + 1]
        for i, slot in enumerate(picks):
            client_id = client_ids[(made + i) % len(client_ids)]
            ctx = TenantContext(store_id=store_id, user_id=client_id, role=UserRole.CLIENT)
            try:
                with unit_of_work(ctx) as db:
                    book(db, ctx, BookingRequest(service_id=service_id, start=slot.start,
                                                 idempotency_key=f"demo-{service_id}-{i}"))
                made += 1
            except DomainError:
                continue  # a start that another demo booking took: skip it
    return [f"demo bookings: {made} created", login]
