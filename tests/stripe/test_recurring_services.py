"""Recurring services from the pages: subscribe in the booking wizard (no one-off charge), list and
cancel at period end on /account, and the manager's read-only view on the client's card. Stripe is
the fake; its webhooks reach our endpoint and change what the client and the manager see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from hub_app import db as hub_db
from hub_app.domain.accounts.models import AppUser
from hub_app.domain.accounts.service import open_session_token
from hub_app.domain.billing.checkout import start_booking_checkout
from hub_app.domain.billing.models import Payment, ServiceSubscription, SubscriptionStatus
from hub_app.domain.billing.service_subscription_views import (
    client_subscriptions, my_subscription_stores, my_subscriptions_in_store,
)
from hub_app.domain.bookings.availability import free_slots
from hub_app.domain.bookings.models import Booking, BookingStatus
from hub_app.domain.errors import Conflict, PermissionDenied
from hub_app.domain.tenancy import TenantContext
from hub_app.domain.types import utcnow
from hub_app.state.account_subscriptions import AccountSubscriptionsState
from hub_app.state.booking import BookingState
from hub_app.manage.clients.state import ClientsState
from tests.bookings.helpers import build_shop
from tests.factories import make_client
from tests.page_states import open_page, run
from tests.stripe.helpers import load, onboard, rows


@dataclass
class RecurringShop:
    store_id: int
    slug: str
    service_id: int
    manager_id: int
    client_id: int
    account_id: str

    def token(self, user_id: int) -> str:
        with hub_db.unit_of_work(TenantContext.system()) as db:
            return open_session_token(db, db.get(AppUser, user_id))

    def ctx(self, user_id: int, store_id: int | None = None) -> TenantContext:
        with hub_db.unit_of_work(TenantContext.system()) as db:
            return TenantContext.for_user(db.get(AppUser, user_id), store_id)


@pytest.fixture
def recurring(stripe_env, worker) -> RecurringShop:
    """An onboarded store whose €50 service recurs monthly and takes payments online, and a client."""
    with hub_db.unit_of_work(TenantContext.system()) as db:
        shop = build_shop(db, store_kw={"stripe_enabled": True}, name="Monthly massage", duration_minutes=60,
                          base_price_amount="50.00", payment_enabled=True, is_recurring=True,
                          recurring_interval="month")
        client = make_client(db)
        ids = (shop.store.id, shop.store.slug, shop.service.id, shop.manager.id, client.id)
    return RecurringShop(*ids, account_id=onboard(stripe_env, worker, ids[0]))


def _wizard_booking(shop: RecurringShop) -> BookingState:
    """The wizard walked through its own handlers by the signed-in client, up to the confirmation."""
    wizard = open_page(BookingState, path=f"/{shop.slug}/book", token=shop.token(shop.client_id))
    run(wizard, "load_store")
    run(wizard, "start_wizard")
    run(wizard, "choose_service", str(shop.service_id))
    manager = shop.ctx(shop.manager_id)
    day = utcnow().date() + timedelta(days=3)
    with hub_db.unit_of_work(manager) as db:
        start = free_slots(db, manager, shop.service_id, day, day)[0].start
    wizard.month = f"{day.year:04d}-{day.month:02d}"
    run(wizard, "pick_day", day.isoformat())
    [slot] = [s for s in wizard.slots if datetime.fromisoformat(s["iso"]) == start]
    run(wizard, "pick_time", slot["iso"], slot["remaining"])
    run(wizard, "submit_as_signed_in")
    assert wizard.step == "done", wizard.form_error
    return wizard


def _subscribed(shop: RecurringShop, fake, worker) -> ServiceSubscription:
    wizard = _wizard_booking(shop)
    redirect = run(wizard, "subscribe")
    assert redirect is not None, wizard.form_error
    fake.pay_checkout_session(fake_session_id(fake, shop.account_id))
    worker()
    [row] = rows(select(ServiceSubscription))
    return row


def fake_session_id(fake, account_id: str) -> str:
    [session] = [o for o in fake.objects.values() if o.get("object") == "checkout.session"
                 and o.get("mode") == "subscription" and fake.owner[o["id"]] == account_id]
    return session["id"]


def test_wizard_offers_the_subscription_and_takes_no_one_off_charge(recurring, stripe_env, worker):
    fake = stripe_env
    wizard = _wizard_booking(recurring)
    booking = load(Booking, int(wizard.confirmation["id"]))
    # The booking is placed, but not held for a one-off payment: the subscription pays.
    assert booking.status == BookingStatus.CONFIRMED and booking.hold_expires_at is None
    assert wizard.confirmation["pending"] == ""
    assert "50.00" in wizard.confirmation["subscribe"] and "month" in wizard.confirmation["subscribe"]
    with pytest.raises(Conflict):
        start_booking_checkout(recurring.ctx(recurring.client_id, recurring.store_id), booking.id)

    redirect = run(wizard, "subscribe")
    assert redirect is not None, wizard.form_error
    [created] = fake.requests_to("POST", "/v1/checkout/sessions")
    assert created.stripe_account == recurring.account_id and created.params["mode"] == "subscription"
    meta = created.params["subscription_data"]["metadata"]
    [row] = rows(select(ServiceSubscription))
    assert meta["service_subscription_id"] == str(row.id) and row.booking_id == booking.id
    assert created.params["success_url"].endswith("/account?subscription=success")

    fake.pay_checkout_session(fake_session_id(fake, recurring.account_id))
    worker()
    row = load(ServiceSubscription, row.id)
    assert row.status == SubscriptionStatus.ACTIVE and row.current_period_end is not None
    payments = rows(select(Payment))
    assert [p.service_subscription_id for p in payments] == [row.id]   # the invoice, no booking charge
    assert all(p.booking_id is None for p in payments)


def test_account_lists_the_subscription_and_cancels_it_at_period_end(recurring, stripe_env, worker):
    fake = stripe_env
    row = _subscribed(recurring, fake, worker)
    client = recurring.ctx(recurring.client_id)
    # Across stores, as on /account: row-level security lets the client find their own rows.
    with hub_db.unit_of_work(client) as db:
        assert my_subscription_stores(db, client) == [recurring.store_id]

    page = open_page(AccountSubscriptionsState, path="/account", token=recurring.token(recurring.client_id))
    run(page, "load_subscriptions")
    [shown] = page.subscriptions
    assert shown["service"] == "Monthly massage" and shown["status"] == "active" and shown["cancellable"]
    assert shown["period"].startswith("Renews on") and "month" in shown["price"]

    run(page, "ask_cancel_subscription", shown["id"])
    run(page, "cancel_subscription", shown["id"])
    assert page.subscription_error == ""
    [update] = fake.requests_to("POST", f"/v1/subscriptions/{row.stripe_subscription_id}")
    assert update.stripe_account == recurring.account_id and update.params["cancel_at_period_end"] == "true"
    assert fake.object(row.stripe_subscription_id)["cancel_at_period_end"] is True
    [shown] = page.subscriptions
    assert shown["status"] == "active" and not shown["cancellable"] and shown["period"].startswith("Ends on")

    worker()   # customer.subscription.updated from the store's account
    assert load(ServiceSubscription, row.id).cancel_at_period_end is True
    fake.end_subscription_period(row.stripe_subscription_id)
    worker()
    assert load(ServiceSubscription, row.id).status == SubscriptionStatus.CANCELLED
    run(page, "load_subscriptions")
    [shown] = page.subscriptions
    assert shown["status"] == "cancelled" and not shown["cancellable"]


def test_a_cancellation_made_on_stripe_reaches_the_account_page(recurring, stripe_env, worker):
    fake = stripe_env
    row = _subscribed(recurring, fake, worker)
    with fake.lock:   # the store cancels in its Stripe dashboard: only the webhook tells us
        fake.update_subscription(row.stripe_subscription_id, {"cancel_at_period_end": "true"}, recurring.account_id)
    worker()
    page = open_page(AccountSubscriptionsState, path="/account", token=recurring.token(recurring.client_id))
    run(page, "load_subscriptions")
    [shown] = page.subscriptions
    assert shown["period"].startswith("Ends on") and not shown["cancellable"]


def test_manager_sees_the_clients_subscriptions_on_the_client_card(recurring, stripe_env, worker):
    row = _subscribed(recurring, stripe_env, worker)
    page = open_page(ClientsState, path="/manage/clients", token=recurring.token(recurring.manager_id))
    run(page, "open_dashboard")
    run(page, "load")
    run(page, "open_client", str(recurring.client_id))
    assert page.error_text == ""
    [shown] = page.subscriptions
    assert shown["id"] == str(row.id) and shown["status"] == "active" and shown["period"].startswith("Renews on")

    # Another store's manager sees nothing of it; a client cannot use the manager's view.
    with hub_db.unit_of_work(TenantContext.system()) as db:
        other = build_shop(db)
        other_manager = other.manager.id
    other_ctx = recurring.ctx(other_manager)
    with hub_db.unit_of_work(other_ctx) as db:
        assert client_subscriptions(db, other_ctx, recurring.client_id) == []
    client = recurring.ctx(recurring.client_id, recurring.store_id)
    with hub_db.unit_of_work(client) as db:
        with pytest.raises(PermissionDenied):
            client_subscriptions(db, client, recurring.client_id)
        assert [v.id for v in my_subscriptions_in_store(db, client)] == [row.id]
