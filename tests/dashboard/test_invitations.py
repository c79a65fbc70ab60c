"""Inviting from /manage/clients and accepting on /invite, driven through the pages' states."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import quote, unquote

import pytest
from sqlalchemy import select

from hub_app.db import unit_of_work
from hub_app.domain.accounts.models import AppUser
from hub_app.domain.accounts.service import open_session_token
from hub_app.domain.bookings.availability import free_slots
from hub_app.domain.errors import NotFound
from hub_app.domain.notifications.models import Notification
from hub_app.domain.tenancy import TenantContext
from hub_app.domain.types import utcnow
from hub_app.manage.bookings.present import phone_booking
from hub_app.manage.clients.state import ClientsState
from hub_app.state.invite import InviteState
from tests.bookings.helpers import build_shop
from tests.dashboard.helpers import client
from tests.page_states import open_page, run, state_text


@pytest.fixture
def shop(committed_engine):
    with unit_of_work(TenantContext.system()) as db:
        return build_shop(db)


def _token_for(user_id: int) -> str:
    with unit_of_work(TenantContext.system()) as db:
        return open_session_token(db, db.get(AppUser, user_id))


def _invite_token(address: str) -> str:
    with unit_of_work(TenantContext.system()) as db:
        body = db.scalars(select(Notification.body).where(Notification.to_address == address)
                          .order_by(Notification.id.desc())).first()
    return unquote(re.search(r"/invite\?token=(\S+)", body).group(1))


def _book_by_phone(shop, client_user_id: int):
    day = utcnow().astimezone(shop.tz).date() + timedelta(days=3)
    with unit_of_work(shop.manager_ctx) as db:
        start = free_slots(db, shop.manager_ctx, shop.service.id, day, day)[0].start
    return phone_booking(shop.manager_ctx, service_id=shop.service.id, start=start, persons=1, notes="",
                         client_user_id=client_user_id, new_client=None)


def _clients_page(shop) -> ClientsState:
    page = open_page(ClientsState, path="/manage/clients", token=_token_for(shop.manager.id))
    run(page, "open_dashboard")
    assert page.dashboard_status == "ready"
    run(page, "load")
    return page


def test_an_invited_person_accepts_on_the_invite_page_and_can_then_be_booked(shop):
    with unit_of_work(TenantContext.system()) as db:
        person = client(db, first_name="Secret", last_name="Person", address="Hidden street 9")
        person_id, email = person.id, person.email
    with pytest.raises(NotFound):  # not one of the store's clients yet
        _book_by_phone(shop, person_id)

    page = _clients_page(shop)
    run(page, "invite", {"email": email, "first_name": "Typed", "last_name": ""})
    assert email in page.notice_text and not page.error_text
    assert [(r["email"], r["name"]) for r in page.invitations] == [(email, "Typed")]
    assert page.rows == []
    shown = state_text(page)
    assert "Secret" not in shown and "Hidden street" not in shown  # only what the manager typed

    invite = open_page(InviteState, path="/invite?token=" + quote(_invite_token(email)), token=_token_for(person_id))
    run(invite, "open_invite")
    assert (invite.invite_status, invite.invite_store, invite.invite_email) == ("ready", shop.store.name, email)
    run(invite, "accept")
    assert invite.invite_status == "done" and shop.store.name in invite.invite_done

    run(page, "load")
    assert [r["id"] for r in page.rows] == [str(person_id)] and page.invitations == []
    assert _book_by_phone(shop, person_id)["client_id"] == str(person_id)


def test_a_new_address_registers_on_the_invite_page(shop):
    page = _clients_page(shop)
    run(page, "invite", {"email": "brand.new@example.com", "first_name": "", "last_name": ""})
    link = "/invite?token=" + quote(_invite_token("brand.new@example.com"))
    invite = open_page(InviteState, path=link)
    run(invite, "open_invite")
    assert invite.invite_status == "ready"
    form = {"first_name": "Nea", "last_name": "Pelatis", "phone": "6971234500", "address": "Athens", "age": "30",
            "password": "short"}
    run(invite, "register_and_accept", form)
    assert "password" in invite.field_errors and invite.invite_status == "ready"
    run(invite, "register_and_accept", dict(form, password="a-long-enough-password"))
    assert invite.invite_status == "done" and invite.auth_token  # signed in as the new account
    with unit_of_work(TenantContext.system()) as db:
        user_id = db.scalar(select(AppUser.id).where(AppUser.email == "brand.new@example.com"))
    assert _book_by_phone(shop, user_id)["client_id"] == str(user_id)
    # The link worked once.
    again = open_page(InviteState, path=link)
    run(again, "open_invite")
    assert again.invite_status == "refused" and again.invite_error


def test_a_broken_link_is_refused_with_a_message(committed_engine):
    invite = open_page(InviteState, path="/invite?token=not-a-real-token")
    run(invite, "open_invite")
    assert invite.invite_status == "refused" and "not valid" in invite.invite_error
