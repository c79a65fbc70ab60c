"""Benchmark of the booking engine over HTTP, against the production server on PostgreSQL.

    .venv/bin/python -m bench.http_booking [--server reflex|granian] [--port 4201] [--workers 2]

Builds the booking issue's workload in a fresh PostgreSQL database (10 calendars, one 30-minute
service, open 09:00–17:00 every day, 5,000 bookings over the next 60 days: bench/booking_engine.py's
builder), starts the production server on it (`reflex run --env prod`, GRANIAN_WORKERS workers,
REDIS_URL on a Redis database number with a namespace of its own), and drives it with an async
httpx client from this process:

- one day's availability, 1 client: p50/p95;
- one day's availability, 16 clients: requests/s;
- 31 days' availability, 1 client: p50;
- bookings with 16 clients, each booking registering a new client (argon2 hash), and each made by a
  signed-in client (bearer token), the latter also from wrk: bookings/s, counted in the database;
- 50 concurrent requests for the same start with one place left: how many booked (must be 1);
- then, on the same database with the same number of clients, pgbench's ceiling for the booking
  inserts alone (bench/booking_ceiling.py) and the ratio app bookings/s ÷ pgbench inserts/s.

The driver shares the machine's cores with the server: its own CPU use is printed with the
figures. Rate limits are switched off (RATE_LIMIT_ENABLED=false): every request comes from one
address. Everything it creates (database, Redis keys, frontend build folder) is removed at the end.
`--server granian` serves only the API app (`create_api`, no pages) under Granian with the same
workers, to separate the page server's cost from the API's.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import time
import uuid
from datetime import timedelta

import httpx
import sqlalchemy as sa

from bench import booking_ceiling, wrk
from bench.booking_engine import DEFAULT_ADMIN_URL, _create_database, _percentile, build_workload
from bench.http_setup import CpuMeter, DbProbe, Server, analyze, drop_redis_namespace, free_places_of, server_env

BENCH_PASSWORD = "bench-password"  # the password build_workload gives every client


# --- driver -----------------------------------------------------------------------------------


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


class Driver:
    def __init__(self, base_url: str, slug: str, service_id: int) -> None:
        self.client = httpx.AsyncClient(base_url=base_url, timeout=60,
                                        limits=httpx.Limits(max_connections=64, max_keepalive_connections=64))
        self.availability_path = f"/api/v1/stores/{slug}/services/{service_id}/availability"
        self.bookings_path = f"/api/v1/stores/{slug}/bookings"
        self.service_id = service_id

    async def availability(self, first, last) -> list[dict]:
        response = await self.client.get(self.availability_path,
                                         params={"start": first.isoformat(), "end": last.isoformat()})
        if response.status_code != 200:
            raise RuntimeError(f"availability answered {response.status_code}: {response.text[:300]}")
        return response.json()

    async def token(self, email: str) -> str:
        response = await self.client.post("/api/v1/auth/token", json={"email": email, "password": BENCH_PASSWORD})
        if response.status_code != 200:
            raise RuntimeError(f"token answered {response.status_code}: {response.text[:300]}")
        return response.json()["access_token"]

    async def book(self, start: str, calendar_id: int | None, *, token: str | None = None,
                   client: dict | None = None) -> int:
        body: dict = {"service_id": self.service_id, "start": start, "persons": 1}
        if calendar_id is not None:
            body["calendar_id"] = calendar_id
        if client is not None:
            body["client"] = client
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = await self.client.post(self.bookings_path, json=body, headers=headers)
        if response.status_code not in (201, 409):
            raise RuntimeError(f"booking answered {response.status_code}: {response.text[:300]}")
        return response.status_code


def new_client_details(run: str, n: int) -> dict:
    return {"first_name": "Bench", "last_name": f"Client {n}", "age": 30, "email": f"reg-{run}-{n}@bench.example",
            "phone": f"+30697{n % 10_000_000:07d}", "address": "Athens", "password": "bench-client-pass"}


def _calibration() -> float:
    """CPU seconds of a fixed loop, the best of three: a yardstick for comparing runs on hosts
    whose speed varies."""
    best = float("inf")
    for _ in range(3):
        started, total = time.process_time(), 0
        for i in range(3_000_000):
            total += i * i
        best = min(best, time.process_time() - started)
    return best


def _spread(places: list[tuple[str, int]], clients: int,
            busy: list[set[str]] | None = None) -> list[list[tuple[str, int]]]:
    """Deal places to clients, round robin, so that no client gets a place at a start where it
    already has a booking (in `busy`, or dealt here): that request would only give it back.
    `busy` gains what is dealt."""
    chunks: list[list[tuple[str, int]]] = [[] for _ in range(clients)]
    taken = busy if busy is not None else [set() for _ in range(clients)]
    turn = 0
    for start, cal in places:
        for step in range(clients):
            n = (turn + step) % clients
            if start not in taken[n]:
                taken[n].add(start)
                chunks[n].append((start, cal))
                turn = n + 1
                break
    return chunks


async def timed_calls(call, count: int) -> list[float]:
    durations = []
    for i in range(count):
        started = time.perf_counter()
        await call(i)
        durations.append(time.perf_counter() - started)
    return durations


async def run_clients(clients: int, work) -> float:
    """Run `work(n)` for n in range(clients) concurrently; returns the elapsed seconds."""
    started = time.perf_counter()
    await asyncio.gather(*(work(n) for n in range(clients)))
    return time.perf_counter() - started


async def measure(args, base_url: str, slug: str, service_id: int, client_emails: list[str], today,
                  free_places: list[tuple[str, int]], run: str, meter: CpuMeter, probe: "DbProbe") -> dict[str, float]:
    driver = Driver(base_url, slug, service_id)
    rng = random.Random(5)
    figures: dict[str, float] = {}
    cpu_started, wall_started = time.process_time(), time.perf_counter()

    def random_day():
        return today + timedelta(days=rng.randint(1, 60))

    async def one_day(_i):
        day = random_day()
        await driver.availability(day, day)

    await timed_calls(one_day, 30)  # warm both workers' caches and connection pools
    cpu = meter.snapshot()
    one = await timed_calls(one_day, args.one_day_calls)
    figures["one_day_p50"], figures["one_day_p95"] = statistics.median(one), _percentile(one, 0.95)
    print(f"one-day availability, 1 client:    p50 {_ms(figures['one_day_p50'])}  p95 {_ms(figures['one_day_p95'])}"
          f"  ({len(one)} requests; {meter.per_request(cpu, meter.snapshot(), len(one))})")

    counts = [0] * args.clients
    stop_at = time.perf_counter() + args.seconds

    async def hammer(n):
        while time.perf_counter() < stop_at:
            day = random_day()
            await driver.availability(day, day)
            counts[n] += 1

    cpu0, cpu = time.process_time(), meter.snapshot()
    elapsed = await run_clients(args.clients, hammer)
    figures["one_day_rps"] = sum(counts) / elapsed
    print(f"one-day availability, {args.clients} clients:  {figures['one_day_rps']:.0f} requests/s"
          f"  ({sum(counts)} in {elapsed:.1f} s; {meter.per_request(cpu, meter.snapshot(), sum(counts))};"
          f" driver {100 * (time.process_time() - cpu0) / elapsed:.0f}% of a core)")

    if wrk.available():
        # The same requests from a C driver: the server's own capacity (see bench/wrk.py).
        for connections, seconds in ((1, args.wrk_seconds / 2), (args.clients, args.wrk_seconds)):
            cpu = meter.snapshot()
            result = await asyncio.to_thread(wrk.one_day_availability, base_url, driver.availability_path, today,
                                             connections, seconds)
            label = "1 client, wrk:   " if connections == 1 else f"{connections} clients, wrk: "
            print(f"one-day availability, {label} {result.rps:.0f} requests/s  p50 {_ms(result.p50)}"
                  f"  p99 {_ms(result.p99)}  ({result.requests} in {result.seconds:.0f} s, {result.errors} errors;"
                  f" {meter.per_request(cpu, meter.snapshot(), result.requests)})")
            if result.errors:
                raise RuntimeError(f"wrk saw {result.errors} failed availability requests")
            if connections == 1:
                figures["one_day_p50_wrk"] = result.p50
            else:
                figures["one_day_rps_wrk"] = result.rps
    else:
        print("one-day availability, wrk:          wrk is not installed (apt-get install wrk, or make bench):"
              " only the httpx figures above, which include the driver's own CPU")

    async def month(_i):
        await driver.availability(today + timedelta(days=1), today + timedelta(days=31))

    cpu = meter.snapshot()
    month_calls = await timed_calls(month, args.month_calls)
    figures["month_p50"] = statistics.median(month_calls)
    print(f"31-day availability, 1 client:     p50 {_ms(figures['month_p50'])}"
          f"  p95 {_ms(_percentile(month_calls, 0.95))}  ({len(month_calls)} requests;"
          f" {meter.per_request(cpu, meter.snapshot(), len(month_calls))})")

    # Bookings: every request gets its own free (start, calendar) place, so each one books, and
    # no client gets two places at one start (the second would give back the first booking).
    # What counts is the bookings the database gained, not the answers.
    places = list(free_places)
    rng.shuffle(places)

    async def booking_phase(label: str, per_client: int, make_kwargs, busy=None) -> float:
        chunks = _spread(places[:per_client * args.clients], args.clients, busy)
        del places[:per_client * args.clients]
        outcome = {201: 0, 409: 0}

        async def client_work(n):
            for i, (start, calendar_id) in enumerate(chunks[n]):
                status = await driver.book(start, calendar_id, **make_kwargs(n, i))
                outcome[status] += 1

        cpu0, cpu, before = time.process_time(), meter.snapshot(), probe.booking_count()
        elapsed = await run_clients(args.clients, client_work)
        made = probe.booking_count() - before
        rate = made / elapsed
        print(f"bookings, {args.clients} clients, {label}: {rate:.0f} bookings/s  ({made} booked, "
              f"{outcome[409]} refused, {elapsed:.1f} s; {meter.per_request(cpu, meter.snapshot(), sum(outcome.values()))};"
              f" driver {100 * (time.process_time() - cpu0) / elapsed:.0f}% of a core)")
        return rate

    figures["book_register_rps"] = await booking_phase(
        "registering    ", args.register_per_client,
        lambda n, i: {"client": new_client_details(run, n * 10_000 + i)})
    tokens = [await driver.token(email) for email in client_emails[:args.clients]]
    busy = probe.starts_of(range(args.clients))
    figures["book_token_rps"] = await booking_phase(
        "signed in      ", args.token_per_client, lambda n, i: {"token": tokens[n]}, busy)
    if wrk.available():
        # The same signed-in bookings from wrk: the server's capacity without httpx's CPU.
        chunks = _spread(places, args.clients, busy)
        requests = [(json.dumps({"service_id": service_id, "start": start, "persons": 1, "calendar_id": cal}),
                     tokens[n]) for n, chunk in enumerate(chunks) for start, cal in chunk]
        rng.shuffle(requests)
        cpu, before = meter.snapshot(), probe.booking_count()
        result = await asyncio.to_thread(wrk.bookings, base_url, driver.bookings_path, requests, args.clients,
                                         args.wrk_seconds / 2)
        # Requests still in flight when wrk stops are booked after its clock: count those it saw.
        made = min(probe.booking_count() - before, result.requests - result.errors)
        figures["book_token_rps_wrk"] = made / result.seconds
        print(f"bookings, {args.clients} clients, signed in, wrk: {figures['book_token_rps_wrk']:.0f} bookings/s"
              f"  p50 {_ms(result.p50)}  p99 {_ms(result.p99)}  ({made} booked of {result.requests} requests,"
              f" {result.errors} not 2xx, {result.seconds:.0f} s; {meter.per_request(cpu, meter.snapshot(), result.requests)})")
        if result.requests > len(requests):
            raise RuntimeError("wrk ran out of places to book: give it fewer seconds")

    # The race: 50 signed-in clients at once for a start with exactly one place left. Racers have
    # no booking at that start yet (the same client asking again would get their booking back).
    race = probe.one_place_left()
    if race is None:
        print("one-place race:                     no start with exactly one place left")
        figures["race_wins"] = -1
    else:
        start, busy_clients = race
        racer_emails = [e for i, e in enumerate(client_emails) if i >= args.clients and i not in busy_clients][:50]
        racers = [await driver.token(email) for email in racer_emails]
        before = probe.bookings_at(start)
        statuses = await asyncio.gather(*(driver.book(start, None, token=tok) for tok in racers))
        after = probe.bookings_at(start)
        made = len(after) - len(before)
        double = len(after) != len(set(after))  # two live bookings on one calendar at one start
        figures["race_wins"] = statuses.count(201)
        ok = statuses.count(201) == 1 and made == 1 and not double
        print(f"one-place race:                     {statuses.count(201)} of 50 booked, {statuses.count(409)} told"
              f" 'just taken'; {made} new booking in the database ({'OK' if ok else 'WRONG: expected exactly 1'})")
    print(f"driver:    {time.process_time() - cpu_started:.0f} s CPU over {time.perf_counter() - wall_started:.0f} s;"
          f" load average {os.getloadavg()[0]:.1f} at the end; the fixed loop now {_calibration():.2f} s")
    await driver.client.aclose()
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("HUB_BENCH_PG_URL", DEFAULT_ADMIN_URL),
                        help="a PostgreSQL server URL (its database is only used to create the bench database)")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/9", help="Redis URL (a database number of its own)")
    parser.add_argument("--server", choices=("reflex", "granian"), default="reflex")
    parser.add_argument("--port", type=int, default=4201)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--bookings", type=int, default=5000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--one-day-calls", type=int, default=300)
    parser.add_argument("--month-calls", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=10, help="length of the 16-client availability run")
    parser.add_argument("--wrk-seconds", type=float, default=10, help="length of wrk's 16-client run (1 client: half)")
    parser.add_argument("--register-per-client", type=int, default=10)
    parser.add_argument("--token-per-client", type=int, default=40)
    args = parser.parse_args(argv)

    run = uuid.uuid4().hex[:8]
    namespace = f"hub-http-bench-{run}"
    url, admin, name = _create_database(args.database_url)
    os.environ["DATABASE_URL"] = url
    os.environ.pop("REDIS_URL", None)
    from hub_app.cli import migrate
    from hub_app.db import make_engine
    from hub_app.domain.stores.models import Store
    from hub_app.settings import reset_settings_cache

    reset_settings_cache()
    engine = server = None
    try:
        migrate(url)
        engine = make_engine(url)
        started = time.perf_counter()
        store_id, service_id, calendar_ids, client_ids, today = build_workload(engine, args.bookings)
        with engine.connect() as conn:
            slug = conn.execute(sa.select(Store.slug).where(Store.id == store_id)).scalar_one()
        analyze(url)
        places = free_places_of(engine, store_id, service_id, today)
        print(f"workload:  10 calendars, 1 service, {args.bookings} bookings over 60 days, {len(places)} free places"
              f" (built in {time.perf_counter() - started:.1f} s)")
        emails = [f"client{i}@bench.example" for i in range(len(client_ids))]
        server = Server(args.server, args.port, args.workers,
                        server_env(url, args.redis, namespace, args.port, args.workers))
        ready_after = server.start()
        what = "reflex run --env prod" if args.server == "reflex" else "granian, API app only"
        print(f"server:    {what}, {args.workers} workers, PostgreSQL + Redis (ready after {ready_after:.0f} s)")
        meter = CpuMeter(server.proc.pid, admin, name)
        print(f"machine:   {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} before measuring;"
              f" {_calibration():.2f} s for a fixed Python loop (the same host has varied 2x from one run to the next)")
        probe = DbProbe(engine, store_id, service_id, today, client_ids)
        figures = asyncio.run(measure(args, server.url, slug, service_id, emails, today, places, run, meter, probe))
        # Side by side, same database and clients: the database's own ceiling for these inserts.
        ceiling = booking_ceiling.measure(url, store_id, service_id, client_ids[0], calendar_ids,
                                          clients=args.clients, seconds=args.wrk_seconds / 2)
        app_rate = figures.get("book_token_rps_wrk", figures["book_token_rps"])
        print(f"booking ceiling, pgbench, {ceiling.clients} clients: {ceiling.inserts_per_second:.0f} inserts/s"
              f"  (latency avg {ceiling.latency_ms:.1f} ms, {ceiling.transactions} inserts, {ceiling.failed} failed;"
              f" lock the calendar + insert under the no-overlap trigger, as the app's role)")
        print(f"bookings/s ÷ ceiling:               {app_rate:.0f} / {ceiling.inserts_per_second:.0f} ="
              f" {app_rate / ceiling.inserts_per_second:.2f} of the database's insert ceiling"
              f" ({'wrk' if 'book_token_rps_wrk' in figures else 'httpx'}, signed in)")
    finally:
        if server is not None:
            server.stop()
        if engine is not None:
            engine.dispose()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
        drop_redis_namespace(args.redis, namespace)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
