"""A booking reads the booking table through its indexes, however many bookings the store has
made before: neither the no-overlap trigger nor the plan's monthly count scans the whole table
(migration 0021).

PostgreSQL only, in a database of its own: the earlier bookings are committed and ANALYZEd, as
autovacuum would have done in production (the planner's choice depends on the statistics), and
the test counts the sequential scans of `booking` the booking's own transaction made
(pg_stat_get_xact_numscans, which includes those of triggers).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from hub_app import db as hub_db
from hub_app.cli import migrate
from hub_app.domain.accounts.models import UserRole
from hub_app.domain.billing.models import PlanInterval, SubscriptionPlan
from hub_app.domain.bookings.models import Booking, BookingStatus
from hub_app.domain.bookings.plan_limit import bookings_made_this_month
from hub_app.domain.bookings.service import BookingRequest, book
from hub_app.domain.stores.models import Store
from hub_app.domain.tenancy import TenantContext
from hub_app.domain.types import utcnow
from tests.bookings.helpers import MONDAY, build_shop
from tests.conftest import _create_postgres_database, without_free_plan_limits
from tests.factories import make_user

EARLIER_BOOKINGS = 3000
EARLIER_CLIENTS = 300


@pytest.fixture
def own_database(postgres_server):
    url, drop = _create_postgres_database(postgres_server)
    engine = None
    try:
        migrate(url)
        without_free_plan_limits(url)
        engine = hub_db.make_engine(url)
        yield url, engine
    finally:
        if engine is not None:
            engine.dispose()
        hub_db.reset_engine_cache()
        drop()


def booking_seq_scans(db) -> int:
    """Sequential scans of `booking` in this transaction so far (for a table, the function counts
    sequential scans only)."""
    return db.scalar(sa.text("SELECT pg_stat_get_xact_numscans('booking'::regclass)"))


def test_a_booking_does_not_scan_the_booking_table(own_database):
    url, engine = own_database
    with hub_db.unit_of_work(TenantContext.system(), engine) as db:
        shop = build_shop(db)
        plan = SubscriptionPlan(name="Scans", price_amount=Decimal("9.00"), interval=PlanInterval.MONTH,
                                max_bookings_per_month=100_000)
        db.add(plan)
        db.flush()
        shop.store.current_subscription_plan_id = plan.id
        client = make_user(db, UserRole.CLIENT)
        # Earlier clients, a few bookings each, as a busy store has (the per-client rollup of 0018
        # reads one client's bookings, which for a client holding the whole table is all of it).
        earlier_clients = [make_user(db, UserRole.CLIENT).id for _ in range(EARLIER_CLIENTS)]
        # The calendar's earlier bookings, made last year, at times after the new one (as a busy
        # calendar has), none clashing with it.
        made = utcnow() - timedelta(days=400)
        rows = []
        for n in range(EARLIER_BOOKINGS):
            start = shop.local(MONDAY + timedelta(days=1 + n // 16), "09:00") + timedelta(minutes=30 * (n % 16))
            end = start + timedelta(minutes=30)
            rows.append(dict(store_id=shop.store.id, client_user_id=earlier_clients[n % EARLIER_CLIENTS], service_id=shop.service.id,
                             calendar_id=shop.calendars[0].id, start_at=start, end_at=end,
                             booking_date=start.date(), start_time=start.time(), end_time=end.time(),
                             number_of_persons=1, status=BookingStatus.CONFIRMED, total_amount=Decimal("20.00"),
                             created_at=made, updated_at=made))
        db.execute(sa.insert(Booking), rows)
        store_id, service_id, client_id, start = (shop.store.id, shop.service.id, client.id,
                                                  shop.local(MONDAY, "09:00"))
    owner = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with owner.connect() as conn:
            conn.execute(sa.text("ANALYZE booking"))
    finally:
        owner.dispose()

    ctx = TenantContext(store_id=store_id, user_id=client_id, role=UserRole.CLIENT)
    with hub_db.unit_of_work(ctx, engine) as db:
        before = booking_seq_scans(db)
        booking = book(db, ctx, BookingRequest(service_id=service_id, start=start))
        assert booking.status == BookingStatus.CONFIRMED
        assert bookings_made_this_month(db, db.get(Store, store_id)) == 1
        assert booking_seq_scans(db) - before == 0
