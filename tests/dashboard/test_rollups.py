"""The per-day rollups (migration 0018) always equal a full recount of bookings and payments,
whatever happens to the rows: random inserts, status changes, moves, amount changes and deletes,
on SQLite and PostgreSQL; and the figures read from them match the source rows."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from sqlalchemy import delete, text

from hub_app.domain.billing.models import Payment, PaymentKind, PaymentRecordStatus
from hub_app.domain.bookings.models import Booking, BookingStatus
from hub_app.domain.bookings.service import cancel_booking
from hub_app.domain.reporting.overview import period_figures
from hub_app.domain.reporting.recount import rebuild, recount, stored
from hub_app.domain.tenancy import TenantContext
from tests.dashboard.helpers import MONDAY, act, add_booking, as_manager, client, two_shops

STATUSES = list(BookingStatus)
PAYMENT_STATUSES = list(PaymentRecordStatus)


def _random_history(db, rng: random.Random, operations: int = 160) -> None:
    shops = two_shops(db)
    people = [client(db) for _ in range(4)]
    bookings: list[Booking] = []
    payments: list[Payment] = []
    slot = 0
    for _ in range(operations):
        act(db, TenantContext.system())
        roll = rng.random()
        if roll < 0.35 or not bookings:
            shop = rng.choice(shops)
            slot += 1  # every booking its own half hour: the no-overlap rule stays out of the way
            day = MONDAY + timedelta(days=slot // 16 - 30)
            at = f"{9 + (slot % 16) // 2:02d}:{30 * (slot % 2):02d}"
            made = datetime(2031, 1, 1, tzinfo=timezone.utc) + timedelta(hours=rng.randrange(24 * 90))
            bookings.append(add_booking(db, shop, day, at, who=rng.choice(people), status=rng.choice(STATUSES),
                                        total=f"{rng.randrange(0, 9000) / 100:.2f}", created_at=made))
        elif roll < 0.55:
            rng.choice(bookings).status = rng.choice(STATUSES)
        elif roll < 0.62:
            booking = rng.choice(bookings)
            booking.total_amount = Decimal(rng.randrange(0, 9000)) / 100
        elif roll < 0.67:
            booking = rng.choice(bookings)
            booking.created_at = booking.created_at - timedelta(days=rng.randrange(1, 40))
        elif roll < 0.72:
            booking = rng.choice(bookings)
            if not any(p.booking_id == booking.id for p in payments):
                bookings.remove(booking)
                db.execute(delete(Booking).where(Booking.id == booking.id))
                db.expunge(booking)
        elif roll < 0.87:
            booking = rng.choice(bookings)
            payment = Payment(store_id=booking.store_id, user_id=booking.client_user_id, booking_id=booking.id,
                              amount=Decimal(rng.randrange(1, 5000)) / 100, currency=rng.choice(["EUR", "USD"]),
                              status=rng.choice(PAYMENT_STATUSES), kind=rng.choice(list(PaymentKind)),
                              payment_date=datetime(2031, 1, 1, tzinfo=timezone.utc)
                              + timedelta(minutes=rng.randrange(60 * 24 * 90)))
            db.add(payment)
            payments.append(payment)
        elif roll < 0.95 and payments:
            payment = rng.choice(payments)
            payment.status = rng.choice(PAYMENT_STATUSES)
            payment.payment_date = payment.payment_date + timedelta(hours=rng.randrange(-72, 72))
        elif payments:
            payment = payments.pop(rng.randrange(len(payments)))
            db.delete(payment)
        db.flush()


def test_random_changes_keep_the_rollups_equal_to_a_recount(db):
    _random_history(db, random.Random(19))
    act(db, TenantContext.system())
    expected = recount(db)
    assert sum(len(rows) for rows in expected.values()) > 50  # the history really exercised them
    assert stored(db) == expected


def test_several_seeds_agree_too(db):
    for seed in (1, 2, 3):
        _random_history(db, random.Random(seed), operations=60)
    act(db, TenantContext.system())
    assert stored(db) == recount(db)


def test_a_client_cancelling_in_their_own_context_moves_the_store_totals(db):
    a, _ = two_shops(db)
    person = client(db)
    booking = add_booking(db, a, MONDAY, "10:00", who=person, total="40.00")
    act(db, TenantContext.for_user(person))
    cancel_booking(db, TenantContext.for_user(person), booking.id, "changed my mind")
    db.flush()
    act(db, TenantContext.system())
    totals = stored(db)["booking_day_stats"]
    assert totals[(a.store.id, MONDAY.isoformat(), "cancelled")] == (1, 4000)
    assert (a.store.id, MONDAY.isoformat(), "confirmed") not in totals
    assert totals == recount(db)["booking_day_stats"]


def test_rebuild_repairs_totals_that_drifted(db):
    _random_history(db, random.Random(7), operations=40)
    act(db, TenantContext.system())
    db.execute(text("UPDATE booking_day_stats SET bookings = bookings + 5"))
    assert stored(db) != recount(db)
    rebuild(db)
    assert stored(db) == recount(db)


def test_the_overview_reads_the_same_figures_as_the_bookings_say(db):
    a, b = two_shops(db)
    add_booking(db, a, MONDAY, "10:00", total="25.50")
    add_booking(db, a, MONDAY, "11:00", total="10.00", status=BookingStatus.COMPLETED)
    add_booking(db, a, MONDAY, "12:00", total="99.00", status=BookingStatus.CANCELLED)
    add_booking(db, a, MONDAY + timedelta(days=1), "10:00", status=BookingStatus.NO_SHOW)
    add_booking(db, b, MONDAY, "10:00", total="500.00")  # another store's: not counted
    figures = period_figures(db, as_manager(db, a), MONDAY, MONDAY + timedelta(days=6))
    monday = figures.days[0]
    assert (monday.bookings, monday.revenue, monday.cancellations) == (2, Decimal("35.50"), 1)
    assert figures.no_shows == 1 and figures.bookings == 3
