"""The client pages in a real browser: store page, booking wizard with registration, the "just
taken" race, cancel and reschedule from /account, not-found and old-slug pages, Greek."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from playwright.sync_api import Page, expect

from tests.browser.client_seed import (
    book_as_someone_else, first_slot_on, make_salon, register_and_book, rename_slug, store_today,
)


def open_wizard(page: Page, live_app, slug: str, service_name: str) -> None:
    page.goto(live_app.url(f"/{slug}"))
    page.get_by_role("link", name=f"Book: {service_name}").click()
    page.wait_for_url(re.compile(rf"/{slug}/book\?service=\d+$"))
    expect(page.get_by_role("heading", name="Choose a day")).to_be_visible()


def pick_day(page: Page, day) -> None:
    cell = page.locator(f'button[data-day="{day.isoformat()}"]')
    if cell.count() == 0:
        page.get_by_role("button", name="Next month").click()
    expect(cell).to_be_enabled()
    cell.click()
    expect(page.get_by_role("heading", name="Choose a time")).to_be_visible()


def fill_details(page: Page, **values: str) -> None:
    labels = {"first_name": "First name", "last_name": "Last name", "age": "Age", "phone": "Phone",
              "email": "Email", "address": "Address", "password": "Choose a password (at least 8 characters)"}
    for name, value in values.items():
        page.get_by_label(labels[name], exact=True).fill(value)


CLIENT = dict(first_name="Eleni", last_name="Georgiou", age="34", email="eleni.flow@example.com",
              address="Patission 12, Athens", password="eleni-pass-123")


def test_store_page_shows_details_services_and_prices(live_app, page, engine):
    salon = make_salon(engine)
    page.goto(live_app.url(f"/{salon.slug}"))
    expect(page.locator("#store-name")).to_have_text(salon.name)
    expect(page.locator("#store-address")).to_have_text("Kassaveti 5, Kifisia")
    expect(page.locator("#store-contact")).to_contain_text("+302106231234")
    services = page.locator(".service-card")
    expect(services).to_have_count(2)
    expect(services.filter(has_text="Haircut")).to_contain_text("60 min")
    expect(services.filter(has_text="Haircut")).to_contain_text("€25.00")
    expect(services.filter(has_text="Group yoga")).to_contain_text("1–4 persons")
    expect(services.filter(has_text="Group yoga")).to_contain_text("€12.00 per person")


def test_unknown_store_shows_not_found(live_app, page):
    page.goto(live_app.url("/no-such-store-here"))
    expect(page.get_by_role("heading", name="Store not found")).to_be_visible()
    page.goto(live_app.url("/no-such-store-here/book"))
    expect(page.get_by_role("heading", name="Store not found")).to_be_visible()


def test_old_slug_redirects_to_the_current_one(live_app, page, engine):
    salon = make_salon(engine, prefix="renamed")
    rename_slug(engine, salon, salon.slug + "-new")
    page.goto(live_app.url(f"/{salon.slug}"))
    page.wait_for_url(live_app.url(f"/{salon.slug}-new"))
    expect(page.locator("#store-name")).to_have_text(salon.name)


def test_register_inside_booking_then_reschedule_and_cancel(live_app, page, engine):
    salon = make_salon(engine)
    day = store_today() + timedelta(days=3)
    open_wizard(page, live_app, salon.slug, "Haircut")
    pick_day(page, day)
    page.locator("#time-grid button").first.click()
    # A one-person service skips the persons step.
    expect(page.get_by_role("heading", name="Your details")).to_be_visible()

    fill_details(page, **CLIENT, phone="12345")
    page.get_by_role("button", name="Book now").click()
    expect(page.locator("#reg-phone-error")).to_contain_text("Enter a valid phone number")
    expect(page.locator("#form-error")).to_contain_text("Please correct the marked fields")
    # What the client typed is still there; only the phone needs fixing.
    expect(page.get_by_label("First name", exact=True)).to_have_value("Eleni")
    expect(page.get_by_label("Email", exact=True)).to_have_value(CLIENT["email"])
    expect(page.get_by_label("Phone", exact=True)).to_have_value("12345")

    page.get_by_label("Phone", exact=True).fill("697 123 4567")
    page.get_by_role("button", name="Book now").click()
    expect(page.locator("#confirmation-title")).to_have_text("Your appointment is booked")
    expect(page.locator("#confirmation")).to_contain_text("Haircut")
    expect(page.locator("#confirmation")).to_contain_text("€25.00")
    expect(page.locator("#confirmation")).to_contain_text("Confirmed")

    with page.expect_download() as download_info:
        page.locator("#download-ics").click()
    ics = open(download_info.value.path(), encoding="utf-8").read()
    assert ics.startswith("BEGIN:VCALENDAR") and "Haircut" in ics

    # Registered and signed in by the booking itself.
    page.get_by_role("link", name="My bookings").click()
    page.wait_for_url(live_app.url("/account"))
    upcoming = page.locator("#upcoming .booking-card")
    expect(upcoming).to_have_count(1)
    expect(upcoming).to_contain_text(salon.name)

    upcoming.get_by_role("button", name="Reschedule").click()
    page.get_by_label("New day").fill((day + timedelta(days=1)).isoformat())
    page.get_by_role("button", name="Show free times").click()
    page.locator("#reschedule-times button").first.click()
    expect(page.locator("#booking-message")).to_contain_text("The appointment was moved to")
    expect(upcoming).to_have_count(1)
    expect(page.locator("#past .booking-card")).to_contain_text("Rescheduled")

    upcoming.get_by_role("button", name="Cancel").click()
    page.get_by_role("button", name="Yes, cancel it").click()
    expect(page.locator("#booking-message")).to_contain_text("The appointment was cancelled")
    expect(page.locator("#upcoming")).to_have_text("No upcoming appointments.")
    expect(page.locator("#past .booking-card")).to_have_count(2)


def test_an_invalid_email_or_age_is_named_next_to_its_field_and_nothing_typed_is_lost(live_app, page, engine):
    salon = make_salon(engine)
    day = store_today() + timedelta(days=4)
    open_wizard(page, live_app, salon.slug, "Haircut")
    pick_day(page, day)
    page.locator("#time-grid button").first.click()
    expect(page.get_by_role("heading", name="Your details")).to_be_visible()

    fill_details(page, **{**CLIENT, "email": "x", "age": "-3"}, phone="+306971234567")
    page.get_by_role("button", name="Book now").click()
    expect(page.locator("#details-email-error")).not_to_be_empty()
    expect(page.locator("#reg-age-error")).not_to_be_empty()
    expect(page.get_by_label("Email", exact=True)).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#form-error")).to_contain_text("Please correct the marked fields")
    for label, value in (("First name", "Eleni"), ("Last name", "Georgiou"), ("Email", "x"), ("Age", "-3"),
                         ("Phone", "+306971234567"), ("Address", CLIENT["address"])):
        expect(page.get_by_label(label, exact=True)).to_have_value(value)

    page.get_by_label("Email", exact=True).fill("eleni.valid@example.com")
    page.get_by_label("Age", exact=True).fill("34")
    page.get_by_label("Choose a password (at least 8 characters)", exact=True).fill(CLIENT["password"])
    page.get_by_role("button", name="Book now").click()
    expect(page.locator("#confirmation-title")).to_have_text("Your appointment is booked")


def test_just_taken_time_offers_the_next_free_times(live_app, page, engine):
    salon = make_salon(engine)
    day = store_today() + timedelta(days=2)
    taken = first_slot_on(engine, salon, salon.haircut_id, day)
    open_wizard(page, live_app, salon.slug, "Haircut")
    pick_day(page, day)
    page.locator(f'#time-grid button[data-start="{taken.isoformat()}"]').click()
    fill_details(page, **{**CLIENT, "email": "race.client@example.com"}, phone="+306971234567")

    book_as_someone_else(engine, salon, salon.haircut_id, taken)
    page.get_by_role("button", name="Book now").click()
    expect(page.locator("#form-error")).to_contain_text("This time was just taken")
    choices = page.locator("#next-free button")
    expect(choices.first).to_be_visible()
    assert taken.isoformat() not in [choices.nth(i).get_attribute("data-start") for i in range(choices.count())]
    expect(page.get_by_label("First name", exact=True)).to_have_value("Eleni")

    next_start = datetime.fromisoformat(choices.first.get_attribute("data-start"))
    choices.first.click()
    page.get_by_role("button", name="Book now").click()
    expect(page.locator("#confirmation-title")).to_have_text("Your appointment is booked")
    assert next_start > taken


def test_group_service_price_follows_persons(live_app, page, engine):
    salon = make_salon(engine)
    open_wizard(page, live_app, salon.slug, "Group yoga")
    pick_day(page, store_today() + timedelta(days=2))
    page.locator("#time-grid button").first.click()
    expect(page.get_by_role("heading", name="How many persons?")).to_be_visible()
    expect(page.locator("#price-text")).to_contain_text("€12.00")
    page.get_by_label("Persons").select_option("3")
    expect(page.locator("#price-text")).to_contain_text("€36.00")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("#wizard-summary")).to_contain_text("3 · €36.00")


def test_existing_client_signs_in_inside_the_flow(live_app, page, engine):
    salon = make_salon(engine)
    # Unique per store: the browser tests share one database, and another test may own a fixed address.
    email = f"returning.{salon.slug}@example.com"
    first = first_slot_on(engine, salon, salon.yoga_id, store_today() + timedelta(days=4))
    register_and_book(engine, salon, salon.yoga_id, first, email=email, password="returning-pass-1")
    open_wizard(page, live_app, salon.slug, "Haircut")
    pick_day(page, store_today() + timedelta(days=2))
    page.locator("#time-grid button").first.click()
    # The client starts registering, then remembers the account: the email stays where it was
    # typed, whether before the switch (here) or while the switch is on its way to the server.
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_role("button", name="I have an account").click()
    expect(page.get_by_role("heading", name="Sign in to book")).to_be_visible()
    expect(page.get_by_label("Email", exact=True)).to_have_value(email)
    expect(page.get_by_label("First name", exact=True)).to_have_count(0)
    page.get_by_label("Password", exact=True).fill("wrong-password")
    page.locator("#flow-sign-in").click()
    expect(page.locator("#details-email-error")).to_contain_text("The email or password is not correct")
    page.get_by_label("Password", exact=True).fill("returning-pass-1")
    page.locator("#flow-sign-in").click()
    expect(page.locator("#booking-as")).to_contain_text("Eleni")
    page.get_by_role("button", name="Confirm booking").click()
    expect(page.locator("#confirmation-title")).to_have_text("Your appointment is booked")


def test_an_empty_email_is_named_in_the_flow_sign_in(live_app, page, engine):
    salon = make_salon(engine)
    open_wizard(page, live_app, salon.slug, "Haircut")
    pick_day(page, store_today() + timedelta(days=2))
    page.locator("#time-grid button").first.click()
    page.get_by_role("button", name="I have an account").click()
    page.get_by_label("Password", exact=True).fill("some-password")
    page.locator("#flow-sign-in").click()
    expect(page.locator("#details-email-error")).to_have_text("Enter your email and password.")


def test_the_login_page_names_a_malformed_email_itself(live_app, page):
    page.goto(live_app.url("/login"))
    page.get_by_label("Email", exact=True).fill("x")
    page.get_by_label("Password", exact=True).fill("some-password")
    page.locator("#login-submit").click()
    expect(page.locator("#login-email-error")).not_to_be_empty()
    expect(page.get_by_label("Email", exact=True)).to_have_value("x")


def test_login_page_returns_client_to_where_they_came_from(live_app, page, engine):
    salon = make_salon(engine)
    email = "login.page.client@example.com"
    register_and_book(engine, salon, salon.yoga_id, first_slot_on(engine, salon, salon.yoga_id,
                      store_today() + timedelta(days=5)), email=email, password="login-page-pass")
    page.goto(live_app.url(f"/login?next=/{salon.slug}"))
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill("login-page-pass")
    page.locator("#login-submit").click()
    page.wait_for_url(live_app.url(f"/{salon.slug}"))
    expect(page.locator("#nav-account")).to_be_visible()


def test_greek_switch_translates_and_is_remembered(live_app, page, engine):
    salon = make_salon(engine)
    page.goto(live_app.url(f"/{salon.slug}"))
    expect(page.get_by_role("heading", name="Services")).to_be_visible()
    page.get_by_role("button", name="Ελληνικά").click()
    expect(page.get_by_role("heading", name="Υπηρεσίες")).to_be_visible()
    expect(page.locator(".service-card").filter(has_text="Haircut")).to_contain_text("25,00 €")
    expect(page.get_by_role("button", name="Ελληνικά")).to_have_attribute("aria-pressed", "true")
    page.reload()
    expect(page.get_by_role("heading", name="Υπηρεσίες")).to_be_visible()
    page.get_by_role("link", name="Κράτηση: Haircut").click()
    expect(page.get_by_role("heading", name="Επιλέξτε ημέρα")).to_be_visible()


def test_double_click_on_book_makes_one_booking(live_app, page, engine):
    salon = make_salon(engine)
    open_wizard(page, live_app, salon.slug, "Haircut")
    pick_day(page, store_today() + timedelta(days=2))
    page.locator("#time-grid button").first.click()
    fill_details(page, **{**CLIENT, "email": "double.click@example.com"}, phone="+306971234567")
    page.get_by_role("button", name="Book now").dblclick()
    expect(page.locator("#confirmation-title")).to_have_text("Your appointment is booked")
    page.goto(live_app.url("/account"))
    expect(page.locator("#upcoming .booking-card")).to_have_count(1)
