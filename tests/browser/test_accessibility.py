"""WCAG 2.1 AA in a real browser: axe-core finds no critical or serious violation on any client
page (each wizard step included, with and without errors shown) or manager page; a booking is
made from the store page to the confirmation with the keyboard alone, focus landing on each new
step's heading; every form field is labelled and its error is tied to it.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.browser.accessibility import assert_accessible, focused, tab_until
from tests.browser.client_seed import first_slot_on, make_salon, register_and_book, store_today

CLIENT_PASSWORD = "client-pass-123"
MANAGER_PASSWORD = "manager-pass-123"
MANAGE_SECTIONS = ("/manage", "/manage/bookings", "/manage/services", "/manage/calendars", "/manage/clients",
                   "/manage/notifications", "/manage/store", "/manage/subscription", "/manage/integrations")
DETAILS = (("first_name", "Anna"), ("last_name", "Keys"), ("age", "31"), ("phone", "6971234567"),
           ("email", None), ("address", "Athinas 3, Athens"), ("password", "keyboard-pass-123"))


@pytest.fixture
def salon(engine):
    return make_salon(engine, prefix="a11y")


def sign_in(page: Page, live_app, email: str, password: str, landing: str) -> None:
    page.goto(live_app.url("/login"))
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.locator("#login-submit").click()
    page.wait_for_url(re.compile(landing))


def expect_focus_on_step(page: Page, heading: str) -> None:
    """The new step's heading holds the keyboard focus (and so is read out)."""
    expect(page.get_by_role("heading", name=heading)).to_be_focused()
    assert page.evaluate("document.activeElement.hasAttribute('data-step-heading')")


def expect_error_tied(page: Page, input_id: str) -> None:
    """The field is marked invalid and its visible error text is its accessible description."""
    field = page.locator(f"#{input_id}")
    error = page.locator(f"#{input_id}-error")
    expect(error).not_to_be_empty()
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_attribute("aria-describedby", f"{input_id}-error")
    expect(field).to_have_accessible_description(error.inner_text())


def test_client_pages_and_every_wizard_step_pass_axe(live_app, page, salon):
    page.goto(live_app.url("/"))
    expect(page.locator("#app-title")).to_be_visible()
    assert_accessible(page, "home page")

    page.goto(live_app.url(f"/{salon.slug}"))
    expect(page.locator(".service-card")).to_have_count(2)
    assert_accessible(page, "store page")

    page.goto(live_app.url(f"/{salon.slug}/book"))
    expect(page.get_by_role("heading", name="Choose a service")).to_be_visible()
    assert_accessible(page, "wizard: service")
    page.get_by_role("button", name=re.compile("^Group yoga")).click()
    expect(page.get_by_role("heading", name="Choose a day")).to_be_visible()
    assert_accessible(page, "wizard: day")
    page.locator("#month-grid button:not([disabled])").first.click()
    expect(page.get_by_role("heading", name="Choose a time")).to_be_visible()
    assert_accessible(page, "wizard: time")
    page.locator("#time-grid button").first.click()
    expect(page.get_by_role("heading", name="How many persons?")).to_be_visible()
    assert_accessible(page, "wizard: persons")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Your details")).to_be_visible()
    assert_accessible(page, "wizard: details")
    page.get_by_role("button", name="Book now").click()
    expect(page.locator("#reg-first_name-error")).not_to_be_empty()
    assert_accessible(page, "wizard: details with errors")
    page.get_by_role("button", name="I have an account").click()
    expect(page.get_by_role("heading", name="Sign in to book")).to_be_visible()
    assert_accessible(page, "wizard: sign in to book")
    page.get_by_role("button", name="I am new here: register with this booking").click()
    email = f"axe-{salon.slug}@example.com"
    for name, value in DETAILS:
        page.locator(f"#details-form [name={name}]").fill(value or email)
    page.get_by_role("button", name="Book now").click()
    expect(page.locator("#confirmation-title")).to_be_visible()
    assert_accessible(page, "wizard: confirmation")

    page.get_by_role("link", name="My bookings").click()
    expect(page.locator("#upcoming .booking-card")).to_have_count(1)
    assert_accessible(page, "account")
    page.locator("#upcoming").get_by_role("button", name="Reschedule").click()
    expect(page.locator("#reschedule-day")).to_be_visible()
    assert_accessible(page, "account: reschedule panel")

    page.locator("#nav-sign-out").click()
    page.goto(live_app.url("/login"))
    page.get_by_label("Email", exact=True).fill("not-an-email")
    page.locator("#login-submit").click()
    expect(page.locator("#login-email-error")).not_to_be_empty()
    assert_accessible(page, "sign-in with an error")
    page.goto(live_app.url("/forgot-password"))
    expect(page.get_by_label("Email", exact=True)).to_be_visible()
    assert_accessible(page, "forgot password")
    page.goto(live_app.url("/set-password?token=not-a-token"))
    expect(page.locator("#setpw-refused")).to_be_visible()
    assert_accessible(page, "set password, refused link")
    page.goto(live_app.url("/no-such-store-anywhere"))
    expect(page.locator("#not-found")).to_be_visible()
    assert_accessible(page, "unknown store")


