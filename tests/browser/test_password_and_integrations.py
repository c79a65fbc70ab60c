"""Passwords and integrations in a real browser: a new manager sets a password from the onboarding
link and signs in; a client resets a forgotten password with the emailed link; a manager connects
Calendly (the fake), maps an event type and syncs; the Stripe onboarding button leads to the fake's
account link and the state becomes complete after a refresh.

This module runs its OWN production app: the Stripe and Calendly settings come only from the
server's environment (pointing at the fakes), and the shared `live_app` runs without them. The
app builds its frontend in its own folder (see `production_app`). Screenshots at 820 px and
390 px land in $HUB_SCREENSHOT_DIR (or the app's data folder).
"""

from __future__ import annotations

import os
import re
from datetime import datetime, time as clock, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

import tests.browser.conftest as browser_conftest
from hub_app.db import unit_of_work
from hub_app.domain.accounts.service import ensure_admin
from hub_app.domain.bookings.models import Booking, BookingSource
from hub_app.domain.integrations.models import CalendlyEventTypeLink
from hub_app.domain.notifications.models import Notification, NotificationKind
from hub_app.domain.stores.administration import onboard_store_with_manager
from hub_app.domain.stores.models import Store
from hub_app.domain.stores.service import StoreInput
from hub_app.domain.tenancy import TenantContext
from tests.browser.client_seed import (
    TIMEZONE, engine_for, first_slot_on, make_salon, register_and_book, store_today,
)
from tests.calendly.fake_calendly import FakeCalendly
from tests.stripe.fake_stripe import FakeStripe

TABLET = {"width": 820, "height": 1180}
PHONE = {"width": 390, "height": 844}
CALENDLY_TOKEN = "pat-browser-token-7"


@pytest.fixture(scope="module")
def fake_stripe():
    fake = FakeStripe(secret_key="sk_test_browser_integrations", webhook_secret="whsec_browser_int",
                      connect_webhook_secret="whsec_browser_int_connect").start()
    yield fake  # no webhook target: the page's refresh is what brings the account's new state
    fake.stop()


@pytest.fixture(scope="module")
def fake_calendly():
    fake = FakeCalendly().start()
    fake.add_token(CALENDLY_TOKEN)
    fake.add_event_type("Consultation", 30)
    fake.add_event_type("Colour session", 90)
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def app(tmp_path_factory, fake_stripe, fake_calendly):
    data_dir = tmp_path_factory.mktemp("integrations_app")
    extra_env = {**fake_stripe.app_env(), "CALENDLY_API_BASE": fake_calendly.base_url,
                 "REFLEX_WEB_WORKDIR": str(data_dir / ".web"), "REFLEX_STATES_WORKDIR": str(data_dir / ".states")}
    with pytest.MonkeyPatch.context() as patch:
        pinned = os.environ.get("HUB_BROWSER_PORT")
        if pinned:  # where ports are handed out per person, run on the one given
            patch.setattr(browser_conftest, "_free_port", lambda: int(pinned))
        with browser_conftest.production_app(data_dir, extra_env) as served:
            yield served


@pytest.fixture(scope="module")
def engine(app):
    engine = engine_for(app.data_dir)
    yield engine
    engine.dispose()


def viewport(browser, size: dict) -> Page:
    context = browser.new_context(viewport=size)
    page = context.new_page()
    page.set_default_timeout(20_000)
    return page


@pytest.fixture
def tablet(browser):
    page = viewport(browser, TABLET)
    yield page
    page.context.close()


@pytest.fixture
def phone(browser):
    page = viewport(browser, PHONE)
    yield page
    page.context.close()


def shoot(page: Page, app, name: str) -> None:
    folder = Path(os.environ.get("HUB_SCREENSHOT_DIR") or app.data_dir / "screens")
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}-{page.viewport_size['width']}.png"), full_page=True)
    # Nothing may stick out sideways, at tablet or phone width.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), name


def sign_in(page: Page, app, email: str, password: str, landing: str) -> None:
    page.goto(app.url("/login"))
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.locator("#login-submit").click()
    page.wait_for_url(re.compile(landing))


