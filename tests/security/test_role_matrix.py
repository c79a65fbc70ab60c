"""Every row of the spec's role feature matrix, probed over HTTP for each role.

Rows served by the REST API are probed there; the admin-only rows live in the admin panel
(/admin), where only admins can hold a session. "Send Notifications" has no HTTP route of its
own (the manager dashboard's compose screen calls the domain over the page's websocket), so
that row calls the same domain function the dashboard does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from hub_app import db as hub_db
from hub_app.api.app import create_api
from hub_app.domain.accounts.models import AppUser
from hub_app.domain.billing.models import PlanInterval, SubscriptionPlan
from hub_app.domain.bookings.models import Booking
from hub_app.domain.errors import NotAuthenticated, PermissionDenied, ValidationFailed
from hub_app.domain.notifications.models import Channel
from hub_app.domain.notifications.outbox import Recipients, queue_manual
from hub_app.domain.permissions import MATRIX, Feature
from hub_app.domain.stores.models import Store
from hub_app.domain.tenancy import TenantContext
from hub_app.i18n import t
from tests.api.conftest import V1, bearer, booking_day, local_start, open_service
from tests.factories import PASSWORD

ROLES = ("anonymous", "client", "manager", "admin")
ROLE_OF = {"client": "client", "manager": "store_manager", "admin": "admin"}


@dataclass
class Scene:
    client: TestClient
    slug: str
    store_id: int
    service_id: int
    plan_id: int
    auth: dict[str, dict[str, str]]
    emails: dict[str, str]
    admin_session: TestClient
    counter: list[int]

    def next_start(self) -> str:
        self.counter[0] += 1
        n = self.counter[0]
        return local_start(booking_day(7 + n // 16), 9 + (n % 16) // 2, 30 * (n % 2))


def api_probe(method: str, path: str, body: Callable[[Scene], object] | None = None) -> Callable:
    def probe(scene: Scene, role: str) -> int:
        url = V1 + path.format(slug=scene.slug, store_id=scene.store_id)
        return scene.client.request(method, url, headers=scene.auth[role],
                                    json=body(scene) if body else None).status_code

    return probe


def admin_panel_probe(path: str) -> Callable:
    """Only admins can hold an admin session: everyone else is refused at sign-in (403)."""

    def probe(scene: Scene, role: str) -> int:
        if role == "admin":
            return scene.admin_session.get(path.format(store_id=scene.store_id), follow_redirects=False).status_code
        if role != "anonymous":
            refused = scene.client.post("/admin/login", data={"username": scene.emails[role], "password": PASSWORD},
                                        follow_redirects=False)
            assert refused.status_code == 403 and "set-cookie" not in refused.headers
        answer = scene.client.get(path.format(store_id=scene.store_id), headers=scene.auth[role],
                                  follow_redirects=False)
        return 403 if answer.status_code in (302, 303) and "/admin/login" in answer.headers["location"] \
            else answer.status_code

    return probe


def notification_probe(scene: Scene, role: str) -> int:
    """The dashboard's "send a message" action, called as each role."""
    with hub_db.unit_of_work(TenantContext.system()) as db:
        user = db.scalar(select(AppUser).where(AppUser.email == scene.emails[role])) if role != "anonymous" else None
    ctx = (TenantContext.for_user(user).in_store(scene.store_id) if user and user.role.value != "client"
           else TenantContext.for_user(user, store_id=scene.store_id) if user
           else TenantContext.anonymous(scene.store_id))
    try:
        with hub_db.unit_of_work(ctx) as db:
            queue_manual(db, ctx, Recipients.everyone(), Channel.SMS, None, "Closed on Monday")
    except NotAuthenticated:
        return 401
    except PermissionDenied:
        return 403
    except ValidationFailed:  # allowed, but nobody booked yet
        return 422
    return 200


