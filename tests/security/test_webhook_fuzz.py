"""Fuzzed webhook deliveries (hypothesis): any body, any headers, any path parameter.

Never a 5xx, and nothing unsigned is ever stored. Deliveries signed with the right secret but
carrying nonsense are refused or recorded, never crash the endpoint.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from hub_app import db as hub_db
from hub_app.api.app import create_api
from hub_app.domain.integrations.models import (
    CalendlyConnection,
    CalendlyConnectionState,
    WebhookEvent,
)
from hub_app.domain.secrets import encrypt_secret
from hub_app.domain.tenancy import TenantContext
from hub_app.settings import reset_settings_cache
from tests.factories import make_store

STRIPE_SECRET = "whsec_fuzz_secret"
CALENDLY_KEY = "calendly-fuzz-signing-key"
DLR_TOKEN = "dlr-fuzz-token-0a9b8c7d6e5f"
FUZZ = settings(max_examples=120, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

header_text = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=200)
signature_like = st.one_of(
    header_text,
    st.builds(lambda t, v: f"t={t},v1={v}", st.integers(-2**63, 2**63), st.text("0123456789abcdef", max_size=80)),
    st.builds(lambda v: f"t={int(time.time())},v1={v}", st.text("0123456789abcdef", min_size=64, max_size=64)),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
event_like = st.fixed_dictionaries(
    {"id": st.one_of(st.text(max_size=400), st.integers(), st.none(), json_values),
     "type": st.one_of(st.text(max_size=120), st.integers(), json_values)},
    optional={"data": json_values, "object": st.just("event"), "created": st.integers()},
)
bodies = st.one_of(st.binary(max_size=2000), json_values.map(lambda v: json.dumps(v).encode()),
                   event_like.map(lambda v: json.dumps(v).encode()))
content_types = st.sampled_from(["application/json", "text/plain", "application/x-www-form-urlencoded",
                                 "multipart/form-data; boundary=x", "", "application/json; charset=latin-1"])


def stripe_signature(payload: bytes, secret: str = STRIPE_SECRET) -> str:
    stamp = int(time.time())
    mac = hmac.new(secret.encode(), f"{stamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={stamp},v1={mac}"


@pytest.fixture
def hooks(committed_engine, monkeypatch):
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", STRIPE_SECRET)
    monkeypatch.setenv("EASYSMS_CALLBACK_TOKEN", DLR_TOKEN)
    reset_settings_cache()
    with hub_db.unit_of_work(TenantContext.system()) as db:
        store, _ = make_store(db)
        db.add(CalendlyConnection(store_id=store.id, token_encrypted=encrypt_secret("token"),
                                  signing_key_encrypted=encrypt_secret(CALENDLY_KEY),
                                  state=CalendlyConnectionState.CONNECTED))
        store_id = store.id
    with TestClient(create_api(), raise_server_exceptions=False) as client:
        yield client, store_id
    reset_settings_cache()


def stored_events() -> int:
    with hub_db.unit_of_work(TenantContext.system()) as db:
        return db.scalar(select(func.count()).select_from(WebhookEvent))


def test_unsigned_deliveries_never_crash_and_are_never_stored(hooks):
    client, store_id = hooks

    @FUZZ
    @given(body=bodies, signature=st.one_of(st.none(), signature_like), content_type=content_types,
           store=st.one_of(st.just(store_id), st.integers(-5, 2**31 + 5)), token=st.text(max_size=60),
           extra=st.dictionaries(st.sampled_from(["X-Forwarded-For", "Accept-Language", "Stripe-Account", "Origin"]),
                                 header_text, max_size=3))
    def probe(body, signature, content_type, store, token, extra):
        headers = {"Content-Type": content_type, **extra}
        if signature is not None:
            headers["Stripe-Signature"] = signature
            headers["Calendly-Webhook-Signature"] = signature
        token_path = quote(token, safe="") or "x"
        for path in ("/webhooks/stripe", f"/webhooks/calendly/{store}", f"/webhooks/easysms/{token_path}"):
            response = client.post(path, content=body, headers=headers)
            assert response.status_code < 500, (path, response.status_code, response.text[:200])
        query = client.get(f"/webhooks/easysms/{token_path}", params={"msgid": body[:20], "status": "d"})
        assert query.status_code < 500

    probe()
    assert stored_events() == 0


def test_signed_nonsense_never_crashes(hooks):
    client, store_id = hooks
    accepted: set[str] = set()

    @FUZZ
    @given(body=bodies, content_type=content_types)
    def probe(body, content_type):
        stripe = client.post("/webhooks/stripe", content=body,
                             headers={"Content-Type": content_type, "Stripe-Signature": stripe_signature(body)})
        assert stripe.status_code in (200, 400), (stripe.status_code, stripe.text[:200], body[:100])
        if stripe.status_code == 200:
            accepted.add(str(json.loads(body)["id"])[:300])  # the inbox keeps the column's 300 characters
        calendly = client.post(f"/webhooks/calendly/{store_id}", content=body,
                               headers={"Content-Type": content_type,
                                        "Calendly-Webhook-Signature": stripe_signature(body, CALENDLY_KEY)})
        assert calendly.status_code in (200, 400), (calendly.status_code, calendly.text[:200], body[:100])

    probe()
    with hub_db.unit_of_work(TenantContext.system()) as db:
        stored = set(db.scalars(select(WebhookEvent.event_id).where(WebhookEvent.provider == "stripe")))
    assert stored == accepted


def test_signed_deliveries_with_overlong_ids_are_deduplicated(hooks):
    """Ids longer than the inbox column: the repeat is a duplicate (200), not a 500."""
    client, store_id = hooks
    calendly = json.dumps({"event": "invitee.created", "created_at": "2030-01-01T00:00:00Z",
                           "payload": {"uri": "https://api.calendly.com/scheduled_events/E/invitees/" + "x" * 400}}).encode()
    answers = [client.post(f"/webhooks/calendly/{store_id}", content=calendly,
                           headers={"Calendly-Webhook-Signature": stripe_signature(calendly, CALENDLY_KEY)})
               for _ in range(2)]
    assert [a.status_code for a in answers] == [200, 200]
    assert [a.json()["duplicate"] for a in answers] == [False, True]
    assert stored_events() == 1
