"""The security headers in a real browser: the Content-Security-Policy blocks nothing the Reflex
pages (or the admin login) need, and text that looks like markup is shown as text, never run."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from hub_app.db import unit_of_work
from hub_app.domain.stores.service import update_store
from tests.browser.client_seed import _admin_ctx, make_salon

INJECTED = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'
WATCH_CSP = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation',
  (e) => window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));
"""


@pytest.fixture
def salon(engine):
    store = make_salon(engine, prefix="csp")
    ctx = _admin_ctx(engine)
    with unit_of_work(ctx, engine) as db:
        update_store(db, ctx, store.store_id, {"description": INJECTED, "address": INJECTED[:40]})
    return store


def test_pages_run_under_the_policy_and_show_markup_as_text(live_app, page, salon):
    page.add_init_script(WATCH_CSP)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if "Content Security Policy" in msg.text else None)

    def no_violations_here() -> None:
        assert page.evaluate("window.__pwned") is None
        assert page.evaluate("window.__cspViolations") == [], page.url

    response = page.goto(live_app.url("/"))
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"
    page.locator("#app-title").wait_for()
    no_violations_here()

    page.goto(live_app.url(f"/{salon.slug}"))
    expect(page.get_by_text(INJECTED, exact=False).first).to_be_visible()
    page.get_by_role("link", name="Book: Haircut").click()  # the wizard works over the websocket
    page.wait_for_url(re.compile(rf"/{salon.slug}/book\?service=\d+$"))
    expect(page.get_by_role("heading", name="Choose a day")).to_be_visible()
    no_violations_here()

    page.goto(live_app.url("/login"))
    page.get_by_label("Email").wait_for()
    no_violations_here()
    page.goto(live_app.url("/admin/login"))
    page.locator("input[name=username]").wait_for()
    no_violations_here()
    assert errors == []
