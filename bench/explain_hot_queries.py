"""Server time and query plans of the dashboard's hot reads on a big database.

Runs each read as the app does (the domain function in a unit of work, as the app's login role
under row-level security) for a store's manager, `--runs` times, and prints p50/p95 in ms; with
`--explain`, prints `EXPLAIN (ANALYZE, BUFFERS)` of every SQL statement the read issued. Fill the
database first with `bench/explain_dataset.py` (store 1 is the big one).

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1/scale .venv/bin/python -m bench.explain_hot_queries \
        [--store 1] [--runs 30] [--explain] [--only overview,...]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import event, select, text

from hub_app import db as hub_db
from hub_app.domain.accounts.models import AppUser, UserRole
from hub_app.domain.bookings.models import Booking
from hub_app.domain.bookings.paging import encode_cursor
from hub_app.domain.bookings.queries import list_bookings, list_clients
from hub_app.domain.stores.local_time import local_today
from hub_app.domain.bookings.listing import BookingFilters, calendar_view, find_bookings
from hub_app.domain.reporting.overview import period_figures, todays_and_upcoming
from hub_app.domain.platform.analytics import platform_analytics
from hub_app.domain.platform.dashboard import dashboard_counts
from hub_app.domain.tenancy import TenantContext
from hub_app.domain.types import utcnow


def reads(store_id: int, deep_cursor: str | None) -> dict[str, tuple[str, Callable]]:
    """name -> (who runs it, fn(db, ctx))."""
    def today(db, ctx):
        return local_today("Europe/Athens", utcnow())

    return {
        "overview_today": ("manager", lambda db, ctx: todays_and_upcoming(db, ctx)),
        "overview_30_days": ("manager", lambda db, ctx: period_figures(db, ctx, today(db, ctx) - timedelta(days=29),
                                                                       today(db, ctx))),
        "overview_365_days": ("manager", lambda db, ctx: period_figures(db, ctx, today(db, ctx) - timedelta(days=364),
                                                                        today(db, ctx))),
        "calendar_week": ("manager", lambda db, ctx: calendar_view(db, ctx, "week", today(db, ctx) - timedelta(days=60))),
        "calendar_month": ("manager", lambda db, ctx: calendar_view(db, ctx, "month",
                                                                    today(db, ctx) - timedelta(days=60))),
        "list_first_page": ("manager", lambda db, ctx: find_bookings(db, ctx, BookingFilters(), limit=20)),
        "list_filtered": ("manager", lambda db, ctx: find_bookings(
            db, ctx, BookingFilters(status="cancelled", date_from=today(db, ctx) - timedelta(days=90)), limit=20)),
        "list_search": ("manager", lambda db, ctx: find_bookings(db, ctx, BookingFilters(search="client1234"), limit=20)),
        "list_deep_cursor": ("manager", lambda db, ctx: find_bookings(db, ctx, BookingFilters(), limit=20,
                                                                      cursor=deep_cursor)),
        "list_newest_created": ("manager", lambda db, ctx: list_bookings(db, ctx, order="-created", limit=20)),
        "clients_first_page": ("manager", lambda db, ctx: list_clients(db, ctx, limit=20)),
        "clients_search": ("manager", lambda db, ctx: list_clients(db, ctx, search="client1234", limit=20)),
        "admin_landing": ("admin", lambda db, ctx: dashboard_counts(db, ctx)),
        "admin_analytics": ("admin", lambda db, ctx: platform_analytics(db, ctx)),
    }


def contexts(store_id: int) -> dict[str, TenantContext]:
    with hub_db.unit_of_work(TenantContext.system()) as db:
        manager = db.get(AppUser, store_id)
        admin = TenantContext(store_id=None, user_id=None, role=UserRole.ADMIN, bypass=True)
        return {"manager": TenantContext.for_user(manager), "admin": admin}


def timed(fn: Callable, ctx: TenantContext, runs: int) -> list[float]:
    took = []
    for _ in range(runs):
        began = time.perf_counter()
        with hub_db.unit_of_work(ctx) as db:
            fn(db, ctx)
        took.append((time.perf_counter() - began) * 1000)
    return took


def explain(fn: Callable, ctx: TenantContext) -> None:
    captured: list[tuple[str, object]] = []
    engine = hub_db.get_engine()

    def keep(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT") and "set_config" not in statement:
            captured.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", keep)
    try:
        with hub_db.unit_of_work(ctx) as db:
            fn(db, ctx)
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    for statement, parameters in captured:
        with hub_db.unit_of_work(ctx) as db:
            raw = db.connection().connection.driver_connection
            rows = raw.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters).fetchall()
        print("   SQL:", " ".join(statement.split())[:300])
        for (line,) in rows:
            print("     ", line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=int, default=1)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--only", default="")
    args = parser.parse_args()
    ctxs = contexts(args.store)
    with hub_db.unit_of_work(ctxs["manager"]) as db:
        total = db.execute(text("SELECT count(*) FROM booking WHERE store_id = :s"), {"s": args.store}).scalar()
        # A cursor halfway through the list: where following "next" from page 1 would be after
        # total / 2 rows (page 12,500 of 20 in a 500,000-booking store).
        deep = db.scalars(select(Booking).where(Booking.store_id == args.store)
                          .order_by(Booking.start_at, Booking.id).offset(total // 2).limit(1)).first()
    deep_cursor = encode_cursor("start", [deep.start_at], deep.id) if deep else None
    print(f"store {args.store}: {total:,} bookings")
    wanted = set(filter(None, args.only.split(",")))
    for name, (who, fn) in reads(args.store, deep_cursor).items():
        if wanted and name not in wanted:
            continue
        took = timed(fn, ctxs[who], args.runs)
        p95 = statistics.quantiles(took, n=20)[18] if len(took) >= 2 else took[0]
        print(f"{name:22s} p50 {statistics.median(took):7.1f} ms   p95 {p95:7.1f} ms", flush=True)
        if args.explain:
            explain(fn, ctxs[who])


if __name__ == "__main__":
    main()
