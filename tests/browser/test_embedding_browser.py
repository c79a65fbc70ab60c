"""The booking flow embedded on a store's own website, in a real browser: a page served from
ANOTHER origin (127.0.0.2, its own little HTTP server) carries the script tag, the "Book online"
button opens the wizard in an overlay dialog, a client books inside the frame, and the host page
receives the booking by postMessage from the app's origin. A site the store did not list cannot
frame the wizard at all."""

from __future__ import annotations

import json
import re
from datetime import timedelta

from playwright.sync_api import Page, expect
from sqlalchemy import select

from hub_app.db import unit_of_work
from hub_app.domain.bookings.models import Booking
from hub_app.domain.stores.models import Store
from hub_app.domain.stores.service import update_store
from hub_app.domain.tenancy import TenantContext
from tests.browser.client_seed import _admin_ctx, make_salon, store_today
from tests.browser.host_site import LISTEN_MESSAGES, host_site

def list_sites(engine, store, *origins: str, accent: str | None = None) -> None:
    ctx = _admin_ctx(engine)
    with unit_of_work(ctx, engine) as db:
        update_store(db, ctx, store.store_id, {"embed_domains": list(origins), "embed_accent_color": accent})


def test_a_client_books_inside_the_overlay_and_the_host_page_is_told(live_app, page: Page, engine):
    salon = make_salon(engine, prefix="embedded")
    snippet = (f'{LISTEN_MESSAGES}<h1>Welcome to our salon</h1><p><a href="#">Prices</a></p>'
               f'<script src="{live_app.url("/embed.js")}" data-store="{salon.slug}" async></script>')
    with host_site("127.0.0.2", snippet) as host:
        list_sites(engine, salon, host, accent="#aa3300")
        page.goto(host + "/")
        button = page.get_by_role("button", name="Book online")
        expect(button).to_be_visible()
        # The store's colour, fetched from its public details (CORS for this listed site).
        expect(button).to_have_css("background-color", "rgb(170, 51, 0)")
        expect(button).to_have_css("color", "rgb(255, 255, 255)")

        button.click()
        dialog = page.get_by_role("dialog", name="Online booking")
        expect(dialog).to_be_visible()
        assert dialog.get_attribute("aria-modal") == "true"
        expect(page.get_by_role("button", name="Close")).to_be_focused()
        frame = page.frame_locator("iframe[title='Online booking']")
        frame.get_by_role("button", name=re.compile("Haircut")).click()
        expect(frame.get_by_role("heading", name="Choose a day")).to_be_visible()
        day = store_today() + timedelta(days=2)
        cell = frame.locator(f'button[data-day="{day.isoformat()}"]')
        if cell.count() == 0:
            frame.get_by_role("button", name="Next month").click()
        cell.click()
        frame.locator("#time-grid button").first.click()
        details = {"First name": "Maria", "Last name": "Embedded", "Age": "29", "Phone": "+306971234567",
                   "Email": "maria.embedded@example.com", "Address": "Kifisias 20, Athens",
                   "Choose a password (at least 8 characters)": "maria-pass-123"}
        for label, value in details.items():
            frame.get_by_label(label, exact=True).fill(value)
        frame.get_by_role("button", name="Book now").click()
        expect(frame.locator("#confirmation-title")).to_have_text("Your appointment is booked")

        page.wait_for_function("window.__hubMessages.some(m => m.data && m.data.type === 'appointment-hub:booked')")
        messages = page.evaluate("window.__hubMessages")
        booked = [m for m in messages if m["data"]["type"] == "appointment-hub:booked"]
        assert len(booked) == 1
        assert booked[0]["origin"] == live_app.base_url
        data = booked[0]["data"]
        assert data["store"] == salon.slug and set(data["booking"]) == {"id", "start", "service"}
        assert "maria" not in json.dumps(messages).lower()   # no personal data leaves the frame
        with unit_of_work(TenantContext.anonymous(salon.store_id), engine) as db:
            booking = db.scalar(select(Booking).where(Booking.id == int(data["booking"]["id"])))
        assert booking is not None and booking.store_id == salon.store_id
        assert data["booking"]["service"] == "Haircut"
        assert data["booking"]["start"].startswith(booking.start_at.replace(tzinfo=None).isoformat()[:10])
        assert any(m["data"]["type"] == "appointment-hub:resize" and m["data"]["height"] > 0 for m in messages)
        # The snippet hands the same to the page's own code as a DOM event.
        assert page.evaluate("window.__hubBooked")[0]["booking"]["id"] == data["booking"]["id"]

        # Escape inside the frame closes the overlay; focus returns to the button.
        frame.locator("#confirmation-title").click()
        page.keyboard.press("Escape")
        expect(dialog).to_be_hidden()
        expect(button).to_be_focused()
        # Again, closed with the close button, and with Escape on the host page itself.
        page.keyboard.press("Enter")
        expect(dialog).to_be_visible()
        page.get_by_role("button", name="Close").click()
        expect(dialog).to_be_hidden()
        expect(button).to_be_focused()
        button.click()
        expect(dialog).to_be_visible()
        page.keyboard.press("Escape")
        expect(dialog).to_be_hidden()


