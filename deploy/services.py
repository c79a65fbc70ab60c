"""The parts of the reference deployment, each a real program from a Debian package.

- `PostgresNode`: a PostgreSQL cluster in a data directory of its own, run as the `postgres` OS
  user (initdb for the primary, `pg_basebackup -R` for the streaming replica, `pg_ctl promote`);
- `PgBouncer`: transaction pooling in front of whichever node is the primary (config reload on
  failover);
- `HaProxy`: the load balancer in front of the app instances;
- `Daemon`: any other long-running process (Redis, an app instance, a Dramatiq worker) in its own
  process group with its log, found again by its pid after the command that started it exited.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import string
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

PG_BIN = Path("/usr/lib/postgresql/15/bin")
TEMPLATES = Path(__file__).resolve().parent / "templates"


def wait_for(check, timeout: float, what: str, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            value = check()
            if value:
                return value
        except Exception as exc:  # not up yet
            last = exc
        time.sleep(interval)
    raise TimeoutError(f"{what} not reached within {timeout:.0f} s" + (f" (last error: {last})" if last else ""))


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie (our own exited child not yet reaped) is not alive
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _as_postgres(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def _give_to_postgres(path: Path) -> None:
    if os.geteuid() == 0:
        entry = pwd.getpwnam("postgres")
        os.chown(path, entry.pw_uid, entry.pw_gid)


def render(template: str, target: Path, **values) -> Path:
    target.write_text(string.Template((TEMPLATES / template).read_text()).substitute(values))
    return target


@dataclass
class Daemon:
    """A process group started by us; `pid` is its leader (and the group id)."""

    name: str
    command: list[str]
    log: Path
    env: dict[str, str] | None = None
    cwd: Path | None = None
    pid: int | None = None
    _proc: subprocess.Popen | None = field(default=None, repr=False)

    def start(self) -> Daemon:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as out:
            self._proc = subprocess.Popen(self.command, env=self.env, cwd=self.cwd, stdin=subprocess.DEVNULL,
                                          stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        self.pid = self._proc.pid
        return self

    def alive(self) -> bool:
        if self._proc is not None:
            return self._proc.poll() is None
        return self.pid is not None and pid_alive(self.pid)

    def send(self, sig: int) -> None:
        if self.pid is not None:
            try:
                os.killpg(self.pid, sig)
            except ProcessLookupError:
                pass

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20) -> None:
        if self.pid is None:
            return
        self.send(sig)
        try:
            wait_for(lambda: not self.alive(), timeout, f"{self.name} to stop")
        except TimeoutError:
            self.send(signal.SIGKILL)
            wait_for(lambda: not self.alive(), 10, f"{self.name} to die")
        self.send(signal.SIGKILL)  # stragglers of the group (granian workers, node)
        self.pid, self._proc = None, None

    def kill(self) -> None:
        """SIGKILL the whole group at once: no clean-up, no acknowledgements (a crash)."""
        self.stop(signal.SIGKILL, timeout=10)

    def log_tail(self, lines: int = 30) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


@dataclass
class PostgresNode:
    name: str
    root: Path  # the node's folder: data/ and server.log inside
    port: int
    options: str = ""  # this node's own server settings (not copied to a replica)

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def log(self) -> Path:
        return self.root / "server.log"

    def url(self, database: str = "postgres", user: str = "postgres") -> str:
        return f"postgresql+psycopg://{user}@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run(_as_postgres([str(PG_BIN / args[0]), *args[1:]]), stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, cwd=self.root)
        if check and result.returncode:
            raise RuntimeError(f"{self.name}: {' '.join(args[:2])} failed:\n{result.stdout[-2000:]}")
        return result

    def _prepare_root(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        _give_to_postgres(self.root)

    def init_primary(self) -> PostgresNode:
        self._prepare_root()
        # initdb -A trust also lets 127.0.0.1 connect for replication (pg_hba.conf).
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")
        return self

    def init_replica_of(self, primary: PostgresNode) -> PostgresNode:
        self._prepare_root()
        # -R writes standby.signal and primary_conninfo: the copy starts as a streaming standby.
        self._run("pg_basebackup", "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres", "-D",
                  str(self.data), "-R", "-X", "stream", "-c", "fast")
        return self

    def start(self) -> PostgresNode:
        options = (f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} -c max_connections=200 "
                   f"-c hot_standby_feedback=on {self.options}")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "-t", "60", "start")
        return self

    def stop(self, mode: str = "fast") -> None:
        if (self.data / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop", check=False)

    def promote(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-w", "-t", "60", "promote")

    def running(self) -> bool:
        return self._run("pg_ctl", "-D", str(self.data), "status", check=False).returncode == 0


@dataclass
class PgBouncer:
    root: Path
    port: int
    database: str
    primary_port: int
    pool_size: int = 20  # server connections per user
    daemon: Daemon | None = None

    @property
    def ini(self) -> Path:
        return self.root / "pgbouncer.ini"

    def write_config(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        _give_to_postgres(self.root)
        # trust: the user names must still be listed; the servers behind check nothing either here.
        (self.root / "userlist.txt").write_text('"postgres" ""\n"hub_tenant" ""\n')
        render("pgbouncer.ini", self.ini, database=self.database, primary_port=self.primary_port, port=self.port,
               root=self.root, pool_size=self.pool_size)

    def start(self) -> PgBouncer:
        self.write_config()
        # PgBouncer refuses to run as root: the postgres OS user runs it.
        self.daemon = Daemon("pgbouncer", _as_postgres(["/usr/sbin/pgbouncer", str(self.ini)]),
                             self.root / "stdout.log").start()
        wait_for(self._accepts, 20, "pgbouncer")
        return self

    def _accepts(self) -> bool:
        import socket

        with socket.create_connection(("127.0.0.1", self.port), timeout=1):
            return True

    def _pid(self) -> int | None:
        try:
            return int((self.root / "pgbouncer.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def point_at(self, primary_port: int) -> None:
        """Failover: send new transactions to another primary. RELOAD (SIGHUP) re-reads the file;
        server connections to the old address are closed as they come back to the pool."""
        self.primary_port = primary_port
        self.write_config()
        pid = self._pid()
        if pid is None:
            raise RuntimeError("pgbouncer is not running")
        os.kill(pid, signal.SIGHUP)

    def stop(self) -> None:
        pid = self._pid()
        if pid is not None and pid_alive(pid):
            os.kill(pid, signal.SIGTERM)
            wait_for(lambda: not pid_alive(pid), 15, "pgbouncer to stop")
        if self.daemon is not None:
            self.daemon.stop()
        (self.root / "pgbouncer.pid").unlink(missing_ok=True)

    def restart(self) -> None:
        self.stop()
        self.start()


@dataclass
class HaProxy:
    root: Path
    port: int
    backends: dict[str, int]  # instance name -> port
    daemon: Daemon | None = None

    @property
    def cfg(self) -> Path:
        return self.root / "haproxy.cfg"

    def start(self) -> HaProxy:
        self.root.mkdir(parents=True, exist_ok=True)
        servers = "\n".join(f"    server {name} 127.0.0.1:{port} check" for name, port in self.backends.items())
        render("haproxy.cfg", self.cfg, lb_port=self.port, servers=servers)
        haproxy = shutil.which("haproxy") or "/usr/sbin/haproxy"
        subprocess.run([haproxy, "-c", "-q", "-f", str(self.cfg)], check=True)
        # -db: stay in the foreground (our Daemon keeps its pid and log).
        self.daemon = Daemon("haproxy", [haproxy, "-db", "-f", str(self.cfg)], self.root / "haproxy.log").start()
        return self

    def stop(self) -> None:
        if self.daemon is not None:
            self.daemon.stop()
