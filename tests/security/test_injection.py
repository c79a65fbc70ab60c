"""Injection attempts are stored as plain text, given back unchanged by the API and rendered
escaped in HTML (the admin panel here; the Reflex pages in tests/browser/test_csp.py)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape
from sqlalchemy import func, select

from hub_app import db as hub_db
from hub_app.api.app import create_api
from hub_app.domain.accounts.models import AppUser
from hub_app.domain.tenancy import TenantContext
from tests.api.conftest import (
    V1,
    bearer,
    book_new_client,
    booking_day,
    local_start,
    open_service,
)
from tests.factories import PASSWORD

INJECTIONS = [
    "<script>window.__pwned=1</script>",
    '"><img src=x onerror="window.__pwned=1">',
    "'; DROP TABLE booking; --",
    "Robert'); DELETE FROM app_user WHERE ('1'='1",
    "{{7*7}} ${7*7} {first_name} %s %(x)s",
    "../../../etc/passwd\x7f",
    "<svg/onload=alert(1)>",
]


def users() -> int:
    with hub_db.unit_of_work(TenantContext.system()) as db:
        return db.scalar(select(func.count()).select_from(AppUser))


@pytest.mark.parametrize("text", INJECTIONS)
def test_injection_strings_round_trip_as_text_and_render_escaped(committed_engine, world, text):
    client = TestClient(create_api())
    manager = bearer(client, world.manager_a_email)
    before = users()
    edited = client.patch(f"{V1}/stores/{world.slug_a}", headers=manager, json={"description": text, "address": text})
    assert edited.status_code == 200, edited.text
    assert edited.json()["description"] == text and edited.json()["address"] == text
    assert client.get(f"{V1}/stores/{world.slug_a}").json()["description"] == text

    offer = open_service(client, world.slug_a, manager)
    renamed = client.post(f"{V1}/stores/{world.slug_a}/services", headers=manager, json={
        "name": text[:100], "description": text, "duration_minutes": 30, "min_persons": 1, "max_persons": 1,
        "price_type": "fixed", "base_price_amount": "10.00", "calendar_ids": [offer.calendar_id]})
    assert renamed.status_code in (201, 422), renamed.text
    if renamed.status_code == 201:
        assert renamed.json()["name"] == text[:100] and renamed.json()["description"] == text
    booked = book_new_client(client, world.slug_a, offer.service_id, local_start(booking_day(), 10),
                             "inj@example.com", address=text)
    assert booked.status_code in (201, 422), booked.text
    if booked.status_code == 201:
        notes = client.post(f"{V1}/stores/{world.slug_a}/bookings", headers=bearer(client, world.client_email),
                            json={"service_id": offer.service_id, "start": local_start(booking_day(), 11),
                                  "persons": 1, "notes": text})
        assert notes.status_code == 201 and notes.json()["notes"] == text
    assert users() == before + (1 if booked.status_code == 201 else 0)  # nothing deleted, one registered

    admin = TestClient(create_api())
    assert admin.post("/admin/login", data={"username": world.admin_email, "password": PASSWORD},
                      follow_redirects=False).status_code == 302
    page = admin.get(f"/admin/store/details/{world.store_a_id}")
    assert page.status_code == 200
    assert str(escape(text)) in page.text  # Jinja's autoescape: shown as text
    for raw in ("<script>window.__pwned", 'onerror="window.__pwned', "<svg/onload"):
        assert raw not in page.text
