"""A small stateful fake of the Stripe API on 127.0.0.1, speaking Stripe's wire format.

- Requests: form-encoded bodies with nested keys (`metadata[booking_id]=7`,
  `line_items[0][price_data][currency]=eur`), Bearer secret key, `Stripe-Account` and
  `Idempotency-Key` headers (same key + same params -> the same response; other params -> 400
  idempotency_error), every request recorded.
- Responses: JSON objects with Stripe-like ids (`cs_test_…`, `pi_…`, `re_…`, `prod_…`, `price_…`,
  `sub_…`, `cus_…`, `acct_…`, `in_…`), and error bodies `{"error": {"type", "code", "message"}}`
  with Stripe's statuses (400, 401, 404, 402...). One-off failures can be queued with `fail_next`.
- Webhooks: events in Stripe's envelope, signed `Stripe-Signature: t=…,v1=HMAC_SHA256("t.payload")`
  with the platform or the Connect endpoint secret, delivered to `webhook_target` (a URL, or a
  callable(body, headers) -> status for in-process tests).
- A hosted checkout page at `session.url` with a Pay button: paying completes the session, sends
  its events, then redirects to `success_url` (for browser tests).
"""

from __future__ import annotations

import hashlib
import hmac
import html
import json
import queue
import re
import secrets
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.stripe.fake_stripe_objects import FakeStripeState

WebhookTarget = Callable[[bytes, dict[str, str]], int] | str | None


def sign(payload: str, secret: str, timestamp: int | None = None) -> str:
    """The Stripe-Signature header value for `payload`."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def parse_form(body: str) -> dict[str, Any]:
    """Decode Stripe's bracketed form keys into nested dicts and lists."""
    root: dict[str, Any] = {}
    for key, value in parse_qsl(body, keep_blank_values=True):
        parts = re.findall(r"[^\[\]]+|\[\]", key)
        node = root
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            if part == "[]":
                part = str(len(node))
            if last:
                node[part] = value
            else:
                node = node.setdefault(part, {})
    return _lists(root)


def _lists(node: Any) -> Any:
    if isinstance(node, dict):
        node = {k: _lists(v) for k, v in node.items()}
        if node and all(k.isdigit() for k in node):
            return [node[k] for k in sorted(node, key=int)]
    return node


@dataclass
class RecordedRequest:
    method: str
    path: str
    params: dict[str, Any]
    headers: dict[str, str]

    @property
    def idempotency_key(self) -> str | None:
        return self.headers.get("idempotency-key")

    @property
    def stripe_account(self) -> str | None:
        return self.headers.get("stripe-account")


@dataclass
class Delivery:
    event: dict[str, Any]
    status: int


class StripeError(Exception):
    def __init__(self, status: int, type_: str, message: str, code: str | None = None, param: str | None = None):
        super().__init__(message)
        self.status, self.body = status, {"error": {"type": type_, "code": code, "message": message, "param": param}}


@dataclass
class _Delay:
    method: str
    path_prefix: str
    seconds: float
    after_processing: bool
    reached: threading.Event


@dataclass
class _Failure:
    method: str
    path_prefix: str
    status: int
    error_type: str
    message: str
    code: str | None


