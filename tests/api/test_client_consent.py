"""A manager books only the store's own clients; everyone else joins by accepting an invitation.

The harvest this closes: `POST /stores/{slug}/bookings` with any `client_user_id` used to book
that person, after which the store's client list showed their email, phone, address and age.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

from sqlalchemy import select

from hub_app import db as hub_db
from hub_app.domain.accounts.models import AppUser
from hub_app.domain.bookings.models import Booking
from hub_app.domain.clients.models import StoreClient
from hub_app.domain.notifications.models import Notification
from hub_app.domain.tenancy import TenantContext
from tests.api.conftest import V1, assert_error, bearer, booking_day, local_start, new_client, open_service


def _bookings_of(user_id: int) -> list[Booking]:
    with hub_db.unit_of_work(TenantContext.system()) as db:
        return list(db.scalars(select(Booking).where(Booking.client_user_id == user_id)))


def _messages_to(address: str) -> list[Notification]:
    with hub_db.unit_of_work(TenantContext.system()) as db:
        return list(db.scalars(select(Notification).where(Notification.to_address == address)
                               .order_by(Notification.id)))


def invite_token(address: str) -> str:
    """The token in the latest invitation email queued to `address` (as the person receives it)."""
    body = _messages_to(address)[-1].body
    return unquote(re.search(r"/invite\?token=(\S+)", body).group(1))


def _book_for(api, slug, headers, service_id, client_user_id, hour):
    return api.post(f"{V1}/stores/{slug}/bookings", headers=headers, json={
        "service_id": service_id, "start": local_start(booking_day(), hour), "client_user_id": client_user_id})


def test_a_manager_cannot_harvest_a_platform_client_by_booking_their_id(api, world):
    manager = bearer(api, world.manager_a_email)
    offer = open_service(api, world.slug_a, manager)
    with hub_db.unit_of_work(TenantContext.system()) as db:
        manager_b_id = db.scalar(select(AppUser.id).where(AppUser.email == world.manager_b_email))
    stranger = _book_for(api, world.slug_a, manager, offer.service_id, world.client_id, 10)
    unknown = _book_for(api, world.slug_a, manager, offer.service_id, 987654, 11)
    staff = _book_for(api, world.slug_a, manager, offer.service_id, manager_b_id, 12)
    # One answer for a real client of the platform, an unknown id and a staff account.
    error = assert_error(stranger, 422, "validation_error")
    assert set(error["fields"]) == {"client_user_id"}
    assert assert_error(unknown, 422) == error == assert_error(staff, 422)
    assert _bookings_of(world.client_id) == []
    clients = api.get(f"{V1}/stores/{world.slug_a}/clients", headers=manager).json()
    assert world.client_email not in str(clients) and clients["total"] == 0
    assert _messages_to(world.client_email) == []


def test_a_client_of_the_store_can_still_be_booked_by_phone(api, world):
    manager = bearer(api, world.manager_a_email)
    offer = open_service(api, world.slug_a, manager)
    client = bearer(api, world.client_email)
    own = api.post(f"{V1}/stores/{world.slug_a}/bookings", headers=client,
                   json={"service_id": offer.service_id, "start": local_start(booking_day(), 9)})
    assert own.status_code == 201, own.text
    again = _book_for(api, world.slug_a, manager, offer.service_id, world.client_id, 13)
    assert again.status_code == 201, again.text
    # Store B never had them: still refused there.
    manager_b = bearer(api, world.manager_b_email)
    offer_b = open_service(api, world.slug_b, manager_b)
    assert_error(_book_for(api, world.slug_b, manager_b, offer_b.service_id, world.client_id, 13), 422)


def test_an_invited_client_is_bookable_only_after_accepting(api, world):
    manager = bearer(api, world.manager_a_email)
    offer = open_service(api, world.slug_a, manager)
    sent = api.post(f"{V1}/stores/{world.slug_a}/clients/invites", headers=manager,
                    json={"email": world.client_email.upper(), "first_name": "Typed", "last_name": "Name"})
    assert sent.status_code == 201, sent.text
    # Only what the store typed: nothing from the account that has this address.
    assert {k: sent.json()[k] for k in ("email", "first_name", "last_name", "status")} == {
        "email": world.client_email, "first_name": "Typed", "last_name": "Name", "status": "invited"}
    pending = api.get(f"{V1}/stores/{world.slug_a}/clients/invites", headers=manager).json()
    assert [p["email"] for p in pending] == [world.client_email]
    assert api.get(f"{V1}/stores/{world.slug_a}/clients", headers=manager).json()["total"] == 0
    assert_error(_book_for(api, world.slug_a, manager, offer.service_id, world.client_id, 10), 422)

    token = invite_token(world.client_email)
    # Staff cannot accept for anyone, and the link only works for a signed-in client or a registration.
    assert_error(api.post(f"{V1}/invites/accept", json={"token": token}, headers=manager), 403)
    accepted = api.post(f"{V1}/invites/accept", json={"token": token}, headers=bearer(api, world.client_email))
    assert accepted.status_code == 200, accepted.text
    assert accepted.json() == {"store_id": world.store_a_id, "user_id": world.client_id}
    assert_error(api.post(f"{V1}/invites/accept", json={"token": token}, headers=bearer(api, world.client_email)),
                 422)  # single use

    listed = api.get(f"{V1}/stores/{world.slug_a}/clients", headers=manager).json()
    assert [(c["user_id"], c["email"], c["bookings_count"]) for c in listed["items"]] == [
        (world.client_id, world.client_email, 0)]
    assert api.get(f"{V1}/stores/{world.slug_a}/clients/invites", headers=manager).json() == []
    booked = _book_for(api, world.slug_a, manager, offer.service_id, world.client_id, 10)
    assert booked.status_code == 201, booked.text
    # Accepting store A's invitation opens nothing in store B.
    manager_b = bearer(api, world.manager_b_email)
    offer_b = open_service(api, world.slug_b, manager_b)
    assert_error(_book_for(api, world.slug_b, manager_b, offer_b.service_id, world.client_id, 10), 422)
    assert api.get(f"{V1}/stores/{world.slug_b}/clients", headers=manager_b).json()["total"] == 0


def test_an_invitation_answers_alike_for_known_and_unknown_addresses(api, world):
    manager = bearer(api, world.manager_a_email)
    known = api.post(f"{V1}/stores/{world.slug_a}/clients/invites", headers=manager, json={"email": world.client_email})
    unknown = api.post(f"{V1}/stores/{world.slug_a}/clients/invites", headers=manager,
                       json={"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 201
    strip = lambda body: {k: v for k, v in body.items() if k not in ("id", "email", "invited_at")}  # noqa: E731
    assert strip(known.json()) == strip(unknown.json())
    # The queued emails do not name the account either.
    assert [m.recipient_user_id for m in _messages_to(world.client_email)] != [world.client_id]


def test_a_new_address_registers_through_the_invitation(api, world):
    manager = bearer(api, world.manager_a_email)
    offer = open_service(api, world.slug_a, manager)
    assert api.post(f"{V1}/stores/{world.slug_a}/clients/invites", headers=manager,
                    json={"email": "newcomer@example.com"}).status_code == 201
    token = invite_token("newcomer@example.com")
    details = {k: v for k, v in new_client("ignored@example.com").items() if k != "email"}
    registered = api.post(f"{V1}/invites/accept", json={"token": token, "client": details})
    assert registered.status_code == 201, registered.text
    user_id = registered.json()["user_id"]
    assert bearer(api, "newcomer@example.com", "client-password")  # the invited address, their password
    assert _book_for(api, world.slug_a, manager, offer.service_id, user_id, 11).status_code == 201


def test_registering_with_an_address_that_has_an_account_asks_to_sign_in(api, world):
    manager = bearer(api, world.manager_a_email)
    api.post(f"{V1}/stores/{world.slug_a}/clients/invites", headers=manager, json={"email": world.client_email})
    token = invite_token(world.client_email)
    details = {k: v for k, v in new_client("x@example.com").items() if k != "email"}
    assert "email" in assert_error(api.post(f"{V1}/invites/accept", json={"token": token, "client": details}),
                                   409)["fields"]
    with hub_db.unit_of_work(TenantContext.system()) as db:
        assert db.scalar(select(StoreClient.status).where(StoreClient.email == world.client_email)).value == "invited"


def test_bad_and_superseded_invitation_links_are_refused(api, world):
    manager = bearer(api, world.manager_a_email)
    client = bearer(api, world.client_email)
    for token in ("", "not-a-token", "x" * 200):
        response = api.post(f"{V1}/invites/accept", json={"token": token or "-"}, headers=client)
        assert_error(response, 422)
    api.post(f"{V1}/stores/{world.slug_a}/clients/invites", headers=manager, json={"email": world.client_email})
    first = invite_token(world.client_email)
    api.post(f"{V1}/stores/{world.slug_a}/clients/invites", headers=manager, json={"email": world.client_email})
    second = invite_token(world.client_email)
    assert first != second
    assert_error(api.post(f"{V1}/invites/accept", json={"token": first}, headers=client), 422)
    assert api.post(f"{V1}/invites/accept", json={"token": second}, headers=client).status_code == 200
    assert_error(api.post(f"{V1}/stores/{world.slug_a}/clients/invites", headers=manager,
                          json={"email": world.client_email}), 409)


def test_a_store_cannot_mail_the_world_through_invitations(api, world, monkeypatch):
    from hub_app.domain.clients import invites

    monkeypatch.setattr(invites, "INVITES_PER_STORE_PER_HOUR", 2)
    manager = bearer(api, world.manager_a_email)
    for n in range(2):
        assert api.post(f"{V1}/stores/{world.slug_a}/clients/invites", headers=manager,
                        json={"email": f"person{n}@example.com"}).status_code == 201
    assert_error(api.post(f"{V1}/stores/{world.slug_a}/clients/invites", headers=manager,
                          json={"email": "person3@example.com"}), 429, "rate_limited")
    assert _messages_to("person3@example.com") == []
    # Store B's own allowance is untouched.
    assert api.post(f"{V1}/stores/{world.slug_b}/clients/invites", headers=bearer(api, world.manager_b_email),
                    json={"email": "person3@example.com"}).status_code == 201


def test_an_expired_invitation_is_refused(api, world, monkeypatch):
    from hub_app.domain.clients import invites

    manager = bearer(api, world.manager_a_email)
    api.post(f"{V1}/stores/{world.slug_a}/clients/invites", headers=manager, json={"email": world.client_email})
    token = invite_token(world.client_email)
    monkeypatch.setattr(invites, "INVITE_MAX_AGE", -1)  # as if its days had passed
    refused = api.post(f"{V1}/invites/accept", json={"token": token}, headers=bearer(api, world.client_email))
    assert "expired" in assert_error(refused, 422)["message"]
    assert api.get(f"{V1}/stores/{world.slug_a}/clients", headers=manager).json()["total"] == 0
