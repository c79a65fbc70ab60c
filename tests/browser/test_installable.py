"""The manager dashboard can be added to a phone's home screen and used at 390 px.

- Every page links the web app manifest, the theme colour and the iOS icon; the manifest (start
  at /manage, standalone, icons 192/512 in "any" and "maskable") is read by Chromium itself
  without errors, under the page's Content-Security-Policy (manifest-src 'self').
- At 390x844 a manager reaches every section through the Menu button, with the keyboard too,
  no section scrolls sideways, and axe finds nothing critical or serious there either.
"""

from __future__ import annotations

import io
import json
import os
import re
import urllib.request
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from tests.browser.accessibility import assert_accessible, tab_until
from tests.browser.client_seed import make_salon
from tests.browser.conftest import fresh_page

PHONE = {"width": 390, "height": 844}
SECTIONS = (("overview", "/manage", "Overview"), ("bookings", "/manage/bookings", "Bookings"),
            ("services", "/manage/services", "Services"), ("calendars", "/manage/calendars", "Calendars"),
            ("clients", "/manage/clients", "Clients"), ("notifications", "/manage/notifications", "Messages"),
            ("store", "/manage/store", "Store"), ("subscription", "/manage/subscription", "Subscription"),
            ("integrations", "/manage/integrations", "Integrations"))


@pytest.fixture
def phone(browser):
    with fresh_page(browser, viewport=PHONE, is_mobile=True, has_touch=True) as page:
        yield page


def _get(url: str) -> tuple[int, dict[str, str], bytes]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()


def test_the_manifest_and_icons_are_served_and_linked_from_every_page(live_app, page, engine):
    status, headers, body = _get(live_app.url("/manifest.webmanifest"))
    assert status == 200 and headers["content-type"].startswith("application/manifest+json")
    manifest = json.loads(body)
    assert manifest["start_url"] == "/manage" and manifest["display"] == "standalone"
    assert manifest["name"] == "Appointment Hub" and manifest["short_name"]
    assert re.fullmatch(r"#[0-9a-f]{6}", manifest["theme_color"])
    purposes = {(icon["sizes"], icon["purpose"]) for icon in manifest["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("192x192", "maskable"), ("512x512", "maskable")} <= purposes
    for icon in manifest["icons"]:
        status, headers, png = _get(live_app.url(icon["src"]))
        assert status == 200 and headers["content-type"] == "image/png"
        width, height = Image.open(io.BytesIO(png)).size
        assert f"{width}x{height}" == icon["sizes"], icon["src"]

    salon = make_salon(engine, prefix="pwa")
    for path in ("/", f"/{salon.slug}", f"/{salon.slug}/book", "/login", "/manage"):
        response = page.goto(live_app.url(path))
        assert "manifest-src 'self'" in response.headers["content-security-policy"]
        expect(page.locator('head link[rel="manifest"]')).to_have_attribute("href", "/manifest.webmanifest")
        expect(page.locator('head meta[name="theme-color"]')).to_have_attribute("content", manifest["theme_color"])
        apple_icon = page.locator('head link[rel="apple-touch-icon"]').get_attribute("href")
        assert _get(live_app.url(apple_icon))[0] == 200

    # Chromium's own reading of the manifest, as "Add to home screen" does it.
    cdp = page.context.new_cdp_session(page)
    read = cdp.send("Page.getAppManifest")
    assert read["url"] == live_app.url("/manifest.webmanifest")
    assert [e for e in read.get("errors", []) if e.get("critical")] == [], read["errors"]
    assert read.get("errors", []) == [], read["errors"]


def shots_dir(live_app) -> Path:
    path = Path(os.environ.get("HUB_SCREENSHOT_DIR") or live_app.data_dir / "screens")
    path.mkdir(parents=True, exist_ok=True)
    return path


def open_from_menu(page: Page, key: str, title: str, shot: Path | None = None) -> None:
    page.locator("#nav-menu").click()
    expect(page.locator(f"#menu-{key}")).to_be_visible()
    if shot is not None:
        page.screenshot(path=shot)
    page.locator(f"#menu-{key}").click()
    expect(page.locator("#manage-title")).to_have_text(title)


def test_the_dashboard_at_390px_reaches_every_section_through_the_menu(live_app, phone, engine):
    page = phone
    salon = make_salon(engine, prefix="phone")
    page.goto(live_app.url("/login"))
    page.get_by_label("Email", exact=True).fill(f"manager-{salon.slug}@example.com")
    page.get_by_label("Password", exact=True).fill("manager-pass-123")
    page.locator("#login-submit").click()
    page.wait_for_url(re.compile(r"/manage$"))
    expect(page.locator("#manage-store-name")).to_have_text(salon.name)
    # The row of tabs is for wider screens; here the menu stands in for it.
    expect(page.locator("#nav-bookings")).to_be_hidden()
    expect(page.locator("#menu-bookings")).to_be_hidden()

    shots = shots_dir(live_app)
    for key, path, title in SECTIONS[1:] + SECTIONS[:1]:
        open_from_menu(page, key, title, shots / "manage-menu-phone.png" if key == "bookings" else None)
        page.wait_for_url(re.compile(re.escape(path) + r"(\?.*)?$"))
        expect(page.locator("#manage-store-name")).to_have_text(salon.name)
        page.wait_for_load_state("networkidle")
        width = page.evaluate("document.scrollingElement.scrollWidth")
        assert width <= PHONE["width"], f"{path} is {width}px wide at {PHONE['width']}px"
        expect(page.locator("#nav-menu")).to_contain_text(title)
        assert_accessible(page, f"{path} at 390 px")
        page.screenshot(path=shots / f"manage{path.replace('/', '-')}-phone.png", full_page=True)

    # The menu works from the keyboard as well: Tab to it, Enter opens it, Tab to a section.
    tab_until(page, lambda f: f["id"] == "nav-menu", "the Menu button")
    page.keyboard.press("Enter")
    expect(page.locator("#menu-clients")).to_be_visible()
    tab_until(page, lambda f: f["id"] == "menu-clients", "the Clients entry")
    page.keyboard.press("Enter")
    expect(page.locator("#manage-title")).to_have_text("Clients")
