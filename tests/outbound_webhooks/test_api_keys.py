"""API keys over real HTTP: shown once, scoped to one store and to reading or writing,
revoked at once, limited per key, audited, documented in OpenAPI."""

from __future__ import annotations

from sqlalchemy import select

from hub_app import db as hub_db
from hub_app.api.v1 import deps
from hub_app.domain.api_keys.models import ApiKey
from hub_app.domain.audit.models import AuditEntry
from hub_app.domain.tenancy import TenantContext
from hub_app.security.config import reset_security_settings_cache
from tests.outbound_webhooks.conftest import V1, bearer


def _key(api, slug: str, headers: dict, scope: str, name: str = "Zapier") -> dict:
    made = api.post(f"{V1}/stores/{slug}/api-keys", json={"name": name, "scope": scope}, headers=headers)
    assert made.status_code == 201, made.text
    return made.json()


def _with(key: str) -> dict:
    return {"Authorization": f"Bearer {key}"}


def test_a_key_acts_as_its_stores_staff_within_its_scope(live_api, stores):
    manager = bearer(live_api, stores.manager_a)
    read = _key(live_api, stores.slug_a, manager, "read")
    write = _key(live_api, stores.slug_a, manager, "read_write", name="Voice agent")
    # The secret is URL-safe base64 and may itself hold "_": compare the shown prefix as a prefix.
    assert read["key"].startswith("ahk_live_") and read["prefix"].endswith("_…")
    assert read["key"].startswith(read["prefix"].removesuffix("…"))

    listed = live_api.get(f"{V1}/stores/{stores.slug_a}/api-keys", headers=manager).json()
    assert {k["name"] for k in listed} == {"Zapier", "Voice agent"}
    assert all("key" not in k for k in listed), "a key's secret is shown only when made"

    assert live_api.get(f"{V1}/stores/{stores.slug_a}/bookings", headers=_with(read["key"])).status_code == 200
    refused = live_api.post(f"{V1}/stores/{stores.slug_a}/calendars", json={"name": "Chair"}, headers=_with(read["key"]))
    assert refused.status_code == 403
    assert "only read" in refused.json()["error"]["message"]
    made = live_api.post(f"{V1}/stores/{stores.slug_a}/calendars", json={"name": "Chair"}, headers=_with(write["key"]))
    assert made.status_code == 201, made.text

    with hub_db.unit_of_work(TenantContext.system()) as db:
        used = db.scalar(select(ApiKey).where(ApiKey.id == read["id"]))
        assert used.last_used_at is not None
        assert used.secret_hash not in read["key"] and len(used.secret_hash) == 64


def test_a_key_never_reaches_another_store_or_a_persons_routes(live_api, stores):
    key = _key(live_api, stores.slug_a, bearer(live_api, stores.manager_a), "read_write")["key"]
    for method, path in (("GET", f"/stores/{stores.slug_b}/bookings"), ("GET", f"/stores/{stores.slug_b}/calendars"),
                         ("GET", f"/stores/{stores.slug_b}/webhook-endpoints"),
                         ("POST", f"/stores/{stores.slug_b}/calendars")):
        answer = live_api.request(method, V1 + path, headers=_with(key), json={"name": "x"} if method == "POST" else None)
        assert answer.status_code in (403, 404), (path, answer.text)
        assert "beta" not in answer.text.lower()
    assert live_api.get(f"{V1}/me", headers=_with(key)).status_code == 403
    minted = live_api.post(f"{V1}/stores/{stores.slug_a}/api-keys", json={"name": "x", "scope": "read"},
                           headers=_with(key))
    assert minted.status_code == 403, "a key must not make other keys"


def test_revoking_answers_401_at_once_and_both_steps_are_audited(live_api, stores):
    manager = bearer(live_api, stores.manager_a)
    made = _key(live_api, stores.slug_a, manager, "read")
    assert live_api.get(f"{V1}/stores/{stores.slug_a}/bookings", headers=_with(made["key"])).status_code == 200
    assert live_api.delete(f"{V1}/stores/{stores.slug_a}/api-keys/{made['id']}", headers=manager).status_code == 204
    after = live_api.get(f"{V1}/stores/{stores.slug_a}/bookings", headers=_with(made["key"]))
    assert after.status_code == 401
    assert after.json()["error"]["code"] == "not_authenticated"
    # A wrong secret with a real lookup part is just as unknown.
    other = _key(live_api, stores.slug_a, manager, "read")["key"]
    forged = other[:-4] + ("AAAA" if not other.endswith("AAAA") else "BBBB")
    assert live_api.get(f"{V1}/stores/{stores.slug_a}/bookings", headers=_with(forged)).status_code == 401
    with hub_db.unit_of_work(TenantContext.system()) as db:
        actions = set(db.scalars(select(AuditEntry.action).where(AuditEntry.entity_type == "api_key",
                                                                 AuditEntry.entity_id == made["id"])))
    assert actions == {"api_key_created", "api_key_revoked"}


