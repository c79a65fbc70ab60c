"""Smoke test of the production build: pages render in a real browser, API routes answer."""

from __future__ import annotations

import json
import urllib.request


def _get(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.read()


def test_home_page_renders_title(live_app, page):
    page.goto(live_app.url("/"))
    heading = page.locator("#app-title")
    heading.wait_for()
    assert heading.inner_text() == "Appointment Hub"
    assert page.title() == "Appointment Hub · Find a store and book online"
    assert page.get_by_role("link", name="Sign in").get_attribute("href") == "/login"


def test_unknown_path_renders_not_found_page(live_app, page):
    # One path segment is a store address (/<store_slug>, not-found view from state): use three.
    response = page.goto(live_app.url("/no/such/page"))
    assert response is not None and response.status == 404
    page.get_by_text("Page not found").wait_for()


def test_openapi_document_is_served_on_the_same_port(live_app):
    status, body = _get(live_app.url("/api/v1/openapi.json"))
    assert status == 200
    assert json.loads(body)["info"]["title"] == "Appointment Hub API"


def test_ready_reports_database_ok_and_redis_not_configured(live_app):
    status, body = _get(live_app.url("/ready"))
    assert status == 200
    assert json.loads(body) == {"database": "ok", "redis": "not configured"}
