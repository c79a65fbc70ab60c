"""The server under test and what the HTTP benchmark reads beside it (bench/http_booking.py).

- `Server`: the production app (`reflex run --env prod`) or the API app alone under Granian, in
  its own process group, with its own frontend build folder;
- `CpuMeter`: CPU seconds used by the server's processes and the bench database's backends;
- `DbProbe`, `free_places_of`, `analyze`: direct reads and upkeep of the bench database.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import httpx
import sqlalchemy as sa

PROJECT_ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


class Server:
    """The app in its own process group, with its own frontend build folder and log."""

    def __init__(self, kind: str, port: int, workers: int, env: dict[str, str]) -> None:
        self.kind, self.port, self.workers = kind, port, workers
        self.workdir = Path(tempfile.mkdtemp(prefix="hub-http-bench-"))
        self.log_path = self.workdir / "server.log"
        self.env = env
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 600) -> float:
        if self.kind == "reflex":
            # Built in a folder of its own: the pages carry the port, and another app may be
            # serving the project's .web meanwhile.
            self.env.update(REFLEX_WEB_WORKDIR=str(self.workdir / ".web"),
                            REFLEX_STATES_WORKDIR=str(self.workdir / ".states"),
                            REFLEX_UPLOADED_FILES_DIR=str(self.workdir / "uploaded_files"))
            command = [str(VENV_BIN / "reflex"), "run", "--env", "prod", "--single-port",
                       "--frontend-port", str(self.port), "--backend-port", str(self.port)]
        else:
            command = [str(VENV_BIN / "granian"), "--interface", "asgi", "--factory", "--host", "127.0.0.1",
                       "--port", str(self.port), "--workers", str(self.workers), "--no-ws",
                       "hub_app.api.app:create_api"]
        started = time.monotonic()
        log = self.log_path.open("wb")
        self.proc = subprocess.Popen(command, cwd=PROJECT_ROOT, env=self.env, stdin=subprocess.DEVNULL,
                                     stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        probe = "/ping" if self.kind == "reflex" else "/ready"
        deadline = started + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                if httpx.get(self.url + probe, timeout=2).status_code == 200:
                    return time.monotonic() - started
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        tail = "\n".join(self.log_path.read_text(errors="replace").splitlines()[-30:])
        raise RuntimeError(f"server did not answer {probe}:\n{tail}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            for sig, wait in ((signal.SIGTERM, 20), (signal.SIGKILL, 5)):
                try:
                    os.killpg(self.proc.pid, sig)
                    self.proc.wait(timeout=wait)
                    break
                except ProcessLookupError:
                    break
                except subprocess.TimeoutExpired:
                    continue
        try:  # stragglers of the group (node, granian workers)
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, AttributeError):
            pass
        shutil.rmtree(self.workdir, ignore_errors=True)


def server_env(database_url: str, redis_url: str, namespace: str, port: int, workers: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("REFLEX_") and k not in {"DATABASE_URL", "REDIS_URL", "HUB_QUEUE_NAMESPACE"}}
    env.update(
        HUB_ENV="prod", HUB_SECRET_KEY=secrets.token_urlsafe(48), DATABASE_URL=database_url,
        REDIS_URL=redis_url, HUB_QUEUE_NAMESPACE=namespace,
        PORT=str(port), PUBLIC_BASE_URL=f"http://127.0.0.1:{port}", GRANIAN_WORKERS=str(workers),
        RATE_LIMIT_ENABLED="false", PYTHONPATH=str(PROJECT_ROOT),
        PATH=f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        REFLEX_USE_NPM="1", REFLEX_TELEMETRY_ENABLED="false", REFLEX_CHECK_LATEST_VERSION="false",
    )
    return env


class CpuMeter:
    """CPU seconds used by the server's processes and by the PostgreSQL backends of the bench
    database: the cost per request, whatever else the machine is doing meanwhile."""

    TICK = os.sysconf("SC_CLK_TCK")

    def __init__(self, server_pgid: int, admin: sa.Engine, database: str) -> None:
        self.server_pgid, self.admin, self.database = server_pgid, admin, database

    @classmethod
    def _stat(cls, pid: int) -> tuple[int, float] | None:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError, IndexError):
            return None
        # After the command: state ppid pgrp ... utime (14th field) stime (15th) of the full line.
        return int(fields[2]), (int(fields[11]) + int(fields[12])) / cls.TICK

    def snapshot(self) -> tuple[float, float]:
        server = 0.0
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                stat = self._stat(int(entry.name))
                if stat is not None and stat[0] == self.server_pgid:
                    server += stat[1]
        with self.admin.connect() as conn:
            pids = conn.execute(sa.text("SELECT pid FROM pg_stat_activity WHERE datname = :db"),
                                {"db": self.database}).scalars().all()
        database = sum(stat[1] for stat in map(self._stat, pids) if stat is not None)
        return server, database

    def per_request(self, before: tuple[float, float], after: tuple[float, float], requests: int) -> str:
        server, database = ((a - b) * 1000 / max(requests, 1) for a, b in zip(after, before))
        return f"CPU per request: server {server:.1f} ms + PostgreSQL {database:.1f} ms"



# --- the bench database ---------------------------------------------------------------------


class DbProbe:
    """Reads the bench database directly (as the system), to choose and to check the race."""

    def __init__(self, engine, store_id: int, service_id: int, today, client_ids: list[int]) -> None:
        self.engine, self.store_id, self.service_id, self.today = engine, store_id, service_id, today
        self.client_index = {client_id: i for i, client_id in enumerate(client_ids)}

    def one_place_left(self) -> tuple[str, set[int]] | None:
        """A start where exactly one calendar is free, and which workload clients (their index:
        client<i>@bench.example) are booked at it."""
        from hub_app.db import unit_of_work
        from hub_app.domain.bookings.availability import free_slots
        from hub_app.domain.bookings.models import Booking
        from hub_app.domain.tenancy import TenantContext

        ctx = TenantContext.anonymous(self.store_id)
        with unit_of_work(ctx, self.engine) as db:
            slots = free_slots(db, ctx, self.service_id, self.today + timedelta(days=1),
                               self.today + timedelta(days=60))
            slot = next((s for s in slots if len(s.calendar_ids) == 1 and s.remaining == 1), None)
            if slot is None:
                return None
            clients = db.scalars(sa.select(Booking.client_user_id).where(Booking.start_at == slot.start)).all()
        return slot.start.isoformat(), {self.client_index[c] for c in clients if c in self.client_index}

    def starts_of(self, client_indexes: range) -> list[set[str]]:
        """For workload clients by index, the starts (UTC ISO) they already have bookings at."""
        from hub_app.db import unit_of_work
        from hub_app.domain.bookings.models import Booking
        from hub_app.domain.tenancy import TenantContext

        ids = {client_id: i for client_id, i in self.client_index.items() if i in client_indexes}
        starts: list[set[str]] = [set() for _ in client_indexes]
        with unit_of_work(TenantContext.system(self.store_id), self.engine) as db:
            for client_id, start in db.execute(sa.select(Booking.client_user_id, Booking.start_at)
                                               .where(Booking.client_user_id.in_(ids))):
                starts[ids[client_id] - client_indexes.start].add(start.isoformat())
        return starts

    def booking_count(self) -> int:
        """Every booking of the store, whatever its status."""
        from hub_app.db import unit_of_work
        from hub_app.domain.bookings.models import Booking
        from hub_app.domain.tenancy import TenantContext

        with unit_of_work(TenantContext.system(self.store_id), self.engine) as db:
            return db.scalar(sa.select(sa.func.count()).select_from(Booking).where(Booking.store_id == self.store_id))

    def bookings_at(self, start: str) -> list[int]:
        """Calendars of the live bookings at `start` (one entry per booking)."""
        from datetime import datetime

        from hub_app.db import unit_of_work
        from hub_app.domain.bookings.inputs import OCCUPYING_STATUSES
        from hub_app.domain.bookings.models import Booking, BookingStatus
        from hub_app.domain.tenancy import TenantContext

        with unit_of_work(TenantContext.system(self.store_id), self.engine) as db:
            return list(db.scalars(sa.select(Booking.calendar_id).where(
                Booking.start_at == datetime.fromisoformat(start),
                Booking.status.in_((*OCCUPYING_STATUSES, BookingStatus.PENDING)))))


def free_places_of(engine, store_id: int, service_id: int, today) -> list[tuple[str, int]]:
    from hub_app.db import unit_of_work
    from hub_app.domain.bookings.availability import free_slots
    from hub_app.domain.tenancy import TenantContext

    ctx = TenantContext.anonymous(store_id)
    with unit_of_work(ctx, engine) as db:
        slots = free_slots(db, ctx, service_id, today + timedelta(days=1), today + timedelta(days=60))
    return [(slot.start.isoformat(), cal) for slot in slots for cal in slot.calendar_ids]


def analyze(url: str) -> None:
    """Planner statistics for the bulk-loaded tables, as autovacuum would gather them in production."""
    owner = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with owner.connect() as conn:
            conn.execute(sa.text("ANALYZE"))
    finally:
        owner.dispose()


def drop_redis_namespace(redis_url: str, namespace: str) -> None:
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        keys = list(client.scan_iter(f"{namespace}*", count=1000))
        if keys:
            client.delete(*keys)
    finally:
        client.close()
