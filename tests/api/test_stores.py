"""The public store page, onboarding by an admin, and editing a store."""

from __future__ import annotations

from tests.api.conftest import V1, assert_error, bearer

NEW_STORE = {
    "name": "Gamma Studio", "slug": "gamma-studio", "timezone": "America/New_York", "currency": "usd",
    "locale": "en", "address": "1 Main St", "city": "New York", "country": "us",
    "phone_number": "+1 212 555 0100", "email": "Hello@Gamma.example", "description": "Nails",
    "manager": {"email": "boss@gamma.example", "password": "long-enough-pw", "first_name": "Ann", "last_name": "Lee"},
}


def test_public_store_by_slug(api, world):
    response = api.get(f"{V1}/stores/{world.slug_a}")
    assert response.status_code == 200
    body = response.json()
    assert body["slug"] == world.slug_a and body["timezone"] == "Europe/Athens" and body["redirected_from"] is None


def test_unknown_slug_is_404_in_the_error_shape(api, world):
    for slug in ("no-such-store", "x" * 500, "bad slug!", "%00"):
        assert_error(api.get(f"{V1}/stores/{slug}"), 404, "not_found")
    assert_error(api.get(f"{V1}/stores/no-such-store/services"), 404)


def test_admin_onboards_a_store_with_its_manager(api, world):
    response = api.post(f"{V1}/stores", json=NEW_STORE, headers=bearer(api, world.admin_email))
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["store"]["slug"] == "gamma-studio" and body["store"]["currency"] == "USD"
    assert body["store"]["phone_number"] == "+12125550100"
    assert body["manager"]["email"] == "boss@gamma.example"
    manager = bearer(api, "boss@gamma.example", "long-enough-pw")
    assert api.get(f"{V1}/me", headers=manager).json()["store_id"] == body["store"]["id"]
    # The slug is taken now.
    again = dict(NEW_STORE, manager=dict(NEW_STORE["manager"], email="other@gamma.example"))
    assert "slug" in assert_error(api.post(f"{V1}/stores", json=again, headers=bearer(api, world.admin_email)),
                                  422)["fields"]


def test_only_admins_onboard_stores(api, world):
    assert_error(api.post(f"{V1}/stores", json=NEW_STORE), 401)
    for email in (world.manager_a_email, world.client_email):
        assert_error(api.post(f"{V1}/stores", json=NEW_STORE, headers=bearer(api, email)), 403, "forbidden")


def test_onboarding_reports_bad_fields(api, world):
    admin = bearer(api, world.admin_email)
    bad = dict(NEW_STORE, slug="Admin", timezone="Mars/Olympus", email="x@",
               manager=dict(NEW_STORE["manager"], password="short"))
    error = assert_error(api.post(f"{V1}/stores", json=bad, headers=admin), 422)
    assert {"slug", "timezone", "email"} <= set(error["fields"])
    error = assert_error(api.post(f"{V1}/stores", json=dict(NEW_STORE, currency="euro", locale="fr"),
                                  headers=admin), 422)
    assert {"currency", "locale"} <= set(error["fields"])
    short_password = dict(NEW_STORE, manager=dict(NEW_STORE["manager"], password="short"))
    assert "manager.password" in assert_error(api.post(f"{V1}/stores", json=short_password, headers=admin),
                                              422)["fields"]
    taken = dict(NEW_STORE, manager=dict(NEW_STORE["manager"], email=world.client_email))
    assert "manager.email" in assert_error(api.post(f"{V1}/stores", json=taken, headers=admin), 409)["fields"]
    missing = {k: v for k, v in NEW_STORE.items() if k != "manager"}
    assert "manager" in assert_error(api.post(f"{V1}/stores", json=missing, headers=admin), 422)["fields"]


def test_manager_edits_their_store_and_an_old_slug_still_answers(api, world):
    headers = bearer(api, world.manager_a_email)
    response = api.patch(f"{V1}/stores/{world.slug_a}", json={"slug": "alpha-new", "cancellation_cutoff_hours": 6,
                                                              "description": "Fresh"}, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["slug"] == "alpha-new" and response.json()["cancellation_cutoff_hours"] == 6
    old = api.get(f"{V1}/stores/{world.slug_a}")
    assert old.status_code == 200
    assert old.json()["slug"] == "alpha-new" and old.json()["redirected_from"] == world.slug_a


def test_store_patch_rules(api, world):
    manager = bearer(api, world.manager_a_email)
    # Payments and activation are the admin's switches.
    assert_error(api.patch(f"{V1}/stores/{world.slug_a}", json={"stripe_enabled": True}, headers=manager), 403)
    admin = bearer(api, world.admin_email)
    ok = api.patch(f"{V1}/stores/{world.slug_a}", json={"stripe_enabled": True}, headers=admin)
    assert ok.status_code == 200 and ok.json()["payments_enabled"] is True
    for bad in ({"name": ""}, {"name": None}, {"booking_horizon_days": 0}, {"timezone": "Nowhere"},
                {"min_notice_minutes": 10**12}, {"unknown": 1}, {"stripe_enabled": None}):
        assert_error(api.patch(f"{V1}/stores/{world.slug_a}", json=bad, headers=admin), 422)
    assert_error(api.patch(f"{V1}/stores/{world.slug_a}", json={"name": "X"}), 401)
    assert_error(api.patch(f"{V1}/stores/{world.slug_a}", json={"name": "X"}, headers=bearer(api, world.client_email)),
                 403)


def test_a_store_route_reads_the_store_and_the_session_together_with_the_same_answers(api, world):
    # Store routes look the slug and the bearer token up in one statement; the answers must be
    # those of the two lookups: an unknown store first, then a bad token, old slugs followed.
    manager = bearer(api, world.manager_a_email)
    clients = f"{V1}/stores/{world.slug_a}/clients"
    assert api.get(clients, headers=manager).status_code == 200
    assert_error(api.get(f"{V1}/stores/no-such-store/clients", headers=manager), 404)
    assert_error(api.get(f"{V1}/stores/no-such-store/clients", headers={"Authorization": "Bearer nope"}), 404)
    assert_error(api.get(clients, headers={"Authorization": "Bearer nope"}), 401)
    assert api.patch(f"{V1}/stores/{world.slug_a}", json={"slug": "alpha-moved"}, headers=manager).status_code == 200
    assert api.get(clients, headers=manager).status_code == 200          # the old slug, signed in
    assert api.get(f"{V1}/stores/alpha-moved/clients", headers=manager).status_code == 200
    assert api.post(f"{V1}/auth/logout", headers=manager).status_code == 204
    assert_error(api.get(f"{V1}/stores/alpha-moved/clients", headers=manager), 401)   # a revoked session
    admin = bearer(api, world.admin_email)
    assert api.patch(f"{V1}/stores/alpha-moved", json={"is_active": False}, headers=admin).status_code == 200
    assert_error(api.get(f"{V1}/stores/alpha-moved/clients", headers=admin), 404)     # an inactive store
