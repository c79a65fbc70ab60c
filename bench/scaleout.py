"""Scale-out check: two app processes and two Dramatiq worker processes on one PostgreSQL + Redis.

    .venv/bin/python -m bench.scaleout [--flows 40] [--pg-admin-url URL]

Each client flow alternates between the two app processes step by step: register and book on
one, sign in on the other, read, reschedule, cancel, list, each on whichever is next. The two
`dramatiq workers.actors` processes consume the same queues. Checks: every step answered as
expected whichever process served it, and every message was sent exactly once (one SMS at the
provider per notification row, one attempt each). tests/reliability/test_scale_out.py runs one
flow of this in CI.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.faults import Stage, shared_postgres_database
from bench.procs import ApiServer, PrivateRedis, WorkerProcess, wait_until

TZ = ZoneInfo("Europe/Athens")


def start_at(n: int, days_ahead: int) -> str:
    day = (datetime.now(TZ) + timedelta(days=days_ahead + n // 24)).date()
    slot = n % 24
    return datetime(day.year, day.month, day.day, 8 + slot // 2, 30 * (slot % 2), tzinfo=TZ).isoformat()


def flow(n: int, servers: list[str], slug: str, service_id: int) -> list[str]:
    """One client's flow; returns the problems found (empty when every step behaved)."""
    clients = [httpx.Client(base_url=url, timeout=30) for url in servers]
    step = iter(range(1000))

    def next_server() -> httpx.Client:
        return clients[(n + next(step)) % len(clients)]

    problems = []
    email = f"scale-{uuid.uuid4().hex[:10]}@example.com"
    try:
        made = next_server().post(f"/api/v1/stores/{slug}/bookings", json={
            "service_id": service_id, "start": start_at(n, 5), "persons": 1, "client": {
                "first_name": "Eleni", "last_name": "Scale", "age": 30, "email": email, "phone": "6971234567",
                "address": "Athens", "password": "scale-client-password"}})
        if made.status_code != 201:
            return [f"flow {n}: book {made.status_code} {made.text[:100]}"]
        booking_id = made.json()["id"]
        token = next_server().post("/api/v1/auth/token", json={"email": email, "password": "scale-client-password"})
        auth = {"Authorization": f"Bearer {token.json()['access_token']}"}
        checks = [
            ("read", next_server().get(f"/api/v1/bookings/{booking_id}", headers=auth), 200),
        ]
        moved = next_server().post(f"/api/v1/bookings/{booking_id}/reschedule", headers=auth,
                                   json={"start": start_at(n, 30)})
        checks.append(("reschedule", moved, 200))
        if moved.status_code == 200:
            checks.append(("cancel", next_server().post(f"/api/v1/bookings/{moved.json()['id']}/cancel",
                                                        headers=auth), 200))
        mine = next_server().get("/api/v1/me/bookings", headers=auth)
        checks.append(("list", mine, 200))
        for name, response, expected in checks:
            if response.status_code != expected:
                problems.append(f"flow {n}: {name} {response.status_code} {response.text[:100]}")
        if mine.status_code == 200 and sorted(b["status"] for b in mine.json()) != ["cancelled", "rescheduled"]:
            problems.append(f"flow {n}: my bookings {[b['status'] for b in mine.json()]}")
    finally:
        for client in clients:
            client.close()
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--flows", type=int, default=40)
    parser.add_argument("--pg-admin-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args(argv)

    from tests.notifications.fake_easysms import FakeEasySms

    fake = FakeEasySms(balance=10**6).start()
    redis = PrivateRedis().start()
    database_url, drop = shared_postgres_database(args.pg_admin_url)
    stage = Stage(database_url, redis, workers=0, sms_fake=fake)
    second = ApiServer(stage.env, log_dir=Path(tempfile.mkdtemp())).start()
    stage.workers = [WorkerProcess(stage.env, log_dir=stage.dir).start_cli(threads=4) for _ in range(2)]
    try:
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=8) as pool:
            problems = [p for found in pool.map(lambda n: flow(n, [stage.api.url, second.url], stage.slug,
                                                                stage.service_id), range(args.flows)) for p in found]
        elapsed = time.monotonic() - started
        expected = 3 * args.flows  # confirmation, reschedule, cancellation
        try:
            wait_until(lambda: stage.query("SELECT count(*) FROM notification WHERE type = 'sms' AND status = 'sent'")[0][0]
                       >= expected, 90, interval=0.5, what="every SMS sent")
        except TimeoutError as exc:
            problems.append(str(exc))
        time.sleep(3)
        rows = stage.query("SELECT count(*), coalesce(max(attempts), 0) FROM notification WHERE type = 'sms'")[0]
        figures = {"flows": args.flows, "seconds": round(elapsed, 1), "step_problems": len(problems),
                   "sms_rows": rows[0], "sms_at_provider": len(fake.sent), "max_attempts_per_row": rows[1],
                   "app_processes": 2, "worker_processes": len(stage.workers)}
        print("\n== Scale-out: 2 app processes, 2 workers, shared PostgreSQL + Redis")
        for name, value in figures.items():
            print(f"   {name}: {value}")
        for problem in problems[:10]:
            print("   problem:", problem)
        ok = not problems and rows[0] == expected and len(fake.sent) == expected and rows[1] == 1
        print("RESULT:", "PASS" if ok else "FAIL")
        return 0 if ok else 1
    finally:
        second.stop()
        stage.close()
        redis.stop()
        fake.stop()
        drop()


if __name__ == "__main__":
    sys.exit(main())