def test_another_stores_manager_cannot_see_or_revoke_the_keys(live_api, stores):
    made = _key(live_api, stores.slug_a, bearer(live_api, stores.manager_a), "read")
    manager_b = bearer(live_api, stores.manager_b)
    assert live_api.get(f"{V1}/stores/{stores.slug_a}/api-keys", headers=manager_b).status_code == 403
    assert live_api.delete(f"{V1}/stores/{stores.slug_b}/api-keys/{made['id']}", headers=manager_b).status_code == 404
    assert live_api.get(f"{V1}/stores/{stores.slug_a}/bookings", headers=_with(made["key"])).status_code == 200


def test_bad_input_names_the_field(live_api, stores):
    manager = bearer(live_api, stores.manager_a)
    answer = live_api.post(f"{V1}/stores/{stores.slug_a}/api-keys", json={"name": "   ", "scope": "read"},
                           headers=manager)
    assert answer.status_code == 422 and "name" in answer.json()["error"]["fields"]
    answer = live_api.post(f"{V1}/stores/{stores.slug_a}/api-keys", json={"name": "x", "scope": "admin"},
                           headers=manager)
    assert answer.status_code == 422 and "scope" in answer.json()["error"]["fields"]


def test_requests_are_limited_per_key(live_api, stores, monkeypatch):
    monkeypatch.setenv("RATE_LIMIT_API_KEY_PER_MINUTE", "3")
    reset_security_settings_cache()
    monkeypatch.setattr(deps, "_limiter", None)
    try:
        manager = bearer(live_api, stores.manager_a)
        first = _key(live_api, stores.slug_a, manager, "read")["key"]
        second = _key(live_api, stores.slug_a, manager, "read")["key"]
        codes = [live_api.get(f"{V1}/stores/{stores.slug_a}/bookings", headers=_with(first)).status_code
                 for _ in range(4)]
        assert codes[:3] == [200, 200, 200] and codes[3] == 429
        limited = live_api.get(f"{V1}/stores/{stores.slug_a}/bookings", headers=_with(first))
        assert int(limited.headers["Retry-After"]) >= 1
        assert live_api.get(f"{V1}/stores/{stores.slug_a}/bookings", headers=_with(second)).status_code == 200
    finally:
        monkeypatch.delenv("RATE_LIMIT_API_KEY_PER_MINUTE")
        reset_security_settings_cache()
        deps._limiter = None


def test_openapi_documents_the_key_scheme(live_api):
    spec = live_api.get(f"{V1}/openapi.json").json()
    scheme = spec["components"]["securitySchemes"]["HTTPBearer"]
    assert scheme["scheme"] == "bearer" and "ahk_live_" in scheme["description"]
    assert "/api/v1/stores/{slug}/api-keys" in spec["paths"] or "/stores/{slug}/api-keys" in spec["paths"]


def test_a_write_key_acts_on_the_stores_bookings_and_a_read_key_cannot(live_api, stores):
    from tests.api.conftest import book_new_client, booking_day, local_start, open_service

    manager = bearer(live_api, stores.manager_a)
    offer = open_service(live_api, stores.slug_a, manager)
    booking = book_new_client(live_api, stores.slug_a, offer.service_id, local_start(booking_day(), 10),
                              "keyed@example.com").json()
    read = _key(live_api, stores.slug_a, manager, "read")["key"]
    write = _key(live_api, stores.slug_a, manager, "read_write")["key"]
    assert live_api.get(f"{V1}/bookings/{booking['id']}", headers=_with(read)).status_code == 200
    assert live_api.post(f"{V1}/bookings/{booking['id']}/cancel", json={"reason": "x"},
                         headers=_with(read)).status_code == 403
    done = live_api.post(f"{V1}/bookings/{booking['id']}/cancel", json={"reason": "closed today"}, headers=_with(write))
    assert done.status_code == 200 and done.json()["status"] == "cancelled"
    key_b = _key(live_api, stores.slug_b, bearer(live_api, stores.manager_b), "read_write")["key"]
    assert live_api.get(f"{V1}/bookings/{booking['id']}", headers=_with(key_b)).status_code == 404
