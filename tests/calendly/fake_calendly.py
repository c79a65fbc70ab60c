"""A small Calendly API v2 server for tests, speaking the documented wire format.

It serves /users/me, /event_types, /scheduled_events (+ invitees) and /webhook_subscriptions with
the JSON shapes of the Calendly notes: full URIs as ids, keyset pages (`count`, `next_page`,
`next_page_token`), Bearer tokens (401 once revoked), 429 with `X-RateLimit-Reset`, injectable
5xx, 403 for webhooks on a free plan, 409 for a second subscription to one URL. Tests book and
cancel "on Calendly" through helpers, and `send_webhook` posts signed deliveries
(`Calendly-Webhook-Signature: t=…,v1=HMAC-SHA256(key, "t.body")`) to every matching subscription.
The signature is computed here independently of the application's code.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import threading
import time
from collections import deque
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx

_ids = itertools.count(1)


def iso(value: datetime) -> str:
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


class FakeCalendly:
    def __init__(self, *, max_page_size: int = 100):
        self.max_page_size = max_page_size
        self.lock = threading.RLock()
        self.tokens: dict[str, bool] = {}  # token -> still valid
        self.event_types: list[dict] = []
        self.events: dict[str, dict] = {}
        self.invitees: dict[str, list[dict]] = {}  # event uuid -> invitees
        self.subscriptions: dict[str, dict] = {}
        self.signing_keys: dict[str, str] = {}  # subscription uuid -> key (never served)
        self.failures: deque[int] = deque()
        self.rate_limited_requests = 0
        self.rate_limit_reset = 1
        self.webhooks_need_paid_plan = False
        self.requests: list[tuple[str, str, dict]] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.fake = self  # type: ignore[attr-defined]
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    # --- lifecycle -----------------------------------------------------------------------------

    def start(self) -> "FakeCalendly":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # --- the account -----------------------------------------------------------------------------

    @property
    def user_uri(self) -> str:
        return f"{self.base_url}/users/U001"

    @property
    def organization_uri(self) -> str:
        return f"{self.base_url}/organizations/ORG001"

    def add_token(self, token: str) -> str:
        self.tokens[token] = True
        return token

    def revoke(self, token: str) -> None:
        self.tokens[token] = False

    def fail_next(self, *statuses: int) -> None:
        self.failures.extend(statuses)

    def rate_limit_next(self, requests: int, reset_seconds: int = 1) -> None:
        self.rate_limited_requests, self.rate_limit_reset = requests, reset_seconds

    def add_event_type(self, name: str, duration: int = 30, *, owner: str | None = None, active: bool = True) -> str:
        uuid = f"ET{next(_ids):04d}"
        uri = f"{self.base_url}/event_types/{uuid}"
        now = iso(datetime.now(timezone.utc))
        self.event_types.append({
            "uri": uri, "name": name, "active": active, "slug": name.lower().replace(" ", "-"),
            "scheduling_url": f"https://calendly.com/foobar/{uuid.lower()}", "duration": duration, "kind": "solo",
            "pooling_type": None, "type": "StandardEventType", "color": "#000002", "secret": False,
            "internal_note": None, "description_plain": None, "description_html": None, "custom_questions": [],
            "profile": {"type": "User", "name": "FooBar", "owner": owner or self.user_uri},
            "created_at": now, "updated_at": now,
        })
        return uri

    # --- booking "on Calendly" -------------------------------------------------------------------

    def book(self, event_type_uri: str, start: datetime, *, email: str, name: str = "Maria Papadopoulou",
             first_name: str | None = None, last_name: str | None = None, phone: str | None = None,
             old_invitee: str | None = None) -> dict:
        """A person books an event type; returns the invitee (with its event embedded)."""
        event_type = next(e for e in self.event_types if e["uri"] == event_type_uri)
        event_uuid, invitee_uuid = f"EV{next(_ids):04d}", f"INV{next(_ids):04d}"
        event_uri = f"{self.base_url}/scheduled_events/{event_uuid}"
        now = iso(datetime.now(timezone.utc))
        event = {
            "uri": event_uri, "name": event_type["name"], "status": "active",
            "start_time": iso(start), "end_time": iso(start + timedelta(minutes=event_type["duration"])),
            "event_type": event_type_uri, "location": {"type": "physical", "location": "The studio"},
            "invitees_counter": {"total": 1, "active": 1, "limit": 1},
            "event_memberships": [{"user": self.user_uri, "user_email": "foobar@example.com", "user_name": "FooBar"}],
            "event_guests": [], "meeting_notes_plain": None, "meeting_notes_html": None,
            "created_at": now, "updated_at": now,
        }
        invitee = {
            "uri": f"{event_uri}/invitees/{invitee_uuid}", "event": event_uri, "email": email, "name": name,
            "first_name": first_name, "last_name": last_name, "status": "active", "timezone": "Europe/Athens",
            "text_reminder_number": phone,
            "questions_and_answers": [{"question": "Anything else?", "answer": "Window seat", "position": 0}],
            "tracking": {"utm_campaign": None, "utm_source": None, "utm_medium": None, "utm_content": None,
                         "utm_term": None, "salesforce_uuid": None},
            "cancel_url": f"https://calendly.com/cancellations/{invitee_uuid}",
            "reschedule_url": f"https://calendly.com/reschedulings/{invitee_uuid}",
            "rescheduled": False, "old_invitee": old_invitee, "new_invitee": None, "routing_form_submission": None,
            "payment": None, "no_show": None, "reconfirmation": None, "scheduling_method": None,
            "invitee_scheduled_by": None, "created_at": now, "updated_at": now,
        }
        with self.lock:
            self.events[event_uuid] = event
            self.invitees[event_uuid] = [invitee]
        return invitee

    def cancel(self, invitee_uri: str, *, reason: str = "Cannot make it", new_invitee: str | None = None) -> dict:
        invitee = self.invitee(invitee_uri)
        event = self.events[invitee["event"].rsplit("/", 1)[-1]]
        now = iso(datetime.now(timezone.utc))
        with self.lock:
            invitee["status"] = "canceled"
            invitee["rescheduled"] = new_invitee is not None
            invitee["new_invitee"] = new_invitee
            invitee["cancellation"] = {"canceled_by": invitee["name"], "reason": reason, "canceler_type": "invitee",
                                       "created_at": now}
            event["invitees_counter"]["active"] -= 1
            if event["invitees_counter"]["active"] == 0:
                event["status"] = "canceled"
                event["cancellation"] = {"canceled_by": invitee["name"], "reason": reason, "canceler_type": "invitee"}
        return invitee

    def reschedule(self, invitee_uri: str, new_start: datetime) -> tuple[dict, dict]:
        """Calendly's reschedule: a new event and invitee, and the old invitee cancelled."""
        old = self.invitee(invitee_uri)
        event_type_uri = self.events[old["event"].rsplit("/", 1)[-1]]["event_type"]
        new = self.book(event_type_uri, new_start, email=old["email"], name=old["name"], old_invitee=invitee_uri)
        return self.cancel(invitee_uri, reason="Rescheduled", new_invitee=new["uri"]), new

    def invitee(self, invitee_uri: str) -> dict:
        event_uuid = invitee_uri.split("/scheduled_events/", 1)[1].split("/", 1)[0]
        return next(i for i in self.invitees[event_uuid] if i["uri"] == invitee_uri)

    def disable_subscription(self, uri: str) -> None:
        self.subscriptions[uri.rsplit("/", 1)[-1]]["state"] = "disabled"

    # --- webhooks ----------------------------------------------------------------------------------

    def webhook_body(self, event_name: str, invitee_uri: str, *, created_at: str | None = None) -> bytes:
        invitee = json.loads(json.dumps(self.invitee(invitee_uri)))
        invitee["scheduled_event"] = json.loads(json.dumps(self.events[invitee["event"].rsplit("/", 1)[-1]]))
        invitee["scheduled_event"].pop("cancellation", None)
        envelope = {"event": event_name, "created_at": created_at or iso(datetime.now(timezone.utc)),
                    "created_by": self.user_uri, "payload": invitee}
        return json.dumps(envelope, separators=(",", ":")).encode()

    @staticmethod
    def sign(signing_key: str, body: bytes, timestamp: int | None = None) -> str:
        timestamp = int(time.time()) if timestamp is None else timestamp
        digest = hmac.new(signing_key.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
        return f"t={timestamp},v1={digest}"

    def deliver(self, event_name: str, body: bytes, *, timestamp: int | None = None,
                signing_key: str | None = None) -> list[httpx.Response]:
        """POST `body` to every active subscription for `event_name`, signed with its key."""
        responses = []
        for uuid, sub in list(self.subscriptions.items()):
            if sub["state"] != "active" or event_name not in sub["events"]:
                continue
            header = self.sign(signing_key or self.signing_keys[uuid], body, timestamp)
            responses.append(httpx.post(sub["callback_url"], content=body, timeout=10, headers={
                "Content-Type": "application/json", "Calendly-Webhook-Signature": header}))
        return responses

    def send_webhook(self, event_name: str, invitee_uri: str, **kwargs) -> list[httpx.Response]:
        created_at = kwargs.pop("created_at", None)
        return self.deliver(event_name, self.webhook_body(event_name, invitee_uri, created_at=created_at), **kwargs)

    # --- serving -----------------------------------------------------------------------------------

    def page(self, path: str, query: dict, items: list[dict]) -> tuple[int, dict]:
        try:
            count = min(int(query.get("count", 20)), self.max_page_size)
            offset = int(base64.urlsafe_b64decode(query["page_token"]).decode()) if "page_token" in query else 0
        except ValueError:
            return 400, {"title": "Invalid Argument", "message": "The supplied parameters are invalid."}
        if count < 1:
            return 400, {"title": "Invalid Argument", "message": "count must be at least 1"}
        chunk = items[offset:offset + count]

        def link(at: int) -> tuple[str | None, str | None]:
            if at < 0 or at >= len(items) or at == offset:
                return None, None
            token = base64.urlsafe_b64encode(str(at).encode()).decode()
            return f"{self.base_url}{path}?{urlencode({**query, 'page_token': token})}", token

        next_page, next_token = link(offset + count)
        prev_page, prev_token = link(max(offset - count, 0)) if offset else (None, None)
        return 200, {"collection": chunk, "pagination": {
            "count": len(chunk), "next_page": next_page, "next_page_token": next_token,
            "previous_page": prev_page, "previous_page_token": prev_token}}

    def handle(self, method: str, path: str, query: dict, token: str | None, body: dict | None) -> tuple[int, dict | None, dict]:
        with self.lock:
            self.requests.append((method, path, query))
            if self.rate_limited_requests > 0:
                self.rate_limited_requests -= 1
                return 429, {"title": "Too Many Requests", "message": "Rate limit exceeded"}, {
                    "X-RateLimit-Limit": "500", "X-RateLimit-Remaining": "0",
                    "X-RateLimit-Reset": str(self.rate_limit_reset)}
            if self.failures:
                status = self.failures.popleft()
                return status, {"title": "Internal Server Error", "message": "Something went wrong"}, {}
            if not token or not self.tokens.get(token):
                return 401, {"title": "Unauthenticated", "message": "The access token is invalid"}, {}
            return self._route(method, path, query, body) + ({},)

    def _route(self, method: str, path: str, query: dict, body: dict | None) -> tuple[int, dict | None]:
        parts = [p for p in path.split("/") if p]
        not_found = (404, {"title": "Resource Not Found", "message": "The server could not find the requested resource."})
        if method == "GET" and parts == ["users", "me"]:
            return 200, {"resource": {
                "uri": self.user_uri, "name": "FooBar", "slug": "foobar", "email": "foobar@example.com",
                "scheduling_url": "https://calendly.com/foobar", "timezone": "Europe/Athens", "avatar_url": None,
                "created_at": "2020-05-01T00:00:00.000000Z", "updated_at": "2020-05-02T00:00:00.000000Z",
                "current_organization": self.organization_uri, "resource_type": "User"}}
        if method == "GET" and parts == ["event_types"]:
            if ("user" in query) == ("organization" in query):
                return 400, {"title": "Invalid Argument", "message": "Specify exactly one of user or organization"}
            items = [e for e in self.event_types if "user" not in query or e["profile"]["owner"] == query["user"]]
            if "active" in query:
                items = [e for e in items if e["active"] == (query["active"] == "true")]
            return self.page(path, query, items)
        if method == "GET" and parts == ["scheduled_events"]:
            if "user" not in query and "organization" not in query:
                return 400, {"title": "Invalid Argument", "message": "user or organization is required"}
            if "user" in query and "organization" not in query:
                return 403, {"title": "Permission Denied", "message": "Please also specify organization"}
            items = sorted(self.events.values(), key=lambda e: e["start_time"])
            if "status" in query:
                items = [e for e in items if e["status"] == query["status"]]
            if "min_start_time" in query:
                items = [e for e in items if _parse(e["start_time"]) >= _parse(query["min_start_time"])]
            if "max_start_time" in query:
                items = [e for e in items if _parse(e["start_time"]) < _parse(query["max_start_time"])]
            return self.page(path, query, [{k: v for k, v in e.items()} for e in items])
        if method == "GET" and len(parts) == 2 and parts[0] == "scheduled_events":
            event = self.events.get(parts[1])
            return (200, {"resource": event}) if event else not_found
        if method == "GET" and len(parts) == 3 and parts[0] == "scheduled_events" and parts[2] == "invitees":
            if parts[1] not in self.invitees:
                return not_found
            items = [i for i in self.invitees[parts[1]] if "status" not in query or i["status"] == query["status"]]
            return self.page(path, query, items)
        if parts and parts[0] == "webhook_subscriptions":
            return self._webhooks(method, parts, query, body or {})
        return not_found

    def _webhooks(self, method: str, parts: list[str], query: dict, body: dict) -> tuple[int, dict | None]:
        not_found = (404, {"title": "Resource Not Found", "message": "The server could not find the requested resource."})
        if method == "POST" and len(parts) == 1:
            missing = [k for k in ("url", "events", "organization", "scope") if not body.get(k)]
            if body.get("scope") == "user" and not body.get("user"):
                missing.append("user")
            if missing:
                return 400, {"title": "Invalid Argument", "message": "The supplied parameters are invalid.",
                             "details": [{"parameter": k, "message": "is required"} for k in missing]}
            if self.webhooks_need_paid_plan:
                return 403, {"title": "Permission Denied", "message": "Please upgrade your Calendly account to Professional"}
            if any(s["callback_url"] == body["url"] for s in self.subscriptions.values()):
                return 409, {"title": "Already Exists", "message": "Hook with this url already exists"}
            uuid = f"WH{next(_ids):04d}"
            now = iso(datetime.now(timezone.utc))
            self.subscriptions[uuid] = {
                "uri": f"{self.base_url}/webhook_subscriptions/{uuid}", "callback_url": body["url"],
                "events": list(body["events"]), "scope": body["scope"], "organization": body["organization"],
                "user": body.get("user"), "group": None, "creator": self.user_uri, "state": "active",
                "retry_started_at": None, "created_at": now, "updated_at": now}
            if body.get("signing_key"):
                self.signing_keys[uuid] = body["signing_key"]
            return 201, {"resource": self.subscriptions[uuid]}
        if method == "GET" and len(parts) == 1:
            if not query.get("organization") or not query.get("scope"):
                return 400, {"title": "Invalid Argument", "message": "organization and scope are required"}
            items = [s for s in self.subscriptions.values() if s["organization"] == query["organization"]
                     and s["scope"] == query["scope"] and ("user" not in query or s["user"] == query["user"])]
            return self.page("/webhook_subscriptions", query, items)
        if len(parts) == 2 and parts[1] in self.subscriptions:
            if method == "GET":
                return 200, {"resource": self.subscriptions[parts[1]]}
            if method == "DELETE":
                del self.subscriptions[parts[1]]
                self.signing_keys.pop(parts[1], None)
                return 204, None
        return not_found


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # noqa: A002 - quiet test output
        pass

    def _serve(self, method: str) -> None:
        fake: FakeCalendly = self.server.fake  # type: ignore[attr-defined]
        url = urlsplit(self.path)
        query = dict(parse_qsl(url.query))
        auth = self.headers.get("Authorization", "")
        token = auth[7:] if auth.startswith("Bearer ") else None
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        status, payload, headers = fake.handle(method, url.path, query, token, body)
        data = json.dumps(payload).encode() if payload is not None else b""
        self.send_response(status)
        for name, value in {"X-RateLimit-Limit": "500", "X-RateLimit-Remaining": "499",
                            "X-RateLimit-Reset": "60", **headers}.items():
            self.send_header(name, value)
        if data:
            self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):  # noqa: N802
        self._serve("GET")

    def do_POST(self):  # noqa: N802
        self._serve("POST")

    def do_DELETE(self):  # noqa: N802
        self._serve("DELETE")