def test_every_manager_section_passes_axe(live_app, page, engine, salon):
    start = first_slot_on(engine, salon, salon.haircut_id, store_today() + timedelta(days=1))
    register_and_book(engine, salon, salon.haircut_id, start, email=f"axe-client-{salon.slug}@example.com",
                      password=CLIENT_PASSWORD)
    sign_in(page, live_app, f"manager-{salon.slug}@example.com", MANAGER_PASSWORD, r"/manage$")
    for path in MANAGE_SECTIONS:
        page.goto(live_app.url(path))
        expect(page.locator("#manage-store-name")).to_have_text(salon.name)
        page.wait_for_load_state("networkidle")
        assert_accessible(page, path)

    # The states behind buttons: the month and list views, a booking's dialog, the phone booking
    # dialog, a client's card.
    page.goto(live_app.url("/manage/bookings"))
    page.locator("#view-month").click()
    expect(page.locator("#calendar-month")).to_be_visible()
    assert_accessible(page, "/manage/bookings, month view")
    page.locator("#mode-list").click()
    expect(page.locator(".booking-row")).to_have_count(1)
    assert_accessible(page, "/manage/bookings, list view")
    page.locator(".booking-row").first.get_by_role("button").first.click()
    expect(page.locator("#booking-dialog")).to_contain_text("Eleni Returning")
    assert_accessible(page, "/manage/bookings, a booking's dialog")
    page.keyboard.press("Escape")
    expect(page.locator("#booking-dialog")).to_be_hidden()
    page.locator("#open-phone-booking").click()
    expect(page.locator("#phone-dialog")).to_be_visible()
    assert_accessible(page, "/manage/bookings, phone booking dialog")
    page.keyboard.press("Escape")
    page.goto(live_app.url("/manage/clients"))
    page.get_by_role("button", name="Eleni Returning").click()
    expect(page.locator("#client-panel")).to_be_visible()
    assert_accessible(page, "/manage/clients, a client's card")

    # A form with its errors shown.
    page.goto(live_app.url("/manage/services"))
    page.locator("#new-service").click()
    page.locator("#service-save").click()
    expect(page.locator("#m-name-error")).not_to_be_empty()
    assert_accessible(page, "/manage/services: new service with errors")
    expect_error_tied(page, "m-name")