def token_of(link_text: str) -> str:
    link = re.search(r"https?://\S+/set-password\?token=\S+", link_text).group(0)
    return parse_qs(urlsplit(link).query)["token"][0]


def choose_password(page: Page, password: str, confirmation: str | None = None) -> None:
    page.get_by_label("Choose a password (at least 8 characters)").fill(password)
    page.get_by_label("Type the password again").fill(confirmation or password)
    page.locator("#setpw-submit").click()


def manager_of(salon) -> str:
    return f"manager-{salon.slug}@example.com"


# --- passwords --------------------------------------------------------------------------------


def test_a_new_manager_sets_a_password_from_the_onboarding_link_and_signs_in(app, engine, tablet, phone):
    with unit_of_work(TenantContext.system(), engine) as db:
        admin, _ = ensure_admin(db, "integrations-admin@example.com", "integrations-admin-pass")
        admin_ctx = TenantContext.for_user(admin)
    with unit_of_work(admin_ctx, engine) as db:
        onboarded = onboard_store_with_manager(
            db, admin_ctx, StoreInput(name="Studio Nea Smyrni", slug="studio-nea-smyrni", timezone=TIMEZONE,
                                      currency="EUR", country="GR", email="studio@example.com"),
            "Nikos.Manager@example.com", "Nikos", "Pappas")
        link = onboarded.setup_link
    setup = app.url("/set-password?token=" + token_of(link))

    phone.goto(setup)
    expect(phone.locator("#setpw-title")).to_have_text("Set your password")
    expect(phone.locator("#setpw-email")).to_have_text("nikos.manager@example.com")
    shoot(phone, app, "set-password")

    page = tablet
    page.goto(setup)
    choose_password(page, "nikos-new-pass-1", "nikos-typo-pass-1")
    expect(page.locator("#setpw-confirm_password-error")).to_contain_text("not the same")
    choose_password(page, "short")
    expect(page.locator("#setpw-password-error")).to_contain_text("at least 8 characters")
    choose_password(page, "nikos-new-pass-1")
    expect(page.locator("#setpw-done")).to_contain_text("Sign in with your email and the new password")
    shoot(page, app, "set-password-done")

    page.locator("#setpw-sign-in").click()
    page.wait_for_url(re.compile(r"/login$"))
    sign_in(page, app, "nikos.manager@example.com", "nikos-new-pass-1", r"/manage$")
    expect(page.locator("#manage-store-name")).to_have_text("Studio Nea Smyrni")

    page.goto(setup)  # the link works once
    expect(page.locator("#setpw-refused")).to_contain_text("already used")
    expect(page.locator("#setpw-new-link")).to_have_attribute("href", "/forgot-password")
    page.goto(app.url("/set-password?token=not-a-real-token"))
    expect(page.locator("#setpw-refused")).to_contain_text("This link is not valid")


def test_a_client_resets_a_forgotten_password_with_the_emailed_link(app, engine, tablet, phone):
    salon = make_salon(engine, prefix="reset")
    email = "forgetful.client@example.com"
    day = store_today() + timedelta(days=3)
    register_and_book(engine, salon, salon.haircut_id, first_slot_on(engine, salon, salon.haircut_id, day),
                      email=email, password="old-client-pass-1")

    page = tablet
    page.goto(app.url("/login"))
    page.locator("#login-forgot").click()
    page.wait_for_url(re.compile(r"/forgot-password$"))
    # The address changes before the new page replaces the sign-in page, whose Email field
    # would take the typing: wait for this page's own form first.
    expect(page.locator("#forgot-submit")).to_be_visible()
    page.get_by_label("Email", exact=True).fill(email)
    page.locator("#forgot-submit").click()
    expect(page.locator("#forgot-sent")).to_contain_text(f"If an account exists for {email}")

    # An unknown address gets the same answer, and no email.
    phone.goto(app.url("/login"))
    expect(phone.locator("#login-forgot")).to_have_attribute("href", "/forgot-password")
    shoot(phone, app, "login")
    phone.goto(app.url("/forgot-password"))
    phone.get_by_label("Email", exact=True).fill("nobody.here@example.com")
    phone.locator("#forgot-submit").click()
    expect(phone.locator("#forgot-sent")).to_contain_text("If an account exists for nobody.here@example.com")
    shoot(phone, app, "forgot-password")

    with unit_of_work(TenantContext.system(), engine) as db:
        rows = list(db.scalars(select(Notification).where(Notification.kind == NotificationKind.ACCOUNT,
                                                          Notification.to_address.in_([email, "nobody.here@example.com"]))))
        assert [(r.to_address, r.store_id) for r in rows] == [(email, salon.store_id)]
        body = rows[0].body

    page.goto(app.url("/set-password?token=" + token_of(body)))
    expect(page.locator("#setpw-title")).to_have_text("Choose a new password")
    choose_password(page, "new-client-pass-2")
    expect(page.locator("#setpw-done")).to_be_visible()
    sign_in(page, app, email, "new-client-pass-2", r"/account$")
    expect(page.locator("#nav-account")).to_be_visible()


