"""Private services and app processes for fault tests, benchmarks and the scale-out check.

Everything here runs on its own port and in its own directory, so stopping or restarting it
affects only the caller — never the shared PostgreSQL/Redis of the machine:

- `PrivateRedis`: `redis-server` without persistence on a spare port (stop/start at will);
- `PrivatePostgres`: a throw-away cluster made with initdb in a temp dir (run as the `postgres`
  OS user when we are root), started and restarted with pg_ctl;
- `ApiServer`: the app's ASGI routes (`create_api()`: API, webhooks, admin, /ready, /metrics)
  under uvicorn, in a subprocess with its own environment;
- `WorkerProcess`: a Dramatiq worker (`bench/worker.py`) for the same environment.
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ProcessExited(RuntimeError):
    """A process we wait for died: waiting longer cannot help."""


def wait_until(check, timeout: float, interval: float = 0.1, what: str = "condition"):
    """Poll `check()` until it returns a truthy value (returned) or `timeout` seconds pass."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            value = check()
            if value:
                return value
        except ProcessExited:
            raise
        except Exception as exc:  # the thing is not up yet
            last_error = exc
        time.sleep(interval)
    raise TimeoutError(f"{what} not reached within {timeout}s" + (f" (last error: {last_error})" if last_error else ""))


def stop_process_group(proc: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 15) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, sig)
        proc.wait(timeout=timeout)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)


class PrivateRedis:
    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> PrivateRedis:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--daemonize", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        wait_until(self.ping, 10, what=f"redis on {self.port}")
        return self

    def ping(self) -> bool:
        import redis

        client = redis.Redis(port=self.port, socket_connect_timeout=0.5)
        try:
            return bool(client.ping())
        finally:
            client.close()

    def stop(self) -> None:
        if self.proc is not None:
            stop_process_group(self.proc, timeout=5)
            self.proc = None

    def pause(self) -> None:
        """Freeze the server (SIGSTOP): connections stay open but nothing answers."""
        os.kill(self.proc.pid, signal.SIGSTOP)

    def resume(self) -> None:
        os.kill(self.proc.pid, signal.SIGCONT)


def _postgres_bin() -> Path:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if not candidates:
        raise RuntimeError("PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin")
    return Path(candidates[-1]).parent


class PrivatePostgres:
    """A PostgreSQL cluster of our own (trust auth, fsync off: it is thrown away afterwards)."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.bin = _postgres_bin()
        self.root = Path(tempfile.mkdtemp(prefix="hub-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres:
            shutil.chown(self.root, "postgres", "postgres")

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        command = [str(self.bin / args[0]), *args[1:]]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, check=check, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, cwd=self.root)

    @property
    def admin_url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def init(self) -> PrivatePostgres:
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")
        return self

    def start(self) -> PrivatePostgres:
        options = (f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "-t", "60", "start")
        return self

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop", check=False)

    def restart(self, mode: str = "fast") -> None:
        self.stop(mode)
        self.start()

    def create_database(self) -> str:
        import sqlalchemy as sa

        name = f"hub_{uuid.uuid4().hex[:10]}"
        engine = sa.create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
        return self.admin_url.rsplit("/", 1)[0] + "/" + name

    def destroy(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


def app_environment(database_url: str, redis_url: str | None, **extra: str) -> dict[str, str]:
    """The environment of an app or worker process: our own database, Redis and queue namespace."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "HUB_QUEUE_NAMESPACE",
                                                          "PROMETHEUS_MULTIPROC_DIR"}}
    env.update(HUB_ENV="test", DATABASE_URL=database_url, HUB_QUEUE_NAMESPACE=f"hub-{uuid.uuid4().hex[:8]}",
               PYTHONPATH=str(PROJECT_ROOT), LOG_FORMAT="json")
    if redis_url:
        env["REDIS_URL"] = redis_url
    env.update(extra)
    return env


