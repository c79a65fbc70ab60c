"""`/account`: changing the email asks for the current password, leaves the address in use until
the link sent to the new one is opened (once), and tells the old address."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from hub_app.db import unit_of_work
from hub_app.domain.accounts.models import AppUser
from hub_app.domain.notifications.models import Notification, NotificationKind
from hub_app.domain.tenancy import TenantContext
from tests.browser.client_seed import first_slot_on, make_salon, register_and_book, store_today

PASSWORD = "client-pass-123"


def _account(engine, user_id: int) -> AppUser:
    with unit_of_work(TenantContext.system(), engine) as db:
        return db.get(AppUser, user_id)


def _account_emails(engine, user_id: int) -> dict[str, str]:
    with unit_of_work(TenantContext.system(), engine) as db:
        rows = db.scalars(select(Notification).where(Notification.recipient_user_id == user_id,
                                                     Notification.kind == NotificationKind.ACCOUNT))
        return {row.to_address: row.body for row in rows}


def test_email_change_needs_the_password_and_the_new_address_confirming(live_app, page, engine):
    salon = make_salon(engine, "mailchange")
    old = f"old.{uuid.uuid4().hex[:8]}@example.com"
    new = f"new.{uuid.uuid4().hex[:8]}@example.com"
    start = first_slot_on(engine, salon, salon.haircut_id, store_today() + timedelta(days=3))
    register_and_book(engine, salon, salon.haircut_id, start, email=old, password=PASSWORD)
    with unit_of_work(TenantContext.system(), engine) as db:
        user_id = db.scalar(select(AppUser.id).where(AppUser.email == old))

    page.goto(live_app.url("/login?next=/account"))
    page.locator("#login-email").fill(old)
    page.locator("#login-password").fill(PASSWORD)
    page.locator("#login-submit").click()
    page.wait_for_url(live_app.url("/account"))
    expect(page.locator("#profile-email")).to_have_value(old)

    # A signed-in tab alone (a stolen session) cannot change the address.
    page.locator("#profile-email").fill(new)
    page.locator("#profile-save").click()
    expect(page.locator("#profile-current_password-error")).to_have_text(
        "Enter your current password to change your email.")
    assert _account(engine, user_id).email == old and _account_emails(engine, user_id) == {}

    page.locator("#profile-current_password").fill(PASSWORD)
    page.locator("#profile-save").click()
    expect(page.locator("#profile-message")).to_contain_text(f"We sent a confirmation link to {new}")
    assert _account(engine, user_id).email == old  # pending until the link is opened
    emails = _account_emails(engine, user_id)
    assert set(emails) == {old, new}
    assert new in emails[old] and "/confirm-email?token=" not in emails[old]
    link = re.search(r"http://\S+/confirm-email\?token=\S+", emails[new]).group(0)

    page.goto(link)
    expect(page.locator("#confirm-email-done")).to_contain_text(new)
    assert _account(engine, user_id).email == new
    page.goto(link)
    expect(page.locator("#confirm-email-refused")).to_have_text("This confirmation link has already been used.")
