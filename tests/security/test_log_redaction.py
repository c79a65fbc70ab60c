"""No secrets, tokens, passwords, card numbers or full personal data reach the logs; every line is
one JSON object carrying the request id."""

from __future__ import annotations

import io
import json
import logging

import pytest
from fastapi.testclient import TestClient

from hub_app.api.app import create_api
from hub_app.observability import logging as hub_logging
from hub_app.observability.redaction import redact
from tests.factories import PASSWORD

SECRETS = ["correct-horse-battery", "sk_live_51HxYz0123456789abcdef", "whsec_Ab12Cd34Ef56", "4242424242424242",
           "u8Dk2mPq9xLrT4vW7yZa1bC3dE5fG7hJ9kL1mN3pQ5s", "eleni.papadopoulou@example.com", "+30 697 123 4567",
           "6971234567", "dlr-token-3f9c2a7e41b8d6", "pat_eyJraWQiOiIxY2UxZTEzNjE3ZGNmNzY2YjNjZWJjY2Y4ZGM1YmFmYThhNjVlNjg0"]


@pytest.fixture
def log_lines(monkeypatch):
    monkeypatch.setenv("LOG_FORMAT", "json")
    stream = io.StringIO()
    handler = hub_logging.configure_logging(stream=stream)
    previous_level = logging.getLogger().level
    logging.getLogger().setLevel(logging.INFO)

    def read() -> list[dict]:
        return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]

    yield read
    logging.getLogger().removeHandler(handler)
    logging.getLogger().setLevel(previous_level)


@pytest.mark.parametrize("text, kept", [
    ("password=hunter2&next=/", "next=/"),
    ('{"email": "a.b@shop.gr", "password": "p@ss word", "name": "Nikos"}', '"name": "Nikos"'),
    ("Authorization: Bearer abc.def-ghi", "Authorization"),
    ("card 4242 4242 4242 4242 exp 12/30", "exp 12/30"),
    ("call +30 697 123 4567 or 6971234567 at 2026-11-24 10:00", "2026-11-24 10:00"),
    ("Stripe-Signature: t=1764000000,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd", "Stripe"),
    ("GET /webhooks/easysms/dlr-token-3f9c2a7e41b8d6?msgid=358731178&status=d", "msgid=358731178&status=d"),
    ("session u8Dk2mPq9xLrT4vW7yZa1bC3dE5fG7hJ9kL1mN3pQ5s expired", "expired"),
])
def test_redact_removes_the_secret_and_keeps_the_rest(text, kept):
    cleaned = redact(text)
    assert kept in cleaned
    for secret in ("hunter2", "a.b@shop.gr", "p@ss word", "abc.def-ghi", "4242 4242 4242 4242", "697 123 4567",
                   "6971234567", "5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd",
                   "dlr-token-3f9c2a7e41b8d6", "u8Dk2mPq9xLrT4vW7yZa1bC3dE5fG7hJ9kL1mN3pQ5s"):
        assert secret not in cleaned


def test_log_lines_are_json_and_hold_no_secret(log_lines):
    logger = logging.getLogger("hub_app.test")
    logger.warning("sign-in for %s with password=%s token %s", SECRETS[5], SECRETS[0], SECRETS[4])
    logger.info("charging card %s with key %s, webhook secret %s", SECRETS[3], SECRETS[1], SECRETS[2],
                extra={"phone": SECRETS[6], "callback": f"/webhooks/easysms/{SECRETS[8]}"})
    try:
        raise ValueError(f"[parameters: {{'email': '{SECRETS[5]}', 'phone_number': '{SECRETS[7]}', "
                         f"'token': '{SECRETS[9]}'}}]")
    except ValueError:
        logger.exception("insert failed")
    lines = log_lines()
    assert [line["level"] for line in lines] == ["WARNING", "INFO", "ERROR"]
    assert "e***@e***.com" in lines[0]["message"] and "exception" in lines[2]
    text = json.dumps(lines)
    for secret in SECRETS:
        assert secret not in text, secret


def test_other_handlers_are_filtered_too(log_lines):
    server_stream = io.StringIO()
    server_handler = logging.StreamHandler(server_stream)
    server_logger = logging.getLogger("granian.access")
    server_logger.addHandler(server_handler)
    try:
        hub_logging.configure_logging()
        server_logger.warning("GET /webhooks/easysms/%s from %s", SECRETS[8], SECRETS[5])
    finally:
        server_logger.removeHandler(server_handler)
    assert SECRETS[8] not in server_stream.getvalue() and SECRETS[5] not in server_stream.getvalue()


def test_requests_log_their_id_and_never_the_body(world, log_lines, monkeypatch):
    monkeypatch.setenv("EASYSMS_CALLBACK_TOKEN", SECRETS[8])
    from hub_app.settings import reset_settings_cache

    reset_settings_cache()
    with TestClient(create_api()) as client:
        signed_in = client.post("/api/v1/auth/token", json={"email": world.client_email, "password": PASSWORD},
                                headers={"X-Request-ID": "req-redaction-1"})
        token = signed_in.json()["access_token"]
        client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}", "X-Request-ID": "req-redaction-2"})
        client.post("/api/v1/auth/token", json={"email": world.client_email, "password": "wrong " + SECRETS[0]})
        client.get(f"/webhooks/easysms/{SECRETS[8]}", params={"msgid": "1", "status": "d"})
    lines = log_lines()
    access = [line for line in lines if line["logger"] == "hub_app.access"]
    assert {"req-redaction-1", "req-redaction-2"} <= {line.get("request_id") for line in access}
    assert any(line["route"] == "/api/v1/auth/token" and line["status"] == 200 for line in access)
    assert any(line["path"] == "/webhooks/easysms/[redacted]" for line in access)
    text = json.dumps(lines)
    for secret in (token, PASSWORD, SECRETS[0], SECRETS[8], world.client_email):
        assert secret not in text