def migrate(env: dict[str, str]) -> None:
    subprocess.run([PYTHON, "-m", "hub_app", "migrate"], cwd=PROJECT_ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


class _Process:
    log_name = "process"

    def __init__(self, env: dict[str, str], log_dir: Path | None = None) -> None:
        self.env = env
        self.log_dir = Path(log_dir or tempfile.mkdtemp(prefix="hub-proc-"))
        self.log_path = self.log_dir / f"{self.log_name}-{uuid.uuid4().hex[:6]}.log"
        self.proc: subprocess.Popen | None = None

    def _spawn(self, command: list[str]) -> None:
        self._log = self.log_path.open("wb")
        self.proc = subprocess.Popen(command, cwd=PROJECT_ROOT, env=self.env, stdin=subprocess.DEVNULL,
                                     stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc is not None:
            stop_process_group(self.proc, sig)
            self.proc = None
            self._log.close()

    def kill(self) -> None:
        """SIGKILL the whole process group at once: no clean-up, no acknowledgements."""
        if self.proc is not None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
            self.proc = None
            self._log.close()

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


class ApiServer(_Process):
    log_name = "api"

    def __init__(self, env: dict[str, str], port: int | None = None, log_dir: Path | None = None) -> None:
        super().__init__(env, log_dir)
        self.port = port or free_port()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> ApiServer:
        self._spawn([PYTHON, "-m", "uvicorn", "--factory", "hub_app.api.app:create_api", "--host", "127.0.0.1",
                     "--port", str(self.port), "--no-access-log", "--timeout-graceful-shutdown", "5"])

        def up() -> bool:
            if self.proc.poll() is not None:
                raise ProcessExited(f"API server exited:\n{self.log_text()[-3000:]}")
            return httpx.get(self.url + "/api/v1/openapi.json", timeout=2).status_code == 200

        wait_until(up, timeout, interval=0.2, what="API server")
        return self


class ProductionServer(_Process):
    """`reflex run --env prod --single-port`: pages, websocket, API, admin, webhooks on one port.

    The first start builds the frontend into .web/ of the project (what `make run` does).
    """

    log_name = "reflex"

    def __init__(self, env: dict[str, str], port: int | None = None, log_dir: Path | None = None) -> None:
        super().__init__(env, log_dir)
        self.port = port or free_port()
        venv_bin = str(Path(PYTHON).parent)
        self.env = {**env, "PATH": f"{venv_bin}{os.pathsep}{env.get('PATH', '')}", "REFLEX_USE_NPM": "1",
                    "REFLEX_TELEMETRY_ENABLED": "false", "REFLEX_CHECK_LATEST_VERSION": "false",
                    "PORT": str(self.port), "PUBLIC_BASE_URL": f"http://127.0.0.1:{self.port}"}
        for name in ("REFLEX_FRONTEND_PORT", "REFLEX_BACKEND_PORT", "REFLEX_API_URL"):
            self.env.pop(name, None)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 600) -> ProductionServer:
        reflex = str(Path(PYTHON).parent / "reflex")
        self._spawn([reflex, "run", "--env", "prod", "--single-port", "--frontend-port", str(self.port),
                     "--backend-port", str(self.port)])

        def up() -> bool:
            if self.proc.poll() is not None:
                raise ProcessExited(f"production server exited:\n{self.log_text()[-3000:]}")
            return httpx.get(self.url + "/ping", timeout=2).status_code == 200

        wait_until(up, timeout, interval=1, what="production server /ping")
        return self


class WorkerProcess(_Process):
    """`python -m bench.worker` (tunable timings), or with `cli=True` the production command
    `dramatiq workers.actors --processes 1 --threads N`."""

    log_name = "worker"

    def start_cli(self, *, threads: int = 2, wait_seconds: float = 60) -> WorkerProcess:
        dramatiq_cli = str(Path(PYTHON).parent / "dramatiq")
        self._spawn([dramatiq_cli, "workers.actors", "--processes", "1", "--threads", str(threads)])
        wait_until(lambda: "ready for action" in self.log_text() or self._exited(), wait_seconds, what="worker boot")
        if self.proc.poll() is not None:
            raise RuntimeError(f"worker exited:\n{self.log_text()[-3000:]}")
        return self

    def start(self, *, threads: int = 2, heartbeat_ms: int | None = None, always_maintain: bool = False,
              fast_sweeps: bool = False, wait_seconds: float = 30) -> WorkerProcess:
        command = [PYTHON, "-m", "bench.worker", "--threads", str(threads)]
        if fast_sweeps:
            command += ["--fast-sweeps"]
        if heartbeat_ms is not None:
            command += ["--heartbeat-ms", str(heartbeat_ms)]
        if always_maintain:
            command += ["--always-maintain"]
        self._spawn(command)
        wait_until(lambda: "worker ready" in self.log_text() or self._exited(), wait_seconds, what="worker boot")
        if self.proc.poll() is not None:
            raise RuntimeError(f"worker exited:\n{self.log_text()[-3000:]}")
        return self

    def _exited(self) -> bool:
        return self.proc.poll() is not None
