"""The store page painted as plain HTML before the app's scripts run (`hub_app/api/seo/
store_preview.py` and `deferred_boot.py`): what the raw HTML holds, that the app takes over and
removes it, and that a reader whose scripts are slow, or who has none, sees the store and can
open the booking wizard from it."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import Page, Route, expect

from hub_app.api.seo.deferred_boot import defer_boot
from tests.browser.client_seed import make_salon
from tests.browser.public_pages_seed import add_store_photo


@pytest.fixture(scope="module")
def salon(live_app, engine):
    store = make_salon(engine, prefix="preview")
    add_store_photo(engine, live_app.data_dir, store, caption="The front desk")
    return store


def preview_of(page: str) -> str:
    start = page.index('<div id="store-preview">')
    return page[start:page.index("</main>", start)]


def test_the_raw_html_holds_the_store_page(live_app, salon):
    response = httpx.get(live_app.url(f"/{salon.slug}"), timeout=20)
    preview = preview_of(response.text)
    assert f"<h1>{salon.name}</h1>" in preview
    assert "Kassaveti 5, Kifisia" in preview and "+302106231234" in preview
    assert "<h3>Haircut</h3>" in preview and "Wash, cut and style." in preview and "€25.00" in preview
    assert "<h3>Group yoga</h3>" in preview and "€12.00 per person" in preview
    assert f'href="/{salon.slug}/book?service={salon.haircut_id}"' in preview
    assert "<th scope=\"row\">Monday</th><td>08:00–20:00</td>" in preview
    assert re.search(r'<img src="/uploads/stores/\d+/[^"]+" alt="The front desk" width="480" height="180" '
                     r'fetchpriority="high"', preview)
    # The scripts wait for the first paint: no preload tags, the boot imports run from a frame later.
    assert 'rel="modulepreload"' not in response.text
    assert "requestAnimationFrame" in response.text and 'await import("/assets/' in response.text


def test_the_app_takes_over_and_removes_the_plain_page(live_app, page: Page, salon):
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.goto(live_app.url(f"/{salon.slug}"))
    expect(page.locator("#store-name")).to_have_text(salon.name)
    expect(page.locator("#store-preview")).to_have_count(0)
    expect(page.locator("h1")).to_have_count(1)
    # Running, not just painted: the next free times come from the server over the app's socket.
    expect(page.locator(".next-free").first).to_be_visible()
    assert not [p for p in problems if "hydrat" in p.lower() or "react" in p.lower()], problems


def test_while_the_scripts_are_on_their_way_the_store_is_already_readable(live_app, page: Page, salon):
    held: list[Route] = []
    released = False

    def hold(route: Route) -> None:
        route.continue_() if released else held.append(route)

    page.route(re.compile(r"/assets/.*\.js$"), hold)
    page.goto(live_app.url(f"/{salon.slug}"), wait_until="domcontentloaded")
    expect(page.get_by_role("heading", level=1, name=salon.name)).to_be_visible()
    expect(page.get_by_role("heading", level=3, name="Haircut")).to_be_visible()
    expect(page.get_by_alt_text("The front desk")).to_be_visible()
    assert held, "the app's scripts were asked for"
    released = True
    for route in held:
        route.continue_()
    expect(page.locator("#store-preview")).to_have_count(0)
    expect(page.locator("#store-name")).to_have_text(salon.name)


def test_without_javascript_the_plain_page_stays_and_books(live_app, browser, salon):
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(live_app.url(f"/{salon.slug}"))
        expect(page.get_by_role("heading", level=1, name=salon.name)).to_be_visible()
        book = page.locator(".sp-card").filter(has_text="Haircut").get_by_role("link", name="Book")
        expect(book).to_have_attribute("href", f"/{salon.slug}/book?service={salon.haircut_id}")
    finally:
        context.close()


def test_a_shell_of_another_shape_is_left_as_built():
    shell = ('<html><head><link rel="modulepreload" href="/assets/a.js"/></head><body>'
             '<script type="module" async="">import { x } from "/assets/a.js";\n'
             'window.__reactRouterRouteModules = {};</script></body></html>')
    assert defer_boot(shell) == shell
    assert defer_boot("<html><body>no boot script</body></html>") == "<html><body>no boot script</body></html>"
