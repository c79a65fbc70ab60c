"""Benchmark of calendar sync against a real Radicale server and a fresh PostgreSQL database.

    .venv/bin/python -m bench.calendar_sync [--events 5000] [--changes 500] [--skip-latency]

Prints:
- a first sync of a remote calendar holding N events: time, objects read, peak memory (Python
  allocations during the sync, tracemalloc) and the process's peak RSS;
- an incremental re-sync after one remote change: time and objects read (O(changes));
- inbound latency: a remote event is written, a Dramatiq worker runs with the default tick
  (HUB_CALENDAR_SYNC_SECONDS, 60 s), and the public availability is polled until the slot is gone;
- outbound exactly-once over M booking changes (create / reschedule / cancel) with pushes failing
  before and after the server acted and workers dying between writing and recording: remote
  events vs live bookings, duplicates, orphans.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import tempfile
import time
import tracemalloc
import uuid
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import sqlalchemy as sa

DEFAULT_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def _database(admin_url: str) -> tuple[str, sa.Engine, str]:
    name = f"hub_bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    return sa.engine.make_url(admin_url).set(database=name).render_as_string(hide_password=False), admin, name


def _feed(events: int, tz_name: str, seed: int = 3) -> str:
    """One iCalendar file of `events` one-hour events over the next 300 days (whole-collection PUT)."""
    rng = random.Random(seed)
    today = date.today()
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Bench//EN"]
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    for n in range(events):
        day = today + timedelta(days=1 + rng.randrange(300))
        start = datetime(day.year, day.month, day.day, 7 + rng.randrange(12), rng.choice([0, 30]), tzinfo=timezone.utc)
        lines += ["BEGIN:VEVENT", f"UID:bench-{n}@example.com", f"DTSTAMP:{stamp}",
                  f"DTSTART:{start:%Y%m%dT%H%M%SZ}", f"DTEND:{start + timedelta(hours=1):%Y%m%dT%H%M%SZ}",
                  f"SUMMARY:Busy {n}", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return "\r\n".join(lines) + "\r\n"


def bench_inbound(radicale, shop, events: int) -> int:
    from hub_app import db as hub_db
    from hub_app.domain.calendar_sync import jobs, service
    from tests.calendar_sync.events import utc_event

    url = radicale.url + f"staff/bench-{uuid.uuid4().hex[:8]}/"
    started = time.perf_counter()
    response = radicale.client().put(url, _feed(events, "UTC"), {"Content-Type": "text/calendar"})
    assert response.status in (201, 204), response.status
    print(f"remote calendar with {events} events written in {time.perf_counter() - started:.1f} s (whole-file PUT)")
    server, user, password = radicale.account()
    ctx = shop.manager_ctx()
    with hub_db.unit_of_work(ctx) as db:
        connection_id = service.connect_caldav(db, ctx, shop.calendar_id, server_url=server, username=user,
                                               password=password, source_urls=[url], target_url=None).id
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    report = jobs.sync_inbound(connection_id)
    first = time.perf_counter() - started
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"first sync: {first:.1f} s ({report.remote_seconds:.1f} s waiting on the server, "
          f"{report.apply_seconds:.1f} s writing busy time), {report.changed} objects read, {report.busy_rows} busy rows; "
          f"peak RSS {rss_before / 1024:.0f} -> {rss_after / 1024:.0f} MiB")

    # Memory of a first sync, measured on a second connection-sized run: drop what was read.
    with hub_db.unit_of_work(ctx) as db:
        service.disconnect(db, ctx, connection_id)
    with hub_db.unit_of_work(ctx) as db:
        connection_id = service.connect_caldav(db, ctx, shop.calendar_id, server_url=server, username=user,
                                               password=password, source_urls=[url], target_url=None).id
    tracemalloc.start()
    jobs.sync_inbound(connection_id)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"first sync peak Python allocations (tracemalloc): {peak / 1024 / 1024:.0f} MiB")

    timings = []
    client = radicale.client()
    for n, href in enumerate(radicale.hrefs(url)[:3]):
        uid = next(line.split(":", 1)[1] for line in client.request(href).raw.splitlines() if line.startswith("UID:"))
        start = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0) + timedelta(days=5 + n, hours=1)
        radicale.put_event(url, href.rsplit("/", 1)[1], utc_event(uid.strip(), start, start + timedelta(hours=2)))
        started = time.perf_counter()
        report = jobs.sync_inbound(connection_id)
        timings.append(time.perf_counter() - started)
        assert report.changed == 1 and report.deleted == 0, report
    print(f"  last re-sync: {report.remote_seconds:.2f} s waiting on the server, {report.apply_seconds:.3f} s writing")
    print(f"re-sync after 1 remote change: {min(timings):.2f}-{max(timings):.2f} s, 1 object read of {events} "
          f"(first sync {first:.1f} s)")
    started = time.perf_counter()
    report = jobs.sync_inbound(connection_id)
    print(f"re-sync with nothing changed: {time.perf_counter() - started:.2f} s, {report.changed} objects read")
    return connection_id


def bench_latency(radicale, shop, samples: int) -> None:
    """One remote write, the default tick, until the public answer no longer offers the slot."""
    import dramatiq

    from hub_app import db as hub_db
    from hub_app.domain.bookings.availability_cache import public_free_slots
    from hub_app.domain.calendar_sync import service
    from tests.calendar_sync.events import utc_event
    from workers.broker import broker, stop_worker
    import workers.actors  # noqa: F401
    from workers.calendar_sync_actors import SYNC_SECONDS

    remote = radicale.new_calendar()
    server, user, password = radicale.account()
    ctx = shop.manager_ctx()
    with hub_db.unit_of_work(ctx) as db:
        service.connect_caldav(db, ctx, shop.calendar_id, server_url=server, username=user, password=password,
                               source_urls=[remote], target_url=None)
    day = date.today() + timedelta(days=3)
    start = datetime.combine(day, datetime.min.time(), tzinfo=shop.tz).replace(hour=9).astimezone(timezone.utc)

    worker = dramatiq.Worker(broker, worker_threads=2, queues={"calendar_sync"})
    worker.start()
    latencies = []
    try:
        for n in range(samples):
            time.sleep(random.uniform(0, SYNC_SECONDS))  # the change lands anywhere in the tick's cycle
            slot = start + timedelta(hours=2 * n)
            expected = {slot}

            def offered() -> bool:
                _tz, slots = public_free_slots(hub_db.get_engine(), shop.slug, shop.service_id, day, day)
                return bool(expected & {s.start for s in slots})

            assert offered()
            radicale.put_event(remote, f"latency-{n}.ics", utc_event(f"latency-{n}", slot, slot + timedelta(hours=1)))
            written = time.perf_counter()
            while offered():
                if time.perf_counter() - written > 3 * SYNC_SECONDS:
                    raise SystemExit("the slot was still offered after three ticks")
                time.sleep(0.25)
            latencies.append(time.perf_counter() - written)
        print(f"inbound latency (default tick {SYNC_SECONDS:.0f} s, {samples} writes at random points of the cycle): "
              + ", ".join(f"{x:.1f}" for x in latencies) + f" s; max {max(latencies):.1f} s")
    finally:
        stop_worker(worker)


def bench_exactly_once(radicale, changes: int) -> None:
    from hub_app import db as hub_db
    from hub_app.domain.calendar_sync import service
    from tests.calendar_sync.conftest import build_sync_shop
    from tests.calendar_sync.test_exactly_once import live_roots, run_changes
    from tests.calendar_sync.test_outbound import remote_events

    shop = build_sync_shop()
    target = radicale.new_calendar()
    server, user, password = radicale.account()
    ctx = shop.manager_ctx()
    with hub_db.unit_of_work(ctx) as db:
        connection_id = service.connect_caldav(db, ctx, shop.calendar_id, server_url=server, username=user,
                                               password=password, source_urls=[], target_url=target).id
    started = time.perf_counter()
    counts = run_changes(shop, radicale, connection_id, changes=changes, seed=11)
    elapsed = time.perf_counter() - started
    hrefs = radicale.hrefs(target)
    try:
        events = remote_events(radicale, target)
        duplicates = 0
    except AssertionError:
        events, duplicates = {}, -1
    expected = live_roots(shop)
    print(f"outbound: {sum(counts[k] for k in ('create', 'reschedule', 'cancel'))} changes ({counts}) in {elapsed:.0f} s; "
          f"remote objects {len(hrefs)}, live bookings {len(expected)}, duplicates {max(duplicates, len(hrefs) - len(events))}, "
          f"orphans {len(set(events) - expected)}, missing {len(expected - set(events))}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg-admin-url", default=DEFAULT_ADMIN_URL)
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--changes", type=int, default=500)
    parser.add_argument("--skip-latency", action="store_true")
    parser.add_argument("--latency-samples", type=int, default=3)
    args = parser.parse_args()

    url, admin, name = _database(args.pg_admin_url)
    os.environ.update(DATABASE_URL=url, HUB_ENV="test")
    os.environ.pop("REDIS_URL", None)  # the in-memory broker: this process is the worker
    from hub_app import db as hub_db
    from hub_app.cli import migrate
    from hub_app.settings import reset_settings_cache
    from tests.calendar_sync.conftest import build_sync_shop
    from tests.calendar_sync.radicale_server import start_radicale, stop_radicale

    reset_settings_cache()
    hub_db.reset_engine_cache()
    migrate(url)
    radicale = start_radicale(Path(tempfile.mkdtemp(prefix="bench-radicale-")))
    try:
        bench_inbound(radicale, build_sync_shop(), args.events)
        if not args.skip_latency:
            bench_latency(radicale, build_sync_shop(), args.latency_samples)
        bench_exactly_once(radicale, args.changes)
    finally:
        stop_radicale(radicale)
        hub_db.reset_engine_cache()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    sys.exit(main())
