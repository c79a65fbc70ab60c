"""Rate limits on sign-in and booking, per client IP and per account: held longer, or answered 429.

Limited requests (settings in hub_app/security/config.py):

- sign-in: POST /api/v1/auth/token (JSON `email`) and POST /admin/login (form `username`);
- booking, registration included: POST /api/v1/stores/{slug}/bookings (JSON `client.email`,
  or the bearer token of a signed-in client).

The counting itself (keys, limits, what is slowed down and what is refused) is
hub_app/security/attempts.py, shared with the same actions on the pages. Holding a request is an
`asyncio.sleep` before it reaches the route: it costs no thread. The domain's own sign-in
throttling (failed attempts per account and address) applies behind this.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qsl

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub_app.security.attempts import BOOKING, LOGIN, Limits, count_attempt, limits_for
from hub_app.security.body_limit import replay_body
from hub_app.security.config import SecuritySettings
from hub_app.security.ratelimit import RateLimiter
from hub_app.security.responses import send_rate_limited


@dataclass(frozen=True)
class Rule:
    name: str  # the kind of attempt (attempts.LOGIN, attempts.BOOKING)
    method: str
    path: re.Pattern[str]
    account: Callable[[bytes, Headers], str | None]
    limits: Limits


def _json_field(*path: str) -> Callable[[bytes, Headers], str | None]:
    def extract(body: bytes, headers: Headers) -> str | None:
        try:
            value = json.loads(body)
        except (ValueError, RecursionError):  # not JSON, or nested deeper than the parser goes
            return None
        for name in path:
            if not isinstance(value, dict):
                return None
            value = value.get(name)
        return value if isinstance(value, str) else None

    return extract


def _json_number(name: str) -> Callable[[bytes, Headers], int | None]:
    def extract(body: bytes, headers: Headers) -> int | None:
        try:
            value = json.loads(body)
        except (ValueError, RecursionError):
            return None
        number = value.get(name) if isinstance(value, dict) else None
        return number if isinstance(number, int) and not isinstance(number, bool) else None

    return extract


def _form_field(name: str) -> Callable[[bytes, Headers], str | None]:
    def extract(body: bytes, headers: Headers) -> str | None:
        if "application/x-www-form-urlencoded" not in headers.get("content-type", ""):
            return None  # multipart sign-in forms are not used by the admin page
        values = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        return values.get(name)

    return extract


def _booking_account(body: bytes, headers: Headers) -> str | None:
    email = _json_field("client", "email")(body, headers)
    if email:
        return email
    # Staff booking for a client (at the desk, on the phone) is neither the staff member's own
    # booking nor the client's doing: no per-account count, only the per-address one. The domain
    # refuses the field to anyone but staff of that store, so it opens no way around the limit.
    if _json_number("client_user_id")(body, headers) is not None:
        return None
    authorization = headers.get("authorization", "")
    if authorization.lower().startswith("bearer "):
        return "token:" + authorization[7:].strip()
    return None


def rules_from(settings: SecuritySettings) -> list[Rule]:
    login, booking = limits_for(LOGIN, settings), limits_for(BOOKING, settings)
    return [
        Rule(LOGIN, "POST", re.compile(r"^/api/v1/auth/token/?$"), _json_field("email"), login),
        Rule(LOGIN, "POST", re.compile(r"^/admin/login/?$"), _form_field("username"), login),
        Rule(BOOKING, "POST", re.compile(r"^/api/v1/stores/[^/]+/bookings/?$"), _booking_account, booking),
    ]


class RateLimitMiddleware:
    def __init__(self, app: ASGIApp, *, limiter: RateLimiter, rules: list[Rule]) -> None:
        self.app = app
        self.limiter = limiter
        self.rules = rules

    def _rule(self, scope: Scope) -> Rule | None:
        for rule in self.rules:
            if scope["method"] == rule.method and rule.path.match(scope["path"]):
                return rule
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        rule = self._rule(scope) if scope["type"] == "http" else None
        if rule is None:
            await self.app(scope, receive, send)
            return
        body, receive = await _read_body(receive)
        client = scope.get("client")
        account = rule.account(body, Headers(scope=scope))
        pace = await count_attempt(self.limiter, rule.name, rule.limits, client[0] if client else None, account)
        if pace.retry_after:
            await send_rate_limited(send, scope, pace.retry_after)
            return
        if pace.delay:
            await asyncio.sleep(pace.delay)
        await self.app(scope, receive, send)


async def _read_body(receive: Receive) -> tuple[bytes, Receive]:
    """The whole request body (already capped by BodyLimitMiddleware) and a receive replaying it."""
    chunks: list[bytes] = []
    while True:
        message: Message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    return body, replay_body(body, receive)
