"""The store page and the wizard fit a phone (390 px) and a desktop, and are usable by keyboard.

Screenshots land in $HUB_SCREENSHOT_DIR (or the live app's data folder) for a look by eye.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.client_seed import engine_for, make_salon, store_today

VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}


@pytest.fixture(scope="module")
def salon(live_app):
    engine = engine_for(live_app.data_dir)
    try:
        yield make_salon(engine, prefix="layout")
    finally:
        engine.dispose()


def _shots_dir(live_app) -> Path:
    path = Path(os.environ.get("HUB_SCREENSHOT_DIR") or live_app.data_dir / "screens")
    path.mkdir(parents=True, exist_ok=True)
    return path


def _horizontal_overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_store_page_and_wizard_fit_the_screen(live_app, browser, salon, viewport):
    context = browser.new_context(viewport=VIEWPORTS[viewport])
    page = context.new_page()
    page.set_default_timeout(20_000)
    shots = _shots_dir(live_app)
    try:
        page.goto(live_app.url(f"/{salon.slug}"))
        expect(page.locator(".service-card")).to_have_count(2)
        assert _horizontal_overflow(page) == 0
        page.screenshot(path=shots / f"store-{viewport}.png", full_page=True)

        page.get_by_role("link", name="Book: Haircut").click()
        expect(page.get_by_role("heading", name="Choose a day")).to_be_visible()
        assert _horizontal_overflow(page) == 0
        page.screenshot(path=shots / f"wizard-day-{viewport}.png", full_page=True)

        day = store_today() + timedelta(days=2)
        cell = page.locator(f'button[data-day="{day.isoformat()}"]')
        if cell.count() == 0:
            page.get_by_role("button", name="Next month").click()
        cell.click()
        page.locator("#time-grid button").first.click()
        page.get_by_role("button", name="Book now").click()
        expect(page.locator("#reg-first_name-error")).to_be_visible()
        assert _horizontal_overflow(page) == 0
        page.screenshot(path=shots / f"wizard-details-{viewport}.png", full_page=True)

        for label, value in (("First name", "Ioanna"), ("Last name", "Layout"), ("Age", "29"),
                             ("Phone", "6971234567"), ("Email", f"layout-{viewport}@example.com"),
                             ("Address", "Athinas 3, Athens"),
                             ("Choose a password (at least 8 characters)", "layout-pass-123")):
            page.get_by_label(label, exact=True).fill(value)
        page.get_by_role("button", name="Book now").click()
        expect(page.locator("#confirmation-title")).to_be_visible()
        assert _horizontal_overflow(page) == 0
        page.screenshot(path=shots / f"wizard-done-{viewport}.png", full_page=True)

        page.get_by_role("link", name="My bookings").click()
        expect(page.locator("#upcoming .booking-card")).to_have_count(1)
        page.locator("#upcoming").get_by_role("button", name="Reschedule").click()
        assert _horizontal_overflow(page) == 0
        page.screenshot(path=shots / f"account-{viewport}.png", full_page=True)
    finally:
        context.close()


def test_wizard_is_usable_by_keyboard(live_app, page, salon):
    page.goto(live_app.url(f"/{salon.slug}/book"))
    expect(page.get_by_role("heading", name="Choose a service")).to_be_visible()
    service = page.get_by_role("button", name="Haircut")
    service.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Choose a day")).to_be_visible()
    day = store_today() + timedelta(days=2)
    cell = page.locator(f'button[data-day="{day.isoformat()}"]')
    if cell.count() == 0:
        page.get_by_role("button", name="Next month").focus()
        page.keyboard.press("Enter")
    cell.focus()
    page.keyboard.press("Enter")
    first_time = page.locator("#time-grid button").first
    first_time.focus()
    page.keyboard.press("Space")
    first_name = page.get_by_label("First name", exact=True)
    expect(first_name).to_be_visible()
    first_name.focus()
    page.keyboard.type("Nikos")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Last name", exact=True)).to_be_focused()
