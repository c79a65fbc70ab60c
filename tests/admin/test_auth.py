"""Who may enter the admin panel, the session cookie, logout, throttling, cross-site requests, Greek."""

from __future__ import annotations

from sqlalchemy import func, select

from hub_app.domain.accounts.models import AuthSession, LoginFailure
from tests.admin.conftest import login, seed


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    for path in ("/admin/", "/admin/store/list", "/admin/app-user/create", "/admin/onboarding",
                 "/admin/payment/action/refund?pks=1"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 302, path
        assert response.headers["location"].endswith("/admin/login")


def test_clients_and_managers_are_refused_and_get_no_session(client, shop):
    store, manager, client_user = shop
    for user in (manager, client_user):
        response = login(client, user.email)
        assert response.status_code == 403
        assert "Only administrators can sign in here." in response.text
        assert client.get("/admin/", follow_redirects=False).status_code == 302
    # The token opened while checking the password was revoked at once.
    open_sessions = seed(lambda db: db.scalar(
        select(func.count()).select_from(AuthSession).where(AuthSession.revoked_at.is_(None))))
    assert open_sessions == 0


def test_admin_login_sets_an_httponly_lax_cookie_and_logout_revokes_the_token(client, admin_user):
    response = login(client, admin_user.email)
    assert response.status_code == 302
    cookie = response.headers["set-cookie"].lower()
    assert "hub_admin_session=" in cookie and "httponly" in cookie and "samesite=lax" in cookie
    assert "secure" not in cookie  # plain HTTP
    assert client.get("/admin/").status_code == 200
    stolen = dict(client.cookies)

    response = client.get("/admin/logout", follow_redirects=False)
    assert response.status_code == 302 and response.headers["location"].endswith("/admin/login")
    assert seed(lambda db: db.scalar(select(AuthSession.revoked_at).where(AuthSession.user_id == admin_user.id)))
    # A copy of the old cookie is useless: the token behind it is revoked.
    client.cookies.clear()
    client.cookies.update(stolen)
    assert client.get("/admin/", follow_redirects=False).status_code == 302


def test_cookie_is_secure_over_https(committed_engine, admin_user):
    from starlette.testclient import TestClient

    from hub_app.api.app import create_api

    with TestClient(create_api(), base_url="https://testserver") as https_client:
        response = login(https_client, admin_user.email)
        assert response.status_code == 302
        assert "secure" in response.headers["set-cookie"].lower()


def test_wrong_passwords_are_throttled_like_every_other_sign_in(client, admin_user):
    for _ in range(5):
        response = login(client, admin_user.email, "wrong-password")
        assert response.status_code == 400
        assert "The email or password is not correct." in response.text
    response = login(client, admin_user.email)  # even the right password waits now (unknown address)
    assert response.status_code == 429 and int(response.headers["Retry-After"]) >= 1
    assert "Too many failed sign-ins from here" in response.text
    assert int(response.headers["retry-after"]) > 0
    assert seed(lambda db: db.scalar(select(func.count()).select_from(LoginFailure))) == 5


def test_cross_site_writes_and_actions_are_refused(admin_client):
    evil = {"origin": "https://evil.example"}
    assert admin_client.post("/admin/subscription-plan/create", data={"name": "x"}, headers=evil).status_code == 403
    response = admin_client.get("/admin/store/action/enable-payments?pks=1", headers={"sec-fetch-site": "cross-site"})
    assert response.status_code == 403
    same = {"origin": "http://testserver"}
    assert admin_client.post("/admin/subscription-plan/create", data={"name": ""}, headers=same).status_code == 400


def test_the_panel_speaks_greek(admin_client):
    html = admin_client.get("/admin/?lang=el").text
    assert "Αποσύνδεση" in html and "Επισκόπηση πλατφόρμας" in html and "Καταστήματα" in html
    # The choice sticks (language cookie), and English is one click away.
    assert "Κρατήσεις" in admin_client.get("/admin/booking/list").text
    assert "Bookings" in admin_client.get("/admin/booking/list?lang=en").text
