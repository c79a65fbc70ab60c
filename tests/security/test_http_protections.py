"""Security headers, HSTS only over HTTPS (directly or behind a trusted TLS proxy), admin cookie
flags and cross-site refusal, request ids, body size limits and upload refusals."""

from __future__ import annotations

import io

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select

from hub_app import db as hub_db
from hub_app.api.app import create_api
from hub_app.domain.accounts.models import AppUser, UserRole
from hub_app.domain.stores import photos
from hub_app.domain.errors import ValidationFailed
from hub_app.domain.tenancy import TenantContext
from hub_app.security.headers import DOCS_CSP, PAGE_CSP, UPLOAD_CSP
from hub_app.settings import reset_settings_cache
from tests.factories import PASSWORD, make_store, make_user

PROBE_PATHS = ["/api/v1/openapi.json", "/api/v1/stores/no-such-store", "/ready", "/admin/login", "/webhooks/stripe",
               "/no/such/page"]


def admin_login(client: TestClient, email: str, **kw):
    return client.post("/admin/login", data={"username": email, "password": PASSWORD}, follow_redirects=False, **kw)


@pytest.mark.parametrize("path", PROBE_PATHS)
def test_every_answer_carries_the_security_headers(api, world, path):
    response = api.get(path)
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert response.headers["content-security-policy"] == PAGE_CSP
    assert "frame-ancestors 'none'" in PAGE_CSP and "object-src 'none'" in PAGE_CSP
    assert "strict-transport-security" not in response.headers  # plain HTTP


def test_docs_and_uploads_get_their_own_policy(committed_engine, monkeypatch, tmp_path):
    monkeypatch.setenv("UPLOAD_DIR", str(tmp_path))
    reset_settings_cache()
    (tmp_path / "stores" / "1").mkdir(parents=True)
    (tmp_path / "stores" / "1" / "x.jpg").write_bytes(b"\xff\xd8\xff")
    with TestClient(create_api()) as client:
        assert client.get("/api/v1/docs").headers["content-security-policy"] == DOCS_CSP
        photo = client.get("/uploads/stores/1/x.jpg")
        assert photo.status_code == 200 and photo.headers["content-security-policy"] == UPLOAD_CSP


def test_hsts_only_over_https(committed_engine):
    with TestClient(create_api(), base_url="https://hub.example") as client:
        assert client.get("/ready").headers["strict-transport-security"].startswith("max-age=31536000")


def test_behind_a_trusted_tls_proxy_hsts_and_secure_cookie(committed_engine, security_env):
    with hub_db.unit_of_work(TenantContext.system()) as db:
        admin = make_user(db, UserRole.ADMIN, email="proxy-admin@example.com")
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}
    # The proxy's word is not taken from just anyone...
    with TestClient(create_api(), base_url="http://hub.example") as client:
        untrusted = admin_login(client, admin.email, headers=forwarded)
        assert "strict-transport-security" not in untrusted.headers
        assert "secure" not in untrusted.headers["set-cookie"].lower()
    # ...only from the configured proxy (TestClient connects from "testclient").
    security_env(TRUSTED_PROXIES="testclient")
    with TestClient(create_api(), base_url="http://hub.example") as client:
        trusted = admin_login(client, admin.email, headers=forwarded)
        assert trusted.status_code == 302
        assert trusted.headers["strict-transport-security"].startswith("max-age=")
        cookie = trusted.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=lax" in cookie and "secure" in cookie


def test_admin_cookie_flags_and_cross_site_refusal(committed_engine):
    with hub_db.unit_of_work(TenantContext.system()) as db:
        admin = make_user(db, UserRole.ADMIN, email="flags-admin@example.com")
        store, _ = make_store(db)
    with TestClient(create_api(), base_url="https://hub.example") as client:
        response = admin_login(client, admin.email)
        cookie = response.headers["set-cookie"].lower()
        assert response.status_code == 302
        assert "hub_admin_session=" in cookie and "httponly" in cookie and "samesite=lax" in cookie
        assert "secure" in cookie and "path=/admin" in cookie
        forged = client.post(f"/admin/store/edit/{store.id}", data={"name": "pwned"},
                             headers={"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"})
        assert forged.status_code == 403


def test_request_id_is_echoed_or_made(api, world):
    given = api.get("/ready", headers={"X-Request-ID": "trace-abc.123"})
    assert given.headers["x-request-id"] == "trace-abc.123"
    made = api.get("/ready", headers={"X-Request-ID": "bad id with spaces\n"})
    assert made.headers["x-request-id"] != "bad id with spaces\n" and len(made.headers["x-request-id"]) == 32
    assert api.get("/ready").headers["x-request-id"] != made.headers["x-request-id"]


def test_oversized_bodies_are_refused_before_the_route(api, world, security_env):
    big = b"{" + b" " * (1024 * 1024 + 10) + b"}"
    response = api.post("/api/v1/auth/token", content=big, headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"

    def chunks():
        for _ in range(20):
            yield b"x" * 100_000

    chunked = api.post("/webhooks/stripe", content=chunks(), headers={"Content-Type": "application/json"})
    assert chunked.status_code == 413
    # Uploads have their own limit: a 2 MB upload body passes this layer (and reaches a route).
    assert api.post("/_upload", content=b"x" * 2_000_000).status_code != 413
    assert api.post("/_upload", content=b"x" * (26 * 1024 * 1024)).status_code == 413


def test_non_image_and_oversized_uploads_are_refused(committed_engine, world, monkeypatch, tmp_path):
    monkeypatch.setenv("UPLOAD_DIR", str(tmp_path))
    reset_settings_cache()
    with hub_db.unit_of_work(TenantContext.system()) as db:
        manager = db.scalar(select(AppUser).where(AppUser.email == world.manager_a_email))
    ctx = TenantContext.for_user(manager).in_store(world.store_a_id)

    png = io.BytesIO()
    Image.new("RGB", (20, 20), "teal").save(png, "PNG")
    refused = [b"<?php system($_GET['c']); ?>", b"%PDF-1.4 not an image", b"GIF89a" + b"\x00" * 100,
               b"\x89PNG\r\n\x1a\n" + b"\x00" * 50]  # right magic number, broken image
    for data in refused:
        with pytest.raises(ValidationFailed), hub_db.unit_of_work(ctx) as db:
            photos.add_photo(db, ctx, data)
    with pytest.raises(ValidationFailed), hub_db.unit_of_work(ctx) as db:
        photos.add_photo(db, ctx, png.getvalue() + b"\x00" * (5 * 1024 * 1024))
    with hub_db.unit_of_work(ctx) as db:
        assert photos.add_photo(db, ctx, png.getvalue()).path.endswith(".png")
    assert len(list(tmp_path.rglob("*.png"))) == 2  # the re-encoded photo and its thumbnail, nothing else
