"""Every client and manager page, opened with Greek chosen in the header, shows no English: the
page text may not contain any English catalog value of three words or more (placeholders cut
out), except the few values that read the same in Greek (see the catalog test's allow-list)."""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import Page, expect

from hub_app.db import unit_of_work
from hub_app.domain.accounts.models import AppUser
from hub_app.domain.billing.service import mark_paid_at_store
from hub_app.domain.stores.models import Store
from hub_app.domain.tenancy import TenantContext
from hub_app.i18n import catalog
from tests.browser.client_seed import first_slot_on, make_salon, register_and_book, store_today
from tests.i18n.test_catalogs_translated import SAME_IN_GREEK

MIN_WORDS = 3


def english_phrases() -> dict[str, str]:
    """Each English value's fixed parts long enough to be a sentence, mapped to their key."""
    en, el = catalog("en"), catalog("el")
    phrases: dict[str, str] = {}
    for key, value in en.items():
        if key in SAME_IN_GREEK or key.startswith("sqladmin:") or el.get(key) == value:
            continue
        for part in re.split(r"\{\w+\}", value):
            part = " ".join(part.split()).strip(" .,:;–-")
            if len(part.split(" ")) >= MIN_WORDS:
                phrases.setdefault(part, key)
    return phrases


PHRASES = english_phrases()


def english_on(page: Page) -> list[str]:
    text = " ".join(page.locator("body").inner_text().split())
    assert re.search(r"[\u0370-\u03ff]{4}", text), f"{page.url} is not in Greek at all"
    return sorted(f"{key}: {phrase!r}" for phrase, key in PHRASES.items() if phrase in text)


def visit(page: Page, url: str, ready: str) -> list[str]:
    page.goto(url)
    expect(page.locator(ready).first).to_be_visible()
    page.wait_for_load_state("networkidle")
    return [f"{url} {found}" for found in english_on(page)]


def sign_in(page: Page, live_app, email: str, password: str, landing: str | None = None) -> None:
    page.goto(live_app.url("/login"))
    expect(page.locator("#login-submit")).to_be_enabled()
    page.wait_for_load_state("networkidle")  # the form is wired to its state before it is filled
    page.locator("#login-email").fill(email)
    page.locator("#login-password").fill(password)
    page.locator("#login-submit").click()
    if landing:
        page.wait_for_url(re.compile(landing))
    else:  # a client is sent back where they came from: wait for the session itself
        page.wait_for_function("() => (window.localStorage.getItem('hub_session') || '').length > 2")


def test_greek_pages_show_no_english(live_app, page: Page, engine):
    salon = make_salon(engine, prefix="greek")
    start = first_slot_on(engine, salon, salon.haircut_id, store_today() + timedelta(days=2))
    booking_id = register_and_book(engine, salon, salon.haircut_id, start, email=f"eleni-{salon.slug}@example.com",
                                   password="eleni-pass-123")
    with unit_of_work(TenantContext.system(), engine) as db:
        manager = db.get(AppUser, db.get(Store, salon.store_id).manager_user_id)
    manager_ctx = TenantContext.for_user(manager)
    with unit_of_work(manager_ctx, engine) as db:  # paid: the booking detail lists the charge to refund
        mark_paid_at_store(db, manager_ctx, booking_id)
    page.goto(live_app.url("/login"))
    page.get_by_role("button", name="Ελληνικά").click()
    expect(page.get_by_role("button", name="Ελληνικά")).to_have_attribute("aria-pressed", "true")

    found: list[str] = []
    client_pages = {
        "/": "#app-title", "/no/such/page": "h1, h2", f"/{salon.slug}": ".service-card",
        f"/{salon.slug}/book?service={salon.haircut_id}": "h1, h2", "/login": "#login-submit",
        "/forgot-password": "form", "/set-password?token=nonsense": "h1, h2",
        "/confirm-email?token=nonsense": "h1, h2", "/invite?token=nonsense": "h1, h2",
    }
    for path, ready in client_pages.items():
        found += visit(page, live_app.url(path), ready)

    sign_in(page, live_app, f"eleni-{salon.slug}@example.com", "eleni-pass-123")
    found += visit(page, live_app.url("/account"), "#upcoming .booking-card")

    page.goto(live_app.url("/login"))
    page.locator("#login-sign-out").click()
    # Signing out goes home; only then is the sign-in form the one to use (before, it raced the redirect).
    page.wait_for_url(re.compile(r"^[^?#]*://[^/]+/$"))
    page.goto(live_app.url("/login"))
    expect(page.locator("#login-submit")).to_be_visible()
    sign_in(page, live_app, f"manager-{salon.slug}@example.com", "manager-pass-123", r"/manage$")
    for section in ("", "/bookings", "/calendars", "/services", "/clients", "/notifications", "/store",
                    "/subscription", "/integrations", "/bookings?view=list"):
        found += visit(page, live_app.url(f"/manage{section}"), "main h1, main h2")
    # The booking detail, with its payments and refunds.
    page.locator(f'[data-booking-id="{booking_id}"]').click()
    expect(page.locator("#booking-refunds")).to_be_visible()
    found += [f"booking detail {phrase}" for phrase in english_on(page)]
    assert found == [], "English on Greek pages:\n" + "\n".join(found)
