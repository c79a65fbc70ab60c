"""The pages a client looks at, in a real browser: the home page's store finder, the store page
(photos, opening hours, map link, next free times into the wizard) and the pages' titles."""

from __future__ import annotations

import re
from datetime import time
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import expect

from hub_app.db import unit_of_work
from hub_app.domain.scheduling.service import set_weekly_hours
from hub_app.domain.scheduling.models import Calendar
from sqlalchemy import select
from tests.browser.client_seed import _admin_ctx, make_salon
from tests.browser.public_pages_seed import add_store_photo, change_store


def test_home_finds_active_stores_by_name_area_or_service(live_app, page, engine):
    salon = make_salon(engine, prefix="finder")
    change_store(engine, salon, {"name": "Qfinder Beauty Lab", "city": "Qmarousi"})
    closed = make_salon(engine, prefix="finder-closed")
    change_store(engine, closed, {"name": "Qfinder Closed Shop", "is_active": False})

    page.goto(live_app.url("/"))
    expect(page).to_have_title("Appointment Hub · Find a store and book online")
    expect(page.get_by_role("heading", level=1)).to_have_text("Appointment Hub")
    expect(page.get_by_role("link", name="Administration")).to_have_count(0)
    expect(page.get_by_role("button", name="Administration")).to_have_count(0)
    expect(page.get_by_role("heading", name="How it works")).to_be_visible()

    search = page.get_by_label("Find a store")
    for query in ("qfinder", "QMAROUSI", "qfinder haircut"):   # name, area, name + service
        search.fill(query)
        page.get_by_role("button", name="Search").click()
        results = page.locator("#store-results li")
        expect(results).to_have_count(1)
        expect(results).to_contain_text("Qfinder Beauty Lab")
        expect(results).to_contain_text("Kassaveti 5, Qmarousi")
        expect(page.locator("#search-status")).to_have_text("1 stores found.")

    search.fill("nothing-matches-this")
    search.press("Enter")
    expect(page.locator("#search-status")).to_have_text(
        "No store matches your search. Try another name, area or service.")
    expect(page.locator("#store-results li")).to_have_count(0)

    search.fill("qfinder")
    search.press("Enter")
    page.get_by_role("link", name="Qfinder Beauty Lab").click()
    page.wait_for_url(live_app.url(f"/{salon.slug}"))
    expect(page.locator("#store-name")).to_have_text("Qfinder Beauty Lab")


def test_store_page_shows_photos_hours_map_and_next_free_times(live_app, page, engine):
    salon = make_salon(engine, prefix="showcase")
    add_store_photo(engine, live_app.data_dir, salon, caption="Our chairs")
    add_store_photo(engine, live_app.data_dir, salon)
    # Closed on Sundays: no calendar has hours then.
    ctx = _admin_ctx(engine).in_store(salon.store_id)
    with unit_of_work(ctx, engine) as db:
        for calendar in db.scalars(select(Calendar)):
            set_weekly_hours(db, ctx, calendar.id,
                             [{"weekday": d, "start": time(9), "end": time(17)} for d in range(6)])

    page.goto(live_app.url(f"/{salon.slug}"))
    expect(page.locator("#store-name")).to_have_text(salon.name)
    expect(page).to_have_title(f"{salon.name} · Book online")

    photos = page.locator("#store-photos img")
    expect(photos).to_have_count(2)
    assert photos.nth(0).get_attribute("alt") == "Our chairs"
    assert photos.nth(1).get_attribute("alt") == salon.name          # no caption: the store's name
    assert photos.nth(0).get_attribute("loading") == "eager" and photos.nth(1).get_attribute("loading") == "lazy"
    assert "_thumb." in photos.nth(0).get_attribute("src")

    rows = page.locator("#opening-hours tr")
    expect(rows).to_have_count(7)
    expect(rows.nth(0)).to_have_text(re.compile(r"Monday\s*09:00–17:00"))
    expect(rows.nth(6)).to_have_text(re.compile(r"Sunday\s*Closed"))

    map_link = page.locator("#store-map-link")
    expect(map_link).to_have_text("Show on map")
    href = map_link.get_attribute("href")
    assert href.startswith("https://www.openstreetmap.org/search?")
    assert parse_qs(urlsplit(href).query)["query"] == ["Kassaveti 5, Kifisia, GR"]
    assert map_link.get_attribute("target") == "_blank"

    haircut = page.locator(".service-card", has_text="Haircut")
    times = haircut.locator("a.next-free")
    expect(times).to_have_count(3)
    label = times.first.inner_text()
    times.first.click()
    # The wizard opens on that very time: the one-person haircut goes straight to the details.
    page.wait_for_url(re.compile(rf"/{salon.slug}/book\?service={salon.haircut_id}&start="))
    expect(page.get_by_role("heading", name="Your details")).to_be_visible()
    expect(page.locator("#wizard-summary")).to_contain_text(label.split(", ", 1)[1])   # e.g. 9:00 AM
    expect(page).to_have_title(f"Book at {salon.name} · Appointment Hub")


def test_titles_follow_the_chosen_language(live_app, page, engine):
    salon = make_salon(engine, prefix="titles")
    page.goto(live_app.url(f"/{salon.slug}"))
    expect(page).to_have_title(f"{salon.name} · Book online")
    page.locator("#lang-el").click()
    expect(page).to_have_title(f"{salon.name} · Κράτηση online")
    expect(page.get_by_role("heading", name="Ωράριο λειτουργίας")).to_be_visible()
    page.goto(live_app.url("/login"))
    expect(page).to_have_title("Σύνδεση · Appointment Hub")
    page.locator("#lang-en").click()
    expect(page).to_have_title("Sign in · Appointment Hub")
    page.goto(live_app.url("/no-such-store-at-all"))
    expect(page).to_have_title("Store not found · Appointment Hub")