PROBES: dict[Feature, Callable] = {
    Feature.VIEW_STORE: api_probe("GET", "/stores/{slug}"),
    Feature.BOOK_APPOINTMENTS: api_probe("POST", "/stores/{slug}/bookings",
                                         lambda s: {"service_id": s.service_id, "start": s.next_start(), "persons": 1}),
    Feature.MANAGE_PROFILE: api_probe("PATCH", "/me", lambda s: {"first_name": "Renamed"}),
    Feature.VIEW_OWN_BOOKINGS: api_probe("GET", "/me/bookings"),
    Feature.MANAGE_STORE_INFO: api_probe("PATCH", "/stores/{slug}", lambda s: {"address": "Ermou 5"}),
    Feature.MANAGE_SERVICES: api_probe("POST", "/stores/{slug}/services", lambda s: {
        "name": "Colour", "duration_minutes": 60, "min_persons": 1, "max_persons": 1, "price_type": "fixed",
        "base_price_amount": "40.00", "calendar_ids": []}),
    Feature.MANAGE_CALENDARS: api_probe("POST", "/stores/{slug}/calendars", lambda s: {"name": "Chair 9"}),
    Feature.VIEW_CLIENTS: api_probe("GET", "/stores/{slug}/clients"),
    Feature.SEND_NOTIFICATIONS: notification_probe,
    Feature.VIEW_BOOKINGS: api_probe("GET", "/stores/{slug}/bookings"),
    Feature.MANAGE_SUBSCRIPTION: api_probe("POST", "/stores/{slug}/subscription/checkout",
                                           lambda s: {"plan_id": s.plan_id}),
    Feature.MANAGE_STORES: api_probe("POST", "/stores", lambda s: {
        "name": f"New store {s.next_start()[-14:-9]}", "slug": f"new-store-{s.counter[0]}",
        "manager": {"email": f"new.manager{s.counter[0]}@example.com", "first_name": "Maria",
                    "last_name": "Nea", "password": "a-long-manager-password"}}),
    Feature.MANAGE_MANAGERS: admin_panel_probe("/admin/app-user/list"),
    Feature.SET_PLANS: admin_panel_probe("/admin/subscription-plan/create"),
    Feature.TOGGLE_STORE_PAYMENTS: admin_panel_probe("/admin/store/edit/{store_id}"),
    Feature.FULL_DATA_ACCESS: admin_panel_probe("/admin/booking/list"),
}


# Refusals that are not 401/403, each for a stated reason (nothing is done or shown either way):
# booking without signing in is registration inside the booking, so without `client` details it
# is incomplete (422), not forbidden. Staff booking for themselves and staff asking for "their own
# bookings" are plain 403s (a manager books only for a named client: MANAGE_BOOKINGS).
NOT_FORBIDDEN_BUT_REFUSED = {
    (Feature.BOOK_APPOINTMENTS, "anonymous"): {422},
}


def test_every_row_of_the_matrix_has_a_probe():
    assert set(PROBES) == set(MATRIX) - {Feature.MANAGE_BOOKINGS}


@pytest.fixture
def scene(committed_engine, world) -> Scene:
    with hub_db.unit_of_work(TenantContext.system()) as db:
        plan = SubscriptionPlan(name="Pro", price_amount=Decimal("29.00"), interval=PlanInterval.MONTH)
        db.add(plan)
        db.flush()
        plan_id = plan.id
        store_id = db.scalar(select(Store.id).where(Store.slug == world.slug_a))
    client = TestClient(create_api())
    emails = {"client": world.client_email, "manager": world.manager_a_email, "admin": world.admin_email}
    auth = {"anonymous": {}} | {role: bearer(client, email) for role, email in emails.items()}
    offer = open_service(client, world.slug_a, auth["manager"])
    admin_session = TestClient(create_api())
    assert admin_session.post("/admin/login", data={"username": world.admin_email, "password": PASSWORD},
                              follow_redirects=False).status_code == 302
    return Scene(client, world.slug_a, store_id, offer.service_id, plan_id, auth, emails, admin_session, [0])


@pytest.mark.parametrize("feature", list(PROBES), ids=lambda f: f.value)
def test_role_matrix_row(scene, feature):
    outcome = {}
    for role in ROLES:
        status = PROBES[feature](scene, role)
        assert status < 500, (feature, role, status)
        outcome[role] = status
    allowed = {role for role in ROLES if role != "anonymous" and ROLE_OF[role] in {r.value for r in MATRIX[feature]}}
    if feature == Feature.VIEW_STORE:
        allowed.add("anonymous")  # a store's public page
    for role in ROLES:
        if role in allowed:
            assert outcome[role] not in (401, 403), (feature.value, role, outcome)
        else:
            assert outcome[role] in {401, 403} | NOT_FORBIDDEN_BUT_REFUSED.get((feature, role), set()), \
                (feature.value, role, outcome)
    if feature == Feature.BOOK_APPOINTMENTS:  # only the client's booking was made
        with hub_db.unit_of_work(TenantContext.system()) as db:
            assert len(db.scalars(select(Booking)).all()) == 1


@pytest.mark.parametrize("feature, message_key", [
    (Feature.BOOK_APPOINTMENTS, "booking.staff_books_for_clients"),
    (Feature.VIEW_OWN_BOOKINGS, "booking.own_bookings_clients_only"),
], ids=lambda v: getattr(v, "value", ""))
def test_staff_are_told_why_a_client_only_row_is_refused(scene, feature, message_key):
    for role in ("manager", "admin"):
        if feature == Feature.BOOK_APPOINTMENTS:
            answer = scene.client.post(f"{V1}/stores/{scene.slug}/bookings", headers=scene.auth[role],
                                       json={"service_id": scene.service_id, "start": scene.next_start(), "persons": 1})
        else:
            answer = scene.client.get(f"{V1}/me/bookings", headers=scene.auth[role])
        assert answer.status_code == 403, (role, answer.text)
        assert answer.json()["error"] == {"code": "forbidden", "message": t(message_key, "en"), "fields": {}}
    with hub_db.unit_of_work(TenantContext.system()) as db:
        assert db.scalars(select(Booking)).all() == []


