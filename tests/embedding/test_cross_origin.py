"""The cross-origin policy and the embed pages' framing policy over the real ASGI app: a hostile
Origin gets nothing anywhere; a store's listed site gets CORS on that store's public booking
endpoints only; the app's own origin everywhere but /admin; websockets only from the app itself.

(The live production server, with Reflex's own CORS middleware inside this policy, is tested over
real HTTP in tests/browser/test_embedding_http.py.)"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from hub_app.api.app import create_api
from hub_app.security.cors import CrossOriginPolicy
from hub_app.security.headers import PAGE_CSP
from tests.api.conftest import V1, assert_error, bearer, booking_day, local_start, new_client, open_service

HOSTILE = "https://evil.example"
SITE_A = "https://salon-a.example"
OWN = "http://127.0.0.1:3000"   # PUBLIC_BASE_URL's default
JSON_POST = {"Access-Control-Request-Method": "POST",
             "Access-Control-Request-Headers": "content-type, idempotency-key"}


@pytest.fixture
def client(committed_engine) -> TestClient:
    return TestClient(CrossOriginPolicy(create_api()))


@pytest.fixture
def listed(client, world):
    """Store A lists SITE_A (set by its manager over the API); store B lists nothing."""
    manager = bearer(client, world.manager_a_email)
    response = client.patch(f"{V1}/stores/{world.slug_a}", headers=manager,
                            json={"embed_domains": [SITE_A + "/"], "embed_accent_color": "#AA3300"})
    assert response.status_code == 200, response.text
    assert response.json()["embed_domains"] == [SITE_A]
    assert response.json()["embed_accent_color"] == "#aa3300"
    offer = open_service(client, world.slug_a, manager)
    return offer, manager


def no_cors(response) -> None:
    assert not [h for h in response.headers if h.lower().startswith("access-control-")], dict(response.headers)
    assert "origin" in response.headers.get("vary", "").lower()


def test_a_hostile_origin_gets_no_cors_anywhere(client, world, listed):
    offer, manager = listed
    admin_token = bearer(client, world.admin_email)
    for path, headers in [
        ("/admin/login", {}),
        (f"{V1}/me", admin_token),
        (f"{V1}/stores/{world.slug_a}/bookings", manager),     # the manager's list
        (f"{V1}/stores/{world.slug_a}/clients", manager),
        (f"{V1}/stores/{world.slug_a}", {}),                   # public, but not for this origin
        (f"{V1}/stores/{world.slug_a}/services", {}),
        ("/embed.js", {}),
    ]:
        no_cors(client.get(path, headers={"Origin": HOSTILE, **headers}))
    preflight = client.options(f"{V1}/stores/{world.slug_a}/bookings", headers={"Origin": HOSTILE, **JSON_POST})
    assert preflight.status_code == 403
    no_cors(preflight)
    no_cors(client.post("/admin/login", data={"username": world.admin_email, "password": "x"},
                        headers={"Origin": HOSTILE}, follow_redirects=False))


def test_a_listed_site_may_call_its_stores_public_booking_endpoints_only(client, world, listed):
    offer, manager = listed
    day = booking_day()
    public = [
        f"{V1}/stores/{world.slug_a}",
        f"{V1}/stores/{world.slug_a}/services",
        f"{V1}/stores/{world.slug_a}/services/{offer.service_id}",
        f"{V1}/stores/{world.slug_a}/services/{offer.service_id}/availability?start={day}&end={day}",
    ]
    for path in public:
        response = client.get(path, headers={"Origin": SITE_A})
        assert response.status_code == 200, (path, response.text)
        assert response.headers["access-control-allow-origin"] == SITE_A
        assert "access-control-allow-credentials" not in response.headers   # bearer tokens, no cookies
        assert "origin" in response.headers["vary"].lower()

    preflight = client.options(f"{V1}/stores/{world.slug_a}/bookings", headers={"Origin": SITE_A, **JSON_POST})
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == SITE_A
    assert preflight.headers["access-control-allow-methods"] == "POST"
    allowed = {h.strip() for h in preflight.headers["access-control-allow-headers"].split(",")}
    assert {"content-type", "idempotency-key", "authorization"} <= allowed
    assert "Origin" in preflight.headers["vary"]
    booked = client.post(f"{V1}/stores/{world.slug_a}/bookings", headers={"Origin": SITE_A},
                         json={"service_id": offer.service_id, "start": local_start(day, 10), "persons": 1,
                               "client": new_client("site.client@example.com")})
    assert booked.status_code == 201, booked.text
    assert booked.headers["access-control-allow-origin"] == SITE_A

    # The same site, anywhere else: another store's public endpoints, the manager's list, accounts.
    for path, headers in [
        (f"{V1}/stores/{world.slug_b}", {}),
        (f"{V1}/stores/{world.slug_b}/services", {}),
        (f"{V1}/stores/{world.slug_a}/bookings", manager),
        (f"{V1}/me", manager),
        ("/admin/login", {}),
    ]:
        no_cors(client.get(path, headers={"Origin": SITE_A, **headers}))
    for path, method in [(f"{V1}/stores/{world.slug_b}/bookings", "POST"),
                         (f"{V1}/stores/{world.slug_a}/bookings", "GET"),
                         (f"{V1}/stores/{world.slug_a}", "PATCH"),
                         (f"{V1}/auth/token", "POST")]:
        refused = client.options(path, headers={"Origin": SITE_A, "Access-Control-Request-Method": method})
        assert refused.status_code == 403, (path, method)
        no_cors(refused)
    # A header the booking endpoints do not read is not allowed either.
    odd = client.options(f"{V1}/stores/{world.slug_a}/bookings",
                         headers={"Origin": SITE_A, "Access-Control-Request-Method": "POST",
                                  "Access-Control-Request-Headers": "x-forward-me"})
    assert odd.status_code == 403


def test_the_apps_own_origin_is_allowed_with_credentials_except_on_admin(client, world):
    token = bearer(client, world.client_email)
    me = client.get(f"{V1}/me", headers={"Origin": OWN, **token})
    assert me.headers["access-control-allow-origin"] == OWN
    assert me.headers["access-control-allow-credentials"] == "true"
    no_cors(client.get("/admin/login", headers={"Origin": OWN}))
    preflight = client.options(f"{V1}/me", headers={"Origin": OWN, "Access-Control-Request-Method": "PATCH",
                                                    "Access-Control-Request-Headers": "authorization, content-type"})
    assert preflight.status_code == 204 and preflight.headers["access-control-allow-credentials"] == "true"


def test_a_change_of_sites_applies_at_once_in_this_process(client, world, listed):
    offer, manager = listed
    path = f"{V1}/stores/{world.slug_a}/services"
    assert client.get(path, headers={"Origin": SITE_A}).headers["access-control-allow-origin"] == SITE_A
    cleared = client.patch(f"{V1}/stores/{world.slug_a}", headers=manager, json={"embed_domains": []})
    assert cleared.status_code == 200
    no_cors(client.get(path, headers={"Origin": SITE_A}))


def test_bad_sites_and_colours_are_refused_next_to_the_field(client, world):
    manager = bearer(client, world.manager_a_email)
    bad = client.patch(f"{V1}/stores/{world.slug_a}", headers=manager,
                       json={"embed_domains": ["https://ok.example", "https://*.salon.example"]})
    error = assert_error(bad, 422, "validation_error")
    assert "https://*.salon.example" in error["fields"]["embed_domains"]
    colour = client.patch(f"{V1}/stores/{world.slug_a}", headers=manager, json={"embed_accent_color": "teal"})
    assert "embed_accent_color" in assert_error(colour, 422)["fields"]
    # Nothing was half-saved.
    store = client.get(f"{V1}/stores/{world.slug_a}").json()
    assert store["embed_domains"] == [] and store["embed_accent_color"] is None
    # Another store's manager cannot set them.
    other = bearer(client, world.manager_b_email)
    assert client.patch(f"{V1}/stores/{world.slug_a}", headers=other,
                        json={"embed_domains": ["https://evil.example"]}).status_code in (403, 404)


def test_only_embed_pages_may_be_framed_and_only_by_the_stores_sites(client, world, listed):
    framed = client.get(f"/embed/{world.slug_a}")
    csp = framed.headers["content-security-policy"]
    assert f"frame-ancestors 'self' {SITE_A}" in csp and "frame-ancestors 'none'" not in csp
    assert "x-frame-options" not in framed.headers
    # A store with no sites: only the app itself may frame its embed page.
    b = client.get(f"/embed/{world.slug_b}")
    assert b.headers["content-security-policy"].endswith("frame-ancestors 'self'")
    assert client.get("/embed/no-such-store").headers["content-security-policy"].count("frame-ancestors 'self'") == 1
    # Everything else keeps refusing frames.
    for path in (f"/{world.slug_a}", f"/{world.slug_a}/book", "/admin/login", f"{V1}/stores/{world.slug_a}",
                 f"/embed/{world.slug_a}/book"):
        response = client.get(path)
        assert response.headers["content-security-policy"] == PAGE_CSP, path
        assert response.headers["x-frame-options"] == "DENY"


def test_the_scripts_are_served_with_their_labels(client):
    script = client.get("/embed.js")
    assert script.status_code == 200 and script.headers["content-type"].startswith("text/javascript")
    assert "Book online" in script.text and "Κλείστε online" in script.text and "__LABELS__" not in script.text
    assert "aria-modal" in script.text
    frame = client.get("/embed/frame.js")
    assert frame.status_code == 200 and "window.parent.postMessage(message, origin)" in frame.text
    assert frame.text.count("postMessage(") == 1   # one place posts, always to the checked origin


def test_inner_cors_headers_never_leak_and_websockets_come_from_the_app_only():
    """What Reflex's own CORS middleware adds inside is replaced, and a foreign page cannot open
    the UI websocket."""

    async def reflecting(request):
        return PlainTextResponse("ok", headers={"Access-Control-Allow-Origin": request.headers.get("origin", "*"),
                                                "Access-Control-Allow-Credentials": "true"})

    async def socket(websocket: WebSocket):
        await websocket.accept()
        await websocket.send_text("hello")
        await websocket.close()

    inner = Starlette(routes=[Route("/page", reflecting), WebSocketRoute("/_event/", socket)])
    client = TestClient(CrossOriginPolicy(inner), base_url="http://127.0.0.1:3000")
    no_cors(client.get("/page", headers={"Origin": HOSTILE}))
    assert client.get("/page", headers={"Origin": OWN}).headers["access-control-allow-origin"] == OWN
    with client.websocket_connect("/_event/", headers={"Origin": OWN}) as ws:
        assert ws.receive_text() == "hello"
    with pytest.raises(WebSocketDisconnect):
        with client.websocket_connect("/_event/", headers={"Origin": HOSTILE}) as ws:
            ws.receive_text()
