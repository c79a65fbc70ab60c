"""A stolen token is not a permanent takeover: the email changes only with the current password and
a link followed from the new address (the old one is told), and sessions end when left idle."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from hub_app import db as hub_db
from hub_app.domain.accounts.models import AppUser, AuthSession
from hub_app.domain.notifications.models import Notification, NotificationKind
from hub_app.domain.tenancy import TenantContext
from hub_app.domain.types import utcnow
from tests.api.conftest import V1, assert_error, bearer
from tests.factories import PASSWORD


def account_emails(engine, email: str) -> dict[str, str]:
    with hub_db.unit_of_work(TenantContext.system(), engine) as db:
        user_id = db.scalar(select(AppUser.id).where(AppUser.email == email))
        rows = db.scalars(select(Notification).where(Notification.recipient_user_id == user_id,
                                                     Notification.kind == NotificationKind.ACCOUNT))
        return {row.to_address: row.body for row in rows}


def test_email_change_needs_the_password_and_the_new_address(api, world, committed_engine):
    stolen = bearer(api, world.manager_a_email)
    new = "new.address@example.com"
    missing = assert_error(api.patch(f"{V1}/me", json={"email": new}, headers=stolen), 422)
    assert "current_password" in missing["fields"]
    wrong = api.patch(f"{V1}/me", json={"email": new, "current_password": "a-guess-1"}, headers=stolen)
    assert "current_password" in assert_error(wrong, 422)["fields"]
    assert account_emails(committed_engine, world.manager_a_email) == {}

    asked = api.patch(f"{V1}/me", json={"email": new, "current_password": PASSWORD}, headers=stolen)
    assert asked.status_code == 200, asked.text
    assert asked.json()["email"] == world.manager_a_email and asked.json()["pending_email"] == new
    assert api.get(f"{V1}/me", headers=stolen).json()["email"] == world.manager_a_email  # pending
    emails = account_emails(committed_engine, world.manager_a_email)
    assert set(emails) == {world.manager_a_email, new}
    assert new in emails[world.manager_a_email] and "token=" not in emails[world.manager_a_email]
    token = re.search(r"/confirm-email\?token=(\S+)", emails[new]).group(1)

    bad = assert_error(api.post(f"{V1}/auth/confirm-email", json={"token": token[:-3] + "abc"}), 422)
    assert "token" in bad["fields"]
    confirmed = api.post(f"{V1}/auth/confirm-email", json={"token": token})
    assert confirmed.status_code == 200 and confirmed.json() == {"email": new}
    assert api.get(f"{V1}/me", headers=stolen).json()["email"] == new
    assert api.post(f"{V1}/auth/token", json={"email": new, "password": PASSWORD}).status_code == 200
    again = assert_error(api.post(f"{V1}/auth/confirm-email", json={"token": token}), 422)
    assert again["message"] == "This confirmation link has already been used."


def test_an_unchanged_email_needs_no_password(api, world):
    headers = bearer(api, world.client_email)
    same = api.patch(f"{V1}/me", json={"email": world.client_email.upper(), "first_name": "Maria"}, headers=headers)
    assert same.status_code == 200 and same.json()["pending_email"] is None


def _shift_session(engine, *, created_ago: timedelta, expires_in: timedelta) -> None:
    now = utcnow()
    with hub_db.unit_of_work(TenantContext.system(), engine) as db:
        for session in db.scalars(select(AuthSession)):
            session.created_at, session.expires_at = now - created_ago, now + expires_in


def _expiry(engine):
    with hub_db.unit_of_work(TenantContext.system(), engine) as db:
        return db.scalar(select(AuthSession.expires_at))


def test_a_session_ends_when_left_idle(api, world, committed_engine):
    response = api.post(f"{V1}/auth/token", json={"email": world.client_email, "password": PASSWORD})
    expires = response.json()["expires_at"]
    headers = {"Authorization": f"Bearer {response.json()['access_token']}"}
    assert _expiry(committed_engine) - utcnow() <= timedelta(hours=12)
    assert expires < (utcnow() + timedelta(hours=12, minutes=1)).isoformat()
    # Thirteen hours without a request: the idle lifetime (12 h) is over.
    _shift_session(committed_engine, created_ago=timedelta(hours=13), expires_in=timedelta(hours=-1))
    assert_error(api.get(f"{V1}/me", headers=headers), 401)


def test_a_used_session_is_extended_up_to_the_absolute_maximum(api, world, committed_engine):
    headers = bearer(api, world.client_email)
    _shift_session(committed_engine, created_ago=timedelta(hours=11), expires_in=timedelta(hours=1))
    assert api.get(f"{V1}/me", headers=headers).status_code == 200
    assert _expiry(committed_engine) - utcnow() > timedelta(hours=11, minutes=50)  # renewed to 12 h
    # Near the 30-day maximum a use extends it only to that maximum, and then it ends.
    _shift_session(committed_engine, created_ago=timedelta(days=30, hours=-1), expires_in=timedelta(minutes=10))
    assert api.get(f"{V1}/me", headers=headers).status_code == 200
    left = _expiry(committed_engine) - utcnow()
    assert timedelta(minutes=50) < left <= timedelta(hours=1)
    _shift_session(committed_engine, created_ago=timedelta(days=30, minutes=1), expires_in=timedelta(minutes=-1))
    assert_error(api.get(f"{V1}/me", headers=headers), 401)
