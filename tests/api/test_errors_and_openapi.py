"""One error shape everywhere, no 500 for any malformed input, and a truthful OpenAPI document."""

from __future__ import annotations

import json

import pytest

from tests.api.conftest import V1, assert_error, bearer

MALFORMED_BODIES: list[tuple[bytes, str]] = [
    (b"", "application/json"),
    (b"{", "application/json"),
    (b"not json at all", "application/json"),
    (b"[]", "application/json"),
    (b"null", "application/json"),
    (b'"a string"', "application/json"),
    (b"12345678901234567890123456789012345678901234567890", "application/json"),
    (b'{"name": 5}', "application/json"),
    (b'{"name": "x", "start": "2030-01-07T09:00:00"}', "application/json"),
    (b'{"start": "2030-02-30T09:00:00+02:00", "end": "yesterday"}', "application/json"),
    (b'{"start": "9999-12-31T23:59:59-14:00", "end": "0001-01-01T00:00:00+14:00"}', "application/json"),
    (b'{"service_id": 99999999999999999999999, "start": 1e400, "persons": -1}', "application/json"),
    (b'{"email": "\\u0000", "password": "\\ud800"}', "application/json"),
    (b'{"name": "\\ud83d", "slug": "\\u0000"}', "application/json"),
    (b"[" * 5000 + b"]" * 5000, "application/json"),
    (json.dumps({"name": "x" * 100_000}).encode(), "application/json"),
    (b"email=a&password=b", "application/x-www-form-urlencoded"),
    (b"\xff\xfe\x00garbage", "application/octet-stream"),
]


def _operations(api, *, with_body: bool = False) -> list[tuple[str, str]]:
    doc = api.get(f"{V1}/openapi.json").json()
    return [(method, path) for path, item in doc["paths"].items() for method, operation in item.items()
            if not with_body or "requestBody" in operation]


def _concrete(path: str, world) -> str:
    return V1 + path.replace("{slug}", world.slug_a).replace("{service_id}", "1") \
        .replace("{calendar_id}", "1").replace("{booking_id}", "1")


def test_openapi_document_loads_and_describes_every_response(api):
    response = api.get(f"{V1}/openapi.json")
    assert response.status_code == 200
    doc = response.json()
    assert doc["openapi"].startswith("3.") and doc["servers"] == [{"url": "/api/v1"}]
    assert {"/auth/token", "/me", "/stores/{slug}", "/stores/{slug}/services/{service_id}/availability"} <= set(
        doc["paths"])
    assert "bearer" in json.dumps(doc["components"]["securitySchemes"]).lower()
    operation_ids = []
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            operation_ids.append(operation["operationId"])
            statuses = set(operation["responses"])
            assert any(s.startswith("2") for s in statuses), (method, path)
            for status, answer in operation["responses"].items():
                if status.startswith("4"):
                    ref = answer["content"]["application/json"]["schema"]["$ref"]
                    assert ref.endswith("/ErrorResponse"), (method, path, status)
            if operation.get("requestBody") or operation.get("parameters"):
                assert "422" in statuses, (method, path)
    assert len(operation_ids) == len(set(operation_ids))
    assert "HTTPValidationError" not in doc["components"]["schemas"]
    assert api.get(f"{V1}/docs").status_code == 200


def test_unknown_path_and_wrong_method_use_the_error_shape(api, world):
    assert_error(api.get(f"{V1}/no/such/thing"), 404, "not_found")
    response = api.delete(f"{V1}/stores/{world.slug_a}")
    assert_error(response, 405, "method_not_allowed")
    assert "GET" in response.headers["allow"]


@pytest.mark.parametrize("as_admin", [False, True], ids=["anonymous", "admin"])
def test_malformed_bodies_never_give_a_500(api, world, as_admin):
    headers = bearer(api, world.admin_email) if as_admin else {}
    operations = _operations(api, with_body=True)
    assert len(operations) >= 10
    for method, path in operations:
        for body, content_type in MALFORMED_BODIES:
            response = api.request(method.upper(), _concrete(path, world), content=body,
                                   headers={**headers, "Content-Type": content_type})
            assert 400 <= response.status_code < 500, (method, path, body[:60], response.text[:300])
            assert_error(response, response.status_code)


def test_malformed_query_and_path_values_never_give_a_500(api, world):
    headers = bearer(api, world.admin_email)
    values = ["", "\x00", "%00", "-1", "0", "1e999", "99999999999999999999999", "2030-01-07T09:00:00",
              "9999-12-31T23:59:59-14:00", "null", "x" * 5000, "\ud800".encode("utf-8", "surrogatepass").hex()]
    for method, path in _operations(api):
        if method != "get":
            continue
        for value in values:
            url = _concrete(path, world)
            params = {"start": value, "end": value, "persons": value, "status": value, "limit": value,
                      "offset": value, "service_id": value, "search": value}
            response = api.get(url, params=params, headers=headers)
            assert response.status_code < 500, (path, value, response.text[:300])
            if response.status_code >= 400:
                assert_error(response, response.status_code)
        for raw_id in ("0", "-5", "abc", "99999999999999999999999"):
            if "{service_id}" in path or "{booking_id}" in path or "{calendar_id}" in path:
                url = V1 + path.replace("{slug}", world.slug_a).replace("{service_id}", raw_id) \
                    .replace("{calendar_id}", raw_id).replace("{booking_id}", raw_id)
                assert_error(api.get(url, headers=headers), 422)


def test_naive_times_are_refused(api, world):
    headers = bearer(api, world.manager_a_email)
    cal = api.post(f"{V1}/stores/{world.slug_a}/calendars", json={"name": "Chair"}, headers=headers).json()
    naive = {"start": "2030-01-07T09:00:00", "end": "2030-01-07T10:00:00"}
    error = assert_error(api.post(f"{V1}/stores/{world.slug_a}/calendars/{cal['id']}/blocks", json=naive,
                                  headers=headers), 422, "validation_error")
    assert {"start", "end"} <= set(error["fields"])


def test_validation_errors_name_nested_fields(api, world):
    error = assert_error(api.post(f"{V1}/stores", json={"name": "X", "slug": "xyz", "manager": {"email": 5}},
                                  headers=bearer(api, world.admin_email)), 422)
    assert "manager.email" in error["fields"] and "manager.password" in error["fields"]
