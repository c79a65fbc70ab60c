"""The store manager dashboard in a real browser at tablet width (820 px): sign in, create a
service, block a time and see it gone from the public booking page, find a new booking in the
calendar and the list without reloading, cancel it, message the client, upload a photo.

Screenshots of every section land in $HUB_SCREENSHOT_DIR (or the live app's data folder).
"""

from __future__ import annotations

import os
import re
from datetime import datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PIL import Image
from playwright.sync_api import Page, expect
from sqlalchemy import select

from hub_app.db import unit_of_work
from hub_app.domain.notifications.models import Notification, NotificationKind
from hub_app.domain.tenancy import TenantContext
from tests.browser.client_seed import (
    ADMIN, TIMEZONE, first_slot_on, make_salon, register_and_book, store_today,
)
from tests.browser.conftest import fresh_page

TABLET = {"width": 820, "height": 1180}
SECTIONS = ("/manage", "/manage/bookings", "/manage/services", "/manage/calendars", "/manage/clients",
            "/manage/notifications", "/manage/store", "/manage/subscription")


@pytest.fixture
def tablet(browser):
    with fresh_page(browser, viewport=TABLET) as page:
        yield page


def shots_dir(live_app) -> Path:
    path = Path(os.environ.get("HUB_SCREENSHOT_DIR") or live_app.data_dir / "screens")
    path.mkdir(parents=True, exist_ok=True)
    return path


def sign_in(page: Page, live_app, email: str, password: str = "manager-pass-123", landing: str = r"/manage$") -> None:
    page.goto(live_app.url("/login"))
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.locator("#login-submit").click()
    page.wait_for_url(re.compile(landing))


def manager_of(salon) -> str:
    return f"manager-{salon.slug}@example.com"


def free_starts_on_booking_page(page: Page, live_app, slug: str, service_id: str, day) -> list[str]:
    page.goto(live_app.url(f"/{slug}/book?service={service_id}"))
    expect(page.get_by_role("heading", name="Choose a day")).to_be_visible()
    cell = page.locator(f'button[data-day="{day.isoformat()}"]')
    if cell.count() == 0:
        page.get_by_role("button", name="Next month").click()
    cell.click()
    expect(page.locator("#time-grid")).to_be_visible()
    buttons = page.locator("#time-grid button")
    return [buttons.nth(i).get_attribute("data-start") for i in range(buttons.count())]


def at(day, hhmm: str) -> str:
    """The data-start value of the booking page's button for a local time of the store."""
    return datetime.combine(day, time.fromisoformat(hhmm), tzinfo=ZoneInfo(TIMEZONE)).astimezone(timezone.utc).isoformat()


def test_create_a_service_then_block_a_time_and_it_leaves_the_booking_page(live_app, tablet, engine):
    page = tablet
    salon = make_salon(engine, prefix="dash-svc")
    sign_in(page, live_app, manager_of(salon))
    expect(page.locator("#manage-store-name")).to_have_text(salon.name)

    page.locator("#nav-services").click()
    page.locator("#new-service").click()
    form = page.locator("#service-form")
    form.get_by_label("Name", exact=True).fill("Beard trim")
    form.get_by_label("Duration (minutes)").fill("30")
    form.get_by_label("Price", exact=True).fill("15")
    form.get_by_label("Chair").check()
    page.locator("#service-save").click()
    expect(page.locator("#manage-notice")).to_contain_text("The service is saved")
    card = page.locator(".service-item").filter(has_text="Beard trim")
    expect(card).to_contain_text("30 min · €15.00")
    expect(card).to_contain_text("Chair")
    service_id = card.get_attribute("data-service-id")

    # A refused value comes back on its field, with what was typed kept.
    page.locator("#new-service").click()
    form.get_by_label("Name", exact=True).fill("Broken")
    form.get_by_label("Duration (minutes)").fill("0")
    page.locator("#service-save").click()
    expect(page.locator("#m-duration_minutes-error")).to_contain_text("Between 1 and 1440")
    expect(form.get_by_label("Name", exact=True)).to_have_value("Broken")

    day = store_today() + timedelta(days=2)
    before = free_starts_on_booking_page(page, live_app, salon.slug, service_id, day)
    assert {at(day, "10:00"), at(day, "10:30"), at(day, "11:00")} <= set(before)

    page.goto(live_app.url("/manage/calendars"))
    expect(page.get_by_role("button", name="Chair", exact=True)).to_have_attribute("aria-pressed", "true")
    blocks = page.locator("#blocks")
    blocks.get_by_label("From day").fill(day.isoformat())
    blocks.get_by_label("From", exact=True).fill("10:00")
    blocks.get_by_label("To", exact=True).fill("11:00")
    blocks.get_by_label("Reason").fill("Supplier visit")
    page.locator("#add-block").click()
    expect(page.locator("#manage-notice")).to_contain_text("The time is blocked")
    expect(blocks.locator(".removable")).to_contain_text("Supplier visit")

    after = free_starts_on_booking_page(page, live_app, salon.slug, service_id, day)
    assert at(day, "10:00") not in after and at(day, "10:30") not in after
    assert at(day, "11:00") in after and at(day, "09:30") in after


