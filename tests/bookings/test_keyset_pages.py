"""Keyset pages of a store's bookings and clients: following the cursor visits every row once in
order (ties on the sort value broken by id), a tampered cursor is a clear 422, totals stop
counting at COUNT_CAP, offsets are bounded; exports are bounded and stream in flat memory."""

from __future__ import annotations

import tracemalloc
from datetime import timedelta

import pytest
from sqlalchemy import select

from hub_app.domain.bookings import paging
from hub_app.domain.bookings.models import Booking
from hub_app.domain.bookings.queries import list_bookings, list_clients, next_client_cursor, next_cursor
from hub_app.domain.reporting import exports
from hub_app.domain.bookings.listing import BookingFilters
from hub_app.domain.errors import ValidationFailed
from hub_app.domain.tenancy import TenantContext
from tests.bookings.helpers import MONDAY, act, build_shop, insert_booking


def _shop_with_bookings(db, count: int, calendars: int = 3):
    """`count` bookings, `calendars` of them starting at the very same instant each time (ties)."""
    shop = build_shop(db, calendars=calendars)
    for n in range(count):
        start = shop.local(MONDAY + timedelta(days=n // (8 * calendars)), f"{9 + (n // calendars) % 8:02d}:00")
        insert_booking(db, shop, start, calendar=shop.calendars[n % calendars])
    act(db, shop.manager_ctx)
    return shop


def _walk(db, ctx, order: str, limit: int):
    seen, cursor = [], None
    while True:
        rows, _ = list_bookings(db, ctx, order=order, limit=limit, cursor=cursor)
        seen.extend(rows)
        cursor = next_cursor(rows, order, limit)
        if cursor is None:
            return seen


@pytest.mark.parametrize("order", ["start", "-start", "created", "-created"])
def test_following_the_cursor_visits_every_booking_once_in_order(db, order):
    shop = _shop_with_bookings(db, 31)
    ctx = shop.manager_ctx
    everything, total = list_bookings(db, ctx, order=order, limit=500)
    walked = _walk(db, ctx, order, limit=4)
    assert total == 31 and [b.id for b in walked] == [b.id for b in everything]
    assert len({b.id for b in walked}) == 31
    column = "start_at" if order.endswith("start") else "created_at"
    keys = [(getattr(b, column), b.id) for b in walked]
    assert keys == sorted(keys, reverse=order.startswith("-"))


def test_a_cursor_keeps_the_filters_and_a_bad_one_is_refused_by_name(db):
    shop = _shop_with_bookings(db, 12)
    ctx = shop.manager_ctx
    first, _ = list_bookings(db, ctx, status="confirmed", limit=5)
    second, _ = list_bookings(db, ctx, status="confirmed", limit=5, cursor=next_cursor(first, "start", 5))
    assert not {b.id for b in first} & {b.id for b in second} and len(second) == 5
    good = next_cursor(first, "start", 5)
    for bad in ("nonsense", good[:-3], good + "x", next_cursor(first, "start", 5).swapcase()):
        with pytest.raises(ValidationFailed) as refused:
            list_bookings(db, ctx, limit=5, cursor=bad)
        assert "cursor" in refused.value.fields
    with pytest.raises(ValidationFailed) as other_order:  # made for another sort order
        list_bookings(db, ctx, order="-created", limit=5, cursor=good)
    assert "cursor" in other_order.value.fields


def test_totals_stop_counting_past_the_cap_and_pages_are_bounded(db):
    shop = _shop_with_bookings(db, 12)
    ctx = shop.manager_ctx
    assert paging.capped_count(db, select(Booking.id).where(Booking.store_id == shop.store.id), cap=5) == 6
    assert list_bookings(db, ctx, limit=2, count_cap=5)[1] == 6  # "more than 5"
    with pytest.raises(ValidationFailed) as too_big:
        list_bookings(db, ctx, limit=100_000)
    assert "500" in too_big.value.fields["limit"]
    with pytest.raises(ValidationFailed) as too_far:
        list_bookings(db, ctx, offset=paging.MAX_OFFSET + 1)
    assert f"{paging.MAX_OFFSET}" in too_far.value.fields["offset"]


def test_clients_page_by_name_with_a_cursor(db):
    shop = _shop_with_bookings(db, 14)
    ctx = shop.manager_ctx
    everyone, total = list_clients(db, ctx, limit=500)
    assert total == 14
    seen, cursor = [], None
    while True:
        page, _ = list_clients(db, ctx, limit=3, cursor=cursor)
        seen.extend(page)
        cursor = next_client_cursor(page, 3)
        if cursor is None:
            break
    assert [c.user_id for c in seen] == [c.user_id for c in everyone]
    names = [(c.last_name, c.first_name, c.user_id) for c in seen]
    assert names == sorted(names)
    with pytest.raises(ValidationFailed):
        list_clients(db, ctx, limit=3, cursor="bm90IGEgY3Vyc29y")


def test_an_export_longer_than_a_year_or_too_large_is_refused_with_a_message(db, monkeypatch):
    shop = _shop_with_bookings(db, 12)
    ctx = shop.manager_ctx
    with pytest.raises(ValidationFailed) as ten_years:
        exports.bookings_csv(db, ctx, BookingFilters(date_from=MONDAY, date_to=MONDAY + timedelta(days=3650)))
    assert "366" in ten_years.value.fields["to"]
    monkeypatch.setattr(exports, "EXPORT_LIMIT", 10)
    with pytest.raises(ValidationFailed) as too_many:
        exports.bookings_csv(db, ctx, BookingFilters())
    assert "10" in too_many.value.fields["from"]
    monkeypatch.setattr(exports, "EXPORT_LIMIT", 12)
    text = exports.bookings_csv(db, ctx, BookingFilters())
    assert text.count("\r\n") == 13  # the header and every booking, nothing cut short


def _peak_bytes(db, ctx) -> tuple[int, int]:
    """(peak memory while streaming the export chunk by chunk, bytes written)."""
    written = 0
    tracemalloc.start()
    try:
        for chunk in exports.bookings_csv_chunks(db, ctx, BookingFilters()):
            written += len(chunk.encode())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, written


def test_the_export_streams_in_flat_memory(db, monkeypatch):
    monkeypatch.setattr(exports, "MAX_PAGE", 50)  # many pages from a few hundred rows
    small = _shop_with_bookings(db, 100)
    small_peak, small_bytes = _peak_bytes(db, small.manager_ctx)
    large = _shop_with_bookings(db, 800)
    act(db, TenantContext.system())
    act(db, large.manager_ctx)
    large_peak, large_bytes = _peak_bytes(db, large.manager_ctx)
    assert large_bytes > 7 * small_bytes
    # Eight times the rows, about the same peak: one page at a time is held, never the file.
    assert large_peak < 1.5 * small_peak, (small_peak, large_peak)
