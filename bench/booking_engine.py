"""Benchmark of the booking engine's domain layer on PostgreSQL (the HTTP figures come from the API).

Workload from the booking issue: 10 calendars, one 30-minute service, open 09:00–17:00 every day,
5,000 bookings spread over the next 60 days. Creates a fresh database, measures, drops it.

    .venv/bin/python -m bench.booking_engine [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

Prints: one day's availability p50/p95 and a 31-day answer p50 (each a whole unit of work: session,
transaction, queries, computation), booking throughput with 16 threads, and whether 50 concurrent
requests for a one-place slot booked exactly one.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, time as clock, timedelta, timezone
from decimal import Decimal

import sqlalchemy as sa

DEFAULT_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def _create_database(admin_url: str) -> tuple[str, sa.Engine, str]:
    name = f"hub_bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    return url, admin, name


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(int(round(q * (len(ordered) - 1))), len(ordered) - 1)]


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def build_workload(engine, bookings: int, seed: int = 7):
    from hub_app.db import unit_of_work
    from hub_app.domain.accounts.models import AppUser, UserRole
    from hub_app.domain.accounts.service import hash_password
    from hub_app.domain.billing.models import PlanInterval, SubscriptionPlan
    from hub_app.domain.bookings.models import Booking, BookingStatus
    from hub_app.domain.scheduling.service import ServiceInput, create_calendar, create_service, set_weekly_hours
    from hub_app.domain.stores.models import Store
    from hub_app.domain.tenancy import TenantContext
    from zoneinfo import ZoneInfo

    rng = random.Random(seed)
    password_hash = hash_password("bench-password")
    with unit_of_work(TenantContext.system(), engine) as db:
        # A paid plan, as a store with ten calendars has: the free plan allows one. Its monthly
        # bookings limit is finite, as real plans' are, so every booking checks it.
        plan = SubscriptionPlan(name="Bench Business", price_amount=Decimal("49.00"), interval=PlanInterval.MONTH,
                                max_bookings_per_month=100_000)
        db.add(plan)
        db.flush()
        store = Store(name="Bench", slug=f"bench-{uuid.uuid4().hex[:6]}", timezone="Europe/Athens",
                      min_notice_minutes=0, booking_horizon_days=90, current_subscription_plan_id=plan.id)
        db.add(store)
        db.flush()
        manager = AppUser(email=f"manager-{store.id}@bench.example", password_hash=password_hash,
                          role=UserRole.STORE_MANAGER, store_id=store.id)
        clients = [AppUser(email=f"client{i}@bench.example", password_hash=password_hash, role=UserRole.CLIENT)
                   for i in range(2000)]
        db.add_all([manager, *clients])
        db.flush()
        store_id, manager_id, client_ids = store.id, manager.id, [c.id for c in clients]
    ctx = TenantContext(store_id=store_id, user_id=manager_id, role=UserRole.STORE_MANAGER, home_store_id=store_id)
    with unit_of_work(ctx, engine) as db:
        calendars = [create_calendar(db, ctx, f"Chair {i + 1}") for i in range(10)]
        for cal in calendars:
            set_weekly_hours(db, ctx, cal.id, [{"weekday": d, "start": "09:00", "end": "17:00"} for d in range(7)])
        service = create_service(db, ctx, ServiceInput(name="Cut", duration_minutes=30, price_type="fixed",
                                                       base_price_amount="20.00",
                                                       calendar_ids=[c.id for c in calendars]))
        calendar_ids, service_id = [c.id for c in calendars], service.id
    tz = ZoneInfo("Europe/Athens")
    today = datetime.now(timezone.utc).astimezone(tz).date()
    places = [(today + timedelta(days=d), clock(9 + m // 2, 30 * (m % 2)), cal)
              for d in range(1, 61) for m in range(16) for cal in calendar_ids]
    chosen = rng.sample(places, bookings)
    with unit_of_work(TenantContext.system(store_id), engine) as db:
        rows = []
        for day, at, cal in chosen:
            start = datetime.combine(day, at, tzinfo=tz)
            end = start + timedelta(minutes=30)
            rows.append(Booking(
                store_id=store_id, client_user_id=rng.choice(client_ids), service_id=service_id, calendar_id=cal,
                start_at=start.astimezone(timezone.utc), end_at=end.astimezone(timezone.utc), booking_date=day,
                start_time=at, end_time=end.time(), status=BookingStatus.CONFIRMED, total_amount=Decimal("20.00")))
        db.add_all(rows)
    return store_id, service_id, calendar_ids, client_ids, today


def measure(engine, store_id, service_id, calendar_ids, client_ids, today, threads: int, rounds: int) -> None:
    from hub_app.db import unit_of_work
    from hub_app.domain.accounts.models import UserRole
    from hub_app.domain.bookings.availability import free_slots
    from hub_app.domain.bookings.service import BookingRequest, book
    from hub_app.domain.errors import SlotTaken
    from hub_app.domain.tenancy import TenantContext

    anonymous = TenantContext.anonymous(store_id)
    rng = random.Random(11)

    def availability(first, last):
        started = time.perf_counter()
        with unit_of_work(anonymous, engine) as db:
            slots = free_slots(db, anonymous, service_id, first, last)
        return time.perf_counter() - started, slots

    for _ in range(20):  # warm caches (compiled statements, zoneinfo)
        availability(today + timedelta(days=3), today + timedelta(days=3))
    one_day = []
    for _ in range(rounds):
        day = today + timedelta(days=rng.randint(1, 60))
        one_day.append(availability(day, day)[0])
    month = [availability(today + timedelta(days=1), today + timedelta(days=31))[0] for _ in range(max(rounds // 10, 20))]
    print(f"one-day availability:  p50 {_ms(statistics.median(one_day))}  p95 {_ms(_percentile(one_day, 0.95))}"
          f"  ({len(one_day)} calls)")
    print(f"31-day availability:   p50 {_ms(statistics.median(month))}  p95 {_ms(_percentile(month, 0.95))}"
          f"  ({len(month)} calls)")

    # Throughput: each thread books its own free (start, calendar) places.
    free = []
    for first in (today + timedelta(days=1), today + timedelta(days=32)):
        free.extend(availability(first, min(first + timedelta(days=30), today + timedelta(days=60)))[1])
    places = [(slot.start, cal) for slot in free for cal in slot.calendar_ids]
    rng.shuffle(places)
    places = places[:threads * 100]
    contexts = [TenantContext(store_id=store_id, user_id=cid, role=UserRole.CLIENT) for cid in client_ids]
    outcome = {"made": 0, "taken": 0}
    lock = threading.Lock()

    def worker(n):
        for i, (start, cal) in enumerate(places[n::threads]):
            ctx = contexts[(n * 1000 + i) % len(contexts)]
            try:
                with unit_of_work(ctx, engine) as db:
                    book(db, ctx, BookingRequest(service_id=service_id, start=start, calendar_id=cal))
                key = "made"
            except SlotTaken:
                key = "taken"
            with lock:
                outcome[key] += 1

    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(worker, range(threads)))
    elapsed = time.perf_counter() - started
    print(f"booking throughput:    {outcome['made'] / elapsed:.0f} bookings/s with {threads} threads"
          f"  ({outcome['made']} booked, {outcome['taken']} refused, {elapsed:.1f} s)")

    # 50 requests at once for a start with one place left.
    day = today + timedelta(days=rng.randint(1, 60))
    target = next((s for s in availability(day, day + timedelta(days=6))[1] if s.remaining == 1), None)
    if target is None:
        print("one-place race:        no start with exactly one place left (workload too light)")
        return
    gate = threading.Barrier(50)

    def racer(n):
        ctx = contexts[-1 - n]
        gate.wait()
        try:
            with unit_of_work(ctx, engine) as db:
                book(db, ctx, BookingRequest(service_id=service_id, start=target.start))
            return True
        except SlotTaken:
            return False

    with ThreadPoolExecutor(50) as pool:
        wins = sum(pool.map(racer, range(50)))
    print(f"one-place race:        {wins} of 50 concurrent requests booked "
          f"({'OK' if wins == 1 else 'WRONG: expected exactly 1'})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("HUB_BENCH_PG_URL", DEFAULT_ADMIN_URL),
                        help="a PostgreSQL server URL (its database is only used to create the bench database)")
    parser.add_argument("--bookings", type=int, default=5000)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=300, help="one-day availability calls to time")
    args = parser.parse_args(argv)
    url, admin, name = _create_database(args.database_url)
    os.environ["DATABASE_URL"] = url
    from hub_app.cli import migrate
    from hub_app.db import make_engine
    from hub_app.settings import reset_settings_cache

    reset_settings_cache()
    engine = None
    try:
        migrate(url)
        engine = make_engine(url, pool_size=max(args.threads, 25))
        started = time.perf_counter()
        workload = build_workload(engine, args.bookings)
        print(f"workload:              10 calendars, 1 service, {args.bookings} bookings over 60 days "
              f"(built in {time.perf_counter() - started:.1f} s)")
        measure(engine, *workload, threads=args.threads, rounds=args.rounds)
    finally:
        if engine is not None:
            engine.dispose()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
