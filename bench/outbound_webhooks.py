"""Benchmark of outbound webhooks on PostgreSQL: what emitting costs a booking, and how fast
deliveries go out to a local receiver.

    .venv/bin/python -m bench.outbound_webhooks [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

Creates a fresh database, measures, drops it. Prints the per-booking time of the booking domain
call without any endpoint, with one listening endpoint (the delivery row and its payload written
in the same transaction), the deliveries per second sent by N threads to a local HTTP receiver
(each: claim, signed POST, record), and how many requests the receiver saw per event.
"""

from __future__ import annotations

import argparse
import os
import statistics
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import sqlalchemy as sa

from bench.booking_engine import DEFAULT_ADMIN_URL, _create_database, build_workload


def _receiver() -> tuple[ThreadingHTTPServer, Counter]:
    seen: Counter = Counter()
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with lock:
                seen[self.headers.get("Hub-Event-Id")] += 1
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, seen


def _book_many(engine, store_id: int, service_id: int, client_ids: list[int], first_day, offset: int) -> list[float]:
    """Each client books once, one after another (10 calendars, 16 half-hours a day): their first
    booking in the store, so a listening endpoint gets booking.created and client.created."""
    from zoneinfo import ZoneInfo

    from hub_app.db import unit_of_work
    from hub_app.domain.accounts.models import UserRole
    from hub_app.domain.bookings.service import BookingRequest, book
    from hub_app.domain.tenancy import TenantContext

    zone = ZoneInfo("Europe/Athens")
    took = []
    for i, client_id in enumerate(client_ids, start=offset):
        day, slot = first_day + timedelta(days=i // 160), (i % 160) // 10
        when = datetime.combine(day, datetime.min.time(), tzinfo=zone) + timedelta(hours=9, minutes=30 * slot)
        ctx = TenantContext(store_id=store_id, user_id=client_id, role=UserRole.CLIENT)  # the client books
        began = time.perf_counter()
        with unit_of_work(ctx, engine) as db:
            book(db, ctx, BookingRequest(service_id=service_id, start=when))
        took.append(time.perf_counter() - began)
    return took


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("HUB_BENCH_PG_URL", DEFAULT_ADMIN_URL))
    parser.add_argument("--bookings", type=int, default=200, help="bookings timed in each of the two runs")
    parser.add_argument("--threads", type=int, default=8, help="threads sending deliveries")
    args = parser.parse_args(argv)
    url, admin, name = _create_database(args.database_url)
    os.environ["DATABASE_URL"] = url
    from hub_app.cli import migrate
    from hub_app.db import make_engine, unit_of_work
    from hub_app.domain.accounts.models import AppUser, UserRole
    from hub_app.domain.outbound_webhooks import sending
    from hub_app.domain.outbound_webhooks.endpoints import create_endpoint
    from hub_app.domain.tenancy import TenantContext
    from hub_app.settings import reset_settings_cache

    reset_settings_cache()
    engine, server = None, None
    try:
        migrate(url)
        engine = make_engine(url, pool_size=args.threads + 4)
        with engine.begin() as conn:  # a store without a plan, as in the other benchmarks' workloads
            conn.execute(sa.text("UPDATE subscription_plan SET is_free = false WHERE is_free"))
        store_id, service_id, _, clients, today = build_workload(engine, 0)
        first_day, half = today + timedelta(days=1), args.bookings
        _book_many(engine, store_id, service_id, clients[:20], first_day, 0)  # warm up
        plain = _book_many(engine, store_id, service_id, clients[20:20 + half], first_day, 20)
        server, seen = _receiver()
        with unit_of_work(TenantContext.system(), engine) as db:
            manager_id = db.scalar(sa.select(AppUser.id).where(AppUser.store_id == store_id,
                                                               AppUser.role == UserRole.STORE_MANAGER))
        manager = TenantContext(store_id=store_id, user_id=manager_id, role=UserRole.STORE_MANAGER,
                                home_store_id=store_id)
        with unit_of_work(manager, engine) as db:
            create_endpoint(db, manager, f"http://127.0.0.1:{server.server_address[1]}/in",
                            ["booking.created", "client.created"])
        listened = _book_many(engine, store_id, service_id, clients[20 + half:20 + 2 * half], first_day, 20 + half)
        print(f"booking, no endpoint:        p50 {statistics.median(plain) * 1000:.2f} ms")
        print(f"booking, 1 endpoint (2 events written): p50 {statistics.median(listened) * 1000:.2f} ms")
        with unit_of_work(TenantContext.system(), engine) as db:
            due = sending.due_deliveries(db, limit=100_000)
        began = time.perf_counter()
        with ThreadPoolExecutor(args.threads) as pool:
            # Every id twice, at once: the lease must keep each to one request.
            outcomes = Counter(o.status for o in pool.map(lambda i: sending.deliver(i, engine=engine), due + due))
        spent = time.perf_counter() - began
        print(f"deliveries:                  {len(due)} sent in {spent:.2f} s = {len(due) / spent:.0f}/s "
              f"({args.threads} threads, each id enqueued twice: {dict(outcomes)})")
        print(f"receiver:                    {len(seen)} events, max requests per event {max(seen.values())}")
    finally:
        if server is not None:
            server.shutdown()
        if engine is not None:
            engine.dispose()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