def test_a_new_booking_appears_in_both_views_is_cancelled_and_the_client_gets_a_message(live_app, tablet, engine):
    page = tablet
    salon = make_salon(engine, prefix="dash-book")
    sign_in(page, live_app, manager_of(salon))
    page.locator("#nav-bookings").click()
    expect(page.locator("#calendar-grid")).to_be_visible()
    day = store_today() + timedelta(days=1)
    start = first_slot_on(engine, salon, salon.haircut_id, day)
    # Made elsewhere (the booking page) while the dashboard is open.
    booking_id = register_and_book(engine, salon, salon.haircut_id, start, email=f"new-{salon.slug}@example.com",
                                   password="client-pass-123", first_name="Eleni")
    if day.weekday() == 0:  # tomorrow starts the next week
        page.get_by_role("button", name="Next").click()
    block = page.locator(f'.calendar-booking[data-booking-id="{booking_id}"]')
    expect(block).to_be_visible(timeout=30_000)
    expect(block).to_contain_text("Eleni Returning")
    expect(block).to_have_attribute("data-status", "confirmed")

    page.locator("#view-month").click()
    expect(page.locator(f'#calendar-month [data-booking-id="{booking_id}"]')).to_be_visible()

    page.locator("#mode-list").click()
    page.get_by_label("Search").fill(f"new-{salon.slug}")
    page.locator("#apply-filters").click()
    rows = page.locator(".booking-row")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("Haircut")
    with page.expect_download() as download:
        page.locator("#export-bookings").click()
    exported = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert f"new-{salon.slug}@example.com" in exported and exported.count("\n") == 2

    rows.first.get_by_role("button").first.click()
    dialog = page.locator("#booking-dialog")
    expect(dialog).to_contain_text("Eleni Returning")
    dialog.get_by_label("Reason (the client is told)").fill("The barber is ill")
    page.locator("#booking-cancel").click()
    expect(dialog.locator("[data-status]").first).to_have_attribute("data-status", "cancelled")
    expect(dialog).to_contain_text("The barber is ill")
    page.keyboard.press("Escape")
    expect(rows.first).to_contain_text("Cancelled")
    with unit_of_work(TenantContext.system(), engine) as db:
        kinds = set(db.scalars(select(Notification.kind).where(Notification.booking_id == booking_id)))
    assert NotificationKind.CANCELLATION in kinds

    page.locator("#nav-clients").click()
    page.get_by_role("button", name="Eleni Returning").click()
    panel = page.locator("#client-panel")
    expect(panel.locator("#client-history")).to_contain_text("Cancelled")
    panel.get_by_label("Message").fill("Hello {first_name}, sorry for today. {store}")
    page.locator("#client-message-send").click()
    expect(page.locator("#manage-notice")).to_contain_text("1 messages are on their way")

    page.locator("#nav-notifications").click()
    expect(page.locator(".message-row").filter(has_text=f"Hello Eleni, sorry for today. {salon.name}")).to_be_visible()


def test_phone_booking_for_an_existing_client(live_app, tablet, engine):
    page = tablet
    salon = make_salon(engine, prefix="dash-phone")
    email = f"caller-{salon.slug}@example.com"
    register_and_book(engine, salon, salon.yoga_id, first_slot_on(engine, salon, salon.yoga_id,
                      store_today() + timedelta(days=5)), email=email, password="client-pass-123", first_name="Nikos")
    sign_in(page, live_app, manager_of(salon))
    page.goto(live_app.url("/manage/bookings?view=list"))
    page.locator("#open-phone-booking").click()
    dialog = page.locator("#phone-dialog")
    dialog.get_by_label("Find a client of the store").fill("caller")
    page.locator("#phone-search").click()
    dialog.get_by_role("button", name=re.compile("Nikos Returning")).click()
    dialog.get_by_label("Service").select_option(label="Haircut")
    dialog.get_by_label("Day").fill((store_today() + timedelta(days=3)).isoformat())
    page.locator("#phone-times").click()
    page.locator("#phone-slots button").first.click()
    page.locator("#phone-submit").click()
    expect(page.locator("#booking-dialog")).to_contain_text("Nikos Returning")
    expect(page.locator("#booking-dialog")).to_contain_text("Haircut")


