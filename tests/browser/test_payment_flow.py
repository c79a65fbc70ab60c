"""A booking with a 30% advance payment, paid in a real browser through the fake Stripe's hosted
checkout page, then confirmed by the app's own webhook endpoint and embedded worker.

This module runs its OWN production app (not `live_app`): Stripe keys come only from the
environment of the server process, and the shared app runs without them on purpose (its tests
check that payments are off). The app builds its frontend in its own folder, because the built
pages carry the server's port and `live_app` may be serving the project's `.web` meanwhile.
"""

from __future__ import annotations

import re
import time
from datetime import time as clock, timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import FrameLocator, Page, expect
from sqlalchemy import select

from hub_app.db import unit_of_work
from hub_app.domain.accounts.service import ensure_admin
from hub_app.domain.billing.models import Payment, PaymentKind, PaymentRecordStatus
from hub_app.domain.bookings.models import Booking, BookingStatus, PaymentStatus
from hub_app.domain.scheduling.service import ServiceInput, create_calendar, create_service, set_weekly_hours
from hub_app.domain.stores.models import Store
from hub_app.domain.stores.service import ManagerInput, StoreInput, onboard_store, update_store
from hub_app.domain.tenancy import TenantContext
from tests.browser.client_seed import engine_for, store_today
from tests.browser.conftest import production_app
from tests.browser.host_site import host_site
from tests.stripe.fake_stripe import FakeStripe

SLUG = "paid-colour-studio"
CLIENT = dict(first_name="Daphne", last_name="Pappa", age="41", phone="+306971112233",
              email="daphne.pays@example.com", address="Solonos 20, Athens", password="daphne-pass-123")


@pytest.fixture(scope="module")
def fake_stripe_server():
    fake = FakeStripe(secret_key="sk_test_browser_platform", webhook_secret="whsec_browser_platform",
                      connect_webhook_secret="whsec_browser_connect").start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def paying_app(tmp_path_factory, fake_stripe_server):
    data_dir = tmp_path_factory.mktemp("paying_app")
    extra_env = {**fake_stripe_server.app_env(),
                 "REFLEX_WEB_WORKDIR": str(data_dir / ".web"), "REFLEX_STATES_WORKDIR": str(data_dir / ".states")}
    with production_app(data_dir, extra_env) as app:
        fake_stripe_server.webhook_target = app.url("/webhooks/stripe")
        yield app


@pytest.fixture(scope="module")
def engine(paying_app):
    engine = engine_for(paying_app.data_dir)
    yield engine
    engine.dispose()


def wait_for(check, what: str, timeout: float = 30.0):
    """Poll the app's database: webhooks are delivered and processed asynchronously."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"{what} did not happen within {timeout:.0f}s")


def seed_paid_store(engine, fake: FakeStripe, *, slug: str = SLUG, recurring: bool = False) -> int:
    """A store enabled for payments, with a €40 colour service that asks for a 30% advance (or,
    `recurring`, is paid by a monthly subscription), whose Connect account finishes onboarding on
    the fake (account.updated reaches the app)."""
    with unit_of_work(TenantContext.system(), engine) as db:
        admin, _ = ensure_admin(db, "payments-admin@example.com", "payments-admin-pass")
        admin_ctx = TenantContext.for_user(admin)
    with unit_of_work(admin_ctx, engine) as db:
        store, _ = onboard_store(
            db, admin_ctx,
            StoreInput(name="Colour Studio", slug=slug, timezone="Europe/Athens", currency="EUR",
                       address="Skoufa 3", city="Athens", country="GR", phone_number="+302103611111",
                       email="colour@example.com"),
            ManagerInput(email=f"manager-{slug}@example.com", password="manager-pass-123"))
        store.stripe_enabled = True
        store_id = store.id
    ctx = admin_ctx.in_store(store_id)
    with unit_of_work(ctx, engine) as db:
        chair = create_calendar(db, ctx, "Chair")
        set_weekly_hours(db, ctx, chair.id, [{"weekday": d, "start": clock(9), "end": clock(17)} for d in range(7)])
        paid_by = (dict(is_recurring=True, recurring_interval="month") if recurring
                   else dict(advance_payment_type="percent", advance_payment_amount="30"))
        create_service(db, ctx, ServiceInput(
            name="Colour", duration_minutes=60, price_type="fixed", base_price_amount="40.00",
            calendar_ids=[chair.id], payment_enabled=True, **paid_by))
    account_id = fake.create_account({"type": "express", "country": "GR"}, None)["id"]
    with unit_of_work(TenantContext.system(), engine) as db:
        db.get(Store, store_id).stripe_account_id = account_id
    fake.complete_onboarding(account_id)

    def onboarded() -> bool:
        with unit_of_work(TenantContext.system(), engine) as db:
            return db.get(Store, store_id).stripe_onboarding_state == "complete"

    wait_for(onboarded, "the store's onboarding (account.updated webhook)")
    return store_id


def book_colour(page: Page, app, slug: str, client: dict[str, str]) -> None:
    """Book the store's Colour in three days through the wizard, registering `client` on the way."""
    page.goto(app.url(f"/{slug}"))
    page.get_by_role("link", name="Book: Colour").click()
    page.wait_for_url(re.compile(rf"/{slug}/book\?service=\d+$"))
    fill_in_colour_booking(page, client)


