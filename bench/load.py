"""Load test: a realistic mix against the production build on PostgreSQL + Redis, then checks.

    .venv/bin/python -m bench.load [--duration 60] [--users 24] [--stores 4] [--base-url URL ...]

Without --base-url it starts everything itself, on private resources: a fresh database on the
PostgreSQL at --pg-admin-url, a private Redis, `reflex run --env prod` with GRANIAN_WORKERS=2
(metrics of both workers added up through PROMETHEUS_MULTIPROC_DIR) behind which the driver acts
as the TLS proxy (TRUSTED_PROXIES=127.0.0.1, every visitor its own X-Forwarded-For address), and
two `dramatiq workers.actors` processes. It seeds stores through the API (admin creates stores,
managers create calendars and services) and a Calendly connection per store.

The mix (weights): public browsing of stores, services and availability (50), booking with
registration after reading availability (15; a third of them race for the earliest slots), store pages (HTML) (10), manager list views (10),
signed Stripe webhooks (8), signed Calendly webhooks (7). Prints throughput, p50/p95/p99 per
kind, errors and 5xx, then checks the database: no double-booked slot, one booking per 201,
every webhook recorded once and processed.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import os
import random
import secrets
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.procs import (
    PrivateRedis,
    ProductionServer,
    WorkerProcess,
    app_environment,
    migrate,
)

STRIPE_SECRET = "whsec_load_test_secret"
CALENDLY_KEY = "calendly-load-signing-key"
ADMIN = ("admin@example.com", "admin-demo-pass")  # created by `python -m hub_app seed-demo`
TZ = ZoneInfo("Europe/Athens")
WEIGHTS = {"browse": 50, "book": 15, "page": 10, "manager": 10, "stripe": 8, "calendly": 7}
# Statuses each kind may answer without it being an error.
EXPECTED = {"browse": {200}, "availability": {200}, "book": {201, 409}, "page": {200}, "manager": {200},
            "stripe": {200}, "calendly": {200}}


@dataclass
class Shop:
    slug: str
    store_id: int
    manager_auth: dict[str, str]
    service_ids: list[int]


@dataclass
class Results:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, dict[int, int]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))
    failures: list[str] = field(default_factory=list)
    booked: int = 0
    stripe_ids: set[str] = field(default_factory=set)
    calendly_uris: set[str] = field(default_factory=set)

    def record(self, kind: str, status: int, seconds: float, detail: str = "") -> None:
        self.latencies[kind].append(seconds)
        self.statuses[kind][status] += 1
        if status not in EXPECTED[kind] and status != 429 and len(self.failures) < 20:
            self.failures.append(f"{kind}: {status} {detail[:160]}")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] if ordered else 0.0


def visitor_ip() -> str:
    return f"10.{random.randint(0, 255)}.{random.randint(0, 255)}.{random.randint(1, 254)}"


def sign(secret: str, payload: bytes) -> str:
    stamp = int(time.time())
    return f"t={stamp},v1={hmac.new(secret.encode(), f'{stamp}.'.encode() + payload, hashlib.sha256).hexdigest()}"


# --- setting the stage ---------------------------------------------------------------------


def start_stack(args, workdir: Path):
    """Fresh database, private Redis, the production server and two workers; returns them."""
    admin = sa.create_engine(args.pg_admin_url, isolation_level="AUTOCOMMIT")
    name = f"hub_load_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    database_url = sa.engine.make_url(args.pg_admin_url).set(database=name).render_as_string(hide_password=False)
    redis = PrivateRedis().start()
    metrics_dir = workdir / "metrics"
    metrics_dir.mkdir()
    # The driver encrypts the stores' Calendly signing keys (connect_calendly): same secret as the app.
    secret = secrets.token_urlsafe(48)
    os.environ["HUB_SECRET_KEY"] = secret
    env = app_environment(
        database_url, redis.url, HUB_ENV="prod", HUB_SECRET_KEY=secret, GRANIAN_WORKERS="2",
        PROMETHEUS_MULTIPROC_DIR=str(metrics_dir), TRUSTED_PROXIES="127.0.0.1", STRIPE_WEBHOOK_SECRET=STRIPE_SECRET,
        CALENDLY_API_BASE="http://127.0.0.1:9", HUB_CALENDLY_SYNC_SECONDS="0", LOG_LEVEL="WARNING",
        UPLOAD_DIR=str(workdir / "uploads"), SQLITE_PATH=str(workdir / "unused.db"))
    migrate(env)
    subprocess.run([sys.executable, "-m", "hub_app", "seed-demo"], env=env, check=True, stdout=subprocess.DEVNULL,
                   cwd=Path(__file__).resolve().parent.parent)
    started = time.monotonic()
    server = ProductionServer(env, log_dir=workdir).start()
    print(f"production server up on {server.url} after {time.monotonic() - started:.0f}s (GRANIAN_WORKERS=2)")
    worker_env = {k: v for k, v in env.items() if k != "PROMETHEUS_MULTIPROC_DIR"}  # workers serve no /metrics
    workers = [WorkerProcess(worker_env, log_dir=workdir).start_cli(threads=4) for _ in range(2)]
    return database_url, server, workers, redis, (admin, name)


def stop_stack(server, workers, redis, database) -> None:
    for worker in workers:
        worker.stop()
    server.stop()
    redis.stop()
    admin, name = database
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def seed(client: httpx.Client, stores: int, database_url: str | None) -> list[Shop]:
    token = client.post("/api/v1/auth/token", json={"email": ADMIN[0], "password": ADMIN[1]})
    token.raise_for_status()
    admin_auth = {"Authorization": f"Bearer {token.json()['access_token']}"}
    run = uuid.uuid4().hex[:6]
    shops = []
    for i in range(stores):
        slug, email, password = f"load-{run}-{i}", f"manager-{run}-{i}@example.com", "load-manager-password"
        made = client.post("/api/v1/stores", headers=admin_auth, json={
            "name": f"Load Salon {i}", "slug": slug, "timezone": "Europe/Athens",
            "manager": {"email": email, "password": password, "first_name": "Maria", "last_name": f"Load{i}"}})
        made.raise_for_status()
        login = client.post("/api/v1/auth/token", json={"email": email, "password": password})
        auth = {"Authorization": f"Bearer {login.json()['access_token']}"}
        calendars = []
        for c in range(3):
            cal = client.post(f"/api/v1/stores/{slug}/calendars", headers=auth, json={"name": f"Chair {c + 1}"})
            cal.raise_for_status()
            calendars.append(cal.json()["id"])
            hours = [{"weekday": d, "start": "09:00", "end": "19:00"} for d in range(7)]
            client.put(f"/api/v1/stores/{slug}/calendars/{cal.json()['id']}/hours", headers=auth, json=hours).raise_for_status()
        services = []
        for name, minutes in (("Haircut", 30), ("Colour", 60)):
            svc = client.post(f"/api/v1/stores/{slug}/services", headers=auth, json={
                "name": name, "duration_minutes": minutes, "min_persons": 1, "max_persons": 1, "price_type": "fixed",
                "base_price_amount": "25.00", "calendar_ids": calendars})
            svc.raise_for_status()
            services.append(svc.json()["id"])
        shops.append(Shop(slug, made.json()["store"]["id"], auth, services))
    if database_url:
        connect_calendly(database_url, [s.store_id for s in shops])
    return shops


def connect_calendly(database_url: str, store_ids: list[int]) -> None:
    """A Calendly connection (signing key) per store, so signed Calendly webhooks are accepted.

    The key is encrypted with this process's HUB_SECRET_KEY / HUB_ENCRYPTION_KEY: with --base-url,
    run the driver with the server's values in its environment.
    """
    from hub_app import db as hub_db
    from hub_app.domain.integrations.models import (
        CalendlyConnection,
        CalendlyConnectionState,
    )
    from hub_app.domain.secrets import encrypt_secret
    from hub_app.domain.tenancy import TenantContext

    engine = hub_db.make_engine(database_url)
    with hub_db.unit_of_work(TenantContext.system(), engine) as db:
        for store_id in store_ids:
            db.add(CalendlyConnection(store_id=store_id, token_encrypted=encrypt_secret("load-token"),
                                      signing_key_encrypted=encrypt_secret(CALENDLY_KEY),
                                      state=CalendlyConnectionState.CONNECTED, webhook_state="active"))
    engine.dispose()


# --- the visitors ---------------------------------------------------------------------------


async def timed(results: Results, kind: str, request) -> httpx.Response | None:
    started = time.perf_counter()
    try:
        response = await request
    except httpx.HTTPError as exc:
        results.record(kind, 0, time.perf_counter() - started, f"{type(exc).__name__}: {exc}")
        return None
    results.record(kind, response.status_code, time.perf_counter() - started, response.text)
    return response


def local_day(offset: int) -> date:
    return (datetime.now(TZ) + timedelta(days=offset)).date()


async def browse(client, results, shop: Shop, headers) -> None:
    await timed(results, "browse", client.get(f"/api/v1/stores/{shop.slug}", headers=headers))
    await timed(results, "browse", client.get(f"/api/v1/stores/{shop.slug}/services", headers=headers))
    day = local_day(random.randint(2, 20))
    await timed(results, "availability", client.get(
        f"/api/v1/stores/{shop.slug}/services/{random.choice(shop.service_ids)}/availability", headers=headers,
        params={"start": day.isoformat(), "end": (day + timedelta(days=6)).isoformat()}))


async def book(client, results, shop: Shop, headers) -> None:
    # A third of the visitors want the earliest time of the next days: they race each other for
    # the same slots, which is where a double booking would show.
    hot = random.random() < 1 / 3
    service_id = shop.service_ids[0] if hot else random.choice(shop.service_ids)
    day = local_day(random.randint(2, 3) if hot else random.randint(2, 20))
    free = await timed(results, "availability", client.get(
        f"/api/v1/stores/{shop.slug}/services/{service_id}/availability", headers=headers,
        params={"start": day.isoformat(), "end": day.isoformat()}))
    if free is None or free.status_code != 200 or not free.json():
        return
    slot = free.json()[0] if hot else random.choice(free.json())
    email = f"visitor-{uuid.uuid4().hex[:12]}@example.com"
    made = await timed(results, "book", client.post(f"/api/v1/stores/{shop.slug}/bookings", headers=headers, json={
        "service_id": service_id, "start": slot["start"], "persons": 1, "client": {
            "first_name": "Nikos", "last_name": "Visitor", "age": 35, "email": email, "phone": "6971112233",
            "address": "Patision 10, Athens", "password": "visitor-password"}}))
    if made is not None and made.status_code == 201:
        results.booked += 1


async def page(client, results, shop: Shop, headers) -> None:
    await timed(results, "page", client.get(random.choice(["/", f"/{shop.slug}"]), headers=headers))


async def manager(client, results, shop: Shop, headers) -> None:
    auth = {**headers, **shop.manager_auth}
    await timed(results, "manager", client.get(f"/api/v1/stores/{shop.slug}/bookings", headers=auth,
                                               params={"limit": 50}))
    await timed(results, "manager", client.get(f"/api/v1/stores/{shop.slug}/clients", headers=auth,
                                               params={"limit": 50}))


async def stripe_webhook(client, results, shop: Shop, headers) -> None:
    event_id = f"evt_load_{uuid.uuid4().hex}"
    payload = json.dumps({"id": event_id, "object": "event", "type": "customer.created", "created": int(time.time()),
                          "livemode": False, "data": {"object": {"id": f"cus_{uuid.uuid4().hex[:14]}",
                                                                  "object": "customer"}}}).encode()
    response = await timed(results, "stripe", client.post("/webhooks/stripe", content=payload, headers={
        **headers, "Content-Type": "application/json", "Stripe-Signature": sign(STRIPE_SECRET, payload)}))
    if response is not None and response.status_code == 200:
        results.stripe_ids.add(event_id)


async def calendly_webhook(client, results, shop: Shop, headers) -> None:
    uri = f"https://api.calendly.com/scheduled_events/LOAD/invitees/{uuid.uuid4().hex}"
    payload = json.dumps({"event": "invitee.created", "created_at": datetime.now(TZ).isoformat(),
                          "payload": {"uri": uri, "email": "someone@example.com", "status": "active",
                                      "scheduled_event": {"event_type": "https://api.calendly.com/event_types/UNMAPPED",
                                                          "start_time": "2030-01-07T09:00:00Z",
                                                          "end_time": "2030-01-07T09:30:00Z"}}}).encode()
    response = await timed(results, "calendly", client.post(f"/webhooks/calendly/{shop.store_id}", content=payload,
                                                            headers={**headers, "Content-Type": "application/json",
                                                                     "Calendly-Webhook-Signature": sign(CALENDLY_KEY, payload)}))
    if response is not None and response.status_code == 200:
        results.calendly_uris.add(uri)


ACTIONS = {"browse": browse, "book": book, "page": page, "manager": manager, "stripe": stripe_webhook,
           "calendly": calendly_webhook}


async def visitor(client, results, shops, deadline: float, rng: random.Random) -> None:
    kinds, weights = list(WEIGHTS), list(WEIGHTS.values())
    while time.monotonic() < deadline:
        kind = rng.choices(kinds, weights)[0]
        # Each action is a new visitor behind the TLS proxy: its own address.
        await ACTIONS[kind](client, results, rng.choice(shops), {"X-Forwarded-For": visitor_ip(),
                                                                 "X-Forwarded-Proto": "https"})


async def drive(base_url: str, shops: list[Shop], users: int, duration: float) -> tuple[Results, float]:
    results = Results()
    limits = httpx.Limits(max_connections=users, max_keepalive_connections=users)
    async with httpx.AsyncClient(base_url=base_url, timeout=60, limits=limits) as client:
        started = time.monotonic()
        deadline = started + duration
        await asyncio.gather(*(visitor(client, results, shops, deadline, random.Random(i)) for i in range(users)))
        return results, time.monotonic() - started


# --- report and checks ------------------------------------------------------------------------


def report(results: Results, elapsed: float) -> dict:
    total = sum(len(v) for v in results.latencies.values())
    everything = [x for v in results.latencies.values() for x in v]
    server_errors = sum(n for s in results.statuses.values() for code, n in s.items() if code >= 500 or code == 0)
    errors = sum(n for kind, s in results.statuses.items() for code, n in s.items()
                 if code not in EXPECTED[kind] and code != 429)
    summary = {"requests": total, "seconds": round(elapsed, 1), "throughput_rps": round(total / elapsed, 1),
               "p50_ms": round(percentile(everything, 0.50) * 1000, 1),
               "p95_ms": round(percentile(everything, 0.95) * 1000, 1),
               "p99_ms": round(percentile(everything, 0.99) * 1000, 1),
               "errors": errors, "5xx": server_errors,
               "rate_limited": sum(s.get(429, 0) for s in results.statuses.values()),
               "bookings_created": results.booked, "slot_taken_409": results.statuses["book"].get(409, 0)}
    print(f"\n{'kind':<13}{'count':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}  statuses")
    for kind in sorted(results.latencies):
        values = results.latencies[kind]
        print(f"{kind:<13}{len(values):>8}{percentile(values, .5) * 1000:>9.1f}{percentile(values, .95) * 1000:>9.1f}"
              f"{percentile(values, .99) * 1000:>9.1f}  {dict(sorted(results.statuses[kind].items()))}")
    print("\n" + "  ".join(f"{k}={v}" for k, v in summary.items()))
    for failure in results.failures:
        print("  unexpected:", failure)
    return summary


def verify(database_url: str, results: Results, wait_seconds: float = 60) -> dict:
    """Read the database as its owner: double bookings, lost or duplicated records, backlog."""
    engine = sa.create_engine(database_url)
    waiting = "SELECT count(*) FROM webhook_event WHERE status IN ('received', 'failed')"
    deadline = time.monotonic() + wait_seconds
    with engine.connect() as conn:
        while conn.execute(sa.text(waiting)).scalar() and time.monotonic() < deadline:
            time.sleep(1)
            conn.rollback()
        checks = {
            "double_bookings": conn.execute(sa.text(
                "SELECT count(*) FROM booking a JOIN booking b ON a.calendar_id = b.calendar_id AND a.id < b.id "
                "AND a.start_at < b.end_at AND b.start_at < a.end_at "
                "WHERE a.status IN ('pending', 'confirmed') AND b.status IN ('pending', 'confirmed')")).scalar(),
            "bookings_in_db": conn.execute(sa.text(
                "SELECT count(*) FROM booking b JOIN app_user u ON u.id = b.client_user_id "
                "WHERE u.email LIKE 'visitor-%'")).scalar(),
            "stripe_events": conn.execute(sa.text(
                "SELECT count(*) FROM webhook_event WHERE provider = 'stripe' AND event_id LIKE 'evt_load_%'")).scalar(),
            "calendly_events": conn.execute(sa.text(
                "SELECT count(*) FROM webhook_event WHERE provider = 'calendly'")).scalar(),
            "webhooks_unprocessed_after_drain": conn.execute(sa.text(waiting)).scalar(),
        }
    engine.dispose()
    checks["bookings_match_201s"] = checks["bookings_in_db"] == results.booked
    checks["webhooks_match_200s"] = (checks["stripe_events"] == len(results.stripe_ids)
                                     and checks["calendly_events"] == len(results.calendly_uris))
    print("database: " + "  ".join(f"{k}={v}" for k, v in checks.items()))
    return checks


def scrape_metrics(base_url: str) -> None:
    text = httpx.get(base_url + "/metrics", timeout=10).text
    keep = ("hub_bookings_created_total", "hub_webhook_lag_seconds", "hub_queue_depth", "hub_notifications")
    print("metrics: " + "; ".join(line for line in text.splitlines() if line.startswith(keep)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--users", type=int, default=24, help="concurrent virtual users")
    parser.add_argument("--stores", type=int, default=4)
    parser.add_argument("--base-url", help="an already running server (seeded by this run); else start one")
    parser.add_argument("--database-url", help="with --base-url: its database, for the checks")
    parser.add_argument("--pg-admin-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="hub-load-"))
    stack = None
    if args.base_url:
        base_url, database_url = args.base_url.rstrip("/"), args.database_url
    else:
        database_url, server, workers, redis, database = start_stack(args, workdir)
        stack = (server, workers, redis, database)
        base_url = server.url
    try:
        with httpx.Client(base_url=base_url, timeout=60) as client:
            shops = seed(client, args.stores, database_url)
        print(f"seeded {len(shops)} stores; {args.users} users for {args.duration:.0f}s against {base_url}")
        results, elapsed = asyncio.run(drive(base_url, shops, args.users, args.duration))
        summary = report(results, elapsed)
        checks = verify(database_url, results) if database_url else {}
        scrape_metrics(base_url)
        if args.json:
            Path(args.json).write_text(json.dumps({"summary": summary, "database": checks}, indent=2))
        ok = summary["5xx"] == 0 and summary["errors"] == 0 and (
            not checks or (checks["double_bookings"] == 0 and checks["bookings_match_201s"]
                           and checks["webhooks_match_200s"] and checks["webhooks_unprocessed_after_drain"] == 0))
        print("RESULT:", "PASS" if ok else "FAIL")
        return 0 if ok else 1
    finally:
        if stack is not None:
            stop_stack(*stack)


if __name__ == "__main__":
    sys.exit(main())