def test_photos_upload_are_served_and_shown_on_the_store_page(live_app, tablet, engine, tmp_path):
    page = tablet
    salon = make_salon(engine, prefix="dash-photo")
    picture = tmp_path / "front.png"
    Image.new("RGB", (900, 600), (30, 140, 120)).save(picture, "PNG")
    fake = tmp_path / "notes.jpg"
    fake.write_bytes(b"not an image at all")
    sign_in(page, live_app, manager_of(salon))
    page.locator("#nav-store").click()
    page.locator("#photos input[type=file]").set_input_files([str(picture)])
    expect(page.locator(".photo-item")).to_have_count(1)
    page.locator("#photos input[type=file]").set_input_files([str(fake)])
    expect(page.locator("#manage-error")).to_contain_text("Only JPEG, PNG and WebP")
    expect(page.locator(".photo-item")).to_have_count(1)
    page.goto(live_app.url(f"/{salon.slug}"))
    image = page.locator("img[src^='/uploads/']").first
    expect(image).to_be_visible()
    # The gallery shows the 480 px thumbnail; it links to the photo as uploaded.
    assert page.evaluate("(img) => img.naturalWidth", image.element_handle()) == 480
    full = page.locator("a.store-photo").first.get_attribute("href")
    page.goto(live_app.url(full))
    assert page.evaluate("document.images[0].naturalWidth") == 900


def test_every_section_fits_a_tablet_and_an_admin_opens_any_store(live_app, tablet, engine):
    page = tablet
    salon = make_salon(engine, prefix="dash-layout")
    register_and_book(engine, salon, salon.haircut_id, first_slot_on(engine, salon, salon.haircut_id,
                      store_today() + timedelta(days=1)), email=f"l-{salon.slug}@example.com", password="client-pass-123")
    sign_in(page, live_app, ADMIN[0], ADMIN[1], landing=r"/manage")
    expect(page.get_by_role("heading", name="Choose a store to manage")).to_be_visible()
    shots = shots_dir(live_app)
    for path in SECTIONS:
        page.goto(live_app.url(f"{path}?store={salon.slug}"))
        expect(page.locator("#manage-store-name")).to_have_text(salon.name)
        page.wait_for_timeout(300)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow == 0, f"{path} scrolls sideways by {overflow}px"
        page.screenshot(path=shots / f"manage{path.replace('/', '-')}-tablet.png", full_page=True)
    # Links keep the admin in the store they opened.
    expect(page.locator("#nav-bookings")).to_have_attribute("href", f"/manage/bookings?store={salon.slug}")


def test_clients_are_refused_and_greek_is_spoken(live_app, tablet, engine):
    page = tablet
    salon = make_salon(engine, prefix="dash-lang")
    email = f"curious-{salon.slug}@example.com"
    register_and_book(engine, salon, salon.haircut_id, first_slot_on(engine, salon, salon.haircut_id,
                      store_today() + timedelta(days=2)), email=email, password="client-pass-123")
    sign_in(page, live_app, email, "client-pass-123", landing=r"/account$")
    page.goto(live_app.url(f"/manage/bookings?store={salon.slug}"))
    expect(page.locator("#manage-denied")).to_be_visible()

    page.locator("#nav-sign-out").click()
    sign_in(page, live_app, manager_of(salon))
    page.get_by_role("button", name="Ελληνικά").click()
    expect(page.locator("#manage-title")).to_have_text("Επισκόπηση")
    expect(page.locator("#nav-calendars")).to_have_text("Ημερολόγια")


