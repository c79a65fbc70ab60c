"""The multi-host reference deployment on one machine: `make stack` / `make stack-down`.

    .venv/bin/python -m deploy.stack up|down|status [--root .stack]

What runs (each its own process, on its own port, state and logs under ROOT):

    browser ─► haproxy :58080 ─┬─► app-1 :58081  reflex run --env prod --single-port (Granian)
                               └─► app-2 :58082  reflex run --env prod --single-port (Granian)
    app-N, worker-N ─► pgbouncer :56432 (transaction pooling) ─► PostgreSQL primary :55432
    manager/admin analytics ─► PostgreSQL streaming replica :55433 (DATABASE_REPLICA_URL)
    app-N, worker-N ─► Redis :56379 (queues, UI state, rate limits)
    worker-1, worker-2: dramatiq workers.actors

The primary commits synchronously to the replica (`synchronous_standby_names='*'`), so a booking
the app confirmed is on both: promoting the replica after the primary is lost loses none.
`up` starts from nothing (an earlier stack under ROOT is taken down and its data removed);
`down` stops every process and removes the database files, keeping the logs.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import httpx

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from deploy.services import Daemon, HaProxy, PgBouncer, PostgresNode, pid_alive, wait_for  # noqa: E402

VENV_BIN = PROJECT_ROOT / ".venv" / "bin"
DATABASE = "hub"
APP_ROLE = "hub_tenant"
PROXY_ONLY = {"DATABASE_URL", "DATABASE_APP_URL", "DATABASE_REPLICA_URL", "REDIS_URL", "HUB_QUEUE_NAMESPACE",
              "PROMETHEUS_MULTIPROC_DIR", "REFLEX_FRONTEND_PORT", "REFLEX_BACKEND_PORT", "REFLEX_API_URL", "PORT"}


@dataclass
class Ports:
    lb: int = 58080
    apps: list[int] = field(default_factory=lambda: [58081, 58082])
    pgbouncer: int = 56432
    primary: int = 55432
    replica: int = 55433
    redis: int = 56379


class ReferenceStack:
    def __init__(self, root: Path, ports: Ports | None = None, *, workers: int = 2,
                 extra_env: dict[str, str] | None = None) -> None:
        self.root = Path(root).resolve()
        self.ports = ports or Ports()
        self.worker_count = workers
        self.extra_env = dict(extra_env or {})
        self.secret = ""
        self.primary = PostgresNode("primary", self.root / "pg-primary", self.ports.primary,
                                    options="-c synchronous_standby_names='*'")
        self.replica = PostgresNode("replica", self.root / "pg-replica", self.ports.replica)
        self.pgbouncer = PgBouncer(self.root / "pgbouncer", self.ports.pgbouncer, DATABASE, self.ports.primary)
        self.haproxy = HaProxy(self.root / "haproxy",
                               self.ports.lb, {f"app-{i + 1}": port for i, port in enumerate(self.ports.apps)})
        self.redis: Daemon | None = None
        self.apps: list[Daemon | None] = [None] * len(self.ports.apps)
        self.workers: list[Daemon | None] = [None] * workers

    # --- addresses ------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.ports.lb}"

    @property
    def owner_url(self) -> str:
        """The tables' owner on whichever node is the primary now (direct, not pooled)."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.pgbouncer.primary_port}/{DATABASE}"

    def env(self, **extra: str) -> dict[str, str]:
        """The settings every app instance and worker shares (README, Running beyond one machine)."""
        env = {k: v for k, v in os.environ.items() if k not in PROXY_ONLY}
        env.update(
            PATH=f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}", PYTHONPATH=str(PROJECT_ROOT),
            REFLEX_USE_NPM="1", REFLEX_TELEMETRY_ENABLED="false", REFLEX_CHECK_LATEST_VERSION="false",
            HUB_ENV="prod", HUB_SECRET_KEY=self.secret, LOG_FORMAT="json",
            # The app's login role through the pooler; the owner's URL is only for `migrate`.
            DATABASE_URL=f"postgresql+psycopg://{APP_ROLE}@127.0.0.1:{self.ports.pgbouncer}/{DATABASE}",
            DB_TRANSACTION_POOLER="true",
            DATABASE_REPLICA_URL=f"postgresql+psycopg://{APP_ROLE}@127.0.0.1:{self.ports.replica}/{DATABASE}",
            REDIS_URL=f"redis://127.0.0.1:{self.ports.redis}/0",
            # The balancer's address: X-Forwarded-For/-Proto are believed from it only.
            TRUSTED_PROXIES="127.0.0.1",
            PUBLIC_BASE_URL=self.url, REFLEX_API_URL=self.url, GRANIAN_WORKERS="1",
            SQLITE_PATH=str(self.root / "unused.db"), UPLOAD_DIR=str(self.root / "uploads"),
        )
        env.update(self.extra_env)
        env.update(extra)
        return env

    # --- up -------------------------------------------------------------------------------------

    def up(self, *, seed: bool = True, say=print) -> None:
        if self.root.exists():
            self.down(remove_data=True)
        (self.root / "logs").mkdir(parents=True, exist_ok=True)
        self.secret = secrets.token_urlsafe(48)
        started = time.monotonic()
        try:
            say("PostgreSQL primary and streaming replica ...")
            self.primary.init_primary().start()
            self.replica.init_replica_of(self.primary).start()
            self._psql(self.primary, f"CREATE DATABASE {DATABASE}")
            say("Redis ...")
            self.redis = Daemon("redis", ["redis-server", "--port", str(self.ports.redis), "--bind", "127.0.0.1",
                                          "--save", "", "--appendonly", "yes", "--dir", str(self.root / "logs"),
                                          "--daemonize", "no"], self.root / "logs" / "redis.log").start()
            say("migrations ...")
            self._hub_command("migrate")
            say("pgbouncer ...")
            self.pgbouncer.start()
            if seed:
                self._hub_command("seed-demo", pooled=True)
            for index in range(len(self.apps)):
                say(f"app-{index + 1} (builds its frontend, ~1 min) ...")
                self.start_app(index)
            say("haproxy ...")
            self.haproxy.start()
            wait_for(self._both_in_rotation, 60, "both app instances in the balancer's rotation", interval=0.5)
            for index in range(self.worker_count):
                self.start_worker(index)
        finally:
            self.save()
        say(f"stack up in {time.monotonic() - started:.0f} s")

    def _psql(self, node: PostgresNode, sql: str) -> None:
        import sqlalchemy as sa

        engine = sa.create_engine(node.url(), isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                conn.execute(sa.text(sql))
        finally:
            engine.dispose()

    def _hub_command(self, command: str, *, pooled: bool = False) -> None:
        env = self.env() if pooled else self.env(DATABASE_URL=self.owner_url, DB_TRANSACTION_POOLER="false")
        log = self.root / "logs" / f"{command}.log"
        with log.open("ab") as out:
            subprocess.run([str(VENV_BIN / "python"), "-m", "hub_app", command], cwd=PROJECT_ROOT, env=env,
                           stdout=out, stderr=subprocess.STDOUT, check=True)

    def start_app(self, index: int, timeout: float = 900) -> Daemon:
        name, port = f"app-{index + 1}", self.ports.apps[index]
        home = self.root / name
        metrics = home / "metrics"
        shutil.rmtree(metrics, ignore_errors=True)
        metrics.mkdir(parents=True)
        # Every instance serves the SAME build: the page asks any instance for its script chunks,
        # whose names carry content hashes that differ between two builds. `reflex run` builds
        # under a file lock on the folder, so the second instance waits for the first's build and
        # rebuilds the same sources into the same names (before the balancer sends it anything).
        env = self.env(PORT=str(port), PROMETHEUS_MULTIPROC_DIR=str(metrics),
                       REFLEX_WEB_WORKDIR=str(self.root / "web"), REFLEX_STATES_WORKDIR=str(home / ".states"),
                       REFLEX_UPLOADED_FILES_DIR=str(self.root / "uploaded_files"))
        app = Daemon(name, [str(VENV_BIN / "reflex"), "run", "--env", "prod", "--single-port", "--frontend-port",
                            str(port), "--backend-port", str(port)], self.root / "logs" / f"{name}.log",
                     env=env, cwd=PROJECT_ROOT).start()
        self.apps[index] = app

        def ready() -> bool:
            if not app.alive():
                raise RuntimeError(f"{name} exited:\n{app.log_tail()}")
            return httpx.get(f"http://127.0.0.1:{port}/ready", timeout=3).status_code == 200

        wait_for(ready, timeout, f"{name} /ready", interval=1)
        self.save()
        return app

    def start_worker(self, index: int) -> Daemon:
        name = f"worker-{index + 1}"
        worker = Daemon(name, [str(VENV_BIN / "dramatiq"), "workers.actors", "--processes", "1", "--threads", "4"],
                        self.root / "logs" / f"{name}.log", env=self.env(), cwd=PROJECT_ROOT).start()
        self.workers[index] = worker
        wait_for(lambda: "ready for action" in worker.log_tail(200) or not worker.alive(), 120, f"{name} boot")
        if not worker.alive():
            raise RuntimeError(f"{name} exited:\n{worker.log_tail()}")
        self.save()
        return worker

    def _both_in_rotation(self) -> bool:
        served = {httpx.get(self.url + "/ready", timeout=3).headers.get("x-served-by") for _ in range(4)}
        return served == set(self.haproxy.backends)

    # --- faults the test plays --------------------------------------------------------------------

    def promote_replica(self) -> None:
        """Failover: the primary is gone (stopped), the replica becomes the primary, PgBouncer is
        pointed at it with a config reload. The apps keep their one database address."""
        self.primary.stop("immediate")
        self.replica.promote()
        self.pgbouncer.point_at(self.replica.port)
        self.primary, self.replica = self.replica, self.primary
        self.save()

    # --- state, down, status -------------------------------------------------------------------

    @property
    def state_file(self) -> Path:
        return self.root / "state.json"

    def daemons(self) -> list[Daemon]:
        return [d for d in [*self.apps, *self.workers, self.haproxy.daemon, self.redis] if d is not None]

    def save(self) -> None:
        if not self.root.exists():
            return
        state = {"ports": asdict(self.ports), "secret": self.secret, "primary_port": self.pgbouncer.primary_port,
                 "nodes": {"primary": str(self.primary.root), "replica": str(self.replica.root)},
                 "pids": {d.name: d.pid for d in self.daemons() if d.pid}}
        self.state_file.write_text(json.dumps(state, indent=2))

    @classmethod
    def load(cls, root: Path) -> ReferenceStack:
        state = json.loads((Path(root) / "state.json").read_text())
        stack = cls(root, Ports(**state["ports"]))
        stack.secret = state["secret"]
        stack.pgbouncer.primary_port = state["primary_port"]
        for node in (stack.primary, stack.replica):
            if str(node.root) != state["nodes"][node.name]:  # promoted: the roles swapped
                stack.primary, stack.replica = stack.replica, stack.primary
                break
        for name, pid in state["pids"].items():
            daemon = Daemon(name, [], stack.root / "logs" / f"{name}.log", pid=pid)
            if name.startswith("app-"):
                stack.apps[int(name[4:]) - 1] = daemon
            elif name.startswith("worker-"):
                index = int(name[7:]) - 1
                stack.workers += [None] * (index + 1 - len(stack.workers))
                stack.workers[index] = daemon
            elif name == "haproxy":
                stack.haproxy.daemon = daemon
            elif name == "redis":
                stack.redis = daemon
        return stack

    def down(self, *, remove_data: bool = True) -> None:
        if self.state_file.exists() and not any(d.pid for d in self.daemons()):
            loaded = ReferenceStack.load(self.root)
            loaded.down(remove_data=remove_data)
            return
        for daemon in [*self.apps, *self.workers, self.haproxy.daemon]:
            if daemon is not None:
                daemon.stop()
        self.pgbouncer.stop()
        if self.redis is not None:
            self.redis.stop()
        for node in (self.primary, self.replica):
            if node.data.exists():
                node.stop("fast")
        if remove_data:
            for path in (self.primary.root, self.replica.root, self.pgbouncer.root / "pgbouncer.pid",
                         *(self.root / f"app-{i + 1}" for i in range(len(self.apps)))):
                # (the frontend build, root/web, stays: the next `up` rebuilds it faster)
                if path.is_dir():
                    shutil.rmtree(path, ignore_errors=True)
        self.state_file.unlink(missing_ok=True)

    def status(self) -> dict[str, str]:
        found = {d.name: ("up" if d.alive() else "down") for d in self.daemons()}
        found["pgbouncer"] = "up" if self.pgbouncer._pid() and pid_alive(self.pgbouncer._pid()) else "down"
        for node in (self.primary, self.replica):
            found[f"postgres {node.name} :{node.port}"] = "up" if node.data.exists() and node.running() else "down"
        return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=["up", "down", "status"])
    parser.add_argument("--root", type=Path, default=PROJECT_ROOT / ".stack")
    parser.add_argument("--no-seed", action="store_true", help="skip the demo stores and logins")
    args = parser.parse_args(argv)
    if args.action == "up":
        stack = ReferenceStack(args.root)
        try:
            stack.up(seed=not args.no_seed)
        except Exception:
            print(f"stack failed to come up; logs in {args.root / 'logs'}; taking it down", file=sys.stderr)
            stack.down()
            raise
        print(f"\nAppointment Hub at {stack.url}  (admin: {stack.url}/admin, logs: {args.root / 'logs'})")
        print("demo logins: see", args.root / "logs" / "seed-demo.log")
        print("take it down with: make stack-down")
        return 0
    if not (args.root / "state.json").exists():
        print(f"no stack under {args.root}")
        return 0
    stack = ReferenceStack.load(args.root)
    if args.action == "down":
        stack.down()
        print("stack down; logs kept in", args.root / "logs")
    else:
        for name, state in stack.status().items():
            print(f"{name:32} {state}")
    return 0


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    sys.exit(main())