# --- integrations -----------------------------------------------------------------------------


def test_connect_calendly_map_an_event_type_and_sync(app, engine, fake_calendly, tablet, phone):
    salon = make_salon(engine, prefix="calendly")
    page = tablet
    sign_in(page, app, manager_of(salon), "manager-pass-123", r"/manage$")
    page.locator("#nav-integrations").click()
    page.wait_for_url(re.compile(r"/manage/integrations$"))
    expect(page.locator("#calendly-state")).to_have_attribute("data-state", "not_connected")

    token_field = page.get_by_label("Calendly personal access token")
    token_field.fill("a-revoked-or-mistyped-token")
    page.locator("#calendly-connect").click()
    expect(page.locator("#manage-error")).to_contain_text("Calendly did not accept this token")
    expect(page.locator("#calendly-token-error")).to_contain_text("did not accept")

    page.get_by_label("Calendly personal access token").fill(CALENDLY_TOKEN)
    page.locator("#calendly-connect").click()
    expect(page.locator("#manage-notice")).to_contain_text("Calendly is connected")
    expect(page.locator("#calendly-state")).to_have_attribute("data-state", "connected")
    expect(page.locator("#calendly-webhook")).to_have_attribute("data-state", "active")
    expect(page.get_by_label("Calendly personal access token")).to_have_value("")  # write-only
    assert CALENDLY_TOKEN not in page.content()
    cards = page.locator(".event-type")
    expect(cards).to_have_count(2)

    consultation = cards.filter(has_text="Consultation")
    expect(consultation.locator(".mapping")).to_have_text("Not imported")
    consultation.get_by_label("Calendar").select_option(label="Chair")
    consultation.get_by_label("Service").select_option(label="Haircut")
    consultation.locator(".save-mapping").click()
    expect(page.locator("#manage-notice")).to_contain_text("Bookings of “Consultation” now arrive here")
    expect(consultation.locator(".mapping")).to_have_text("→ Chair · Haircut")
    uri = consultation.get_attribute("data-uri")
    with unit_of_work(TenantContext.system(), engine) as db:
        link = db.scalar(select(CalendlyEventTypeLink).where(CalendlyEventTypeLink.store_id == salon.store_id))
        assert (link.event_type_uri, link.service_id, link.name) == (uri, salon.haircut_id, "Consultation")

    page.locator("#calendly-refresh-webhook").click()
    expect(page.locator("#manage-notice")).to_contain_text("Webhook checked: Active")

    start = datetime.combine(store_today() + timedelta(days=4), clock(11), tzinfo=ZoneInfo(TIMEZONE))
    fake_calendly.book(uri, start, email="booked.on.calendly@example.com", name="Ioanna Calendly")
    page.locator("#calendly-sync").click()
    expect(page.locator("#manage-notice")).to_contain_text("new bookings: 1")
    expect(page.locator("#calendly-synced")).not_to_have_text("Never")
    with unit_of_work(TenantContext.system(), engine) as db:
        imported = db.scalar(select(Booking).where(Booking.store_id == salon.store_id,
                                                   Booking.source == BookingSource.CALENDLY))
        assert imported is not None and imported.service_id == salon.haircut_id
    shoot(page, app, "integrations-calendly")

    phone_page = phone
    sign_in(phone_page, app, manager_of(salon), "manager-pass-123", r"/manage$")
    phone_page.goto(app.url("/manage/integrations"))
    expect(phone_page.locator(".event-type")).to_have_count(2)
    shoot(phone_page, app, "integrations-calendly")

    # Calendly stops accepting the token: the page says so and a new token brings it back.
    fake_calendly.revoke(CALENDLY_TOKEN)
    page.reload()
    expect(page.locator("#calendly-state")).to_have_attribute("data-state", "broken")
    expect(page.locator("#manage-error")).to_contain_text("Calendly did not accept this token")
    fake_calendly.add_token("pat-browser-token-8")
    page.get_by_label("Calendly personal access token").fill("pat-browser-token-8")
    page.locator("#calendly-connect").click()
    expect(page.locator("#calendly-state")).to_have_attribute("data-state", "connected")
    expect(page.locator(".event-type").filter(has_text="Consultation").locator(".mapping")).to_have_text(
        "→ Chair · Haircut")

    page.locator("#calendly-disconnect").click()
    page.locator("#calendly-disconnect-yes").click()
    expect(page.locator("#manage-notice")).to_contain_text("Calendly is disconnected")
    expect(page.locator("#calendly-state")).to_have_attribute("data-state", "disconnected")
    expect(page.locator(".event-type")).to_have_count(0)


