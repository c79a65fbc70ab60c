"""The Integrations page's API keys and webhooks in a real browser: a key shown once that then
works against the REST API, a refused webhook address with the error next to its field, and an
endpoint whose signed delivery reaches a local receiver and shows in the delivery log."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.client_seed import first_slot_on, make_salon, store_today
from tests.browser.conftest import fresh_page
from tests.browser.test_manage_dashboard import TABLET, manager_of, sign_in
from tests.outbound_webhooks.receiver import Receiver


@pytest.fixture
def tablet(browser):
    with fresh_page(browser, viewport=TABLET) as page:
        yield page


@pytest.fixture
def receiver():
    found = Receiver().start()
    yield found
    found.stop()


def test_a_key_and_a_webhook_from_the_integrations_page(live_app, tablet, engine, receiver):
    page = tablet
    salon = make_salon(engine, prefix="integrator")
    sign_in(page, live_app, manager_of(salon))
    page.goto(live_app.url("/manage/integrations"))

    keys = page.locator("#api-keys")
    keys.get_by_label("Name", exact=True).fill("Zapier")
    keys.locator("#api-key-scope").select_option("read")
    page.locator("#api-key-create").click()
    expect(page.locator("#shown-secret")).to_contain_text("ahk_live_")
    key = page.locator("#shown-secret").inner_text().strip()
    expect(keys.locator(".api-key-row")).to_contain_text("Zapier")
    page.locator("#dismiss-secret").click()
    expect(page.locator("#shown-secret")).to_have_count(0)
    api = httpx.Client(base_url=live_app.url("/api/v1"), timeout=30)
    assert api.get(f"/stores/{salon.slug}/bookings", headers={"Authorization": f"Bearer {key}"}).status_code == 200

    hooks = page.locator("#webhooks")
    hooks.get_by_label("Address (URL)").fill("http://example.com/hook")
    page.locator("#webhook-create").click()
    expect(page.locator("#webhook-url-error")).to_contain_text("https://")
    expect(hooks.get_by_label("Address (URL)")).to_have_value("http://example.com/hook")
    hooks.get_by_label("Address (URL)").fill(receiver.url)
    page.locator("#webhook-create").click()
    expect(page.locator("#shown-secret")).to_contain_text("whsec_")
    receiver.secret = page.locator("#shown-secret").inner_text().strip()
    expect(hooks.locator(".webhook-endpoint")).to_contain_text(receiver.url)

    day = store_today() + timedelta(days=3)
    start = first_slot_on(engine, salon, salon.haircut_id, day)
    booked = api.post(f"/stores/{salon.slug}/bookings", json={
        "service_id": salon.haircut_id, "start": start.isoformat(), "persons": 1,
        "client": {"first_name": "Nora", "last_name": "Hook", "age": 35, "email": f"nora-{salon.slug}@example.com",
                   "phone": "6971112233", "address": "Athens", "password": "client-password"}})
    assert booked.status_code == 201, booked.text

    for _ in range(30):
        page.locator("#deliveries-refresh").click()
        if page.locator('.webhook-delivery [data-status="succeeded"]').count() >= 2:
            break
        page.wait_for_timeout(1000)
    expect(page.locator('.webhook-delivery [data-status="succeeded"]')).to_have_count(2)
    assert sorted(r.event_type for r in receiver.requests) == ["booking.created", "client.created"]
    assert all(r.signature_ok for r in receiver.requests)
    page.locator(".webhook-delivery").first.get_by_role("button", name="Details").click()
    expect(page.locator("#delivery-detail")).to_contain_text(re.compile(r"HTTP 200"))
