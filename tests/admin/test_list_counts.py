"""Admin lists never count a big table per page: a filtered list stops counting at COUNT_CAP
("10,000+"), an unfiltered big one shows PostgreSQL's estimate, and pages stop at the cap."""

from __future__ import annotations

from sqlalchemy import select

from admin.views import counts
from hub_app.domain.bookings.models import Booking, BookingStatus
from hub_app.domain.tenancy import TenantContext
from tests.dashboard.helpers import MONDAY, act, add_booking, two_shops


def _bookings(db, n: int):
    a, _ = two_shops(db)
    for i in range(n):
        add_booking(db, a, MONDAY, f"{9 + i // 2:02d}:{30 * (i % 2):02d}", status=BookingStatus.CANCELLED)
    act(db, TenantContext.system())


def test_a_filtered_list_stops_counting_at_the_cap(db, monkeypatch):
    _bookings(db, 6)
    monkeypatch.setattr(counts, "COUNT_CAP", 4)
    listed = select(Booking).where(Booking.status == BookingStatus.CANCELLED).order_by(Booking.id.desc())
    shown = counts.list_count(db, listed, "booking", unfiltered=False)
    assert shown == 5 and str(shown) == "4+"  # pages reach the first 4 rows; the label says "more"
    three = db.scalars(select(Booking.id).order_by(Booking.id).limit(3)).all()
    few = counts.list_count(db, select(Booking).where(Booking.id.in_(three)), "booking", unfiltered=False)
    assert few == 3 and str(few) == "3"


def test_an_unfiltered_big_table_shows_the_estimate(db, monkeypatch):
    _bookings(db, 2)
    monkeypatch.setattr(counts, "estimated_rows", lambda session, table: 4_000_000)
    shown = counts.list_count(db, select(Booking), "booking", unfiltered=True)
    assert shown == counts.COUNT_CAP + 1 and str(shown) == "~4,000,000"
    monkeypatch.setattr(counts, "estimated_rows", lambda session, table: 2)  # small: counted exactly
    assert str(counts.list_count(db, select(Booking), "booking", unfiltered=True)) == "2"


def test_postgresql_reads_its_estimate_and_sqlite_has_none(db, backend):
    estimate = counts.estimated_rows(db, "booking")
    assert (estimate is None) if backend == "sqlite" else (estimate is None or estimate >= 0)