def test_subscription_shows_usage_and_upgrade_says_payments_are_off(live_app, tablet, engine):
    from decimal import Decimal

    from hub_app.domain.billing.models import PlanInterval, SubscriptionPlan
    from hub_app.domain.stores.models import Store

    page = tablet
    salon = make_salon(engine, prefix="dash-plan")
    with unit_of_work(TenantContext.system(), engine) as db:
        small = SubscriptionPlan(name=f"Small {salon.slug}", price_amount=Decimal("9.00"), interval=PlanInterval.MONTH,
                                 max_services=2, max_calendars=2, sort_order=1)
        big = SubscriptionPlan(name=f"Big {salon.slug}", price_amount=Decimal("29.00"), interval=PlanInterval.MONTH,
                               sort_order=2)
        db.add_all([small, big])
        db.flush()
        db.get(Store, salon.store_id).current_subscription_plan_id = small.id
    sign_in(page, live_app, manager_of(salon))
    page.locator("#nav-subscription").click()
    expect(page.locator("#current-plan")).to_contain_text(f"Small {salon.slug}")
    expect(page.locator("#usage-services")).to_have_text("2 / 2")
    page.get_by_role("button", name=f"Switch to this plan: Big {salon.slug}").click()
    expect(page.locator("#manage-error")).to_contain_text("Online payments are off")
    # The plan's limit is the domain's: a third service is refused with the reason.
    page.locator("#nav-services").click()
    page.locator("#new-service").click()
    page.locator("#service-form").get_by_label("Name", exact=True).fill("Third")
    page.locator("#service-save").click()
    expect(page.locator("#service-form-error")).to_contain_text(f"Small {salon.slug}")


def test_invite_someone_new_who_registers_through_the_link(live_app, tablet, engine):
    page = tablet
    salon = make_salon(engine, prefix="dash-invite")
    address = f"invited-{salon.slug}@example.com"
    sign_in(page, live_app, manager_of(salon))
    page.goto(live_app.url("/manage/clients"))
    form = page.locator("#invite-client")
    form.locator("#invite-email").fill(address)
    form.locator("#invite-first_name").fill("Anna")
    page.locator("#invite-send").click()
    expect(page.locator("#manage-notice")).to_contain_text(address)
    expect(page.locator("#pending-invitations")).to_contain_text(address)
    with unit_of_work(TenantContext.system(), engine) as db:
        body = db.scalar(select(Notification.body).where(Notification.to_address == address))
    link = re.search(r"(/invite\?token=\S+)", body).group(1)

    visitor = page.context.browser.new_context(viewport=TABLET).new_page()
    try:
        visitor.goto(live_app.url(link))
        expect(visitor.locator("#invite-store")).to_have_text(salon.name)
        expect(visitor.locator("#invite-address")).to_have_text(address)
        for field, value in (("first_name", "Anna"), ("last_name", "Nea"), ("phone", "6971234599"),
                             ("address", "Athens"), ("age", "29"), ("password", "anna-pass-123")):
            visitor.locator(f"#accept-{field}").fill(value)
        visitor.locator("#invite-register").click()
        expect(visitor.locator("#invite-done")).to_contain_text(salon.name)
    finally:
        visitor.context.close()

    page.reload()
    expect(page.locator("#clients-table")).to_contain_text("Anna Nea")
    expect(page.locator("#pending-invitations")).to_have_count(0)


def test_a_lapsed_store_is_told_on_the_subscription_page_and_the_overview(live_app, tablet, engine):
    from sqlalchemy import update

    from hub_app.domain.billing.models import SubscriptionPlan, SubscriptionStatus
    from hub_app.domain.stores.models import Store
    from tests.billing.helpers import flag_free_plan, paid_plan, subscribe

    page = tablet
    salon = make_salon(engine, prefix="dash-lapse")
    try:
        with unit_of_work(TenantContext.system(), engine) as db:
            flag_free_plan(db, calendars=1, services=3, bookings=50, sms=0)
            subscribe(db, db.get(Store, salon.store_id), paid_plan(db, sms=100), SubscriptionStatus.CANCELLED)
        sign_in(page, live_app, manager_of(salon))
        expect(page.locator(".plan-banner").first).to_contain_text("Nothing is deleted")
        page.locator("#nav-subscription").click()
        expect(page.locator("#current-plan")).to_contain_text("Free")
        expect(page.locator("#usage-calendars")).to_contain_text("/ 1")
        expect(page.locator("#usage-sms")).to_have_text("0 / 0")
        expect(page.locator("#sms-period-end")).to_contain_text("Renews on")
        expect(page.locator(".plan-banner").first).to_contain_text("free plan's limits")
    finally:
        # The other tests of this module build stores without a plan and no limits.
        with unit_of_work(TenantContext.system(), engine) as db:
            db.execute(update(SubscriptionPlan).values(is_free=False))
