"""The production server over plain HTTP with a hostile Origin: Reflex's own CORS middleware
(which reflects any Origin with credentials) is overruled by the app's allow-list on every path,
preflights included; a store's listed site gets CORS only on that store's public booking
endpoints; only embed pages may be framed, and only by the store's sites; the UI websocket
accepts only the app's own pages. No browser: what a crawler or an attacker's script sees."""

from __future__ import annotations

import http.client
import json
import socket
from urllib.parse import urlsplit

import pytest

from hub_app.db import unit_of_work
from hub_app.domain.stores.service import update_store
from tests.browser.client_seed import _admin_ctx, make_salon, store_today

HOSTILE = "https://evil.example"
SITE = "https://salon-site.example"


def request(live_app, method: str, path: str, headers: dict | None = None, body: dict | None = None):
    parts = urlsplit(live_app.base_url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        data = json.dumps(body).encode() if body is not None else None
        conn.request(method, path, body=data, headers={**({"Content-Type": "application/json"} if data else {}),
                                                       **(headers or {})})
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def cors_headers(headers: dict) -> dict:
    return {k: v for k, v in headers.items() if k.startswith("access-control-")}


@pytest.fixture(scope="module")
def stores(engine):
    listed, other = make_salon(engine, prefix="embed-http"), make_salon(engine, prefix="embed-other")
    ctx = _admin_ctx(engine)
    with unit_of_work(ctx, engine) as db:
        update_store(db, ctx, listed.store_id, {"embed_domains": [SITE]})
    return listed, other


@pytest.fixture(scope="module")
def manager_token(live_app, stores):
    listed, _ = stores
    status, _, body = request(live_app, "POST", "/api/v1/auth/token",
                              body={"email": f"manager-{listed.slug}@example.com", "password": "manager-pass-123"})
    assert status == 200, body
    return {"Authorization": "Bearer " + json.loads(body)["access_token"]}


def test_a_hostile_origin_gets_no_cors_header_anywhere(live_app, stores, manager_token):
    listed, _ = stores
    for path, extra in [
        ("/admin/login", {}),
        ("/admin/", {}),
        ("/api/v1/me", manager_token),
        (f"/api/v1/stores/{listed.slug}/bookings", manager_token),
        (f"/api/v1/stores/{listed.slug}/clients", manager_token),
        (f"/api/v1/stores/{listed.slug}", {}),
        ("/", {}),
        ("/account", {}),
        ("/ping", {}),
    ]:
        status, headers, _ = request(live_app, "GET", path, {"Origin": HOSTILE, **extra})
        assert cors_headers(headers) == {}, (path, status, headers)
        assert "origin" in headers.get("vary", "").lower(), path
    for path, method in [("/admin/login", "POST"), ("/api/v1/me", "PATCH"),
                         (f"/api/v1/stores/{listed.slug}/bookings", "POST")]:
        status, headers, _ = request(live_app, "OPTIONS", path, {
            "Origin": HOSTILE, "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": "authorization, content-type"})
        assert status == 403 and cors_headers(headers) == {}, (path, status, headers)


def test_a_listed_site_gets_cors_only_on_its_stores_public_booking_endpoints(live_app, stores, manager_token):
    listed, other = stores
    day = store_today().isoformat()
    for path in (f"/api/v1/stores/{listed.slug}", f"/api/v1/stores/{listed.slug}/services",
                 f"/api/v1/stores/{listed.slug}/services/{listed.haircut_id}/availability?start={day}&end={day}"):
        status, headers, body = request(live_app, "GET", path, {"Origin": SITE})
        assert status == 200, (path, body)
        assert headers["access-control-allow-origin"] == SITE
        assert "access-control-allow-credentials" not in headers
    status, headers, _ = request(live_app, "OPTIONS", f"/api/v1/stores/{listed.slug}/bookings", {
        "Origin": SITE, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type, idempotency-key"})
    assert status == 204 and headers["access-control-allow-origin"] == SITE
    assert headers["access-control-allow-methods"] == "POST"
    for path, extra in [(f"/api/v1/stores/{other.slug}", {}), (f"/api/v1/stores/{other.slug}/services", {}),
                        (f"/api/v1/stores/{listed.slug}/bookings", manager_token), ("/api/v1/me", manager_token),
                        ("/admin/login", {})]:
        status, headers, _ = request(live_app, "GET", path, {"Origin": SITE, **extra})
        assert cors_headers(headers) == {}, (path, headers)
    status, headers, _ = request(live_app, "OPTIONS", f"/api/v1/stores/{other.slug}/bookings", {
        "Origin": SITE, "Access-Control-Request-Method": "POST"})
    assert status == 403 and cors_headers(headers) == {}


def test_the_apps_own_origin_is_allowed_with_credentials_but_not_on_admin(live_app, stores):
    own = live_app.base_url
    status, headers, _ = request(live_app, "GET", "/api/v1/stores/" + stores[0].slug, {"Origin": own})
    assert status == 200 and headers["access-control-allow-origin"] == own
    assert headers["access-control-allow-credentials"] == "true"
    assert cors_headers(request(live_app, "GET", "/admin/login", {"Origin": own})[1]) == {}


def test_only_embed_pages_may_be_framed_and_only_by_the_stores_sites(live_app, stores):
    listed, other = stores
    status, headers, body = request(live_app, "GET", f"/embed/{listed.slug}")
    assert status == 200 and b"<html" in body.lower()
    assert headers["content-security-policy"].endswith(f"frame-ancestors 'self' {SITE}")
    assert "x-frame-options" not in headers
    _, headers, _ = request(live_app, "GET", f"/embed/{other.slug}")
    assert headers["content-security-policy"].endswith("frame-ancestors 'self'")
    for path in (f"/{listed.slug}", f"/{listed.slug}/book", "/", "/admin/login", "/manage"):
        _, headers, _ = request(live_app, "GET", path)
        assert "frame-ancestors 'none'" in headers["content-security-policy"], path
        assert headers["x-frame-options"] == "DENY", path
    status, headers, body = request(live_app, "GET", "/embed.js")
    assert status == 200 and headers["content-type"].startswith("text/javascript") and b"Book online" in body


def websocket_handshake(live_app, origin: str) -> str:
    """The status line the UI websocket answers to a handshake from `origin`."""
    parts = urlsplit(live_app.base_url)
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
        sock.sendall((
            "GET /_event/?EIO=4&transport=websocket HTTP/1.1\r\n"
            f"Host: {parts.netloc}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
            f"Origin: {origin}\r\n\r\n").encode())
        return sock.recv(4096).split(b"\r\n", 1)[0].decode()


def test_the_ui_websocket_answers_the_apps_pages_only(live_app):
    assert " 101 " in websocket_handshake(live_app, live_app.base_url)
    assert " 403 " in websocket_handshake(live_app, HOSTILE)
