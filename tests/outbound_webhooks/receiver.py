"""A real HTTP receiver of outbound webhooks, as an integrator would write one.

It checks every request's signature with the endpoint's secret (the `verify_signature` the README
tells integrators to copy), processes each event id once, and can be told to fail the first N
requests or to answer slowly.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from hub_app.domain.outbound_webhooks.signing import verify_signature


@dataclass
class Received:
    event_id: str
    event_type: str
    signature_ok: bool
    body: dict
    headers: dict


@dataclass
class Receiver:
    secret: str | None = None
    fail_first: int = 0
    fail_status: int = 500
    delay_seconds: float = 0.0
    requests: list[Received] = field(default_factory=list)
    processed: dict[str, dict] = field(default_factory=dict)  # event id -> body, once each
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> "Receiver":
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (the standard library's name)
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if receiver.delay_seconds:
                    time.sleep(receiver.delay_seconds)
                ok = receiver.secret is not None and verify_signature(
                    receiver.secret, self.headers.get("Hub-Signature", ""), raw)
                body = json.loads(raw)
                with receiver._lock:
                    receiver.requests.append(Received(self.headers.get("Hub-Event-Id", ""),
                                                      self.headers.get("Hub-Event-Type", ""), ok, body,
                                                      dict(self.headers)))
                    failing = len(receiver.requests) <= receiver.fail_first
                    if ok and not failing:
                        receiver.processed.setdefault(body["id"], body)  # dedupe by event id
                status = 400 if not ok else (receiver.fail_status if failing else 200)
                answer = b"bad signature" if not ok else (b"try later" if failing else b"thanks")
                self.send_response(status)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/hooks"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
