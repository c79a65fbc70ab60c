"""Fault scenarios under traffic, with figures. Every service broken here is private.

    .venv/bin/python -m bench.faults [--scenario all|redis|redis-hang|postgres|provider|worker] [--seconds 20]

- redis:      Redis stopped for a while during booking traffic (API server + 2 workers): bookings
              and webhooks still accepted? 5xx? how long until every confirmation SMS is sent?
- redis-hang: Redis frozen (SIGSTOP) instead: do requests hang on the enqueue?
- postgres:   a private PostgreSQL restarted during traffic: statuses seen, outage window as clients
              see it, recovery time, integrity (one booking per successful key, no double booking).
- provider:   the SMS provider answers 500, or times out before or after accepting: retries and
              messages at the provider per notification.
- worker:     a worker SIGKILLed during a burst of jobs: every job done once after redelivery.

Prints one block of figures per scenario and exits non-zero if an invariant broke.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import itertools
import json
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.procs import (
    ApiServer,
    PrivatePostgres,
    PrivateRedis,
    WorkerProcess,
    app_environment,
    migrate,
    wait_until,
)

TZ = ZoneInfo("Europe/Athens")
STRIPE_SECRET = "whsec_faults"
PASSWORD = "fault-manager-password"


class Stage:
    """One private stack: database, optional Redis, API server, workers, fake SMS provider."""

    def __init__(self, database_url: str, redis: PrivateRedis | None, *, workers: int = 2, sms_fake=None,
                 worker_options: dict | None = None) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="hub-faults-"))
        self.database_url = database_url
        extra = dict(STRIPE_WEBHOOK_SECRET=STRIPE_SECRET, HUB_NOTIFICATION_TICK_SECONDS="1",
                     HUB_CALENDLY_SYNC_SECONDS="0", RATE_LIMIT_ENABLED="false", LOG_LEVEL="WARNING",
                     UPLOAD_DIR=str(self.dir / "uploads"), SQLITE_PATH=str(self.dir / "unused.db"))
        if sms_fake is not None:
            extra.update(EASYSMS_API_KEY=sms_fake.api_key, EASYSMS_SENDER="HubSalon", EASYSMS_API_BASE=sms_fake.base_url)
        self.env = app_environment(database_url, redis.url if redis else None, **extra)
        migrate(self.env)
        self.api = ApiServer(self.env, log_dir=self.dir).start()
        self.workers = [WorkerProcess(self.env, log_dir=self.dir).start(**(worker_options or {}))
                        for _ in range(workers)]
        self.owner = sa.create_engine(database_url)
        self.slug, self.service_id = self._seed()

    def _seed(self) -> tuple[str, int]:
        from hub_app import db as hub_db
        from hub_app.domain.accounts.models import AppUser, UserRole
        from hub_app.domain.accounts.service import hash_password
        from hub_app.domain.stores.models import Store
        from hub_app.domain.tenancy import TenantContext

        slug = f"faults-{uuid.uuid4().hex[:6]}"
        engine = hub_db.make_engine(self.database_url)
        with hub_db.unit_of_work(TenantContext.system(), engine) as db:
            store = Store(name="Fault Salon", slug=slug, timezone="Europe/Athens")
            db.add(store)
            db.flush()
            manager = AppUser(email=f"{slug}@example.com", password_hash=hash_password(PASSWORD),
                              role=UserRole.STORE_MANAGER, store_id=store.id, first_name="Maria", last_name="Fault")
            db.add(manager)
            db.flush()
            store.manager_user_id = manager.id
        engine.dispose()
        with httpx.Client(base_url=self.api.url, timeout=30) as http:
            token = http.post("/api/v1/auth/token", json={"email": f"{slug}@example.com", "password": PASSWORD})
            auth = {"Authorization": f"Bearer {token.json()['access_token']}"}
            calendars = [http.post(f"/api/v1/stores/{slug}/calendars", headers=auth, json={"name": f"Chair {i}"}).json()["id"]
                         for i in range(4)]
            for cal in calendars:
                http.put(f"/api/v1/stores/{slug}/calendars/{cal}/hours", headers=auth,
                         json=[{"weekday": d, "start": "08:00", "end": "20:00"} for d in range(7)]).raise_for_status()
            service = http.post(f"/api/v1/stores/{slug}/services", headers=auth, json={
                "name": "Haircut", "duration_minutes": 30, "min_persons": 1, "max_persons": 1, "price_type": "fixed",
                "base_price_amount": "20.00", "calendar_ids": calendars})
            service.raise_for_status()
        return slug, service.json()["id"]

    def query(self, sql: str, **params):
        with self.owner.connect() as conn:
            return conn.execute(sa.text(sql), params).all()

    def close(self) -> None:
        for worker in self.workers:
            worker.stop()
        self.api.stop()
        self.owner.dispose()


class Traffic:
    """Client threads booking distinct slots with Idempotency-Keys, recording every answer."""

    def __init__(self, stage: Stage, threads: int = 4) -> None:
        self.stage = stage
        self.slots = itertools.count()
        self.answers: list[tuple[float, str, int, float]] = []  # (time, key, status, seconds)
        self.bodies: dict[str, dict] = {}
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._run, daemon=True) for _ in range(threads)]

    def body(self) -> dict:
        n = next(self.slots)
        day, index = divmod(n, 96)  # 4 calendars x 24 half hours from 08:00
        start_day = (datetime.now(TZ) + timedelta(days=3 + day)).date()
        slot = index // 4
        start = datetime(start_day.year, start_day.month, start_day.day, 8 + slot // 2, 30 * (slot % 2), tzinfo=TZ)
        return {"service_id": self.stage.service_id, "start": start.isoformat(), "persons": 1, "client": {
            "first_name": "Eleni", "last_name": "Fault", "age": 30, "email": f"c{uuid.uuid4().hex[:12]}@example.com",
            "phone": "6971234567", "address": "Athens", "password": "fault-client-password"}}

    def _run(self) -> None:
        with httpx.Client(base_url=self.stage.api.url, timeout=15) as http:
            while not self.stop.is_set():
                key, body = uuid.uuid4().hex, self.body()
                started = time.monotonic()
                try:
                    status = http.post(f"/api/v1/stores/{self.stage.slug}/bookings", json=body,
                                       headers={"Idempotency-Key": key}).status_code
                except httpx.TimeoutException:
                    status = -1  # no answer within 15 s
                except httpx.HTTPError:
                    status = 0
                with self.lock:
                    self.bodies[key] = body
                    self.answers.append((started, key, status, time.monotonic() - started))

    def start(self) -> Traffic:
        for thread in self.threads:
            thread.start()
        return self

    def finish(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=60)

    def statuses(self, since: float = 0, until: float = float("inf")) -> Counter:
        return Counter(status for at, _, status, _ in self.answers if since <= at < until)

    def retry_failed(self) -> Counter:
        """Retry every attempt that got no success with its own key: the app must not double-book."""
        final = Counter()
        with httpx.Client(base_url=self.stage.api.url, timeout=30) as http:
            latest: dict[str, int] = {}
            for _, key, status, _ in self.answers:
                latest[key] = status
            for key, status in latest.items():
                if status not in (200, 201):
                    status = http.post(f"/api/v1/stores/{self.stage.slug}/bookings", json=self.bodies[key],
                                       headers={"Idempotency-Key": key}).status_code
                final[status] += 1
        return final


def integrity(stage: Stage, traffic: Traffic) -> dict:
    keys = {key for _, key, _, _ in traffic.answers}
    double = stage.query(
        "SELECT count(*) FROM booking a JOIN booking b ON a.calendar_id = b.calendar_id AND a.id < b.id "
        "AND a.start_at < b.end_at AND b.start_at < a.end_at WHERE a.status = 'confirmed' AND b.status = 'confirmed'")
    bookings = stage.query("SELECT count(*) FROM booking")[0][0]
    orphans = stage.query("SELECT count(*) FROM app_user u WHERE u.role = 'client' AND NOT EXISTS "
                          "(SELECT 1 FROM booking b WHERE b.client_user_id = u.id)")[0][0]
    return {"attempt_keys": len(keys), "bookings": bookings, "double_booked": double[0][0],
            "clients_without_booking": orphans}


def shared_postgres_database(admin_url: str) -> tuple[str, callable]:
    name = f"hub_faults_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return sa.engine.make_url(admin_url).set(database=name).render_as_string(hide_password=False), drop


def print_block(title: str, figures: dict) -> None:
    print(f"\n== {title}")
    for name, value in figures.items():
        print(f"   {name}: {value}")


# --- scenarios ----------------------------------------------------------------------------------


def scenario_redis(args, hang: bool = False) -> bool:
    from tests.notifications.fake_easysms import FakeEasySms

    fake = FakeEasySms(balance=10**6).start()
    redis = PrivateRedis().start()
    database_url, drop = shared_postgres_database(args.pg_admin_url)
    stage = Stage(database_url, redis, sms_fake=fake)
    try:
        traffic = Traffic(stage).start()
        time.sleep(args.seconds / 3)
        outage_start = time.monotonic()
        redis.pause() if hang else redis.stop()
        webhook = stripe_delivery(stage.api.url)
        time.sleep(args.seconds / 3)
        outage_end = time.monotonic()
        redis.resume() if hang else redis.start()
        time.sleep(args.seconds / 3)
        traffic.finish()
        during = traffic.statuses(outage_start, outage_end)
        slow = max((s for at, _, _, s in traffic.answers if outage_start <= at < outage_end), default=0)
        final = traffic.retry_failed()
        sent_target = stage.query("SELECT count(*) FROM notification WHERE type = 'sms'")[0][0]
        recovered_at = None
        try:
            wait_until(lambda: len(fake.sent) >= sent_target, 120, interval=0.5, what="every SMS sent")
            recovered_at = time.monotonic()
        except TimeoutError:
            pass
        time.sleep(3)
        per_row = Counter(fake.sent[m].to for m in fake.sent)
        figures = {
            "outage_seconds": round(outage_end - outage_start, 1),
            "booking_statuses_during_outage": dict(during),
            "booking_statuses_overall": dict(traffic.statuses()),
            "slowest_answer_during_outage_s": round(slow, 2),
            "stripe_webhook_during_outage": webhook,
            "after_retrying_failed_keys": dict(final),
            "sms_rows": sent_target, "sms_accepted_by_provider": len(fake.sent),
            "all_sms_sent_s_after_redis_back": round(recovered_at - outage_end, 1) if recovered_at else "not within 120 s",
            **integrity(stage, traffic),
        }
        print_block("Redis frozen (SIGSTOP) during traffic" if hang else "Redis stopped during traffic", figures)
        # Every booking answered (no 5xx, no request left hanging), none lost or doubled, every SMS once.
        answered = all(0 < s < 500 for s in traffic.statuses())
        return (answered and figures["double_booked"] == 0 and figures["bookings"] == figures["attempt_keys"]
                and len(fake.sent) == sent_target and sum(per_row.values()) == sent_target)
    finally:
        stage.close()
        redis.stop()
        fake.stop()
        drop()


def stripe_delivery(base_url: str) -> str:
    payload = json.dumps({"id": f"evt_fault_{uuid.uuid4().hex}", "object": "event", "type": "customer.created",
                          "created": int(time.time()), "data": {"object": {"id": "cus_x", "object": "customer"}}})
    stamp = int(time.time())
    mac = hmac.new(STRIPE_SECRET.encode(), f"{stamp}.{payload}".encode(), hashlib.sha256).hexdigest()
    try:
        answer = httpx.post(base_url + "/webhooks/stripe", content=payload, timeout=15,
                            headers={"Stripe-Signature": f"t={stamp},v1={mac}", "Content-Type": "application/json"})
        return f"{answer.status_code} {answer.text[:80]}"
    except httpx.TimeoutException:
        return "no answer within 15 s"


def scenario_postgres(args) -> bool:
    cluster = PrivatePostgres().init().start()
    stage = None
    try:
        stage = Stage(cluster.create_database(), None, workers=0)
        traffic = Traffic(stage).start()
        time.sleep(args.seconds / 3)
        restart_at = time.monotonic()
        cluster.restart("fast")
        restarted = time.monotonic()
        wait_until(lambda: httpx.get(stage.api.url + "/ready", timeout=5).status_code == 200, 60, what="ready")
        ready_at = time.monotonic()
        time.sleep(args.seconds / 3)
        traffic.finish()
        after = [(at, s) for at, _, s, _ in sorted(traffic.answers) if at >= restart_at]
        first_error = next((at for at, s in after if s not in (200, 201)), None)
        first_ok_after = next((at for at, s in after if first_error and at > first_error and s in (200, 201)), None)
        final = traffic.retry_failed()
        figures = {
            "pg_ctl_restart_s": round(restarted - restart_at, 2),
            "ready_again_s_after_restart": round(ready_at - restart_at, 2),
            "statuses": dict(traffic.statuses()),
            "client_visible_outage_s": round(first_ok_after - first_error, 2) if first_ok_after else 0,
            "after_retrying_failed_keys": dict(final),
            **integrity(stage, traffic),
        }
        print_block("PostgreSQL restarted during traffic", figures)
        return (500 not in figures["statuses"] and figures["double_booked"] == 0
                and figures["bookings"] == figures["attempt_keys"] and figures["clients_without_booking"] == 0)
    finally:
        if stage is not None:
            stage.close()
        cluster.destroy()


def scenario_provider(args) -> bool:
    """Provider faults through dispatch.deliver (the worker's code path), time advanced by `now`."""
    import os

    database_url, drop = shared_postgres_database(args.pg_admin_url)
    os.environ["DATABASE_URL"] = database_url
    from hub_app import db as hub_db
    from hub_app.cli import migrate as migrate_db
    from hub_app.domain.notifications import dispatch
    from hub_app.domain.notifications.sms import EasySmsClient
    from hub_app.settings import reset_settings_cache
    from tests.reliability.test_provider_faults import StallingEasySms, pending_sms

    reset_settings_cache()
    hub_db.reset_engine_cache()
    migrate_db(database_url)
    engine = hub_db.get_engine()
    results = {}
    ok = True
    try:
        for case in ("http_500", "timeout_before_accepting", "timeout_after_accepting"):
            fake = StallingEasySms().start()
            if case == "http_500":
                for _ in range(3):
                    fake.queue_answer(500, "oops", "text/plain")
            elif case == "timeout_before_accepting":
                fake.stall_next = 2
            notification_id = pending_sms(engine)
            if case == "timeout_after_accepting":
                fake_accepts_then_stalls(fake, 1)
            now = datetime.now().astimezone()
            outcomes = []
            for _ in range(8):
                providers = dispatch.Providers(sms=EasySmsClient(fake.api_key, "HubSalon", fake.base_url, timeout=0.5))
                outcome = dispatch.deliver(notification_id, providers=providers, now=now)
                providers.close()
                outcomes.append(outcome.status)
                if outcome.status != "retry":
                    break
                now = outcome.retry_at + timedelta(seconds=1)
            results[case] = {"attempts": outcomes, "messages_at_provider": len(fake.sent)}
            ok &= outcomes[-1] == "sent" and (len(fake.sent) == 1 or case == "timeout_after_accepting")
            fake.stop()
        print_block("SMS provider failing (500, timeouts)", results)
        return ok
    finally:
        hub_db.reset_engine_cache()
        drop()


def fake_accepts_then_stalls(fake, times: int) -> None:
    """The provider records the message, then answers too late (the client has given up)."""
    original = fake._send
    remaining = [times]

    def send(params):
        answer = original(params)
        if remaining[0] > 0:
            remaining[0] -= 1
            time.sleep(1.0)
        return answer

    fake._send = send


def slow_provider(delay: float):
    """The fake EasySMS, taking `delay` seconds to accept each message (so jobs are caught mid-send)."""
    from tests.notifications.fake_easysms import FakeEasySms

    fake = FakeEasySms(balance=10**6)
    original = fake._send

    def send(params):
        time.sleep(delay)
        return original(params)

    fake._send = send
    return fake.start()


def scenario_worker(args) -> bool:
    """A burst of confirmation SMS jobs; one of two workers is SIGKILLed in the middle of it.

    Jobs it had fetched but not started go back to the queue when its heartbeat is stale (3 s
    here, 60 s by default) and are done once by the other worker. A job killed in the middle of
    the HTTP call leaves its row leased; the tick re-sends it when the lease (5 min) ends; if the
    provider had already accepted that message, the client gets it twice (no provider-side
    idempotency key exists): `duplicates_at_provider` counts those.
    """
    fake = slow_provider(0.4)
    redis = PrivateRedis().start()
    database_url, drop = shared_postgres_database(args.pg_admin_url)
    stage = Stage(database_url, redis, workers=2, sms_fake=fake, worker_options={"threads": 4})
    try:
        burst = 40
        with httpx.Client(base_url=stage.api.url, timeout=30) as http:
            traffic = Traffic(stage, threads=1)
            for _ in range(burst):
                assert http.post(f"/api/v1/stores/{stage.slug}/bookings", json=traffic.body()).status_code == 201
        time.sleep(1.0)
        killed_at = time.monotonic()
        stage.workers[0].kill()
        survivor = WorkerProcess(stage.env, log_dir=stage.dir).start(heartbeat_ms=3000, always_maintain=True)
        stage.workers.append(survivor)
        rows = stage.query("SELECT count(*) FROM notification WHERE type = 'sms'")[0][0]
        done = None
        try:
            wait_until(lambda: stage.query("SELECT count(*) FROM notification WHERE type = 'sms' AND status = 'sent'")[0][0]
                       == rows, args.lease_wait, interval=0.5, what="every SMS sent")
            done = time.monotonic()
        except TimeoutError:
            pass
        time.sleep(2)
        figures = {"sms_rows": rows, "sent_rows": stage.query(
            "SELECT count(*) FROM notification WHERE type = 'sms' AND status = 'sent'")[0][0],
            "accepted_by_provider": len(fake.sent),
            "duplicates_at_provider": len(fake.sent) - rows,
            "rows_needing_a_second_attempt": stage.query(
                "SELECT count(*) FROM notification WHERE type = 'sms' AND attempts > 1")[0][0],
            "all_sent_s_after_kill": round(done - killed_at, 1) if done else f"not within {args.lease_wait}s"}
        print_block("Worker killed during a burst of jobs", figures)
        # Every row sent; at most the jobs caught inside the provider call may have gone out twice.
        return done is not None and 0 <= len(fake.sent) - rows <= 4
    finally:
        stage.close()
        redis.stop()
        fake.stop()
        drop()


SCENARIOS = {"redis": scenario_redis, "redis-hang": lambda a: scenario_redis(a, hang=True),
             "postgres": scenario_postgres, "provider": scenario_provider, "worker": scenario_worker}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenario", default="all", choices=["all", *SCENARIOS])
    parser.add_argument("--seconds", type=float, default=30, help="traffic time per scenario")
    parser.add_argument("--lease-wait", type=float, default=420,
                        help="how long the worker scenario waits for jobs caught mid-send (lease: 5 min)")
    parser.add_argument("--pg-admin-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args(argv)
    names = list(SCENARIOS) if args.scenario == "all" else [args.scenario]
    verdicts = {}
    for name in names:
        started = time.monotonic()
        try:
            verdicts[name] = SCENARIOS[name](args)
        except Exception as exc:  # report and go on with the other scenarios
            print(f"\n== {name}: crashed: {type(exc).__name__}: {exc}")
            verdicts[name] = False
        print(f"   ({name}: {time.monotonic() - started:.0f}s, {'PASS' if verdicts[name] else 'FAIL'})")
    print("\nRESULT:", " ".join(f"{k}={'PASS' if v else 'FAIL'}" for k, v in verdicts.items()))
    return 0 if all(verdicts.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
