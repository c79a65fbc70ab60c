"""The dashboard's API keys and webhooks sections, driven through their page state as the
browser's websocket would: secrets shown once, errors next to the field, the log and resend."""

from __future__ import annotations

import pytest

from hub_app.db import unit_of_work
from hub_app.domain.accounts.service import open_session_token
from hub_app.domain.api_keys.service import authenticate
from hub_app.domain.outbound_webhooks import sending
from hub_app.domain.outbound_webhooks.models import WebhookDelivery, WebhookEndpoint
from hub_app.domain.tenancy import TenantContext
from hub_app.manage.integrations.api_access_state import ApiAccessState
from tests.factories import make_store
from tests.page_states import open_page, run, state_text


@pytest.fixture
def page(committed_engine):
    with unit_of_work(TenantContext.system()) as db:
        store, manager = make_store(db, "gamma-salon")
        token = open_session_token(db, manager, "198.51.100.7")
    state = open_page(ApiAccessState, path="/manage/integrations", token=token)
    run(state, "open_dashboard")
    assert state.dashboard_status == "ready"
    run(state, "load")
    return state


def test_a_key_is_shown_once_and_works_until_revoked(page):
    run(page, "create_key", {"name": "", "scope": "read"})
    assert page.field_errors.get("name") and page.shown_secret == ""
    run(page, "create_key", {"name": "Zapier", "scope": "read_write"})
    key = page.shown_secret
    assert key.startswith("ahk_live_") and page.shown_secret_kind == "key" and not page.error_text
    assert [k["name"] for k in page.api_keys] == ["Zapier"] and page.api_keys[0]["scope"] == "read_write"
    run(page, "dismiss_secret")
    assert key not in state_text(page), "the key is gone from the page once dismissed"
    with unit_of_work(TenantContext.system()) as db:
        assert authenticate(db, key) is not None
    run(page, "revoke_key", page.api_keys[0]["id"])
    assert page.api_keys == [] and page.notice_text
    with unit_of_work(TenantContext.system()) as db:
        assert authenticate(db, key) is None


def test_an_endpoint_is_validated_next_to_its_field_and_listed(page, receiver):
    run(page, "create_endpoint", {"url": "http://hooks.example.com/x", "event-booking-created": "on"})
    assert "https://" in page.field_errors.get("url", "") and page.endpoints == []
    run(page, "create_endpoint", {"url": receiver.url})
    assert page.field_errors.get("event_types"), "at least one event"
    run(page, "create_endpoint", {"url": receiver.url, "description": "CRM", "event-booking-created": "on",
                                  "event-client-created": "on"})
    assert page.shown_secret.startswith("whsec_") and page.shown_secret_kind == "secret"
    (endpoint,) = page.endpoints
    assert endpoint["events"] == "booking.created, client.created" and endpoint["enabled"] == "1"
    old = page.shown_secret
    run(page, "rotate_secret", endpoint["id"])
    assert page.shown_secret.startswith("whsec_") and page.shown_secret != old
    run(page, "toggle_endpoint", endpoint["id"], False)
    assert page.endpoints[0]["enabled"] == ""


def test_the_log_shows_attempts_and_resends(page, receiver):
    run(page, "create_endpoint", {"url": receiver.url, "event-booking-created": "on"})
    endpoint_id = int(page.endpoints[0]["id"])
    receiver.fail_first = 1
    with unit_of_work(TenantContext.system()) as db:
        row = WebhookDelivery(store_id=db.get(WebhookEndpoint, endpoint_id).store_id, endpoint_id=endpoint_id,
                              event_id="evt_test", event_type="booking.created",
                              payload='{"id":"evt_test","type":"booking.created"}', max_attempts=1)
        db.add(row)
        db.flush()
        delivery_id = row.id
    receiver.secret = None
    assert sending.deliver(delivery_id).status == "failed"
    run(page, "refresh_log")
    (logged,) = page.deliveries
    assert logged["status"] == "failed" and logged["code"] == "400"
    run(page, "open_delivery", logged["id"])
    assert page.delivery["event_id"] == "evt_test" and page.delivery_attempts[0]["body"] == "bad signature"
    run(page, "resend", logged["id"])
    assert page.notice_text and page.deliveries[0]["status"] == "pending"