@dataclass
class FakeStripe:
    secret_key: str = "sk_test_fake"
    webhook_secret: str = "whsec_platform_test"
    connect_webhook_secret: str = "whsec_connect_test"
    webhook_target: WebhookTarget = None
    auto_deliver: bool = True
    requests: list[RecordedRequest] = field(default_factory=list)
    deliveries: list[Delivery] = field(default_factory=list)
    held_events: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.lock = threading.RLock()
        self.state = FakeStripeState(self)
        self._idempotent: dict[tuple[str | None, str], tuple[str, int, dict]] = {}
        self._failures: list[_Failure] = []
        self._delays: list[_Delay] = []
        self._server: ThreadingHTTPServer | None = None
        self._outbox: queue.Queue = queue.Queue()
        self.url = ""

    # --- lifecycle ----------------------------------------------------------------------------

    def start(self) -> "FakeStripe":
        fake = self

        class Handler(_Handler):
            stripe = fake

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        threading.Thread(target=self._deliver_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._outbox.put(None)
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def app_env(self) -> dict[str, str]:
        """Environment for an app process that should talk to this fake."""
        return {"STRIPE_SECRET_KEY": self.secret_key, "STRIPE_WEBHOOK_SECRET": self.webhook_secret,
                "STRIPE_CONNECT_WEBHOOK_SECRET": self.connect_webhook_secret, "STRIPE_API_BASE": self.url}

    # --- test controls ------------------------------------------------------------------------

    def fail_next(self, method: str, path_prefix: str, status: int = 402, error_type: str = "card_error",
                  message: str = "Your card was declined.", code: str | None = "card_declined") -> None:
        self._failures.append(_Failure(method, path_prefix, status, error_type, message, code))

    def delay_next(self, method: str, path_prefix: str, seconds: float, *,
                   after_processing: bool = False) -> threading.Event:
        """Answer the next matching request `seconds` late: before doing anything, or after the
        work is done (the object exists) but before the answer is sent. The returned event is set
        when the delay starts, i.e. while the caller is waiting for Stripe."""
        delay = _Delay(method, path_prefix, seconds, after_processing, threading.Event())
        with self.lock:
            self._delays.append(delay)
        return delay.reached

    def _take_delay(self, method: str, path: str) -> _Delay | None:
        with self.lock:
            for delay in self._delays:
                if delay.method == method and path.startswith(delay.path_prefix):
                    self._delays.remove(delay)
                    return delay
        return None

    def requests_to(self, method: str, path_prefix: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.method == method and r.path.startswith(path_prefix)]

    def object(self, object_id: str) -> dict[str, Any]:
        return self.state.objects[object_id]

    # Higher-level actions (a client paying, Stripe updating an account) live on the state.
    def __getattr__(self, name: str):
        if name.startswith("_") or name in {"state", "lock"}:
            raise AttributeError(name)
        return getattr(self.state, name)

    # --- events -------------------------------------------------------------------------------

    def make_event(self, type_: str, obj: dict[str, Any], *, account: str | None = None,
                   created: int | None = None, previous_attributes: dict | None = None) -> dict[str, Any]:
        data: dict[str, Any] = {"object": json.loads(json.dumps(obj))}
        if previous_attributes is not None:
            data["previous_attributes"] = previous_attributes
        event = {"id": f"evt_{secrets.token_hex(12)}", "object": "event", "type": type_,
                 "api_version": "2026-10-28.endive", "created": created or int(time.time()),
                 "livemode": False, "pending_webhooks": 1, "request": {"id": None, "idempotency_key": None},
                 "data": data}
        if account:
            event["account"] = account
        return event

    def emit(self, type_: str, obj: dict[str, Any], **kw) -> dict[str, Any]:
        """Send an event the way Stripe does: asynchronously, in order, after the change happened."""
        event = self.make_event(type_, obj, **kw)
        if self.auto_deliver:
            self._outbox.put(event)
        else:
            self.held_events.append(event)
        return event

    def wait_idle(self, timeout: float = 30.0) -> None:
        """Block until every emitted event has been delivered."""
        deadline = time.monotonic() + timeout
        while self._outbox.unfinished_tasks:
            if time.monotonic() > deadline:
                raise TimeoutError("webhook deliveries did not finish")
            time.sleep(0.01)

    @property
    def idle(self) -> bool:
        return not self._outbox.unfinished_tasks

    def _deliver_forever(self) -> None:
        while True:
            event = self._outbox.get()
            try:
                if event is None:
                    return
                self.deliver(event)
            finally:
                self._outbox.task_done()

    def deliver(self, event: dict[str, Any], *, secret: str | None = None, timestamp: int | None = None,
                signature: str | None = None, body: str | None = None) -> int:
        """Send one event to the webhook target, signed like Stripe signs it (or as overridden)."""
        payload = body if body is not None else json.dumps(event, indent=2)
        if secret is None:
            secret = self.connect_webhook_secret if event.get("account") else self.webhook_secret
        headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "Stripe/1.0"}
        header = signature if signature is not None else sign(payload, secret, timestamp)
        if header:
            headers["Stripe-Signature"] = header
        status = self._post(payload.encode(), headers)
        self.deliveries.append(Delivery(event, status))
        return status

    def _post(self, body: bytes, headers: dict[str, str]) -> int:
        target = self.webhook_target
        if target is None:
            return 0
        if callable(target):
            return target(body, headers)
        request = urllib.request.Request(target, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code

    # --- request handling ---------------------------------------------------------------------

    def handle_api(self, method: str, path: str, params: dict, headers: dict[str, str]) -> tuple[int, dict]:
        with self.lock:
            self.requests.append(RecordedRequest(method, path, params, headers))
            if headers.get("authorization") != f"Bearer {self.secret_key}":
                return 401, StripeError(401, "invalid_request_error", "Invalid API Key provided.",
                                        "api_key_invalid").body
            for failure in self._failures:
                if failure.method == method and path.startswith(failure.path_prefix):
                    self._failures.remove(failure)
                    return failure.status, StripeError(failure.status, failure.error_type, failure.message,
                                                       failure.code).body
            account = headers.get("stripe-account")
            key = headers.get("idempotency-key") if method == "POST" else None
            fingerprint = json.dumps([method, path, params], sort_keys=True)
            if key and (account, key) in self._idempotent:
                seen, status, body = self._idempotent[(account, key)]
                if seen != fingerprint:
                    return 400, StripeError(400, "idempotency_error",
                                            "Keys for idempotent requests can only be used with the same "
                                            "parameters they were first used with.").body
                return status, body
            try:
                status, body = 200, self.state.route(method, path, params, account)
            except StripeError as exc:
                status, body = exc.status, exc.body
            if key and status < 500:
                self._idempotent[(account, key)] = (fingerprint, status, body)
            return status, body


class _Handler(BaseHTTPRequestHandler):
    stripe: FakeStripe
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:  # quiet test output
        pass

    def _read(self) -> str:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length).decode() if length else ""

    def _send(self, status: int, body: bytes, content_type: str, extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Request-Id", f"req_{secrets.token_hex(8)}")
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _dispatch(self, method: str) -> None:
        parts = urlsplit(self.path)
        raw = self._read()
        if parts.path.startswith("/v1/"):
            params = parse_form(raw if method == "POST" else parts.query)
            headers = {k.lower(): v for k, v in self.headers.items()}
            delay = self.stripe._take_delay(method, parts.path)
            if delay is not None and not delay.after_processing:
                delay.reached.set()
                time.sleep(delay.seconds)   # outside the fake's lock: other requests still answer
            status, body = self.stripe.handle_api(method, parts.path, params, headers)
            if delay is not None and delay.after_processing:
                delay.reached.set()
                time.sleep(delay.seconds)
            self._send(status, json.dumps(body).encode(), "application/json")
            return
        if parts.path.startswith("/checkout/pay/"):
            self._checkout_page(method, parts.path.rsplit("/", 1)[-1], parse_form(raw))
            return
        self._send(404, b"not found", "text/plain")

    def _checkout_page(self, method: str, session_id: str, form: dict) -> None:
        session = self.stripe.state.objects.get(session_id)
        if session is None:
            self._send(404, b"No such checkout session", "text/plain")
            return
        if method == "POST":
            if form.get("action") == "cancel":
                self._send(303, b"", "text/plain", {"Location": session["cancel_url"]})
                return
            if session["status"] == "open":
                self.stripe.state.pay_checkout_session(session_id)
            target = session["success_url"].replace("{CHECKOUT_SESSION_ID}", session_id)
            self._send(303, b"", "text/plain", {"Location": target})
            return
        amount = session.get("amount_total") or 0
        currency = (session.get("currency") or "").upper()
        page = f"""<!doctype html><html><head><title>Fake Stripe Checkout</title></head><body>
<h1>Pay {html.escape(currency)} <span id="amount-minor">{amount}</span></h1>
<p id="session-status">{html.escape(session['status'])}</p>
<form method="post"><input type="hidden" name="action" value="pay">
<button id="pay" type="submit">Pay</button></form>
<form method="post"><input type="hidden" name="action" value="cancel">
<button id="cancel" type="submit">Cancel</button></form></body></html>"""
        self._send(200, page.encode(), "text/html; charset=utf-8")

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")