def fill_in_colour_booking(wizard: Page | FrameLocator, client: dict[str, str]) -> None:
    """The wizard's steps from the day on (on a page of the app, or framed on a store's site)."""
    day = store_today() + timedelta(days=3)
    expect(wizard.get_by_role("heading", name="Choose a day")).to_be_visible()
    cell = wizard.locator(f'button[data-day="{day.isoformat()}"]')
    if cell.count() == 0:
        wizard.get_by_role("button", name="Next month").click()
    cell.click()
    wizard.locator("#time-grid button").first.click()
    labels = {"first_name": "First name", "last_name": "Last name", "age": "Age", "phone": "Phone",
              "email": "Email", "address": "Address", "password": "Choose a password (at least 8 characters)"}
    for name, value in client.items():
        wizard.get_by_label(labels[name], exact=True).fill(value)
    wizard.get_by_role("button", name="Book now").click()


def test_advance_payment_through_checkout_confirms_the_booking(paying_app, page: Page, engine,
                                                               fake_stripe_server):
    store_id = seed_paid_store(engine, fake_stripe_server)
    book_colour(page, paying_app, SLUG, CLIENT)

    # Paid service: the booking waits for payment, its slot held.
    expect(page.locator("#confirmation")).to_contain_text("Waiting for payment")
    expect(page.locator("#payment-required")).to_be_visible()
    with unit_of_work(TenantContext.system(), engine) as db:
        booking = db.scalars(select(Booking).where(Booking.store_id == store_id)).one()
        booking_id = booking.id
        assert booking.status == BookingStatus.PENDING
        assert booking.total_amount == Decimal("40.00")
        assert booking.advance_payment_amount == Decimal("12.00")
        assert booking.hold_expires_at is not None

    page.locator("#pay-now").click()
    page.wait_for_url(re.compile(re.escape(fake_stripe_server.url) + r"/checkout/pay/cs_"))
    # 30% of €40.00, in minor units, on the store's connected account.
    expect(page.locator("#amount-minor")).to_have_text("1200")
    session_request = fake_stripe_server.requests_to("POST", "/v1/checkout/sessions")[-1]
    assert session_request.stripe_account == db_account_id(engine, store_id)
    assert session_request.idempotency_key

    page.locator("#pay").click()
    page.wait_for_url(re.compile(re.escape(paying_app.url("/account")) + r"/?\?payment=success"))
    expect(page.locator("#booking-message")).to_contain_text("your payment was received")

    def settled():
        with unit_of_work(TenantContext.system(), engine) as db:
            found = db.get(Booking, booking_id)
            return found if found.status == BookingStatus.CONFIRMED else None

    booking = wait_for(settled, "the booking's confirmation by the payment webhooks")
    assert booking.payment_status == PaymentStatus.PARTIAL
    assert booking.amount_paid == Decimal("12.00")
    fake_stripe_server.wait_idle()
    with unit_of_work(TenantContext.system(), engine) as db:
        payments = list(db.scalars(select(Payment).where(Payment.booking_id == booking_id)))
    # checkout.session.completed and payment_intent.succeeded both arrived: still ONE payment.
    assert len(payments) == 1
    payment = payments[0]
    assert (payment.kind, payment.status, payment.amount, payment.currency) == (
        PaymentKind.CHARGE, PaymentRecordStatus.SUCCEEDED, Decimal("12.00"), "EUR")
    assert payment.stripe_checkout_session_id.startswith("cs_")
    assert payment.stripe_payment_intent_id.startswith("pi_")
    assert all(d.status == 200 for d in fake_stripe_server.deliveries)

    page.reload()
    card = page.locator("#upcoming .booking-card")
    expect(card).to_have_count(1)
    expect(card).to_contain_text("Confirmed")


def db_account_id(engine, store_id: int) -> str:
    with unit_of_work(TenantContext.system(), engine) as db:
        return db.get(Store, store_id).stripe_account_id