def test_stripe_onboarding_leads_to_the_account_link_and_completes_after_a_refresh(app, engine, fake_stripe,
                                                                                 tablet, phone):
    salon = make_salon(engine, prefix="stripe")
    with unit_of_work(TenantContext.system(), engine) as db:
        db.get(Store, salon.store_id).stripe_enabled = True  # the admin's switch
    page = tablet
    sign_in(page, app, manager_of(salon), "manager-pass-123", r"/manage$")
    page.goto(app.url("/manage/integrations"))
    expect(page.locator("#stripe-state")).to_have_attribute("data-state", "not_started")
    expect(page.locator("#payments-available")).to_have_attribute("data-available", "0")
    expect(page.locator("#payments-reason")).to_contain_text("has not finished setting up its Stripe account")
    shoot(page, app, "integrations-stripe-start")

    page.locator("#stripe-onboard").click()
    page.wait_for_url(re.compile(re.escape(fake_stripe.url) + r"/connect/onboarding/acct_\w+$"))
    with unit_of_work(TenantContext.system(), engine) as db:
        account_id = db.get(Store, salon.store_id).stripe_account_id
    assert page.url == f"{fake_stripe.url}/connect/onboarding/{account_id}"
    [link_request] = [r for r in fake_stripe.requests_to("POST", "/v1/account_links")
                      if r.params["account"] == account_id]
    assert link_request.params["return_url"] == app.url("/manage/integrations?stripe=return")
    assert link_request.params["refresh_url"] == app.url("/manage/integrations?stripe=refresh")

    fake_stripe.complete_onboarding(account_id)  # the manager finished Stripe's forms
    page.goto(app.url("/manage/integrations"))
    expect(page.locator("#stripe-state")).to_have_attribute("data-state", "pending")
    page.locator("#stripe-refresh").click()
    expect(page.locator("#manage-notice")).to_contain_text("The Stripe status is up to date")
    expect(page.locator("#stripe-state")).to_have_attribute("data-state", "complete")
    expect(page.locator("#payments-available")).to_have_attribute("data-available", "1")
    expect(page.locator("#payments-reason")).to_have_count(0)
    shoot(page, app, "integrations-stripe-complete")

    sign_in(phone, app, manager_of(salon), "manager-pass-123", r"/manage$")
    phone.goto(app.url("/manage/integrations"))
    expect(phone.locator("#stripe-state")).to_have_attribute("data-state", "complete")
    shoot(phone, app, "integrations-stripe-complete")
    phone.locator("#lang-el").click()
    expect(phone.locator("#manage-title")).to_have_text("Συνδέσεις")
    expect(phone.locator("#stripe-state")).to_have_text("Έτοιμος")
    shoot(phone, app, "integrations-el")
