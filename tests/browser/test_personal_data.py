"""`/account`, Your data: a client downloads everything held about them, then erases the account
after a confirmation step that lists the booking it cancels."""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from hub_app.db import unit_of_work
from hub_app.domain.accounts.models import AppUser
from hub_app.domain.bookings.models import Booking, BookingStatus
from hub_app.domain.tenancy import TenantContext
from tests.browser.client_seed import first_slot_on, make_salon, register_and_book, store_today

PASSWORD = "client-pass-123"


def test_client_downloads_their_data_and_erases_the_account(live_app, page, engine):
    salon = make_salon(engine, "gdpr")
    email = f"gdpr.{uuid.uuid4().hex[:8]}@example.com"
    start = first_slot_on(engine, salon, salon.haircut_id, store_today() + timedelta(days=5))
    booking_id = register_and_book(engine, salon, salon.haircut_id, start, email=email, password=PASSWORD,
                                   first_name="Zenobia")

    page.goto(live_app.url("/login?next=/account"))
    page.locator("#login-email").fill(email)
    page.locator("#login-password").fill(PASSWORD)
    page.locator("#login-submit").click()
    page.wait_for_url(live_app.url("/account"))

    with page.expect_download() as download_info:
        page.locator("#download-my-data").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".zip")
    archive = zipfile.ZipFile(io.BytesIO(open(download.path(), "rb").read()))
    json_name = next(n for n in archive.namelist() if n.endswith(".json"))
    document = json.loads(archive.read(json_name))
    assert document["profile"]["email"] == email and document["profile"]["first_name"] == "Zenobia"
    assert [b["id"] for b in document["bookings"]] == [booking_id]
    assert "Zenobia" in archive.read(json_name.replace(".json", ".html")).decode()

    page.locator("#erase-open").click()
    expect(page.locator("#erase-future")).to_contain_text(salon.name)
    expect(page.locator("#erase-keep")).to_contain_text("1 bookings")
    page.locator("#erase-password").fill(PASSWORD)
    page.locator("#erase-submit").click()   # the box is not ticked: nothing happens but the message
    expect(page.locator("#erase-confirm-error")).to_have_text("Tick the box to confirm.")
    page.locator("#erase-confirm").check()
    page.locator("#erase-password").fill("not-my-password")
    page.locator("#erase-submit").click()
    expect(page.locator("#erase-password-error")).to_have_text("The current password is not correct.")
    page.locator("#erase-password").fill(PASSWORD)
    page.locator("#erase-submit").click()
    expect(page.locator("#erased-message")).to_contain_text("Your account has been erased")

    with unit_of_work(TenantContext.system(), engine) as db:
        booking = db.get(Booking, booking_id)
        user = db.get(AppUser, booking.client_user_id)
        assert booking.status == BookingStatus.CANCELLED   # kept for the store, cancelled, not deleted
        assert user.email != email and user.first_name == "" and not user.is_active
        assert db.scalar(select(AppUser.id).where(AppUser.email == email)) is None

    page.goto(live_app.url("/login"))
    page.locator("#login-email").fill(email)
    page.locator("#login-password").fill(PASSWORD)
    page.locator("#login-submit").click()
    expect(page.locator("#login-email-error")).to_have_text("The email or password is not correct.")