def pay_subscription_checkout(page: Page, app, fake: FakeStripe, engine, store_id: int):
    """On the fake Stripe's Checkout the page was sent to: a subscription on the store's account,
    paid; back on /account; the subscription row once the webhooks have activated it."""
    from hub_app.domain.billing.models import ServiceSubscription, SubscriptionStatus

    page.wait_for_url(re.compile(re.escape(fake.url) + r"/checkout/pay/cs_"))
    session_request = fake.requests_to("POST", "/v1/checkout/sessions")[-1]
    assert session_request.params["mode"] == "subscription"
    assert session_request.stripe_account == db_account_id(engine, store_id)
    page.locator("#pay").click()
    page.wait_for_url(re.compile(re.escape(app.url("/account")) + r"/?\?subscription=success"))

    def active():
        with unit_of_work(TenantContext.system(), engine) as db:
            row = db.scalars(select(ServiceSubscription).where(ServiceSubscription.store_id == store_id)).first()
            return row if row is not None and row.status == SubscriptionStatus.ACTIVE else None

    return wait_for(active, "the subscription's activation by the webhooks")


def test_recurring_service_subscribes_in_the_wizard_and_cancels_in_account(paying_app, page: Page, engine,
                                                                           fake_stripe_server):
    """A recurring service: booked without a one-off charge, paid by a subscription started from
    the wizard on the store's account, listed on /account and cancelled there at period end."""
    slug = "monthly-colour-studio"
    store_id = seed_paid_store(engine, fake_stripe_server, slug=slug, recurring=True)
    client = dict(CLIENT, email="daphne.subscribes@example.com")
    book_colour(page, paying_app, slug, client)

    expect(page.locator("#confirmation")).to_contain_text("Confirmed")
    expect(page.locator("#pay-now")).to_have_count(0)
    expect(page.locator("#subscription-offer")).to_contain_text("/ month")
    page.locator("#subscribe").click()
    row = pay_subscription_checkout(page, paying_app, fake_stripe_server, engine, store_id)
    with unit_of_work(TenantContext.system(), engine) as db:
        assert not list(db.scalars(select(Payment).where(Payment.store_id == store_id,
                                                         Payment.booking_id.is_not(None))))
    page.reload()
    card = page.locator("#subscriptions .subscription-row")
    expect(card).to_have_count(1)
    expect(card).to_contain_text("Renews on")
    card.locator(".subscription-cancel").click()
    card.locator(".subscription-cancel-yes").click()
    expect(page.locator("#subscription-message")).to_contain_text("It will not renew")
    expect(card).to_contain_text("Ends on")
    assert fake_stripe_server.object(row.stripe_subscription_id)["cancel_at_period_end"] is True


def test_subscribing_inside_a_store_site_continues_on_the_account_page(paying_app, page: Page, engine,
                                                                       fake_stripe_server):
    """Stripe Checkout refuses to be framed: booked inside the store's own site, "Subscribe" opens
    the account page in a tab of its own (a real link, so no popup blocker stops it), where the
    booking offers the subscription; it is paid there and the offer goes away."""
    slug = "framed-monthly-studio"
    store_id = seed_paid_store(engine, fake_stripe_server, slug=slug, recurring=True)
    client = dict(CLIENT, email="daphne.framed@example.com")
    frame_tag = (f'<iframe title="Online booking" src="{paying_app.url("/embed/" + slug)}" '
                 'style="width:900px;height:1400px"></iframe>')
    with host_site("127.0.0.2", frame_tag) as host:
        with unit_of_work(TenantContext.system(), engine) as db:
            admin, _ = ensure_admin(db, "payments-admin@example.com", "payments-admin-pass")
            admin_ctx = TenantContext.for_user(admin)
        with unit_of_work(admin_ctx, engine) as db:
            update_store(db, admin_ctx, store_id, {"embed_domains": [host]})
        page.goto(host + "/")
        frame = page.frame_locator("iframe[title='Online booking']")
        frame.get_by_role("button", name=re.compile("Colour")).click()
        fill_in_colour_booking(frame, client)
        expect(frame.locator("#subscription-offer")).to_contain_text("/ month")
        link = frame.get_by_role("link", name="Subscribe")
        assert link.get_attribute("target") == "_blank"
        with page.context.expect_page() as opened:
            link.click()
    account = opened.value
    # The frame's sign-in lives in the host site's storage partition: this first-party tab asks
    # the client to sign in (with the password chosen in the frame) and then shows the account.
    account.wait_for_url(re.compile(r"/login\?next=/account"))
    account.locator("#login-email").fill(client["email"])
    account.locator("#login-password").fill(client["password"])
    account.locator("#login-submit").click()
    account.wait_for_url(paying_app.url("/account"))
    card = account.locator("#upcoming .booking-card")
    expect(card).to_have_count(1)
    card.get_by_role("button", name=re.compile(r"^Subscribe · .*month$")).click()
    row = pay_subscription_checkout(account, paying_app, fake_stripe_server, engine, store_id)
    with unit_of_work(TenantContext.system(), engine) as db:
        booking = db.scalars(select(Booking).where(Booking.store_id == store_id)).one()
    assert row.booking_id == booking.id
    account.reload()
    expect(account.locator("#subscriptions .subscription-row")).to_have_count(1)
    expect(account.locator("#upcoming .booking-card")).to_have_count(1)
    expect(account.locator("#upcoming .subscribe-booking")).to_have_count(0)
