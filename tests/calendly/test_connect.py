"""Connecting a store, mapping event types, and the webhook subscription's lifecycle."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from hub_app import db as hub_db
from hub_app.domain.accounts.models import AppUser
from hub_app.domain.accounts.service import open_session_token
from hub_app.domain.calendly import jobs
from hub_app.domain.calendly import service as calendly
from hub_app.domain.errors import ValidationFailed
from hub_app.domain.integrations.models import CalendlyConnection, CalendlyConnectionState
from hub_app.domain.notifications.models import Notification, NotificationKind
from hub_app.domain.scheduling.service import create_calendar
from hub_app.domain.secrets import decrypt_secret
from hub_app.domain.tenancy import TenantContext
from hub_app.domain.types import utcnow
from tests.calendly.conftest import TOKEN, api_app


def connection(store_id: int) -> CalendlyConnection | None:
    with hub_db.unit_of_work(TenantContext.system(store_id)) as db:
        return db.scalar(select(CalendlyConnection))


def subscription_key(fake, uri: str) -> str:
    return fake.signing_keys[uri.rsplit("/", 1)[-1]]


def test_connect_stores_secrets_encrypted_lists_every_event_type_and_subscribes(fake, shop, public_url):
    for name in ("Haircut", "Colour", "Beard"):
        fake.add_event_type(name)
    ctx = shop.ctx()
    with hub_db.unit_of_work(ctx) as db:
        status, event_types = calendly.connect(db, ctx, f"  {TOKEN} ")
    assert [e.name for e in event_types] == ["Haircut", "Colour", "Beard"]  # two pages
    assert status.state == "connected" and status.webhook_state == "active" and status.token == "•••• set"
    conn = connection(shop.store_id)
    assert conn.user_uri == fake.user_uri and conn.organization_uri == fake.organization_uri
    assert TOKEN not in conn.token_encrypted and decrypt_secret(conn.token_encrypted) == TOKEN
    [sub] = fake.subscriptions.values()
    assert sub["uri"] == conn.webhook_subscription_uri
    assert sub["callback_url"] == f"{public_url}/webhooks/calendly/{shop.store_id}"
    assert sub["events"] == ["invitee.created", "invitee.canceled"]
    assert sub["scope"] == "user" and sub["user"] == fake.user_uri
    key = decrypt_secret(conn.signing_key_encrypted)
    assert key == subscription_key(fake, sub["uri"]) and len(key) >= 32 and key not in conn.signing_key_encrypted


def test_a_rejected_token_is_a_form_error_and_nothing_is_stored(fake, shop):
    ctx = shop.ctx()
    with pytest.raises(ValidationFailed) as caught, hub_db.unit_of_work(ctx) as db:
        calendly.connect(db, ctx, "not-a-valid-token")
    assert "token" in caught.value.fields
    assert connection(shop.store_id) is None and not fake.subscriptions


def test_a_free_calendly_plan_connects_without_webhooks(fake, shop):
    fake.webhooks_need_paid_plan = True
    ctx = shop.ctx()
    with hub_db.unit_of_work(ctx) as db:
        status, _ = calendly.connect(db, ctx, TOKEN)
    assert status.state == "connected" and status.webhook_state == "unavailable"
    assert "upgrade" in status.last_error.lower()
    assert connection(shop.store_id).signing_key_encrypted is None


def test_reconnecting_replaces_the_subscription_and_its_key(fake, shop):
    ctx = shop.ctx()
    with hub_db.unit_of_work(ctx) as db:
        calendly.connect(db, ctx, TOKEN)
    first = connection(shop.store_id)
    with hub_db.unit_of_work(ctx) as db:
        calendly.connect(db, ctx, TOKEN)
    second = connection(shop.store_id)
    assert list(fake.subscriptions) == [second.webhook_subscription_uri.rsplit("/", 1)[-1]]
    assert second.webhook_subscription_uri != first.webhook_subscription_uri
    assert decrypt_secret(second.signing_key_encrypted) != decrypt_secret(first.signing_key_encrypted)


def test_mapping_needs_a_calendar_that_offers_the_service(fake, shop):
    event_type = fake.add_event_type("Haircut")
    ctx = shop.ctx()
    with hub_db.unit_of_work(ctx) as db:
        other = create_calendar(db, ctx, "Room without haircuts")
    with pytest.raises(ValidationFailed) as caught, hub_db.unit_of_work(ctx) as db:
        calendly.map_event_type(db, ctx, event_type, other.id, shop.service_id)
    assert "calendar_id" in caught.value.fields
    with hub_db.unit_of_work(ctx) as db:
        calendly.connect(db, ctx, TOKEN)
        calendly.map_event_type(db, ctx, event_type, shop.calendar_id, shop.service_id, "Haircut")
    with hub_db.unit_of_work(ctx) as db:
        [mapping] = calendly.list_event_types(db, ctx)
    assert (mapping.event_type.uri, mapping.calendar_id, mapping.service_id) == (event_type, shop.calendar_id, shop.service_id)


def test_the_sync_recreates_a_subscription_calendly_disabled(fake, shop):
    ctx = shop.ctx()
    with hub_db.unit_of_work(ctx) as db:
        calendly.connect(db, ctx, TOKEN)
    old = connection(shop.store_id)
    fake.disable_subscription(old.webhook_subscription_uri)
    result = jobs.reconcile(shop.store_id)
    new = connection(shop.store_id)
    assert result.state == "synced" and result.webhook_state == "active" and new.webhook_state == "active"
    assert new.webhook_subscription_uri != old.webhook_subscription_uri
    assert list(fake.subscriptions) == [new.webhook_subscription_uri.rsplit("/", 1)[-1]]  # the disabled one is gone
    assert decrypt_secret(new.signing_key_encrypted) == subscription_key(fake, new.webhook_subscription_uri)
    # An active subscription is left as it is.
    jobs.reconcile(shop.store_id)
    assert connection(shop.store_id).webhook_subscription_uri == new.webhook_subscription_uri


def test_disconnect_deletes_the_subscription_and_forgets_the_secrets(fake, shop):
    ctx = shop.ctx()
    with hub_db.unit_of_work(ctx) as db:
        calendly.connect(db, ctx, TOKEN)
    with hub_db.unit_of_work(ctx) as db:
        status = calendly.disconnect(db, ctx)
    assert status.state == "disconnected" and status.token == "not set" and not fake.subscriptions
    conn = connection(shop.store_id)
    assert conn.token_encrypted is None and conn.signing_key_encrypted is None and conn.webhook_subscription_uri is None
    assert jobs.reconcile(shop.store_id).state == "skipped"


def test_a_revoked_token_marks_the_connection_broken_and_tells_the_manager_once(fake, shop):
    ctx = shop.ctx()
    with hub_db.unit_of_work(ctx) as db:
        calendly.connect(db, ctx, TOKEN)
    fake.revoke(TOKEN)
    assert jobs.reconcile(shop.store_id).state == "broken"
    conn = connection(shop.store_id)
    assert conn.state == CalendlyConnectionState.BROKEN and "401" in conn.last_error
    assert jobs.connected_store_ids() == [] and jobs.reconcile(shop.store_id).state == "skipped"
    with hub_db.unit_of_work(TenantContext.system(shop.store_id)) as db:
        [note] = db.scalars(select(Notification)).all()
        manager = db.get(AppUser, shop.manager_id)
    assert note.recipient_user_id == shop.manager_id and note.to_address == manager.email
    assert note.kind == NotificationKind.ACCOUNT and "Calendly" in note.subject
    with hub_db.unit_of_work(ctx) as db:
        assert calendly.status(db, ctx).state == "broken"


def test_the_rest_api_connects_maps_and_disconnects(fake, shop):
    event_type = fake.add_event_type("Haircut")
    with hub_db.unit_of_work(TenantContext.system()) as db:
        token = open_session_token(db, db.get(AppUser, shop.manager_id))
    base = f"/api/v1/stores/{shop.slug}/calendly"
    with TestClient(api_app(), headers={"Authorization": f"Bearer {token}"}) as api:
        assert api.get(base).json()["state"] == "not_connected"
        bad = api.post(f"{base}/connect", json={"token": "wrong"})
        assert bad.status_code == 422 and "token" in bad.json()["error"]["fields"]
        ok = api.post(f"{base}/connect", json={"token": TOKEN})
        assert ok.status_code == 200, ok.text
        assert ok.json()["status"]["state"] == "connected" and TOKEN not in ok.text
        assert [e["uri"] for e in ok.json()["event_types"]] == [event_type]
        mapped = api.put(f"{base}/event-types", json={"event_type_uri": event_type, "calendar_id": shop.calendar_id,
                                                      "service_id": shop.service_id, "name": "Haircut"})
        assert mapped.status_code == 200, mapped.text
        listed = api.get(f"{base}/event-types").json()
        assert listed[0]["calendar_id"] == shop.calendar_id and listed[0]["service_id"] == shop.service_id
        assert api.get(base).json()["links"][0]["event_type_uri"] == event_type
        assert api.post(f"{base}/webhook/refresh").json()["webhook_state"] == "active"
        assert api.delete(base).json()["state"] == "disconnected"
        assert not fake.subscriptions
    with TestClient(api_app()) as anonymous:
        assert anonymous.get(base).status_code == 401


def test_the_calendars_page_marks_a_calendar_linked_once_an_event_type_books_into_it(fake, shop):
    from hub_app.domain.scheduling.setup import calendar_setup, calendars

    event_type = fake.add_event_type("Haircut")
    ctx = shop.ctx()

    def linked() -> tuple[bool, bool]:
        with hub_db.unit_of_work(ctx) as db:
            [summary] = [c for c in calendars(db, ctx) if c.id == shop.calendar_id]
            setup = calendar_setup(db, ctx, shop.calendar_id, utcnow().date())
            return summary.calendly_linked, setup.calendar.calendly_linked

    assert linked() == (False, False)
    with hub_db.unit_of_work(ctx) as db:
        calendly.connect(db, ctx, TOKEN)
        calendly.map_event_type(db, ctx, event_type, shop.calendar_id, shop.service_id, "Haircut")
    assert linked() == (True, True)
    with hub_db.unit_of_work(ctx) as db:
        calendly.unmap_event_type(db, ctx, event_type)
    assert linked() == (False, False)
