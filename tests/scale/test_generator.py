"""The scale data generator (bench/scale) at a tiny size on PostgreSQL: the same seed gives the
same data, the sizes asked for are the sizes loaded, and the loaded data obeys what the schema's
triggers and row-level security enforce for rows written by the app."""

from __future__ import annotations

import uuid
from datetime import date

import psycopg
import pytest
from sqlalchemy import func, select

from bench.scale import checks
from bench.scale.load import create_database, drop_database, generate, migrate, plain_url
from bench.scale.rows import COLUMNS, Generator
from bench.scale.shape import booking_counts, median_rank, shapes

ANCHOR = date(2026, 12, 7)
STORES, BOOKINGS = 5, 1500


def _load(admin_url: str, seed: int) -> tuple[str, str]:
    name = f"hub_test_scale_{uuid.uuid4().hex[:10]}"
    url = create_database(admin_url, name)
    migrate(url)
    generate(url, stores=STORES, bookings=BOOKINGS, seed=seed, anchor=ANCHOR, progress=lambda _: None)
    return name, url


@pytest.fixture(scope="module")
def loaded(postgres_server):
    """Two loads with the same seed."""
    made = [_load(postgres_server, 1) for _ in range(2)]
    yield [url for _, url in made]
    for name, _ in made:
        drop_database(postgres_server, name)


def _digest(url: str, table: str) -> tuple[int, str]:
    # The password hash is salted at random on every load (it is the same password for all).
    columns = ", ".join(c for c in COLUMNS[table] if c != "password_hash")
    with psycopg.connect(plain_url(url)) as conn:
        return conn.execute(
            f"SELECT count(*), md5(coalesce(string_agg(r, E'\\n' ORDER BY r), '')) "
            f"FROM (SELECT ({columns})::text AS r FROM {table}) s").fetchone()


def test_same_seed_same_data(loaded):
    first, again = loaded
    for table in COLUMNS:
        assert _digest(first, table) == _digest(again, table), table


def _lines(seed: int) -> list[str]:
    lines: list[str] = []
    generator = Generator(seed, ANCHOR, "hash", lambda table, line: lines.append(f"{table}:{line}"))
    for shape in shapes(STORES, BOOKINGS):
        generator.store(shape)
    return lines


def test_another_seed_other_data():
    first, other = _lines(1), _lines(2)
    assert len([x for x in first if x.startswith("booking:")]) == BOOKINGS
    assert first != other and first == _lines(1)


def test_sizes_are_the_ones_asked_for(loaded):
    with psycopg.connect(plain_url(loaded[0])) as conn:
        assert conn.execute("SELECT count(*) FROM store").fetchone()[0] == STORES
        per_store = dict(conn.execute("SELECT store_id, count(*) FROM booking GROUP BY 1").fetchall())
        calendars = dict(conn.execute("SELECT store_id, count(*) FROM calendar GROUP BY 1").fetchall())
        statuses = dict(conn.execute("SELECT status, count(*) FROM booking GROUP BY 1").fetchall())
        shared = conn.execute(
            "SELECT count(*) FROM (SELECT user_id FROM store_client GROUP BY 1 HAVING count(*) > 1) s").fetchone()[0]
        unbooked = conn.execute(
            """SELECT count(*) FROM store_client sc WHERE NOT EXISTS (
                 SELECT 1 FROM booking b WHERE b.store_id = sc.store_id AND b.client_user_id = sc.user_id)""").fetchone()[0]
        history = conn.execute("SELECT min(start_at)::date, max(start_at)::date FROM booking").fetchone()
    assert [per_store[i] for i in range(1, STORES + 1)] == booking_counts(STORES, BOOKINGS)
    assert sum(per_store.values()) == BOOKINGS
    assert per_store[1] > per_store[median_rank(STORES)] > 0          # Zipf: the first store is the biggest
    assert [calendars[s.rank] for s in shapes(STORES, BOOKINGS)] == [s.calendars for s in shapes(STORES, BOOKINGS)]
    assert {"completed", "confirmed", "cancelled", "no_show"} <= set(statuses)
    assert shared > 0 and unbooked == 0        # clients of several stores only where they booked
    assert (ANCHOR - history[0]).days >= 700 and (history[1] - ANCHOR).days >= 30


def test_rules_hold_and_triggers_are_on(loaded):
    url = plain_url(loaded[0])
    with psycopg.connect(url, autocommit=True) as conn:
        assert checks.problems(conn) == []
        taken = conn.execute(
            """SELECT b.store_id, b.client_user_id, b.service_id, b.calendar_id, b.start_at, b.end_at
                 FROM booking b WHERE b.status = 'confirmed' ORDER BY b.id LIMIT 1""").fetchone()
        version = conn.execute("SELECT version FROM availability_version WHERE calendar_id = %s",
                               (taken[3],)).fetchone()[0]
        # The same calendar at an overlapping time, from another service: the trigger refuses it.
        other_service = conn.execute("SELECT id FROM service WHERE store_id = %s AND id <> %s LIMIT 1",
                                     (taken[0], taken[2])).fetchone()
        service = other_service[0] if other_service else taken[2]
        with pytest.raises(psycopg.errors.ExclusionViolation), conn.transaction():
            conn.execute(
                """INSERT INTO booking (created_at, updated_at, store_id, client_user_id, service_id, calendar_id,
                       start_at, end_at, booking_date, start_time, end_time, number_of_persons, status,
                       total_amount, amount_paid, currency, payment_status, source)
                   VALUES (now(), now(), %s, %s, %s, %s, %s, %s, %s::date, '09:00', '10:00', 1, 'confirmed',
                       10, 0, 'EUR', 'unpaid', 'web')""",
                (taken[0], taken[1], service, taken[3], taken[4], taken[5], taken[4]))
        # A change to the calendar's bookings raises its availability version (0006).
        conn.execute("UPDATE booking SET status = 'cancelled' WHERE calendar_id = %s AND start_at = %s",
                     (taken[3], taken[4]))
        assert conn.execute("SELECT version FROM availability_version WHERE calendar_id = %s",
                            (taken[3],)).fetchone()[0] > version


def test_the_app_role_sees_one_store_only(loaded):
    from hub_app.db import make_engine, unit_of_work
    from hub_app.domain.accounts.models import AppUser
    from hub_app.domain.bookings.models import Booking
    from hub_app.domain.tenancy import TenantContext

    engine = make_engine(loaded[0].replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with unit_of_work(TenantContext.system(), engine) as db:
            manager = db.scalars(select(AppUser).where(AppUser.email == "manager2@scale.example")).one()
        with unit_of_work(TenantContext.for_user(manager), engine) as db:
            seen = db.execute(select(Booking.store_id, func.count()).group_by(Booking.store_id)).all()
    finally:
        engine.dispose()
    assert seen == [(2, booking_counts(STORES, BOOKINGS)[1])]