def test_staff_can_still_manage_their_profile_on_the_account_page(world):
    """Register/Manage Profile is every role's row: the /account page opens for a manager, whose
    (refused) own-bookings list is simply empty."""
    from hub_app.domain.accounts.service import open_session_token
    from hub_app.state.account import AccountState
    from tests.page_states import open_page, run

    with hub_db.unit_of_work(TenantContext.system()) as db:
        manager = db.scalar(select(AppUser).where(AppUser.email == world.manager_a_email))
        token = open_session_token(db, manager)
    page = open_page(AccountState, path="/account", token=token)
    assert run(page, "load_account") is None   # no redirect to the sign-in page
    assert page.profile["email"] == world.manager_a_email and page.upcoming == [] and page.past == []


# --- a foreign client inside the manager's own store --------------------------------------------
# The rows above probe roles against a store; this one probes one person: a client who only ever
# booked in store B, as seen by store A's manager through every way a manager reaches clients.


def _manager_a_ctx(world) -> TenantContext:
    with hub_db.unit_of_work(TenantContext.system()) as db:
        return TenantContext.for_user(db.scalar(select(AppUser).where(AppUser.email == world.manager_a_email)))


def _what_manager_a_reaches(api: TestClient, world, manager: dict, service_id: int, hour: int) -> dict[str, object]:
    from hub_app.domain.bookings.listing import BookingFilters
    from hub_app.domain.clients.card import client_card
    from hub_app.domain.reporting.exports import bookings_csv, clients_csv
    from hub_app.domain.errors import NotFound

    ctx = _manager_a_ctx(world)
    seen: dict[str, object] = {}
    booked = api.post(f"{V1}/stores/{world.slug_a}/bookings", headers=manager, json={
        "service_id": service_id, "start": local_start(booking_day(), hour), "client_user_id": world.client_id})
    seen["book"] = booked.status_code
    listed = api.get(f"{V1}/stores/{world.slug_a}/clients", headers=manager).json()
    seen["list"] = [c["user_id"] for c in listed["items"]]
    searched = api.get(f"{V1}/stores/{world.slug_a}/clients", params={"search": world.client_email}, headers=manager)
    seen["search"] = searched.json()["total"]
    with hub_db.unit_of_work(ctx) as db:
        try:
            card = client_card(db, ctx, world.client_id)
            seen["read"] = (card.email, sorted({b.id for b in card.bookings}))
        except NotFound:
            seen["read"] = "not found"
    try:
        with hub_db.unit_of_work(ctx) as db:
            seen["message"] = len(queue_manual(db, ctx, Recipients.one(world.client_id), Channel.SMS, None, "Hello"))
    except NotFound:
        seen["message"] = "not found"
    with hub_db.unit_of_work(ctx) as db:
        seen["export"] = world.client_email in clients_csv(db, ctx) + bookings_csv(db, ctx, BookingFilters())
    return seen


def test_a_client_of_another_store_is_refused_and_invisible_until_they_accept(api, world):
    from tests.api.test_client_consent import invite_token

    manager_b = bearer(api, world.manager_b_email)
    offer_b = open_service(api, world.slug_b, manager_b)
    client = bearer(api, world.client_email)
    in_b = api.post(f"{V1}/stores/{world.slug_b}/bookings", headers=client,
                    json={"service_id": offer_b.service_id, "start": local_start(booking_day(), 9)})
    assert in_b.status_code == 201, in_b.text
    manager_a = bearer(api, world.manager_a_email)
    offer_a = open_service(api, world.slug_a, manager_a)

    before = _what_manager_a_reaches(api, world, manager_a, offer_a.service_id, 10)
    assert before == {"book": 422, "list": [], "search": 0, "read": "not found", "message": "not found",
                      "export": False}
    assert api.get(f"{V1}/bookings/{in_b.json()['id']}", headers=manager_a).status_code == 404
    assert api.post(f"{V1}/stores/{world.slug_a}/clients/invites", headers=manager_a,
                    json={"email": world.client_email}).status_code == 201
    assert _what_manager_a_reaches(api, world, manager_a, offer_a.service_id, 11) == before  # invited ≠ accepted

    assert api.post(f"{V1}/invites/accept", json={"token": invite_token(world.client_email)},
                    headers=client).status_code == 200
    after = _what_manager_a_reaches(api, world, manager_a, offer_a.service_id, 12)
    with hub_db.unit_of_work(TenantContext.system()) as db:
        in_a = [b.id for b in db.scalars(select(Booking).where(Booking.store_id == world.store_a_id))]
    assert len(in_a) == 1 and in_b.json()["id"] not in in_a
    # Allowed now, yet only store A's own history: store B's booking stays out of sight.
    assert after == {"book": 201, "list": [world.client_id], "search": 1, "read": (world.client_email, in_a),
                     "message": 1, "export": True}
    assert api.get(f"{V1}/bookings/{in_b.json()['id']}", headers=manager_a).status_code == 404