def test_the_accent_can_be_set_on_the_tag_and_a_bad_one_is_ignored(live_app, page: Page, engine):
    salon = make_salon(engine, prefix="embedded-colour")
    tags = (f'<div id="one"><script src="{live_app.url("/embed.js")}" data-store="{salon.slug}" '
            f'data-accent="#ffdd00" data-label="Reserve"></script></div>'
            f'<div id="two"><script src="{live_app.url("/embed.js")}" data-store="{salon.slug}" '
            f'data-accent="javascript:alert(1)"></script></div>')
    with host_site("127.0.0.2", tags) as host:
        list_sites(engine, salon, host, accent="#aa3300")
        page.goto(host + "/")
        first = page.locator("#one button")
        expect(first).to_have_text("Reserve")
        expect(first).to_have_css("background-color", "rgb(255, 221, 0)")
        expect(first).to_have_css("color", "rgb(17, 17, 17)")   # dark text on yellow
        expect(page.locator("#two button")).to_have_css("background-color", "rgb(170, 51, 0)")


def test_a_site_the_store_did_not_list_cannot_frame_the_wizard(live_app, page: Page, engine):
    salon = make_salon(engine, prefix="embedded-refused")
    refusals: list[str] = []
    page.on("console", lambda msg: refusals.append(msg.text) if "frame-ancestors" in msg.text else None)
    body = (f'{LISTEN_MESSAGES}<iframe id="plain" title="booking" src="{live_app.url("/embed/" + salon.slug)}" '
            'style="width:600px;height:600px"></iframe>')
    with host_site("127.0.0.3", body) as stranger, host_site("127.0.0.2", body) as listed:
        list_sites(engine, salon, listed)
        page.goto(stranger + "/")
        page.wait_for_timeout(3000)
        child = [f for f in page.frames if f != page.main_frame][0]
        assert "/embed/" not in child.url   # the browser replaced it with its error page
        assert child.locator("#wizard").count() == 0
        assert any("frame-ancestors" in text for text in refusals), refusals
        assert page.evaluate("window.__hubMessages") == []

        # The listed site frames the same page and gets its height.
        page.goto(listed + "/")
        expect(page.frame_locator("#plain").get_by_role("button", name=re.compile("Haircut"))).to_be_visible()
        page.wait_for_function("window.__hubMessages.some(m => m.data.type === 'appointment-hub:resize')")


def test_the_manager_lists_the_sites_and_copies_the_snippet(live_app, page: Page, engine):
    salon = make_salon(engine, prefix="embedded-settings")
    page.goto(live_app.url("/login"))
    page.get_by_label("Email", exact=True).fill(f"manager-{salon.slug}@example.com")
    page.get_by_label("Password", exact=True).fill("manager-pass-123")
    page.locator("#login-submit").click()
    page.wait_for_url(re.compile(r"/manage$"))
    page.goto(live_app.url("/manage/store"))
    section = page.locator("#embedding")
    expect(section.get_by_role("heading", name="Booking on your website")).to_be_visible()
    sites = section.get_by_label("Your websites")
    sites.fill("https://salon.example\nhttps://salon.example/book")
    section.get_by_label("Button colour").fill("teal")
    section.get_by_role("button", name="Save").click()
    error = page.locator("#m-embed_domains-error")
    expect(error).to_contain_text("https://salon.example/book: only the site's address")
    assert sites.get_attribute("aria-describedby") == "m-embed_domains-error"
    expect(sites).to_have_value("https://salon.example\nhttps://salon.example/book")   # nothing typed is lost
    sites.fill("https://salon.example\nhttps://www.salon.example")
    section.get_by_role("button", name="Save").click()
    expect(page.locator("#m-embed_accent_color-error")).to_contain_text("# and six hexadecimal digits")
    section.get_by_label("Button colour").fill("#AA3300")
    section.get_by_role("button", name="Save").click()
    expect(page.locator("#m-embed_accent_color-error")).to_be_empty()
    expect(section.get_by_label("Button colour")).to_have_value("#aa3300")
    expect(page.locator("#embed-script-tag")).to_have_value(
        f'<script src="{live_app.base_url}/embed.js" data-store="{salon.slug}" async></script>')
    expect(page.locator("#embed-iframe-url")).to_have_text(f"{live_app.base_url}/embed/{salon.slug}")
    with unit_of_work(TenantContext.anonymous(salon.store_id), engine) as db:
        store = db.get(Store, salon.store_id)
        assert store.embed_domains == ["https://salon.example", "https://www.salon.example"]
        assert store.embed_accent_color == "#aa3300"