def test_a_booking_made_with_the_keyboard_alone(live_app, page, salon):
    """Tab, Shift+Tab, Enter, Space and arrow keys only: no clicks, no focusing by script."""
    page.goto(live_app.url(f"/{salon.slug}"))
    expect(page.locator(".service-card")).to_have_count(2)
    page.keyboard.press("Tab")  # the first stop skips the header
    assert focused(page)["id"] == "skip-link"
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    tab_until(page, lambda f: f["label"] == "Book: Group yoga", "the yoga class's Book link")
    page.keyboard.press("Enter")

    expect_focus_on_step(page, "Choose a day")
    tab_until(page, lambda f: f["data_day"] != "", "a day with free times")
    page.keyboard.press("Space")
    expect_focus_on_step(page, "Choose a time")

    # Back a step and forward again: focus follows both ways.
    tab_until(page, lambda f: f["label"] == "Change Day", "the Change Day button")
    page.keyboard.press("Enter")
    expect_focus_on_step(page, "Choose a day")
    tab_until(page, lambda f: f["data_day"] != "", "a day with free times")
    page.keyboard.press("Enter")
    expect_focus_on_step(page, "Choose a time")
    first_time = tab_until(page, lambda f: f["data_start"] != "", "a free time")
    page.keyboard.press("Shift+Tab")
    assert focused(page)["data_start"] != first_time["data_start"] or focused(page)["label"] == "Change Day"
    tab_until(page, lambda f: f["data_start"] == first_time["data_start"], "the first free time again")
    page.keyboard.press("Enter")

    expect_focus_on_step(page, "How many persons?")
    tab_until(page, lambda f: f["id"] == "persons", "the persons list")
    page.keyboard.press("ArrowDown")
    expect(page.locator("#price-text")).to_contain_text("24.00")
    tab_until(page, lambda f: f["text"] == "Continue", "Continue")
    page.keyboard.press("Enter")

    expect_focus_on_step(page, "Your details")
    email = f"keys-{salon.slug}@example.com"
    for name, value in DETAILS:
        tab_until(page, lambda f, name=name: f["name"] == name, f"the {name} field")
        page.keyboard.type(value or email)
    tab_until(page, lambda f: f["text"] == "Book now", "Book now")
    page.keyboard.press("Enter")

    expect_focus_on_step(page, "Your appointment is booked")
    expect(page.locator("#confirmation")).to_contain_text("2")
    expect(page.locator("#confirmation")).to_contain_text("24.00")


def test_the_page_language_follows_the_chosen_language(live_app, page, salon):
    page.goto(live_app.url(f"/{salon.slug}"))
    expect(page.locator(".service-card")).to_have_count(2)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_role("button", name="Ελληνικά").click()
    expect(page.locator("html")).to_have_attribute("lang", "el")
    assert_accessible(page, "store page in Greek")
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")


def test_fields_are_labelled_and_their_errors_tied_to_them(live_app, page, engine, salon):
    # The wizard's details form: every field found by its label; errors described and marked.
    page.goto(live_app.url(f"/{salon.slug}/book?service={salon.haircut_id}"))
    page.locator("#month-grid button:not([disabled])").first.click()
    page.locator("#time-grid button").first.click()
    for label in ("First name", "Last name", "Age", "Phone", "Email", "Address",
                  "Choose a password (at least 8 characters)"):
        expect(page.get_by_label(label, exact=True)).to_be_visible()
    page.get_by_label("First name", exact=True).fill("Anna")
    page.get_by_role("button", name="Book now").click()
    for input_id in ("reg-last_name", "reg-age", "details-email", "details-password"):
        expect_error_tied(page, input_id)
    expect(page.locator("#reg-first_name")).to_have_attribute("aria-invalid", "false")
    expect(page.locator("#reg-first_name-error")).to_be_empty()

    # Sign-in.
    page.goto(live_app.url("/login"))
    page.get_by_label("Email", exact=True).fill("x")
    page.locator("#login-submit").click()
    expect_error_tied(page, "login-email")

    # The account's profile form.
    email = f"tied-{salon.slug}@example.com"
    register_and_book(engine, salon, salon.haircut_id,
                      first_slot_on(engine, salon, salon.haircut_id, store_today() + timedelta(days=3)),
                      email=email, password=CLIENT_PASSWORD)
    sign_in(page, live_app, email, CLIENT_PASSWORD, r"/account$")
    expect(page.get_by_label("First name", exact=True)).to_have_value("Eleni")  # the stored profile is shown
    page.get_by_label("First name", exact=True).fill("")
    page.locator("#profile-save").click()
    expect_error_tied(page, "profile-first_name")
