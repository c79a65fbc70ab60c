"""Tokens, sign-out, throttling, and the caller's own profile and password."""

from __future__ import annotations

from datetime import datetime

from tests.api.conftest import V1, assert_error, bearer
from tests.factories import PASSWORD


def test_token_for_the_right_password_opens_a_session(api, world):
    response = api.post(f"{V1}/auth/token", json={"email": "ELENI@example.com", "password": PASSWORD})
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer" and len(body["access_token"]) > 20
    assert datetime.fromisoformat(body["expires_at"]).tzinfo is not None
    me = api.get(f"{V1}/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200 and me.json()["email"] == world.client_email


def test_wrong_password_is_401_and_repeated_failures_are_throttled(api, world):
    for _ in range(5):
        assert_error(api.post(f"{V1}/auth/token", json={"email": world.client_email, "password": "nope-nope"}),
                     401, "not_authenticated")
    # Even the right password is refused while the account is throttled.
    response = api.post(f"{V1}/auth/token", json={"email": world.client_email, "password": PASSWORD})
    error = assert_error(response, 429, "rate_limited")
    assert int(response.headers["Retry-After"]) > 0
    assert error["retry_after"] == int(response.headers["Retry-After"])


def test_missing_and_bad_tokens_are_401(api, world):
    assert_error(api.get(f"{V1}/me"), 401, "not_authenticated")
    response = api.get(f"{V1}/me", headers={"Authorization": "Bearer not-a-token"})
    assert_error(response, 401, "not_authenticated")
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_logout_ends_the_token(api, world):
    headers = bearer(api, world.client_email)
    assert api.post(f"{V1}/auth/logout", headers=headers).status_code == 204
    assert_error(api.get(f"{V1}/me", headers=headers), 401)


def test_profile_patch_changes_only_the_fields_sent(api, world):
    headers = bearer(api, world.client_email)
    response = api.patch(f"{V1}/me", json={"first_name": "Maria", "phone": "697 000 1111", "locale": "el"},
                         headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["first_name"], body["phone"], body["locale"]) == ("Maria", "+306970001111", "el")
    assert body["last_name"] and body["email"] == world.client_email and body["role"] == "client"
    assert api.get(f"{V1}/me", headers=headers).json()["first_name"] == "Maria"


def test_profile_patch_reports_each_bad_field(api, world):
    headers = bearer(api, world.client_email)
    error = assert_error(api.patch(f"{V1}/me", json={"email": "nope", "phone": "12"}, headers=headers),
                         422, "validation_error")
    assert set(error["fields"]) == {"email", "phone"}
    # Taken email, unknown field, null where a value is required, out-of-range age.
    error = assert_error(api.patch(f"{V1}/me", json={"email": world.admin_email}, headers=headers), 422)
    assert "email" in error["fields"]
    assert "role" in assert_error(api.patch(f"{V1}/me", json={"role": "admin"}, headers=headers), 422)["fields"]
    assert "first_name" in assert_error(api.patch(f"{V1}/me", json={"first_name": None}, headers=headers), 422)["fields"]
    assert "age" in assert_error(api.patch(f"{V1}/me", json={"age": 10**30}, headers=headers), 422)["fields"]


def test_password_change_needs_the_current_one_and_ends_sessions(api, world):
    headers = bearer(api, world.client_email)
    wrong = api.post(f"{V1}/me/password", json={"current_password": "wrong-one", "new_password": "a-new-password"},
                     headers=headers)
    assert "current_password" in assert_error(wrong, 422)["fields"]
    short = api.post(f"{V1}/me/password", json={"current_password": PASSWORD, "new_password": "short"},
                     headers=headers)
    assert "new_password" in assert_error(short, 422)["fields"]
    ok = api.post(f"{V1}/me/password", json={"current_password": PASSWORD, "new_password": "a-new-password"},
                  headers=headers)
    assert ok.status_code == 204
    assert_error(api.get(f"{V1}/me", headers=headers), 401)
    assert api.get(f"{V1}/me", headers=bearer(api, world.client_email, "a-new-password")).status_code == 200
