"""A local stand-in for easysms.gr speaking its wire format, for tests and development.

- `/api/sms/send` takes form (or query) parameters key, to, from, text, type, ucs, callback;
  answers `{"status":"1","id":…,"remarks":"Success","error":"0","balance":…}` with type=json,
  the bare message id otherwise (the "v2" answer), and `{"status":"0","error":code,"remarks":…}`
  for a wrong key (101), no number (102), invalid number (103), no text (104), no balance (105),
  or an invalid sender (40).
- `/api/me/balance` answers `{"status":"1","balance":…}`.
- `queue_answer()` makes the next send answer something else (an HTTP 500, an HTML page, an
  error code), for failure tests.
- `report(msgid, status)` calls the message's callback URL as EasySMS does (msgid and status
  appended), by GET or POST.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx

ERRORS = {
    "101": "Wrong account key", "102": "No phone number", "103": "Invalid phone number",
    "104": "No text", "105": "Insufficient balance", "40": "Invalid sender",
}


@dataclass
class Received:
    method: str
    path: str
    content_type: str
    params: dict[str, str]
    target: str = ""      # the request line's target: absolute-form when it came through a proxy


@dataclass
class Sent:
    id: str
    to: str
    sender: str
    text: str
    ucs: bool
    callback: str | None


@dataclass
class CannedAnswer:
    status_code: int
    body: str
    content_type: str = "application/json"


@dataclass
class FakeEasySms:
    api_key: str = "test-api-key"
    balance: int = 100
    requests: list[Received] = field(default_factory=list)
    sent: dict[str, Sent] = field(default_factory=dict)
    _answers: list[CannedAnswer] = field(default_factory=list)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(358731178))
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None

    # --- control -----------------------------------------------------------------------------

    def start(self) -> "FakeEasySms":
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                fake._handle(self)

            def do_POST(self):  # noqa: N802
                fake._handle(self)

            def log_message(self, *args):  # keep test output clean
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def queue_answer(self, status_code: int = 200, body: str | dict = "", content_type: str = "application/json") -> None:
        text = json.dumps(body) if isinstance(body, dict) else body
        self._answers.append(CannedAnswer(status_code, text, content_type))

    def sends(self) -> list[Received]:
        return [r for r in self.requests if r.path == "/api/sms/send"]

    def report(self, msgid: str, status: str, method: str = "GET") -> httpx.Response:
        """Deliver a delivery report to the callback URL given when the message was sent."""
        callback = self.sent[msgid].callback
        assert callback, "message was sent without a callback URL"
        data = {"msgid": msgid, "status": status}
        if method == "GET":
            glue = "&" if urlsplit(callback).query else "?"
            return httpx.get(callback + glue + urlencode(data), timeout=10)
        return httpx.post(callback, data=data, timeout=10)

    # --- the API -----------------------------------------------------------------------------

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        url = urlsplit(handler.path)
        params = dict(parse_qsl(url.query, keep_blank_values=True))
        content_type = handler.headers.get("Content-Type", "")
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        if raw and content_type.startswith("application/x-www-form-urlencoded"):
            params.update(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
        with self._lock:
            self.requests.append(Received(handler.command, url.path, content_type, params, handler.path))
            if url.path == "/api/sms/send":
                status, body, ctype = self._send(params)
            elif url.path == "/api/me/balance":
                status, body, ctype = 200, json.dumps({"status": "1", "balance": str(self.balance)}), "application/json"
            else:
                status, body, ctype = 404, "<html><body>Not found</body></html>", "text/html"
        payload = body.encode("utf-8")
        handler.send_response(status)
        handler.send_header("Content-Type", ctype)
        handler.send_header("Content-Length", str(len(payload)))
        handler.end_headers()
        handler.wfile.write(payload)

    def _send(self, params: dict[str, str]) -> tuple[int, str, str]:
        if self._answers:
            canned = self._answers.pop(0)
            return canned.status_code, canned.body, canned.content_type
        as_json = params.get("type") == "json"
        code = self._error_for(params)
        if code is not None:
            body = {"status": "0", "error": code, "remarks": ERRORS[code]}
            return 200, json.dumps(body) if as_json else f"ERROR {code}", "application/json" if as_json else "text/plain"
        msgid = str(next(self._ids))
        self.sent[msgid] = Sent(msgid, params["to"], params["from"], params["text"],
                                params.get("ucs") == "true", params.get("callback"))
        self.balance -= 1
        if not as_json:
            return 200, msgid, "text/plain"
        body = {"status": "1", "id": msgid, "remarks": "Success", "error": "0", "balance": str(self.balance)}
        return 200, json.dumps(body), "application/json"

    def _error_for(self, params: dict[str, str]) -> str | None:
        if params.get("key") != self.api_key:
            return "101"
        if not params.get("to"):
            return "102"
        if not re.fullmatch(r"[1-9]\d{9,14}", params["to"]):
            return "103"
        if not params.get("text"):
            return "104"
        sender = params.get("from", "")
        if not (re.fullmatch(r"[A-Za-z0-9 .\-]{1,11}", sender) or re.fullmatch(r"\d{1,16}", sender)):
            return "40"
        if self.balance <= 0:
            return "105"
        return None
