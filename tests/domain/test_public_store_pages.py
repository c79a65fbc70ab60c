"""What the public pages read: finding a store (home page), the week's opening hours, the next
free times per service, the sitemap's list and the facts behind a store page's head tags."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

import pytest

from hub_app.domain.scheduling.service import ServiceInput, archive_service, create_calendar, create_service, set_weekly_hours
from hub_app.domain.stores.directory import MAX_RESULTS, active_store_pages, find_stores
from hub_app.domain.stores.next_free import next_free_starts
from hub_app.domain.stores.opening_hours import merge_windows, weekly_opening_hours
from hub_app.domain.stores.public import bookable_services, map_search_url, store_facts
from hub_app.domain.tenancy import TenantContext
from tests.bookings.helpers import act, build_shop
from tests.factories import make_store


def slugs(found) -> list[str]:
    return [s.slug for s in found]


def test_search_matches_name_area_and_service_of_active_stores_only(db):
    act(db, TenantContext.system())
    barber = build_shop(db, name="Qzbeard trim", store_kw={"name": "Qzx Barbers", "city": "Qzthens",
                                                          "address": "Ermou 5"})
    spa = build_shop(db, name="Qzhot stone massage", store_kw={"name": "Qzy Spa", "city": "Qzpatra"})
    closed = build_shop(db, name="Qzbeard trim", store_kw={"name": "Qzx Closed", "city": "Qzthens"})
    act(db, TenantContext.system())
    closed.store.is_active = False
    db.flush()

    assert slugs(find_stores(db, "qzx")) == [barber.store.slug]               # name, any case
    assert slugs(find_stores(db, "QZTHENS")) == [barber.store.slug]           # city; inactive left out
    assert slugs(find_stores(db, "ermou")) == [barber.store.slug]             # street
    assert slugs(find_stores(db, "stone massage")) == [spa.store.slug]        # service, every term
    assert slugs(find_stores(db, "qzbeard qzpatra")) == []                    # terms on different stores
    assert set(slugs(find_stores(db, "qz"))) == {barber.store.slug, spa.store.slug}
    found = find_stores(db, "qzx")[0]
    assert (found.name, found.city, found.address) == ("Qzx Barbers", "Qzthens", "Ermou 5")


def test_an_archived_service_no_longer_finds_its_store(db):
    shop = build_shop(db, name="Qzwax legs", store_kw={"name": "Qzw Beauty"})
    assert slugs(find_stores(db, "qzwax")) == [shop.store.slug]
    act(db, shop.manager_ctx)
    archive_service(db, shop.manager_ctx, shop.service.id)
    act(db, TenantContext.system())
    assert find_stores(db, "qzwax") == []


def test_greek_names_match_in_any_case_on_postgresql(db, backend):
    if backend != "postgresql":
        pytest.skip("SQLite's lower() folds A-Z only (development database)")
    act(db, TenantContext.system())
    make_store(db, name="Κομμωτήριο Qzελένη", slug="qz-eleni")
    assert slugs(find_stores(db, "ΚΟΜΜΩΤΉΡΙΟ qzΕΛΈΝΗ")) == ["qz-eleni"]


def test_results_are_bounded_and_sorted_by_name(db):
    act(db, TenantContext.system())
    for n in range(MAX_RESULTS + 3):
        make_store(db, name=f"Qzbulk {n:02d}", slug=f"qzbulk-{n:02d}")
    found = find_stores(db, "qzbulk", limit=1000)
    assert len(found) == MAX_RESULTS
    assert [s.name for s in found] == sorted(s.name for s in found)
    assert len(find_stores(db, "qzbulk", limit=3)) == 3


def test_wildcards_typed_by_the_reader_are_letters(db):
    act(db, TenantContext.system())
    make_store(db, name="Qz100% Nails", slug="qz-percent")
    make_store(db, name="Qz100 Nails", slug="qz-plain")
    assert slugs(find_stores(db, "qz100%")) == ["qz-percent"]
    assert slugs(find_stores(db, "qz_00")) == []


def test_weekly_hours_merge_calendars_and_show_closed_days(db):
    shop = build_shop(db, calendars=1, hours=[("09:00", "13:00")], weekdays=[0, 1])
    ctx = shop.manager_ctx
    act(db, ctx)
    second = create_calendar(db, ctx, "Chair 2")
    set_weekly_hours(db, ctx, second.id, [{"weekday": 0, "start": "12:00", "end": "18:00"},
                                          {"weekday": 1, "start": "15:00", "end": "19:00"},
                                          {"weekday": 5, "start": "10:00", "end": "14:00"}])
    inactive = create_calendar(db, ctx, "Away")
    set_weekly_hours(db, ctx, inactive.id, [{"weekday": 6, "start": "08:00", "end": "20:00"}])
    inactive.is_active = False
    db.flush()

    act(db, shop.anonymous())
    week = weekly_opening_hours(db, shop.anonymous())
    assert [d.weekday for d in week] == list(range(7))
    assert week[0].windows == ((time(9), time(18)),)                          # overlapping: merged
    assert week[1].windows == ((time(9), time(13)), (time(15), time(19)))     # a gap stays
    assert week[5].windows == ((time(10), time(14)),)
    assert week[6].is_closed and week[2].is_closed                            # inactive calendar ignored


def test_merge_windows_joins_touching_ones():
    assert merge_windows([(time(13), time(17)), (time(9), time(13))]) == ((time(9), time(17)),)
    assert merge_windows([(time(9), time(9))]) == ()


def test_next_free_starts_come_from_the_availability_engine(db):
    shop = build_shop(db, hours=[("09:00", "10:00")], duration_minutes=30)
    ctx = shop.anonymous()
    act(db, ctx)
    now = datetime.now(timezone.utc)
    services = bookable_services(db, ctx)
    starts = next_free_starts(db, ctx, shop.store, services, now=now)[shop.service.id]
    assert len(starts) == 3
    assert starts == sorted(starts) and all(s > now for s in starts)
    assert all(s.astimezone(shop.tz).time() in (time(9), time(9, 30)) for s in starts)
    assert starts[-1] - starts[0] < timedelta(days=2)


def test_a_service_outside_its_dates_has_no_next_free_time(db):
    today = datetime.now(timezone.utc).date()
    shop = build_shop(db, available_from=today + timedelta(days=60))
    ctx = shop.anonymous()
    act(db, ctx)
    assert next_free_starts(db, ctx, shop.store, bookable_services(db, ctx)) == {shop.service.id: []}


def test_sitemap_lists_active_stores_with_their_latest_change(db):
    shop = build_shop(db, store_kw={"name": "Qzsitemap"})
    closed = build_shop(db)
    act(db, TenantContext.system())
    closed.store.is_active = False
    db.flush()
    pages = {p.slug: p.last_modified for p in active_store_pages(db)}
    assert shop.store.slug in pages and closed.store.slug not in pages
    assert pages[shop.store.slug].tzinfo is not None
    assert pages[shop.store.slug] >= shop.store.updated_at


def test_store_facts_and_map_link(db):
    shop = build_shop(db, store_kw={"name": "Qzfacts", "address": "Ermou 5", "city": "Athens", "country": "GR"})
    ctx = shop.manager_ctx
    act(db, ctx)
    create_service(db, ctx, ServiceInput(calendar_ids=[], name="Not offered", duration_minutes=30,
                                         price_type="fixed", base_price_amount="5.00"))
    act(db, shop.anonymous())
    facts = store_facts(db, shop.anonymous(), shop.store)
    assert [s.name for s in facts.services] == ["Cut"]       # only what a calendar offers
    assert len(facts.hours) == 7 and facts.photos == []
    assert map_search_url(shop.store) == "https://www.openstreetmap.org/search?query=Ermou+5%2C+Athens%2C+GR"
    act(db, TenantContext.system())
    shop.store.address = shop.store.city = None
    assert map_search_url(shop.store) == ""
