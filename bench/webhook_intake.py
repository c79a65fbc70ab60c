"""Benchmark: Stripe webhook intake (verify signature + record in the inbox + enqueue) on PostgreSQL.

Creates a throw-away PostgreSQL database, migrates it, then pushes signed events through the same
function POST /webhooks/stripe runs (`accept_delivery`) from several threads, as the endpoint's
thread pool would. Enqueues go to Redis under a unique namespace (flushed afterwards), or to the
in-memory broker with --stub. Prints events/s.

    .venv/bin/python bench/webhook_intake.py [--events 3000] [--processes 2] [--threads 4] [--stub]
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import multiprocessing
import os
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SECRET = "whsec_bench"


def signed(i: int, run: str) -> tuple[bytes, str]:
    event = {"id": f"evt_bench_{run}_{i}", "object": "event", "type": "payment_intent.succeeded",
             "api_version": "2026-10-28.endive", "created": int(time.time()), "livemode": False,
             "data": {"object": {"id": f"pi_{run}_{i}", "object": "payment_intent", "amount": 1500,
                                 "currency": "eur", "metadata": {}}}}
    payload = json.dumps(event)
    stamp = int(time.time())
    mac = hmac.new(SECRET.encode(), f"{stamp}.{payload}".encode(), hashlib.sha256).hexdigest()
    return payload.encode(), f"t={stamp},v1={mac}"


def _prepare(run: str) -> None:
    """Warm a worker process up: imports, the engine's pool, the broker connection."""
    from hub_app.api.webhooks.stripe import accept_delivery

    accept_delivery(*signed(-1 - os.getpid(), run))


def _intake(run: str, numbers: list[int], threads: int) -> list[int]:
    from hub_app.api.webhooks.stripe import accept_delivery

    deliveries = [signed(i, run) for i in numbers]
    with ThreadPoolExecutor(max_workers=threads) as pool:
        statuses = list(pool.map(lambda d: accept_delivery(*d)[0], deliveries))
    from hub_app.db import reset_engine_cache

    reset_engine_cache()
    return statuses


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--processes", type=int, default=2,
                        help="server processes (the app runs one worker per core)")
    parser.add_argument("--stub", action="store_true", help="in-memory broker instead of Redis")
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()

    import sqlalchemy as sa

    run = uuid.uuid4().hex[:8]
    name = f"hub_bench_{run}"
    admin = sa.create_engine(args.pg, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(args.pg).set(database=name).render_as_string(hide_password=False)
    os.environ.update(DATABASE_URL=url, STRIPE_WEBHOOK_SECRET=SECRET, HUB_ENV="test",
                      HUB_QUEUE_NAMESPACE=f"hub-bench-{run}")
    if args.stub:
        os.environ.pop("REDIS_URL", None)
    else:
        os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
    try:
        from hub_app.cli import migrate

        migrate(url)
        ctx = multiprocessing.get_context("spawn")
        chunks = [list(range(p, args.events, args.processes)) for p in range(args.processes)]
        with ctx.Pool(args.processes) as pool:
            ready = [pool.apply_async(_prepare, (run,)) for _ in range(args.processes)]
            [r.get() for r in ready]
            started = time.perf_counter()
            results = [pool.apply_async(_intake, (run, chunk, args.threads)) for chunk in chunks]
            statuses = [status for r in results for status in r.get()]
            elapsed = time.perf_counter() - started
        assert statuses.count(200) == args.events, statuses[:5]
        from workers.stripe_actors import broker  # declares the stripe queue in this process too

        print(f"broker={type(broker).__name__} events={args.events} processes={args.processes} "
              f"threads={args.threads} seconds={elapsed:.2f} events/s={args.events / elapsed:.0f}")
        broker.flush_all()
        if hasattr(broker, "client"):
            for key in broker.client.scan_iter(f"hub-bench-{run}:*"):
                broker.client.delete(key)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
