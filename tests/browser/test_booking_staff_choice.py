"""The booking wizard's person step in a real browser: a client picks a person by keyboard and sees
only that person's times, or picks "Anyone" and sees everyone's; the choice shows on the
confirmation; the step reads in Greek."""

from __future__ import annotations

import itertools
import re
from datetime import time, timedelta

from playwright.sync_api import Page, expect
from sqlalchemy import select

from hub_app.db import unit_of_work
from hub_app.domain.bookings.models import Booking
from hub_app.domain.scheduling.service import ServiceInput, create_calendar, create_service, set_weekly_hours
from hub_app.domain.stores.service import ManagerInput, StoreInput, onboard_store
from hub_app.domain.tenancy import TenantContext
from tests.browser.accessibility import assert_accessible
from tests.browser.client_seed import TIMEZONE, _admin_ctx, store_today
from tests.browser.test_client_flow import fill_details, pick_day

_seq = itertools.count(1)


def make_team(engine):
    """Anna works mornings (09-12), Nikos afternoons (14-18); both cut hair (60 minutes)."""
    n = next(_seq)
    slug = f"team-{n}"
    admin = _admin_ctx(engine)
    with unit_of_work(admin, engine) as db:
        store, _ = onboard_store(
            db, admin, StoreInput(name=f"Team salon {n}", slug=slug, timezone=TIMEZONE, currency="EUR",
                                  country="GR", email=f"{slug}@example.com"),
            ManagerInput(email=f"manager-{slug}@example.com", password="manager-pass-123"))
        store_id = store.id
    ctx = admin.in_store(store_id)
    with unit_of_work(ctx, engine) as db:
        anna, nikos = create_calendar(db, ctx, "Anna Georgiou"), create_calendar(db, ctx, "Nikos Pappas")
        set_weekly_hours(db, ctx, anna.id, [{"weekday": d, "start": time(9), "end": time(12)} for d in range(7)])
        set_weekly_hours(db, ctx, nikos.id, [{"weekday": d, "start": time(14), "end": time(18)} for d in range(7)])
        create_service(db, ctx, ServiceInput(name="Haircut", duration_minutes=60, price_type="fixed",
                                             base_price_amount="25.00", calendar_ids=[anna.id, nikos.id]))
        return slug, store_id, anna.id, nikos.id


def open_people(page: Page, live_app, slug: str) -> None:
    page.goto(live_app.url(f"/{slug}"))
    page.get_by_role("link", name="Book: Haircut").click()
    page.wait_for_url(re.compile(rf"/{slug}/book\?service=\d+$"))
    expect(page.get_by_role("heading", name="Who would you like?")).to_be_focused()


def times_shown(page: Page) -> list[str]:
    expect(page.locator("#time-grid button").first).to_be_visible()
    # Babel separates "2:00" and "PM" with a narrow no-break space.
    return [label.replace("\u202f", " ") for label in page.locator("#time-grid button").all_inner_texts()]


def booked(engine, store_id: int) -> Booking:
    with unit_of_work(TenantContext.system(store_id), engine) as db:
        return db.scalars(select(Booking).order_by(Booking.id.desc())).first()


def test_a_client_picks_a_person_by_keyboard_sees_their_times_and_books_them(live_app, page, engine):
    slug, store_id, _anna, nikos = make_team(engine)
    open_people(page, live_app, slug)
    people = page.locator("#staff-list li")
    expect(people).to_have_count(3)
    expect(people.nth(0)).to_contain_text("Anyone")
    expect(people.nth(1)).to_contain_text("Anna Georgiou")
    expect(people.nth(1)).to_contain_text("AG")          # initials where there is no photo
    expect(people.nth(2)).to_contain_text("Nikos Pappas")
    assert_accessible(page, "wizard: person")

    # Keyboard only: Tab from the step's heading to Nikos, Enter.
    for _ in range(3):
        page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Nikos Pappas")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Choose a day")).to_be_visible()
    expect(page.locator("#wizard-summary")).to_contain_text("With: Nikos Pappas")

    pick_day(page, store_today() + timedelta(days=3))
    assert times_shown(page) == ["2:00 PM", "3:00 PM", "4:00 PM", "5:00 PM"]    # Nikos's afternoon only
    page.locator("#time-grid button").first.click()
    fill_details(page, first_name="Maria", last_name="Kosta", age="31", phone="6971234567",
                 email=f"maria.{slug}@example.com", address="Athens", password="maria-pass-123")
    page.get_by_role("button", name="Book now").click()
    expect(page.locator("#confirmation-title")).to_have_text("Your appointment is booked")
    expect(page.locator("#confirmation-staff")).to_have_text("Nikos Pappas")
    booking = booked(engine, store_id)
    assert booking.calendar_id == nikos and booking.staff_requested


def test_a_client_picks_anyone_sees_everyones_times_and_gets_a_person(live_app, page, engine):
    slug, store_id, anna, _nikos = make_team(engine)
    open_people(page, live_app, slug)
    page.get_by_role("button", name=re.compile("^Anyone")).click()
    expect(page.get_by_role("heading", name="Choose a day")).to_be_visible()
    expect(page.locator("#wizard-summary")).to_contain_text("With: Anyone")
    pick_day(page, store_today() + timedelta(days=4))
    assert times_shown(page) == ["9:00 AM", "10:00 AM", "11:00 AM", "2:00 PM", "3:00 PM", "4:00 PM", "5:00 PM"]
    page.locator("#time-grid button", has_text="10:00 AM").click()
    fill_details(page, first_name="Eleni", last_name="Kosta", age="35", phone="6971234568",
                 email=f"eleni.{slug}@example.com", address="Athens", password="eleni-pass-123")
    page.get_by_role("button", name="Book now").click()
    expect(page.locator("#confirmation-title")).to_have_text("Your appointment is booked")
    expect(page.locator("#confirmation-staff")).to_have_text("Anna Georgiou")   # the one free at 10:00
    booking = booked(engine, store_id)
    assert booking.calendar_id == anna and not booking.staff_requested


def test_the_person_step_in_greek_and_changing_the_person(live_app, page, engine):
    slug, _store_id, _anna, _nikos = make_team(engine)
    open_people(page, live_app, slug)
    page.get_by_role("button", name="Anna Georgiou").click()
    expect(page.get_by_role("heading", name="Choose a day")).to_be_visible()
    # Back to the person step from the summary, in Greek.
    page.get_by_role("button", name="Ελληνικά").click()
    page.get_by_role("button", name="Αλλαγή Με").click()
    expect(page.get_by_role("heading", name="Ποιον ή ποια προτιμάτε;")).to_be_visible()
    expect(page.locator("#staff-list")).to_contain_text("Οποιοδήποτε άτομο")
    expect(page.get_by_role("button", name="Anna Georgiou")).to_have_attribute("aria-pressed", "true")
    assert_accessible(page, "wizard: person, in Greek")

