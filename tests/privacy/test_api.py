"""The privacy routes over real HTTP: export downloads, rate limit, erasure, store scope."""

from __future__ import annotations

import io
import zipfile

import pytest
from fastapi.testclient import TestClient

from hub_app import db as hub_db
from hub_app.api.app import create_api
from hub_app.domain.privacy.export import EXPORTS_PER_DAY
from hub_app.domain.tenancy import TenantContext
from tests.api.conftest import V1, assert_error
from tests.factories import PASSWORD as MANAGER_PASSWORD
from tests.privacy.seed import EMAIL, PASSWORD, seed


@pytest.fixture
def setup(committed_engine):
    with hub_db.unit_of_work(TenantContext.system()) as db:
        data = seed(db)
    return TestClient(create_api()), data


def token(api: TestClient, email: str, password: str) -> dict[str, str]:
    answer = api.post(f"{V1}/auth/token", json={"email": email, "password": password})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def test_export_downloads_and_limit(setup):
    api, data = setup
    me = token(api, EMAIL, PASSWORD)
    assert_error(api.get(f"{V1}/me/export"), 401)
    as_json = api.get(f"{V1}/me/export", headers=me)
    assert as_json.status_code == 200 and as_json.headers["content-type"] == "application/json"
    assert "attachment" in as_json.headers["content-disposition"]
    assert as_json.json()["profile"]["email"] == EMAIL and len(as_json.json()["bookings"]) == 4
    as_zip = api.get(f"{V1}/me/export?format=zip", headers=me)
    assert sorted(n.rsplit(".", 1)[1] for n in zipfile.ZipFile(io.BytesIO(as_zip.content)).namelist()) == ["html", "json"]
    assert "<table>" in api.get(f"{V1}/me/export?format=html", headers=me).text
    for _ in range(EXPORTS_PER_DAY - 3):
        assert api.get(f"{V1}/me/export", headers=me).status_code == 200
    limited = api.get(f"{V1}/me/export", headers=me)
    assert_error(limited, 429, "rate_limited")
    assert int(limited.headers["retry-after"]) > 0


def test_erase_over_http(setup):
    api, data = setup
    me = token(api, EMAIL, PASSWORD)
    plan = api.get(f"{V1}/me/erasure", headers=me).json()
    assert len(plan["future_bookings_cancelled"]) == 2 and plan["bookings_kept"] == 4
    wrong = api.post(f"{V1}/me/erase", json={"password": "a-guess-123", "confirm": True}, headers=me)
    assert "password" in assert_error(wrong, 422)["fields"]
    done = api.post(f"{V1}/me/erase", json={"password": PASSWORD, "confirm": True}, headers=me)
    assert done.status_code == 200, done.text
    assert done.json()["bookings_cancelled"] == 2 and done.json()["confirmation_email"] is True
    assert_error(api.get(f"{V1}/me", headers=me), 401)   # every session ended
    assert_error(api.post(f"{V1}/auth/token", json={"email": EMAIL, "password": PASSWORD}), 401)


def test_store_routes_stay_in_the_managers_store(setup):
    api, data = setup
    manager_b = token(api, data.shop_b.manager.email, MANAGER_PASSWORD)
    slug_a, slug_b = data.shop_a.store.slug, data.shop_b.store.slug
    # Another store's slug: refused by the tenancy layer.
    assert api.get(f"{V1}/stores/{slug_a}/clients/{data.user_id}/export", headers=manager_b).status_code in (403, 404)
    assert api.post(f"{V1}/stores/{slug_a}/clients/{data.user_id}/erase", json={"confirm": True},
                    headers=manager_b).status_code in (403, 404)
    mine = api.get(f"{V1}/stores/{slug_b}/clients/{data.user_id}/export", headers=manager_b)
    assert mine.status_code == 200 and {b["store_id"] for b in mine.json()["bookings"]} == {data.shop_b.store.id}
    unconfirmed = api.post(f"{V1}/stores/{slug_b}/clients/{data.user_id}/erase", json={}, headers=manager_b)
    assert "confirm" in assert_error(unconfirmed, 422)["fields"]
    done = api.post(f"{V1}/stores/{slug_b}/clients/{data.user_id}/erase", json={"confirm": True}, headers=manager_b)
    assert done.status_code == 200 and done.json()["bookings_kept"] == 2
    # The person still signs in and keeps store A.
    me = token(api, EMAIL, PASSWORD)
    assert {b["store_id"] for b in api.get(f"{V1}/me/export", headers=me).json()["bookings"]} == {
        data.shop_a.store.id}
