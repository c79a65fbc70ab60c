"""A real Radicale CalDAV server for the tests: its own process on a free port, a temporary
storage folder and htpasswd users (plain text, test only)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import caldav


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class RadicaleServer:
    url: str
    folder: Path
    process: subprocess.Popen
    users: dict[str, str]
    _clients: dict[str, caldav.DAVClient] = field(default_factory=dict)

    def account(self, user: str = "staff") -> tuple[str, str, str]:
        """(server URL, user, password) of a test account."""
        return self.url, user, self.users[user]

    def client(self, user: str = "staff") -> caldav.DAVClient:
        # One per user: the first request of a client pays for the authentication handshake.
        if user not in self._clients:
            self._clients[user] = caldav.DAVClient(url=self.url, username=user, password=self.users[user], timeout=120)
        return self._clients[user]

    def new_calendar(self, user: str = "staff", name: str | None = None) -> str:
        """A fresh calendar of `user`; returns its URL."""
        cal_id = f"cal-{uuid.uuid4().hex[:10]}"
        cal = self.client(user).principal().make_calendar(name=name or cal_id, cal_id=cal_id)
        return str(cal.url)

    def put_event(self, calendar_url: str, name: str, ics: str, user: str = "staff") -> None:
        response = self.client(user).put(calendar_url.rstrip("/") + "/" + name, ics,
                                         {"Content-Type": "text/calendar; charset=utf-8"})
        assert response.status in (201, 204), response.status

    def delete_event(self, calendar_url: str, name: str, user: str = "staff") -> None:
        self.client(user).delete(calendar_url.rstrip("/") + "/" + name)

    def hrefs(self, calendar_url: str, user: str = "staff") -> list[str]:
        cal = self.client(user).calendar(url=calendar_url)
        listing = cal.objects_by_sync_token(sync_token=None, load_objects=False).objects
        # Radicale lists removed members too, as tombstones without an ETag.
        return sorted(str(o.url) for o in listing if (o.props or {}).get("{DAV:}getetag"))

    def texts(self, calendar_url: str, user: str = "staff") -> dict[str, str]:
        cal = self.client(user).calendar(url=calendar_url)
        urls = self.hrefs(calendar_url, user)
        return {str(o.url): o.data for o in cal.multiget([caldav.lib.url.URL.objectify(u) for u in urls])} if urls else {}


def start_radicale(folder: Path, users: dict[str, str] | None = None) -> RadicaleServer:
    users = users or {"staff": "app-password-1", "other": "app-password-2"}
    folder.mkdir(parents=True, exist_ok=True)
    htpasswd = folder / "users"
    htpasswd.write_text("".join(f"{u}:{p}\n" for u, p in users.items()))
    port = free_port()
    log = open(folder / "radicale.log", "w")
    process = subprocess.Popen(
        [sys.executable, "-m", "radicale", "--server-hosts", f"127.0.0.1:{port}",
         "--auth-type", "htpasswd", "--auth-htpasswd-filename", str(htpasswd),
         "--auth-htpasswd-encryption", "plain", "--storage-filesystem-folder", str(folder / "storage"),
         "--auth-delay", "0", "--logging-level", "warning"],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True, env={**os.environ, "PYTHONWARNINGS": "ignore"})
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"Radicale exited: {(folder / 'radicale.log').read_text()[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            time.sleep(0.1)
    else:
        process.kill()
        raise RuntimeError("Radicale did not start within 20 s")
    return RadicaleServer(url=f"http://127.0.0.1:{port}/", folder=folder, process=process, users=users)


def stop_radicale(server: RadicaleServer) -> None:
    os.killpg(server.process.pid, signal.SIGTERM)
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(server.process.pid, signal.SIGKILL)
