"""Measure one generated database (one data size); run in a process of its own per level
(`python -m bench.scale.measure --database-url ... --out level.json`), so no engine, cache or
memory carries over from a smaller level.

The biggest store is the one of rank 1 (id 1); the median store is the one in the middle of the
size ranking (shape.median_rank). Environment set here before the app is imported: the level's
database (the app connects as its role `hub_tenant`), a queue namespace of its own in Redis
(emptied afterwards), and the Stripe webhook secret the signed deliveries use.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
import uuid
from pathlib import Path

from bench.scale.http_figures import WEBHOOK_SECRET
from bench.scale.load import plain_url
from bench.scale.page_figures import StoreUnderTest
from bench.scale.shape import median_rank
from bench.scale.timing import Figure, Timer


def configure(database_url: str, namespace: str) -> None:
    os.environ.update(DATABASE_URL=database_url.replace("postgresql://", "postgresql+psycopg://", 1),
                      STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET, HUB_QUEUE_NAMESPACE=namespace, HUB_ENV="test")
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")


def prepare(database_url: str) -> None:
    """The benchmark's own address is a trusted network (as an admin would set for a load
    tester), so per-address sign-in and booking limits do not refuse its requests."""
    import psycopg

    with psycopg.connect(plain_url(database_url), autocommit=True) as conn:
        conn.execute("""INSERT INTO trusted_network (cidr, note, created_at)
                        VALUES ('127.0.0.1/32', 'scale benchmark', now()) ON CONFLICT (cidr) DO NOTHING""")


def stores_under_test(database_url: str) -> list[StoreUnderTest]:
    import psycopg

    with psycopg.connect(plain_url(database_url)) as conn:
        count = conn.execute("SELECT count(*) FROM store").fetchone()[0]
        chosen = []
        for label, store_id in (("biggest", 1), ("median", median_rank(count))):
            slug, manager = conn.execute("SELECT slug, manager_user_id FROM store WHERE id = %s",
                                         (store_id,)).fetchone()
            service = conn.execute("SELECT min(id) FROM service WHERE store_id = %s", (store_id,)).fetchone()[0]
            client = conn.execute(
                """SELECT b.client_user_id, u.email FROM booking b JOIN app_user u ON u.id = b.client_user_id
                    WHERE b.store_id = %s ORDER BY b.start_at DESC LIMIT 1""", (store_id,)).fetchone()
            bookings = conn.execute("SELECT count(*) FROM booking WHERE store_id = %s", (store_id,)).fetchone()[0]
            chosen.append(StoreUnderTest(label, store_id, slug, manager, service, client[0], client[1], bookings))
    return chosen


async def http_part(stores: list[StoreUnderTest], timer: Timer) -> list[Figure]:
    import httpx

    from bench.scale import http_figures
    from bench.scale.page_figures import manager_context
    from hub_app.api.app import create_api
    from hub_app.manage.shell.present import store_today

    figures: list[Figure] = []
    transport = httpx.ASGITransport(app=create_api(), client=("127.0.0.1", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1", timeout=600) as client:
        for store in stores:
            today = store_today(manager_context(store))
            figures += await http_figures.availability_figures(client, store, today, timer)
            figures += await http_figures.booking_figures(client, store, today, timer)
        figures += await http_figures.webhook_figures(client, timer)
        figures += await http_figures.admin_figures(client, timer)
    return figures


def flush_namespace(namespace: str) -> None:
    import redis

    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    for key in client.scan_iter(f"{namespace}*"):
        client.delete(key)


def measure(database_url: str, label: str, repeat: int, out: Path | None = None) -> dict:
    namespace = f"hub-scale-{uuid.uuid4().hex[:8]}"
    configure(database_url, namespace)
    prepare(database_url)
    from bench.scale.page_figures import dashboard_figures, worker_figures

    timer = Timer(repeat=repeat)
    stores = stores_under_test(database_url)
    started = time.perf_counter()
    load_before = os.getloadavg()
    figures: list[Figure] = []

    def result(partial: bool) -> dict:
        return {
            "label": label, "database": plain_url(database_url).rpartition("/")[2], "partial": partial,
            "stores_under_test": [{"label": s.label, "id": s.store_id, "bookings": s.bookings} for s in stores],
            "seconds": round(time.perf_counter() - started, 1),
            "load_before": [round(x, 2) for x in load_before], "load_after": [round(x, 2) for x in os.getloadavg()],
            "figures": [f.summary() for f in figures],
        }

    def checkpoint() -> None:
        # What is measured so far, in case the run is stopped before this level ends.
        if out is not None:
            out.write_text(json.dumps(result(partial=True), indent=1))

    try:
        # The quick figures first and the slowest (the biggest store's dashboard and exports)
        # last, so a stopped run keeps most of a level.
        figures += asyncio.run(http_part(stores, timer))
        checkpoint()
        figures += worker_figures(timer)
        checkpoint()
        for store in reversed(stores):
            figures += dashboard_figures(store, timer)
            checkpoint()
    finally:
        flush_namespace(namespace)
    return result(partial=False)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.scale.measure")
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--label", default="")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    result = measure(args.database_url, args.label, args.repeat, Path(args.out))
    Path(args.out).write_text(json.dumps(result, indent=1))
    for figure in result["figures"]:
        print(f"{figure['group']:<12} {figure['store']:<8} {figure['name']:<45} p50 {figure['p50_ms']:>9.2f} ms  "
              f"p95 {figure['p95_ms']:>9.2f} ms  n={figure['n']} {figure['note']}")


if __name__ == "__main__":
    main()
