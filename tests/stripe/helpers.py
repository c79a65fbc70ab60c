"""Test data for the Stripe tests, built the way the app builds it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from hub_app import db as hub_db
from hub_app.domain.accounts.models import AppUser
from hub_app.domain.billing import service as billing
from hub_app.domain.bookings.models import Booking, BookingStatus
from hub_app.domain.scheduling.models import AdvancePaymentType, Calendar, PriceType, Service
from hub_app.domain.stores.models import Store
from hub_app.domain.tenancy import TenantContext
from hub_app.domain.types import utcnow
from tests.factories import make_client, make_store
from tests.stripe.fake_stripe import FakeStripe

@dataclass
class PaidShop:
    store_id: int
    manager_id: int
    client_id: int
    calendar_id: int
    service_id: int
    account_id: str
    fake: FakeStripe

    def manager_ctx(self) -> TenantContext:
        with hub_db.unit_of_work(TenantContext.system()) as db:
            return TenantContext.for_user(db.get(AppUser, self.manager_id))

    def client_ctx(self) -> TenantContext:
        with hub_db.unit_of_work(TenantContext.system()) as db:
            return TenantContext.for_user(db.get(AppUser, self.client_id), store_id=self.store_id)


def onboard(fake: FakeStripe, drain, store_id: int) -> str:
    """Run the real Connect onboarding: account + link through the API, then account.updated."""
    with hub_db.unit_of_work(TenantContext.system()) as db:
        manager = db.get(AppUser, db.get(Store, store_id).manager_user_id)
    ctx = TenantContext.for_user(manager)
    with hub_db.unit_of_work(ctx) as db:
        link = billing.start_onboarding(db, ctx, return_url="http://app/return", refresh_url="http://app/refresh")
        account_id = db.get(Store, store_id).stripe_account_id
    assert link.endswith(account_id)
    fake.complete_onboarding(account_id)
    drain()
    return account_id


def make_paid_shop(fake: FakeStripe, drain) -> PaidShop:
    """A payment-enabled store, onboarded on the fake, with a €40 service (advance €10) and a client."""
    with hub_db.unit_of_work(TenantContext.system()) as db:
        store, manager = make_store(db, stripe_enabled=True, cancellation_cutoff_hours=24)
        calendar = Calendar(store_id=store.id, name="Chair")
        service = Service(store_id=store.id, name="Colour", duration_minutes=60, price_type=PriceType.FIXED,
                          base_price_amount=Decimal("40.00"), payment_enabled=True,
                          advance_payment_type=AdvancePaymentType.FIXED, advance_payment_amount=Decimal("10.00"))
        db.add_all([calendar, service])
        client = make_client(db)
        db.flush()
        ids = (store.id, manager.id, client.id, calendar.id, service.id)
    account_id = onboard(fake, drain, ids[0])
    return PaidShop(*ids, account_id=account_id, fake=fake)


def pending_booking(shop: PaidShop, *, start_in: timedelta = timedelta(days=3), total: str = "40.00",
                    advance: str | None = "10.00", currency: str = "EUR", hold_minutes: int = 15) -> int:
    """A booking as the booking engine leaves it for a paid service: PENDING with a hold."""
    start = (utcnow() + start_in).replace(microsecond=0)
    with hub_db.unit_of_work(TenantContext.system()) as db:
        booking = Booking(store_id=shop.store_id, client_user_id=shop.client_id, service_id=shop.service_id,
                          calendar_id=shop.calendar_id, start_at=start, end_at=start + timedelta(hours=1),
                          booking_date=start.date(), start_time=start.time(), end_time=(start + timedelta(hours=1)).time(),
                          status=BookingStatus.PENDING, total_amount=Decimal(total),
                          advance_payment_amount=Decimal(advance) if advance else None, currency=currency,
                          hold_expires_at=utcnow() + timedelta(minutes=hold_minutes))
        db.add(booking)
        db.flush()
        return booking.id


def load(model, row_id: int):
    with hub_db.unit_of_work(TenantContext.system()) as db:
        return db.get(model, row_id)


def rows(query):
    with hub_db.unit_of_work(TenantContext.system()) as db:
        return list(db.scalars(query))

